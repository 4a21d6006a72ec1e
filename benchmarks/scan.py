"""The scan pipeline on varied pages: kilobytes, milliseconds and OCR agreement per page kind.

Two sets of pages, each scanned as the kiosk's 200 dpi sheet-fed scanner hands them over:

- generated pages of every kind ``simulators.scan_pages`` draws (several typefaces and sizes,
  small serif type, typewriter, photocopy, faint pencil, handwriting, thin-ruled tables,
  halftone illustrations, photos, ID-card copies, red seals over text, Vietnamese and other
  Latin languages), with a random plausible skew, offset, noise and blur;
- real scanned pages (``simulators.real_pages``: book pages, a typewritten page, magazine and
  newspaper pages with halftones, a table, a patent, old prints, a photograph), each its own row,
  grey on a dark backing and skewed 1.5–3.5°.

Every page goes through four encoders in the same run: the current pipeline
(``drivers.scanner.pipeline``), the pipeline of an earlier git revision (``--baseline``, loaded
from ``git show`` into a temporary package), a naive greyscale JPEG at quality 75 (what a
scanner would save), and the same JPEG of the sheet alone, cut out with the simulation's known
skew and offset (tesseract loses whole paragraphs of a page skewed by 3°, and faint ink beside
a dark backing, which a reader does not; the naive JPEG's low agreement is mostly that, and
this one shows what the scanner and JPEG alone cost). For each, per page kind: the
median kilobytes and milliseconds (each page is processed once to warm up, then timed) and the
lowest OCR agreement in the row with the page it is on. Agreement: the words tesseract reads on
the page as the output shows it (rendered back from the pipeline's layers, or the decoded JPEG)
over the words it reads on the perfect capture (the page before the scanner, at its own
resolution), counted with multiplicity. Tesseract's answers are cached by image hash under
``~/.cache/kiosk-dvc/scan-bench-ocr`` (it is deterministic), so a second run reads only the
pages whose output changed.

Targets (issue 15): a text page ≤ 60 KB and ≤ 250 ms (medians), OCR agreement ≥ 0.98 on every
page.

    python -m benchmarks.scan                       # quick: 2 pages per generated kind + real
    python -m benchmarks.scan --pages 6 --jobs 2
    python -m benchmarks.scan --real-only
    python -m benchmarks.scan --kinds small_serif,halftone --no-real
    python -m benchmarks.scan --baseline 4d1e21f
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import functools
import hashlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import types
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from benchmarks.revision import load_revision
from simulators import real_pages
from simulators.scan_pages import (
    BENCH_KINDS,
    TEXT_BENCH_KINDS,
    Degradation,
    PageKind,
    random_degradation,
    sample,
    unscan,
)

TARGET_MS = 250.0
TARGET_KB = 60.0
TARGET_AGREEMENT = 0.98
DEFAULT_BASELINE = "4d1e21f"
NAIVE_JPEG_QUALITY = 75
DEFAULT_LANGUAGES = "vie+eng"
ROOT = Path(__file__).resolve().parent.parent
OCR_CACHE = Path.home() / ".cache" / "kiosk-dvc" / "scan-bench-ocr"


class Method(StrEnum):
    CURRENT = "current"  # drivers.scanner.pipeline as it is in the working tree
    BASELINE = "baseline"  # the same module at --baseline REV
    JPEG = "jpeg75"  # a naive greyscale JPEG of the scan
    # The same JPEG of the sheet alone, cut out of the scan with the simulation's known skew
    # and offset. Tesseract loses whole paragraphs of a page skewed by 3° and faint ink next to
    # a dark backing, which a reader does not: the naive JPEG's low agreement is mostly that.
    # This one shows what the scanner and JPEG alone cost: the fair grey reference.
    JPEG_PAPER = "jpeg75_paper"
    # The sheet alone, stored losslessly (PNG): everything the 200 dpi scan holds, nothing an
    # encoder took away. What tesseract misses on it, no encoding of this scan can be blamed for.
    LOSSLESS_PAPER = "png_paper"


# --- OCR agreement -------------------------------------------------------------------------------

Words = collections.Counter[str]


def words(text: str) -> Words:
    """The words of ``text``, lower-cased, with how often each occurs (Unicode letters/digits)."""
    return collections.Counter(re.findall(r"\w+", text.lower()))


def agreement(reference: Words, got: Words) -> float:
    """Recall of ``reference``'s words in ``got``, with multiplicity; 1.0 when there are none.

    A word read twice on the perfect capture counts twice and is matched at most as often as it
    is read on the output: extra words on the output (noise read as letters) do not raise it.
    """
    total = sum(reference.values())
    if total == 0:
        return 1.0
    return sum(min(n, got[w]) for w, n in reference.items()) / total


def tesseract() -> str:
    """The tesseract on PATH, as an operator would run it."""
    path = shutil.which("tesseract")
    if path is None:
        raise FileNotFoundError("no tesseract binary (apt-get install tesseract-ocr-vie)")
    return path


def installed_languages() -> frozenset[str]:
    done = subprocess.run([tesseract(), "--list-langs"], capture_output=True, text=True, check=True)
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


@functools.cache
def tesseract_version() -> str:
    done = subprocess.run([tesseract(), "--version"], capture_output=True, text=True, check=True)
    return (done.stdout or done.stderr).splitlines()[0].strip()


def ocr_key(image: np.ndarray, dpi: float, languages: str) -> str:
    """What tesseract's answer depends on: the pixels, the dpi, the languages, its version."""
    digest = hashlib.sha256(image.tobytes())
    digest.update(f"{image.shape}|{round(dpi)}|{languages}|{tesseract_version()}".encode())
    return digest.hexdigest()


