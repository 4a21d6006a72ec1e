"""``kiosk slip render``: draw the slip of a dossier JSON file to a PNG and an ESC/POS file.

For technicians and the docs: check how a slip looks on a given printer profile without printing
(``--profile TM-T88V``), or produce bytes to send by hand (``cat slip.bin > /dev/usb/lp0``).
``add_slip_commands`` registers the commands on the kiosk CLI's subparsers; the parent parser
may define ``--config`` (read from the ``config`` attribute).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings, load_effective
from drivers.printer.encode import png_bytes
from drivers.printer.profiles import UnknownProfileError, load_profile
from drivers.printer.slip import render_slip
from dvc_common.catalog import load_catalog
from dvc_common.datafile import ConfigError
from kiosk.dossier import Dossier
from kiosk.slip import render_dossier_slip

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def add_slip_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    slip = subparsers.add_parser("slip", help="appointment slips (giấy hẹn trả kết quả)")
    commands = slip.add_subparsers(dest="slip_command", required=True)
    render = commands.add_parser(
        "render", help="draw a dossier's slip to a PNG and its ESC/POS bytes to a file"
    )
    render.add_argument("--dossier", type=Path, required=True, help="Dossier JSON (to_dict form)")
    render.add_argument("--png", type=Path, required=True, help="where to write the picture")
    render.add_argument("--escpos", type=Path, required=True, help="where to write the bytes")
    render.add_argument("--profile", help="python-escpos printer profile (default: settings)")
    render.add_argument(
        "--config-free",
        action="store_true",
        help="use the built-in default settings, ignoring any config file",
    )
    render.add_argument(
        "--qr-url-template", help="put a lookup URL in the QR code, e.g. https://…?ma={code}"
    )
    render.set_defaults(func=_render)


def _fail(message: str) -> int:
    print(f"slip render: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _settings(args: argparse.Namespace) -> Settings:
    if args.config_free:
        return Settings()
    settings, _ = load_effective(getattr(args, "config", None))
    return settings


def _render(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
        catalog = load_catalog(settings.paths.catalog_dir)
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        dossier = Dossier.from_json(args.dossier.read_text(encoding="utf-8"))
    except OSError as exc:
        return _fail(f"cannot read {args.dossier}: {exc.strerror}")
    except (ValueError, KeyError, TypeError) as exc:
        # json.JSONDecodeError is a ValueError; a missing field is a KeyError.
        return _fail(f"{args.dossier} is not a dossier file: {type(exc).__name__}: {exc}")
    try:
        procedure = catalog.get(dossier.procedure_code)
    except KeyError:
        return _fail(f"procedure {dossier.procedure_code} is not in the catalog")

    try:
        profile = load_profile(args.profile or settings.devices.printer.profile)
        slip = render_dossier_slip(
            dossier,
            procedure,
            settings,
            render=render_slip,
            profile=profile,
            qr_url_template=args.qr_url_template,
        )
    except UnknownProfileError as exc:
        return _fail(str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    try:
        args.png.write_bytes(png_bytes(slip.image))
        args.escpos.write_bytes(slip.escpos)
    except OSError as exc:
        return _fail(f"cannot write output: {exc}")
    print(
        json.dumps(
            {
                "code": slip.code,
                "profile": profile.name,
                "width_dots": slip.width,
                "height_dots": int(slip.image.shape[0]),
                "copies": slip.copies,
                "text_mode": slip.text_mode,
                "escpos_bytes": len(slip.escpos),
                "png": str(args.png),
                "escpos": str(args.escpos),
            },
            ensure_ascii=False,
        )
    )
    return EXIT_OK
