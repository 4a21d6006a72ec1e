"""``kiosk maintenance check [--wait SECONDS]``: whether the kiosk may be upgraded now.

Meant for ``ExecCondition=`` of apt's ``apt-daily-upgrade.service`` (as root): exit 0 when no
citizen session is open and no dossier is being sent, 1 otherwise (systemd then skips the
upgrade without calling it failed), with one line on stdout saying which; 2 when the
configuration is broken or a marker cannot be read. ``--wait`` looks again every second until
the moment is clear or the seconds have passed. The logic is ``kiosk.maintenance_window``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from config.settings import PathsSection, load_effective
from dvc_common.datafile import ConfigError
from kiosk.maintenance_window import check_window, wait_for_window

EXIT_CLEAR, EXIT_BUSY, EXIT_INVALID = 0, 1, 2


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError("give between 0 and 86400 seconds")
    return value


def _maintenance_check(args: argparse.Namespace) -> int:
    try:
        settings, _ = load_effective(args.config)
        scratch = settings.paths.scratch_dir
    except ConfigError as exc:
        # A kiosk whose configuration is broken shows its fault page; the upgrade that may mend
        # it must not be held back by it. The markers are looked for where they are by default.
        scratch = PathsSection().scratch_dir
        print(f"kiosk: configuration unusable ({exc}); markers looked for in {scratch}",
              file=sys.stderr)
    try:
        if args.wait:
            # Nothing to interrupt the wait but the time: an Event nobody sets is a plain,
            # signal-friendly sleep.
            never = threading.Event()
            found = wait_for_window(scratch, args.wait, monotonic=time.monotonic, pause=never.wait)
        else:
            found = check_window(scratch)
    except OSError as exc:
        print(f"kiosk: cannot read the markers in {scratch}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(found.line())
    return EXIT_CLEAR if found.clear else EXIT_BUSY


def add_maintenance_commands(sub: Any) -> None:
    maintenance = sub.add_parser("maintenance", help="whether the kiosk may be upgraded now")
    maintenance_sub = maintenance.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = maintenance_sub.add_parser(
        "check",
        help="exit 0 when no citizen session is open and no dossier is being sent, 1 otherwise",
    )
    check.add_argument(
        "--wait",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="look again every second until the moment is clear, for at most this long",
    )
    check.set_defaults(func=_maintenance_check)
