"""QR decoding side by side: zxing-cpp alone, pyzbar alone, the earlier pipeline and this one.

One run, the same pictures for every column:

- generated camera photos of invented citizens' CCCD/VNeID codes (``simulators.qr_scenes``), per
  condition and severity (easy, mild, hard);
- real pictures of QR codes published in open-source packages (``simulators.real_qr_photos``),
  per source;
- pictures without a QR code, generated (textures, text, faces, other barcodes, a card or phone
  without a code) and real (photographs, other symbologies): every payload there is a false
  positive;
- milliseconds per 1280×720 frame without a code and with one: wall clock (median and 90th
  percentile), the calling thread's CPU time and the whole process's CPU time (medians). The
  CPU times hold on a machine loaded by other jobs, where the wall clock counts their time too;
  zxing-cpp and libzbar run on the calling thread (its CPU time equals the process's for them),
  OpenCV spreads some filters over worker threads, so the process's is the one compared with
  the target;
- with ``--instructions``, instructions per frame without a code counted by valgrind's
  callgrind for zxing alone, the earlier pipeline and this one (a few minutes; needs valgrind).

Columns: ``zxing`` is ``zxingcpp.read_barcodes(image)`` with all its defaults (every format; a
QR-family result counts), ``pyzbar`` is libzbar on the grey frame (QR only, binary mode),
``earlier`` is ``FrameDecoder(QrDecoder.PIPELINE)`` of ``drivers/qr/decode.py`` at
``--baseline`` (loaded from ``git show`` into a temporary module), ``pipeline`` is today's
camera pipeline and ``still`` the same in thorough mode (what ``kiosk qr decode`` runs on a
file). A read counts only when its raw bytes are the expected payload.

Targets: pipeline ≥ 1.10× zxing alone overall, never fewer than zxing alone on any row, no false
positive, ≤ 15 ms median (CPU time) for a frame without a code. ``--stages`` also prints every
pipeline stage run on its own (CPU ms), which is how the pipeline's order and gating were chosen.

    python -m benchmarks.qr [--per-condition 10] [--seed 5] [--baseline 4d1e21f] [--stages]
                            [--instructions]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt

from benchmarks.revision import load_revision
from config.settings import QrDecoder
from drivers.qr.decode import PIPELINE, FrameDecoder, Stage
from simulators import real_qr_photos
from simulators.people import invent_person
from simulators.qr_scenes import (
    Carrier,
    Negative,
    Sample,
    Scene,
    Severity,
    negative,
    photo,
    photo_set,
)

Image = npt.NDArray[np.uint8]
Reader = Callable[[Image], list[bytes]]

NO_CODE_TARGET_MS = 15.0
RATIO_TARGET = 1.10
DEFAULT_BASELINE = "4d1e21f"
REPO = Path(__file__).resolve().parent.parent


class Column(StrEnum):
    ZXING = "zxing"
    PYZBAR = "pyzbar"
    EARLIER = "earlier"
    PIPELINE = "pipeline"
    STILL = "still"


def zxing_alone() -> Reader:
    """zxing-cpp exactly as a user calls it: ``read_barcodes(image)``, every default."""
    import zxingcpp

    formats = zxingcpp.BarcodeFormat
    qr_family = {
        formats.QRCode, formats.QRCodeModel1, formats.QRCodeModel2, formats.MicroQRCode,
        formats.RMQRCode,
    }  # fmt: skip

    def read(image: Image) -> list[bytes]:
        found = zxingcpp.read_barcodes(image)
        return [b.bytes for b in found if b.valid and b.format in qr_family]

    return read


def load_baseline(rev: str) -> ModuleType:
    """``drivers/qr/decode.py`` as it was at ``rev`` (with the ``drivers.qr`` modules it
    imports, of the same revision), imported as a module of its own."""
    return load_revision(rev, "drivers.qr", "decode", Path(tempfile.mkdtemp(prefix="qr-baseline-")))


def readers(baseline: str) -> dict[Column, Reader]:
    earlier = load_baseline(baseline).FrameDecoder(QrDecoder.PIPELINE)
    pyzbar = FrameDecoder(QrDecoder.PYZBAR)
    pipeline = FrameDecoder(QrDecoder.PIPELINE)
    still = FrameDecoder(QrDecoder.PIPELINE, thorough=True)

    def of(decoder: FrameDecoder) -> Reader:
        return lambda image: [d.payload for d in decoder.decode(image).found]

    return {
        Column.ZXING: zxing_alone(),
        Column.PYZBAR: of(pyzbar),
        Column.EARLIER: lambda image: [d.payload for d in earlier.decode(image).found],
        Column.PIPELINE: of(pipeline),
        Column.STILL: of(still),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Clock(StrEnum):
    """What a frame's milliseconds are measured by."""

    WALL = "wall"  # perf_counter: what the camera waits, inflated by every other job
    THREAD = "thread cpu"  # thread_time: this thread's CPU; zxing-cpp and libzbar run on it
    PROCESS = "cpu"  # process_time: every thread's CPU, OpenCV's worker threads included


