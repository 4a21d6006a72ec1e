"""The ``dvc-gateway`` command (also ``python -m gateway``): serve the reference gateway, enrol
kiosks (a token directly, or a one-time code the kiosk redeems), list what it received, and the
technician mode's side: the gateway's keys, technician badges, the kiosks' audit logs and the
import of USB exports.

Each command's ``func`` takes the parsed arguments and returns the exit code: 0 success, 2 invalid
input (with the reason on stderr), and for ``import`` 1 when some dossier was refused (2 when a
whole file was). ``add_serve_arguments`` and ``app_from_args`` let test tooling (the impaired
link in ``simulators``) serve the same gateway behind its own socket.

The commands build no gateway objects themselves: ``serve`` turns its arguments into settings
and fault switches and hands them to ``gateway.app.create_app``, ``import`` hands them to
``gateway.app.import_exports``; the others open the metadata store through
``gateway.app.open_store``, so the backend is chosen in one place.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import socket
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from dvc_common.atomic import sha256_file
from dvc_common.clock import VIETNAM
from dvc_common.datafile import ConfigError
from dvc_common.privacy import install_log_masking
from dvc_common.trust import TrustError, parse_enrolment_code
from gateway import GATEWAY_VERSION, migrate
from gateway.app import (
    create_app,
    enrol,
    import_exports,
    open_store,
    set_kiosk_enabled,
    store_exists,
    use_database,
)
from gateway.blobs import DirectoryBlobStore
from gateway.console.commands import add_staff_commands
from gateway.credentials import (
    CodeState,
    code_state,
    enrolment_code_digest,
    issue_badge,
    issue_enrolment_code,
    write_qr_png,
)
from gateway.database import DatabaseChoiceError, database_url, redacted
from gateway.faults import FaultState, Garbage
from gateway.imports import ImportOutcome, ImportReport
from gateway.keys import KeyFileError, ensure_keys, load_keys
from gateway.server import Server, bind, make_config
from gateway.settings import UNIT_CODE_PATTERN, GatewaySettings
from gateway.store import (
    BackendError,
    EnrolmentCodeExpiredError,
    EnrolmentCodeUnknownError,
    EnrolmentCodeUsedError,
    StoreError,
)
from gateway.tus import partial_path

EXIT_OK, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2
KIOSK_ID = re.compile(r"^[A-Z0-9]{2,12}$")


def _fail(message: str) -> int:
    print(f"gateway: {message}", file=sys.stderr)
    return EXIT_INVALID


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# --- serve ---------------------------------------------------------------------------------------


def _token_file(path: Path | None, whose: str) -> str | None:
    """A token from the first line of ``path`` (a file, not the command line: a command line
    is visible to every user of the machine)."""
    if path is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {whose} from {path}: {exc}") from None
    return lines[0].strip() if lines else ""


def settings_from_args(args: argparse.Namespace) -> GatewaySettings:
    """The settings the arguments of ``add_settings_arguments`` describe (ValueError if not)."""
    return GatewaySettings(
        unit_code=args.unit_code,
        catalog_dir=args.catalog,
        calendar_overrides=args.calendar,
        admin_units_dir=args.admin_units,
        admin_token=_token_file(
            getattr(args, "admin_token_file", None), "the administrator's token"
        ),
        metrics_token=_token_file(getattr(args, "metrics_token_file", None), "the metrics token"),
        public_url=getattr(args, "public_url", None),
    )


def app_from_args(args: argparse.Namespace) -> ASGIApp | str:
    """The gateway application the ``serve`` arguments describe, or why they are invalid."""
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not a TCP port"
    try:
        settings = settings_from_args(args)
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
    except (ConfigError, KeyFileError) as exc:
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
    run_on(app, sock, host, port, access_log=args.access_log)
    return EXIT_OK


def run_on(
    app: ASGIApp, sock: socket.socket, host: str, port: int, *, access_log: bool = False
) -> None:
    """Serve ``app`` on ``sock`` until a signal; ``host:port`` is what clients connect to."""

    def announce() -> None:
        print(f"listening on {_url(host, port)}", flush=True)

    server = Server(make_config(app, access_log=access_log), on_started=announce)
    server.run(sockets=[sock])


# --- received ------------------------------------------------------------------------------------


def holdings(data_dir: Path) -> list[dict[str, Any]]:
    """What the gateway holds, per dossier, with sizes and digests computed from the disk."""
    blobs = DirectoryBlobStore(data_dir)
    with open_store(data_dir) as store:
        listing = []
        for dossier in store.all_dossiers():
            files = []
            for file in store.files(dossier.dossier_id):
                size, sha256 = 0, None
                if file.complete and file.stored_path:
                    # Computed from the bytes, not taken from the name: this is the check.
                    stored = blobs.locate(file.stored_path)
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
            documents = json.loads(dossier.body).get("documents", [])
            listing.append(
                {
                    "dossier_id": dossier.dossier_id,
                    "client_uuid": dossier.client_uuid,
                    "receipt_number": dossier.receipt_number,
                    "dossier_code": dossier.dossier_code,
                    "status": status,
                    "files": files,
                    # Documents kept despite the kiosk's document check: staff look at these.
                    "warnings": [
                        {"code": d["code"], "name": d["name"], **d["check"]}
                        for d in documents
                        if d.get("check")
                    ],
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
        for warning in dossier["warnings"]:
            looks_like = f" ({warning['looks_like']})" if warning.get("looks_like") else ""
            print(f"    check: {warning['name']}: {warning['verdict']}{looks_like}")
    return EXIT_OK


# --- kiosks --------------------------------------------------------------------------------------


def _unit(text: str) -> str:
    if not UNIT_CODE_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(f"unit code {text!r} is not like H15.50.05.13")
    return text


def _enrol(args: argparse.Namespace) -> int:
    if not KIOSK_ID.fullmatch(args.kiosk):
        return _fail(f"kiosk id {args.kiosk!r} is not 2-12 capital letters and digits")
    try:
        token = enrol(args.data, args.kiosk, unit_code=args.unit)
    except OSError as exc:
        return _fail(f"cannot use {args.data}: {exc.strerror}")
    print(token)
    return EXIT_OK


def _kiosks(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    with open_store(args.data) as store:
        if args.kiosk is not None and not store.set_kiosk_unit(args.kiosk, args.unit):
            return _fail(f"kiosk {args.kiosk} is not enrolled")
        kiosks = store.kiosks()
        beats = {beat.kiosk_id: beat for beat in store.heartbeats()}
    listing = [
        {
            "kiosk_id": kiosk.kiosk_id,
            "unit_code": kiosk.unit_code,
            "enabled": kiosk.enabled,
            "token_revoked_at": kiosk.token_revoked_at.isoformat()
            if kiosk.token_revoked_at is not None
            else None,
            "last_heartbeat": beats[kiosk.kiosk_id].received_at.isoformat()
            if kiosk.kiosk_id in beats
            else None,
        }
        for kiosk in kiosks
    ]
    if args.json:
        print(json.dumps(listing))
        return EXIT_OK
    for entry in listing:
        print(
            f"{entry['kiosk_id']}  {entry['unit_code'] or '(no unit)'}  "
            f"{'enabled' if entry['enabled'] else 'disabled'}  "
            + (f"token revoked {entry['token_revoked_at']}  " if entry["token_revoked_at"] else "")
            + f"last heartbeat {entry['last_heartbeat'] or 'never'}"
        )
    return EXIT_OK


def _disable(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    if not set_kiosk_enabled(args.data, args.kiosk, args.enable):
        return _fail(f"kiosk {args.kiosk} is not enrolled")
    print(f"{args.kiosk} {'enabled' if args.enable else 'disabled'}")
    return EXIT_OK


def _enrol_code(args: argparse.Namespace) -> int:
    if args.data is None or args.kiosk is None:
        return _fail("enrol-code needs --data and --kiosk (or: enrol-code revoke|list --data …)")
    if not KIOSK_ID.fullmatch(args.kiosk):
        return _fail(f"kiosk id {args.kiosk!r} is not 2-12 capital letters and digits")
    if not 1 <= args.ttl_min <= 7 * 24 * 60:
        return _fail("--ttl-min is 1 minute to 7 days")
    try:
        with open_store(args.data) as store:
            code, expires_at = issue_enrolment_code(
                store,
                kiosk_id=args.kiosk,
                now=datetime.now(VIETNAM),
                ttl=timedelta(minutes=args.ttl_min),
                gateway_url=args.url or "",
                unit_code=args.unit,
            )
        if args.png is not None:
            write_qr_png(code.text(), args.png)
    except TrustError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write: {exc}")
    print(code.text())
    print(
        f"one-time code for {args.kiosk}, valid until {expires_at:%Y-%m-%d %H:%M %z}",
        file=sys.stderr,
    )
    return EXIT_OK


def _enrol_code_revoke(args: argparse.Namespace) -> int:
    """Revoke one code (its text as printed or typed, or the QR's text), or every code of a
    kiosk still valid."""
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    now = datetime.now(VIETNAM)
    with open_store(args.data) as store:
        if args.code is not None:
            try:
                digest = enrolment_code_digest(parse_enrolment_code(args.code).code)
            except TrustError as exc:
                return _fail(str(exc))
            try:
                code = store.revoke_enrolment_code(digest, now=now)
            except EnrolmentCodeUnknownError:
                return _fail("the gateway issued no such code")
            except EnrolmentCodeUsedError:
                return _fail(
                    "the code was used already; to cut the kiosk off, revoke its token "
                    "(dvc-gateway revoke-token)"
                )
            except EnrolmentCodeExpiredError:
                return _fail("the code has expired already: nothing to revoke")
            revoked = [code]
        else:
            revoked = [
                store.revoke_enrolment_code(code.code_sha256, now=now)
                for code in store.enrolment_codes()
                if code.kiosk_id == args.kiosk and code_state(code, now) is CodeState.VALID
            ]
    for code in revoked:
        when = "" if code.revoked_at == now else " (revoked before)"
        print(
            f"revoked the code for {code.kiosk_id} issued {code.created_at:%Y-%m-%d %H:%M %z}"
            + when
        )
    if not revoked:
        print(f"no valid code for {args.kiosk}")
    return EXIT_OK


def _enrol_code_list(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    now = datetime.now(VIETNAM)
    with open_store(args.data) as store:
        codes = store.enrolment_codes()
    listing = [
        {
            "kiosk_id": code.kiosk_id,
            "unit_code": code.unit_code,
            "created_at": code.created_at.isoformat(),
            "expires_at": code.expires_at.isoformat(),
            "state": code_state(code, now).value,
        }
        for code in codes
    ]
    if args.json:
        print(json.dumps(listing))
        return EXIT_OK
    if not listing:
        print("no enrolment codes")
    for entry in listing:
        print(
            f"{entry['kiosk_id']}  {entry['unit_code'] or '(no unit)'}  issued "
            f"{entry['created_at']}  expires {entry['expires_at']}  {entry['state']}"
        )
    return EXIT_OK


def _revoke_token(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    with open_store(args.data) as store:
        kiosk = store.revoke_kiosk_token(args.kiosk, datetime.now(VIETNAM))
    if kiosk is None or kiosk.token_revoked_at is None:
        return _fail(f"kiosk {args.kiosk} is not enrolled")
    print(
        f"{kiosk.kiosk_id}: token revoked at {kiosk.token_revoked_at:%Y-%m-%d %H:%M %z}; "
        "a new enrolment code (dvc-gateway enrol-code) gives it a working token again"
    )
    return EXIT_OK


# --- the database --------------------------------------------------------------------------------


def _db_use(args: argparse.Namespace) -> int:
    try:
        revision = use_database(args.data, args.url)
    except (DatabaseChoiceError, StoreError) as exc:
        return _fail(str(exc))
    print(f"{args.data}: metadata in {redacted(args.url.strip())}, schema {revision}")
    return EXIT_OK


def _db_upgrade(args: argparse.Namespace) -> int:
    try:
        url = database_url(args.data)
        if url is None:
            return _fail(f"{args.data} names no PostgreSQL database (its SQLite file needs none)")
        migrate.upgrade(url)
        revision = migrate.current(url)
    except (DatabaseChoiceError, StoreError) as exc:
        return _fail(str(exc))
    print(f"schema {revision} (head {migrate.head()})")
    return EXIT_OK


def _db_status(args: argparse.Namespace) -> int:
    try:
        url = database_url(args.data)
        if url is None:
            kind = "sqlite" if store_exists(args.data) else "none"
            status = {"backend": kind, "url": None, "revision": None, "head": None}
        else:
            status = {"backend": "postgresql", "url": redacted(url),
                      "revision": migrate.current(url), "head": migrate.head()}  # fmt: skip
    except (DatabaseChoiceError, StoreError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(status))
    elif status["backend"] == "postgresql":
        behind = "" if status["revision"] == status["head"] else f" (head {status['head']})"
        print(f"postgresql {status['url']}: schema {status['revision'] or 'none'}{behind}")
    else:
        print(f"{status['backend']}: no PostgreSQL database named in {args.data}")
    return EXIT_OK


# --- keys ----------------------------------------------------------------------------------------


def _keys_init(args: argparse.Namespace) -> int:
    try:
        keys, created = ensure_keys(args.data)
    except KeyFileError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot use {args.data}: {exc.strerror}")
    print(f"{'created' if created else 'kept the existing'} keys in {args.data}", file=sys.stderr)
    _print_keys(keys.signing_public, keys.sealing_public, as_json=False)
    return EXIT_OK


def _keys_show(args: argparse.Namespace) -> int:
    try:
        keys = load_keys(args.data)
    except KeyFileError as exc:
        return _fail(str(exc))
    _print_keys(keys.signing_public, keys.sealing_public, as_json=args.json)
    return EXIT_OK


def _print_keys(signing: str, sealing: str, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"signing_key": signing, "sealing_key": sealing}, indent=2))
    else:
        print(signing)
        print(sealing)


# --- badges --------------------------------------------------------------------------------------


def _badge_issue(args: argparse.Namespace) -> int:
    if not 0 < args.hours <= 24 * 31:
        return _fail("--hours is more than 0 and at most 31 days")
    try:
        keys = load_keys(args.data)
    except KeyFileError as exc:
        return _fail(str(exc))
    try:
        with open_store(args.data) as store:
            record, text = issue_badge(
                store,
                keys.signing,
                technician_id=args.technician_id,
                technician_name=args.name,
                kiosks=tuple(args.kiosk or ()),
                area=args.area or "",
                now=datetime.now(VIETNAM),
                valid_for=timedelta(hours=args.hours),
            )
        if args.png is not None:
            write_qr_png(text, args.png)
    except TrustError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write: {exc}")
    print(text)
    print(
        f"badge {record.serial} for {record.technician_name} ({record.technician_id}), "
        f"{_scope(record.kiosks, record.area)}, until {record.expires:%Y-%m-%d %H:%M %z}",
        file=sys.stderr,
    )
    return EXIT_OK


def _scope(kiosks: tuple[str, ...], area: str) -> str:
    return f"kiosks {', '.join(kiosks)}" if kiosks else f"area {area}"


def _badge_list(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    with open_store(args.data) as store:
        badges = store.badges()
    if args.json:
        listing = [
            {
                "serial": b.serial,
                "technician_id": b.technician_id,
                "technician_name": b.technician_name,
                "kiosks": list(b.kiosks),
                "area": b.area or None,
                "not_before": b.not_before.isoformat(),
                "expires": b.expires.isoformat(),
                "issued_at": b.issued_at.isoformat(),
            }
            for b in badges
        ]
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not badges:
        print("no badges")
    for b in badges:
        print(
            f"{b.serial}  {b.technician_id}  {b.technician_name}  {_scope(b.kiosks, b.area)}  "
            f"{b.not_before:%Y-%m-%d %H:%M} – {b.expires:%Y-%m-%d %H:%M %z}"
        )
    return EXIT_OK


# --- audit logs ----------------------------------------------------------------------------------


def _audit(args: argparse.Namespace) -> int:
    if not store_exists(args.data):
        return _fail(f"no gateway data in {args.data}")
    with open_store(args.data) as store:
        events = store.audit_events(args.kiosk)
    if args.json:
        listing = [
            {
                "kiosk_id": e.kiosk_id,
                "id": e.event_id,
                "at": e.at.isoformat(),
                "kind": e.kind,
                "actor": e.actor,
                "detail": e.detail,
                "received_at": e.received_at.isoformat(),
            }
            for e in events
        ]
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not events:
        print("no audit events")
    for e in events:
        print(f"{e.at.isoformat()}  {e.kiosk_id}  {e.kind}  {e.actor}  {e.detail}")
    return EXIT_OK


# --- imports -------------------------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        return _fail(f"no such file: {', '.join(missing)}")
    try:
        settings = settings_from_args(args)
        results = import_exports(args.data, settings, list(args.files))
    except (ValueError, ConfigError, KeyFileError) as exc:
        return _fail(str(exc))
    listing: list[dict[str, Any]] = []
    code = EXIT_OK
    for path, result in zip(args.files, results, strict=True):
        if isinstance(result, ImportReport):
            listing.append({"file": str(path), **result.to_json()})
            if result.count(ImportOutcome.REFUSED):
                code = max(code, EXIT_REFUSED)
        else:
            listing.append({"file": str(path), "error": str(result)})
            code = EXIT_INVALID
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return code
    for entry in listing:
        if "error" in entry:
            print(f"{entry['file']}: refused, nothing imported: {entry['error']}")
            continue
        print(
            f"{entry['file']}: kiosk {entry['kiosk_id']}, {entry['imported']} imported, "
            f"{entry['already_present']} already present, {entry['refused']} refused"
        )
        for dossier in entry["dossiers"]:
            line = f"    {dossier['receipt_number']}  {dossier['outcome']}"
            if dossier["dossier_code"]:
                line += f"  {dossier['dossier_code']}"
            if dossier["reason"]:
                line += f"  ({dossier['reason']})"
            print(line)
    return code


# --- registration --------------------------------------------------------------------------------


def _fraction(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """What a gateway registers dossiers with: ``serve`` and ``import`` take the same."""
    parser.add_argument("--data", type=Path, required=True, help="the gateway's data directory")
    parser.add_argument("--unit-code", default="H00.00.00", help="unit code in official codes")
    parser.add_argument("--catalog", type=Path, help="catalog directory (default: bundled)")
    parser.add_argument("--calendar", type=Path, help="calendar override file (default: bundled)")
    parser.add_argument(
        "--admin-units",
        type=Path,
        help="old → current administrative units table directory (default: bundled)",
    )


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    """The ``serve`` command's arguments (shared with the impaired-link tooling)."""
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    add_settings_arguments(serve)
    serve.add_argument(
        "--admin-token-file",
        type=Path,
        help="a file whose first line is the administrator's token (POST /api/v1/imports); "
        "without it that endpoint answers 403",
    )
    serve.add_argument(
        "--public-url",
        help="the address kiosks reach this gateway at (https://…), written into the enrolment "
        "QR codes the console issues; default: the address the console was opened at",
    )
    serve.add_argument(
        "--metrics-token-file",
        type=Path,
        help="a file whose first line is the token Prometheus scrapes GET /metrics with; "
        "without it /metrics answers 404",
    )
    # Off by default: the nginx in front of every deployed gateway already logs each request
    # with its time, and writing a second line per request from Python cost a replica a
    # twentieth of its event loop under load.
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (nginx already does)"
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

    enrol_cmd = commands.add_parser(
        "enrol", help="issue a kiosk's bearer token (printed; the earlier one stops working)"
    )
    enrol_cmd.add_argument("--data", type=Path, required=True)
    enrol_cmd.add_argument("--kiosk", required=True, metavar="KIOSK_ID")
    enrol_cmd.add_argument("--unit", type=_unit, metavar="UNIT_CODE", help="the commune unit")
    enrol_cmd.set_defaults(func=_enrol)

    kiosks = commands.add_parser(
        "kiosks", help="list the kiosks, their units and last heartbeats; or set a kiosk's unit"
    )
    kiosks.add_argument("--data", type=Path, required=True)
    kiosks.add_argument("--kiosk", metavar="KIOSK_ID", help="set this kiosk's unit (--unit)")
    kiosks.add_argument("--unit", type=_unit, metavar="UNIT_CODE")
    kiosks.add_argument("--json", action="store_true")
    kiosks.set_defaults(func=_kiosks)

    disable = commands.add_parser("disable", help="refuse a kiosk's token with 403")
    disable.add_argument("--data", type=Path, required=True)
    disable.add_argument("--kiosk", required=True, metavar="KIOSK_ID")
    disable.add_argument("--enable", action="store_true", help="re-enable instead")
    disable.set_defaults(func=_disable)

    code_cmd = commands.add_parser(
        "enrol-code", help="issue a one-time enrolment code for a kiosk (its QR text printed)"
    )
    # Required to issue a code; not marked so, since ``enrol-code revoke|list`` take their own.
    code_cmd.add_argument("--data", type=Path)
    code_cmd.add_argument("--kiosk", metavar="KIOSK_ID")
    code_cmd.add_argument("--ttl-min", type=int, default=60, help="minutes it stays valid")
    code_cmd.add_argument("--url", help="the gateway's address the kiosk redeems it at")
    code_cmd.add_argument("--png", type=Path, help="also write the QR code as a PNG image")
    code_cmd.add_argument(
        "--unit", type=_unit, metavar="UNIT_CODE", help="the commune unit the kiosk will be in"
    )
    code_cmd.set_defaults(func=_enrol_code)
    code_actions = code_cmd.add_subparsers(dest="code_command", metavar="COMMAND")
    revoke = code_actions.add_parser(
        "revoke", help="revoke an unused code (its text, or every valid code of --kiosk)"
    )
    revoke.add_argument("--data", type=Path, required=True)
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("code", nargs="?", metavar="CODE", help="as printed, typed or in the QR")
    which.add_argument("--kiosk", metavar="KIOSK_ID", help="every valid code of this kiosk")
    revoke.set_defaults(func=_enrol_code_revoke)
    code_list = code_actions.add_parser("list", help="the codes issued, newest first")
    code_list.add_argument("--data", type=Path, required=True)
    code_list.add_argument("--json", action="store_true")
    code_list.set_defaults(func=_enrol_code_list)

    revoke_token = commands.add_parser(
        "revoke-token",
        help="stop a kiosk's token working (until it is enrolled again with a new code)",
    )
    revoke_token.add_argument("--data", type=Path, required=True)
    revoke_token.add_argument("--kiosk", required=True, metavar="KIOSK_ID")
    revoke_token.set_defaults(func=_revoke_token)

    add_staff_commands(commands)

    db = commands.add_parser("db", help="the PostgreSQL database of a province's gateway")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    use = db_commands.add_parser(
        "use", help="keep the metadata in this PostgreSQL database (schema brought up to date)"
    )
    use.add_argument("--data", type=Path, required=True)
    use.add_argument("url", metavar="URL", help="postgresql://user[:password]@host/database")
    use.set_defaults(func=_db_use)
    upgrade = db_commands.add_parser("upgrade", help="apply the schema migrations not applied yet")
    upgrade.add_argument("--data", type=Path, required=True)
    upgrade.set_defaults(func=_db_upgrade)
    status = db_commands.add_parser("status", help="the database named and its schema revision")
    status.add_argument("--data", type=Path, required=True)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=_db_status)

    keys = commands.add_parser("keys", help="the gateway's signing and sealing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    init = key_commands.add_parser("init", help="create the keys (never replaces them)")
    init.add_argument("--data", type=Path, required=True)
    init.set_defaults(func=_keys_init)
    show = key_commands.add_parser("show", help="print the public keys (ed25519:…, x25519:…)")
    show.add_argument("--data", type=Path, required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_keys_show)

    badge = commands.add_parser("badge", help="technician badges signed by the gateway")
    badge_commands = badge.add_subparsers(dest="badge_command", required=True, metavar="COMMAND")
    issue = badge_commands.add_parser("issue", help="sign a badge (its QR text printed)")
    issue.add_argument("--data", type=Path, required=True)
    issue.add_argument("--technician-id", required=True)
    issue.add_argument("--name", required=True, help="the technician's name as shown")
    where = issue.add_mutually_exclusive_group(required=True)
    where.add_argument("--kiosk", action="append", metavar="KIOSK_ID", help="repeatable")
    where.add_argument("--area", metavar="UNIT_CODE_PREFIX", help="e.g. H22 or H22.01")
    issue.add_argument("--hours", type=_fraction, default=8.0, help="hours it stays valid")
    issue.add_argument("--png", type=Path, help="also write the QR code as a PNG image")
    issue.set_defaults(func=_badge_issue)
    listing = badge_commands.add_parser("list", help="the badges issued")
    listing.add_argument("--data", type=Path, required=True)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_badge_list)

    audit = commands.add_parser("audit", help="list the audit events kiosks sent")
    audit.add_argument("--data", type=Path, required=True)
    audit.add_argument("--kiosk", metavar="KIOSK_ID")
    audit.add_argument("--json", action="store_true")
    audit.set_defaults(func=_audit)

    imports = commands.add_parser("import", help="import USB export files (settings as for serve)")
    add_settings_arguments(imports)
    imports.add_argument("files", type=Path, nargs="+", metavar="FILE")
    imports.add_argument("--json", action="store_true")
    imports.set_defaults(func=_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # A command line copied from the kiosk CLI of earlier releases (``kiosk gateway serve …``).
    if arguments[:1] == ["gateway"]:
        arguments.pop(0)
    args = build_parser().parse_args(arguments)
    try:
        code: int = args.func(args)
    except (DatabaseChoiceError, BackendError) as exc:
        # A database named wrongly or out of reach: said in one line, for every command.
        return _fail(str(exc))
    return code
