"""Helpers shared by the gateway tests: the client side of the protocol, in a few lines each."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from alembic import command

from dvc_common.clock import VIETNAM, FakeClock
from gateway import migrate
from gateway.app import open_store
from gateway.blobs import DirectoryBlobStore
from gateway.faults import FaultState
from gateway.store import Store

# A Monday morning that is a working day; birth registration (1.001193) is a same-day
# procedure with a 15:00 cut-off.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM)
UNIT_CODE = "H15.50.05.13"
KIOSK = "KIOSK01"
OTHER_KIOSK = "KIOSK02"
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def downgrade(url: str, revision: str) -> None:
    """Undo the gateway's schema revisions down to ``revision`` ("base": all of them), as an
    administrator would by hand with Alembic: the gateway itself only ever upgrades."""
    engine = migrate.sqlalchemy_engine(url)
    try:
        with engine.begin() as conn:
            config = migrate.alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tus_metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def dossier_body(
    files: list[bytes],
    *,
    key: str | None = None,
    receipt_number: str = "KIOSK01-261123-0001",
    kiosk_id: str = KIOSK,
    procedure_code: str = "1.001193",
    received_at: str = "2026-11-23T09:00:00+07:00",
) -> dict[str, Any]:
    """A valid DossierCreate whose manifest describes ``files``."""
    return {
        "client_uuid": key or str(uuid.uuid4()),
        "receipt_number": receipt_number,
        "kiosk_id": kiosk_id,
        "procedure_code": procedure_code,
        "procedure_name": "Đăng ký khai sinh",
        "applicant": {
            "id_number": "001158000123",
            "old_id_number": None,
            "full_name": "TRẦN THỊ MẪU",
            "date_of_birth": "1958-02-14",
            "sex": "Nữ",
            "address": "Phường Ba Đình, Hà Nội",
            "issue_date": "2021-05-10",
        },
        "verification": "verified",
        "form": {"phone": "0912345678", "child_name": "NGUYỄN VĂN AN"},
        "documents": [
            {
                "code": "birth_certificate",
                "name": "Giấy chứng sinh",
                "files": [
                    {
                        "name": f"birth_certificate-{i + 1}.pdf",
                        "size": len(data),
                        "sha256": sha256_hex(data),
                        "media_type": "application/pdf",
                    }
                    for i, data in enumerate(files)
                ],
            }
        ],
        "received_at": received_at,
        "due_date": "2026-11-23",
        "rating": None,
    }


def stored_files(data_dir: Path, dossier_id: str) -> list[Path]:
    """Where the gateway on ``data_dir`` keeps the complete files of the dossier (its blob
    store), in manifest order."""
    blobs = DirectoryBlobStore(data_dir)
    with open_store(data_dir) as store:
        files = store.files(dossier_id)
    return [blobs.locate(f.stored_path) for f in files if f.complete and f.stored_path]


@dataclass
class Gateway:
    """A running gateway and a client session authenticated as KIOSK01."""

    url: str
    data_dir: Path
    faults: FaultState
    clock: FakeClock
    token: str
    other_token: str
    session: requests.Session
    _sessions: list[requests.Session] = field(default_factory=list)
    _store: Store | None = None

    @property
    def db(self) -> Store:
        """The gateway's metadata, read directly (a second connection, as the CLI opens)."""
        if self._store is None:
            self._store = open_store(self.data_dir)
        return self._store

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.url + path, **kwargs)

    def anonymous(self) -> requests.Session:
        session = requests.Session()
        self._sessions.append(session)
        return session

    def as_kiosk(self, token: str) -> requests.Session:
        session = self.anonymous()
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def create_dossier(self, body: dict[str, Any]) -> requests.Response:
        return self.api(
            "POST", "/api/v1/dossiers", json=body, headers={"Idempotency-Key": body["client_uuid"]}
        )

    def create_upload(self, length: int, **metadata: str) -> requests.Response:
        headers = {**TUS, "Upload-Length": str(length)}
        if metadata:
            headers["Upload-Metadata"] = tus_metadata(**metadata)
        return self.api("POST", "/api/v1/uploads", headers=headers)

    def patch(self, location: str, offset: int, data: bytes, **headers: str) -> requests.Response:
        all_headers = {**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset)}
        all_headers.update({k.replace("_", "-"): v for k, v in headers.items()})
        return self.session.patch(location, data=data, headers=all_headers, timeout=10)

    def head(self, location: str) -> requests.Response:
        return self.session.head(location, headers=TUS, timeout=10)

    def upload_dossier_file(self, dossier_id: str, file_id: str, data: bytes) -> str:
        created = self.create_upload(len(data), dossier_id=dossier_id, file_id=file_id)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        answer = self.patch(location, 0, data)
        assert answer.status_code == 204, answer.text
        return location

    def submit(self, files: list[bytes], **body: Any) -> dict[str, Any]:
        """Create a dossier, upload its files and finalize it; the finalize answer."""
        created = self.create_dossier(dossier_body(files, **body))
        assert created.status_code == 201, created.text
        dossier = created.json()
        for entry, data in zip(dossier["files"], files, strict=True):
            self.upload_dossier_file(dossier["dossier_id"], entry["file_id"], data)
        finalized = self.api("POST", f"/api/v1/dossiers/{dossier['dossier_id']}/finalize")
        assert finalized.status_code == 200, finalized.text
        result: dict[str, Any] = finalized.json()
        return result

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.session.close()
        for session in self._sessions:
            session.close()
