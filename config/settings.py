"""The kiosk's typed configuration: one TOML file, validated before anything starts.

A commune technician edits this file (by hand or from the technician screen), so every mistake
must come back as a sentence naming the field and the reason, and the kiosk must refuse to start
rather than run half-configured. Secrets (the gateway token, the technician PIN hash) are
``SecretStr`` so they never reach a log line, a traceback or ``kiosk config show``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from dvc_common.atomic import write_atomic
from dvc_common.datafile import (  # settings raise the shared ConfigError
    SECRET_FIELDS,
    ConfigError,
    FieldProblem,
    describe_validation_error,
)
from dvc_common.trust import sealing_public_key, signing_public_key

SCHEMA_VERSION = 1
DEFAULT_CONFIG_PATH = Path("/etc/kiosk/kiosk.toml")
CONFIG_ENV_VAR = "KIOSK_CONFIG"
MASK = "********"

# A migration upgrades the raw TOML table of version N to version N + 1. Keeping them as plain
# functions over dicts means old files are upgraded before validation ever sees them.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: Mapping[int, Migration] = {}


class Language(StrEnum):
    """Languages the citizen screens can be shown in; Vietnamese is always the default."""

    VI = "vi"
    EN = "en"


class _Section(BaseModel):
    # Unknown keys are errors: a misspelt key silently ignored is a setting silently not applied.
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskSection(_Section):
    id: str = Field(
        default="KIOSK01",
        pattern=r"^[A-Z0-9]{2,12}$",
        description="Kiosk identifier (upper-case letters and digits); prefix of receipt numbers.",
    )
    location: str = Field(
        default="Bộ phận Một cửa", max_length=120, description="Where the kiosk stands."
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="IANA time zone for dates.")
    language: Language = Field(default=Language.VI, description="Default screen language.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class AgencySection(_Section):
    name: str = Field(
        default="Ủy ban nhân dân xã Mẫu",
        min_length=3,
        max_length=120,
        description="Receiving agency printed on the slip.",
    )
    parent: str = Field(
        default="Ủy ban nhân dân tỉnh Mẫu",
        max_length=120,
        description="Governing body printed above the agency.",
    )
    unit: str = Field(
        default="Bộ phận Một cửa", max_length=120, description="Receiving unit inside the agency."
    )
    unit_code: str = Field(
        default="H00.00.00",
        pattern=r"^[A-Z0-9]+(\.[0-9A-Z]+)*$",
        description="Unit identifier code used in official dossier codes.",
    )
    address: str = Field(
        default="",
        max_length=200,
        description="Address of the office, printed on the slip under its name when set.",
    )
    hotline: str = Field(
        default="1900 0000", pattern=r"^[0-9 +().-]{3,20}$", description="Help line on the slip."
    )
    # The catalog's result_place is the same generic phrase for every commune ("Bộ phận Một cửa,
    # Ủy ban nhân dân cấp xã"); the citizen needs the name of the door to walk to.
    office: str = Field(
        default="Bộ phận Một cửa, Ủy ban nhân dân xã Mẫu",
        min_length=3,
        max_length=160,
        description="The office's own name, printed on the slip where the result is collected.",
    )
    office_hours: str = Field(
        default=(
            "Sáng từ 7 giờ 30 đến 11 giờ 30, chiều từ 13 giờ 30 đến 17 giờ, từ thứ Hai đến thứ Sáu"
        ),
        min_length=5,
        max_length=200,
        description=(
            "When the office receives people, in plain Vietnamese; printed with the "
            "appointment date on the slip."
        ),
    )

    @field_validator("office", "office_hours")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # Spaces pass a length check but print as nothing where the citizen looks for the answer.
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class SessionSection(_Section):
    idle_warning_after_s: int = Field(
        default=90,
        ge=15,
        le=900,
        description="Quiet seconds before the 'are you still there?' warning.",
    )
    idle_countdown_s: int = Field(
        default=30,
        ge=5,
        le=300,
        description="Seconds the warning counts down before the session is wiped.",
    )
    help_wait_s: int = Field(
        default=300,
        ge=30,
        le=1800,
        description="Quiet seconds tolerated while the citizen waits for staff they called.",
    )
    reading_idle_s: int = Field(
        default=180,
        ge=15,
        le=900,
        description=(
            "Quiet seconds before the warning on the screens that are read at length (the "
            "procedure's papers, the review): an elderly reader needs two minutes there."
        ),
    )


class GatewaySection(_Section):
    url: str = Field(
        default="http://127.0.0.1:8765",
        description="Public-service gateway base URL; https unless on this machine.",
    )
    token: SecretStr = Field(
        default=SecretStr(""), description="Per-kiosk bearer token issued at enrolment."
    )
    ca_file: Path | None = Field(
        default=None, description="Extra CA bundle for the gateway's TLS certificate."
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, le=60)
    read_timeout_s: float = Field(default=20.0, gt=0, le=300)
    proxy: str = Field(
        default="",
        max_length=300,
        description="HTTP(S) proxy for reaching the gateway (http://host:port); empty: none.",
    )
    signing_key: str = Field(
        default="",
        max_length=80,
        description=(
            "The gateway's Ed25519 public key (ed25519:…), received at enrolment: technician "
            "badges are verified against it offline."
        ),
    )
    sealing_key: str = Field(
        default="",
        max_length=80,
        description=(
            "The gateway's X25519 public key (x25519:…), received at enrolment: a USB export of "
            "unsent dossiers is encrypted to it."
        ),
    )

    @field_validator("signing_key")
    @classmethod
    def _signing_key(cls, value: str) -> str:
        if value:
            signing_public_key(value)  # TrustError is a ValueError: named by field
        return value

    @field_validator("sealing_key")
    @classmethod
    def _sealing_key(cls, value: str) -> str:
        if value:
            sealing_public_key(value)
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str) -> str:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError("must be an http(s)://host:port URL")
        return value

    @field_validator("url")
    @classmethod
    def _verified_transport(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            # Personal data leaves the kiosk only over verified TLS.
            raise ValueError("must use https unless the gateway runs on this machine")
        return value.rstrip("/")


class TechnicianSection(_Section):
    pin_hash: SecretStr = Field(
        default=SecretStr(""),
        description="scrypt hash of the technician PIN (set with `kiosk config set-pin`).",
    )
    quiet_lock_s: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="Quiet seconds after which technician mode locks itself.",
    )
    max_pin_tries: int = Field(
        default=5, ge=3, le=10, description="Wrong PINs in a row before entry is locked."
    )
    lockout_s: int = Field(
        default=900,
        ge=60,
        le=86_400,
        description="How long entry stays locked after too many wrong PINs (kept across restarts).",
    )


class PathsSection(_Section):
    data_dir: Path = Field(
        default=Path("/var/lib/kiosk"), description="Durable data: queue, counters, keys."
    )
    scratch_dir: Path = Field(
        default=Path("/run/kiosk"),
        description="Unfinished sessions' scans; tmpfs on the appliance so power loss erases it.",
    )
    catalog_dir: Path | None = Field(
        default=None, description="Procedure catalog directory; the bundled sample if unset."
    )
    calendar_overrides: Path | None = Field(
        default=None, description="Days-off override file; the bundled one if unset."
    )
    usb_dir: Path | None = Field(
        default=None,
        description=(
            "A folder standing in for the technician's USB stick (the demo, tests). Unset on "
            "the appliance: exports go to the first USB stick found and mounted."
        ),
    )


class QueueSection(_Section):
    master_key_file: Path | None = Field(
        default=None,
        description="Master key that wraps every dossier key (0600); data_dir/master.key if unset.",
    )
    retention_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="Days a dossier acknowledged by the gateway stays on the kiosk before erasure.",
    )
    min_free_mb: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Free space kept in reserve; enqueueing refuses rather than fill the disk.",
    )


class SyncSection(_Section):
    backoff_base_s: float = Field(
        default=2.0, gt=0, le=600, description="First retry delay (doubles with each failure)."
    )
    backoff_cap_s: float = Field(
        default=600.0, gt=0, le=86_400, description="Longest delay between retries."
    )
    heartbeat_s: float = Field(default=300.0, ge=10, le=86_400)
    chunk_min_kb: int = Field(default=16, ge=4, le=1024, description="Smallest upload chunk.")
    chunk_max_kb: int = Field(default=1024, ge=16, le=16_384, description="Largest upload chunk.")
    target_chunk_s: float = Field(
        default=4.0,
        gt=0,
        le=60,
        description="Chunks are sized to take about this long on the measured link.",
    )


class QrDriver(StrEnum):
    FAKE = "fake"  # scripted payloads; the demo and tests
    CAMERA = "camera"  # OpenCV capture + pyzbar / zxing-cpp
    SERIAL = "serial"  # dedicated scanner module on USB-serial
    KEYBOARD = "keyboard"  # dedicated scanner module as a USB keyboard (evdev)
    SIMULATED = "simulated"  # supplied by the demo tooling (drivers.simulated)


class QrDecoder(StrEnum):
    PIPELINE = "pipeline"  # both decoders, the measured best first
    PYZBAR = "pyzbar"
    ZXING = "zxing"


class ScannerDriver(StrEnum):
    FAKE = "fake"
    SANE = "sane"
    SIMULATED = "simulated"  # supplied by the demo tooling (drivers.simulated)


class ScanSource(StrEnum):
    FEEDER = "feeder"
    FLATBED = "flatbed"
    DUPLEX = "duplex"


class ColorMode(StrEnum):
    GRAY = "gray"
    COLOR = "color"


class PrinterDriver(StrEnum):
    FAKE = "fake"  # writes PNG and ESC/POS bytes into a folder
    USB = "usb"
    SERIAL = "serial"
    NETWORK = "network"
    FILE = "file"  # a device file such as /dev/usb/lp0


class QrSection(_Section):
    driver: QrDriver = QrDriver.FAKE
    decoder: QrDecoder = QrDecoder.PIPELINE
    camera_index: int = Field(default=0, ge=0, le=16)
    camera_width: int = Field(default=1280, ge=320, le=3840)
    camera_height: int = Field(default=720, ge=240, le=2160)
    camera_exposure: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Manual exposure in the camera's units (V4L2: 100 µs); unset: automatic.",
    )
    camera_focus: int | None = Field(
        default=None, ge=0, le=1023, description="Manual focus (0 = far); unset: autofocus."
    )
    serial_port: str = Field(default="/dev/ttyACM0", max_length=200)
    baudrate: int = Field(default=9600, ge=1200, le=921_600)
    keyboard_device: str = Field(default="", max_length=300, description="evdev path")
    read_timeout_s: float = Field(default=2.0, gt=0, le=30)


class ScannerSection(_Section):
    driver: ScannerDriver = ScannerDriver.FAKE
    device: str = Field(default="", max_length=200, description="SANE name; first found if empty")
    source: ScanSource = ScanSource.FEEDER
    resolution_dpi: int = Field(default=200, ge=75, le=600)
    mode: ColorMode = ColorMode.GRAY
    check_documents: bool = Field(
        default=True,
        description=(
            "Read each scanned document's title and warn when it is not the one asked for"
            " (with a real scanner: the fake and simulated ones feed sample pages)"
        ),
    )


class PrinterSection(_Section):
    driver: PrinterDriver = PrinterDriver.FAKE
    profile: str = Field(default="TM-T20II", max_length=60, description="python-escpos profile")
    usb_vendor_id: int = Field(default=0x04B8, ge=0, le=0xFFFF)
    usb_product_id: int = Field(default=0x0E15, ge=0, le=0xFFFF)
    serial_port: str = Field(default="/dev/ttyUSB0", max_length=200)
    baudrate: int = Field(default=38_400, ge=1200, le=921_600)
    host: str = Field(default="127.0.0.1", max_length=200)
    port: int = Field(default=9100, ge=1, le=65_535)
    path: Path = Field(default=Path("/var/lib/kiosk/slips"), description="file/fake output")
    copies: int = Field(default=1, ge=1, le=2, description="2 prints a second copy")
    text_mode: bool = Field(
        default=False, description="Print text with a Vietnamese code page (if the profile has one)"
    )


class DevicesSection(_Section):
    qr: QrSection = QrSection()
    scanner: ScannerSection = ScannerSection()
    printer: PrinterSection = PrinterSection()


class Settings(_Section):
    schema_version: int = Field(default=SCHEMA_VERSION, description="Version of this file.")
    kiosk: KioskSection = KioskSection()
    agency: AgencySection = AgencySection()
    session: SessionSection = SessionSection()
    gateway: GatewaySection = GatewaySection()
    technician: TechnicianSection = TechnicianSection()
    paths: PathsSection = PathsSection()
    queue: QueueSection = QueueSection()
    sync: SyncSection = SyncSection()
    devices: DevicesSection = DevicesSection()

    @property
    def master_key_path(self) -> Path:
        return self.queue.master_key_file or self.paths.data_dir / "master.key"

    @field_validator("schema_version")
    @classmethod
    def _current_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"must be {SCHEMA_VERSION} after migration, got {value}")
        return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def migrate(
    raw: dict[str, Any], migrations: Mapping[int, Migration] = MIGRATIONS
) -> dict[str, Any]:
    """Upgrade a raw config table to the current schema version."""
    version = raw.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigError("", [FieldProblem("schema_version", "must be a positive integer")])
    if version > SCHEMA_VERSION:
        raise ConfigError(
            "",
            [
                FieldProblem(
                    "schema_version",
                    f"{version} is newer than this kiosk software understands "
                    f"({SCHEMA_VERSION}); upgrade the software",
                )
            ],
        )
    while version < SCHEMA_VERSION:
        step = migrations.get(version)
        if step is None:
            raise ConfigError(
                "", [FieldProblem("schema_version", f"no migration from version {version}")]
            )
        raw = step(dict(raw))
        version += 1
        raw["schema_version"] = version
    return raw


def parse_settings(
    text: str, source: str = "<text>", migrations: Mapping[int, Migration] = MIGRATIONS
) -> Settings:
    """Parse, migrate and validate config text; raises ConfigError naming every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [FieldProblem("", f"not valid TOML: {exc}")]) from None
    try:
        raw = migrate(raw, migrations)
    except ConfigError as exc:
        raise ConfigError(source, exc.problems) from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, describe_validation_error(exc, raw)) from None


