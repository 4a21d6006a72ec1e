"""What the Vietnamese screens read for a reason the core reports, worded from
``ui/i18n/kiosk_vi.ts`` without Qt: tests keep asserting the citizen's words while the core
hands over reasons only."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from config.settings import Language
from kiosk.journey import Notice
from ui.messages import say, sentences

VI = sentences(Language.VI)


def vietnamese(reason: StrEnum, params: Mapping[str, str] | None = None) -> str:
    """The Vietnamese sentence for ``reason`` with its values."""
    return say(reason, params, VI)


def notice_vi(notice: Notice | None) -> str:
    """The Vietnamese sentence for a journey's or the scan step's notice; "" for none."""
    return "" if notice is None else vietnamese(notice.reason, notice.params)
