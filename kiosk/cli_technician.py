"""``kiosk doctor`` and ``kiosk enrol``: the technician's commands for a kiosk without a screen.

``kiosk doctor [--config FILE] [--json]`` runs every health check (``kiosk.doctor``) and prints
one line per check (``ok``, ``warning`` or ``FAILED``, the summary, the next step), or one JSON
object per line with ``--json``. Exit code: 0 when everything passed, 1 with warnings, 2 with a
failure, so a script or a unit's ``ExecStartPre`` can act on it.

``kiosk enrol CODE [--config FILE] [--gateway URL]`` enrols the kiosk (``kiosk.enrolment``) and
writes the configuration; exit 0 when enrolled, 2 when the code or the address is wrong or the
gateway refused the code, 1 when the gateway could not be reached or its answer not taken up.
The token is never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from config.settings import DEFAULT_CONFIG_PATH, resolve_config_path
from dvc_common.privacy import mask_digits_in
from kiosk.doctor import CheckResult, Outcome, run_doctor, worst
from kiosk.enrolment import EnrolmentError, EnrolmentProblem, enrol

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2
_EXIT_FOR: dict[Outcome, int] = {Outcome.OK: 0, Outcome.WARNING: 1, Outcome.FAILED: 2}
# Upper case for failures so they stand out in a terminal full of lines.
_LABELS: dict[Outcome, str] = {
    Outcome.OK: "ok",
    Outcome.WARNING: "warning",
    Outcome.FAILED: "FAILED",
}
# The technician gave something wrong (the code, the address) or the gateway refused the code:
# trying again as it is will not help. The others may pass on another try.
_INVALID_INPUT = frozenset(
    {
        EnrolmentProblem.INVALID_CODE,
        EnrolmentProblem.BAD_GATEWAY_URL,
        EnrolmentProblem.CODE_UNKNOWN,
        EnrolmentProblem.CODE_USED,
        EnrolmentProblem.CODE_EXPIRED,
    }
)


def _config(args: argparse.Namespace) -> Path | None:
    path: Path | None = args.config
    return path


def result_json(result: CheckResult) -> dict[str, Any]:
    """One check as the JSON object ``kiosk doctor --json`` prints."""
    return {
        "check": result.check.value,
        "outcome": result.outcome.value,
        "summary": mask_digits_in(result.summary),
        "next_step": mask_digits_in(result.next_step),
        "facts": {
            k: mask_digits_in(v) if isinstance(v, str) else v for k, v in result.facts.items()
        },
    }


def result_line(result: CheckResult) -> str:
    """One check as the line ``kiosk doctor`` prints."""
    line = f"{_LABELS[result.outcome]:<8}{result.check.value:<16} {result.summary}"
    if result.next_step and result.outcome is not Outcome.OK:
        line += f" — next: {result.next_step}"
    # Free text from devices, the outbox and the gateway is masked where it is made; again here,
    # since this is where it leaves the kiosk.
    return mask_digits_in(line)


def _doctor(args: argparse.Namespace) -> int:
    results = run_doctor(_config(args))
    for result in results:
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False), flush=True)
        else:
            print(result_line(result), flush=True)
    return _EXIT_FOR[worst(results)]


def _enrol(args: argparse.Namespace) -> int:
    config_path = resolve_config_path(_config(args)) or DEFAULT_CONFIG_PATH
    try:
        enrolled = enrol(args.code, config_path, gateway_url=args.gateway)
    except EnrolmentError as exc:
        print(f"kiosk: not enrolled: {exc}", file=sys.stderr)
        return EXIT_INVALID if exc.problem in _INVALID_INPUT else EXIT_ERROR
    print(
        f"enrolled as {enrolled.kiosk_id} at {enrolled.gateway_url} (gateway signing key "
        f"{enrolled.signing_key_id}); configuration written to {enrolled.config_path}, "
        f"kiosk key to {enrolled.key_path}"
    )
    if enrolled.reference_problem:
        print(
            "kiosk: warning: the catalog and calendar were not downloaded "
            f"({enrolled.reference_problem}); the sync process fetches them when it can",
            file=sys.stderr,
        )
    return EXIT_OK


def add_technician_commands(sub: Any) -> None:
    # ``--config`` here as well as before the command; SUPPRESS keeps an absent one from
    # overwriting the one given before the command.
    doctor = sub.add_parser("doctor", help="check the kiosk's health: config, devices, link, queue")
    doctor.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    doctor.add_argument("--json", action="store_true", help="one JSON object per check")
    doctor.set_defaults(func=_doctor)

    enrolment = sub.add_parser("enrol", help="enrol the kiosk with a code from the gateway")
    enrolment.add_argument("code", help="the enrolment code, or the text of its QR code")
    enrolment.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="config file to write"
    )
    enrolment.add_argument(
        "--gateway", metavar="URL", help="the gateway's address (default: the QR's, the config's)"
    )
    enrolment.set_defaults(func=_enrol)
