"""The reference gateway as a real process on loopback, and an invented dossier to send it:
for the kiosk's tests, benchmarks and demos."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from simulators.people import DEMO_APPLICANT

SAMPLE_APPLICANT: dict[str, Any] = {
    "id_number": DEMO_APPLICANT.id_number,
    "old_id_number": DEMO_APPLICANT.old_id_number or None,
    "full_name": DEMO_APPLICANT.full_name,
    "date_of_birth": DEMO_APPLICANT.born.isoformat(),
    "sex": "Nữ" if DEMO_APPLICANT.female else "Nam",
    "address": DEMO_APPLICANT.address,
    "issue_date": DEMO_APPLICANT.issued.isoformat(),
}


def sample_dossier_body(client_uuid: str, receipt_number: str) -> dict[str, Any]:
    """A DossierCreate body (without file entries) for an invented citizen."""
    return {
        "client_uuid": client_uuid,
        "receipt_number": receipt_number,
        "kiosk_id": "KIOSK01",
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "applicant": dict(SAMPLE_APPLICANT),
        "verification": "pending",
        "form": {"phone": "0912345678"},
        "documents": [{"code": "birth_certificate", "name": "Giấy chứng sinh"}],
        "received_at": "2026-11-23T09:00:00+07:00",
        "due_date": "2026-11-23",
        "rating": None,
    }


@dataclass
class GatewayProcess:
    """A running ``python -m gateway serve`` with an enrolled kiosk."""

    process: subprocess.Popen[str]
    data_dir: Path
    url: str
    token: str

    @classmethod
    def start(cls, data_dir: Path, *extra: str, kiosk_id: str = "KIOSK01") -> GatewayProcess:
        data_dir.mkdir(parents=True, exist_ok=True)
        token = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gateway",
                    "enrol",
                    "--data",
                    str(data_dir),
                    "--kiosk",
                    kiosk_id,
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            .stdout.strip()
            .split()[-1]
        )
        process, url = cls._serve(data_dir, extra)
        return cls(process, data_dir, url, token)

    def restart(self, *extra: str) -> GatewayProcess:
        """A new gateway process on the same data directory and token (after this one stopped
        or died), on a new port."""
        self.stop()
        process, url = self._serve(self.data_dir, extra)
        return GatewayProcess(process, self.data_dir, url, self.token)

    def replica(self, *extra: str) -> GatewayProcess:
        """Another gateway process on the same data directory, beside this one, on a new port:
        a replica, when the directory names a PostgreSQL database (``dvc-gateway db use``)."""
        process, url = self._serve(self.data_dir, extra)
        return GatewayProcess(process, self.data_dir, url, self.token)

    def kill(self) -> None:
        """SIGKILL, as a power cut or the OOM killer ends a gateway: no shutdown runs."""
        self.process.kill()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    @staticmethod
    def _serve(data_dir: Path, extra: tuple[str, ...]) -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data",
                str(data_dir),
                "--admin",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("listening on ") or not line:
                break
        if not line.startswith("listening on "):
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
            raise RuntimeError("gateway did not start")
        return process, line.split()[-1].rstrip("/")

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").split(":")
        return host, int(port)

    def set_faults(self, **faults: Any) -> None:
        response = requests.put(f"{self.url}/_admin/faults", json=faults, timeout=10)
        response.raise_for_status()

    def received(self) -> list[dict[str, Any]]:
        out = subprocess.run(
            [sys.executable, "-m", "gateway", "received", "--data", str(self.data_dir), "--json"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        data = json.loads(out)
        return list(data["dossiers"] if isinstance(data, dict) else data)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
