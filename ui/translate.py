"""The view-models' one way to word a reason: Qt's translation of its id (``ui.messages``) in the
language the screens show, with the reason's values filled in.

Python-side texts do not follow a language switch by themselves, as ``qsTrId`` bindings do: the
composition root re-emits each view-model's ``changed`` when the language changes
(``ui.app``), so the screens read every text again in the new language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from PySide6.QtCore import qtTrId

from kiosk.journey import Notice
from ui.messages import arguments, fill, message_id


def translate(reason: StrEnum, params: Mapping[str, str] | None = None) -> str:
    """The sentence for ``reason`` in the current language."""
    return fill(qtTrId(message_id(reason)), arguments(reason, params or {}))


def notice_text(notice: Notice | None) -> str:
    """The notice's sentence, or "" for none."""
    return "" if notice is None else translate(notice.reason, notice.params)
