"""The load generator of ``benchmarks.gateway_load``: simulated kiosks as Locust users, run
headless in this process, and what they saw written as JSON.

It runs as a child process of the benchmark (``python -m benchmarks.gateway_load_users PLAN
OUT``) because importing Locust monkey-patches the whole interpreter with gevent (sockets,
threads, ``subprocess``, ``time.sleep``): the benchmark itself starts PostgreSQL, gateway
processes and ``dvc-gateway`` commands, and pytest runs it, so neither should live inside a
patched interpreter. A child also has a CPU time of its own: the load generator competes for
the same two cores as the gateways and PostgreSQL, and the benchmark reports what it took.

Each user is one kiosk with its own token, sticking to the replica it was given (an upload is
never resumed elsewhere: see ``benchmarks.gateway_load``). It sends a heartbeat every 30 s and,
on its turn, a dossier: create with ``Idempotency-Key``, six pages of random bytes through tus
(create, then one PATCH each) and finalize, one request after the other as the kiosk's sync
process does. Dossier ``j`` is due at ``j / rate`` seconds and
belongs to kiosk ``j mod N``, so the offered rate is exact and spread evenly; heartbeats are
spread evenly over the 30 s too.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import resource
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# Importing Locust patches the interpreter; the first-party modules below (requests, and with it
# ssl, through simulators) must come after it, as the import order here guarantees.
import locust
from locust import FastHttpUser, task
from locust.env import Environment
from locust.stats import StatsEntry

from benchmarks.gateway_load import Endpoint, Plan
from simulators.gateway_process import sample_dossier_body

API = "/api/v1"
TUS_HEADERS = {"Tus-Resumable": "1.0.0"}
HEARTBEAT_PERIOD_S = 30.0
VIETNAM = timezone(timedelta(hours=7))
SOFTWARE_VERSION = "0.16.0"
PERCENTILES = (0.50, 0.95, 0.99)
SPAWN_RATE = 100.0  # users per second; Locust warns above it
IDLE_CLOSE_S = 4.0  # under uvicorn's keep-alive timeout of 5 s


@dataclass(slots=True)
class SentDossier:
    """One dossier as the load generator saw it, for the reconciliation."""

    client_uuid: str
    kiosk_id: str
    receipt_number: str
    replica: str
    sha256: list[str]
    due_s: float  # when it was due, seconds from the start of the load
    created: bool = False
    dossier_id: str | None = None
    dossier_code: str | None = None
    done_s: float | None = None  # when its finalize answered, seconds from the start


@dataclass(slots=True)
class Run:
    """The state the users share (one gevent loop, so no locks are needed)."""

    plan: Plan
    started: float = 0.0
    stopping: bool = False
    next_kiosk: int = 0
    in_flight: int = 0
    dossiers: list[SentDossier] = field(default_factory=list)


RUN: Run | None = None


def _run() -> Run:
    if RUN is None:
        raise RuntimeError("the load generator's plan was not loaded")
    return RUN


def heartbeat_body(kiosk_id: str, queued: int) -> dict[str, Any]:
    """What a healthy kiosk reports every 30 s (the Heartbeat schema of openapi.yaml)."""
    return {
        "kiosk_id": kiosk_id,
        "at": datetime.now(VIETNAM).isoformat(timespec="seconds"),
        "software_version": SOFTWARE_VERSION,
        "queue": {
            "queued": queued,
            "uploading": min(queued, 1),
            "needs_attention": 0,
            "oldest_queued_at": None,
        },
        "devices": {
            "printer": "ok",
            "paper": "ok",
            "scanner": "ok",
            "id_reader": "ok",
            "camera": "ok",
            "touchscreen": "ok",
        },
    }


def tus_metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class Kiosk(FastHttpUser):
    """One enrolled kiosk; see the module's docstring for its schedule."""

    # FastHttpUser wants a host; every request uses the absolute URL of the kiosk's replica.
    host = "http://127.0.0.1"
    network_timeout = 120.0
    connection_timeout = 60.0
    # An error is counted, not retried: the benchmark wants to see every one.
    max_retries = 0

    def on_start(self) -> None:
        run = _run()
        index = run.next_kiosk
        run.next_kiosk += 1
        count = len(run.plan.kiosks)
        self.kiosk_id, token = run.plan.kiosks[index]
        self.base = run.plan.replicas[index % len(run.plan.replicas)].rstrip("/")
        self.auth = {"Authorization": f"Bearer {token}"}
        self.receipts = 0
        self.next_heartbeat = run.started + HEARTBEAT_PERIOD_S * index / count
        # Dossier j is due at j / rate and belongs to kiosk j mod N.
        self.stride = count / run.plan.dossiers_per_s if run.plan.dossiers_per_s > 0 else 0.0
        self.next_dossier = run.started + index / run.plan.dossiers_per_s if self.stride else None

    def _dossier_pending(self) -> float | None:
        """When this kiosk's next dossier is due, if it has one before the load ends."""
        run = _run()
        if self.next_dossier is None or run.stopping:
            return None
        return self.next_dossier if self.next_dossier < run.started + run.plan.duration_s else None

    def _dossier_due(self, now: float) -> bool:
        due = self._dossier_pending()
        return due is not None and due <= now

    def wait_time(self) -> float:
        due = [self.next_heartbeat]
        dossier = self._dossier_pending()
        if dossier is not None:
            due.append(dossier)
        return max(0.0, min(due) - time.monotonic())

    @task
    def tick(self) -> None:
        now = time.monotonic()
        if self.next_heartbeat <= now:
            self.next_heartbeat += HEARTBEAT_PERIOD_S
            self.client.post(
                f"{self.base}{API}/kiosks/heartbeat",
                name=Endpoint.HEARTBEAT,
                headers=self.auth,
                json=heartbeat_body(self.kiosk_id, 1 if self._dossier_due(now) else 0),
            )
        if self._dossier_due(now):
            assert self.next_dossier is not None
            self.next_dossier += self.stride
            run = _run()
            run.in_flight += 1
            try:
                self.send_dossier()
            finally:
                run.in_flight -= 1
        if self.wait_time() > IDLE_CLOSE_S:
            # The gateway (uvicorn) closes a connection idle for 5 s; reusing one at the very
            # moment it does so fails a request with "connection closed", an artefact of this
            # client (a kiosk's urllib3 checks a pooled connection before reusing it). A kiosk
            # idle until its next heartbeat starts afresh instead.
            self.client.client.close()

    def send_dossier(self) -> None:
        run = _run()
        plan = run.plan
        due = self.next_dossier - self.stride if self.next_dossier is not None else 0.0
        self.receipts += 1
        client_uuid = str(uuid.uuid4())
        receipt = f"{self.kiosk_id}-{datetime.now(VIETNAM):%y%m%d}-{self.receipts:04d}"
        # Scans do not compress: random bytes, a little different in size page to page.
        pages = [os.urandom(plan.page_bytes + (i * 997) % 4096) for i in range(plan.pages)]
        digests = [hashlib.sha256(p).hexdigest() for p in pages]
        sent = SentDossier(
            client_uuid, self.kiosk_id, receipt, self.base, digests, due - run.started
        )
        run.dossiers.append(sent)
        body = sample_dossier_body(client_uuid, receipt)
        body["kiosk_id"] = self.kiosk_id
        body["received_at"] = datetime.now(VIETNAM).isoformat(timespec="seconds")
        body["due_date"] = datetime.now(VIETNAM).date().isoformat()
        body["documents"] = [
            {
                "code": "birth_certificate",
                "name": "Giấy chứng sinh",
                "files": [
                    {
                        "name": f"birth_certificate-{i + 1}.png",
                        "size": len(page),
                        "sha256": digest,
                        "media_type": "image/png",
                    }
                    for i, (page, digest) in enumerate(zip(pages, digests, strict=True))
                ],
            }
        ]
        with self.client.post(
            f"{self.base}{API}/dossiers",
            name=Endpoint.CREATE,
            headers={**self.auth, "Idempotency-Key": client_uuid},
            json=body,
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"create answered {response.status_code}")
                return
            created = response.json()
        sent.created = True
        sent.dossier_id = created["dossier_id"]
        for file, page in zip(created["files"], pages, strict=True):
            if not self.upload(created["dossier_id"], file["file_id"], page):
                return
        with self.client.post(
            f"{self.base}{API}/dossiers/{created['dossier_id']}/finalize",
            name=Endpoint.FINALIZE,
            headers=self.auth,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"finalize answered {response.status_code}")
                return
            sent.dossier_code = response.json()["dossier_code"]
            sent.done_s = time.monotonic() - run.started

    def upload(self, dossier_id: str, file_id: str, page: bytes) -> bool:
        """tus creation, then the whole page in one PATCH, as tuspy does with the kiosk's
        chunk size; True when the upload is complete."""
        with self.client.post(
            f"{self.base}{API}/uploads",
            name=Endpoint.UPLOAD_CREATE,
            headers={
                **self.auth,
                **TUS_HEADERS,
                "Upload-Length": str(len(page)),
                "Upload-Metadata": tus_metadata(dossier_id=dossier_id, file_id=file_id),
            },
            catch_response=True,
        ) as response:
            # A request that failed without an answer (a timeout) has no headers at all.
            headers = response.headers or {}
            location = headers.get("Location") if response.status_code == 201 else None
            if location is None:
                response.failure(f"upload create answered {response.status_code}")
                return False
        with self.client.request(
            "PATCH",
            location,
            name=Endpoint.PATCH,
            headers={
                **self.auth,
                **TUS_HEADERS,
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
            data=page,  # type: ignore[arg-type]  # bytes are sent as they are
            catch_response=True,
        ) as response:
            offset = (response.headers or {}).get("Upload-Offset")
            if response.status_code != 204 or offset != str(len(page)):
                response.failure(f"PATCH answered {response.status_code}, offset {offset}")
                return False
        return True


def entry_figures(entry: StatsEntry) -> dict[str, Any]:
    """One endpoint's counts and latency percentiles (Locust keeps times to 2 significant
    digits above 100 ms)."""
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "avg_ms": entry.avg_response_time,
        "max_ms": entry.max_response_time,
        **{f"p{round(q * 100)}_ms": entry.get_response_time_percentile(q) for q in PERCENTILES},
    }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    global RUN  # noqa: PLW0603  (the users find the plan here: Locust builds them itself)
    plan = Plan.read(Path(sys.argv[1]))
    out = Path(sys.argv[2])
    RUN = run = Run(plan)
    environment = Environment(user_classes=[Kiosk], events=locust.events)
    runner = environment.create_local_runner()
    cpu_before = cpu_seconds()
    # The schedules start once every kiosk exists, at Locust's highest recommended spawn rate;
    # the schedules, not the spawn, spread the load.
    run.started = time.monotonic() + 1.0 + len(plan.kiosks) / SPAWN_RATE
    runner.start(len(plan.kiosks), spawn_rate=SPAWN_RATE)
    # time.sleep is gevent's once Locust is imported: the users run meanwhile.
    time.sleep(max(0.0, run.started + plan.duration_s - time.monotonic()))
    run.stopping = True
    load_end = time.monotonic()
    # Dossiers under way finish (a kiosk does not drop a dossier half sent), within a bound.
    drain_deadline = load_end + plan.drain_timeout_s
    while run.in_flight and time.monotonic() < drain_deadline:
        time.sleep(0.05)
    drained = time.monotonic()
    unfinished = run.in_flight
    runner.quit()
    cpu_after = cpu_seconds()
    stats = environment.stats
    result = {
        "kiosks": len(plan.kiosks),
        "load_s": load_end - run.started,
        "elapsed_s": drained - run.started,
        "unfinished": unfinished,
        "generator_cpu_s": cpu_after - cpu_before,
        "endpoints": {
            str(e): entry_figures(stats.get(str(e), method))
            for e, method in (
                (Endpoint.HEARTBEAT, "POST"),
                (Endpoint.CREATE, "POST"),
                (Endpoint.UPLOAD_CREATE, "POST"),
                (Endpoint.PATCH, "PATCH"),
                (Endpoint.FINALIZE, "POST"),
            )
        },
        "total": entry_figures(stats.total),
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error), "count": e.occurrences}
            for e in stats.errors.values()
        ],
        # A task that raised (a bug here, or an answer it could not read) is an error too.
        "exceptions": [
            {"error": str(e["msg"]), "count": int(e["count"])} for e in runner.exceptions.values()
        ],
        "dossiers": [asdict(d) for d in run.dossiers],
    }
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
