"""``python -m gateway``: the same commands as ``dvc-gateway``."""

from __future__ import annotations

import sys

from gateway.cli import main

if __name__ == "__main__":
    sys.exit(main())
