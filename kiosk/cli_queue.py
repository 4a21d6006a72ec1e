"""``kiosk queue …`` and ``kiosk sync …``: the technician's view of the outbox, and the command
that starts the sync process (built and wired in ``offline_queue.service``).

What a technician does here that changes something (a retry, a USB export) is written to the
audit log (``offline_queue.audit``) as done at the console; the sync process delivers it."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from config.settings import Settings, load_effective
from dvc_common.atomic import sha256_file
from dvc_common.clock import SystemClock
from dvc_common.privacy import mask_digits_in
from kiosk import __version__
from kiosk.dossier import Dossier
from kiosk.outbox import Outbox, load_dossier_file
from kiosk.ports import QueueError
from offline_queue.audit import CONSOLE_ACTOR, AuditKind
from offline_queue.crypto import CryptoError
from offline_queue.errors import QueueRefusedError, StoreError
from offline_queue.opening import open_queue_store, queue_dir
from offline_queue.records import DossierRow, PageInput, QueueStatus, iso
from offline_queue.service import published_status, run_command
from offline_queue.store import QueueStore
from offline_queue.usb_export import ExportError, ExportProblem, export_unsent

# build_engine lives in offline_queue.service, the sync process's composition root; it is named
# here too only for simulators/text_demo.py, until it imports it from there.
EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


def _fail(message: str, code: int = EXIT_INVALID) -> int:
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def _store(args: argparse.Namespace) -> tuple[Settings, QueueStore]:
    settings, _ = load_effective(args.config)
    return settings, open_queue_store(settings)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# --- queue ----------------------------------------------------------------------------------


def _queue_list(args: argparse.Namespace) -> int:
    settings, store = _store(args)
    statuses = [QueueStatus(s) for s in args.status] if args.status else []
    rows = store.list_dossiers(limit=args.limit, statuses=statuses)
    alerts = {k.value: v for k, v in store.alerts().items()}
    sync = published_status(settings, store)
    if args.json:
        _print_json(
            {
                "counts": store.counts(),
                "alerts": alerts,
                "sync": sync,
                "dossiers": [r.to_public() for r in rows],
            }
        )
        return EXIT_OK
    for kind, detail in alerts.items():
        print(f"! {kind}: {detail}")
    if sync is not None:
        print(f"sync: {sync.get('state')}")
    counts = store.counts()
    print("  ".join(f"{k}={v}" for k, v in counts.items()))
    for row in rows:
        data = row.to_public()
        line = (
            f"{data['receipt_number']:<22} {data['status']:<16} files {data['files']:<6} "
            f"tries {data['attempts']:<3} {data['official_code'] or ''}"
        )
        if data["last_error"]:
            line += f"  [{data['error_kind']}] {data['last_error']}"
        print(line)
    return EXIT_OK


def _find(store: QueueStore, ident: str) -> DossierRow:
    row = store.find(ident)
    if row is None:
        raise StoreError(f"no dossier {ident!r} in the queue")
    return row


def _queue_show(args: argparse.Namespace) -> int:
    _, store = _store(args)
    row = _find(store, args.id)
    data: dict[str, Any] = {**row.to_public(), "history": store.history(row.client_uuid)}
    mark = store.export_mark(row.client_uuid)
    data["exported"] = (
        None if mark is None else {"at": iso(mark.exported_at), "file": mark.export_file}
    )
    if row.erased_at is None:
        try:
            body = store.body(row.client_uuid)
        except CryptoError as exc:
            data["body_error"] = str(exc)
        else:
            if not args.reveal:
                # ID numbers also appear among the form values (and phones are personal too).
                for section in ("applicant", "form"):
                    masked = mask_digits_in(json.dumps(body.get(section, {}), ensure_ascii=False))
                    body[section] = json.loads(masked)
            data["dossier"] = body
    data["files"] = [
        {
            "name": f.name,
            "document": f.document_code,
            "size": f.size,
            "sha256": f.sha256,
            "complete": f.complete,
            "resumable": f.upload_url is not None,
        }
        for f in store.files(row.client_uuid)
    ]
    _print_json(data)
    return EXIT_OK


def _queue_retry(args: argparse.Namespace) -> int:
    _, store = _store(args)
    row = store.retry(args.id)
    store.record_audit(AuditKind.RETRY, CONSOLE_ACTOR, row.receipt_number, SystemClock().now())
    print(f"{row.receipt_number}: {row.status.value}, will be sent on the next sync pass")
    return EXIT_OK


# What the technician reads for each reason an export wrote nothing.
_EXPORT_ADVICE: dict[ExportProblem, str] = {
    ExportProblem.NO_SEALING_KEY: "the kiosk has no gateway sealing key: enrol it first",
    ExportProblem.BAD_SEALING_KEY: "gateway.sealing_key is not a valid x25519: key",
    ExportProblem.NOTHING_TO_EXPORT: "nothing to export: the gateway has every dossier",
    ExportProblem.UNKNOWN_DOSSIER: "no such dossier in the outbox",
    ExportProblem.ALREADY_DELIVERED: "the gateway already acknowledged this dossier",
    ExportProblem.TOO_MANY: "too many dossiers for one export: choose some with --id",
    ExportProblem.NOT_IN_FORMAT: "a dossier cannot be written in the export format",
    ExportProblem.TARGET_MISSING: "the target directory is not there (stick not mounted?)",
    ExportProblem.TARGET_READ_ONLY: "the stick cannot be written (read-only?)",
    ExportProblem.DISK_FULL: "the stick is full",
    ExportProblem.TARGET_FAILED: "writing to the stick failed",
    ExportProblem.FILE_EXISTS: "an export of the same second is already there: try again",
    ExportProblem.DOSSIER_UNREADABLE: "a dossier's copy failed its check: leave it out (--id)",
    ExportProblem.OUTBOX_UNAVAILABLE: "the outbox cannot be used now: try again",
}


def _queue_export_usb(args: argparse.Namespace) -> int:
    """Unsent dossiers (or the chosen ones) sealed to the gateway, in one file on a stick."""
    settings, store = _store(args)
    now = SystemClock().now()
    try:
        report = export_unsent(
            store,
            args.to,
            settings.gateway.sealing_key,
            settings.kiosk.id,
            now,
            select=args.ids or None,
            software_version=__version__,
        )
    except ExportError as exc:
        if exc.problem is not ExportProblem.NOTHING_TO_EXPORT:
            store.record_audit(AuditKind.EXPORT, CONSOLE_ACTOR, f"failed: {exc.problem.value}", now)
        which = f" ({exc.receipt_number})" if exc.receipt_number else ""
        message = f"{_EXPORT_ADVICE[exc.problem]}{which} [{exc.problem.value}]"
        if exc.problem is ExportProblem.NOTHING_TO_EXPORT:
            print(message)
            return EXIT_OK
        # The detail is the export's own words (no personal data), masked once more.
        return _fail(f"export-usb: {message}: {mask_digits_in(exc.detail)}", EXIT_ERROR)
    store.record_audit(
        AuditKind.EXPORT,
        CONSOLE_ACTOR,
        f"{report.dossiers} dossier(s) to {report.file_name} (sha256 {report.sha256[:16]})",
        now,
    )
    _print_json(
        {
            "file": str(report.path),
            "dossiers": report.dossiers,
            "files": report.files,
            "bytes": report.bytes_written,
            "sha256": report.sha256,
            "receipts": [mask_digits_in(r) for r in report.receipt_numbers],
            "left_out_unreadable": [mask_digits_in(r) for r in report.skipped_quarantined],
        }
    )
    return EXIT_OK


def _queue_audit(args: argparse.Namespace) -> int:
    """The technician audit log, newest first, and whether each reached the gateway."""
    _, store = _store(args)
    _print_json(
        [
            {
                "at": event.at.isoformat(),
                "kind": str(event.kind),
                "actor": event.actor,
                "detail": event.detail,
                "delivered": event.delivered_at is not None,
            }
            for event in store.recent_audit(args.limit)
        ]
    )
    return EXIT_OK


def _queue_export(args: argparse.Namespace) -> int:
    """Decrypted dossier and page files in a folder, to carry to another kiosk or a desk."""
    _, store = _store(args)
    row = _find(store, args.id)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = store.body(row.client_uuid)
    names = []
    for file in store.files(row.client_uuid):
        target = out / file.name
        with store.open_file(file) as reader, target.open("wb") as handle:
            while chunk := reader.read(64 * 1024):
                handle.write(chunk)
        names.append(target.name)
    (out / "dossier.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"exported {row.receipt_number} to {out} (dossier.json and {len(names)} files)")
    print(
        "re-enter with: kiosk queue add "
        + str(out / "dossier.json")
        + " "
        + " ".join(str(out / n) for n in names)
    )
    return EXIT_OK


def _queue_add(args: argparse.Namespace) -> int:
    """Enqueue a dossier from files, exactly as the app does."""
    _, store = _store(args)
    try:
        data = json.loads(args.dossier.read_text(encoding="utf-8"))
    except OSError as exc:
        return _fail(f"{args.dossier}: cannot read it ({exc.strerror})")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _fail(f"{args.dossier}: not a JSON dossier ({exc})")
    if not isinstance(data, dict):
        return _fail(f"{args.dossier}: not a JSON dossier (expected an object)")
    for page in args.pages:
        if not page.is_file():
            return _fail(f"{page}: no such page file")
    try:
        if "format_version" in data:
            dossier: Dossier = load_dossier_file(args.dossier, list(args.pages))
            Outbox(store).enqueue(dossier)
            ident, receipt = str(dossier.client_uuid), dossier.receipt_number
        else:
            ident, receipt = _add_exported(store, data, list(args.pages))
    except QueueRefusedError as exc:
        return _refused(args.dossier, exc)
    except QueueError as exc:
        if isinstance(exc.__cause__, QueueRefusedError):
            return _refused(args.dossier, exc.__cause__)
        return _fail(exc.detail)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _fail(f"{args.dossier}: malformed dossier ({type(exc).__name__}: {_safe(exc)})")
    print(f"queued {receipt} ({ident})")
    return EXIT_OK


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _safe(exc: BaseException) -> str:
    """An error's text without the values it quotes (a date of birth, a name) or ID numbers."""
    if isinstance(exc, KeyError):
        return f"missing {exc}"
    return mask_digits_in(_QUOTED.sub("'…'", str(exc)))


