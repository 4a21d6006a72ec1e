"""The touchscreen app: cold start, screen changes and memory over many journeys.

- cold start: from launching a fresh Python process to the home screen drawn (median of N);
- screen change: from the citizen's tap (the intent reaching the view-model) to the next
  screen loaded and drawn once, per kind of change (median and p90 over repeats);
- memory: resident set size after each of 50 scripted journeys through the real QML (fake
  devices, the gateway down) in a process of its own, and its growth after the first 10
  (mean of journeys 10-20 against the mean of the last 10: single readings wander by ±20 MB as
  the allocator hands memory back).

Targets (issue 5): cold start ≤ 3 s on this 2-core machine, screen change ≤ 100 ms, RSS ≤ 400 MB
after 50 journeys and no growth after the first 10.

    python -m benchmarks.ui [--starts 5] [--journeys 50] [--changes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_START_S = 3.0
TARGET_CHANGE_MS = 100.0
TARGET_RSS_MB = 400.0


def slope(values: list[float]) -> float:
    """Least-squares MB per journey: one number for a trend that single readings hide."""
    xs = range(len(values))
    mx, my = statistics.mean(xs), statistics.mean(values)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, values, strict=True)) / den if den else 0.0


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def child_cold_start(started: float) -> None:
    """Runs in the fresh process: build the app and print seconds since the parent launched."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from PySide6.QtGui import QGuiApplication

    from config.settings import PathsSection, Settings
    from drivers.printer.fake import FakePrinter
    from drivers.qr.fake import FakeQrReader
    from drivers.scanner.fake import FakeScanner
    from dvc_common.clock import SystemClock
    from simulators.script import Driver
    from ui.app import Devices, build_app, prepare_qt_environment
    from ui.speech import Speaker

    prepare_qt_environment()
    app = QGuiApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = Settings(paths=PathsSection(data_dir=root / "data", scratch_dir=root / "run"))
        clock = SystemClock()
        # The devices as the app has them at start: nothing opened, nothing fed yet.
        devices = Devices(FakeQrReader(clock), FakeScanner(), FakePrinter(Path(folder) / "slips"))
        kapp = build_app(settings, clock=clock, devices=devices, speaker=Speaker(None))
        driver = Driver(kapp)
        driver.wait_screen("Home")
        kapp.window.grabWindow()  # drawn, not only loaded
        print(f"{time.time() - started:.4f}", flush=True)
        kapp.close()
    del app


