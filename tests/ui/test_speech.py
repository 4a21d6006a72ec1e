"""Read-aloud guidance: backend detection, real espeak-ng synthesis, stop, and the QML surface.

The espeak-ng tests run the real program and write WAV files instead of playing sound (the
container has no sound card). A named pipe as the WAV file keeps an utterance running for as
long as a test needs: espeak-ng blocks opening it until someone reads, which nobody does.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (
    Q_ARG,
    QByteArray,
    QCoreApplication,
    QEvent,
    QLocale,
    QMetaObject,
    QObject,
)
from PySide6.QtQml import QQmlComponent, QQmlEngine
from pytestqt.qtbot import QtBot

from ui import speech
from ui.speech import (
    EspeakBackend,
    QtSpeechBackend,
    Speaker,
    SpeechBackend,
    SpeechEngine,
    open_backend,
    open_espeak,
    open_qt_speech,
)

ESPEAK = shutil.which("espeak-ng")
needs_espeak = pytest.mark.skipif(
    ESPEAK is None,
    reason="espeak-ng is not on PATH (Debian 12: apt-get install espeak-ng, which brings "
    "espeak-ng-data with the Vietnamese voice)",
)
TEXT = "Đăng ký kết hôn. Xin mời ông bà đặt giấy tờ lên máy quét."
TEXT_WITHOUT_DIACRITICS = "Dang ky ket hon. Xin moi ong ba dat giay to len may quet."

pytestmark = [
    # Any Qt warning (a QML binding to a property without NOTIFY, a QProcess destroyed while
    # running, a plugin that fails to load) fails the test.
    pytest.mark.qt_log_level_fail("WARNING"),
    # Loading QtTextToSpeech loads QtMultimedia, which reports once that PipeWire is absent.
    pytest.mark.qt_log_ignore(r"Couldn't (load|resolve) pipewire"),
]


class FakeBackend(SpeechBackend):
    """Records what it is asked; the test decides when speaking starts and ends."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []
        self.stops = 0

    @property
    def name(self) -> str:
        return "fake"

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        self.stops += 1


@pytest.fixture
def no_engines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with neither libspeechd nor espeak-ng."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(speech, "_library_present", lambda name: False)


@pytest.fixture
def no_speechd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "_library_present", lambda name: False)


def espeak_speaker(wav_output: Path) -> Iterator[Speaker]:
    assert ESPEAK is not None
    speaker = Speaker(EspeakBackend(ESPEAK, wav_output=wav_output))
    yield speaker
    speaker.stop()  # never leave a running espeak-ng behind a failed assertion


@pytest.fixture
def wav_speaker(tmp_path: Path) -> Iterator[Speaker]:
    yield from espeak_speaker(tmp_path / "utterance.wav")


@pytest.fixture
def blocked_speaker(tmp_path: Path) -> Iterator[Speaker]:
    fifo = tmp_path / "blocked.wav"
    os.mkfifo(fifo)
    yield from espeak_speaker(fifo)


def espeak_pid(speaker: Speaker) -> int:
    backend = speaker.findChild(EspeakBackend)
    assert backend is not None
    assert backend.pid is not None
    return backend.pid


def espeak_pid_or_none(speaker: Speaker) -> int | None:
    backend = speaker.findChild(EspeakBackend)
    return None if backend is None else backend.pid


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def qt_property(speaker: Speaker, name: str) -> object:
    """A property read through Qt's meta-object system, the way QML reads it."""
    return speaker.property(name)


def is_speaking(speaker: Speaker) -> bool:
    value = qt_property(speaker, "speaking")
    assert isinstance(value, bool)
    return value


def record_speaking(speaker: Speaker) -> list[bool]:
    seen: list[bool] = []
    speaker.speakingChanged.connect(lambda: seen.append(is_speaking(speaker)))
    return seen


