"""The gateway load benchmark's machinery, small and fast: real gateway processes, the Locust
load generator in its child process, and the reconciliation against ``dvc-gateway received``.
Correctness only: every dossier created once, with its files and a code, and no error. Timings
are the benchmark's business (``python -m benchmarks.gateway_load``), never asserted here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.gateway_load import (
    Backend,
    Endpoint,
    Options,
    Result,
    as_json,
    bucket_quantile,
    received,
    reconcile,
    report,
    run_once,
)
from simulators import pg_cluster

needs_postgres = pytest.mark.skipif(
    not pg_cluster.available() or importlib.util.find_spec("gateway.store_postgres") is None,
    reason="no PostgreSQL server, or the gateway's PostgreSQL store is not there yet",
)

PAGES = 6


def _check_run(result: Result, dossiers: int) -> None:
    load = result.load
    assert load["errors"] == [] and load["total"]["failures"] == 0
    assert load["unfinished"] == 0
    assert result.replicas_alive
    sent = load["dossiers"]
    assert len(sent) == dossiers
    assert all(d["created"] and d["dossier_code"] for d in sent)
    # Independently of the benchmark's own reconciliation: what `received --json` listed (the
    # run stops its PostgreSQL cluster, so the benchmark asked it before).
    holdings = result.holdings
    by_uuid: dict[str, list[dict[str, Any]]] = {}
    for held in holdings:
        by_uuid.setdefault(held["client_uuid"], []).append(held)
    assert sorted(by_uuid) == sorted(d["client_uuid"] for d in sent)
    for mine in sent:
        (theirs,) = by_uuid[mine["client_uuid"]]
        assert theirs["dossier_code"] == mine["dossier_code"]
        assert [f["complete"] for f in theirs["files"]] == [True] * PAGES
        assert sorted(f["sha256"] for f in theirs["files"]) == sorted(mine["sha256"])
    rec = result.reconciliation
    assert (rec.created_seen, rec.finalized_seen, rec.held) == (dossiers, dossiers, dossiers)
    assert rec.clean and rec.unexpected == 0
    assert sum(rec.code_days.values()) == dossiers
    # Every endpoint was exercised and counted.
    requests = {name: load["endpoints"][name.value]["requests"] for name in Endpoint}
    assert requests[Endpoint.CREATE] == requests[Endpoint.FINALIZE] == dossiers
    assert requests[Endpoint.UPLOAD_CREATE] == requests[Endpoint.PATCH] == dossiers * PAGES
    assert requests[Endpoint.HEARTBEAT] >= 1
    # The gateways timed every one of them too (their /metrics histograms, all replicas).
    timed = {name: result.server_buckets[name.value][-1] for name in Endpoint}
    assert timed == {name: (float("inf"), float(requests[name])) for name in Endpoint}


def _check_report(result: Result, capsys: pytest.CaptureFixture[str]) -> None:
    report(result)
    out = capsys.readouterr().out
    for heading in ("throughput:", "CPU: gateways", "load generator", "machine:",
                    "reconciliation:", "targets:", "saturates first:"):  # fmt: skip
        assert heading in out
    for name in Endpoint:
        assert f"\n{name.value} " in out
    figures = json.loads(json.dumps(as_json(result)))
    assert figures["reconciliation"]["clean"] is True
    assert figures["errors"] == 0
    assert set(figures["load"]["endpoints"]) == {e.value for e in Endpoint}
    for key in ("p50_ms", "p95_ms", "p99_ms", "requests", "failures"):
        assert key in figures["load"]["endpoints"][Endpoint.HEARTBEAT.value]
    assert figures["server_buckets"][Endpoint.HEARTBEAT.value][-1][0] == "+Inf"


def test_a_histogram_quantile_is_interpolated_within_its_bucket() -> None:
    buckets = [(0.01, 0.0), (0.05, 50.0), (0.1, 90.0), (0.25, 100.0), (float("inf"), 100.0)]
    assert bucket_quantile(buckets, 0.5) == pytest.approx(0.05)
    assert bucket_quantile(buckets, 0.25) == pytest.approx(0.03)
    assert bucket_quantile(buckets, 0.99) == pytest.approx(0.235)
    assert bucket_quantile([(0.1, 1.0), (float("inf"), 2.0)], 0.99) == float("inf")
    assert bucket_quantile([(0.1, 0.0), (float("inf"), 0.0)], 0.5) is None


def test_twenty_kiosks_send_two_dossiers_to_one_sqlite_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = Options(
        kiosks=20, dossiers_per_s=1.0, duration_s=2.0, replicas=1, backend=Backend.SQLITE
    )
    result = run_once(options, tmp_path)
    _check_run(result, dossiers=2)
    assert result.holdings == received(tmp_path / "gateway")  # SQLite outlives the run
    assert result.postgres_cpu_s is None
    _check_report(result, capsys)


@needs_postgres
def test_twenty_kiosks_send_four_dossiers_to_two_replicas_on_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = Options(
        kiosks=20, dossiers_per_s=2.0, duration_s=2.0, replicas=2, backend=Backend.POSTGRESQL
    )
    result = run_once(options, tmp_path)
    _check_run(result, dossiers=4)
    # Kiosks alternate between the replicas, and each replica registered some of the dossiers.
    assert len({d["replica"] for d in result.load["dossiers"]}) == 2
    assert result.postgres_cpu_s is not None and result.postgres_cpu_s > 0
    _check_report(result, capsys)


def _held(uuid: str, code: str | None, digests: list[str]) -> dict[str, Any]:
    files = [{"complete": True, "sha256": d} for d in digests]
    return {"client_uuid": uuid, "dossier_code": code, "files": files}


def _sent(uuid: str, code: str | None, digests: list[str]) -> dict[str, Any]:
    return {"client_uuid": uuid, "created": True, "dossier_code": code, "sha256": digests}


def test_the_reconciliation_finds_lost_duplicated_damaged_and_gapped_dossiers() -> None:
    a, b = ["a" * 64], ["b" * 64]
    sent = [
        _sent("u1", "H00-261207-0001", a),  # fine
        _sent("u2", "H00-261207-0002", a),  # held twice
        _sent("u3", "H00-261207-0004", a),  # held with other bytes
        _sent("u4", "H00-261207-0005", a),  # lost
    ]
    holdings = [
        _held("u1", "H00-261207-0001", a),
        _held("u2", "H00-261207-0002", a),
        _held("u2", "H00-261207-0002", a),
        _held("u3", "H00-261207-0004", b),
        _held("u9", None, a),  # no 201 was seen for it
    ]
    rec = reconcile(sent, holdings)
    assert (rec.lost, rec.incomplete, rec.unexpected) == (1, 1, 1)
    assert rec.duplicated == 2  # the second copy, and its code given twice
    assert not rec.codes_gap_free  # 0003 is missing
    assert not rec.clean
    clean = reconcile(sent[:1], holdings[:1])
    assert clean.clean and clean.code_days == {"H00-261207": 1}
