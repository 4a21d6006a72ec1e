"""``python -m gateway serve …``: the gateway commands without the kiosk's own CLI.

``python -m gateway gateway serve …`` works too, so a command line copied from ``kiosk gateway
serve …`` runs unchanged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gateway.cli import add_gateway_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_gateway_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] != ["gateway"] and arguments[:1] not in (["-h"], ["--help"]):
        arguments.insert(0, "gateway")
    args = build_parser().parse_args(arguments)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
