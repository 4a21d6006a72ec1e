"""``kiosk qr decode|watch``: the technician's view of the QR login reader.

``qr decode IMAGE...`` runs the decoder on still images (thoroughly: every stage, a generous
time budget) and prints one JSON line per file. ``qr watch`` starts the configured reader and
prints each read as it comes, with the reader's status changes, until Ctrl-C, ``--seconds`` or
``--count``. ID numbers are masked in both (``dvc_common.privacy.mask_digits_in``, also inside
``bytes_hex``) unless ``--reveal`` is given, as everywhere in the ``kiosk`` command.

Exit codes follow ``kiosk.cli``: 0 done, 2 a file that cannot be read as an image, a bad
configuration or a reader that cannot be built.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
from pathlib import Path
from typing import Any

from config.settings import QrDecoder, QrDriver, load_effective
from drivers.errors import DeviceError
from drivers.imagefile import read_image_file
from drivers.qr import make_qr_reader
from drivers.qr.base import QrRead, QrStatus
from drivers.qr.decode import FrameDecoder
from drivers.qr.fake import FakeQrReader
from dvc_common.clock import SystemClock
from dvc_common.datafile import ConfigError
from dvc_common.privacy import mask_digits_in
from kiosk.identity import IdentityError, decode_payload, parse_identity

EXIT_OK, EXIT_INVALID = 0, 2


def payload_text(raw: bytes) -> str:
    """The payload as text: our UTF-8 decoding with mojibake repair, else UTF-8 with U+FFFD."""
    try:
        return decode_payload(raw)
    except IdentityError:
        return raw.decode("utf-8", errors="replace")


def masked_bytes(raw: bytes) -> bytes:
    """``raw`` with ID-number-shaped digit runs masked; every other byte unchanged."""
    # latin-1 maps bytes to code points one to one, so only ASCII digits can change.
    return mask_digits_in(raw.decode("latin-1")).encode("latin-1")


def _emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False), flush=True)


def _decode(args: argparse.Namespace) -> int:
    try:
        decoder = FrameDecoder(QrDecoder(args.decoder), thorough=True)
    except DeviceError as exc:
        print(f"kiosk: {exc.technical}", file=sys.stderr)
        return EXIT_INVALID
    status = EXIT_OK
    for path in args.images:
        image = read_image_file(path)
        if image is None:
            print(f"kiosk: {path}: not a readable image file", file=sys.stderr)
            _emit({"file": str(path), "text": None, "error": "not a readable image file"})
            status = EXIT_INVALID
            continue
        outcome = decoder.decode(image)
        found = outcome.first
        line: dict[str, Any] = {"file": str(path), "text": None, "bytes_hex": None}
        if found is not None:
            text = payload_text(found.payload)
            shown = found.payload if args.reveal else masked_bytes(found.payload)
            line.update(
                text=text if args.reveal else mask_digits_in(text),
                bytes_hex=shown.hex(),
                decoder=found.decoder.value,
                stage=found.stage.value,
                codes=len(outcome.found),
            )
        line["ms"] = round(outcome.ms, 1)
        _emit(line)
    return status


def _describe(read: QrRead, reveal: bool) -> dict[str, Any]:
    text = payload_text(read.payload)
    try:
        parse_identity(read.payload, today=read.at.date())
        identity = "valid"
    except IdentityError as exc:
        identity = exc.reason.value
    return {
        "at": read.at.isoformat(timespec="milliseconds"),
        "source": read.source.value,
        "decoder": read.decoded_by.value,
        "detail": read.detail,
        "bytes": len(read.payload),
        "identity": identity,
        "text": text if reveal else mask_digits_in(text),
    }


def _status_line(status: QrStatus) -> dict[str, Any]:
    line: dict[str, Any] = {
        "status": status.state.value,
        "source": status.source.value,
        "device": status.device,
    }
    if status.error is not None:
        line.update(problem=status.error.problem.value, technical=status.error.technical)
    return line


def _print_watch(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _emit(data)
    elif "status" in data:
        extra = f" {data['problem']}: {data['technical']}" if "problem" in data else ""
        print(f"[{data['source']} {data['device']}] {data['status']}{extra}", flush=True)
    else:
        print(
            f"{data['at']} {data['source']}/{data['decoder']} {data['detail']} "
            f"{data['bytes']} B identity={data['identity']}: {data['text']}",
            flush=True,
        )


def _watch(args: argparse.Namespace) -> int:
    try:
        settings, _ = load_effective(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_INVALID
    section = settings.devices.qr
    if args.driver:
        section = section.model_copy(update={"driver": QrDriver(args.driver)})
    clock = SystemClock()
    try:
        reader = make_qr_reader(section, clock)
    except DeviceError as exc:
        print(f"kiosk: {exc.technical}", file=sys.stderr)
        return EXIT_INVALID
    reads: queue.Queue[QrRead] = queue.Queue()
    deadline = None if args.seconds is None else clock.monotonic() + args.seconds
    count = 0
    last_state: tuple[object, object] | None = None
    reader.start(reads.put)
    try:
        if isinstance(reader, FakeQrReader):
            reader.present_sample()  # so that a technician sees the whole path working
        while deadline is None or clock.monotonic() < deadline:
            status = reader.status()
            state = (status.state, status.error)
            if state != last_state:
                _print_watch(_status_line(status), args.json)
                last_state = state
            try:
                read = reads.get(timeout=0.25)
            except queue.Empty:
                continue
            _print_watch(_describe(read, args.reveal), args.json)
            count += 1
            if args.count is not None and count >= args.count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        reader.stop()
    return EXIT_OK


def add_qr_commands(subparsers: Any) -> None:
    """Register ``qr decode`` and ``qr watch`` on the ``kiosk`` command's subparsers."""
    qr = subparsers.add_parser("qr", help="the QR login reader: decode images, watch live reads")
    qr_sub = qr.add_subparsers(dest="action", required=True, metavar="ACTION")

    decode = qr_sub.add_parser(
        "decode", help="decode QR codes in image files; one JSON line per file"
    )
    decode.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    decode.add_argument(
        "--decoder",
        choices=[d.value for d in QrDecoder],
        default=QrDecoder.PIPELINE.value,
        help="pyzbar or zxing alone, or the pipeline of both (default)",
    )
    decode.add_argument("--reveal", action="store_true", help="print ID numbers unmasked")
    decode.set_defaults(func=_decode)

    watch = qr_sub.add_parser("watch", help="start the configured reader and print live reads")
    watch.add_argument(
        "--driver", choices=[d.value for d in QrDriver], help="instead of devices.qr.driver"
    )
    watch.add_argument("--seconds", type=float, help="stop after this long")
    watch.add_argument("--count", type=int, help="stop after this many reads")
    watch.add_argument("--json", action="store_true", help="JSON lines instead of text")
    watch.add_argument("--reveal", action="store_true", help="print ID numbers unmasked")
    watch.set_defaults(func=_watch)
