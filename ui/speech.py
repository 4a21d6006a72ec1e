"""Read-aloud guidance: the "Nghe hướng dẫn" button speaks a screen's instructions in Vietnamese.

Many citizens at a commune centre read slowly or not at all, so each screen can read its
guidance aloud. The QML shows the button only when ``Speaker.available`` is true; ``say`` starts
reading (interrupting whatever was being read), ``stop`` silences it, and ``speaking`` lets the
button turn into a stop button.

Backends, tried in this order when the speaker is built:

1. Qt TextToSpeech with the ``speechd`` engine (speech-dispatcher), if libspeechd is installed
   and the engine offers a Vietnamese locale.
2. ``espeak-ng -v vi`` run directly, one process per utterance, killed on ``stop`` or on the next
   ``say``. The text goes to its standard input as UTF-8 (``-b 1``), so the locale of the kiosk
   user does not matter and text starting with "-" is never read as an option.
3. Nothing: ``available`` is false and ``say`` does nothing.

``QtTextToSpeech`` is imported only when the speechd engine is tried: loading it loads
QtMultimedia, which probes the audio stack and logs about it.
"""

from __future__ import annotations

import ctypes.util
import logging
import shutil
from collections.abc import Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import Property, QLocale, QObject, QProcess, Signal, Slot

if TYPE_CHECKING:
    from PySide6.QtTextToSpeech import QTextToSpeech

log = logging.getLogger(__name__)

ESPEAK_PROGRAM: Final = "espeak-ng"
ESPEAK_VOICE: Final = "vi"  # Northern; espeak-ng also has vi-vn-x-central and vi-vn-x-south
# The Qt plugin for speechd links libspeechd.so.2; without it Qt logs a plugin load error.
_ENGINE_LIBRARIES: Final = {"speechd": "speechd"}
_KILL_WAIT_MS: Final = 2000


class SpeechEngine(StrEnum):
    """The kinds of backend, in the order they are preferred."""

    SPEECHD = "speechd"
    ESPEAK_NG = "espeak-ng"


DEFAULT_ORDER: Final = (SpeechEngine.SPEECHD, SpeechEngine.ESPEAK_NG)


class SpeechBackend(QObject):
    """One way of reading text aloud. Emits ``speakingChanged`` whenever speaking starts or ends."""

    speakingChanged = Signal(bool)

    @property
    def name(self) -> str:
        """A short name for logs and the technician screen, e.g. "espeak-ng"."""
        raise NotImplementedError

    def say(self, text: str) -> None:
        """Start reading ``text``, interrupting anything being read. Returns at once."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop reading at once; does nothing when silent."""
        raise NotImplementedError


