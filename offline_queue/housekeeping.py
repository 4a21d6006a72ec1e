"""The sync process's periodic work besides sending dossiers: telling the gateway the kiosk is
alive (the heartbeat, which also serves as the authentication probe), crypto-erasing delivered
dossiers past the retention period, and refreshing the reference data (catalog, calendar,
limits) the gateway publishes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

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


class Heartbeats:
    """The heartbeat request: the kiosk's identity, software and queue, and its devices."""

    def __init__(
        self,
        store: QueueStore,
        transport: HttpTransport,
        settings: SyncSettings,
        now: Callable[[], float],
    ) -> None:
        self._store = store
        self._transport = transport
        self._settings = settings
        self._now = now
        self.last_sent = -1e18

    def _body(self, devices: dict[str, str] | None) -> dict[str, Any]:
        counts = self._store.counts()
        oldest = self._store.oldest_active_enqueued_at()
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
            "devices": devices or {},
        }

    def send(self, devices: dict[str, str] | None = None) -> GatewayError | None:
        """One heartbeat; the error when it was not accepted."""
        try:
            self._transport.call(
                "POST",
                API + "kiosks/heartbeat",
                json_body=self._body(devices),
                ok=(204, 200),
            )
        except GatewayError as exc:
            return exc
        self.last_sent = self._now()
        return None


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
