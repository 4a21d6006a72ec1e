"""The ``dvc-gateway`` command (also ``python -m gateway``): serve the reference gateway, enrol
kiosks, list what it received.

Each command's ``func`` takes the parsed arguments and returns the exit code: 0 success, 2 invalid
input (with the reason on stderr). ``add_serve_arguments`` and ``app_from_args`` let test tooling
(the impaired link in ``simulators``) serve the same gateway behind its own socket.

The commands build no gateway objects themselves: ``serve`` turns its arguments into settings
and fault switches and hands them to ``gateway.app.create_app``; the others open the metadata
store through ``gateway.app.open_store``, so the backend is chosen in one place.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from dvc_common.atomic import sha256_file
from dvc_common.datafile import ConfigError
from dvc_common.privacy import install_log_masking
from gateway import GATEWAY_VERSION
from gateway.app import create_app, enrol, open_store, set_kiosk_enabled, store_exists
from gateway.faults import FaultState, Garbage
from gateway.server import Server, bind, make_config
from gateway.settings import GatewaySettings
from gateway.tus import partial_path

EXIT_OK, EXIT_INVALID = 0, 2
KIOSK_ID = re.compile(r"^[A-Z0-9]{2,12}$")


def _fail(message: str) -> int:
    print(f"gateway: {message}", file=sys.stderr)
    return EXIT_INVALID


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# --- serve ---------------------------------------------------------------------------------------


def app_from_args(args: argparse.Namespace) -> ASGIApp | str:
    """The gateway application the ``serve`` arguments describe, or why they are invalid."""
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not a TCP port"
    try:
        settings = GatewaySettings(
            unit_code=args.unit_code,
            catalog_dir=args.catalog,
            calendar_overrides=args.calendar,
            admin_units_dir=args.admin_units,
        )
        faults = FaultState()
        faults.update(
            {
                "latency_ms": args.latency_ms,
                "error_rate": args.error_rate,
                "maintenance": args.maintenance,
                "retry_after_s": args.retry_after,
                "identity_down": args.identity_down,
                "slow_bytes_per_s": args.slow_bytes_per_s,
                "garbage": args.garbage,
            }
        )
    except ValueError as exc:
        return str(exc)
    try:
        args.data.mkdir(parents=True, exist_ok=True)
        return create_app(args.data, settings, faults, admin=args.admin)
    except ConfigError as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot use {args.data}: {exc.strerror}"


def start_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_masking()


def _serve(args: argparse.Namespace) -> int:
    app = app_from_args(args)
    if isinstance(app, str):
        return _fail(app)
    start_logging()
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    host, port = sock.getsockname()[:2]
    run_on(app, sock, host, port)
    return EXIT_OK


def run_on(app: ASGIApp, sock: socket.socket, host: str, port: int) -> None:
    """Serve ``app`` on ``sock`` until a signal; ``host:port`` is what clients connect to."""

    def announce() -> None:
        print(f"listening on {_url(host, port)}", flush=True)

    server = Server(make_config(app, access_log=True), on_started=announce)
    server.run(sockets=[sock])


# --- received ------------------------------------------------------------------------------------


def holdings(data_dir: Path) -> list[dict[str, Any]]:
    """What the gateway holds, per dossier, with sizes and digests computed from the disk."""
    with open_store(data_dir) as store:
        listing = []
        for dossier in store.all_dossiers():
            files = []
            for file in store.files(dossier.dossier_id):
                size, sha256 = 0, None
                if file.complete and file.stored_path:
                    stored = data_dir / file.stored_path
                    size, sha256 = stored.stat().st_size, sha256_file(stored)
                elif file.upload_id:
                    partial = partial_path(data_dir, file.upload_id)
                    size = partial.stat().st_size if partial.exists() else 0
                files.append(
                    {
                        "file_id": file.file_id,
                        "name": file.name,
                        "complete": file.complete,
                        "size": size,
                        "sha256": sha256,
                    }
                )
            status = dossier.status.value if dossier.status else dossier.intake_status.value
            listing.append(
                {
                    "dossier_id": dossier.dossier_id,
                    "client_uuid": dossier.client_uuid,
                    "receipt_number": dossier.receipt_number,
                    "dossier_code": dossier.dossier_code,
                    "status": status,
                    "files": files,
                }
            )
        return listing


def _received(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    listing = holdings(args.data)
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not listing:
        print("no dossiers")
    for dossier in listing:
        print(
            f"{dossier['dossier_id']}  {dossier['dossier_code'] or '(no official code)'}  "
            f"{dossier['status']}  receipt {dossier['receipt_number']}  "
            f"key {dossier['client_uuid']}"
        )
        for file in dossier["files"]:
            state = f"sha256 {file['sha256']}" if file["complete"] else "incomplete"
            print(f"    {file['name']}  {file['size']} bytes  {state}")
    return EXIT_OK


# --- kiosks --------------------------------------------------------------------------------------


def _enrol(args: argparse.Namespace) -> int:
    if not KIOSK_ID.fullmatch(args.kiosk):
        return _fail(f"kiosk id {args.kiosk!r} is not 2-12 capital letters and digits")
    try:
        token = enrol(args.data, args.kiosk)
    except OSError as exc:
        return _fail(f"cannot use {args.data}: {exc.strerror}")
    print(token)
    return EXIT_OK


def _disable(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    if not set_kiosk_enabled(args.data, args.kiosk, args.enable):
        return _fail(f"kiosk {args.kiosk} is not enrolled")
    print(f"{args.kiosk} {'enabled' if args.enable else 'disabled'}")
    return EXIT_OK


# --- registration --------------------------------------------------------------------------------


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """The ``serve`` command's arguments (shared with the impaired-link tooling)."""
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--data", type=Path, required=True, help="the gateway's data directory")
    serve.add_argument("--unit-code", default="H00.00.00", help="unit code in official codes")
    serve.add_argument("--catalog", type=Path, help="catalog directory (default: bundled)")
    serve.add_argument("--calendar", type=Path, help="calendar override file (default: bundled)")
    serve.add_argument(
        "--admin-units",
        type=Path,
        help="old → current administrative units table directory (default: bundled)",
    )
    faults = serve.add_argument_group("faults")
    faults.add_argument("--latency-ms", type=_fraction, default=0.0)
    faults.add_argument("--error-rate", type=_fraction, default=0.0, help="fraction answered 500")
    faults.add_argument("--maintenance", action="store_true", help="answer 503 to everything")
    faults.add_argument("--retry-after", type=int, default=30, help="Retry-After seconds")
    faults.add_argument("--identity-down", action="store_true")
    faults.add_argument("--slow-bytes-per-s", type=int, default=0)
    faults.add_argument("--garbage", choices=[g.value for g in Garbage], default="none")
    faults.add_argument("--admin", action="store_true", help="mount PUT/GET /_admin/faults")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvc-gateway", description="The reference public-service gateway."
    )
    parser.add_argument("--version", action="version", version=f"dvc-gateway {GATEWAY_VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the gateway until SIGTERM or Ctrl-C")
    add_serve_arguments(serve)
    serve.set_defaults(func=_serve)

    received = commands.add_parser("received", help="list the dossiers and files held")
    received.add_argument("--data", type=Path, required=True)
    received.add_argument("--json", action="store_true")
    received.set_defaults(func=_received)

    enrol_cmd = commands.add_parser("enrol", help="issue a kiosk's bearer token (printed)")
    enrol_cmd.add_argument("--data", type=Path, required=True)
    enrol_cmd.add_argument("--kiosk", required=True, metavar="KIOSK_ID")
    enrol_cmd.set_defaults(func=_enrol)

    disable = commands.add_parser("disable", help="refuse a kiosk's token with 403")
    disable.add_argument("--data", type=Path, required=True)
    disable.add_argument("--kiosk", required=True, metavar="KIOSK_ID")
    disable.add_argument("--enable", action="store_true", help="re-enable instead")
    disable.set_defaults(func=_disable)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # A command line copied from the kiosk CLI of earlier releases (``kiosk gateway serve …``).
    if arguments[:1] == ["gateway"]:
        arguments.pop(0)
    args = build_parser().parse_args(arguments)
    code: int = args.func(args)
    return code