def cold_starts(count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.time()
        out = (
            subprocess.run(
                [sys.executable, "-m", "benchmarks.ui", "--child-cold-start", repr(started)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()
        )
        times.append(float(out[-1]))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--journeys", type=int, default=50)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--child-cold-start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_cold_start is not None:
        child_cold_start(args.child_cold_start)
        return 0
    if args.child_memory is not None:
        child_memory(args.child_memory)
        return 0

    starts = cold_starts(args.starts)
    start_med = statistics.median(starts)
    print(
        f"cold start to the drawn home screen ({args.starts} runs): median {start_med:.2f} s, "
        f"max {max(starts):.2f} s (target ≤ {TARGET_START_S:g} s): "
        f"{verdict(start_med <= TARGET_START_S)}"
    )

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from PySide6.QtGui import QGuiApplication

    from dvc_common.clock import SystemClock
    from simulators.screens_demo import build_simulated_app, demo_settings, simulated_devices
    from simulators.script import Driver
    from ui.app import prepare_qt_environment
    from ui.speech import Speaker

    prepare_qt_environment()
    app = QGuiApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    settings = demo_settings(folder, None)
    clock = SystemClock()
    # The scripted reader: a screen change is measured from the read, not from the decoding
    # (the QR pipeline has its own benchmark).
    devices = simulated_devices(clock, sheets=1, page_interval_s=0.0, camera=False)
    demo = build_simulated_app(settings, devices, clock=clock, speaker=Speaker(None))
    kapp = demo.kapp
    driver = Driver(kapp, timeout_s=60)
    driver.wait_screen("Home")
    journey = kapp.journey

    def change(intent: Callable[[], None], screen: str) -> float:
        begun = time.perf_counter()
        intent()
        driver.wait_screen(screen)
        kapp.window.grabWindow()
        return (time.perf_counter() - begun) * 1000

    changes: dict[str, list[float]] = {}
    for _ in range(args.changes):
        changes.setdefault("home → procedures", []).append(change(journey.start, "Procedures"))
        changes.setdefault("procedures → details", []).append(
            change(lambda: journey.chooseProcedure("1.001193"), "Details")
        )
        changes.setdefault("details → identify", []).append(change(journey.proceed, "Identify"))
        changes.setdefault("identify → card check (QR read)", []).append(
            change(demo.simulator.presentIdentity, "CardCheck")
        )
        changes.setdefault("card check → form", []).append(change(journey.proceed, "Form"))
        changes.setdefault("form → card check (back)", []).append(change(journey.back, "CardCheck"))
        changes.setdefault("card check → identify (back)", []).append(
            change(journey.back, "Identify")
        )
        changes.setdefault("cancel → home", []).append(change(journey.cancel, "Home"))
    print("screen change, tap to next screen drawn (ms):")
    every = []
    for name, values in changes.items():
        every.extend(values)
        print(
            f"  {name:32} median {statistics.median(values):6.1f}"
            f"  p90 {percentile(values, 0.9):6.1f}"
        )
    change_med = statistics.median(every)
    print(
        f"  all changes: median {change_med:.1f} ms, p90 {percentile(every, 0.9):.1f} ms "
        f"(target ≤ {TARGET_CHANGE_MS:g} ms): {verdict(change_med <= TARGET_CHANGE_MS)}"
    )

    kapp.close()
    del app

    # Memory in a process of its own that does only what a kiosk does (no screenshots, no
    # benchmark loops before it): the journeys, one after the other.
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ui", "--child-memory", str(args.journeys)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    memory = [float(line.split()[1]) for line in out.splitlines() if line.startswith("rss ")]
    for number in sorted({1, 10, 25, len(memory)}):
        print(f"  after journey {number:3}: RSS {memory[number - 1]:.0f} MB")
    early = statistics.mean(memory[9:20])
    late = statistics.mean(memory[-10:])
    print(
        f"resident memory after {len(memory)} journeys: {memory[-1]:.0f} MB "
        f"(target ≤ {TARGET_RSS_MB:g}): {verdict(memory[-1] <= TARGET_RSS_MB)}; "
        f"mean of journeys 10-20 {early:.0f} MB, of the last 10 {late:.0f} MB: "
        f"growth {late - early:+.1f} MB"
    )
    print(
        f"  range journeys 10-20: {min(memory[9:20]):.0f}-{max(memory[9:20]):.0f} MB; "
        f"last 10: {min(memory[-10:]):.0f}-{max(memory[-10:]):.0f} MB; "
        f"least-squares slope after journey 10: {slope(memory[9:]):+.2f} MB per journey"
    )
    return 0


def child_memory(journeys: int) -> None:
    """Runs in its own process: the app on simulated devices, ``journeys`` citizens, the RSS
    after each printed as ``rss N``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from PySide6.QtGui import QGuiApplication

    from dvc_common.clock import SystemClock
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
    app = QGuiApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = demo_settings(root, None)
        clock = SystemClock()
        devices = simulated_devices(clock, sheets=1, page_interval_s=0.0)
        kapp = build_simulated_app(settings, devices, clock=clock, speaker=Speaker(None)).kapp
        driver = Driver(kapp, timeout_s=60)
        for number in range(journeys):
            play_citizen(driver, rating=1 + number % 5)
            print(f"rss {rss_mb():.1f}", flush=True)
        kapp.close()
    del app


if __name__ == "__main__":
    sys.exit(main())
