"""The province gateway under load: N kiosks' heartbeats and dossiers against 1 or 2 replicas.

Each run starts its own throwaway PostgreSQL cluster (durable: fsync on, as in production), names
it as the metadata store of a fresh gateway data directory (``dvc-gateway db use``), enrols the
kiosks, starts the replicas (``dvc-gateway serve`` processes on the same data directory, on
loopback) and drives them with Locust (``benchmarks.gateway_load_users``, in a child process:
see there why). Every kiosk sends a heartbeat every 30 s; together they send dossiers at the
given rate, each one create (``Idempotency-Key``), six pages of about 60 KB of random bytes
through tus (create + PATCH) and finalize. A kiosk sticks to the replica it was given (kiosk i
to replica i mod R, as a sticky load balancer would): when this benchmark was written the tus
per-upload lock was held inside one process, so an upload resumed on another replica was not
safe; resuming elsewhere is the replica-kill tests' business, not this measurement's.

Reports throughput, p50/p95/p99 per endpoint, errors, CPU seconds per dossier for the gateways
and for PostgreSQL (and what the load generator and the whole machine used: they share its two
cores). The latencies are the kiosks' view, as the load generator timed them; beside them, the
gateways' own view (from a request's start to its answer's end, their ``/metrics`` histograms
scraped after the run) says how much of that time the load generator's own waits for the shared
cores added. Then it reconciles what the kiosks saw with ``dvc-gateway received --json``: every
dossier created is held exactly once, its files complete and intact, with an official code; codes
unique and gap-free per unit and day.

Targets (issue 16): 1,000 kiosks' heartbeats with p99 ≤ 100 ms while sustaining ≥ 20 dossiers/s,
0 errors, 0 dossiers lost or duplicated.

    python -m benchmarks.gateway_load [--kiosks 1000] [--dossiers-per-s 20] [--duration-s 60]
        [--replicas 1,2] [--backend postgresql|sqlite] [--json OUT]

``--backend sqlite`` (one replica only: SQLite is the embedded one-process default) is for trying
the machinery without PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # installed with Locust, no stubs
import requests
from prometheus_client.parser import text_string_to_metric_families

from dvc_common.clock import VIETNAM
from simulators.pg_cluster import DURABLE, ThrowawayCluster

TARGET_KIOSKS = 1000
TARGET_HEARTBEAT_P99_MS = 100.0
TARGET_DOSSIERS_PER_S = 20.0
# Sustaining a rate means not falling behind it: the dossiers still under way when the load
# stops must be done within this long (about a few dossiers' own time).
MAX_DRAIN_S = 10.0
START_TIMEOUT_S = 120.0


class Backend(StrEnum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


class Endpoint(StrEnum):
    """The request names the statistics are kept under."""

    HEARTBEAT = "heartbeat"
    CREATE = "create"
    UPLOAD_CREATE = "upload create"
    PATCH = "PATCH"
    FINALIZE = "finalize"


# Each endpoint's method and route template in the gateway's /metrics labels.
ROUTES: dict[Endpoint, tuple[str, str]] = {
    Endpoint.HEARTBEAT: ("POST", "/api/v1/kiosks/heartbeat"),
    Endpoint.CREATE: ("POST", "/api/v1/dossiers"),
    Endpoint.UPLOAD_CREATE: ("POST", "/api/v1/uploads"),
    Endpoint.PATCH: ("PATCH", "/api/v1/uploads/{upload_id}"),
    Endpoint.FINALIZE: ("POST", "/api/v1/dossiers/{dossier_id}/finalize"),
}
LATENCY_METRIC = "dvc_gateway_http_request_duration_seconds"


@dataclass(frozen=True, slots=True)
class Plan:
    """What the benchmark asks of the load generator (JSON between the two processes)."""

    replicas: list[str]
    kiosks: list[tuple[str, str]]  # (kiosk id, bearer token)
    dossiers_per_s: float
    duration_s: float
    pages: int
    page_bytes: int
    drain_timeout_s: float

    @classmethod
    def read(cls, path: Path) -> Plan:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["kiosks"] = [(k, t) for k, t in data["kiosks"]]
        return cls(**data)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")
        path.chmod(0o600)  # kiosk tokens


@dataclass(frozen=True, slots=True)
class Options:
    kiosks: int
    dossiers_per_s: float
    duration_s: float
    replicas: int
    backend: Backend
    pages: int = 6
    page_kb: int = 60
    drain_timeout_s: float = 120.0


@dataclass(slots=True)
class Reconciliation:
    """What the gateway holds against what the kiosks saw."""

    created_seen: int = 0  # creates answered 201
    finalized_seen: int = 0  # finalizes answered 200 with a code
    held: int = 0  # dossiers in `received`
    lost: int = 0  # seen created, not held
    duplicated: int = 0  # extra copies of a client UUID, or a code given twice
    incomplete: int = 0  # seen finalized, held without all files intact or without a code
    code_mismatch: int = 0  # the code held is not the code the kiosk was given
    unexpected: int = 0  # held although no create answered 201 (an answer lost on the way)
    codes_gap_free: bool = True
    code_days: dict[str, int] = field(default_factory=dict)  # "unit-yymmdd" → count

    @property
    def clean(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.incomplete == 0
            and self.code_mismatch == 0
            and self.codes_gap_free
        )


@dataclass(slots=True)
class Result:
    """One run's figures (also written with ``--json``)."""

    options: Options
    load: dict[str, Any]  # what the load generator reported (benchmarks.gateway_load_users)
    gateway_cpu_s: float
    postgres_cpu_s: float | None
    machine_busy_cores: float
    machine_busy_before: float  # other jobs' load just before the run, in cores
    measured_s: float  # wall time the CPU figures cover (the load generator's whole life)
    reconciliation: Reconciliation
    replicas_alive: bool
    holdings: list[dict[str, Any]]  # what `dvc-gateway received --json` listed after the run
    # The gateways' own timing per endpoint, all replicas together: (upper bound s, count)
    # cumulative buckets of their /metrics latency histograms.
    server_buckets: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    @property
    def finalized(self) -> int:
        return self.reconciliation.finalized_seen

    @property
    def dossiers_per_s(self) -> float:
        # Over the window the dossiers were due in (dossier j at j / rate, before the end).
        return self.finalized / self.options.duration_s

    @property
    def drain_s(self) -> float:
        return float(self.load["elapsed_s"] - self.load["load_s"])

    @property
    def errors(self) -> int:
        failed = sum(int(e["count"]) for e in self.load["errors"])
        return failed + sum(int(e["count"]) for e in self.load["exceptions"])


