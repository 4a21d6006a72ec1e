"""The screens' language: Qt translation files (``ui/i18n/kiosk_<lang>.qm``), Vietnamese first.

Every text in QML is a ``qsTrId`` id; the Vietnamese and the English file both translate every
id, so no language is "the source" hard-coded in QML. The ``.ts`` files are the ones to edit
(Qt Linguist reads them); ``python -m ui.i18n`` compiles them to ``.qm`` with ``pyside6-lrelease``
and a test checks that the compiled files are current and complete.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Property, QCoreApplication, QObject, QTranslator, Signal, Slot
from PySide6.QtQml import QQmlEngine

from config.settings import Language

FOLDER = Path(__file__).resolve().parent / "i18n"
KEYBOARD_LOCALES = {Language.VI: "vi_VN", Language.EN: "en_US"}


def translation_file(language: Language, suffix: str = ".qm") -> Path:
    return FOLDER / f"kiosk_{language.value}{suffix}"


class LanguageSwitch(QObject):
    """The language toggle in the header; switching retranslates every screen at once."""

    changed = Signal()

    def __init__(self, default: Language, engine: QQmlEngine | None = None) -> None:
        super().__init__()
        self._engine = engine
        self._default = default
        self._language = default
        self._translator = QTranslator(self)
        self._load(default)

    def detach(self) -> None:
        """The engine is going away: switching the language must no longer touch it."""
        self._engine = None

    def _load(self, language: Language) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.removeTranslator(self._translator)
        self._translator.deleteLater()
        translator = QTranslator(self)
        path = translation_file(language)
        if not translator.load(str(path)):
            raise FileNotFoundError(f"translation {path} missing or unreadable")
        if app is not None:
            app.installTranslator(translator)
        self._translator = translator
        self._language = language

    @Slot(str)
    def use(self, code: str) -> None:
        language = Language(code)
        if language is self._language:
            return
        self._load(language)
        if self._engine is not None:
            self._engine.retranslate()
        self.changed.emit()

    @Slot()
    def toggle(self) -> None:
        self.use(Language.EN.value if self._language is Language.VI else Language.VI.value)

    @Slot()
    def reset(self) -> None:
        """Back to the kiosk's default language for the next citizen."""
        self.use(self._default.value)

    def _code(self) -> str:
        return self._language.value

    def _keyboard_locale(self) -> str:
        return KEYBOARD_LOCALES[self._language]

    code = Property(str, _code, notify=changed)
    keyboardLocale = Property(str, _keyboard_locale, notify=changed)


def compile_translations() -> list[Path]:
    """Compile every ``.ts`` next to this module into ``.qm``; returns the files written."""
    written = []
    for language in Language:
        source = translation_file(language, ".ts")
        target = translation_file(language)
        lrelease = Path(sys.executable).with_name("pyside6-lrelease")
        # Written aside and renamed: a running app maps the .qm file, and rewriting it in place
        # kills that app with SIGBUS (seen here).
        fresh = target.with_suffix(".qm.new")
        subprocess.run([str(lrelease), "-silent", str(source), "-qm", str(fresh)], check=True)
        fresh.replace(target)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in compile_translations():
        print(path)
