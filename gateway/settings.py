"""Settings of the reference gateway: unit code, data sources, lifetimes, the administrator's
token and the injected clock."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from dvc_common.clock import VIETNAM
from dvc_common.protocol import DEFAULT_LIMITS

UNIT_CODE_PATTERN = re.compile(r"^[A-Z0-9]+(\.[0-9A-Z]+)*$")
# Fixed by the protocol (gateway/limits.py, published at /api/v1/limits), so not settings.
TUS_MAX_SIZE = DEFAULT_LIMITS.max_file_bytes
MAX_BODY_BYTES = DEFAULT_LIMITS.max_body_bytes
# The administrator's token can register dossiers in any kiosk's name: it must not be guessable.
MIN_ADMIN_TOKEN_CHARS = 32


def vietnam_now() -> datetime:
    """The machine's clock, in the time zone the offices work in."""
    return datetime.now(VIETNAM)


@dataclass(frozen=True)
class GatewaySettings:
    """How the gateway behaves; the defaults are the protocol's numbers."""

    unit_code: str = "H00.00.00"
    clock: Callable[[], datetime] = field(default=vietnam_now, compare=False)
    """Returns an aware datetime. Tests pass a fake clock to move time instead of sleeping."""
    catalog_dir: Path | None = None
    """A catalog directory (dvc_common.catalog layout); the bundled sample when None."""
    calendar_overrides: Path | None = None
    """A calendar override file; the bundled one when None."""
    admin_units_dir: Path | None = None
    """The old → current administrative units table (dvc_common.admin_units layout); the
    bundled one when None."""
    upload_ttl: timedelta = timedelta(hours=24)
    otp_ttl: timedelta = timedelta(minutes=5)
    otp_attempts: int = 5
    body_idle_timeout_s: float = 60.0
    """A PATCH whose body stops arriving for this long is treated as a dropped connection, so a
    half-open link cannot hold an upload's lock for ever."""
    upload_lock_wait_s: float = 5.0
    """How long a request waits for another request on the same upload to finish."""
    admin_token: str | None = field(default=None, repr=False)
    """The bearer token of the province's administrator, for ``POST /api/v1/imports``; None
    switches that endpoint off (403). Never a kiosk's token, never logged."""
    metrics_token: str | None = field(default=None, repr=False)
    """The bearer token the province's monitoring scrapes ``GET /metrics`` with; None switches
    the endpoint off (404): it lists every kiosk. Never logged."""
    public_url: str | None = None
    """The address kiosks reach this gateway at (``https://dvc.example.gov.vn``), written into
    the enrolment QR codes the console issues; None: the address the console was opened at,
    which behind a TLS proxy may be one the kiosks cannot reach."""
    max_import_bytes: int = 16 * 1024**3
    """The largest USB export ``POST /api/v1/imports`` takes (it is spooled to the data
    directory before it is read)."""

    def __post_init__(self) -> None:
        if not UNIT_CODE_PATTERN.fullmatch(self.unit_code):
            raise ValueError(f"unit code {self.unit_code!r} is not like H15.50.05.13")
        if self.public_url is not None and not re.fullmatch(
            r"https?://[^\s/]+(/\S*)?", self.public_url
        ):
            raise ValueError(f"public URL {self.public_url!r} is not an http(s) address")
        for token, whose in ((self.admin_token, "the administrator's token"),
                             (self.metrics_token, "the metrics token")):  # fmt: skip
            if token is not None and len(token) < MIN_ADMIN_TOKEN_CHARS:
                raise ValueError(f"{whose} must be at least {MIN_ADMIN_TOKEN_CHARS} characters")

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the gateway clock must return an aware datetime")
        return moment
