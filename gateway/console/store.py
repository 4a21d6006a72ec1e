"""What the fleet console keeps: staff accounts, their sessions, the log-in throttle and the
console's own audit log; the ``ConsoleStore`` Protocol, its records and its errors.

Two backends keep the contract (``tests/gateway/test_console_store_contract.py``): SQLite, in the
gateway's own ``gateway.sqlite3`` (``gateway.console.store_sqlite``), and PostgreSQL, in the
province's database beside the gateway's tables (``gateway.console.store_postgres``; the tables
come from the Alembic revision ``r0002_console``). ``gateway.console.open_console_store`` picks
the one that matches the gateway's own ``Store``.

Nothing secret is kept in a usable form: a password as its scrypt hash
(``gateway.console.passwords``), a session as the SHA-256 of its cookie. Policy (how long a
session lives, how many failures lock an account) belongs to the caller, which passes the
numbers in; every method is one short atomic step, so two replicas counting failures of one
account at the same moment count both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, Self

from gateway.store import StoreError


class StaffRole(StrEnum):
    """What a member of staff may do; the permission table is ``gateway.console``'s."""

    PROVINCE_ADMIN = "province_admin"
    DISTRICT_TECHNICIAN = "district_technician"
    COMMUNE_STAFF = "commune_staff"


class ConsoleAction(StrEnum):
    """What an audit entry records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    STATUS_CHANGE = "status_change"
    CSRF_REFUSED = "csrf_refused"
    STAFF_ADD = "staff_add"
    STAFF_PASSWORD = "staff_password"  # noqa: S105 (an action's name, no password)
    STAFF_DISABLE = "staff_disable"
    STAFF_ENABLE = "staff_enable"
    PUBLISH_CATALOG = "publish_catalog"
    PUBLISH_CALENDAR = "publish_calendar"
    IMPORT_USB = "import_usb"
    ENROLMENT_CODE_ISSUE = "enrolment_code_issue"
    ENROLMENT_CODE_REVOKE = "enrolment_code_revoke"
    KIOSK_TOKEN_REVOKE = "kiosk_token_revoke"  # noqa: S105 (an action's name, no token)
    BADGE_ISSUE = "badge_issue"


class Outcome(StrEnum):
    """How an audited action ended."""

    SUCCESS = "success"
    FAILURE = "failure"  # wrong password, unknown account, a status change the dossier refused
    REFUSED = "refused"  # not allowed: locked account, stale form, a role without the right


class StaffExistsError(StoreError):
    """An account with this username exists already."""


@dataclass(frozen=True)
class StaffRecord:
    username: str
    full_name: str
    role: StaffRole
    unit_prefix: str
    """The unit code (``H15``, ``H15.50``, ``H15.50.05.13``) whose units the account covers."""
    password_hash: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in session; the cookie's token itself is never kept, only its SHA-256."""

    token_sha256: str
    username: str
    csrf_token: str
    """The synchronizer token every form of this session carries; useless without the cookie."""
    created_at: datetime
    last_seen: datetime


@dataclass(frozen=True)
class NewAuditEntry:
    """One thing done in the console (or by a ``staff`` command)."""

    at: datetime
    actor: str
    """The username, or ``CLI_ACTOR`` for a command run on the server; for a failed log-in the
    account named when it exists, ``UNKNOWN_ACTOR`` when it does not (a username typed wrong is
    often a password typed in the wrong box)."""
    action: ConsoleAction
    unit_code: str | None
    target: str | None
    """The dossier's official code (or receipt number), or the account changed."""
    outcome: Outcome
    detail: str
    """A short note in Vietnamese (statuses, reasons); never personal data."""


@dataclass(frozen=True)
class AuditEntry(NewAuditEntry):
    seq: int


CLI_ACTOR = "(dòng lệnh)"
UNKNOWN_ACTOR = "(không rõ)"


def throttle_key(username: str) -> str:
    """What the log-in throttle is keyed by: the SHA-256 of the name typed, not the name, since
    what people type in the username box is now and then their password."""
    return hashlib.sha256(f"console-login\0{username}".encode()).hexdigest()


