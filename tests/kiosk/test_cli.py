"""The ``kiosk`` command run as a real process, the way technicians and scripts use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__

VALID = (
    "049085001234|123456789|LÊ VĂN THỬ|02091985|Nam|Thôn 2, xã Bình Phú, tỉnh Quảng Nam|01062021"
)


def kiosk(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KIOSK_CONFIG": "", **(env or {})},
        check=False,
    )


def test_version() -> None:
    result = kiosk("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kiosk {__version__}"


def test_identity_parse_valid_masks_by_default() -> None:
    result = kiosk("identity", "parse", VALID, "--today", "2026-11-22")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["valid"] is True
    assert data["id_number"] == "********1234"
    assert data["full_name"] == "LÊ VĂN THỬ"
    assert data["date_of_birth"] == "1985-09-02"
    assert "049085001234" not in result.stdout + result.stderr


def test_identity_parse_reveal() -> None:
    result = kiosk("identity", "parse", VALID, "--reveal")
    assert json.loads(result.stdout)["id_number"] == "049085001234"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("a|b|c", "too_few_fields"),
        (VALID.replace("049085", "049086"), "birth_year_mismatch"),
        (VALID.replace("049085", "003085"), "province_code_unknown"),
        (VALID.replace("01062021", "01062099"), "issue_date_in_future"),
    ],
)
def test_identity_parse_invalid_exits_2_with_reason(payload: str, reason: str) -> None:
    result = kiosk("identity", "parse", payload)
    assert result.returncode == 2
    assert json.loads(result.stdout)["reason"] == reason
    assert reason in result.stderr


def test_identity_parse_file_with_mojibake_bytes(tmp_path: Path) -> None:
    raw = tmp_path / "qr.bin"
    raw.write_bytes(VALID.encode("utf-8").decode("latin-1").encode("utf-8") + b"\r\n")
    result = kiosk("identity", "parse", "--file", str(raw))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["full_name"] == "LÊ VĂN THỬ"


def test_identity_parse_file_with_invalid_utf8(tmp_path: Path) -> None:
    raw = tmp_path / "qr.bin"
    raw.write_bytes(b"\xc3\x28|x")
    result = kiosk("identity", "parse", "--file", str(raw))
    assert result.returncode == 2
    assert json.loads(result.stdout)["reason"] == "not_utf8_text"


def test_config_check_good_and_bad(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[kiosk]\nid = 'QN01'\n", encoding="utf-8")
    assert kiosk("config", "check", str(good)).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[session]\nidle_countdown_s = 1\n", encoding="utf-8")
    result = kiosk("config", "check", str(bad))
    assert result.returncode == 2
    assert "session.idle_countdown_s" in result.stderr
    assert "greater than or equal to 5" in result.stderr


def test_config_show_masks_secrets(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[gateway]\ntoken = 'super-secret-token'\n", encoding="utf-8")
    for args in (("config", "show"), ("config", "show", "--json")):
        result = kiosk("--config", str(path), *args)
        assert result.returncode == 0, result.stderr
        assert "super-secret-token" not in result.stdout
        assert "********" in result.stdout
    data = json.loads(kiosk("--config", str(path), "config", "show", "--json").stdout)
    assert data["settings"]["gateway"]["token"] == "********"


def test_broken_config_refuses_to_run(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nid = 'bad id'\n", encoding="utf-8")
    result = kiosk("catalog", "list", env={"KIOSK_CONFIG": str(path)})
    assert result.returncode == 2
    assert "kiosk.id" in result.stderr


def test_config_set_pin(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nid = 'QN01'\n", encoding="utf-8")
    result = kiosk("config", "set-pin", str(path), stdin="987654\n")
    assert result.returncode == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert "scrypt$" in text and "987654" not in text
    assert kiosk("config", "set-pin", str(path), stdin="12\n").returncode == 2


def test_catalog_list_and_show() -> None:
    listing = kiosk("catalog", "list", "--json")
    data = json.loads(listing.stdout)
    assert data["sample"] is True
    codes = {p["code"] for p in data["procedures"]}
    assert {"1.004873", "1.000894", "1.001193"} <= codes
    text = kiosk("catalog", "list").stdout
    assert "Đăng ký kết hôn" in text
    shown = kiosk("catalog", "show", "1.004873")
    assert shown.returncode == 0
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in shown.stdout
    assert "Giấy tờ:" in shown.stdout
    detail = json.loads(kiosk("catalog", "show", "marriage_registration", "--json").stdout)
    assert detail["code"] == "1.000894"
    missing = kiosk("catalog", "show", "9.999999")
    assert missing.returncode == 2
    assert "no procedure" in missing.stderr


@pytest.mark.parametrize(
    ("procedure", "received", "due"),
    [
        # 3 working days from Friday morning: Mon, Tue (24/11 is a holiday, skipped), Wed...
        ("1.004873", "2026-11-20T09:00", "2026-11-26"),
        # It has no cut-off hour, so late Friday afternoon still counts as Friday...
        ("1.004873", "2026-11-20T16:00", "2026-11-26"),
        # ...but a same-day procedure received after 15:00 on Friday is due on Monday.
        ("1.000894", "2026-11-20T15:01", "2026-11-23"),
        ("1.000894", "2026-11-20T15:00", "2026-11-20"),
        # Same-day procedure received on a Saturday: due Monday.
        ("1.000894", "2026-11-21T10:00", "2026-11-23"),
        # Received before 30/4 and 1/5 (Thursday, Friday holidays).
        ("1.004873", "2026-04-29T08:00", "2026-05-06"),
        # New Year's Day 2027 is a Friday.
        ("1.004873", "2026-12-31T10:00", "2027-01-06"),
    ],
)
def test_calendar_due(procedure: str, received: str, due: str) -> None:
    result = kiosk("calendar", "due", "--procedure", procedure, "--received", received)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == due


def test_calendar_due_json_and_errors() -> None:
    result = kiosk(
        "calendar", "due", "--procedure", "1.000894", "--received", "2026-11-23T15:30", "--json"
    )
    data = json.loads(result.stdout)
    assert data["effective_receipt_date"] == "2026-11-25"
    assert data["due"] == "2026-11-25"
    assert data["due_vn"] == "25/11/2026"
    bad = kiosk("calendar", "due", "--procedure", "1.000894", "--received", "yesterday")
    assert bad.returncode == 2
    assert "ISO" in bad.stderr


def test_calendar_day() -> None:
    assert "Quốc khánh" in kiosk("calendar", "day", "2026-09-02").stdout
    assert kiosk("calendar", "day", "2026-11-23").stdout.strip() == "working day"


def test_the_kiosk_command_hosts_neither_the_gateway_nor_the_demo() -> None:
    # The server and the demo tooling are distributions of their own (dvc-gateway, kiosk-demo).
    for command in ("gateway", "demo"):
        result = kiosk(command, "--help")
        assert result.returncode == 2
        assert "invalid choice" in result.stderr


def test_the_gateway_command_enrols_and_lists(tmp_path: Path) -> None:
    data = tmp_path / "gw"
    gateway = [sys.executable, "-m", "gateway"]
    enrolled = subprocess.run(
        [*gateway, "enrol", "--data", str(data), "--kiosk", "KIOSK01"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert len(enrolled.stdout.strip().split()[-1]) >= 32
    received = subprocess.run(
        [*gateway, "received", "--data", str(data), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert received.returncode == 0, received.stderr
    assert json.loads(received.stdout) == []


def test_config_show_prints_nested_sections() -> None:
    out = kiosk("config", "show").stdout
    assert "[devices.printer]" in out
    assert "[gateway]" in out
