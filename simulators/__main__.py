"""``kiosk-demo`` (also ``python -m simulators``): the demos and the test instruments.

    kiosk-demo [--out DIR] [--orientation portrait|landscape] [--fullscreen]
        the README's demo: the touchscreen app on an embedded gateway and simulated devices
    kiosk-demo text
        the journey as text, state by state, without screens
    kiosk-demo impaired-gateway --data DIR [dvc-gateway serve options] --reset-rate F
        the reference gateway behind a link that cuts a fraction of connections mid-stream
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

COMMANDS = ("text", "impaired-gateway")


def _screens(argv: Sequence[str]) -> int:
    from ui.app import Orientation

    parser = argparse.ArgumentParser(prog="kiosk-demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orientation", choices=[o.value for o in Orientation], default=Orientation.PORTRAIT.value
    )
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen")
    parser.add_argument("--out", type=Path, help="where screenshots, slips and data go")
    args = parser.parse_args(argv)
    from simulators.screens_demo import run_demo

    return run_demo(args.out, Orientation(args.orientation), args.fullscreen)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["text"]:
        from simulators.text_demo import run_demo

        return run_demo(sys.stdout)
    if arguments[:1] == ["impaired-gateway"]:
        from simulators.impaired_gateway import main as impaired

        return impaired(arguments[1:])
    return _screens(arguments)


if __name__ == "__main__":
    sys.exit(main())
