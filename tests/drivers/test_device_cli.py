"""The technicians' device commands run as real processes: ``kiosk qr decode``, ``kiosk qr
watch`` with the fake reader, and ``kiosk slip render`` whose ESC/POS bytes are decoded back into
a picture and whose printed QR code is scanned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest_printer import decode_gs_v_0, make_dossier
from pyzbar import pyzbar

from simulators.people import sample_person
from simulators.qr_scenes import Carrier, Negative, Scene, negative, photo

RNG_SEED = 41


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KIOSK_CONFIG": "", "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        check=False,
    )


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("qr")
    rng = np.random.default_rng(RNG_SEED)
    person = sample_person()
    scene = Scene(Carrier.PHONE, 220.0, 8.0, 6.0, -4.0, (0.05, -0.03))
    pictures = {
        "code.png": photo(person.payload(), scene, rng),
        "nothing.png": negative(Negative.TEXT, rng),
        "ean.png": negative(Negative.EAN13, rng),
    }
    paths = {}
    for name, picture in pictures.items():
        path = folder / name
        assert cv2.imwrite(str(path), picture)
        paths[name] = path
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    paths["broken.png"] = folder / "broken.png"
    return paths


def test_qr_decode_prints_one_masked_line_per_file(images: dict[str, Path]) -> None:
    result = kiosk("qr", "decode", str(images["code.png"]), str(images["nothing.png"]))
    assert result.returncode == 0, result.stderr
    first, second = json_lines(result.stdout)
    person = sample_person()
    assert first["file"] == str(images["code.png"])
    assert first["text"] == "********1234|*****3456|" + person.payload().decode().split("|", 2)[2]
    assert isinstance(first["ms"], float)
    assert first["decoder"] in {"pyzbar", "zxing"}
    assert second == {"file": str(images["nothing.png"]), "text": None, "bytes_hex": None} | {
        "ms": second["ms"]
    }
    assert person.id_number not in result.stdout + result.stderr


def test_qr_decode_reveal_gives_the_exact_bytes(images: dict[str, Path]) -> None:
    result = kiosk("qr", "decode", "--reveal", str(images["code.png"]))
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert bytes.fromhex(str(line["bytes_hex"])) == sample_person().payload()


def test_qr_decode_ignores_other_barcodes(images: dict[str, Path]) -> None:
    result = kiosk("qr", "decode", str(images["ean.png"]))
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert line["text"] is None


def test_qr_decode_reports_unreadable_files_and_goes_on(images: dict[str, Path]) -> None:
    missing = images["code.png"].parent / "missing.png"
    result = kiosk(
        "qr", "decode", str(images["broken.png"]), str(missing), str(images["code.png"])
    )
    assert result.returncode == 2
    broken, absent, good = json_lines(result.stdout)
    assert broken["text"] is None and broken["error"] == "not a readable image file"
    assert absent["error"] == "not a readable image file"
    assert good["text"] is not None
    assert "broken.png: not a readable image file" in result.stderr


def test_qr_watch_with_the_fake_reader_prints_masked_reads() -> None:
    result = kiosk("qr", "watch", "--driver", "fake", "--count", "1", "--seconds", "20", "--json")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    reads = [line for line in lines if "decoder" in line]
    assert len(reads) == 1
    assert reads[0]["identity"] == "valid"
    assert str(reads[0]["text"]).startswith("********1234|")
    assert sample_person().id_number not in result.stdout


def test_slip_render_writes_png_and_escpos_that_decode_back(tmp_path: Path) -> None:
    dossier = tmp_path / "dossier.json"
    dossier.write_text(make_dossier().to_json(), encoding="utf-8")
    png, escpos = tmp_path / "slip.png", tmp_path / "slip.bin"
    result = kiosk(
        "slip", "render", "--dossier", str(dossier), "--png", str(png), "--escpos", str(escpos),
        "--profile", "TM-T88V",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["code"] == "KIOSK01-261123-0007"
    assert summary["width_dots"] == 512
    job = decode_gs_v_0(escpos.read_bytes())
    (page,) = job.pages
    assert page.shape[1] == 512
    drawn = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert drawn is not None
    assert np.array_equal(page, np.where(drawn < 128, 0, 255).astype(np.uint8))
    codes = {r.type: r.data.decode() for r in pyzbar.decode(page)}
    assert codes["QRCODE"] == "KIOSK01-261123-0007"
    assert codes["CODE128"] == "KIOSK01-261123-0007"


def test_slip_render_refuses_a_file_that_is_not_a_dossier(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    result = kiosk(
        "slip", "render", "--dossier", str(bad), "--png", str(tmp_path / "a.png"),
        "--escpos", str(tmp_path / "a.bin"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "is not a dossier file" in result.stderr
    assert not (tmp_path / "a.png").exists()
