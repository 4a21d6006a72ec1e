"""The authentication stop: when the gateway refuses the kiosk's token, syncing stops and a
technician alert stands until it is lifted, and this module times the probes that lift it.

The alert clears itself when the gateway address or token differs from the one it was raised
with, or when a periodic authenticated probe (a heartbeat) is accepted. Probes back off
exponentially after each refusal (``auth_probe_base_s`` doubling up to ``auth_probe_cap_s``); a
probe that gets no verdict at all (the link dropped) is retried on the link's backoff instead.
The probe record lives in the store's status table, so a restart keeps its schedule; a new
process probes once at once, since the token may have been fixed while it was down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline_queue.records import AlertKind, ErrorKind
from offline_queue.scheduling import LinkPacing, PassReport
from offline_queue.store import QueueStore
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError

log = logging.getLogger(__name__)

AUTH_STATUS_KEY = "sync.auth"


@dataclass(frozen=True)
class AuthProbe:
    """The standing authentication alert, as the engine keeps it in the store's status table:
    with which credentials it was raised, how many probes failed since, when the next is due."""

    fingerprint: str
    probes: int
    next_at: float

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> AuthProbe | None:
        if not data or not isinstance(data.get("fingerprint"), str):
            return None
        try:
            return cls(str(data["fingerprint"]), int(data["probes"]), float(data["next_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "probes": self.probes, "next_at": self.next_at}


class AuthGate:
    """Whether syncing may go on, and the alert and probes while it may not."""

    def __init__(
        self,
        store: QueueStore,
        settings: SyncSettings,
        pacing: LinkPacing,
        *,
        credentials: Callable[[], str],
        probe: Callable[[], GatewayError | None],
        now: Callable[[], float],
    ) -> None:
        self._store = store
        self._settings = settings
        self._pacing = pacing
        self._credentials = credentials
        self._probe = probe
        self._now = now
        self.probed = False  # whether this process has checked a standing auth alert

    def standing(self) -> bool:
        return AlertKind.AUTH in self._store.alerts()

    def next_probe_at(self) -> float:
        """When the standing alert is next probed (now, for a process that has not yet)."""
        probe = AuthProbe.load(self._store.read_status(AUTH_STATUS_KEY))
        if probe is None or probe.fingerprint != self._credentials() or not self.probed:
            return self._now()
        return probe.next_at

    def allows(self, report: PassReport) -> bool:
        """Whether syncing may go on. While an authentication alert stands, it is cleared when
        the gateway address or token differs from the one it was raised with, or when a probe
        (due now, or at once after a restart) is accepted; otherwise the pass stops."""
        if not self.standing():
            return True
        current = self._credentials()
        probe = AuthProbe.load(self._store.read_status(AUTH_STATUS_KEY))
        if probe is not None and probe.fingerprint != current:
            self.clear("the gateway address or token changed")
            return True
        if probe is None:
            # Raised without a record of its credentials (by an earlier version, or another
            # process): take it as raised with these, and let a probe decide.
            probe = AuthProbe(current, 0, self._now())
        if self.probed and self._now() < probe.next_at:
            report.stopped_by = ErrorKind.AUTH
            return False
        self.probed = True
        error = self._probe()
        if error is None:
            self._pacing.succeeded()
            self.clear("an authenticated probe was accepted")
            return True
        if error.kind is not ErrorKind.AUTH:
            # No verdict on the token (the link dropped, the gateway is down or answered
            # garbage): not a refusal, so the probe backoff stays; probe again on the link's.
            next_at = self._now() + self._pacing.no_verdict(error.retry_after)
            self._store.publish_status(
                AUTH_STATUS_KEY, AuthProbe(current, probe.probes, next_at).to_json()
            )
            log.info("authentication probe got no verdict (%s); next soon", error.detail)
            report.stopped_by = ErrorKind.TRANSIENT
            return False
        probes = probe.probes + 1
        next_at = self._now() + self._probe_delay(probes)
        self._store.publish_status(AUTH_STATUS_KEY, AuthProbe(current, probes, next_at).to_json())
        log.info(
            "authentication probe %d refused (%s); next in %.0f s",
            probes,
            error.detail,
            next_at - self._now(),
        )
        report.stopped_by = ErrorKind.AUTH
        return False

    def _probe_delay(self, probes: int) -> float:
        """Seconds to the next probe after ``probes`` refused ones: base·2ⁿ, capped."""
        settings = self._settings
        delay = settings.auth_probe_base_s * 2 ** min(probes, 30)
        return float(min(settings.auth_probe_cap_s, delay))

    def raise_alert(self, detail: str) -> None:
        """The gateway refused the credentials: stop, and schedule the first probe."""
        self._store.raise_alert(AlertKind.AUTH, detail)
        probe = AuthProbe(self._credentials(), 0, self._now() + self._probe_delay(0))
        self._store.publish_status(AUTH_STATUS_KEY, probe.to_json())
        # The refusal itself was this process's check of these credentials.
        self.probed = True

    def clear(self, why: str) -> None:
        self._store.clear_alert(AlertKind.AUTH)
        self._store.publish_status(AUTH_STATUS_KEY, {"cleared_at": self._now(), "why": why})
        log.info("authentication alert cleared: %s; syncing resumes", why)
