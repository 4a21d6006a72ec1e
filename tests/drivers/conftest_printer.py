"""Helpers shared by the printer tests: invented dossiers, a GS v 0 decoder and a tiny network
printer on 127.0.0.1 that records what it is sent and answers DLE EOT status queries.

Imported by the ``test_printer_*`` modules (pytest puts this folder on ``sys.path``); it holds no
fixtures so nothing here runs unless a test calls it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import numpy.typing as npt

from config.settings import Settings
from drivers.printer import slip as slip_renderer
from drivers.printer.base import RenderedSlip
from drivers.printer.profiles import PrinterProfile
from dvc_common.catalog import Procedure
from kiosk.dossier import Dossier, DossierDocument, ScannedPage, Verification
from kiosk.identity import Identity, Sex
from kiosk.slip import render_dossier_slip

# Invented person; the ID number's digits are consistent (049 Quảng Nam, 1 = female 1900s, 58).
MAU = Identity(
    id_number="049158000123",
    old_id_number=None,
    full_name="TRẦN THỊ MẪU",
    date_of_birth=date(1958, 2, 14),
    sex=Sex.FEMALE,
    address="Thôn 3, xã Bình Phú, tỉnh Quảng Nam",
    issue_date=date(2021, 5, 10),
)
BIRTH_REGISTRATION = "1.001193"
MARITAL_STATUS = "1.004873"


def render_slip(
    dossier: Dossier,
    procedure: Procedure,
    settings: Settings,
    *,
    profile: PrinterProfile | None = None,
    qr_url_template: str | None = None,
) -> RenderedSlip:
    """``kiosk.slip.render_dossier_slip`` with the real Qt renderer, as the app's root wires it
    (the core receives the renderer as a port and never imports it)."""
    return render_dossier_slip(
        dossier,
        procedure,
        settings,
        render=slip_renderer.render_slip,
        profile=profile,
        qr_url_template=qr_url_template,
    )


def _page(name: str) -> ScannedPage:
    # The slip reads only how many pages there are; the files need not exist.
    return ScannedPage(Path("/nonexistent") / name, 1000, "0" * 64)


def make_dossier(**changes: Any) -> Dossier:
    """A birth-registration dossier received Monday 23/11/2026 at 09:12 Vietnam time."""
    dossier = Dossier(
        client_uuid=UUID("6f1c2a9e-0b7d-4c1e-9a3f-5d2e8b7c4a10"),
        receipt_number="KIOSK01-261123-0007",
        kiosk_id="KIOSK01",
        procedure_code=BIRTH_REGISTRATION,
        procedure_name="Đăng ký khai sinh",
        applicant=MAU,
        verification=Verification.VERIFIED,
        form={"applicant_name": "TRẦN THỊ MẪU", "phone": "0912345678"},
        documents=(
            DossierDocument("birth_certificate", "Giấy chứng sinh", (_page("cs1.png"),)),
            DossierDocument(
                "power_of_attorney", "Văn bản ủy quyền", (_page("uq1.png"), _page("uq2.png"))
            ),
        ),
        started_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        received_at=datetime(2026, 11, 23, 2, 12, 30, tzinfo=UTC),
        effective_receipt_date=date(2026, 11, 23),
        due_date=date(2026, 11, 23),
    )
    return replace(dossier, **changes)


def make_settings(**printer: Any) -> Settings:
    return Settings.model_validate({"devices": {"printer": printer}})


# --- ESC/POS decoding ------------------------------------------------------------------------

Page = npt.NDArray[np.uint8]


@dataclass
class DecodedJob:
    pages: list[Page]  # one per cut, 0 = dot printed, 255 = paper
    bands: list[tuple[int, int]]  # (width in bytes, height in rows) of every GS v 0 command


def decode_gs_v_0(data: bytes) -> DecodedJob:
    """Parse a raster job (ESC @, GS v 0 bands, ESC d n, GS V m); anything else fails the test."""
    pages: list[Page] = []
    bands: list[tuple[int, int]] = []
    rows: list[Page] = []
    pos = 0
    while pos < len(data):
        if data.startswith(b"\x1dv0", pos):
            x_bytes = data[pos + 4] | data[pos + 5] << 8
            height = data[pos + 6] | data[pos + 7] << 8
            start = pos + 8
            end = start + x_bytes * height
            assert end <= len(data), "truncated raster band"
            packed = np.frombuffer(data[start:end], dtype=np.uint8).reshape(height, x_bytes)
            bits = np.unpackbits(packed, axis=1)  # 1 = dot
            rows.append(np.where(bits == 1, 0, 255).astype(np.uint8))
            bands.append((x_bytes, height))
            pos = end
        elif data.startswith(b"\x1b@", pos):
            pos += 2
        elif data.startswith(b"\x1bd", pos):
            pos += 3
        elif data.startswith(b"\x1dV", pos):
            pages.append(np.vstack(rows))
            rows = []
            pos += 3
        else:
            raise AssertionError(f"unexpected byte {data[pos]:#04x} at {pos}")
    assert not rows, "raster after the last cut"
    return DecodedJob(pages, bands)


# --- a network printer -----------------------------------------------------------------------

READY_BYTES = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
OFFLINE = 0x1A  # DLE EOT 1 with the offline bit
COVER_OPEN = 0x16  # DLE EOT 2 with the cover bit
PAPER_END_STOP = 0x32  # DLE EOT 2: stopped at paper end
PAPER_END = 0x72  # DLE EOT 4: near end and end sensors
PAPER_NEAR_END = 0x1E  # DLE EOT 4: near-end sensor


class TcpPrinter:
    """Listens on 127.0.0.1 like a printer's port 9100.

    It splits the stream the way a printer does: GS v 0 payloads are skipped whole (so a DLE EOT
    pattern inside image data is not taken for a query), DLE EOT n is answered with
    ``status[n]`` and is not recorded, every other byte is recorded in ``printed``.

    Each connection is recorded apart and ``printed`` joins them in the order they were
    opened: a job sent after the client reconnected must not interleave with the tail of one
    the old connection's thread is still reading.
    """

    def __init__(self) -> None:
        self.status: dict[int, int] = dict(READY_BYTES)
        self.answer_queries = True
        self._streams: list[bytearray] = []  # what each connection printed, in accept order
        self._ended = 0  # connections read to their end
        self._drained = threading.Condition(threading.Lock())
        self.queries = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            stream = bytearray()
            with self._lock:
                self._clients.append(client)
                self.connections += 1
                self._streams.append(stream)
            threading.Thread(target=self._serve, args=(client, stream), daemon=True).start()

    def _serve(self, client: socket.socket, stream: bytearray) -> None:
        pending = b""
        try:
            while True:
                try:
                    chunk = client.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                pending = self._consume(client, stream, pending + chunk)
        finally:
            with self._drained:
                self._ended += 1
                self._drained.notify_all()

    @property
    def printed(self) -> bytes:
        with self._lock:
            return b"".join(bytes(stream) for stream in self._streams)

    def wait_earlier_connections_read(self, timeout_s: float = 10.0) -> None:
        """Every connection but the newest has been read to its end (the client closed it)."""
        with self._drained:
            done = self._drained.wait_for(lambda: self._ended >= len(self._streams) - 1, timeout_s)
        assert done, "an earlier printer connection was never read to its end"

    def _consume(self, client: socket.socket, stream: bytearray, pending: bytes) -> bytes:
        while pending:
            if pending.startswith(b"\x1dv0"):
                if len(pending) < 8:
                    return pending
                size = (pending[4] | pending[5] << 8) * (pending[6] | pending[7] << 8)
                if len(pending) < 8 + size:
                    return pending
                self._record(stream, pending[: 8 + size])
                pending = pending[8 + size :]
            elif pending.startswith(b"\x10\x04"):
                if len(pending) < 3:
                    return pending
                with self._lock:
                    self.queries += 1
                    answer = self.status.get(pending[2], 0x12)
                if self.answer_queries:
                    with contextlib.suppress(OSError):
                        client.sendall(bytes([answer]))
                pending = pending[3:]
            elif len(pending) < 3 and (
                b"\x1dv0".startswith(pending) or b"\x10\x04".startswith(pending)
            ):
                return pending  # the start of a command: wait for the rest
            else:
                self._record(stream, pending[:1])
                pending = pending[1:]
        return pending

    def _record(self, stream: bytearray, data: bytes) -> None:
        with self._lock:
            stream += data

    def drop_connections(self) -> None:
        """The printer rebooted: open connections die, the port keeps listening."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def stop(self) -> None:
        """Unplugged: nothing listens any more."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        self.drop_connections()
