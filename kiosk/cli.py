"""The ``kiosk`` command: what technicians, scripts and the appliance's units run.

Exit codes: 0 success, 2 invalid input or configuration (with the reason on stderr), 1 anything
unexpected. Output meant for scripts is JSON (``--json``); personal data stays masked unless the
operator asks for it explicitly.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from config.settings import (
    load_effective,
    load_settings,
    save_settings,
    settings_for_display,
    validate_pin,
    with_pin,
)
from dvc_common.catalog import Catalog, Procedure, load_catalog
from dvc_common.clock import SystemClock
from dvc_common.datafile import ConfigError
from dvc_common.log_setup import configure_logging
from kiosk import __version__
from kiosk.app import load_calendar
from kiosk.cli_maintenance import add_maintenance_commands
from kiosk.cli_qr import add_qr_commands
from kiosk.cli_queue import add_queue_commands
from kiosk.cli_scan import add_scan_commands
from kiosk.cli_slip import add_slip_commands
from kiosk.cli_technician import add_technician_commands
from kiosk.forms import format_date_vn
from kiosk.identity import IdentityError, parse_identity
from offline_queue.crypto import CryptoError
from offline_queue.errors import StoreError
from offline_queue.opening import catalog_dir

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return EXIT_INVALID


# --- config -------------------------------------------------------------------------------------


def _config_check(args: argparse.Namespace) -> int:
    try:
        load_settings(args.file)
    except ConfigError as exc:
        return _fail(str(exc))
    print(f"OK: {args.file}")
    return EXIT_OK


def _config_show(args: argparse.Namespace) -> int:
    settings, path = load_effective(args.config)
    data = settings_for_display(settings)
    if args.json:
        _print_json({"source": str(path) if path else None, "settings": data})
        return EXIT_OK
    print(f"# source: {path or 'built-in defaults'}")
    _print_toml_like(data)
    return EXIT_OK


def _print_toml_like(data: dict[str, Any], prefix: str = "") -> None:
    """Nested settings as ``[section.sub]`` blocks, the way the file is written."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if scalars and prefix:
        print(f"[{prefix}]")
    for key, value in scalars.items():
        print(f"{'  ' if prefix else ''}{key} = {value}")
    for key, value in tables.items():
        _print_toml_like(value, f"{prefix}.{key}" if prefix else key)


def _config_set_pin(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.file)
    except ConfigError as exc:
        return _fail(str(exc))
    pin = sys.stdin.readline().strip()
    try:
        validate_pin(pin)
    except ValueError as exc:
        return _fail(str(exc))
    save_settings(with_pin(settings, pin), args.file)
    print(f"technician PIN updated in {args.file}")
    return EXIT_OK


# --- identity -----------------------------------------------------------------------------------


def _identity_parse(args: argparse.Namespace) -> int:
    if args.file is not None:
        try:
            raw: bytes = args.file.read_bytes()
        except OSError as exc:
            return _fail(f"cannot read {args.file}: {exc.strerror}")
    elif args.payload is not None:
        # argv arrives decoded with surrogateescape; this gives back the exact bytes typed.
        raw = os.fsencode(args.payload)
    else:
        return _fail("give a PAYLOAD or --file F")
    today = args.today or SystemClock().now().date()
    try:
        identity = parse_identity(raw, today=today)
    except IdentityError as exc:
        _print_json(
            {
                "valid": False,
                "reason": exc.reason.value,
                "detail": exc.detail,
                "problem": exc.problem.value,
            }
        )
        print(f"kiosk: invalid identity payload: {exc.reason.value}: {exc.detail}", file=sys.stderr)
        return EXIT_INVALID
    _print_json({"valid": True, **identity.to_dict(reveal=args.reveal)})
    return EXIT_OK


# --- catalog ------------------------------------------------------------------------------------


def _catalog(args: argparse.Namespace) -> Catalog:
    settings, _ = load_effective(args.config)
    return load_catalog(catalog_dir(settings))


def _procedure_summary(p: Procedure) -> dict[str, Any]:
    return {
        "code": p.code,
        "slug": p.slug,
        "name": p.name,
        "field": p.field,
        "processing_days": p.processing_days,
        "same_day": p.same_day,
    }


def _catalog_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    if args.json:
        _print_json(
            {"sample": catalog.is_sample, "procedures": [_procedure_summary(p) for p in catalog]}
        )
        return EXIT_OK
    if catalog.is_sample:
        print("# Dữ liệu mẫu — sẽ được thay bằng danh mục thủ tục từ cổng dịch vụ công")
    for p in catalog:
        days = "trong ngày" if p.same_day else f"{p.processing_days} ngày làm việc"
        print(f"{p.code}  {p.field:<12} {p.name} ({days})")
    return EXIT_OK


