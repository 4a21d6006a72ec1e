"""A first-time elderly citizen's whole journey at an elderly pace: kiosk time and taps.

The demo's scripted citizen (``simulators.screens_demo.play_citizen``) walks the real QML on
simulated devices through a two-document procedure (birth registration: the birth certificate
scanned, the power of attorney skipped as not needed), with a model of how long a person takes
added at every step. The person's time is counted on the kiosk's clock (a ``SteppableClock`` moved
forward, so idle warnings fire exactly as they would), and the machine's own time (scanning,
printing, screen changes) is measured and added.

The pace model (assumptions, stated so they can be argued with):

- reading: 100 words a minute of what the screen shows below the header (silent reading of
  plain text is 200-250 words a minute for adults; unfamiliar administrative text on a screen,
  read by an older first-time user, about half that);
- every tap: 3 s to find the button, reach and press;
- typing on the on-screen keyboard: 2 s a character (hunting for letters, tones typed as keys);
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
WORDS_PER_MINUTE = 100.0
TAP_S = 3.0
CHARACTER_S = 2.0
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
    warnings: int = 0

    def _spend(self, kind: str, seconds: float) -> None:
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds
        self.skip(seconds)
        self.tick()
        if self.warned():
            self.warnings += 1
            self.dismiss()

    def read(self, screen: str, words: int) -> None:
        self._spend("reading", words / WORDS_PER_MINUTE * 60)

    def act(self, what: str) -> None:
        self._spend("tapping" if what == "tap" else "handling", ACTIONS_S.get(what, TAP_S))

    def typed(self, characters: int) -> None:
        self._spend("typing", characters * CHARACTER_S)


@dataclass(frozen=True)
class Run:
    person_s: dict[str, float]
    machine_s: float
    taps: int
    warnings: int

    @property
    def total_s(self) -> float:
        return sum(self.person_s.values()) + self.machine_s


def one_run() -> Run:
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
            play_citizen(driver, pace=pace, show_errors=False)
            machine = time.monotonic() - started
            return Run(dict(pace.seconds), machine, driver.taps, pace.warnings)
        finally:
            kapp.close()
            del app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    totals = [r.total_s for r in runs]
    median = statistics.median(totals)
    taps = max(r.taps for r in runs)
    last = runs[-1]
    print(f"elderly-pace journey, birth registration (2 documents), {len(runs)} runs")
    for kind, seconds in sorted(last.person_s.items()):
        print(f"  person {kind:9}: {seconds:6.1f} s")
    print(f"  machine         : median {statistics.median(r.machine_s for r in runs):6.1f} s")
    print(f"  idle warnings   : {max(r.warnings for r in runs)}")
    print(
        f"kiosk time: median {median:.0f} s = {median / 60:.1f} min "
        f"(target ≤ {TARGET_S / 60:.0f} min): {'met' if median <= TARGET_S else 'NOT met'}"
    )
    print(
        f"taps outside the keyboard: {taps} (target ≤ {TARGET_TAPS}): "
        f"{'met' if taps <= TARGET_TAPS else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