def load_settings(path: Path, migrations: Mapping[int, Migration] = MIGRATIONS) -> Settings:
    """Read and validate a config file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), [FieldProblem("", f"cannot read: {exc.strerror}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(str(path), [FieldProblem("", "not UTF-8 text")]) from None
    return parse_settings(text, str(path), migrations)


def resolve_config_path(explicit: Path | None) -> Path | None:
    """The config file to use: the one named, else $KIOSK_CONFIG, else /etc, else none."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV_VAR)
    if from_env:
        return Path(from_env)
    if DEFAULT_CONFIG_PATH.exists():
        return DEFAULT_CONFIG_PATH
    return None


def load_effective(explicit: Path | None) -> tuple[Settings, Path | None]:
    """Settings from the resolved file, or the built-in defaults when there is none."""
    path = resolve_config_path(explicit)
    if path is None:
        return Settings(), None
    return load_settings(path), path


def _plain(settings: Settings, *, reveal_secrets: bool) -> dict[str, Any]:
    data = settings.model_dump(mode="json", exclude_none=True)
    for section in data.values():
        if not isinstance(section, dict):
            continue
        for key in SECRET_FIELDS & section.keys():
            if reveal_secrets:
                continue
            section[key] = MASK if section[key] else "(not set)"
    if reveal_secrets:
        data["gateway"]["token"] = settings.gateway.token.get_secret_value()
        data["technician"]["pin_hash"] = settings.technician.pin_hash.get_secret_value()
    return data


def settings_for_display(settings: Settings) -> dict[str, Any]:
    """A JSON-able view of the settings with every secret masked."""
    return _plain(settings, reveal_secrets=False)


def dump_settings(settings: Settings) -> str:
    """TOML text for the settings, secrets included (for writing the file only)."""
    return tomli_w.dumps(_plain(settings, reveal_secrets=True))


def save_settings(settings: Settings, path: Path) -> None:
    """Write the settings atomically; mode 0600 because the file holds the gateway token."""
    write_atomic(path, dump_settings(settings).encode("utf-8"), mode=0o600)


# --- technician PIN -----------------------------------------------------------------------------

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def validate_pin(pin: str) -> None:
    """A technician PIN is 6 to 12 digits."""
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 12):
        raise ValueError("the PIN must be 6 to 12 digits")


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """scrypt hash of a PIN, self-describing so the parameters can change later."""
    validate_pin(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    enc = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches a hash made by :func:`hash_pin`."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
        actual = hashlib.scrypt(pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def with_pin(settings: Settings, pin: str) -> Settings:
    """A copy of the settings with a new technician PIN."""
    technician = TechnicianSection(pin_hash=SecretStr(hash_pin(pin)))
    return settings.model_copy(update={"technician": technician})
