"""A first-time elderly citizen's whole journey at an elderly pace: kiosk time and taps.

The demo's scripted citizen (``simulators.screens_demo.play_citizen``) walks the real QML on
simulated devices, with a model of how long a person takes added at every step, through two
procedures: a two-document one, the target's case (a certified copy: the request form filled in
on the kiosk and the original scanned), and the demo's birth registration, for comparison (five
documents: the declaration, the birth certificate scanned, the power of attorney skipped as
not needed, two papers to bring when collecting; fifteen questions over eight form pages).
The person's time is counted on the kiosk's clock (a ``SteppableClock`` moved forward, so idle
warnings fire exactly as they would), and the machine's own time (scanning, printing, screen
changes) is measured and added.

The pace model (assumptions, stated so they can be argued with):

- what is read (``simulators.screens_demo.words_to_read``): each screen's instructions (its
  read-aloud guide) the first time it applies, and the content the citizen must read or check
  that they have not yet read on that screen: their card's details, the procedure's papers and
  fee, the form's labels and hints, the scan instructions, the review, the dossier's code and
  date (back on the scan screen after scanning, the instruction just read is not read again).
  Lists are searched for one entry, not read;
- reading speed: 160 tokens a minute. Vietnamese writes one syllable per space-separated
  token, so the counts are syllables: adults read non-fiction silently at about 240 English
  words (some 360 syllables) a minute, readers of 50-73 were measured about 30 % slower, and a
  70-year-old first-time user reading administrative text on a screen is taken slower still;
- every tap: 3 s to find the button, reach and press;
- typing on the on-screen keyboard: 1.5 s a character (older adults type about 40-60 characters
  a minute on touchscreen keyboards);
- taking out the ID card or opening VNeID and holding it up: 20 s; feeding a document into the
  scanner: 15 s; taking the originals back: 10 s; tearing off the slip: 5 s.

Targets (issue 12): at most 5 minutes of kiosk time and at most 12 taps outside the keyboard.

    python -m benchmarks.journey [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TARGET_S = 300.0
TARGET_TAPS = 12
WORDS_PER_MINUTE = 160.0  # space-separated tokens: syllables
TAP_S = 3.0
CHARACTER_S = 1.5
ACTIONS_S = {"card": 20.0, "feed": 15.0, "collect": 10.0, "slip": 5.0, "phone": 20.0}


@dataclass
class ElderlyPace:
    """``simulators.screens_demo.Pace`` at the modelled speeds, moving the kiosk's clock. After
    each spell the app's idle check runs; a warning that fires is counted and answered with a
    touch (what a person would do), which counts as a tap."""

    skip: Callable[[float], None]
    tick: Callable[[], None]
    warned: Callable[[], bool]
    dismiss: Callable[[], None]
    seconds: dict[str, float] = field(default_factory=dict)
    reading: dict[str, float] = field(default_factory=dict)  # by screen
    warnings: int = 0

    def _spend(self, kind: str, seconds: float) -> None:
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds
        self.skip(seconds)
        self.tick()
        if self.warned():
            self.warnings += 1
            self.dismiss()

    def read(self, screen: str, words: int) -> None:
        seconds = words / WORDS_PER_MINUTE * 60
        self.reading[screen] = self.reading.get(screen, 0.0) + seconds
        self._spend("reading", seconds)

    def act(self, what: str) -> None:
        self._spend("tapping" if what == "tap" else "handling", ACTIONS_S.get(what, TAP_S))

    def typed(self, characters: int) -> None:
        self._spend("typing", characters * CHARACTER_S)


@dataclass(frozen=True)
class Run:
    procedure: str
    reading_s: dict[str, float]
    person_s: dict[str, float]
    machine_s: float
    taps: int
    warnings: int

    @property
    def total_s(self) -> float:
        return sum(self.person_s.values()) + self.machine_s


CERTIFIED_COPY = "2.000815"  # two documents: the request form and the original, scanned
BIRTH_REGISTRATION = "1.001193"


def one_run(procedure: str) -> Run:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from PySide6.QtGui import QGuiApplication

    from dvc_common.clock import SteppableClock
    from simulators.screens_demo import (
        build_simulated_app,
        demo_settings,
        play_citizen,
        simulated_devices,
    )
    from simulators.script import Driver
    from ui.app import prepare_qt_environment
    from ui.speech import Speaker

    prepare_qt_environment()
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        settings = demo_settings(Path(folder), None)
        clock = SteppableClock()
        devices = simulated_devices(clock)
        kapp = build_simulated_app(settings, devices, clock=clock, speaker=Speaker(None)).kapp
        try:
            driver = Driver(kapp, timeout_s=60)
            journey = kapp.journey
            pace = ElderlyPace(
                clock.skip,
                kapp.router.tick,
                lambda: journey.state == "idle_warning",
                lambda: driver.tap("stillHereButton"),
            )
            started = time.monotonic()
            play_citizen(driver, pace=pace, show_errors=False, procedure=procedure)
            machine = time.monotonic() - started
            return Run(
                procedure,
                dict(pace.reading),
                dict(pace.seconds),
                machine,
                driver.taps,
                pace.warnings,
            )
        finally:
            kapp.close()
            del app


def report(name: str, runs: list[Run], *, target: bool) -> None:
    median = statistics.median(r.total_s for r in runs)
    taps = max(r.taps for r in runs)
    last = runs[-1]
    print(f"{name}: {len(runs)} runs")
    for kind, seconds in sorted(last.person_s.items()):
        print(f"  person {kind:9}: {seconds:6.1f} s")
    heaviest = sorted(last.reading_s.items(), key=lambda item: -item[1])[:4]
    print("  reading, most   : " + ", ".join(f"{screen} {s:.0f} s" for screen, s in heaviest))
    print(f"  machine         : median {statistics.median(r.machine_s for r in runs):6.1f} s")
    print(f"  idle warnings   : {max(r.warnings for r in runs)}")
    time_verdict = f" (target ≤ {TARGET_S / 60:.0f} min): " + (
        "met" if median <= TARGET_S else "NOT met"
    )
    tap_verdict = f" (target ≤ {TARGET_TAPS}): " + ("met" if taps <= TARGET_TAPS else "NOT met")
    print(
        f"  kiosk time: median {median:.0f} s = {median / 60:.1f} min"
        + (time_verdict if target else "")
    )
    print(f"  taps outside the keyboard: {taps}" + (tap_verdict if target else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    copy_runs = [one_run(CERTIFIED_COPY) for _ in range(args.runs)]
    birth_runs = [one_run(BIRTH_REGISTRATION) for _ in range(args.runs)]
    report("certified copy (two documents; the target's case)", copy_runs, target=True)
    report("birth registration (five documents, eight form pages)", birth_runs, target=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
