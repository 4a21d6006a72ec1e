"""The tesseract text reader (libtesseract through ctypes) on real Vietnamese text, and its
errors: library missing, language data missing; and the fake reader's injected faults."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from drivers.ocr.base import Gray, Layout, OcrError, OcrProblem
from drivers.ocr.fake import FakeReader
from drivers.ocr.tesseract import TesseractReader
from dvc_common.clock import FakeClock

FONT = Path(__file__).resolve().parents[2] / "drivers" / "fonts" / "NotoSans-Bold.ttf"


def lines_image(*lines: str, size_px: int = 44) -> Gray:
    """Black text lines on white, as a title area rendered at 200 dpi."""
    font = ImageFont.truetype(str(FONT), size_px)
    image = Image.new("L", (1400, 40 + len(lines) * size_px * 2), 255)
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((60, 20 + k * size_px * 2), line, font=font, fill=0)
    return np.asarray(image, dtype=np.uint8)


@pytest.fixture(scope="module")
def reader() -> TesseractReader:
    return TesseractReader()


def test_it_reads_vietnamese_words_with_diacritics_confidences_and_boxes(
    reader: TesseractReader,
) -> None:
    image = lines_image("GIẤY CHỨNG SINH", "Họ và tên mẹ")
    result = reader.read(image, 200)
    assert result.lines == ("GIẤY CHỨNG SINH", "Họ và tên mẹ")
    assert [w.line for w in result.words] == [0, 0, 0, 1, 1, 1, 1]
    first = result.words[0]
    assert first.text == "GIẤY" and first.confidence > 60
    # The box is where the word was drawn: left margin 60 px, first line near the top.
    assert 50 <= first.left <= 70 and 15 <= first.top <= 45
    assert 0 < first.width < 300 and 20 < first.height < 80
    assert all(w.left + w.width <= image.shape[1] for w in result.words)


def test_one_line_mode_and_an_image_too_small_to_hold_text(reader: TesseractReader) -> None:
    assert reader.read(lines_image("VĂN BẢN ỦY QUYỀN"), 200, layout=Layout.SINGLE_LINE).text == (
        "VĂN BẢN ỦY QUYỀN"
    )
    assert reader.read(np.full((2, 500), 255, np.uint8), 200).words == ()
    assert reader.read(np.full((300, 800), 255, np.uint8), 200).words == ()


def test_a_colour_image_is_refused_before_the_engine_sees_it(reader: TesseractReader) -> None:
    with pytest.raises(ValueError, match="grey"):
        reader.read(np.zeros((50, 50, 3), np.uint8), 200)


def test_two_threads_share_one_reader(reader: TesseractReader) -> None:
    images = {"GIẤY BÁO TỬ": lines_image("GIẤY BÁO TỬ"), "SỔ HỘ KHẨU": lines_image("SỔ HỘ KHẨU")}
    results: dict[str, list[str]] = {text: [] for text in images}

    def work(text: str) -> None:
        for _ in range(3):
            results[text].append(reader.read(images[text], 200, layout=Layout.SINGLE_BLOCK).text)

    threads = [threading.Thread(target=work, args=(text,)) for text in images]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {text: [text] * 3 for text in images}


def test_missing_language_data_is_a_clear_error(tmp_path: Path) -> None:
    reader = TesseractReader(tessdata=tmp_path)  # an empty tessdata directory
    with pytest.raises(OcrError) as caught:
        reader.read(lines_image("GIẤY CHỨNG SINH"), 200)
    assert caught.value.problem is OcrProblem.LANGUAGE_MISSING
    assert "vie" in caught.value.technical and str(tmp_path) in caught.value.technical


def test_an_unknown_language_is_missing_language_data() -> None:
    with pytest.raises(OcrError) as caught:
        TesseractReader("xyz").read(lines_image("ABC"), 200)
    assert caught.value.problem is OcrProblem.LANGUAGE_MISSING


def test_a_missing_library_is_a_clear_error() -> None:
    reader = TesseractReader(library="libtesseract-not-installed.so.5")
    with pytest.raises(OcrError) as caught:
        reader.read(lines_image("ABC"), 200)
    assert caught.value.problem is OcrProblem.LIBRARY_MISSING
    assert "libtesseract-not-installed.so.5" in caught.value.technical


def test_close_frees_the_engine_and_a_later_read_loads_it_again() -> None:
    reader = TesseractReader()
    assert reader.read(lines_image("TỜ KHAI"), 200).text == "TỜ KHAI"
    reader.close()
    assert reader.read(lines_image("TỜ KHAI"), 200).text == "TỜ KHAI"
    reader.close()


def test_the_fake_reader_injects_missing_data_errors_and_slowness() -> None:
    clock = FakeClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    slow = FakeReader(["GIẤY CHỨNG SINH"], clock=clock, delay_s=0.8)
    before = clock.monotonic()
    result = slow.read(np.full((100, 100), 255, np.uint8), 200)
    assert result.lines == ("GIẤY CHỨNG SINH",)
    assert clock.monotonic() - before == pytest.approx(0.8)
    for problem in OcrProblem:
        with pytest.raises(OcrError) as caught:
            FakeReader(fail=problem).read(np.full((100, 100), 255, np.uint8), 200)
        assert caught.value.problem is problem