def address_throttle_key(address: str) -> str:
    """What the per-address log-in throttle is keyed by: the SHA-256 of the client's address
    (kept as a digest: an address is personal data in a log-in table)."""
    return hashlib.sha256(f"console-login-address\0{address}".encode()).hexdigest()


def in_scope(prefix: str, unit_code: str) -> bool:
    """Whether ``unit_code`` is the unit ``prefix`` names or one under it."""
    return unit_code == prefix or unit_code.startswith(prefix + ".")


class ConsoleStore(Protocol):
    """The console's records, whichever database holds them. Times come back as the aware
    datetimes given (the instant at least; PostgreSQL answers in UTC)."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # --- staff ----------------------------------------------------------------------------------

    def add_staff(
        self,
        *,
        username: str,
        full_name: str,
        role: StaffRole,
        unit_prefix: str,
        password_hash: str,
        now: datetime,
    ) -> StaffRecord:
        """A new, enabled account; StaffExistsError if the username is taken."""
        ...

    def staff(self, username: str) -> StaffRecord | None: ...

    def all_staff(self) -> list[StaffRecord]:
        """Every account, by username."""
        ...

    def set_password(self, username: str, password_hash: str) -> bool:
        """Replace the hash; False if there is no such account."""
        ...

    def set_staff_enabled(self, username: str, enabled: bool) -> bool:
        """Enable or disable an account (disabling also ends its sessions); False if none."""
        ...

    # --- log-in throttle ------------------------------------------------------------------------

    def locked_until(self, username: str, now: datetime) -> datetime | None:
        """When the lock on this username ends, if it is locked at ``now``. (The console
        passes ``throttle_key(username)``, the store keeps whatever key it is given.)"""
        ...

    def login_failed(
        self,
        username: str,
        *,
        now: datetime,
        threshold: int,
        lock_for: timedelta,
        window: timedelta | None = None,
    ) -> datetime | None:
        """Count one failed log-in for ``username`` (an account or not: an unknown name is
        throttled the same way, so the answers do not tell which exist). The ``threshold``-th
        failure locks it until ``now + lock_for`` and starts the count again; returns the
        lock's end when this failure locked it. Without ``window`` the failures count until a
        lock or ``login_succeeded``; with it, a count whose first failure is ``window`` old or
        older starts again (a fixed window, from the first failure of the count).

        The key may be anything: the console passes ``throttle_key(name)`` and
        ``address_throttle_key(address)``."""
        ...

    def purge_login_throttle(self, *, counted_before: datetime, now: datetime) -> int:
        """Forget the counts begun before ``counted_before`` whose lock (if any) has ended at
        ``now``: names typed once and never again, addresses long quiet. How many went."""
        ...

    def login_succeeded(self, username: str) -> None:
        """Forget the failures counted for ``username``."""
        ...

    # --- sessions -------------------------------------------------------------------------------

    def create_session(
        self, *, token_sha256: str, username: str, csrf_token: str, now: datetime
    ) -> SessionRecord: ...

    def session(self, token_sha256: str) -> SessionRecord | None: ...

    def touch_session(self, token_sha256: str, now: datetime) -> None:
        """Record activity (the idle expiry counts from the last)."""
        ...

    def delete_session(self, token_sha256: str) -> None: ...

    def delete_sessions_of(self, username: str) -> int:
        """End every session of an account; how many there were."""
        ...

    def delete_stale_sessions(self, *, idle_since: datetime, created_before: datetime) -> int:
        """Drop sessions idle since before ``idle_since`` or created before
        ``created_before``; how many."""
        ...

    # --- audit ----------------------------------------------------------------------------------

    def add_audit(self, entry: NewAuditEntry) -> None: ...

    def audit_entries(
        self, *, unit_prefix: str | None, limit: int, offset: int = 0
    ) -> list[AuditEntry]:
        """Newest first: every entry (``unit_prefix`` None) or those of units in the prefix's
        scope together with those of no unit (log-ins, account changes)."""
        ...
