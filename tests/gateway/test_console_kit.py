"""Shared by the console's tests: a real gateway on loopback with the console mounted at
``/console`` (as ``gateway.app.create_app`` will mount it), kiosks in two communes of one
district, one account of each role, dossiers sent by the kiosks through the real protocol, and
a small HTTP client that keeps the console's ``__Host-`` cookies over plain loopback HTTP (as
Chromium does for 127.0.0.1, and ``requests`` does not).

Named ``test_console_kit`` to sit among the console's files; it holds the helpers and two tests
of its own: the set-up checked, and the whole console on PostgreSQL (its store, a log-in and a
status change the kiosk sees), since the other console tests run on SQLite.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
from gateway_testkit import MONDAY_MORNING, UNIT_CODE, dossier_body, sha256_hex
from PIL import Image, ImageDraw, ImageFont

from dvc_common.clock import FakeClock
from gateway.app import create_app, enrol, use_database
from gateway.console import CONSOLE_PATH, open_console_store
from gateway.console.passwords import hash_password
from gateway.console.store import ConsoleAction, ConsoleStore, StaffRole
from gateway.console.store_postgres import PostgresConsoleStore
from gateway.faults import FaultState
from gateway.server import BackgroundServer
from gateway.settings import GatewaySettings

COMMUNE_A = "H15.50.05.13"
COMMUNE_B = "H15.50.07.01"
KIOSK_A = "KIOSK01"  # in commune A
KIOSK_B = "KIOSK02"  # in commune B, same district
PASSWORD = "mật khẩu thật dài 2026"


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: StaffRole
    unit: str


ADMIN = Account("tinh.admin", "Nguyễn Thị Hoa", StaffRole.PROVINCE_ADMIN, "H15")
TECHNICIAN = Account("huyen.kt", "Trần Văn Minh", StaffRole.DISTRICT_TECHNICIAN, "H15.50")
STAFF_A = Account("xa.a", "Lê Thị Lan", StaffRole.COMMUNE_STAFF, COMMUNE_A)
STAFF_B = Account("xa.b", "Phạm Văn Bình", StaffRole.COMMUNE_STAFF, COMMUNE_B)
ACCOUNTS = (ADMIN, TECHNICIAN, STAFF_A, STAFF_B)


@cache
def password_hash() -> str:
    """One scrypt hash for every test account (salted once: the tests are about the console,
    not about paying 0.1 s per account per test)."""
    return hash_password(PASSWORD)


def page_image(text: str, image_format: str = "PNG") -> bytes:
    """A scanned page with some words on it, as a PNG or as a one-page PDF (the kiosk's own
    scans are PDFs)."""
    image = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 590, 847), outline="black", width=3)
    draw.text((60, 80), text, fill="black", font=ImageFont.load_default(size=26))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


@dataclass
class Sent:
    """A dossier a kiosk sent and had registered."""

    dossier_id: str
    dossier_code: str
    receipt_number: str
    file_ids: list[str]


@dataclass
class ConsoleGateway:
    url: str
    data_dir: Path
    clock: FakeClock
    tokens: dict[str, str]
    console_store: ConsoleStore
    _sessions: list[requests.Session] = field(default_factory=list)

    @property
    def console(self) -> str:
        return self.url + CONSOLE_PATH

    def kiosk(self, kiosk_id: str) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.tokens[kiosk_id]}"
        self._sessions.append(session)
        return session

    def send_dossier(
        self, kiosk_id: str, number: int, *, pages: int = 2, pdf: bool = False
    ) -> Sent:
        """Create, upload and finalize a dossier of ``pages`` PNG (or PDF) pages from
        ``kiosk_id``; the first document carries a kiosk warning (page 1 upside down)."""
        session = self.kiosk(kiosk_id)
        kind, suffix, media_type = ("PDF", "pdf", "application/pdf") if pdf else (
            "PNG", "png", "image/png")  # fmt: skip
        images = [
            page_image(f"GIAY CHUNG SINH - {kiosk_id} - TRANG {i + 1}", kind) for i in range(pages)
        ]
        receipt = f"{kiosk_id}-261123-{number:04d}"
        body = dossier_body(images, receipt_number=receipt, kiosk_id=kiosk_id)
        document = body["documents"][0]
        document["check"] = {"verdict": "upside_down", "page_index": 0}
        for i, entry in enumerate(document["files"]):
            entry["name"] = f"giay_chung_sinh-{i + 1}.{suffix}"
            entry["media_type"] = media_type
        created = session.post(
            self.url + "/api/v1/dossiers",
            json=body,
            headers={"Idempotency-Key": body["client_uuid"]},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        dossier = created.json()
        for entry, data in zip(dossier["files"], images, strict=True):
            upload = session.post(
                self.url + "/api/v1/uploads",
                headers={
                    "Tus-Resumable": "1.0.0",
                    "Upload-Length": str(len(data)),
                    "Upload-Metadata": _tus_metadata(dossier["dossier_id"], entry["file_id"]),
                },
                timeout=10,
            )
            assert upload.status_code == 201, upload.text
            patched = session.patch(
                upload.headers["Location"],
                data=data,
                headers={
                    "Tus-Resumable": "1.0.0",
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
                timeout=10,
            )
            assert patched.status_code == 204, patched.text
            assert entry["sha256"] == sha256_hex(data)
        final = session.post(
            f"{self.url}/api/v1/dossiers/{dossier['dossier_id']}/finalize", timeout=10
        )
        assert final.status_code == 200, final.text
        return Sent(
            dossier["dossier_id"],
            final.json()["dossier_code"],
            receipt,
            [f["file_id"] for f in dossier["files"]],
        )

    def status_lookup(self, kiosk_id: str, code: str) -> dict[str, Any]:
        answer = self.kiosk(kiosk_id).get(f"{self.url}/api/v1/status/{code}", timeout=10)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def client(self) -> ConsoleClient:
        return ConsoleClient(self.console)

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def _tus_metadata(dossier_id: str, file_id: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in (("dossier_id", dossier_id), ("file_id", file_id))
    )


CSRF_INPUT = re.compile(r'name="(?:csrf_token|login_token)" value="([^"]+)"')


class ConsoleClient:
    """A browser's HTTP side without the browser: cookies kept by name (Secure ones too, as
    Chromium keeps them for loopback), redirects not followed, so each answer can be looked at."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.session = requests.Session()

    def _keep_cookies(self, answer: requests.Response) -> None:
        for header in answer.raw.headers.getlist("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=10, **kwargs
        )
        self._keep_cookies(answer)
        return answer

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> requests.Response:
        return self.request("POST", path, data=data, **kwargs)

    def token_on(self, path: str) -> str:
        """The form token on the page at ``path``."""
        page = self.get(path)
        assert page.status_code == 200, page.text
        found = CSRF_INPUT.search(page.text)
        assert found is not None, "the page has no form token"
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        token = self.token_on("/login")
        return self.post("/login", {"login_token": token, "username": username,
                                    "password": password})  # fmt: skip

    def close(self) -> None:
        self.session.close()


