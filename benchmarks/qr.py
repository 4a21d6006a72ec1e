"""QR decoding on generated camera photos: pyzbar alone, zxing-cpp alone and the pipeline.

Prints the milliseconds per 1280×720 frame without a code (textures, text, face-like blobs,
other barcodes, a card or phone without a code) and with a code (clean photos), medians and
90th percentiles, and the decode rate per condition and severity of ``simulators.qr_scenes``.
Targets: the pipeline decodes at least as many photos as zxing-cpp alone; a frame without a code
costs ≤ 15 ms (median) in the pipeline. ``--stages`` also prints every pipeline stage run on its
own, which is how the pipeline's order and gating were chosen.

    python -m benchmarks.qr [--per-condition 12] [--seed 5] [--stages]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np

from config.settings import QrDecoder
from drivers.qr.decode import PIPELINE, FrameDecoder, Stage
from simulators.people import invent_person
from simulators.qr_scenes import (
    Carrier,
    Condition,
    Negative,
    Sample,
    Scene,
    Severity,
    negative,
    photo,
    photo_set,
)

MODES = (QrDecoder.PYZBAR, QrDecoder.ZXING, QrDecoder.PIPELINE)
NO_CODE_TARGET_MS = 15.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_frames(decoder: FrameDecoder, frames: list[np.ndarray], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        for frame in frames:
            start = time.perf_counter()
            decoder.decode(frame)
            times.append((time.perf_counter() - start) * 1000)
    return times


def no_code_frames(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    return [negative(kind, rng) for kind in Negative for _ in range(3)]


def code_frames(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed + 2000)
    frames = []
    for i in range(count):
        payload = invent_person(rng).payload()
        carrier = Carrier.PHONE if i % 2 == 0 else Carrier.CARD
        scene = Scene(carrier, float(rng.uniform(200, 300)), 5.0, 3.0, -4.0, (0.05, 0.0))
        frames.append(photo(payload, scene, rng))
    return frames


def decode_rates(
    samples: list[Sample], decoders: dict[QrDecoder, FrameDecoder]
) -> dict[QrDecoder, dict[tuple[Condition, Severity], list[bool]]]:
    rates: dict[QrDecoder, dict[tuple[Condition, Severity], list[bool]]] = {
        mode: defaultdict(list) for mode in decoders
    }
    for sample in samples:
        for mode, decoder in decoders.items():
            outcome = decoder.decode(sample.image)
            payloads = [d.payload for d in outcome.found]
            if payloads and sample.payload not in payloads:
                print(f"WRONG BYTES from {mode.value} on {sample!r}")
            rates[mode][(sample.condition, sample.severity)].append(sample.payload in payloads)
    return rates


def print_rates(
    rates: dict[QrDecoder, dict[tuple[Condition, Severity], list[bool]]], per_condition: int
) -> dict[QrDecoder, int]:
    totals = dict.fromkeys(rates, 0)
    print(f"\ndecode rate per condition ({per_condition} photos each)")
    print(f"{'condition':<14}{'severity':<9}" + "".join(f"{m.value:>10}" for m in rates))
    for severity in Severity:
        for condition in Condition:
            cells = []
            for mode in rates:
                hits = rates[mode][(condition, severity)]
                totals[mode] += sum(hits)
                cells.append(f"{sum(hits):>4}/{len(hits):<5}")
            print(f"{condition.value:<14}{severity.value:<9}" + "".join(f"{c:>10}" for c in cells))
    n = per_condition * len(Condition) * len(Severity)
    print(f"{'total':<23}" + "".join(f"{totals[m]:>5}/{n:<4}" for m in rates))
    return totals


def print_stages(samples: list[Sample], no_code: list[np.ndarray]) -> None:
    decoder = FrameDecoder(QrDecoder.PIPELINE)
    solved: dict[Stage, int] = defaultdict(int)
    ms_code: dict[Stage, list[float]] = defaultdict(list)
    ms_none: dict[Stage, list[float]] = defaultdict(list)
    with_candidates = 0
    for sample in samples:
        stages, candidates = decoder.each_stage(sample.image)
        with_candidates += candidates > 0
        for stage, (payloads, ms) in stages.items():
            solved[stage] += sample.payload in payloads
            ms_code[stage].append(ms)
    for frame in no_code:
        stages, _ = decoder.each_stage(frame)
        for stage, (_, ms) in stages.items():
            ms_none[stage].append(ms)
    print(f"\nevery stage on its own ({len(samples)} photos, {with_candidates} with candidates)")
    print(f"{'stage':<30}{'kind':<11}{'solved':>7}{'ms code':>9}{'ms none':>9}")
    for stage, kind in PIPELINE:
        print(
            f"{stage.value:<30}{kind.value:<11}{solved[stage]:>7}"
            f"{statistics.median(ms_code[stage]):>9.1f}{statistics.median(ms_none[stage]):>9.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=12)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats over the frames")
    parser.add_argument("--stages", action="store_true", help="also time every stage alone")
    args = parser.parse_args()

    decoders = {mode: FrameDecoder(mode) for mode in MODES}
    zbar_binary = decoders[QrDecoder.PIPELINE].zbar_binary
    print(f"zbar hands over raw bytes (ZBAR_CFG_BINARY): {zbar_binary}")
    none = no_code_frames(args.seed)
    code = code_frames(args.seed, 12)
    print(
        f"\nms per 1280x720 frame ({args.repeats} × {len(none)} without / {len(code)} with a code)"
    )
    print(f"{'decoder':<10}{'none med':>10}{'none p90':>10}{'code med':>10}{'code p90':>10}")
    medians: dict[QrDecoder, float] = {}
    for mode, decoder in decoders.items():
        t_none = time_frames(decoder, none, args.repeats)
        t_code = time_frames(decoder, code, args.repeats)
        medians[mode] = statistics.median(t_none)
        print(
            f"{mode.value:<10}{statistics.median(t_none):>10.1f}{percentile(t_none, 0.9):>10.1f}"
            f"{statistics.median(t_code):>10.1f}{percentile(t_code, 0.9):>10.1f}"
        )
    samples = list(photo_set(args.per_condition, seed=args.seed))
    totals = print_rates(decode_rates(samples, decoders), args.per_condition)
    if args.stages:
        print_stages(samples, none)
    pipeline, zxing = totals[QrDecoder.PIPELINE], totals[QrDecoder.ZXING]
    print(
        f"\ntarget pipeline ≥ zxing alone: {pipeline} vs {zxing}: "
        f"{'met' if pipeline >= zxing else 'MISSED'}"
    )
    no_code_ms = medians[QrDecoder.PIPELINE]
    print(
        f"target frame without a code ≤ {NO_CODE_TARGET_MS:.0f} ms: {no_code_ms:.1f} ms: "
        f"{'met' if no_code_ms <= NO_CODE_TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
