"""Decode rates on generated camera photos of invented citizens' CCCD/VNeID codes.

Four photos per condition and severity (perspective, rotation, blur, noise, low contrast, glare,
moiré, small and large codes, the code on a card, a dark-mode screen, a screen behind glass; easy,
mild and hard). The table of rates for pyzbar alone, zxing-cpp alone and the pipeline is printed
(``pytest -s``); only sensible floors are asserted, never timings: the pipeline decodes at least
as many as either decoder alone and never fewer than zxing-cpp alone on any condition and
severity, ≥ 90% of the easy photos, and every payload it returns is the exact bytes, accepted by
``parse_identity``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from config.settings import QrDecoder
from drivers.qr.decode import FrameDecoder
from kiosk.identity import parse_identity
from simulators.qr_scenes import Condition, Sample, Severity, photo_set

PER_CONDITION = 4
TODAY = date(2026, 11, 23)

Results = dict[QrDecoder, dict[tuple[Condition, Severity], list[bool]]]


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return list(photo_set(PER_CONDITION, seed=23))


@pytest.fixture(scope="module")
def results(samples: list[Sample]) -> Results:
    decoders = {mode: FrameDecoder(mode) for mode in QrDecoder}
    table: Results = {mode: defaultdict(list) for mode in QrDecoder}
    wrong = []
    for sample in samples:
        for mode, decoder in decoders.items():
            payloads = [d.payload for d in decoder.decode(sample.image).found]
            if payloads and sample.payload not in payloads:
                wrong.append((mode, sample))
            table[mode][(sample.condition, sample.severity)].append(sample.payload in payloads)
    assert wrong == [], "a decoder returned bytes that are not the payload"
    print_table(table)
    return table


def print_table(table: Results) -> None:
    modes = list(table)
    print(f"\n{'condition':<14}{'severity':<9}" + "".join(f"{m.value:>10}" for m in modes))
    for severity in Severity:
        for condition in Condition:
            cells = "".join(
                f"{sum(table[m][(condition, severity)]):>7}/{PER_CONDITION}" for m in modes
            )
            print(f"{condition.value:<14}{severity.value:<9}{cells}")
    print(f"{'total':<23}" + "".join(f"{total(table, m):>10}" for m in modes))


def total(table: Results, mode: QrDecoder, severity: Severity | None = None) -> int:
    return sum(
        sum(hits) for (_, sev), hits in table[mode].items() if severity is None or sev is severity
    )


def test_pipeline_decodes_at_least_as_many_as_either_decoder_alone(results: Results) -> None:
    pipeline = total(results, QrDecoder.PIPELINE)
    assert pipeline >= total(results, QrDecoder.PYZBAR)
    assert pipeline >= total(results, QrDecoder.ZXING)


def test_pipeline_never_decodes_fewer_than_zxing_alone_on_a_condition(results: Results) -> None:
    for key, hits in results[QrDecoder.PIPELINE].items():
        assert sum(hits) >= sum(results[QrDecoder.ZXING][key]), key


def test_pipeline_decodes_at_least_90_percent_of_easy_photos(results: Results) -> None:
    easy = total(results, QrDecoder.PIPELINE, Severity.EASY)
    assert easy >= 0.9 * PER_CONDITION * len(Condition)
    for condition in Condition:
        assert sum(results[QrDecoder.PIPELINE][(condition, Severity.EASY)]) >= PER_CONDITION - 1


def test_mild_photos_are_mostly_and_hard_ones_often_decoded_by_the_pipeline(
    results: Results,
) -> None:
    n = PER_CONDITION * len(Condition)
    assert total(results, QrDecoder.PIPELINE, Severity.MILD) >= 0.8 * n
    assert total(results, QrDecoder.PIPELINE, Severity.HARD) >= 0.5 * n


def test_decoded_photos_are_valid_identities(samples: list[Sample]) -> None:
    decoder = FrameDecoder()
    checked = 0
    for sample in samples[:: len(Severity)]:
        outcome = decoder.decode(sample.image)
        if outcome.first is None:
            continue
        assert outcome.first.payload == sample.payload
        identity = parse_identity(outcome.first.payload, today=TODAY)
        assert identity.full_name.encode() in sample.payload
        checked += 1
    assert checked >= len(samples) // len(Severity) * 0.8