class QtSpeechBackend(SpeechBackend):
    """Qt TextToSpeech with an engine and locale already chosen (see ``open_qt_speech``)."""

    def __init__(self, tts: QTextToSpeech, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tts = tts
        tts.setParent(self)
        self._speaking = False
        tts.stateChanged.connect(self._on_state)
        tts.errorOccurred.connect(self._on_error)

    @property
    def name(self) -> str:
        return f"qt:{self._tts.engine()}"

    def say(self, text: str) -> None:
        # QTextToSpeech.say() itself stops any reading in progress. Speaking is reported at once,
        # like the espeak-ng backend, rather than when the engine gets round to it.
        self._tts.say(text)
        self._set_speaking(True)

    def stop(self) -> None:
        self._tts.stop(type(self._tts).BoundaryHint.Immediate)
        # speechd without a working audio output never reports the end of an utterance, not
        # even after stop(): the button must still go back to "read aloud".
        self._set_speaking(False)

    def _on_state(self, state: QTextToSpeech.State) -> None:
        self._set_speaking(state == type(self._tts).State.Speaking)

    def _set_speaking(self, speaking: bool) -> None:
        if speaking != self._speaking:
            self._speaking = speaking
            self.speakingChanged.emit(speaking)

    def _on_error(self, reason: QTextToSpeech.ErrorReason, message: str) -> None:
        log.warning("speech: %s failed (%s): %s", self.name, reason.name, message)


def _library_present(name: str) -> bool:
    return ctypes.util.find_library(name) is not None


def open_qt_speech(
    engine: str = "speechd",
    language: QLocale.Language = QLocale.Language.Vietnamese,
    parent: QObject | None = None,
) -> QtSpeechBackend | None:
    """A Qt TextToSpeech backend speaking ``language``, or None when ``engine`` cannot."""
    library = _ENGINE_LIBRARIES.get(engine)
    if library is not None and not _library_present(library):
        log.debug("speech: Qt engine %s needs lib%s, which is not installed", engine, library)
        return None
    from PySide6.QtTextToSpeech import QTextToSpeech  # noqa: PLC0415 (see the module docstring)

    if engine not in QTextToSpeech.availableEngines():
        log.debug("speech: Qt has no %s text-to-speech plugin", engine)
        return None
    tts = QTextToSpeech(engine)
    if tts.state() == QTextToSpeech.State.Error:
        log.info("speech: Qt engine %s did not start: %s", engine, tts.errorString())
        tts.deleteLater()
        return None
    locales = [loc for loc in tts.availableLocales() if loc.language() == language]
    if not locales:
        log.info("speech: Qt engine %s has no %s voice", engine, language.name)
        tts.deleteLater()
        return None
    # Prefer the language's home country (vi_VN) when the engine offers several.
    home = QLocale(language)
    locales.sort(key=lambda loc: loc.territory() != home.territory())
    tts.setLocale(locales[0])
    log.info("speech: Qt engine %s, locale %s", engine, tts.locale().name())
    return QtSpeechBackend(tts, parent)


class EspeakBackend(SpeechBackend):
    """``espeak-ng`` run as a child process, one per utterance.

    ``wav_output`` makes espeak-ng write each utterance to that WAV file instead of the sound
    card: for tests, and for a technician checking the voice on a kiosk without speakers.
    """

    def __init__(
        self,
        program: str,
        *,
        voice: str = ESPEAK_VOICE,
        wav_output: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._program = program
        self._voice = voice
        self._wav_output = wav_output
        self._process: QProcess | None = None

    @property
    def name(self) -> str:
        return ESPEAK_PROGRAM

    @property
    def pid(self) -> int | None:
        """The process id of the utterance being read, None when silent."""
        if self._process is None or self._process.state() == QProcess.ProcessState.NotRunning:
            return None
        return self._process.processId()

    def arguments(self) -> list[str]:
        """espeak-ng's command line: the voice, UTF-8 input, the text from standard input."""
        arguments = ["-v", self._voice, "-b", "1", "--stdin"]
        if self._wav_output is not None:
            arguments += ["-w", str(self._wav_output)]
        return arguments

    def say(self, text: str) -> None:
        was_speaking = self._halt()
        process = QProcess(self)
        process.setProgram(self._program)
        process.setArguments(self.arguments())
        process.finished.connect(lambda code, status: self._on_finished(process, code, status))
        process.errorOccurred.connect(lambda error: self._on_error(process, error))
        self._process = process
        if not was_speaking:
            self.speakingChanged.emit(True)
        process.start()
        # Written data is buffered until the process runs; closing stdin ends espeak's input.
        process.write(text.encode("utf-8"))
        process.closeWriteChannel()

    def stop(self) -> None:
        if self._halt():
            self.speakingChanged.emit(False)

    def _halt(self) -> bool:
        """Kill the utterance being read, if any; True if there was one."""
        process, self._process = self._process, None
        if process is None:
            return False
        if process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            # SIGKILL ends it at once; waiting reaps it so no zombie or Qt warning is left.
            process.waitForFinished(_KILL_WAIT_MS)
        process.deleteLater()
        return True

    def _on_finished(self, process: QProcess, code: int, status: QProcess.ExitStatus) -> None:
        if process is not self._process:
            return  # an utterance we killed; stop() or say() already reported it
        self._process = None
        errors = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            # Without a sound card espeak-ng prints ALSA errors and still exits 0.
            log.debug("speech: espeak-ng finished; stderr: %s", errors[-500:])
        else:
            log.warning(
                "speech: espeak-ng exited with %s, status %s: %s", code, status.name, errors[-500:]
            )
        process.deleteLater()
        self.speakingChanged.emit(False)

    def _on_error(self, process: QProcess, error: QProcess.ProcessError) -> None:
        # A crash is also reported by finished(); only a failed start is not.
        if error != QProcess.ProcessError.FailedToStart or process is not self._process:
            return
        self._process = None
        log.warning("speech: cannot start %s: %s", self._program, process.errorString())
        process.deleteLater()
        self.speakingChanged.emit(False)


def open_espeak(
    program: str = ESPEAK_PROGRAM,
    *,
    voice: str = ESPEAK_VOICE,
    wav_output: Path | None = None,
    parent: QObject | None = None,
) -> EspeakBackend | None:
    """An espeak-ng backend when ``program`` is found on PATH, else None."""
    found = shutil.which(program)
    if found is None:
        log.debug("speech: %s is not installed", program)
        return None
    log.info("speech: %s, voice %s", found, voice)
    return EspeakBackend(found, voice=voice, wav_output=wav_output, parent=parent)


def open_backend(
    order: Sequence[SpeechEngine] = DEFAULT_ORDER, parent: QObject | None = None
) -> SpeechBackend | None:
    """The first backend in ``order`` that can speak Vietnamese here, or None."""
    for engine in order:
        backend: SpeechBackend | None
        if engine is SpeechEngine.SPEECHD:
            backend = open_qt_speech("speechd", parent=parent)
        else:
            backend = open_espeak(parent=parent)
        if backend is not None:
            return backend
    log.info("speech: no Vietnamese text-to-speech; the read-aloud button is hidden")
    return None


class _Detect(Enum):
    DETECT = "detect"


DETECT: Final = _Detect.DETECT


class Speaker(QObject):
    """What QML uses: ``available``, ``speaking``, ``say(text)`` and ``stop()``.

    ``backend`` is chosen once, here: ``DETECT`` (the default) tries ``open_backend()``; None
    means no speech. Call ``stop()`` before dropping a speaker that may still be reading.
    """

    speakingChanged = Signal()

    def __init__(
        self, backend: SpeechBackend | _Detect | None = DETECT, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        if backend is DETECT:
            backend = open_backend()
        self._backend = backend
        self._speaking = False
        if backend is not None:
            backend.setParent(self)
            backend.speakingChanged.connect(self._on_backend_speaking)

    def _available(self) -> bool:
        return self._backend is not None

    def _engine(self) -> str:
        return "" if self._backend is None else self._backend.name

    def _get_speaking(self) -> bool:
        return self._speaking

    available = Property(bool, _available, constant=True)
    engine = Property(str, _engine, constant=True)  # for the technician screen; "" if none
    speaking = Property(bool, _get_speaking, notify=speakingChanged)

    @Slot(str)
    def say(self, text: str) -> None:
        """Read ``text`` aloud, interrupting anything being read; blank text just stops."""
        if self._backend is None:
            log.debug("speech: unavailable, not reading %d characters", len(text))
            return
        if not text.strip():
            self._backend.stop()
            return
        self._backend.say(text)

    @Slot()
    def stop(self) -> None:
        if self._backend is not None:
            self._backend.stop()

    def _on_backend_speaking(self, speaking: bool) -> None:
        if speaking != self._speaking:
            self._speaking = speaking
            self.speakingChanged.emit()
