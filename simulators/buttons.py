"""Buttons for the simulated devices of the demo: "hold up the sample citizen's VNeID code",
"hold up the slip just printed" and "read the SMS" (the reference gateway writes the one-time
codes it would text into an outbox file). Shown only when the QR reader is the fake; a kiosk
with real devices never shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from drivers.qr.camera import CameraQrReader
from drivers.qr.fake import FakeFrameSource, FakeQrReader
from kiosk.journey import Snapshot, State
from kiosk.slip import qr_payload
from simulators.people import sample_person
from simulators.qr_scenes import Condition, Severity, photo, scene_for

SHOW_FOR_MS = 2500  # how long the simulated citizen holds the code in front of the camera


class Simulator(QObject):
    changed = Signal()

    def __init__(self, reader: object, sms_outbox: Path | None = None) -> None:
        super().__init__()
        self._reader = reader if isinstance(reader, FakeQrReader) else None
        # A camera reader looking at a simulated scene: "holding up a code" puts a photo of it
        # in front of the camera for a few seconds, and the real decoders read it.
        self._scene: FakeFrameSource | None = None
        if isinstance(reader, CameraQrReader) and isinstance(reader.source, FakeFrameSource):
            self._scene = reader.source
        self._shown = 0
        self._last_code: str | None = None
        self._sms_outbox = sms_outbox
        self._last_sms = ""

    def observe(self, snapshot: Snapshot) -> None:
        """Remember the last dossier code shown, as the slip in the citizen's hand would; and
        lower the phone once the kiosk has moved past the QR screen."""
        if self._scene is not None and snapshot.state not in (State.IDENTIFY, State.ATTRACT):
            self._scene.show(None)
        if snapshot.dossier is not None and snapshot.dossier.display_code != self._last_code:
            self._last_code = snapshot.dossier.display_code
            self.changed.emit()

    def _present(self, payload: bytes) -> None:
        if self._reader is not None:
            self._reader.forget_repeats()
            self._reader.present(payload)
        elif self._scene is not None:
            self._shown += 1
            rng = np.random.default_rng(self._shown)
            self._scene.show(photo(payload, scene_for(Condition.CLEAN, Severity.MILD, rng), rng))
            QTimer.singleShot(SHOW_FOR_MS, lambda shown=self._shown: self._take_away(shown))

    def _take_away(self, shown: int) -> None:
        if self._scene is not None and shown == self._shown:
            self._scene.show(None)

    @Slot()
    def presentIdentity(self) -> None:
        self._present(sample_person().payload())

    @Slot()
    def presentLastSlip(self) -> None:
        if self._last_code is not None:
            self._present(qr_payload(self._last_code).encode("utf-8"))

    @Slot()
    def readSms(self) -> None:
        """The newest one-time code the gateway "sent", as the citizen's phone would show it."""
        self._last_sms = ""
        if self._sms_outbox is not None:
            try:
                lines = self._sms_outbox.read_text(encoding="utf-8").splitlines()
                self._last_sms = str(json.loads(lines[-1])["code"]) if lines else ""
            except (OSError, ValueError, KeyError):
                self._last_sms = ""
        self.changed.emit()

    def _last_sms_get(self) -> str:
        return self._last_sms

    def _enabled(self) -> bool:
        return self._reader is not None or self._scene is not None

    def _has_slip(self) -> bool:
        return self._last_code is not None

    enabled = Property(bool, _enabled, constant=True)
    hasSlip = Property(bool, _has_slip, notify=changed)
    lastSms = Property(str, _last_sms_get, notify=changed)
