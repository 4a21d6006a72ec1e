"""Every text on screen comes from the Qt translation files, complete in Vietnamese and English,
with the compiled files current; and the Vietnamese is Vietnamese (diacritics intact)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from config.settings import Language
from drivers.scanner.pipeline import PageFlag
from kiosk.dossier import Verification
from kiosk.router import Screen
from kiosk.steps import JourneyStep
from ui.i18n import FOLDER, translation_file
from ui.messages import all_ids
from ui.translate import WORDING_IDS

QML = Path(__file__).resolve().parents[2] / "ui" / "qml"
LITERAL = re.compile(r'qsTrId\("([A-Za-z0-9_.]+)"\)')


def messages(language: Language) -> dict[str, tuple[str, str | None]]:
    """id → (translation, its ``type`` attribute, e.g. "unfinished")."""
    root = ET.parse(translation_file(language, ".ts")).getroot()  # noqa: S314 - our own file
    found = {}
    for message in root.iter("message"):
        translation = message.find("translation")
        assert translation is not None
        found[message.attrib["id"]] = (translation.text or "", translation.attrib.get("type"))
    return found


def used_ids() -> set[str]:
    ids = {m for path in QML.rglob("*.qml") for m in LITERAL.findall(path.read_text("utf-8"))}
    # Ids built at run time: one per screen, flag, verification outcome, face and reason.
    ids |= {f"guide.{getattr(Screen, name)}" for name in vars(Screen) if name.isupper()}
    ids |= {f"scan.flag.{flag.value}" for flag in PageFlag}
    ids |= {f"form.verification.{v.value}" for v in Verification}
    ids |= {f"rating.level{n}" for n in range(1, 6)}
    ids |= {f"rating.reason.{r}" for r in ("wait", "hard", "device", "documents", "other")}
    ids |= {f"identify.step{n}" for n in (1, 2, 3)}
    ids |= {f"step.{step.value}" for step in JourneyStep}
    # The reasons the core reports, each shown through its id (ui.messages).
    ids |= set(all_ids())
    # The screens' wording of catalog facts, money and dates (ui.translate).
    ids |= set(WORDING_IDS)
    return ids


@pytest.mark.parametrize("language", list(Language))
def test_every_id_is_translated(language: Language) -> None:
    table = messages(language)
    missing = sorted(used_ids() - table.keys())
    assert missing == []
    unfinished = sorted(k for k, (text, kind) in table.items() if kind or not text.strip())
    assert unfinished == []


def test_no_text_is_hard_coded_in_qml() -> None:
    offenders = []
    for path in QML.rglob("*.qml"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            # A string literal given to text/placeholderText/title that is not an id lookup.
            if re.search(r'\b(text|placeholderText|title)\s*:\s*"[^"]*[A-Za-zÀ-ỹ]', line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_vietnamese_keeps_its_diacritics() -> None:
    vi = messages(Language.VI)
    assert vi["home.start"][0] == "Nộp hồ sơ"
    assert vi["common.listen"][0] == "Nghe hướng dẫn"
    assert vi["common.callStaff"][0] == "Gọi cán bộ"
    with_marks = [k for k, (text, _) in vi.items() if re.search("[À-ỹ]", text)]
    assert len(with_marks) > 0.9 * len(vi)


def test_compiled_files_are_current(tmp_path: Path) -> None:
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    for language in Language:
        fresh = tmp_path / f"{language.value}.qm"
        subprocess.run(
            [str(lrelease), "-silent", str(translation_file(language, ".ts")), "-qm", str(fresh)],
            check=True,
        )
        assert fresh.read_bytes() == translation_file(language).read_bytes(), (
            f"run python -m ui.i18n: {translation_file(language).name} is stale"
        )
    assert {p.name for p in FOLDER.glob("*.qm")} == {f"kiosk_{lang.value}.qm" for lang in Language}
