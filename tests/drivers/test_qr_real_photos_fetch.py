"""The real-picture fetcher (``simulators.real_qr_photos``) on a temporary cache, without network:
an archive made here stands in for the published one, handed over by a fake downloader (the
registry is the device boundary). Checksums of archives and files are enforced, and a corrupt
cache is reported with the file's path and what to do."""

from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from simulators import real_qr_photos as rq
from simulators.qr_scenes import render_code


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, rq.Archive, tuple[rq.RealPhoto, ...]]:
    """A tarball with a QR picture and a picture without one, and the records that describe it."""
    code = png(render_code(b"kiosk test payload", module_px=6))
    plain = png(np.full((120, 160), 200, dtype=np.uint8))
    path = tmp_path / "published" / "pictures-1.0.tar.gz"
    path.parent.mkdir()
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("pictures-1.0/qr/code.png", code), ("pictures-1.0/plain.png", plain)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive = rq.Archive(
        rq.Source.PYZXING, path.name, rq.FetchMethod.PYPI_SDIST, "pictures==1.0",
        sha(path.read_bytes()), "pictures-1.0/", "MIT",
    )  # fmt: skip
    photos = (
        rq.RealPhoto(archive, "qr/code.png", sha(code), sha(b"kiosk test payload"), "a code"),
        rq.RealPhoto(archive, "plain.png", sha(plain), None, "no code"),
    )
    return path, archive, photos


def handing_over(path: Path, calls: list[str]) -> rq.Downloader:
    def download(archive: rq.Archive, folder: Path) -> Path:
        calls.append(archive.locator)
        return Path(shutil.copy(path, folder / archive.name))

    return download


def test_fetch_checks_and_caches_each_picture(
    tmp_path: Path, published: tuple[Path, rq.Archive, tuple[rq.RealPhoto, ...]]
) -> None:
    path, _, photos = published
    cache = tmp_path / "cache"
    calls: list[str] = []
    assert rq.missing(cache, photos) == list(photos)
    paths = rq.fetch(cache, photos, handing_over(path, calls))
    assert calls == ["pictures==1.0"]  # one download for both pictures
    assert [p.name for p in paths] == ["qr__code.png", "plain.png"]
    assert all(p.parent == cache / "pyzxing" for p in paths)
    assert rq.missing(cache, photos) == []
    image = rq.load(photos[0], cache)
    assert image.ndim == 3 and image.shape[2] == 3
    assert photos[0].expects(b"kiosk test payload") and not photos[0].expects(b"other")
    assert photos[0].has_code and not photos[1].has_code
    rq.fetch(cache, photos, handing_over(path, calls))
    assert len(calls) == 1  # nothing missing: no second download


def test_a_corrupt_cached_file_is_refused_with_what_to_do(
    tmp_path: Path, published: tuple[Path, rq.Archive, tuple[rq.RealPhoto, ...]]
) -> None:
    path, _, photos = published
    cache = tmp_path / "cache"
    rq.fetch(cache, photos, handing_over(path, []))
    target = rq.cached_path(photos[0], cache)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(rq.RealPhotoError) as caught:
        rq.load(photos[0], cache)
    message = str(caught.value)
    assert str(target) in message
    assert "corrupt" in message and "python -m simulators.real_qr_photos" in message
    target.unlink()
    with pytest.raises(rq.RealPhotoError, match="missing"):
        rq.load(photos[0], cache)


def test_an_archive_with_another_checksum_is_refused_and_nothing_is_cached(
    tmp_path: Path, published: tuple[Path, rq.Archive, tuple[rq.RealPhoto, ...]]
) -> None:
    path, archive, photos = published
    altered = tmp_path / "altered" / archive.name
    altered.parent.mkdir()
    altered.write_bytes(path.read_bytes() + b"\0")
    cache = tmp_path / "cache"
    with pytest.raises(rq.RealPhotoError, match="SHA-256"):
        rq.fetch(cache, photos, handing_over(altered, []))
    assert rq.missing(cache, photos) == list(photos)


def test_a_picture_that_is_not_the_recorded_one_is_refused(
    tmp_path: Path, published: tuple[Path, rq.Archive, tuple[rq.RealPhoto, ...]]
) -> None:
    path, archive, _ = published
    wrong = rq.RealPhoto(archive, "plain.png", "0" * 64, None, "a different file")
    absent = rq.RealPhoto(archive, "nowhere.png", "0" * 64, None, "not in the archive")
    with pytest.raises(rq.RealPhotoError, match="not the expected file"):
        rq.fetch(tmp_path / "a", (wrong,), handing_over(path, []))
    with pytest.raises(rq.RealPhotoError, match="holds no file"):
        rq.fetch(tmp_path / "b", (absent,), handing_over(path, []))
    assert not (tmp_path / "a" / "pyzxing" / "plain.png").exists()


def test_the_recorded_pictures_are_consistent() -> None:
    paths = {rq.cached_path(p) for p in rq.PHOTOS}
    assert len(paths) == len(rq.PHOTOS)  # no two pictures share a cache file
    for photo in rq.PHOTOS:
        assert photo.archive in rq.ARCHIVES
        assert len(photo.sha256) == 64
        assert photo.payload_sha256 is None or len(photo.payload_sha256) == 64
    assert sum(p.has_code for p in rq.PHOTOS) >= 20
    assert sum(not p.has_code for p in rq.PHOTOS) >= 20
    assert {p.source for p in rq.PHOTOS} == set(rq.Source)
