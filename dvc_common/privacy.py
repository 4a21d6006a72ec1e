"""Keeping personal data out of logs.

ID numbers are masked to their last four digits wherever they might be printed, and a logging
filter masks any ID-shaped digit run that slips into a message anyway.
"""

from __future__ import annotations

import logging
import re

_ID_RUN = re.compile(r"(?<![0-9])[0-9]{5,}([0-9]{4})(?![0-9])")


def mask_id(number: str) -> str:
    """``001234567890`` → ``********7890``; short values are masked whole."""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def mask_digits_in(text: str) -> str:
    """Mask every run of 9 or more digits (old and new ID numbers) in free text."""
    return _ID_RUN.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(1), text)


class IdMaskingFilter(logging.Filter):
    """Masks ID-shaped numbers in every record passing through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_digits_in(message)
        if masked != message:
            record.msg = masked
            record.args = None
        # Exception text ("no identity for 0491...") is personal data too. Formatters reuse a
        # pre-set exc_text, so masking it here covers every handler's output.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_digits_in(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_digits_in(record.stack_info)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Attach the masking filter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, IdMaskingFilter) for f in handler.filters):
            handler.addFilter(IdMaskingFilter())
