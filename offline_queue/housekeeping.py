"""The sync process's periodic work besides sending dossiers: telling the gateway the kiosk is
alive (the heartbeat, which also serves as the authentication probe), crypto-erasing delivered
dossiers past the retention period, and refreshing the reference data (catalog, calendar,
limits) the gateway publishes.

A heartbeat carries the kiosk's devices as the touchscreen app last reported them
(``dvc_common.device_report``: the app holds the devices, this process only reads its report)
and the link figures of the last hour (``offline_queue.link``). When the app's report is not
current (no report, a stale one, or its writer gone), the heartbeat says so: every device
``unknown`` and ``app_running: false``, never an old report repeated as if it were news."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dvc_common.device_report import DeviceReading, ReportState
from offline_queue.auth_probe import AuthGate
from offline_queue.records import ErrorKind, QueueStatus
from offline_queue.reference import ReferenceData
from offline_queue.store import QueueStore
from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError, HttpTransport
from offline_queue.uploading import API

log = logging.getLogger(__name__)


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


# The fields a gateway from before issue 16 does not know, and the statuses its models refuse a
# body with. Heartbeats without them are the older form every gateway takes.
NEWER_FIELDS = ("link", "app_running")
REFUSED_BODY = frozenset({400, 422})
LEGACY_RECHECK_S = 6 * 3600.0


def _lean(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in NEWER_FIELDS}


def _no_report(moment: datetime) -> DeviceReading:
    return DeviceReading(ReportState.ABSENT)


def _no_signal() -> int | None:
    return None


DeviceSource = Callable[[datetime], DeviceReading]


class Heartbeats:
    """The heartbeat request: the kiosk's identity, software and queue, its devices (``devices``
    reads the app's report at a moment) and its link (the transport's window, with ``signal``
    the Wi-Fi signal in percent)."""

    def __init__(
        self,
        store: QueueStore,
        transport: HttpTransport,
        settings: SyncSettings,
        now: Callable[[], float],
        *,
        devices: DeviceSource = _no_report,
        signal: Callable[[], int | None] = _no_signal,
    ) -> None:
        self._store = store
        self._transport = transport
        self._settings = settings
        self._now = now
        self._devices = devices
        self._signal = signal
        self.last_sent = -1e18
        self._report_state: ReportState | None = None
        self._lean_until = -1e18  # until then, heartbeats without the newer fields

    def body(self, devices: dict[str, str] | None = None) -> dict[str, Any]:
        """The heartbeat as it would be sent now; ``devices`` replaces what the app reported
        (a caller that knows better, e.g. a test)."""
        counts = self._store.counts()
        oldest = self._store.oldest_active_enqueued_at()
        reading = self._devices(datetime.fromtimestamp(self._now(), UTC))
        if reading.state is not self._report_state:  # said once per change, not per beat
            self._report_state = reading.state
            if not reading.app_running:
                log.info("the app's device report is %s: devices sent as unknown", reading.state)
        return {
            "kiosk_id": self._settings.kiosk_id,
            "at": _utc(self._now()),
            "software_version": self._settings.software_version,
            "queue": {
                "queued": counts[QueueStatus.QUEUED.value],
                "uploading": counts[QueueStatus.UPLOADING.value]
                + counts[QueueStatus.UPLOADED.value],
                "needs_attention": counts[QueueStatus.NEEDS_ATTENTION.value],
                "oldest_queued_at": _utc(oldest) if oldest else None,
            },
            "devices": devices
            if devices is not None
            else {kind.value: condition.value for kind, condition in reading.conditions().items()},
            "app_running": reading.app_running,
            "link": self._transport.link.figures(self._signal()).to_wire(),
        }

    def send(self, devices: dict[str, str] | None = None) -> GatewayError | None:
        """One heartbeat; the error when it was not accepted.

        A gateway from before the ``link`` and ``app_running`` fields refuses a body with them
        (its models forbid unknown fields): the heartbeat is then sent again without them, and
        sent so for ``LEGACY_RECHECK_S`` before the full form is tried again (the gateway may
        be upgraded meanwhile). A kiosk is upgraded apart from its province's gateway, and the
        heartbeat is also its authentication probe: it must not fail for a field."""
        body = self.body(devices)
        if self._now() < self._lean_until:
            body = _lean(body)
        try:
            self._post(body)
        except GatewayError as exc:
            if exc.status not in REFUSED_BODY or body == _lean(body):
                return exc
            try:
                self._post(_lean(body))
            except GatewayError as again:
                return again
            log.warning("the gateway refuses the heartbeat's link figures: sent without them")
            self._lean_until = self._now() + LEGACY_RECHECK_S
        self.last_sent = self._now()
        return None

    def _post(self, body: dict[str, Any]) -> None:
        self._transport.call("POST", API + "kiosks/heartbeat", json_body=body, ok=(204, 200))


class Housekeeping:
    """Erasing, heartbeats when due, reference data when due."""

    def __init__(
        self,
        store: QueueStore,
        *,
        settings: SyncSettings,
        heartbeats: Heartbeats,
        auth: AuthGate,
        reference: ReferenceData | None,
        now: Callable[[], float],
    ) -> None:
        self._store = store
        self._settings = settings
        self._heartbeats = heartbeats
        self._auth = auth
        self._reference = reference
        self._now = now
        self._last_reference = -1e18

    def heartbeat(self, devices: dict[str, str] | None = None) -> bool:
        """Tell the gateway this kiosk is alive; False when it could not be reached."""
        error = self._heartbeats.send(devices)
        if error is not None:
            if error.kind is ErrorKind.AUTH and not self._auth.standing():
                self._auth.raise_alert(error.detail)
            return False
        if self._auth.standing():
            self._auth.clear("an authenticated heartbeat was accepted")
        return True

    def run(self) -> None:
        """Periodic work: erase delivered dossiers past retention, heartbeat when due."""
        erased = self._store.erase_delivered(self._settings.retention_s)
        if erased:
            log.info("crypto-erased %d delivered dossier(s)", erased)
        if self._auth.standing():
            # While the gateway refuses the token, the probe (a heartbeat, with its backoff) is
            # the only request: anything else would be refused too, on its own schedule.
            return
        if self._now() - self._heartbeats.last_sent >= self._settings.heartbeat_s:
            self.heartbeat()
        if (
            self._reference is not None
            and self._now() - self._last_reference >= self._settings.reference_refresh_s
        ):
            try:
                self._reference.refresh()
            except GatewayError as exc:
                # The installed catalog stays in use; nothing waits for a new one.
                log.warning("reference data not refreshed: %s", exc)
            else:
                self._last_reference = self._now()
