"""The real-page catalogue, its cache and its checksums, and the sheet-fed scan of a page.

Downloading is the network's business: ``fetch`` is run here on a tarball built in the test (the
download itself replaced at that boundary), and the real pages are read only where a previous
``python -m simulators.real_pages`` left them in the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PilImage

from simulators import real_pages
from simulators.real_pages import (
    DEFAULT_CACHE,
    PAGES,
    Archive,
    FetchMethod,
    RealKind,
    RealPage,
    RealPageError,
    cached_path,
    degrade,
    fetch,
    load,
    missing,
)


def _png(grey: np.ndarray) -> bytes:
    out = io.BytesIO()
    PilImage.fromarray(grey).save(out, format="PNG")
    return out.getvalue()


def _made_up(tmp_path: Path, data: bytes, *, sha: str | None = None) -> RealPage:
    """A page of a local tarball holding ``data`` as ``root/page.png``."""
    tarball = tmp_path / "pages.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        info = tarfile.TarInfo("root/page.png")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    archive = Archive("pages.tar.gz", FetchMethod.DEBIAN_POOL, "http://deb.debian.org/x",
                      hashlib.sha256(tarball.read_bytes()).hexdigest(), "root/")  # fmt: skip
    return RealPage("made_up", archive, "page.png", sha or hashlib.sha256(data).hexdigest(),
                    RealKind.BOOK, 300, "eng", "CC0", "a test page")  # fmt: skip


@pytest.fixture
def local_archive(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Archive]:
    """``_download`` copies the test's tarball instead of going to the network."""
    asked: list[Archive] = []

    def download(archive: Archive, folder: Path) -> Path:
        asked.append(archive)
        return Path(shutil.copy(tmp_path / archive.name, folder / archive.name))

    monkeypatch.setattr(real_pages, "_download", download)
    return asked


def test_the_catalogue_is_varied_and_says_where_each_page_comes_from() -> None:
    assert 12 <= len(PAGES) <= 20
    assert len({p.name for p in PAGES}) == len(PAGES)
    assert len({p.kind for p in PAGES}) >= 8
    for page in PAGES:
        assert re.fullmatch(r"[0-9a-f]{64}", page.sha256)
        assert page.licence and page.note
        assert 100 <= page.dpi <= 1200
        assert page.archive in real_pages.ARCHIVES
    for archive in real_pages.ARCHIVES:
        assert re.fullmatch(r"[0-9a-f]{64}", archive.sha256)


def test_fetch_writes_checked_pages_and_downloads_only_what_is_missing(
    tmp_path: Path, local_archive: list[Archive]
) -> None:
    grey = np.full((60, 80), 235, dtype=np.uint8)
    grey[20:40, 10:70] = 20
    page = _made_up(tmp_path, _png(grey))
    cache = tmp_path / "cache"
    fetch(cache, (page,))
    assert missing(cache, (page,)) == []
    assert np.array_equal(load(page, cache), grey)
    fetch(cache, (page,))  # nothing missing: no second download
    assert len(local_archive) == 1
    assert list(cache.iterdir()) == [cached_path(page, cache)]  # no archive, no partial file


def test_fetch_refuses_a_member_that_is_not_the_published_file(
    tmp_path: Path, local_archive: list[Archive]
) -> None:
    page = _made_up(tmp_path, b"not the page", sha="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(RealPageError, match=r"page\.png is not the expected file"):
        fetch(cache, (page,))
    assert not cached_path(page, cache).exists()


def test_fetch_says_when_the_archive_lacks_a_page(
    tmp_path: Path, local_archive: list[Archive]
) -> None:
    page = dataclasses.replace(_made_up(tmp_path, b"a page"), member="elsewhere.png")
    with pytest.raises(RealPageError, match=r"pages\.tar\.gz holds no file elsewhere\.png"):
        fetch(tmp_path / "cache", (page,))


def test_a_corrupt_cache_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    page = _made_up(tmp_path, b"the published bytes")
    path = cached_path(page, tmp_path)
    path.write_bytes(b"the published bytes, then damage")
    with pytest.raises(RealPageError) as caught:
        load(page, tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert "corrupt or altered" in message
    assert "python -m simulators.real_pages" in message


def test_a_missing_cache_file_says_how_to_fetch(tmp_path: Path) -> None:
    page = _made_up(tmp_path, b"whatever")
    with pytest.raises(RealPageError, match=r"is missing: run `python -m simulators\.real_pages`"):
        load(page, tmp_path)


def test_a_page_is_scanned_at_200_dpi_grey_skewed_on_a_dark_backing(tmp_path: Path) -> None:
    grey = np.full((1200, 900), 240, dtype=np.uint8)  # 4 × 3 inches at 300 dpi
    grey[100:1100:40, 100:800] = 10  # lines of "text"
    page = dataclasses.replace(_made_up(tmp_path, _png(grey)), dpi=300)
    cached_path(page, tmp_path).write_bytes(_png(grey))
    scan = degrade(page, cache=tmp_path)
    assert np.array_equal(scan.perfect, grey)
    assert scan.dpi == 200 and scan.image.ndim == 2
    assert 1.5 <= abs(scan.degradation.angle_deg) <= 3.5
    assert scan.degradation.jpeg_quality is None
    margin = 2 * round(scan.degradation.margin_mm / 25.4 * 200)
    assert scan.sheet_shape == (800, 600)
    assert scan.image.shape == (800 + margin, 600 + margin)
    assert scan.image[:10, :10].mean() < 100  # the backing plate
    assert np.array_equal(degrade(page, cache=tmp_path).image, scan.image)  # reproducible
    assert not np.array_equal(degrade(page, cache=tmp_path, seed=1).image, scan.image)


@pytest.mark.skipif(
    bool(missing()), reason="real pages not fetched (python -m simulators.real_pages)"
)
def test_the_cached_real_pages_load_and_scan() -> None:
    for page in PAGES:
        perfect = load(page, DEFAULT_CACHE)
        assert perfect.dtype == np.uint8 and perfect.ndim == 2
        assert min(perfect.shape) >= 500
    scan = degrade(PAGES[0])  # the book page with its engraving, 150 dpi
    h, w = scan.perfect.shape
    assert scan.image.shape[0] > h * 200 / 150 and scan.image.shape[1] > w * 200 / 150