# --- the pieces ----------------------------------------------------------------------------------


def gateway_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "gateway", *arguments]


def enrol_kiosks(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """Tokens for kiosks K00001…, straight through the gateway's store: one ``dvc-gateway
    enrol`` process per kiosk would take minutes for a thousand."""
    from gateway.app import open_store  # the gateway's own choice of backend for data_dir

    now = datetime.now(VIETNAM)
    with open_store(data_dir) as store:
        return [(f"K{i:05d}", store.enrol(f"K{i:05d}", now)) for i in range(1, count + 1)]


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    url: str


def start_replica(data_dir: Path, log: Path, metrics_token_file: Path) -> Replica:
    """``dvc-gateway serve`` on a free loopback port, as deployed. Its output goes to a file:
    nobody reads a pipe during the run, and a full pipe would stall it."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            gateway_command(
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data",
                str(data_dir),
                "--metrics-token-file",
                str(metrics_token_file),
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("listening on "):
                return Replica(process, line.split()[-1].rstrip("/"))
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(f"the gateway did not start: {log.read_text(errors='replace')[-2000:]}")


def scrape(replica: Replica, token: str) -> str:
    """The replica's ``/metrics`` text (no proxy: the replica is on loopback)."""
    with requests.Session() as session:
        session.trust_env = False
        answer = session.get(
            f"{replica.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        answer.raise_for_status()
        return answer.text


def latency_buckets(scrapes: Sequence[str]) -> dict[str, list[tuple[float, float]]]:
    """Each endpoint's cumulative latency buckets, summed over the replicas' scrapes."""
    wanted = {route: endpoint for endpoint, route in ROUTES.items()}
    summed: dict[Endpoint, dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for text in scrapes:
        for family in text_string_to_metric_families(text):
            if family.name != LATENCY_METRIC:
                continue
            for sample in family.samples:
                endpoint = wanted.get(
                    (sample.labels.get("method", ""), sample.labels.get("route", ""))
                )
                if sample.name.endswith("_bucket") and endpoint is not None:
                    summed[endpoint][float(sample.labels["le"])] += sample.value
    return {e.value: sorted(buckets.items()) for e, buckets in summed.items()}


def bucket_quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """The q-quantile of a cumulative histogram, interpolated within its bucket as Prometheus'
    ``histogram_quantile`` does; None without observations, inf when it is past the last
    finite bound."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return bound
            share = (rank - lower_count) / (count - lower_count) if count > lower_count else 1.0
            return lower_bound + (bound - lower_bound) * share
        lower_bound, lower_count = bound, count
    return float("inf")


def stop_replica(replica: Replica) -> None:
    replica.process.terminate()
    try:
        replica.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        replica.process.kill()
        replica.process.wait()


def process_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def cluster_cpu(cluster: ThrowawayCluster) -> float:
    """CPU seconds of the cluster's server so far: the postmaster, the backends it has reaped
    (counted in its children's times) and the processes still running."""
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(pid)
    times = postmaster.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in postmaster.children(recursive=True):
        try:
            child_times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += child_times.user + child_times.system
    return float(total)


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine (all processes, other people's jobs included)."""
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + times.irq + times.softirq)


def received(data_dir: Path) -> list[dict[str, Any]]:
    """What ``dvc-gateway received --json`` lists for the data directory."""
    done = subprocess.run(
        gateway_command("received", "--data", str(data_dir), "--json"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dvc-gateway received failed: {done.stderr.strip()[-2000:]}")
    data = json.loads(done.stdout)
    return list(data["dossiers"] if isinstance(data, dict) else data)


def reconcile(sent: list[dict[str, Any]], holdings: list[dict[str, Any]]) -> Reconciliation:
    result = Reconciliation(held=len(holdings))
    copies = Counter(d["client_uuid"] for d in holdings)
    held = {d["client_uuid"]: d for d in holdings}
    result.duplicated = sum(n - 1 for n in copies.values() if n > 1)
    created = {d["client_uuid"]: d for d in sent if d["created"]}
    result.created_seen = len(created)
    result.unexpected = sum(1 for uuid in held if uuid not in created)
    for uuid, mine in created.items():
        theirs = held.get(uuid)
        if theirs is None:
            result.lost += 1
            continue
        if mine["dossier_code"] is None:
            continue  # the kiosk never finished it (an error counted): nothing to compare
        result.finalized_seen += 1
        files = theirs["files"]
        intact = all(f["complete"] for f in files) and sorted(f["sha256"] for f in files) == sorted(
            mine["sha256"]
        )
        if not intact or not theirs["dossier_code"]:
            result.incomplete += 1
        elif theirs["dossier_code"] != mine["dossier_code"]:
            result.code_mismatch += 1
    codes = [d["dossier_code"] for d in holdings if d["dossier_code"]]
    result.duplicated += len(codes) - len(set(codes))
    # Official codes are "{unit}-{yymmdd}-{sequence}": per unit and day, 1..N without a gap.
    days: dict[str, list[int]] = defaultdict(list)
    for code in codes:
        day, sequence = code.rsplit("-", 1)
        days[day].append(int(sequence))
    result.code_days = {day: len(seqs) for day, seqs in sorted(days.items())}
    result.codes_gap_free = all(sorted(s) == list(range(1, len(s) + 1)) for s in days.values())
    return result


# --- one run -------------------------------------------------------------------------------------


@contextmanager
def metadata_store(options: Options, data_dir: Path) -> Iterator[ThrowawayCluster | None]:
    """The data directory's metadata store, ready: a durable PostgreSQL cluster named with
    ``dvc-gateway db use``, or nothing for SQLite (created when the kiosks are enrolled)."""
    data_dir.mkdir(parents=True)
    if options.backend is Backend.SQLITE:
        yield None
        return
    with ThrowawayCluster(durability=DURABLE) as cluster:
        url = cluster.create_database("gateway")
        done = subprocess.run(
            gateway_command("db", "use", "--data", str(data_dir), url),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"dvc-gateway db use failed: {done.stderr.strip()[-2000:]}")
        yield cluster


def run_once(options: Options, root: Path) -> Result:
    if options.backend is Backend.SQLITE and options.replicas != 1:
        raise ValueError("SQLite is the embedded one-process store: one replica only")
    data_dir = root / "gateway"
    with ExitStack() as stack:
        cluster = stack.enter_context(metadata_store(options, data_dir))
        kiosks = enrol_kiosks(data_dir, options.kiosks)
        metrics_token = secrets.token_urlsafe(24)
        token_file = root / "metrics.token"
        token_file.write_text(metrics_token, encoding="utf-8")
        token_file.chmod(0o600)
        replicas: list[Replica] = []
        for n in range(options.replicas):
            replica = start_replica(data_dir, root / f"replica-{n + 1}.log", token_file)
            stack.callback(stop_replica, replica)
            replicas.append(replica)
        plan = Plan(
            replicas=[r.url for r in replicas],
            kiosks=kiosks,
            dossiers_per_s=options.dossiers_per_s,
            duration_s=options.duration_s,
            pages=options.pages,
            page_bytes=options.page_kb * 1024,
            drain_timeout_s=options.drain_timeout_s,
        )
        plan_path, out_path = root / "plan.json", root / "load.json"
        plan.write(plan_path)

        # What the rest of the machine (other people's jobs) was using just before.
        idle_from, idle_wall = machine_cpu(), time.monotonic()
        time.sleep(2.0)
        busy_before = (machine_cpu() - idle_from) / (time.monotonic() - idle_wall)
        gateway_before = sum(process_cpu(r.process.pid) for r in replicas)
        postgres_before = cluster_cpu(cluster) if cluster else None
        machine_before, wall_before = machine_cpu(), time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "benchmarks.gateway_load_users", str(plan_path), str(out_path)],
            check=True,
            timeout=options.duration_s + options.drain_timeout_s + START_TIMEOUT_S,
        )
        measured = time.monotonic() - wall_before
        machine_busy = (machine_cpu() - machine_before) / measured
        alive = all(r.process.poll() is None for r in replicas)
        gateway_cpu = sum(process_cpu(r.process.pid) for r in replicas) - gateway_before
        postgres_cpu = (
            cluster_cpu(cluster) - postgres_before
            if cluster and postgres_before is not None
            else None
        )
        load = json.loads(out_path.read_text(encoding="utf-8"))
        server_buckets = latency_buckets([scrape(r, metrics_token) for r in replicas if alive])
        for replica in replicas:
            stop_replica(replica)
        holdings = received(data_dir)
    return Result(
        options=options,
        load=load,
        gateway_cpu_s=gateway_cpu,
        postgres_cpu_s=postgres_cpu,
        machine_busy_cores=machine_busy,
        machine_busy_before=busy_before,
        measured_s=measured,
        reconciliation=reconcile(load["dossiers"], holdings),
        replicas_alive=alive,
        holdings=holdings,
        server_buckets=server_buckets,
    )


# --- the report ----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def dossier_seconds(load: dict[str, Any]) -> list[float]:
    """Each finished dossier's time from due to registered (create, 6 uploads, finalize, and
    any wait behind the kiosk's previous dossier)."""
    return sorted(d["done_s"] - d["due_s"] for d in load["dossiers"] if d["done_s"] is not None)


def report(result: Result) -> None:
    o, load, rec = result.options, result.load, result.reconciliation
    elapsed = float(load["elapsed_s"])
    total = load["total"]
    print(
        f"\n== {o.backend.value}, {o.replicas} replica(s): {o.kiosks} kiosks, "
        f"{o.dossiers_per_s:g} dossiers/s offered for {o.duration_s:g} s "
        f"({o.pages} pages × ~{o.page_kb} KB) =="
    )
    print(
        f"throughput: {result.dossiers_per_s:.2f} dossiers/s registered "
        f"({result.finalized} in {load['load_s']:.1f} s; the last ones done "
        f"{result.drain_s:.1f} s after the load stopped, {load['unfinished']} unfinished), "
        f"{total['requests'] / elapsed:.0f} requests/s"
    )
    times = dossier_seconds(load)
    if times:
        print(
            f"dossier, due to registered: p50 {statistics.median(times):.2f} s, "
            f"max {times[-1]:.2f} s"
        )
    print(
        f"{'endpoint':<14}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"   {'gateway p50':>11}{'p99 ms':>8}"
    )
    for name in Endpoint:
        e = load["endpoints"][name.value]
        print(
            f"{name.value:<14}{e['requests']:>9}{e['failures']:>8}"
            f"{e['p50_ms']:>9.0f}{e['p95_ms']:>9.0f}{e['p99_ms']:>9.0f}"
            f"   {server_ms(result, name, 0.5):>11}{server_ms(result, name, 0.99):>8}"
        )
    for error in load["errors"]:
        print(f"  error ×{error['count']}: {error['method']} {error['name']}: {error['error']}")
    for error in load["exceptions"]:
        print(f"  load generator exception ×{error['count']}: {error['error']}")
    per = max(result.finalized, 1)
    cores = [("gateways", result.gateway_cpu_s)]
    if result.postgres_cpu_s is not None:
        cores.append(("PostgreSQL", result.postgres_cpu_s))
    cores.append(("load generator", float(load["generator_cpu_s"])))
    print(
        "CPU: "
        + "; ".join(
            f"{who} {cpu:.1f} s ("
            + (f"{cpu / per * 1000:.0f} ms per dossier, " if result.finalized else "")
            + f"{cpu / result.measured_s:.2f} cores)"
            for who, cpu in cores
        )
    )
    print(
        f"machine: {result.machine_busy_cores:.2f} of {psutil.cpu_count()} cores busy "
        f"(every process, other jobs included; {result.machine_busy_before:.2f} busy just "
        "before the run)"
    )
    print(
        f"reconciliation: {rec.created_seen} created, {rec.finalized_seen} registered as seen "
        f"by the kiosks; {rec.held} held; lost {rec.lost}, duplicated {rec.duplicated}, "
        f"incomplete {rec.incomplete}, code mismatch {rec.code_mismatch}, "
        f"held without a 201 seen {rec.unexpected}; codes "
        f"{'unique and gap-free' if rec.codes_gap_free else 'WITH GAPS'} "
        f"({', '.join(f'{d}: {n}' for d, n in rec.code_days.items()) or 'none'})"
    )
    if not result.replicas_alive:
        print("a replica died during the run")
    heartbeat_p99 = float(load["endpoints"][Endpoint.HEARTBEAT.value]["p99_ms"])
    print(
        f"targets: {o.kiosks} kiosks ({verdict(o.kiosks >= TARGET_KIOSKS)} ≥ {TARGET_KIOSKS}); "
        f"heartbeat p99 {heartbeat_p99:.0f} ms "
        f"({verdict(heartbeat_p99 <= TARGET_HEARTBEAT_P99_MS)} ≤ {TARGET_HEARTBEAT_P99_MS:.0f}); "
        f"{result.dossiers_per_s:.1f} dossiers/s sustained "
        f"({verdict(sustained(result) and result.dossiers_per_s >= TARGET_DOSSIERS_PER_S)} "
        f"≥ {TARGET_DOSSIERS_PER_S:.0f}, drained ≤ {MAX_DRAIN_S:.0f} s); "
        f"errors {result.errors} ({verdict(result.errors == 0)} 0); "
        f"lost or duplicated {rec.lost + rec.duplicated} ({verdict(rec.clean)} 0)"
    )
    print(f"saturates first: {saturation(result)}")


def server_ms(result: Result, endpoint: Endpoint, q: float) -> str:
    """The gateways' own q-quantile for the endpoint, in ms ("-" when not scraped)."""
    value = bucket_quantile(result.server_buckets.get(endpoint.value, []), q)
    if value is None:
        return "-"
    return "> 60000" if value == float("inf") else f"{value * 1000:.0f}"


def sustained(result: Result) -> bool:
    """Whether the gateways kept up with the offered rate: every dossier done, and the last
    ones soon after the load stopped (no backlog)."""
    return (
        result.finalized >= len(result.load["dossiers"])
        and result.load["unfinished"] == 0
        and result.drain_s <= MAX_DRAIN_S
    )


def saturation(result: Result) -> str:
    """Which consumer of the two cores is closest to its limit: a gateway process runs its
    requests on one core, PostgreSQL spreads over backends, and everything shares two cores."""
    wall = result.measured_s
    per_replica = result.gateway_cpu_s / result.options.replicas / wall
    shares = {
        "the gateway processes": result.gateway_cpu_s / wall,
        "PostgreSQL": (result.postgres_cpu_s or 0.0) / wall,
        "the load generator": float(result.load["generator_cpu_s"]) / wall,
    }
    top = max(shares, key=lambda k: shares[k])
    cores = psutil.cpu_count() or 1
    parts = [f"{who} {share:.2f} cores" for who, share in shares.items()]
    if per_replica >= 0.85:
        head = f"each gateway process is near one full core ({per_replica:.2f}): Python-bound"
    elif result.machine_busy_cores >= 0.9 * cores:
        head = f"the machine's {cores} cores ({result.machine_busy_cores:.2f} busy), most to {top}"
    elif not sustained(result):
        head = (
            "no CPU is at its limit, yet the offered rate is not sustained: the gateways wait "
            "(for the database's commits, a lock or a connection pool) rather than compute"
        )
    else:
        head = f"nothing is at its limit; the largest consumer is {top}"
    return f"{head} ({', '.join(parts)})"


def code_state() -> str:
    """Which gateway code was measured: the commit, and the gateway files changed since (the
    figures of a tree being worked on are only comparable with the same tree)."""
    git = ["git", "-C", str(Path(__file__).resolve().parent.parent)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--", "gateway"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    files = sorted(line[3:] for line in changed if line.strip())
    return f"commit {commit}" + (f", changed since: {', '.join(files)}" if files else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--dossiers-per-s", type=float, default=20.0)
    parser.add_argument("--duration-s", type=float, default=60.0)
    parser.add_argument(
        "--replicas", default="1,2", help="replica counts, one run each: 1, 2 or 1,2"
    )
    parser.add_argument("--backend", choices=[b.value for b in Backend], default="postgresql")
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--page-kb", type=int, default=60)
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.replicas.split(",")]
    if not counts or any(n < 1 for n in counts) or args.kiosks < 1 or args.duration_s <= 0:
        parser.error("--replicas, --kiosks and --duration-s must be positive")
    print(f"gateway code: {code_state()}")
    results = []
    for count in counts:
        options = Options(
            kiosks=args.kiosks,
            dossiers_per_s=args.dossiers_per_s,
            duration_s=args.duration_s,
            replicas=count,
            backend=Backend(args.backend),
            pages=args.pages,
            page_kb=args.page_kb,
        )
        with tempfile.TemporaryDirectory(prefix="bench-gateway-load-") as tmp:
            root = Path(tmp)
            result = run_once(options, root)
        report(result)
        results.append(result)
    if len(results) > 1:
        base = results[0]
        for other in results[1:]:
            print(
                f"\nscaling {base.options.replicas} → {other.options.replicas} replicas: "
                f"{base.dossiers_per_s:.2f} → {other.dossiers_per_s:.2f} dossiers/s, gateway CPU "
                f"{base.gateway_cpu_s / max(base.finalized, 1) * 1000:.0f} → "
                f"{other.gateway_cpu_s / max(other.finalized, 1) * 1000:.0f} ms per dossier, "
                f"heartbeat p99 "
                f"{base.load['endpoints'][Endpoint.HEARTBEAT.value]['p99_ms']:.0f} → "
                f"{other.load['endpoints'][Endpoint.HEARTBEAT.value]['p99_ms']:.0f} ms"
            )
    if args.json is not None:
        args.json.write_text(
            json.dumps([as_json(r) for r in results], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


def as_json(result: Result) -> dict[str, Any]:
    load = {k: v for k, v in result.load.items() if k != "dossiers"}
    return {
        "options": asdict(result.options),
        "load": load,
        "dossiers_per_s": result.dossiers_per_s,
        "drain_s": result.drain_s,
        "errors": result.errors,
        "gateway_cpu_s": result.gateway_cpu_s,
        "postgres_cpu_s": result.postgres_cpu_s,
        "machine_busy_cores": result.machine_busy_cores,
        "machine_busy_before": result.machine_busy_before,
        "measured_s": result.measured_s,
        "replicas_alive": result.replicas_alive,
        "server_buckets": {
            endpoint: [[bound if bound != float("inf") else "+Inf", count] for bound, count in b]
            for endpoint, b in result.server_buckets.items()
        },
        "reconciliation": {**asdict(result.reconciliation), "clean": result.reconciliation.clean},
    }


if __name__ == "__main__":
    sys.exit(main())
