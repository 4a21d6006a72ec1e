"""The reference gateway behind an impaired link (``simulators.netem``) that cuts a fraction of
connections mid-stream: what the kiosk meets on a mountain commune's Wi-Fi. Takes the same
options as ``dvc-gateway serve`` plus ``--reset-rate``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gateway.cli import add_serve_arguments, app_from_args, run_on, start_logging
from gateway.server import bind
from simulators.netem import LinkProfile, ThreadedLink

EXIT_OK, EXIT_INVALID = 0, 2


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _fail(message: str) -> int:
    print(f"impaired-gateway: {message}", file=sys.stderr)
    return EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-demo impaired-gateway", description=__doc__)
    add_serve_arguments(parser)
    parser.add_argument(
        "--reset-rate", type=_fraction, required=True, help="fraction of connections cut"
    )
    args = parser.parse_args(argv)
    app = app_from_args(args)
    if isinstance(app, str):
        return _fail(app)
    start_logging()
    try:
        inner = bind("127.0.0.1", 0)
    except OSError as exc:
        return _fail(f"cannot listen: {exc.strerror}")
    target: tuple[str, int] = inner.getsockname()[:2]
    try:
        link = ThreadedLink(
            target, LinkProfile(reset_probability=args.reset_rate), listen=(args.host, args.port)
        )
        with link as (host, port):
            run_on(app, inner, host, port)
    except (ValueError, OSError) as exc:
        inner.close()
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc}")
    return EXIT_OK
