"""``kiosk scan process IMAGE... -o OUT.pdf``: the scan pipeline on image files, for technicians.

Runs ``drivers.scanner.pipeline`` on each image (one page per file; a multi-frame TIFF gives one
page per frame) in the order given, prints ONE JSON LINE PER PAGE (file, index, kind, encoding,
bytes, ms, skew, rotation, flags, whether it was dropped as blank, the reasons) and writes the
pages kept to one PDF, as the kiosk does for one required document.

Resolution: the file's own dpi (Pillow's ``info["dpi"]``) when present and plausible, else
``--dpi``, else 200.

Exit codes follow ``kiosk.cli``: 0 done; 2 bad input. A file that cannot be read as an image is
reported on stderr and as a JSON line with an ``error``, and the others are still processed
(a technician checking a batch wants every verdict at once), but the PDF is then NOT written:
a document with a page silently missing is worse than none. The PDF is not written either when
every page was blank (exit 2, said on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageSequence, UnidentifiedImageError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
DEFAULT_DPI = 200.0


def add_scan_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    scan = subparsers.add_parser("scan", help="document scans (hồ sơ giấy tờ)")
    commands = scan.add_subparsers(dest="scan_command", required=True)
    process = commands.add_parser(
        "process", help="run the scan pipeline on image files and write one PDF"
    )
    process.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    process.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")
    process.add_argument(
        "--dpi", type=float, help=f"resolution when the file does not say (default {DEFAULT_DPI:g})"
    )
    process.add_argument("--title", help="PDF title (e.g. the document's name)")
    process.set_defaults(func=_process)


def _emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


def read_pages(path: Path, fallback_dpi: float) -> list[tuple[npt.NDArray[np.uint8], float]]:
    """Every frame of an image file as (RGB or grey uint8 array, dpi). Raises OSError/ValueError."""
    pages = []
    try:
        with Image.open(path) as picture:
            for frame in ImageSequence.Iterator(picture):
                dpi = fallback_dpi
                info_dpi = frame.info.get("dpi") or picture.info.get("dpi")
                if info_dpi and 50 <= float(info_dpi[0]) <= 1200:
                    # PNG stores pixels per metre: 200 dpi comes back as 199.9996.
                    dpi = round(float(info_dpi[0]), 1)
                mode = "L" if frame.mode in ("1", "L", "I;16", "I", "F") else "RGB"
                pages.append((np.asarray(frame.convert(mode), dtype=np.uint8), dpi))
    except UnidentifiedImageError as exc:
        raise ValueError("not a readable image file") from exc
    except Image.DecompressionBombError as exc:
        raise ValueError(f"image too large: {exc}") from exc
    return pages


def _process(args: argparse.Namespace) -> int:
    # Lazy: OpenCV costs every other kiosk command its start-up time.
    from drivers.scanner.pipeline import build_pdf, process_page  # noqa: PLC0415

    fallback = args.dpi if args.dpi is not None else DEFAULT_DPI
    if not 50 <= fallback <= 1200:
        print(f"scan process: --dpi {fallback:g} is not a scanner resolution", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = EXIT_OK
    processed = []
    index = 0
    for path in args.images:
        try:
            pages = read_pages(path, fallback)
        except (OSError, ValueError, SyntaxError) as exc:
            # SyntaxError: some Pillow plugins raise it for corrupt headers.
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"scan process: {path}: {reason}", file=sys.stderr)
            _emit({"file": str(path), "error": reason})
            status = EXIT_BAD_INPUT
            continue
        for image, dpi in pages:
            page = process_page(image, dpi, index=index)
            index += 1
            processed.append(page)
            _emit({"file": str(path), "dpi": dpi, **page.summary()})
    if status != EXIT_OK:
        print(f"scan process: {args.output} not written: some files were unreadable",
              file=sys.stderr)  # fmt: skip
        return status
    pdf = build_pdf(processed, title=args.title)
    if pdf is None:
        print(f"scan process: every page was blank; {args.output} not written", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        args.output.write_bytes(pdf)
    except OSError as exc:
        print(f"scan process: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
