"""The document check on generated papers: wrong papers caught, right ones warned, time per check.

Papers of every kind ``simulators.documents`` draws (those the catalog asks to scan, and those a
citizen feeds by mistake: household book pages, receipts, birth and marriage certificates,
declaration forms, applications, residence certificates, ID-card copies, photo pages, blank
sheets), ``--papers`` of each in random layouts, go once through a plausible 200 dpi scan and
``drivers.scanner.pipeline.process_page``. Each processed paper is then checked by
``kiosk.title_check.TitleChecker`` (real tesseract, Vietnamese) against every scanned document of
the bundled catalog, as if it had been fed for that document:

- a **right** paper (its printed title is one the document's ``titles`` name) should give
  ``MATCH``: "right warned" is the share that gave anything else;
- a **wrong** paper (any other, a blank sheet included) should give a warning: "wrong caught";
- **damaged** scans of right papers (cut off at the top or the side) should warn too;
- **turned** scans (fed upside down) are reported apart: the pipeline turns most pages itself
  (then ``MATCH`` is right), and ``UPSIDE_DOWN`` is the check seeing one it did not turn.

Documents that take any paper (``any_paper``) are left out: every paper is right for them.
Targets (issue 15): caught ≥ 95 %, right warned ≤ 2 %, ≤ 1000 ms median per document.

    python -m benchmarks.document_check               # 3 papers per kind
    python -m benchmarks.document_check --papers 6 --seed 11
"""

from __future__ import annotations

import argparse
import collections
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from drivers.ocr.tesseract import TesseractReader
from drivers.scanner.pipeline import ProcessedPage, process_page
from dvc_common.catalog import (
    BUNDLED_CATALOG_DIR,
    DocumentHandling,
    RequiredDocument,
    load_catalog,
)
from kiosk.document_check import DocumentVerdict
from kiosk.title_check import TitleChecker, fold
from simulators.documents import CATALOG_KINDS, PaperKind, ScanFault, make_paper, scanned

TARGET_CAUGHT = 0.95
TARGET_RIGHT_WARNED = 0.02
TARGET_MS = 1000.0


class Group(StrEnum):
    """How a (paper, document) pair counts."""

    RIGHT = "right"
    WRONG = "wrong"
    DAMAGED = "damaged"
    TURNED = "turned"


RIGHT, WRONG, DAMAGED, TURNED = Group.RIGHT, Group.WRONG, Group.DAMAGED, Group.TURNED


@dataclass(frozen=True, slots=True)
class Sample:
    kind: PaperKind
    fault: ScanFault
    title: str | None
    layout: int
    number: int
    page: ProcessedPage
    process_ms: float


def _is_right(title: str | None, document: RequiredDocument) -> bool:
    """Whether a paper printed with ``title`` is one of those ``document`` asks for: one of its
    titles is printed there (the catalog's "BẢN ÁN" is any judgment, its "QUYẾT ĐỊNH" any
    decision)."""
    if title is None:
        return False
    printed = f" {fold(title)} "
    return any(f" {fold(t)} " in printed for t in document.titles)


def _samples(papers: int, seed: int) -> list[Sample]:
    plan = [(kind, ScanFault.NONE) for kind in PaperKind]
    plan += [
        (kind, fault)
        for kind in CATALOG_KINDS
        for fault in (ScanFault.UPSIDE_DOWN, ScanFault.CUT_TOP, ScanFault.CUT_SIDE)
    ]
    samples = []
    for k, (kind, fault) in enumerate(plan):
        for number in range(papers):
            rng = np.random.default_rng([seed, k, number])
            paper = make_paper(kind, rng)
            image = scanned(paper, rng, fault)
            start = time.perf_counter()
            page = process_page(image, paper.dpi)
            ms = (time.perf_counter() - start) * 1000
            samples.append(Sample(kind, fault, paper.title, paper.layout, number, page, ms))
    return samples


def _group(sample: Sample, document: RequiredDocument) -> Group:
    right = _is_right(sample.title, document)
    if not right:
        return WRONG
    return {
        ScanFault.NONE: RIGHT,
        ScanFault.UPSIDE_DOWN: TURNED,
        ScanFault.CUT_TOP: DAMAGED,
        ScanFault.CUT_SIDE: DAMAGED,
    }[sample.fault]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    – "