# --- detection -------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_engines")
def test_no_engine_means_unavailable_and_say_does_nothing(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    assert open_backend() is None
    speaker = Speaker()
    assert qt_property(speaker, "available") is False
    assert qt_property(speaker, "engine") == ""
    changes = record_speaking(speaker)
    with caplog.at_level(logging.DEBUG, logger="ui.speech"):
        speaker.say(TEXT)
        speaker.stop()
    assert is_speaking(speaker) is False
    assert changes == []
    assert "unavailable" in caplog.text
    assert TEXT not in caplog.text  # guidance may name the citizen; logs never carry it


@pytest.mark.usefixtures("no_speechd")
def test_speechd_is_not_tried_without_libspeechd(qtbot: QtBot) -> None:
    # Without libspeechd.so.2, Qt would log "Error loading text-to-speech plug-in" (a warning
    # that fails this test); the library check keeps it from trying.
    assert open_qt_speech("speechd") is None


@needs_espeak
@pytest.mark.usefixtures("no_speechd")
def test_espeak_is_chosen_when_speechd_is_missing(qtbot: QtBot) -> None:
    backend = open_backend()
    assert isinstance(backend, EspeakBackend)
    speaker = Speaker()
    assert qt_property(speaker, "available") is True
    assert qt_property(speaker, "engine") == "espeak-ng"


def test_order_restricts_the_backends_tried(qtbot: QtBot, tmp_path: Path) -> None:
    assert open_backend(order=()) is None
    assert open_espeak(program=str(tmp_path / "no-such-espeak")) is None


def mock_engine_or_skip() -> None:
    from PySide6.QtTextToSpeech import QTextToSpeech

    if "mock" not in QTextToSpeech.availableEngines():
        pytest.skip("this PySide6 build ships no 'mock' text-to-speech plugin")


def test_qt_engine_without_a_vietnamese_voice_is_not_used(qtbot: QtBot) -> None:
    # Qt's mock engine speaks English, Norwegian and Finnish only.
    mock_engine_or_skip()
    assert open_qt_speech("mock") is None


def test_qt_backend_reports_speaking_and_stops(qtbot: QtBot) -> None:
    # The speechd path, driven through Qt's mock engine: same QTextToSpeech API, no daemon.
    mock_engine_or_skip()
    backend = open_qt_speech("mock", QLocale.Language.English)
    assert isinstance(backend, QtSpeechBackend)
    speaker = Speaker(backend)
    assert qt_property(speaker, "engine") == "qt:mock"
    changes = record_speaking(speaker)
    with qtbot.waitSignal(speaker.speakingChanged):
        speaker.say("one two three four five")
    assert is_speaking(speaker) is True
    qtbot.waitUntil(lambda: not is_speaking(speaker))
    with qtbot.waitSignal(speaker.speakingChanged):
        speaker.say("one two three four five six seven eight nine ten")
    with qtbot.waitSignal(speaker.speakingChanged):
        speaker.stop()
    assert is_speaking(speaker) is False
    assert changes == [True, False, True, False]


# --- the speaker over any backend ------------------------------------------------------------


def test_speaker_mirrors_the_backend_without_repeating_itself(qtbot: QtBot) -> None:
    backend = FakeBackend()
    speaker = Speaker(backend)
    changes = record_speaking(speaker)
    speaker.say(TEXT)
    assert backend.said == [TEXT]
    backend.speakingChanged.emit(True)
    backend.speakingChanged.emit(True)
    backend.speakingChanged.emit(False)
    assert changes == [True, False]


def test_blank_text_stops_instead_of_saying(qtbot: QtBot) -> None:
    backend = FakeBackend()
    speaker = Speaker(backend)
    speaker.say("  \n")
    assert backend.said == []
    assert backend.stops == 1


# --- espeak-ng for real ----------------------------------------------------------------------


@needs_espeak
def test_espeak_synthesises_vietnamese_to_wav(
    qtbot: QtBot, wav_speaker: Speaker, tmp_path: Path
) -> None:
    assert ESPEAK is not None
    wav_speaker.say(TEXT)
    qtbot.waitUntil(lambda: not is_speaking(wav_speaker), timeout=20_000)
    produced = (tmp_path / "utterance.wav").read_bytes()
    assert produced[:4] == b"RIFF"
    assert produced[8:12] == b"WAVE"
    with wave.open(str(tmp_path / "utterance.wav")) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds > 2.0  # a dozen syllables, not a click

    # The diacritics reached espeak-ng intact: the output is what espeak-ng makes of the UTF-8
    # text given on its command line, and not what it makes of the same text without marks
    # (tones are pitch contours in the Vietnamese voice).
    def reference(text: str, name: str) -> bytes:
        out = tmp_path / name
        subprocess.run([ESPEAK, "-v", "vi", "-w", str(out), text], check=True, timeout=60)
        return out.read_bytes()

    assert produced == reference(TEXT, "reference.wav")
    assert produced != reference(TEXT_WITHOUT_DIACRITICS, "bare.wav")


@needs_espeak
def test_espeak_voice_exists() -> None:
    assert ESPEAK is not None
    voices = subprocess.run(
        [ESPEAK, "--voices=vi"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert " vi " in voices


@needs_espeak
def test_speaking_is_true_while_reading_then_false(qtbot: QtBot, wav_speaker: Speaker) -> None:
    changes = record_speaking(wav_speaker)
    with qtbot.waitSignal(wav_speaker.speakingChanged):
        wav_speaker.say(TEXT)
    assert is_speaking(wav_speaker) is True
    qtbot.waitUntil(lambda: not is_speaking(wav_speaker), timeout=20_000)
    assert changes == [True, False]


@needs_espeak
def test_stop_kills_the_running_utterance(qtbot: QtBot, blocked_speaker: Speaker) -> None:
    blocked_speaker.say(TEXT)
    assert is_speaking(blocked_speaker) is True
    qtbot.waitUntil(lambda: espeak_pid_or_none(blocked_speaker) is not None)
    pid = espeak_pid(blocked_speaker)
    assert is_running(pid)
    with qtbot.waitSignal(blocked_speaker.speakingChanged):
        blocked_speaker.stop()
    assert is_speaking(blocked_speaker) is False
    assert not is_running(pid)  # killed and reaped, not a zombie


@needs_espeak
def test_a_new_say_kills_the_previous_utterance(qtbot: QtBot, blocked_speaker: Speaker) -> None:
    changes = record_speaking(blocked_speaker)
    blocked_speaker.say("Bước một.")
    qtbot.waitUntil(lambda: espeak_pid_or_none(blocked_speaker) is not None)
    first = espeak_pid(blocked_speaker)
    blocked_speaker.say("Bước hai.")
    qtbot.waitUntil(lambda: espeak_pid_or_none(blocked_speaker) is not None)
    second = espeak_pid(blocked_speaker)
    assert second != first
    assert not is_running(first)
    assert is_running(second)
    assert changes == [True]  # no flicker to False between the two utterances
    blocked_speaker.stop()
    assert changes == [True, False]


def test_espeak_that_cannot_start_ends_speaking_and_logs(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    speaker = Speaker(EspeakBackend(str(tmp_path / "missing-espeak-ng")))
    changes = record_speaking(speaker)
    with caplog.at_level(logging.WARNING, logger="ui.speech"):
        speaker.say(TEXT)
        qtbot.waitUntil(lambda: not is_speaking(speaker))
    assert changes == [True, False]
    assert "cannot start" in caplog.text


def test_espeak_arguments_take_utf8_text_from_stdin(tmp_path: Path, qtbot: QtBot) -> None:
    backend = EspeakBackend("espeak-ng", voice="vi-vn-x-south", wav_output=tmp_path / "x.wav")
    assert backend.arguments() == [
        "-v",
        "vi-vn-x-south",
        "-b",
        "1",
        "--stdin",
        "-w",
        str(tmp_path / "x.wav"),
    ]
    assert SpeechEngine.ESPEAK_NG.value == backend.name


# --- QML ---------------------------------------------------------------------------------------

QML = b"""
import QtQml
QtObject {
    required property QtObject speaker
    property bool buttonShown: speaker.available
    property bool stopShown: speaker.speaking
    property string engine: speaker.engine
    function readAloud(text) { speaker.say(text) }
    function silence() { speaker.stop() }
}
"""


class QmlView:
    """A QML object bound to ``speaker``, as a screen would be."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self.engine = QQmlEngine()
        self.component = QQmlComponent(self.engine)
        self.component.setData(QByteArray(QML), "file:speech_test.qml")
        created = self.component.createWithInitialProperties({"speaker": speaker})
        assert created is not None, self.component.errorString()
        self.item: QObject = created

    def value(self, name: str) -> object:
        return self.item.property(name)

    def call(self, function: str, *args: str) -> None:
        QMetaObject.invokeMethod(self.item, function, *(Q_ARG("QVariant", a) for a in args))

    def close(self) -> None:
        # The screen goes before the speaker, as in the app; the other way round its bindings
        # would re-evaluate against a deleted speaker and warn.
        for obj in (self.item, self.engine):
            obj.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def qml_view() -> Iterator[Callable[[Speaker], QmlView]]:
    views: list[QmlView] = []

    def make(speaker: Speaker) -> QmlView:
        views.append(QmlView(speaker))
        return views[-1]

    yield make
    for view in views:
        view.close()


def test_qml_hides_the_button_when_unavailable(
    qtbot: QtBot, qml_view: Callable[[Speaker], QmlView]
) -> None:
    view = qml_view(Speaker(None))
    assert view.value("buttonShown") is False
    assert view.value("engine") == ""
    view.call("readAloud", TEXT)  # a no-op, not an error
    assert view.value("stopShown") is False


def test_qml_follows_speaking(qtbot: QtBot, qml_view: Callable[[Speaker], QmlView]) -> None:
    backend = FakeBackend()
    view = qml_view(Speaker(backend))
    assert view.value("buttonShown") is True
    assert view.value("engine") == "fake"
    view.call("readAloud", TEXT)
    assert backend.said == [TEXT]
    backend.speakingChanged.emit(True)
    assert view.value("stopShown") is True
    view.call("silence")
    assert backend.stops == 1
    backend.speakingChanged.emit(False)
    assert view.value("stopShown") is False