def _refused(source: Path, exc: QueueRefusedError) -> int:
    """The gateway would refuse it: say each reason (stable codes), store nothing."""
    print(f"kiosk: {source}: refused, the gateway would not accept it:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem.field}: {problem.reason.value}", file=sys.stderr)
    return EXIT_INVALID


def _add_exported(store: QueueStore, body: dict[str, Any], pages: list[Path]) -> tuple[str, str]:
    """Re-enter a dossier written by ``queue export`` (the gateway's DossierCreate body)."""
    listed = [(d["code"], f) for d in body["documents"] for f in d.get("files", [])]
    if len(listed) != len(pages):
        raise ValueError(f"the dossier lists {len(listed)} files but {len(pages)} were given")
    # Checked before anything is stored: a wrong file must be refused, not queued and then
    # reported refused.
    for (_, entry), path in zip(listed, pages, strict=True):
        if "sha256" in entry and entry["sha256"] != sha256_file(path):
            raise ValueError(f"{path} does not match the SHA-256 dossier.json gives for it")
    inputs = [
        PageInput(path, code, entry["name"], entry.get("media_type", "application/octet-stream"))
        for (code, entry), path in zip(listed, pages, strict=True)
    ]
    clean = {
        **body,
        "documents": [{"code": d["code"], "name": d["name"]} for d in body["documents"]],
    }
    result = store.enqueue(
        client_uuid=body["client_uuid"],
        receipt_number=body["receipt_number"],
        procedure_code=body["procedure_code"],
        body=clean,
        pages=inputs,
    )
    return result.client_uuid, result.receipt_number