def _catalog_show(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    try:
        procedure = catalog.get(args.code)
    except KeyError:
        return _fail(f"no procedure {args.code!r}; see `kiosk catalog list`")
    data = procedure.model_dump(mode="json")
    if args.json:
        _print_json(data)
        return EXIT_OK
    print(f"{procedure.code} — {procedure.name}")
    print(f"Lĩnh vực: {procedure.field}")
    print(f"{procedure.summary}")
    days = "trong ngày" if procedure.same_day else f"{procedure.processing_days} ngày làm việc"
    cutoff = ""
    if procedure.cutoff is not None:
        cutoff = f" (nhận sau {procedure.cutoff:%H:%M} tính sang ngày làm việc sau)"
    print(f"Thời hạn giải quyết: {days}{cutoff}")
    print(f"Lệ phí: {procedure.fee.description}")
    print("Giấy tờ:")
    for doc in procedure.documents:
        need = "bắt buộc" if doc.mandatory else f"nếu có — {doc.condition or 'không bắt buộc'}"
        print(f"  - {doc.name} ({doc.copies} bản; {doc.handling.value}; {need})")
    print("Thông tin cần điền:")
    for field in procedure.form:
        print(f"  - {field.label}{'' if field.required else ' (không bắt buộc)'}")
    print(f"Nơi trả kết quả: {procedure.result_place}")
    print("Căn cứ pháp lý: " + "; ".join(procedure.legal_basis))
    return EXIT_OK


# --- calendar -----------------------------------------------------------------------------------


def _calendar_due(args: argparse.Namespace) -> int:
    settings, _ = load_effective(args.config)
    catalog = load_catalog(catalog_dir(settings))
    try:
        procedure = catalog.get(args.procedure)
    except KeyError:
        return _fail(f"no procedure {args.procedure!r}; see `kiosk catalog list`")
    try:
        received = datetime.fromisoformat(args.received)
    except ValueError:
        return _fail(f"--received {args.received!r} is not an ISO date-time (2026-11-23T09:30)")
    calendar = load_calendar(settings)
    due = calendar.due_date(received, procedure.processing_days, procedure.cutoff)
    if args.json:
        effective = calendar.effective_receipt_day(received, procedure.cutoff)
        _print_json(
            {
                "procedure": procedure.code,
                "received": received.isoformat(),
                "effective_receipt_date": effective.isoformat(),
                "processing_days": procedure.processing_days,
                "cutoff": procedure.cutoff.strftime("%H:%M") if procedure.cutoff else None,
                "due": due.isoformat(),
                "due_vn": format_date_vn(due),
            }
        )
    else:
        print(due.isoformat())
    return EXIT_OK


def _calendar_day(args: argparse.Namespace) -> int:
    settings, _ = load_effective(args.config)
    reason = load_calendar(settings).day_off_reason(args.date)
    print("working day" if reason is None else f"day off: {reason}")
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Kiosk dịch vụ công — self-service dossier intake."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "--config", type=Path, help="config file (default: $KIOSK_CONFIG, then /etc/kiosk)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="check and show the configuration")
    config_sub = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="validate a config file")
    check.add_argument("file", type=Path)
    check.set_defaults(func=_config_check)
    show = config_sub.add_parser("show", help="print the effective settings, secrets masked")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_config_show)
    set_pin = config_sub.add_parser("set-pin", help="set the technician PIN (read from stdin)")
    set_pin.add_argument("file", type=Path)
    set_pin.set_defaults(func=_config_set_pin)

    identity = sub.add_parser("identity", help="CCCD / VNeID QR payloads")
    identity_sub = identity.add_subparsers(dest="action", required=True, metavar="ACTION")
    parse = identity_sub.add_parser("parse", help="parse and validate a QR payload")
    parse.add_argument("payload", nargs="?", help="the payload text")
    parse.add_argument("--file", type=Path, help="read the raw payload bytes from a file")
    parse.add_argument("--reveal", action="store_true", help="print ID numbers unmasked")
    parse.add_argument("--today", type=_iso_date, help="judge dates as of this day")
    parse.set_defaults(func=_identity_parse)

    catalog = sub.add_parser("catalog", help="the procedure catalog")
    catalog_sub = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = catalog_sub.add_parser("list", help="list procedures")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_catalog_list)
    detail = catalog_sub.add_parser("show", help="show one procedure")
    detail.add_argument("code", help="procedure code (e.g. 1.004873) or slug")
    detail.add_argument("--json", action="store_true")
    detail.set_defaults(func=_catalog_show)

    calendar = sub.add_parser("calendar", help="working days and appointment dates")
    calendar_sub = calendar.add_subparsers(dest="action", required=True, metavar="ACTION")
    due = calendar_sub.add_parser("due", help="appointment date for a dossier")
    due.add_argument("--procedure", required=True, help="procedure code or slug")
    due.add_argument("--received", required=True, help="ISO date-time of receipt (local time)")
    due.add_argument("--json", action="store_true")
    due.set_defaults(func=_calendar_due)
    day = calendar_sub.add_parser("day", help="is this date a working day?")
    day.add_argument("date", type=_iso_date)
    day.set_defaults(func=_calendar_day)

    add_queue_commands(sub)
    add_qr_commands(sub)
    add_slip_commands(sub)
    add_scan_commands(sub)
    add_technician_commands(sub)
    add_maintenance_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(logging.INFO if args.verbose else logging.WARNING)
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        return _fail(str(exc))
    except (StoreError, CryptoError) as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        return EXIT_OK
    return result


if __name__ == "__main__":
    sys.exit(main())