def start_console_gateway(
    tmp_path: Path, database: str | None = None, public_url: str | None = None
) -> tuple[BackgroundServer, ConsoleGateway]:
    """The gateway on SQLite, or on the PostgreSQL ``database`` (a URL) when given."""
    data_dir = tmp_path / "gateway"
    if database is not None:
        data_dir.mkdir()
        use_database(data_dir, database)
    clock = FakeClock(MONDAY_MORNING)
    settings = GatewaySettings(unit_code=UNIT_CODE, clock=clock.now, public_url=public_url)
    tokens = {
        KIOSK_A: enrol(data_dir, KIOSK_A, unit_code=COMMUNE_A),
        KIOSK_B: enrol(data_dir, KIOSK_B, unit_code=COMMUNE_B),
    }
    app = create_app(data_dir, settings, FaultState())
    console_store = open_console_store(data_dir)
    for account in ACCOUNTS:
        console_store.add_staff(
            username=account.username,
            full_name=account.full_name,
            role=account.role,
            unit_prefix=account.unit,
            password_hash=password_hash(),
            now=clock.now(),
        )
    # The app serves its own console (create_app); this store is a second connection to the
    # same records, as the ``staff`` commands open, for the tests to look and set up through.
    server = BackgroundServer(app).start()
    return server, ConsoleGateway(server.url, data_dir, clock, tokens, console_store)


def running_console_gateway(
    tmp_path: Path, database: str | None = None, public_url: str | None = None
) -> Iterator[ConsoleGateway]:
    """The body of a test module's ``console_gateway`` fixture (``yield from`` it)."""
    server, gateway = start_console_gateway(tmp_path, database, public_url)
    yield gateway
    gateway.close()
    server.stop()
    gateway.console_store.close()


def running_client(gateway: ConsoleGateway) -> Iterator[ConsoleClient]:
    """The body of a test module's ``client`` fixture."""
    console_client = gateway.client()
    yield console_client
    console_client.close()


@pytest.fixture
def console_gateway(tmp_path: Path) -> Iterator[ConsoleGateway]:
    yield from running_console_gateway(tmp_path)


def test_on_postgresql_the_console_keeps_its_records_there_and_changes_what_kiosks_see(
    tmp_path: Path, pg_url: str
) -> None:
    for gateway in running_console_gateway(tmp_path, pg_url):
        assert isinstance(gateway.console_store, PostgresConsoleStore)
        sent = gateway.send_dossier(KIOSK_A, 1, pages=1)
        client = gateway.client()
        assert client.login(STAFF_A.username).status_code == 303
        page = client.get(f"/dossiers/{sent.dossier_id}")
        token = CSRF_INPUT.search(page.text)
        assert token is not None
        changed = client.post(
            f"/dossiers/{sent.dossier_id}/status",
            {"csrf_token": token.group(1), "from_status": "received", "status": "processing",
             "note": "Đang xử lý tại xã"},
        )  # fmt: skip
        assert changed.status_code == 303
        assert gateway.status_lookup(KIOSK_A, sent.dossier_code)["status"] == "processing"
        assert [
            e.action for e in gateway.console_store.audit_entries(unit_prefix=None, limit=2)
        ] == [
            ConsoleAction.STATUS_CHANGE,
            ConsoleAction.LOGIN,
        ]
        client.close()


def test_the_kit_sends_dossiers_that_the_gateway_registers(
    console_gateway: ConsoleGateway,
) -> None:
    sent = console_gateway.send_dossier(KIOSK_A, 1)
    assert sent.dossier_code.startswith(UNIT_CODE)
    assert console_gateway.status_lookup(KIOSK_A, sent.dossier_code)["status"] == "received"