CLOCKS: dict[Clock, Callable[[], float]] = {
    Clock.WALL: time.perf_counter,
    Clock.THREAD: time.thread_time,
    Clock.PROCESS: time.process_time,
}


def time_frames(read: Reader, frames: list[Image], repeats: int) -> dict[Clock, list[float]]:
    """Milliseconds per frame by each clock. On a machine shared with other jobs the wall clock
    counts their time too; CPU time counts only the work this process did for the frame, so it
    survives a loaded machine (cache and memory contention still inflate it somewhat)."""
    times: dict[Clock, list[float]] = {clock: [] for clock in Clock}
    for _ in range(repeats):
        for frame in frames:
            start = {clock: now() for clock, now in CLOCKS.items()}
            read(frame)
            for clock, now in CLOCKS.items():
                times[clock].append((now() - start[clock]) * 1000)
    return times


def no_code_frames(seed: int, per_kind: int) -> list[tuple[Negative, Image]]:
    rng = np.random.default_rng(seed + 1000)
    return [(kind, negative(kind, rng)) for kind in Negative for _ in range(per_kind)]


def code_frames(seed: int, count: int) -> list[Image]:
    rng = np.random.default_rng(seed + 2000)
    frames = []
    for i in range(count):
        payload = invent_person(rng).payload()
        carrier = Carrier.PHONE if i % 2 == 0 else Carrier.CARD
        scene = Scene(carrier, float(rng.uniform(200, 300)), 5.0, 3.0, -4.0, (0.05, 0.0))
        frames.append(photo(payload, scene, rng))
    return frames


Table = dict[str, dict[Column, list[bool]]]


def score(
    rows: Iterable[tuple[str, Image, Callable[[bytes], bool]]], columns: dict[Column, Reader]
) -> tuple[Table, int]:
    """Per row name, per column, whether each picture's expected payload was read; and the
    number of reads whose bytes were not the payload (printed as they happen)."""
    table: Table = defaultdict(lambda: defaultdict(list))
    wrong = 0
    for name, image, expected in rows:
        for column, read in columns.items():
            payloads = read(image)
            hit = any(expected(p) for p in payloads)
            if payloads and not hit:
                wrong += 1
                print(f"WRONG BYTES from {column.value} on {name}")
            table[name][column].append(hit)
    return table, wrong


def print_table(title: str, table: Table, columns: list[Column]) -> dict[Column, int]:
    totals = dict.fromkeys(columns, 0)
    print(f"\n{title}")
    print(f"{'':<28}" + "".join(f"{c.value:>10}" for c in columns) + "   pipeline vs zxing")
    for name, cells in table.items():
        n = len(cells[columns[0]])
        line = f"{name:<28}"
        for column in columns:
            hits = sum(cells[column])
            totals[column] += hits
            line += f"{hits:>6}/{n:<3}"
        gap = sum(cells[Column.PIPELINE]) - sum(cells[Column.ZXING])
        line += "   FEWER" if gap < 0 else (f"   +{gap}" if gap else "")
        print(line)
    n_all = sum(len(cells[columns[0]]) for cells in table.values())
    print(f"{'total':<28}" + "".join(f"{totals[c]:>6}/{n_all:<3}" for c in columns))
    return totals


