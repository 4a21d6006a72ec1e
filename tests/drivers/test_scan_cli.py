"""``kiosk scan process``: one JSON line per page, the PDF, exit codes, unreadable files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk.cli_scan import add_scan_commands
from simulators.scan_pages import GOOD_SCAN, PageKind, sample


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_scan_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    rng = np.random.default_rng(30)
    files = {}
    for name, kind in (("letter", PageKind.TEXT), ("back", PageKind.BLANK)):
        path = folder / f"{name}.png"
        Image.fromarray(sample(kind, rng, GOOD_SCAN).image).save(path, dpi=(200, 200))
        files[name] = path
    garbage = folder / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    files["garbage"] = garbage
    return files


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_one_json_line_per_page_and_a_pdf(
    scans: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "doc.pdf"
    assert main(["scan", "process", str(scans["letter"]), str(scans["back"]), "-o", str(out)]) == 0
    rows = lines(capsys.readouterr().out)
    assert [r["index"] for r in rows] == [0, 1]
    letter, back = rows
    for key in ("file", "kind", "bytes", "ms", "skew_deg", "rotation", "flags", "dropped_as_blank"):
        assert key in letter
    assert letter["kind"] == "text" and letter["dropped_as_blank"] is False
    assert letter["dpi"] == 200
    assert back["kind"] == "blank" and back["dropped_as_blank"] is True
    assert out.read_bytes().startswith(b"%PDF-1.4")
    assert out.read_bytes().count(b"/Type /Page ") == 1


def test_dpi_falls_back_to_the_option(
    scans: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "bare.png"
    Image.open(scans["letter"]).save(bare)  # no dpi in the file
    assert main(["scan", "process", str(bare), "--dpi", "200", "-o", str(tmp_path / "o.pdf")]) == 0
    assert lines(capsys.readouterr().out)[0]["dpi"] == 200


@pytest.mark.parametrize("name", ["garbage", "missing"])
def test_an_unreadable_file_exits_2_and_writes_no_pdf(
    name: str, scans: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = scans["garbage"] if name == "garbage" else tmp_path / "nowhere.png"
    out = tmp_path / "doc.pdf"
    code = main(["scan", "process", str(bad), str(scans["letter"]), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert str(bad) in captured.err
    rows = lines(captured.out)
    assert rows[0]["error"] and rows[1]["kind"] == "text"  # the others are still checked
    assert not out.exists()


def test_all_blank_exits_2(
    scans: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "doc.pdf"
    assert main(["scan", "process", str(scans["back"]), "-o", str(out)]) == 2
    assert "blank" in capsys.readouterr().err
    assert not out.exists()