def read_words(path: Path, dpi: float, languages: str, cached: Path | None = None) -> Words:
    """Tesseract's words on the image at ``path``; kept in ``cached`` (JSON) when given.

    Tesseract is deterministic, so the perfect captures, the baseline's and the naive JPEG's
    outputs are read once and not on every run: a run then only reads the current pipeline's.
    """
    if cached is not None and cached.is_file():
        return collections.Counter(json.loads(cached.read_text(encoding="utf-8")))
    # One thread per tesseract: --jobs runs several at once on the machine's cores.
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    command = [tesseract(), str(path), "-", "-l", languages, "--dpi", str(round(dpi))]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    found = words(out)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
        partial.replace(cached)
    return found


# --- the encoders --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Encoded:
    """One page through one encoder: its size, its time, and the bitmap a viewer shows."""

    kb: float
    ms: float
    shown: np.ndarray = field(repr=False)  # grey
    dpi: float
    stage_ms: dict[str, float]
    made: str = ""  # the pipeline's choice for the page (text, mixed, photo), flags after '+'


Encoder = Callable[["Scanned", int], Encoded]  # the scanned page, the scan's dpi


def _pipeline_encoder(module: types.ModuleType) -> Encoder:
    def run(scanned: Scanned, dpi: int) -> Encoded:
        module.process_page(scanned.image, dpi)  # warm-up: caches, as for the second page
        start = time.perf_counter()
        page = module.process_page(scanned.image, dpi)
        ms = (time.perf_counter() - start) * 1000
        shown = module.render_page(page)
        made = "+".join([page.kind.value, *sorted(flag.value for flag in page.flags)])
        return Encoded(page.bytes / 1024, ms, shown, float(page.dpi), dict(page.stage_ms), made)

    return run


def naive_jpeg(image: np.ndarray, dpi: int) -> Encoded:
    """Grey JPEG of the whole scan, as a scanner's "save as JPEG" does."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    params = [cv2.IMWRITE_JPEG_QUALITY, NAIVE_JPEG_QUALITY]
    cv2.imencode(".jpg", grey, params)  # warm-up, as for the pipelines
    start = time.perf_counter()
    ok, data = cv2.imencode(".jpg", grey, params)
    ms = (time.perf_counter() - start) * 1000
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    shown = np.asarray(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), dtype=np.uint8)
    return Encoded(len(data) / 1024, ms, shown, float(dpi), {})


def scan_jpeg(scanned: Scanned, dpi: int) -> Encoded:
    return naive_jpeg(scanned.image, dpi)


def paper_jpeg(scanned: Scanned, dpi: int) -> Encoded:
    """The naive JPEG of the sheet alone: the scan's skew, offset and backing cut away exactly."""
    return naive_jpeg(unscan(scanned.image, scanned.sheet_shape, dpi, scanned.degradation), dpi)


def paper_png(scanned: Scanned, dpi: int) -> Encoded:
    """The sheet alone as a lossless PNG (``Method.LOSSLESS_PAPER``)."""
    sheet = unscan(scanned.image, scanned.sheet_shape, dpi, scanned.degradation)
    grey = sheet if sheet.ndim == 2 else cv2.cvtColor(sheet, cv2.COLOR_RGB2GRAY)
    start = time.perf_counter()
    ok, data = cv2.imencode(".png", grey)
    ms = (time.perf_counter() - start) * 1000
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return Encoded(len(data) / 1024, ms, grey, float(dpi), {})