def _queue_recover(args: argparse.Namespace) -> int:
    """Rebuild dossiers the database lost, from their folders, with the master key alone."""
    _, store = _store(args)
    report = store.recover()
    _print_json(
        {
            "recovered": report.recovered,
            "with_salvaged_state": report.with_salvaged_state,
            "restored_records": report.restored_from_database,
            "unreadable": report.unreadable,
            "already_present": report.already_present,
        }
    )
    return EXIT_OK if not report.unreadable else EXIT_ERROR


def _queue_rekey(args: argparse.Namespace) -> int:
    settings, _ = load_effective(args.config)
    if not args.abandon_lost_key:
        return _fail(
            "rekey starts a new master key because the old one is lost for good; dossiers "
            "sealed with the old key can then only be read if it turns up. Say "
            "--abandon-lost-key to do it."
        )
    fingerprint, kept = QueueStore.rekey_abandoning_lost_key(
        queue_dir(settings), settings.master_key_path
    )
    print(
        f"new master key {fingerprint} at {settings.master_key_path}; back it up now. "
        f"{kept} dossier(s) sealed with the lost key are kept in quarantine."
    )
    return EXIT_OK


def _queue_check(args: argparse.Namespace) -> int:
    _, store = _store(args)
    report = store.check()
    _print_json(
        {
            "integrity_ok": report.integrity_ok,
            "quarantined": report.quarantined_rows,
            "orphans_moved": report.orphans_moved,
            "recovered": report.recovered,
            "sweep_deferred": report.sweep_deferred,
            "database_moved_to": str(report.database_moved_to)
            if report.database_moved_to
            else None,
        }
    )
    return EXIT_OK if report.clean else EXIT_ERROR


