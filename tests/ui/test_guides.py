"""What "Nghe hướng dẫn" reads on each screen matches that screen: every screen has its guide in
both languages, and each button a guide tells the citizen to press is named exactly as the button
says it (a guide that says "bấm Quét" beside a button labelled otherwise sends an elderly user
looking for a button that is not there)."""

from __future__ import annotations

import re

import pytest

from config.settings import Language
from kiosk.router import Screen
from ui.messages import sentences

# The buttons each screen's guide names, by translation id.
NAMED: dict[Screen, tuple[str, ...]] = {
    Screen.HOME: ("home.start", "common.callStaff"),
    Screen.DETAILS: ("details.start",),
    Screen.CARD_CHECK: ("card.right", "card.wrong"),
    Screen.FORM: ("common.next",),
    Screen.SCAN: ("scan.start", "common.next", "scan.skip"),
    Screen.REVIEW: ("review.edit", "review.submit"),
    Screen.CONFIRM: ("confirm.submit",),
    Screen.LOOKUP: ("lookup.submit",),
}


def plain(text: str) -> str:
    """Case, punctuation and spacing aside: read aloud, "bỏ qua" is "— bỏ qua"."""
    return " ".join(re.sub(r"[—:,.;!?()\"“”]", " ", text).casefold().split())


@pytest.mark.parametrize("language", list(Language))
def test_every_screen_has_a_guide(language: Language) -> None:
    texts = sentences(language)
    for screen in Screen:
        assert texts.get(f"guide.{screen.value}"), f"{language.value}: no guide for {screen}"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("screen", list(NAMED), ids=lambda s: s.value)
def test_a_guide_names_its_buttons_as_they_read(language: Language, screen: Screen) -> None:
    texts = sentences(language)
    guide = plain(texts[f"guide.{screen.value}"])
    for button in NAMED[screen]:
        assert plain(texts[button]) in guide, (language.value, screen.value, texts[button])


def test_no_guide_names_a_button_that_is_gone() -> None:
    # The buttons of the old journey: "Bắt đầu nộp hồ sơ", "Xác nhận nộp", "Gửi đánh giá".
    texts = sentences(Language.VI)
    for screen in Screen:
        guide = plain(texts[f"guide.{screen.value}"])
        for gone in ("bắt đầu nộp hồ sơ", "xác nhận nộp", "gửi đánh giá", "bắt đầu làm"):
            assert gone not in guide, (screen.value, gone)