# --- the pages -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scanned:
    """A page as the scanner hands it over, its perfect capture, and how it was scanned."""

    image: np.ndarray = field(repr=False)
    perfect: np.ndarray = field(repr=False)  # grey
    degradation: Degradation
    sheet_shape: tuple[int, int]  # the sheet's (height, width) at the scan's dpi


@dataclass(frozen=True, slots=True)
class Case:
    """One page to run through every encoder; drawn or loaded only when its turn comes, so a
    run holds one page in memory, not fifty."""

    name: str  # unique: kind and number, or the real page's name
    rows: tuple[str, ...]  # the table rows it counts in
    text: bool  # a text page: counts for the KB and ms targets
    dpi: int
    perfect_dpi: float
    languages: str
    has_words: bool
    scan: Callable[[], Scanned] = field(repr=False)


def generated_cases(kinds: Sequence[PageKind], pages: int, seed: int, dpi: int) -> list[Case]:
    def draw(kind: PageKind, i: int) -> Scanned:
        # One generator per page: --kinds and --pages pick pages without changing the others.
        rng = np.random.default_rng([seed, zlib.crc32(kind.value.encode()), i])
        scan = sample(kind, rng, random_degradation(rng), dpi=dpi)
        perfect = scan.page.perfect_gray()
        return Scanned(scan.image, perfect, scan.degradation, perfect.shape[:2])

    return [
        Case(
            name=f"{kind.value}#{i}",
            rows=(kind.value,),
            text=kind in TEXT_BENCH_KINDS,
            dpi=dpi,
            perfect_dpi=dpi,
            languages=DEFAULT_LANGUAGES,
            has_words=kind is not PageKind.BLANK,  # the only kind without a printed word
            scan=functools.partial(draw, kind, i),
        )
        for kind in kinds
        for i in range(pages)
    ]


def real_cases(seed: int, installed: frozenset[str]) -> list[Case]:
    real_pages.fetch()  # downloads only what the cache lacks

    def load(page: real_pages.RealPage) -> Scanned:
        scan = real_pages.degrade(page, seed=seed)
        return Scanned(scan.image, scan.perfect, scan.degradation, scan.sheet_shape)

    order = list(real_pages.RealKind)
    return [
        Case(
            name=page.name,
            rows=(page.kind.value, f"  {page.name}"),
            text=page.has_text,
            dpi=real_pages.SCAN_DPI,
            perfect_dpi=page.dpi,
            # The page's own language when tesseract has it; otherwise Vietnamese + English,
            # whose Latin letters and diacritics cover French and Dutch well enough to compare.
            languages=page.language if page.language in installed else DEFAULT_LANGUAGES,
            has_words=page.has_text,
            scan=functools.partial(load, page),
        )
        for page in sorted(real_pages.PAGES, key=lambda p: order.index(p.kind))
    ]


# --- the run -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    case: str
    method: Method
    kb: float = float("nan")
    ms: float = float("nan")
    agreement: float | None = None
    error: str = ""
    made: str = ""


@dataclass(slots=True)
class Run:
    results: dict[tuple[str, Method], Result] = field(default_factory=dict)
    stage_ms: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))


def _cache_file(cache: Path | None, image: np.ndarray, dpi: float, languages: str) -> Path | None:
    return None if cache is None else cache / f"{ocr_key(image, dpi, languages)}.json"


def run_cases(
    cases: Sequence[Case], encoders: dict[Method, Encoder], folder: Path, *, jobs: int,
    ocr: bool, cache: Path | None,
) -> Run:  # fmt: skip
    run = Run()
    reads: dict[str, concurrent.futures.Future[Words]] = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    # Outputs to read once all are encoded: result, case, image file, dpi, cache file.
    pending: list[tuple[Result, Case, Path, float, Path | None]] = []
    perfect: dict[str, tuple[Path, Path | None]] = {}
    for case in cases:
        scanned = case.scan()
        # Encoding is timed on its own; tesseract runs (threads waiting on processes) start
        # once every page is encoded, so they do not steal cores from the timings.
        if ocr and case.has_words:
            path = folder / f"{case.name}.perfect.png"
            cached = _cache_file(cache, scanned.perfect, case.perfect_dpi, case.languages)
            if cached is None or not cached.is_file():
                cv2.imwrite(str(path), scanned.perfect)
            perfect[case.name] = (path, cached)
        for method, encoder in encoders.items():
            result = Result(case.name, method)
            run.results[case.name, method] = result
            try:
                encoded = encoder(scanned, case.dpi)
            except Exception as error:  # a pipeline in progress may fail: say so and go on
                result.error = f"{type(error).__name__}: {error}"
                continue
            result.kb, result.ms, result.made = encoded.kb, encoded.ms, encoded.made
            if method is Method.CURRENT and case.text:
                for stage, value in encoded.stage_ms.items():
                    run.stage_ms[stage].append(value)
            if ocr and case.has_words:
                shown = folder / f"{case.name}.{method.value}.png"
                cached = _cache_file(cache, encoded.shown, encoded.dpi, case.languages)
                if cached is None or not cached.is_file():
                    cv2.imwrite(str(shown), encoded.shown)
                pending.append((result, case, shown, encoded.dpi, cached))
    if ocr:
        for case in cases:
            if case.name in perfect:
                path, cached = perfect[case.name]
                reads[case.name] = pool.submit(
                    read_words, path, case.perfect_dpi, case.languages, cached
                )
        queued = [(r, c, pool.submit(read_words, path, dpi, c.languages, cached))
                  for r, c, path, dpi, cached in pending]  # fmt: skip
        for result, case, future in queued:
            result.agreement = agreement(reads[case.name].result(), future.result())
    pool.shutdown()
    return run


