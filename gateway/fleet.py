"""What a kiosk's last heartbeat says, read once for everything that shows the fleet (the
console's kiosks page, ``/metrics``).

The store keeps the heartbeat body as the kiosk sent it; a kiosk of an older version may leave
fields out, so each is read defensively: a missing or ill-typed field is None (or empty), never
an error on a page or a scrape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
        )

    @property
    def clock_skew(self) -> timedelta | None:
        """The kiosk's clock minus the gateway's, at the heartbeat."""
        return None if self.sent_at is None else self.sent_at - self.received_at

    @property
    def device_problems(self) -> dict[str, str]:
        """The devices not ready, with what the kiosk said of each."""
        return {name: status for name, status in self.devices.items() if status != DEVICE_READY}
