"""Kiosks' audit logs at the gateway: ``POST /api/v1/audit`` stores each event once per kiosk,
under the kiosk its token names, within the bounds of the protocol; ``dvc-gateway audit`` lists
them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from gateway_testkit import KIOSK, OTHER_KIOSK, Gateway

from gateway.cli import main

AUDIT = "/api/v1/audit"


def event(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "at": "2026-11-23T09:15:00+07:00",
        "kind": "technician.login",
        "actor": "KT-0042",
        "detail": "badge B000001 accepted",
    }
    return {**fields, **changes}


def test_a_batch_sent_again_stores_nothing_twice(gateway: Gateway) -> None:
    batch = [event(), event(kind="queue.retry"), event(kind="usb_export", detail="")]

    first = gateway.api("POST", AUDIT, json={"events": batch})
    again = gateway.api("POST", AUDIT, json={"events": batch})
    overlapping = gateway.api("POST", AUDIT, json={"events": [*batch[1:], event()]})

    assert (first.status_code, first.json()) == (200, {"stored": 3, "duplicates": 0})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 3})
    assert overlapping.json() == {"stored": 1, "duplicates": 2}
    stored = gateway.db.audit_events(KIOSK)
    assert len(stored) == 4
    assert {e.kiosk_id for e in stored} == {KIOSK}


def test_an_id_twice_in_one_batch_is_one_event(gateway: Gateway) -> None:
    one = event()
    answer = gateway.api("POST", AUDIT, json={"events": [one, {**one, "detail": "changed"}]})
    assert answer.json() == {"stored": 1, "duplicates": 1}
    assert [e.detail for e in gateway.db.audit_events(KIOSK)] == [one["detail"]]


def test_events_are_stored_under_the_tokens_kiosk(gateway: Gateway) -> None:
    batch = [event()]
    other = gateway.as_kiosk(gateway.other_token)
    assert gateway.api("POST", AUDIT, json={"events": batch}).json()["stored"] == 1
    # Another kiosk's log is its own: the same id there is not a duplicate of this one's.
    answer = other.post(gateway.url + AUDIT, json={"events": batch}, timeout=10)
    assert answer.json() == {"stored": 1, "duplicates": 0}
    assert [e.kiosk_id for e in gateway.db.audit_events()] == [KIOSK, OTHER_KIOSK]


def test_events_are_listed_in_time_order_whatever_their_offsets(gateway: Gateway) -> None:
    late = event(at="2026-11-23T03:00:00Z", kind="late")  # 10:00 in Hà Nội
    early = event(at="2026-11-23T09:30:00+07:00", kind="early")
    gateway.api("POST", AUDIT, json={"events": [late, early]})
    assert [e.kind for e in gateway.db.audit_events(KIOSK)] == ["early", "late"]


@pytest.mark.parametrize(
    "batch",
    [
        [],
        [event() for _ in range(501)],
        [event(id="not-a-uuid")],
        [event(at="2026-11-23T09:15:00")],  # no zone
        [event(kind="Technician Login")],
        [event(kind="k" * 41)],
        [event(actor="a" * 81)],
        [event(detail="d" * 501)],
        [{**event(), "extra": 1}],
        [{k: v for k, v in event().items() if k != "detail"}],
    ],
    ids=[
        "empty",
        "501 events",
        "id",
        "zone",
        "kind pattern",
        "kind length",
        "actor",
        "detail",
        "extra field",
        "missing field",
    ],
)
def test_a_batch_out_of_bounds_is_refused_whole(
    gateway: Gateway, batch: list[dict[str, Any]]
) -> None:
    answer = gateway.api("POST", AUDIT, json={"events": batch})
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("invalid-body")
    assert gateway.db.audit_events() == []


def test_bounds_are_inclusive(gateway: Gateway) -> None:
    largest = [event(kind="k" * 40, actor="a" * 80, detail="đ" * 500) for _ in range(40)]
    most = [event(detail="") for _ in range(500)]
    assert gateway.api("POST", AUDIT, json={"events": largest}).json()["stored"] == 40
    assert gateway.api("POST", AUDIT, json={"events": most}).json()["stored"] == 500


def test_a_batch_is_also_held_to_the_body_limit(gateway: Gateway) -> None:
    # 500 events of the longest details are more than 256 KiB of JSON: a kiosk sends fewer.
    batch = [event(detail="đ" * 500) for _ in range(500)]
    answer = gateway.api("POST", AUDIT, json={"events": batch})
    assert answer.status_code == 413
    assert gateway.db.audit_events() == []


def test_the_audit_log_needs_a_kiosks_token(gateway: Gateway) -> None:
    answer = gateway.anonymous().post(gateway.url + AUDIT, json={"events": [event()]}, timeout=10)
    assert answer.status_code == 401


def test_the_audit_command_lists_events(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = event(detail="mine")
    gateway.api("POST", AUDIT, json={"events": [mine]})
    gateway.as_kiosk(gateway.other_token).post(
        gateway.url + AUDIT, json={"events": [event(detail="other")]}, timeout=10
    )
    data = str(gateway.data_dir)

    assert main(["audit", "--data", data, "--kiosk", KIOSK, "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [(e["kiosk_id"], e["id"], e["detail"]) for e in listing] == [(KIOSK, mine["id"], "mine")]
    assert main(["audit", "--data", data]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all("technician.login" in line for line in lines)
