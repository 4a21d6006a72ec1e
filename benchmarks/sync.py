"""Sync over an emulated rural link: 256 kbit/s, 300 ms round trip, a drop every 20–40 s.

Queues 20 dossiers of 6 pages of about 60 KB (incompressible, like scans), measuring enqueue
latency, then drains them through the impaired link to the reference gateway and reports
goodput (payload bytes per second over the link's capacity), resent bytes (file bytes sent more
than once, over the payload) and the time to drain. Targets: goodput ≥ 0.85, resent ≤ 0.05,
enqueue p99 ≤ 50 ms.

    python -m benchmarks.sync [--dossiers 20] [--pages 6] [--page-kb 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from dvc_common.atomic import sha256_file
from offline_queue.store import PageInput, QueueStatus, QueueStore
from offline_queue.sync import SyncEngine, SyncSettings
from offline_queue.transport import HttpTransport
from simulators.gateway_process import GatewayProcess, sample_dossier_body
from simulators.netem import LinkProfile, ThreadedLink

LINK_BPS = 256_000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=20)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--page-kb", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        store = QueueStore(root / "queue", root / "master.key")
        scans = root / "scans"
        scans.mkdir()
        latencies: list[float] = []
        payload = 0
        expected: dict[str, list[str]] = {}
        for d in range(args.dossiers):
            pages = []
            for p in range(args.pages):
                size = int(args.page_kb * 1024 * rng.uniform(0.85, 1.15))
                path = scans / f"{d}-{p}.png"
                path.write_bytes(os.urandom(size))
                payload += size
                pages.append(PageInput(path, "birth_certificate", f"birth_certificate-{p + 1}.png"))
            client_uuid = str(uuid.uuid4())
            receipt = f"KIOSK01-261123-{d + 1:04d}"
            started = time.perf_counter()
            store.enqueue(
                client_uuid=client_uuid,
                receipt_number=receipt,
                procedure_code="1.001193",
                body=sample_dossier_body(client_uuid, receipt),
                pages=pages,
            )
            latencies.append((time.perf_counter() - started) * 1000)
            expected[client_uuid] = [sha256_file(p.source) for p in pages]

        gateway = GatewayProcess.start(root / "gateway")
        profile = LinkProfile(bandwidth_bps=LINK_BPS, latency_ms=150, reset_every_s=(20, 40))
        try:
            link = ThreadedLink(gateway.address, profile, rng=random.Random(args.seed))
            with link as (host, port):
                link_url = f"http://{host}:{port}"
                transport = HttpTransport(link_url, gateway.token, read_timeout_s=20)
                engine = SyncEngine(
                    store,
                    transport,
                    SyncSettings(kiosk_id="KIOSK01"),
                    rng=random.Random(args.seed),
                )
                started = time.monotonic()
                while store.counts()[QueueStatus.SUBMITTED.value] < args.dossiers:
                    engine.run_once()
                    wake = engine.next_wakeup()
                    if wake is not None:
                        time.sleep(max(0.0, min(5.0, wake - time.time())))
                    if time.monotonic() - started > 3600:
                        raise RuntimeError("did not drain within an hour")
                drained = time.monotonic() - started
                link_stats = link.stats
                engine.close()
            holdings = gateway.received()
            received = {d["client_uuid"]: d for d in holdings}
        finally:
            gateway.stop()

    intact = sum(
        1
        for client_uuid, digests in expected.items()
        if sorted(f["sha256"] for f in received.get(client_uuid, {}).get("files", []))
        == sorted(digests)
    )
    capacity = LINK_BPS / 8 * drained
    resent = max(0, engine.bytes_attempted - payload)
    print(f"dossiers: {args.dossiers} × {args.pages} pages, payload {payload / 1024:.0f} KiB")
    print(
        f"enqueue latency: p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms (target p99 ≤ 50 ms)"
    )
    print(f"time to drain: {drained:.1f} s (link minimum {payload * 8 / LINK_BPS:.1f} s)")
    print(f"goodput: {payload / capacity:.3f} of link capacity (target ≥ 0.85)")
    print(f"resent: {resent / payload:.3f} of payload ({resent} bytes; target ≤ 0.05)")
    print(f"delivered intact at the gateway: {intact}/{args.dossiers}")
    registered = sum(1 for d in holdings if d.get("dossier_code"))
    print(
        f"held at the gateway: {len(holdings)} dossier(s) for {len(received)} client UUID(s), "
        f"{registered} with an official code (exactly once: all three {args.dossiers})"
    )
    # Where the time went, for whoever tunes the engine next.
    requests = transport.stats.requests
    print(
        "requests: "
        + ", ".join(f"{method} {count}" for method, count in sorted(requests.items()))
        + f" ({sum(requests.values()) / args.dossiers:.1f} per dossier)"
    )
    print(
        f"link: {link_stats.resets} connections cut, {link_stats.connections} opened; "
        f"{link_stats.bytes_up / payload:.3f} of the payload went up the link "
        "(payload, resent bytes, HTTP headers and JSON)"
    )


if __name__ == "__main__":
    main()
