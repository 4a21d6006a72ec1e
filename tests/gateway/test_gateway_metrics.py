"""``GET /metrics`` (gateway.metrics): the monitoring token guards it, requests are counted by
route template, the fleet's figures come from the store, and the example alert rules fire on the
histories they are meant for (``promtool test rules``)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import requests
from gateway_testkit import MONDAY_MORNING, Gateway, dossier_body
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "m" * 40
PACKAGING = Path(__file__).resolve().parents[2] / "packaging" / "gateway"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(gateway: Gateway, token: str | None = TOKEN) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.get(f"{gateway.url}/metrics", headers=headers, timeout=10)


def samples(gateway: Gateway) -> Samples:
    answer = scrape(gateway)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


@pytest.fixture
def watched(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway(metrics_token=TOKEN)


def test_without_a_token_configured_there_are_no_metrics(gateway: Gateway) -> None:
    assert scrape(gateway).status_code == 404


def test_only_the_monitoring_token_reads_them(watched: Gateway) -> None:
    assert scrape(watched, None).status_code == 401
    assert scrape(watched, "x" * 40).status_code == 401
    assert scrape(watched, watched.token).status_code == 401  # a kiosk's token is not it
    assert scrape(watched).status_code == 200


def test_a_short_metrics_token_is_refused_at_start(make_gateway: Callable[..., Gateway]) -> None:
    with pytest.raises(ValueError, match="the metrics token must be at least 32 characters"):
        make_gateway(metrics_token="short")  # noqa: S106  # too short on purpose


def test_requests_are_counted_by_route_template_not_by_path(watched: Gateway) -> None:
    dossier = watched.create_dossier(dossier_body([b"%PDF page"])).json()
    (file,) = dossier["files"]
    watched.upload_dossier_file(dossier["dossier_id"], file["file_id"], b"%PDF page")
    watched.api("GET", "/api/v1/dossiers/d_no_such_dossier")

    found = samples(watched)

    def count(method: str, route: str, status: str) -> float:
        key = (("method", method), ("route", route), ("status", status))
        return found.get(("dvc_gateway_http_requests_total", key), 0.0)

    assert count("POST", "/api/v1/dossiers", "201") == 1
    assert count("POST", "/api/v1/uploads", "201") == 1
    assert count("PATCH", "/api/v1/uploads/{upload_id}", "204") == 1
    assert count("GET", "/api/v1/dossiers/{dossier_id}", "404") == 1
    routes = {dict(labels).get("route") for (_, labels) in found}
    assert not any(dossier["dossier_id"] in str(r) or "u_" in str(r) for r in routes)
    latency = ("dvc_gateway_http_request_duration_seconds_count",
               (("method", "PATCH"), ("route", "/api/v1/uploads/{upload_id}")))  # fmt: skip
    assert found[latency] == 1


def test_a_request_refused_before_routing_is_still_counted(watched: Gateway) -> None:
    refused = watched.api("POST", "/api/v1/dossiers", data=b"{" + b" " * 300_000,
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert refused.status_code == 413
    key = (("method", "POST"), ("route", "/api/v1/dossiers"), ("status", "413"))
    assert samples(watched)[("dvc_gateway_http_requests_total", key)] == 1


def test_the_fleet_is_read_from_the_store(watched: Gateway) -> None:
    beat = {
        "kiosk_id": "KIOSK01", "at": "2026-11-23T09:05:00+07:00", "software_version": "0.1.0",
        "queue": {"queued": 2, "uploading": 1, "needs_attention": 0,
                  "oldest_queued_at": "2026-11-23T08:40:00+07:00"},
        "devices": {"printer": "ok", "scanner": "paper_jam"},
    }  # fmt: skip
    assert watched.api("POST", "/api/v1/kiosks/heartbeat", json=beat).status_code == 204
    dossier = watched.create_dossier(dossier_body([b"%PDF one", b"%PDF two"])).json()
    watched.create_upload(8, dossier_id=dossier["dossier_id"],
                          file_id=dossier["files"][0]["file_id"])  # fmt: skip

    found = samples(watched)

    def value(name: str, **labels: str) -> float:
        return found[(name, tuple(sorted(labels.items())))]

    assert value("dvc_gateway_kiosks_enrolled") == 2
    assert value("dvc_gateway_uploads_in_progress") == 1
    assert value("dvc_gateway_dossiers_awaiting_files") == 1
    received = MONDAY_MORNING.timestamp()  # the gateway's (fake) clock
    assert value("dvc_gateway_kiosk_last_seen_timestamp_seconds", kiosk="KIOSK01") == received
    assert value("dvc_gateway_kiosk_outbox_dossiers", kiosk="KIOSK01", state="queued") == 2
    assert value("dvc_gateway_kiosk_oldest_unsynced_timestamp_seconds", kiosk="KIOSK01") == (
        datetime.fromisoformat("2026-11-23T08:40:00+07:00").timestamp()
    )
    assert value("dvc_gateway_kiosk_clock_skew_seconds", kiosk="KIOSK01") == 300.0
    assert value("dvc_gateway_kiosk_device_ready", kiosk="KIOSK01", device="printer") == 1
    assert value("dvc_gateway_kiosk_device_ready", kiosk="KIOSK01", device="scanner") == 0
    assert value("dvc_gateway_kiosk_software_info", kiosk="KIOSK01", version="0.1.0") == 1
    assert not any(name.startswith("dvc_gateway_kiosk_") and ("kiosk", "KIOSK02") in labels
                   for name, labels in found)  # KIOSK02 never sent a heartbeat  # fmt: skip


def test_the_alert_rules_fire_on_the_histories_they_are_for(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, "scripts/setup.sh installs Debian's prometheus (promtool)"
    for name in ("alerts.yml", "alerts_test.yml"):
        shutil.copy(PACKAGING / name, tmp_path / name)
    checked = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