def _p90(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=3, help="papers per kind and scan fault")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--failures", type=int, default=25, help="failures listed (0: none)")
    args = parser.parse_args(argv)

    catalog = load_catalog(BUNDLED_CATALOG_DIR)
    documents: dict[str, RequiredDocument] = {}
    for procedure in catalog:
        for document in procedure.documents:
            if document.handling is DocumentHandling.SCAN and document.titles:
                documents.setdefault(document.code, document)
    reader = TesseractReader()
    checker = TitleChecker(reader, catalog)

    start = time.perf_counter()
    samples = _samples(args.papers, args.seed)
    print(f"{len(samples)} papers generated, scanned and processed in "
          f"{time.perf_counter() - start:.0f} s; process_page median "
          f"{statistics.median(s.process_ms for s in samples):.0f} ms")  # fmt: skip
    # Load the model before timing: the kiosk loads it once, at its first check.
    checker.check([samples[0].page], next(iter(documents.values())))

    counts: dict[tuple[str, Group], collections.Counter[DocumentVerdict]] = collections.defaultdict(
        collections.Counter
    )
    by_kind: dict[PaperKind, list[bool]] = collections.defaultdict(list)
    times: dict[str, list[float]] = collections.defaultdict(list)
    failures: list[str] = []
    for code, document in documents.items():
        for sample in samples:
            result = checker.check([sample.page], document)
            group = _group(sample, document)
            counts[code, group][result.verdict] += 1
            times[code].append(result.ms)
            if group is WRONG:
                by_kind[sample.kind].append(result.warned)
            bad = (group in (WRONG, DAMAGED) and not result.warned) or (
                group is RIGHT and result.warned
            )
            if bad:
                failures.append(
                    f"  {code:24} {group!s:8} {sample.kind.value:21} {sample.fault.value:11} "
                    f"layout {sample.layout} #{sample.number} -> {result.verdict.value}"
                    f"{f' ({result.looks_like})' if result.looks_like else ''}"
                )

    def tally(groups: Sequence[Group], codes: Sequence[str]) -> tuple[int, int, int]:
        warned = sum(
            n for c in codes for g in groups for v, n in counts[c, g].items()
            if v not in (DocumentVerdict.MATCH, DocumentVerdict.NOT_CHECKED)
        )  # fmt: skip
        total = sum(sum(counts[c, g].values()) for c in codes for g in groups)
        return warned, total, total - warned

    header = (f"{'document':24} {'right warned':>13} {'wrong caught':>13} {'damaged caught':>15}"
              f" {'turned: match/upside':>21} {'ms med':>7} {'ms p90':>7}")  # fmt: skip
    print()
    print(header)
    for code in documents:
        rw, rt, _ = tally([RIGHT], [code])
        wc, wt, _ = tally([WRONG], [code])
        dc, dt, _ = tally([DAMAGED], [code])
        turned = counts[code, TURNED]
        tt = sum(turned.values())
        print(f"{code:24} {_pct(rw, rt):>13} {_pct(wc, wt):>13} {_pct(dc, dt):>15}"
              f" {_pct(turned[DocumentVerdict.MATCH], tt):>10}/"
              f"{_pct(turned[DocumentVerdict.UPSIDE_DOWN], tt):<10}"
              f" {statistics.median(times[code]):7.0f} {_p90(times[code]):7.0f}")  # fmt: skip
    codes = list(documents)
    rw, rt, _ = tally([RIGHT], codes)
    wc, wt, _ = tally([WRONG], codes)
    dc, dt, _ = tally([DAMAGED], codes)
    every = [t for c in codes for t in times[c]]
    print(f"{'ALL':24} {_pct(rw, rt):>13} {_pct(wc, wt):>13} {_pct(dc, dt):>15}"
          f" {'':21} {statistics.median(every):7.0f} {_p90(every):7.0f}")  # fmt: skip

    print("\nwrong papers caught, by paper kind:")
    for kind, warned in by_kind.items():
        print(f"  {kind.value:22} {_pct(sum(warned), len(warned))}  ({len(warned)})")
    print("\nverdicts (right / wrong / damaged / turned):")
    for group in (RIGHT, WRONG, DAMAGED, TURNED):
        total: collections.Counter[DocumentVerdict] = collections.Counter()
        for code in codes:
            total.update(counts[code, group])
        print(f"  {group!s:8} " + ", ".join(f"{v.value} {n}" for v, n in total.most_common()))
    if failures and args.failures:
        print(f"\nfailures ({len(failures)}, first {args.failures}):")
        print("\n".join(failures[: args.failures]))
    ok = (
        (wt == 0 or wc / wt >= TARGET_CAUGHT)
        and (rt == 0 or rw / rt <= TARGET_RIGHT_WARNED)
        and statistics.median(every) <= TARGET_MS
    )
    print(f"\ntargets (caught ≥ 95 %, right warned ≤ 2 %, median ≤ 1000 ms): "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
