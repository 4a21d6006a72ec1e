"""Keeping ID numbers out of logs: masking helpers and the logging filter."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from dvc_common.privacy import IdMaskingFilter, install_log_masking, mask_digits_in, mask_id

NEW_ID = "049158000123"  # invented: Quảng Nam, female born 1958
OLD_ID = "201234567"  # invented 9-digit CMND


# --- mask_id --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (NEW_ID, "********0123"),
        (OLD_ID, "*****4567"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_id(number: str, masked: str) -> None:
    assert mask_id(number) == masked
    assert len(mask_id(number)) == len(number)


# --- mask_digits_in -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NEW_ID, "********0123"),
        (OLD_ID, "*****4567"),
        (f"CCCD {NEW_ID} hợp lệ", "CCCD ********0123 hợp lệ"),
        (f"id={NEW_ID};old={OLD_ID}", "id=********0123;old=*****4567"),
        (f"CCCD{NEW_ID}.", "CCCD********0123."),
        (f"({NEW_ID})", "(********0123)"),
        ("1234567890123456", "************3456"),  # longer runs are masked too
    ],
)
def test_mask_digits_in_masks_id_runs(text: str, expected: str) -> None:
    assert mask_digits_in(text) == expected


def test_mask_digits_in_masks_any_run_of_nine_or_more() -> None:
    # A ten-digit phone number is ID-shaped too: masked, last four kept.
    assert mask_digits_in("gọi 0912345678") == "gọi ******5678"
    assert mask_digits_in("123456789") == "*****6789"


@pytest.mark.parametrize(
    "text",
    [
        "12345678",  # eight digits
        "Mã hồ sơ KIOSK01-261123-0001",
        "ngày 23/11/2026 lúc 15:00",
        "1234 5678 9012",  # digits split by spaces are separate runs
        "0123-456-789",
        "",
        "không có số",
    ],
)
def test_mask_digits_in_leaves_short_runs(text: str) -> None:
    assert mask_digits_in(text) == text


def test_mask_digits_in_many_ids_in_one_text() -> None:
    text = " ".join(f"04915800{i:04d}" for i in range(5))
    masked = mask_digits_in(text)
    assert "04915800" not in masked
    assert masked.split() == [f"********{i:04d}" for i in range(5)]


# --- the logging filter ----------------------------------------------------------------------


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("kiosk.test_privacy")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    try:
        yield log, stream, handler
    finally:
        log.removeHandler(handler)
        handler.close()


def test_install_log_masking_masks_messages(
    logger: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    log, stream, handler = logger
    install_log_masking(log)
    assert any(isinstance(f, IdMaskingFilter) for f in handler.filters)
    log.info("identity read: %s (old %s)", NEW_ID, OLD_ID)
    log.warning(f"gateway refused {NEW_ID}")
    output = stream.getvalue()
    assert NEW_ID not in output
    assert OLD_ID not in output
    assert "********0123" in output
    assert "*****4567" in output
    assert output.count("0123") == 2


def test_install_log_masking_is_idempotent(
    logger: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    log, stream, handler = logger
    install_log_masking(log)
    install_log_masking(log)
    assert sum(isinstance(f, IdMaskingFilter) for f in handler.filters) == 1
    log.info("id %s", NEW_ID)
    assert "id ********0123" in stream.getvalue()


def test_messages_without_ids_pass_unchanged(
    logger: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    log, stream, _handler = logger
    install_log_masking(log)
    log.info("receipt %s printed for %d pages", "KIOSK01-261123-0001", 3)
    assert (
        stream.getvalue()
        == "INFO kiosk.test_privacy receipt KIOSK01-261123-0001 printed for 3 pages\n"
    )


def test_masking_applies_to_records_from_child_loggers(
    logger: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    log, stream, _handler = logger
    install_log_masking(log)
    child = logging.getLogger("kiosk.test_privacy.sync")
    child.error("upload of dossier for %s failed", NEW_ID)
    output = stream.getvalue()
    assert NEW_ID not in output
    assert "upload of dossier for ********0123 failed" in output


def test_without_the_filter_the_number_would_leak(
    logger: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    # Guards the test set-up itself: the handler really writes what it is given.
    log, stream, _handler = logger
    log.info("id %s", NEW_ID)
    assert NEW_ID in stream.getvalue()


def test_filter_used_directly_on_a_handler() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(IdMaskingFilter())
    record = logging.LogRecord(
        "kiosk", logging.INFO, __file__, 1, "card %s, phone %s", (NEW_ID, "0912345678"), None
    )
    handler.handle(record)
    output = stream.getvalue()
    assert NEW_ID not in output
    assert "card ********0123" in output
    assert record.args is None


def test_root_logger_by_default() -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    before = {h: list(h.filters) for h in root.handlers}
    root.addHandler(handler)
    try:
        install_log_masking()
        assert any(isinstance(f, IdMaskingFilter) for f in handler.filters)
        record = logging.LogRecord("kiosk", logging.INFO, __file__, 1, "id %s", (NEW_ID,), None)
        handler.handle(record)
        assert stream.getvalue() == "id ********0123\n"
    finally:
        root.removeHandler(handler)
        handler.close()
        for other, filters in before.items():
            other.filters[:] = filters


def test_exception_tracebacks_are_masked_too() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.privacy.traceback")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_log_masking(logger)
    try:
        raise ValueError("no identity for 049158000123")
    except ValueError:
        logger.exception("lookup failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "Traceback" in output
    assert "049158000123" not in output
    assert "********0123" in output
