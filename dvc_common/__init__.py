"""What the kiosk and the gateway both need, and nothing else: the protocol's models and enums,
the procedure catalog and its sample data, the working-day calendar, ID masking, atomic file
writing and the clock. A leaf: it imports neither side (``tests/test_architecture.py``)."""

from pathlib import Path

__version__ = "0.1.0"

BUNDLED_DIR = Path(__file__).resolve().parent
BUNDLED_CALENDAR_OVERRIDES = BUNDLED_DIR / "calendar_overrides.toml"