def false_positives(
    frames: Iterable[tuple[str, Image]], columns: dict[Column, Reader]
) -> dict[str, dict[Column, int]]:
    found: dict[str, dict[Column, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    for name, image in frames:
        for column, read in columns.items():
            found[name][column] += bool(read(image))
    return found


def print_stages(samples: list[Sample], no_code: list[Image]) -> None:
    # CPU time of the whole process (OpenCV's workers included): survives a loaded machine.
    decoder = FrameDecoder(QrDecoder.PIPELINE, timer=time.process_time)
    solved: dict[Stage, int] = defaultdict(int)
    only: dict[Stage, int] = defaultdict(int)
    ms_code: dict[Stage, list[float]] = defaultdict(list)
    ms_none: dict[Stage, list[float]] = defaultdict(list)
    with_candidates = 0
    for sample in samples:
        stages, candidates = decoder.each_stage(sample.image)
        with_candidates += candidates > 0
        winners = [s for s, (payloads, _) in stages.items() if sample.payload in payloads]
        if len(winners) == 1:
            only[winners[0]] += 1
        for stage, (payloads, ms) in stages.items():
            solved[stage] += sample.payload in payloads
            ms_code[stage].append(ms)
    for frame in no_code:
        stages, _ = decoder.each_stage(frame)
        for stage, (_, ms) in stages.items():
            ms_none[stage].append(ms)
    print(f"\nevery stage on its own ({len(samples)} photos, {with_candidates} with candidates)")
    print(f"{'stage':<30}{'kind':<11}{'solved':>7}{'alone':>7}{'cpu code':>9}{'cpu none':>9}")
    for stage, kind in PIPELINE:
        print(
            f"{stage.value:<30}{kind.value:<11}{solved[stage]:>7}{only[stage]:>7}"
            f"{statistics.median(ms_code[stage]):>9.1f}{statistics.median(ms_none[stage]):>9.1f}"
        )


# Instructions per frame without a code, counted by valgrind's callgrind: a count that does not
# depend on what else the machine is doing (the difference of a run reading the frames once and
# a run that only prepares them, so imports and frame generation cancel out).
INSTRUCTION_COLUMNS = (Column.ZXING, Column.EARLIER, Column.PIPELINE)
INSTRUCTION_FRAMES = 9  # one of each kind of picture without a code


def instructions_child(column: Column, reads: int, seed: int, baseline: str) -> None:
    """What runs under valgrind: build the reader, read one frame to warm it up (lazy imports,
    caches), then read every frame ``reads`` times."""
    read = readers(baseline)[column]
    frames = [f for _, f in no_code_frames(seed, 1)][:INSTRUCTION_FRAMES]
    read(frames[0])
    for _ in range(reads):
        for frame in frames:
            read(frame)


def count_instructions(column: Column, seed: int, baseline: str) -> float | None:
    """Instructions per frame without a code for ``column``, or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    totals = []
    for reads in (0, 1):
        command = [
            valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "benchmarks.qr", "--instructions-child", column.value,
            str(reads), "--seed", str(seed), "--baseline", baseline,
        ]  # fmt: skip
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
        match = re.search(r"Collected : (\d+)", done.stderr)
        if match is None:
            raise RuntimeError(f"callgrind gave no count: {done.stderr[-500:]}")
        totals.append(int(match.group(1)))
    return (totals[1] - totals[0]) / INSTRUCTION_FRAMES


def print_instructions(seed: int, baseline: str) -> None:
    print("\ninstructions per 1280x720 frame without a code (callgrind; load does not change it)")
    counts = {c: count_instructions(c, seed, baseline) for c in INSTRUCTION_COLUMNS}
    zxing = counts[Column.ZXING]
    for column, count in counts.items():
        if count is None:
            print("valgrind is not installed")
            return
        ratio = f"{count / zxing:.2f}× zxing alone" if zxing else ""
        print(f"{column.value:<10}{count / 1e6:>10.1f} M   {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats over the frames")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--stages", action="store_true", help="also time every stage alone")
    parser.add_argument("--cache", type=Path, default=real_qr_photos.DEFAULT_CACHE)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per empty frame"
    )
    parser.add_argument("--instructions-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions_child:
        column, reads = args.instructions_child
        instructions_child(Column(column), int(reads), args.seed, args.baseline)
        return

    columns = readers(args.baseline)
    names = list(columns)
    print(f"zbar hands over raw bytes (ZBAR_CFG_BINARY): {FrameDecoder().zbar_binary}")
    none = no_code_frames(args.seed, 3)
    code = code_frames(args.seed, 12)
    print(
        f"\nms per 1280x720 frame ({args.repeats} × {len(none)} without, {len(code)} with a code)"
    )
    heads = [f"{kind} {clock.value}" for kind in ("none", "code") for clock in Clock]
    print(f"{'decoder':<10}" + "".join(f"{h:>17}" for h in [*heads, "none wall p90"]))
    medians: dict[Column, dict[Clock, float]] = {}
    for column, read in columns.items():
        t_none = time_frames(read, [f for _, f in none], args.repeats)
        t_code = time_frames(read, code, args.repeats)
        medians[column] = {clock: statistics.median(t_none[clock]) for clock in Clock}
        print(
            f"{column.value:<10}"
            + "".join(f"{statistics.median(t[c]):>17.1f}" for t in (t_none, t_code) for c in Clock)
            + f"{percentile(t_none[Clock.WALL], 0.9):>17.1f}"
        )

    samples = list(photo_set(args.per_condition, seed=args.seed))
    generated, wrong = score(
        (
            (f"{s.condition.value} {s.severity.value}", s.image, s.payload.__eq__)
            for s in sorted(samples, key=lambda s: list(Severity).index(s.severity))
        ),
        columns,
    )
    totals = print_table(
        f"generated photos, decoded ({args.per_condition} per condition and severity)",
        generated, names,
    )  # fmt: skip

    real_fp: dict[str, dict[Column, int]] = {}
    try:
        real_qr_photos.fetch(args.cache)
        real = [(p, real_qr_photos.load(p, args.cache)) for p in real_qr_photos.PHOTOS]
    except real_qr_photos.RealPhotoError as exc:
        print(f"\nreal pictures unavailable: {exc}")
        real = []
    if real:
        real_table, real_wrong = score(
            ((p.source.value, img, p.expects) for p, img in real if p.has_code), columns
        )
        wrong += real_wrong
        real_totals = print_table(
            "real pictures of QR codes, decoded, per source", real_table, names
        )
        totals = {c: totals[c] + real_totals[c] for c in names}
        real_fp = false_positives(
            ((p.source.value, img) for p, img in real if not p.has_code), columns
        )

    generated_fp = false_positives(((k.value, f) for k, f in none), columns)
    print("\nfalse positives: pictures without a QR code that gave a payload")
    print(f"{'':<28}" + "".join(f"{c.value:>10}" for c in names))
    counts: defaultdict[Column, int] = defaultdict(int)
    for title, table in (("generated", generated_fp), ("real", real_fp)):
        for name, cells in table.items():
            print(f"{title + ' ' + name:<28}" + "".join(f"{cells[c]:>10}" for c in names))
            for c in names:
                counts[c] += cells[c]
    n_negatives = len(none) + sum(1 for p, _ in real if not p.has_code)
    print(f"{'total of ' + str(n_negatives):<28}" + "".join(f"{counts[c]:>10}" for c in names))

    if args.stages:
        print_stages(samples, [f for _, f in none])
    if args.instructions:
        print_instructions(args.seed, args.baseline)

    zxing, pipeline = totals[Column.ZXING], totals[Column.PIPELINE]
    ratio = pipeline / max(1, zxing)
    print("\nall pictures with a code: " + ", ".join(f"{c.value} {totals[c]}" for c in names))
    print(f"ratio to zxing alone: earlier {totals[Column.EARLIER] / max(1, zxing):.3f}, "
          f"pipeline {ratio:.3f}, still {totals[Column.STILL] / max(1, zxing):.3f}")  # fmt: skip
    fewer = [
        name
        for table in (generated, real_table if real else {})
        for name, cells in table.items()
        if sum(cells[Column.PIPELINE]) < sum(cells[Column.ZXING])
    ]
    verdict = {True: "met", False: "MISSED"}
    print(f"target pipeline ≥ {RATIO_TARGET:.2f}× zxing alone: {ratio:.3f}: "
          f"{verdict[ratio >= RATIO_TARGET]}")  # fmt: skip
    print(f"target never fewer than zxing alone on a row: {fewer or 'none fewer'}: "
          f"{verdict[not fewer]}")  # fmt: skip
    fp = counts[Column.PIPELINE] + counts[Column.STILL]
    print(f"target no false positive, no wrong bytes: {fp} false, {wrong} wrong (all columns): "
          f"{verdict[fp == 0 and wrong == 0]}")  # fmt: skip
    for clock in (Clock.PROCESS, Clock.WALL):
        no_code_ms = medians[Column.PIPELINE][clock]
        print(
            f"target frame without a code ≤ {NO_CODE_TARGET_MS:.0f} ms ({clock.value}): "
            f"{no_code_ms:.1f} ms: {verdict[no_code_ms <= NO_CODE_TARGET_MS]} "
            f"(earlier {medians[Column.EARLIER][clock]:.1f}, zxing alone "
            f"{medians[Column.ZXING][clock]:.1f})"
        )


if __name__ == "__main__":
    main()
