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


def test_device_conditions_app_and_link_quality_per_kiosk(watched: Gateway) -> None:
    beat = {
        "kiosk_id": "KIOSK01", "at": "2026-11-23T09:05:00+07:00", "software_version": "0.2.0",
        "queue": {"queued": 0, "uploading": 0, "needs_attention": 0, "oldest_queued_at": None},
        "devices": {"printer": "paper_out", "scanner": "ok", "qr_reader": "the lens is dusty"},
        "app_running": True,
        "link": {"signal_percent": 45, "rtt_ms": 2500, "requests": 40, "failures": 3},
    }  # fmt: skip
    assert watched.api("POST", "/api/v1/kiosks/heartbeat", json=beat).status_code == 204
    found = samples(watched)

    def value(name: str, **labels: str) -> float | None:
        return found.get((name, tuple(sorted(labels.items()))))

    condition = "dvc_gateway_kiosk_device_condition"
    assert value(condition, kiosk="KIOSK01", device="printer", condition="paper_out") == 1
    assert value(condition, kiosk="KIOSK01", device="scanner", condition="ok") == 1
    # Free text from an older kiosk is "other": a scrape's series stay bounded.
    assert value(condition, kiosk="KIOSK01", device="qr_reader", condition="other") == 1
    assert value("dvc_gateway_kiosk_app_running", kiosk="KIOSK01") == 1
    quality = "dvc_gateway_kiosk_link_quality"
    assert value(quality, kiosk="KIOSK01", quality="poor") == 1  # 2.5 s round trips
    assert value(quality, kiosk="KIOSK01", quality="good") == 0
    assert value("dvc_gateway_kiosk_link_signal_percent", kiosk="KIOSK01") == 45
    assert value("dvc_gateway_kiosk_link_rtt_seconds", kiosk="KIOSK01") == 2.5
    assert value("dvc_gateway_kiosk_link_requests", kiosk="KIOSK01") == 40
    assert value("dvc_gateway_kiosk_link_failures", kiosk="KIOSK01") == 3


def test_an_older_kiosks_heartbeat_has_an_unknown_link_and_no_app_figure(
    watched: Gateway,
) -> None:
    beat = {
        "kiosk_id": "KIOSK01", "at": "2026-11-23T09:05:00+07:00", "software_version": "0.1.0",
        "queue": {"queued": 0, "uploading": 0, "needs_attention": 0, "oldest_queued_at": None},
        "devices": {"printer": "ok"},
    }  # fmt: skip
    assert watched.api("POST", "/api/v1/kiosks/heartbeat", json=beat).status_code == 204
    found = samples(watched)
    key = (("kiosk", "KIOSK01"), ("quality", "unknown"))
    assert found[("dvc_gateway_kiosk_link_quality", key)] == 1
    assert not any(name.startswith(("dvc_gateway_kiosk_app_", "dvc_gateway_kiosk_link_r"))
                   for name, _ in found)  # fmt: skip


@pytest.mark.parametrize(
    "link",
    [
        {"signal_percent": 101, "rtt_ms": 10, "requests": 1, "failures": 0},
        {"signal_percent": None, "rtt_ms": -1, "requests": 1, "failures": 0},
        {"signal_percent": None, "rtt_ms": None, "requests": 1},
        {"signal_percent": None, "rtt_ms": None, "requests": "5", "failures": 0},
        {"signal_percent": None, "rtt_ms": None, "requests": 1, "failures": 0, "ssid": "x"},
    ],
)
def test_a_link_object_out_of_bounds_is_refused(gateway: Gateway, link: dict[str, object]) -> None:
    beat = {
        "kiosk_id": "KIOSK01", "at": "2026-11-23T09:05:00+07:00", "software_version": "0.2.0",
        "queue": {"queued": 0, "uploading": 0, "needs_attention": 0, "oldest_queued_at": None},
        "devices": {}, "link": link,
    }  # fmt: skip
    assert gateway.api("POST", "/api/v1/kiosks/heartbeat", json=beat).status_code in (400, 422)


def test_a_kiosk_silenced_on_purpose_is_not_exported(watched: Gateway) -> None:
    beat = {
        "kiosk_id": "KIOSK01", "at": "2026-11-23T09:05:00+07:00", "software_version": "0.1.0",
        "queue": {"queued": 0, "uploading": 0, "needs_attention": 0, "oldest_queued_at": None},
        "devices": {"printer": "ok"},
    }  # fmt: skip
    assert watched.api("POST", "/api/v1/kiosks/heartbeat", json=beat).status_code == 204
    assert ("dvc_gateway_kiosk_last_seen_timestamp_seconds", (("kiosk", "KIOSK01"),)) in samples(
        watched
    )
    # Its token revoked (the console's "Thu hồi mã truy cập"): it will beat no more, and must not
    # stay "stale" in every alert for ever.
    watched.db.revoke_kiosk_token("KIOSK01", MONDAY_MORNING)
    assert not any(("kiosk", "KIOSK01") in labels for _, labels in samples(watched))
