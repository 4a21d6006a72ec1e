"""The document check's warning at the gateway: a document entry may carry ``check`` (the kiosk
warned, the citizen kept the document); the gateway accepts it, keeps it with the dossier and
shows it to staff (``dvc-gateway received``); a body without it, as older kiosks send, is
accepted as before; a malformed warning is refused like any other bad field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gateway_testkit import Gateway, dossier_body

from dvc_common.protocol import CheckVerdict
from gateway.cli import main

PAGE = b"%PDF-1.7 " + bytes(range(256)) * 20
WARNING = {"verdict": "other_document", "looks_like": "Sổ hộ khẩu", "page_index": 0}


def warned_body(check: Any = WARNING, **body: Any) -> dict[str, Any]:
    data = dossier_body([PAGE], **body)
    data["documents"][0]["check"] = check
    return data


def test_a_warning_is_accepted_kept_and_shown_to_staff(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    body = warned_body()
    created = gateway.create_dossier(body)
    assert created.status_code == 201, created.text
    dossier_id = created.json()["dossier_id"]
    record = gateway.db.dossier(dossier_id)
    assert record is not None
    assert json.loads(record.body)["documents"][0]["check"] == WARNING
    # The same request again is the same dossier (the warning is part of the body).
    again = gateway.create_dossier(body)
    assert again.status_code == 200 and again.json()["dossier_id"] == dossier_id

    assert main(["received", "--data", str(gateway.data_dir), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["warnings"] == [
        {"code": "birth_certificate", "name": "Giấy chứng sinh", **WARNING}
    ]
    assert main(["received", "--data", str(gateway.data_dir)]) == 0
    assert "check: Giấy chứng sinh: other_document (Sổ hộ khẩu)" in capsys.readouterr().out


def test_every_verdict_and_a_bare_one_are_accepted(gateway: Gateway) -> None:
    for number, verdict in enumerate(CheckVerdict, start=1):
        body = warned_body({"verdict": verdict.value}, receipt_number=f"KIOSK01-261123-000{number}")
        assert gateway.create_dossier(body).status_code == 201, verdict


def test_the_old_format_without_a_warning_is_accepted_and_lists_none(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    body = dossier_body([PAGE])
    assert "check" not in body["documents"][0]
    assert gateway.create_dossier(body).status_code == 201
    assert main(["received", "--data", str(gateway.data_dir), "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["warnings"] == []


@pytest.mark.parametrize(
    "check",
    [
        {"verdict": "match"},  # only warnings travel
        {"verdict": "wrong"},
        {"looks_like": "Sổ hộ khẩu"},
        {"verdict": "blank", "page_index": -1},
        {"verdict": "blank", "page_index": "0"},
        {"verdict": "other_document", "looks_like": "x" * 201},
        {"verdict": "blank", "extra": 1},
    ],
)
def test_a_malformed_warning_is_refused(gateway: Gateway, check: dict[str, Any]) -> None:
    answer = gateway.create_dossier(warned_body(check))
    assert answer.status_code == 400, answer.text
    fields = [error["field"] for error in answer.json()["errors"]]
    assert any(field.startswith("documents.0.check") for field in fields), fields