def _median(values: Sequence[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]  # NaN: the encoder failed on that page
    return statistics.median(clean) if clean else float("nan")


def report(cases: Sequence[Case], run: Run, methods: Sequence[Method], header: str) -> None:
    print(header)
    rows: dict[str, list[Case]] = {}
    for case in cases:
        for row in case.rows:
            rows.setdefault(row, []).append(case)
    # Per method: median KB and ms, the lowest OCR agreement in the row and the page it is on.
    cell = f"{'KB':>6}{'ms':>5}{'OCR':>6} {'worst':<13}"
    print(f"{'':<24}{'':>3}" + "".join(f" | {m.value:<{len(cell) - 1}}" for m in methods))
    print(f"{'kind':<24}{'n':>3}" + "".join(f" |{cell}" for _ in methods))
    for row, members in rows.items():
        line = f"{row:<24}{len(members):>3}"
        for method in methods:
            results = [run.results[c.name, method] for c in members]
            kb = _median([r.kb for r in results])
            ms = _median([r.ms for r in results])
            scored = [r for r in results if r.agreement is not None]
            failed = sum(1 for r in results if r.error)
            if scored:
                worst = min(scored, key=lambda r: r.agreement or 0.0)
                ocr = f"{worst.agreement:>6.3f} {worst.case[:13]:<13}"
            else:
                ocr = f"{'—':>6} {('FAILED ×' + str(failed)) if failed else '':<13}"
            line += f" |{kb:>6.1f}{ms:>5.0f}{ocr}"
        print(line)
    errors = [r for r in run.results.values() if r.error]
    for result in errors[:5]:
        print(f"  error: {result.method.value} on {result.case}: {result.error[:150]}")
    if len(errors) > 5:
        print(f"  … and {len(errors) - 5} more errors")

    print()
    text = [c for c in cases if c.text]
    for method in methods:
        kb = _median([run.results[c.name, method].kb for c in text])
        ms = _median([run.results[c.name, method].ms for c in text])
        scored = [
            r for r in (run.results[c.name, method] for c in cases) if r.agreement is not None
        ]
        verdicts = [
            f"text page median {kb:.1f} KB "
            f"({'met' if kb <= TARGET_KB else 'NOT met'} ≤ {TARGET_KB:.0f})",
            f"{ms:.0f} ms ({'met' if ms <= TARGET_MS else 'NOT met'} ≤ {TARGET_MS:.0f})",
        ]
        if scored:
            worst = min(scored, key=lambda r: r.agreement or 0.0)
            low = sum(1 for r in scored if (r.agreement or 0.0) < TARGET_AGREEMENT)
            verdicts.append(
                f"OCR agreement min {worst.agreement:.3f} on {worst.case}, "
                f"median {_median([r.agreement or 0.0 for r in scored]):.3f}, "
                f"{low}/{len(scored)} pages below {TARGET_AGREEMENT} "
                f"({'met' if low == 0 else 'NOT met'})"
            )
        print(f"{method.value:<9} " + "; ".join(verdicts))
    # Old prints and tiny type are read unsteadily by tesseract even on a clean grey copy:
    # against the grey JPEG of the sheet alone, a shortfall is the pipeline's own.
    if Method.JPEG_PAPER in methods:
        for method in (Method.CURRENT, Method.BASELINE):
            if method not in methods:
                continue
            gaps = []
            for case in cases:
                ours = run.results[case.name, method].agreement
                grey = run.results[case.name, Method.JPEG_PAPER].agreement
                if ours is not None and grey is not None:
                    gaps.append((grey - ours, case.name))
            behind = sorted((g for g in gaps if g[0] > 0.02), reverse=True)
            listed = ", ".join(f"{name} −{gap:.3f}" for gap, name in behind[:6])
            print(f"{method.value:<9} below jpeg75_paper by more than 0.02 on {len(behind)}/"
                  f"{len(gaps)} pages{': ' + listed if listed else ''}")  # fmt: skip
    if Method.LOSSLESS_PAPER in methods and Method.CURRENT in methods:
        # The target's share that is the encoder's: pages the lossless sheet reads to 0.98 and
        # the pipeline's output does not.
        ours_alone = []
        for case in cases:
            ours = run.results[case.name, Method.CURRENT].agreement
            sheet = run.results[case.name, Method.LOSSLESS_PAPER].agreement
            if ours is not None and sheet is not None and ours < TARGET_AGREEMENT <= sheet:
                ours_alone.append(f"{case.name} {ours:.3f} (sheet {sheet:.3f})")
        print(f"current   below {TARGET_AGREEMENT} where png_paper reaches it: {len(ours_alone)} "
              f"pages{': ' + ', '.join(ours_alone) if ours_alone else ''}")  # fmt: skip
    made: dict[str, collections.Counter[str]] = {}
    for case in cases:
        chosen = run.results.get((case.name, Method.CURRENT))
        if chosen is not None and chosen.made:
            made.setdefault(case.rows[0], collections.Counter())[chosen.made] += 1
    if made:
        print("current pipeline's encoding (and flags) per kind: " + "; ".join(
            f"{row} {','.join(f'{m}×{n}' for m, n in counts.items())}"
            for row, counts in made.items()))  # fmt: skip
    if run.stage_ms:
        print("current pipeline, stage medians (ms, text pages): " + ", ".join(
            f"{s} {statistics.median(v):.1f}" for s, v in run.stage_ms.items()))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per generated kind")
    parser.add_argument("--kinds", default="", help="generated kinds, comma-separated (all)")
    parser.add_argument("--real-only", action="store_true", help="only the real pages")
    parser.add_argument("--no-real", action="store_true", help="only the generated pages")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision, or 'none'")
    parser.add_argument("--jobs", type=int, default=2, help="tesseract processes at once")
    parser.add_argument("--no-ocr", action="store_true", help="sizes and times only")
    parser.add_argument("--fresh-ocr", action="store_true",
                        help=f"read every page again instead of using {OCR_CACHE}")  # fmt: skip
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args(argv)

    try:
        kinds = [PageKind(k) for k in args.kinds.split(",") if k] or list(BENCH_KINDS)
    except ValueError as error:
        parser.error(f"{error}; kinds: {', '.join(k.value for k in PageKind)}")
    ocr = not args.no_ocr and shutil.which("tesseract") is not None
    installed = installed_languages() if ocr else frozenset()

    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        folder = Path(tmp)
        import drivers.scanner.pipeline as current  # the working tree's, as the kiosk runs it

        encoders: dict[Method, Encoder] = {Method.CURRENT: _pipeline_encoder(current)}
        if args.baseline != "none":
            baseline = load_revision(args.baseline, "drivers.scanner", "pipeline", folder)
            encoders[Method.BASELINE] = _pipeline_encoder(baseline)
        encoders[Method.JPEG] = scan_jpeg
        encoders[Method.JPEG_PAPER] = paper_jpeg
        encoders[Method.LOSSLESS_PAPER] = paper_png

        cases: list[Case] = []
        if not args.real_only:
            cases += generated_cases(kinds, args.pages, args.seed, args.dpi)
        if not args.no_real:
            cases += real_cases(args.seed, installed)
        started = time.perf_counter()
        cache = None if args.fresh_ocr else OCR_CACHE
        run = run_cases(cases, encoders, folder, jobs=args.jobs, ocr=ocr, cache=cache)
        took = time.perf_counter() - started

    methods = list(encoders)
    baseline_note = f"baseline = pipeline at {args.baseline}; " if args.baseline != "none" else ""
    header = (
        f"{len(cases)} pages at {args.dpi} dpi ({args.pages} per generated kind, seed {args.seed}"
        f"); {baseline_note}jpeg75 = naive grey JPEG, jpeg75_paper = of the sheet alone, "
        "png_paper = the sheet losslessly; "
        f"OCR: tesseract, words recalled vs the "
        f"perfect capture{'' if ocr else ' — not measured (--no-ocr, or no tesseract)'}; "
        f"{took:.0f} s"
    )
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load > cores:  # other jobs share the cores: the milliseconds are longer than alone
        header += f"\nload average {load:.1f} on {cores} cores: timings are inflated, run again"
    report(cases, run, methods, header)


if __name__ == "__main__":
    main()
