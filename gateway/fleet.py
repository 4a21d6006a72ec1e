"""What a kiosk's last heartbeat says, read once for everything that shows the fleet (the
console's kiosks page, ``/metrics``).

The store keeps the heartbeat body as the kiosk sent it; a kiosk of an older version may leave
fields out, so each is read defensively: a missing or ill-typed field is None (or empty), never
an error on a page or a scrape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dvc_common.protocol import LinkQuality
from gateway.store import HeartbeatRecord

DEVICE_READY = "ok"  # a device the kiosk reports ready; anything else is worth a look
QUEUE_STATES = ("queued", "uploading", "needs_attention")


def _moment(value: object) -> datetime | None:
    """An aware time from ISO text (or a datetime), or None for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Below these a link is weak, and further below poor. A failure is a request that got no answer
# at all (time-out, refused, reset); an HTTP error is an answer. Ratios are judged only over
# enough requests that one lost packet does not condemn a quiet kiosk.
_WEAK_SIGNAL, _POOR_SIGNAL = 50, 30  # percent, as NetworkManager reports it
_WEAK_RTT_MS, _POOR_RTT_MS = 800, 2000
_WEAK_FAILURES, _POOR_FAILURES = 0.05, 0.20
_MIN_REQUESTS = 5


@dataclass(frozen=True)
class LinkReport:
    """A heartbeat's ``link`` object: the kiosk's view of its connection over the last hour.

    ``{"signal_percent": 0..100 | null, "rtt_ms": int | null, "requests": int, "failures": int}``:
    the Wi-Fi signal (null on a wired link or when unknown), the median round trip of the
    gateway requests that were answered, how many requests were tried and how many got no answer.
    """

    signal_percent: int | None = None
    rtt_ms: int | None = None
    requests: int | None = None
    failures: int | None = None

    @classmethod
    def of(cls, value: object) -> LinkReport:
        if not isinstance(value, dict):
            return cls()
        return cls(
            signal_percent=_count(value.get("signal_percent")),
            rtt_ms=_count(value.get("rtt_ms")),
            requests=_count(value.get("requests")),
            failures=_count(value.get("failures")),
        )

    @property
    def failure_ratio(self) -> float | None:
        if self.requests is None or self.failures is None or self.requests < _MIN_REQUESTS:
            return None
        return min(1.0, self.failures / self.requests)

    @property
    def quality(self) -> LinkQuality:
        ratio = self.failure_ratio
        if self.signal_percent is None and self.rtt_ms is None and ratio is None:
            return LinkQuality.UNKNOWN
        if (
            (self.signal_percent is not None and self.signal_percent < _POOR_SIGNAL)
            or (self.rtt_ms is not None and self.rtt_ms > _POOR_RTT_MS)
            or (ratio is not None and ratio >= _POOR_FAILURES)
        ):
            return LinkQuality.POOR
        if (
            (self.signal_percent is not None and self.signal_percent < _WEAK_SIGNAL)
            or (self.rtt_ms is not None and self.rtt_ms > _WEAK_RTT_MS)
            or (ratio is not None and ratio >= _WEAK_FAILURES)
        ):
            return LinkQuality.WEAK
        return LinkQuality.GOOD


@dataclass(frozen=True)
class KioskReport:
    """One kiosk's last heartbeat: when the gateway received it, and what the kiosk said."""

    kiosk_id: str
    received_at: datetime  # the gateway's clock
    sent_at: datetime | None  # the kiosk's clock
    software_version: str | None
    outbox: dict[str, int | None]  # by QUEUE_STATES
    oldest_queued_at: datetime | None
    devices: dict[str, str] = field(default_factory=dict)
    link: LinkReport = field(default_factory=LinkReport)
    app_running: bool | None = None
    """Whether the kiosk's touchscreen app had reported its devices recently; None from a kiosk
    that does not say (an older version). When False, ``devices`` are all unknown."""

    @classmethod
    def of(cls, beat: HeartbeatRecord) -> KioskReport:
        body = beat.body
        queue = body.get("queue")
        queue = queue if isinstance(queue, dict) else {}
        devices = body.get("devices")
        version = body.get("software_version")
        return cls(
            kiosk_id=beat.kiosk_id,
            received_at=beat.received_at,
            sent_at=_moment(body.get("at")),
            software_version=version if isinstance(version, str) else None,
            outbox={state: _count(queue.get(state)) for state in QUEUE_STATES},
            oldest_queued_at=_moment(queue.get("oldest_queued_at")),
            devices={str(k): str(v) for k, v in sorted(devices.items())}
            if isinstance(devices, dict)
            else {},
            link=LinkReport.of(body.get("link")),
            app_running=running if isinstance(running := body.get("app_running"), bool) else None,
        )

    @property
    def clock_skew(self) -> timedelta | None:
        """The kiosk's clock minus the gateway's, at the heartbeat."""
        return None if self.sent_at is None else self.sent_at - self.received_at

    @property
    def device_problems(self) -> dict[str, str]:
        """The devices not ready, with what the kiosk said of each."""
        return {name: status for name, status in self.devices.items() if status != DEVICE_READY}
