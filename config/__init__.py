"""Typed settings, the procedure catalog and calendar data for the kiosk."""

from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parent
BUNDLED_CALENDAR_OVERRIDES = BUNDLED_DIR / "calendar_overrides.toml"
