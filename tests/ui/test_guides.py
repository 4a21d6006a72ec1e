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

# The buttons each guide names, by translation id; and those it must not name, because they are
# not on the screen when that guide is read.
NAMED: dict[str, tuple[str, ...]] = {
    "guide.Home": ("home.start", "common.callStaff"),
    "guide.Details": ("details.start",),
    "guide.CardCheck": ("card.right", "card.wrong"),
    "guide.Form": ("common.next",),
    "guide.Scan": ("scan.start", "common.next"),
    "guide.ScanOptional": ("scan.start", "scan.skip"),
    "guide.Review": ("review.edit", "review.submit"),
    "guide.Confirm": ("confirm.submit",),
    "guide.Lookup": ("lookup.submit",),
}
ABSENT: dict[str, tuple[str, ...]] = {
    "guide.Scan": ("scan.skip",),  # a required paper has no skip button
    "guide.ScanOptional": ("common.next",),  # "skip" stands where "continue" will be
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
@pytest.mark.parametrize("guide_id", list(NAMED))
def test_a_guide_names_its_buttons_as_they_read(language: Language, guide_id: str) -> None:
    texts = sentences(language)
    guide = plain(texts[guide_id])
    for button in NAMED[guide_id]:
        assert plain(texts[button]) in guide, (language.value, guide_id, texts[button])
    for button in ABSENT.get(guide_id, ()):
        assert plain(texts[button]) not in guide, (language.value, guide_id, texts[button])


def test_no_guide_names_a_button_that_is_gone() -> None:
    # The buttons of the old journey: "Bắt đầu nộp hồ sơ", "Xác nhận nộp", "Gửi đánh giá".
    texts = sentences(Language.VI)
    for screen in Screen:
        guide = plain(texts[f"guide.{screen.value}"])
        for gone in ("bắt đầu nộp hồ sơ", "xác nhận nộp", "gửi đánh giá", "bắt đầu làm"):
            assert gone not in guide, (screen.value, gone)