# --- sync -----------------------------------------------------------------------------------


def _sync(args: argparse.Namespace) -> int:
    """``kiosk sync run`` / ``kiosk sync --once``: the sync process (``offline_queue.service``;
    ``run`` follows the configuration file, waiting while the kiosk is not enrolled)."""
    return run_command(args.config, keep_running=args.mode == "run", software_version=__version__)


def add_queue_commands(sub: Any) -> None:
    queue = sub.add_parser("queue", help="the outbox of dossiers waiting for the gateway")
    queue_sub = queue.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = queue_sub.add_parser("list", help="dossiers in the outbox, newest first")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--status", action="append", choices=[s.value for s in QueueStatus])
    listing.set_defaults(func=_queue_list)
    show = queue_sub.add_parser("show", help="one dossier (receipt number, code or UUID)")
    show.add_argument("id")
    show.add_argument("--reveal", action="store_true", help="print ID numbers unmasked")
    show.set_defaults(func=_queue_show)
    retry = queue_sub.add_parser("retry", help="send a dossier that needs attention again")
    retry.add_argument("id")
    retry.set_defaults(func=_queue_retry)
    export = queue_sub.add_parser("export", help="write a dossier and its files to a folder")
    export.add_argument("id")
    export.add_argument("--out", type=Path, required=True)
    export.set_defaults(func=_queue_export)
    usb = queue_sub.add_parser(
        "export-usb", help="seal the dossiers the gateway lacks into one file on a USB stick"
    )
    usb.add_argument("--to", type=Path, required=True, help="the mounted stick's directory")
    usb.add_argument(
        "--id",
        dest="ids",
        action="append",
        default=[],
        help="only this dossier (receipt number, code or UUID); repeat for more",
    )
    # Also accepted after the command; SUPPRESS keeps ``kiosk --config FILE queue …`` working.
    usb.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="settings file")
    usb.set_defaults(func=_queue_export_usb)
    audit = queue_sub.add_parser("audit", help="the technician audit log, newest first")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=_queue_audit)
    add = queue_sub.add_parser("add", help="enqueue a dossier from files, as the app does")
    add.add_argument("dossier", type=Path)
    add.add_argument("pages", type=Path, nargs="*")
    add.set_defaults(func=_queue_add)
    check = queue_sub.add_parser("check", help="verify the outbox; quarantine what is unreadable")
    check.set_defaults(func=_queue_check)
    recover = queue_sub.add_parser(
        "recover", help="rebuild dossiers a lost or damaged database forgot, from their folders"
    )
    recover.set_defaults(func=_queue_recover)
    rekey = queue_sub.add_parser(
        "rekey", help="start a new master key because the old one is lost for good"
    )
    rekey.add_argument("--abandon-lost-key", action="store_true")
    rekey.set_defaults(func=_queue_rekey)

    sync = sub.add_parser("sync", help="send queued dossiers to the gateway")
    sync.add_argument("mode", nargs="?", choices=["run"], help="run: keep syncing until stopped")
    sync.add_argument("--once", action="store_true", help="one pass, then exit (the default)")
    sync.set_defaults(func=_sync)
