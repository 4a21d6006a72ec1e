"""Typed settings: defaults, every refusal path, migrations, secrets, atomic saving, PINs."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from config.settings import (
    MASK,
    SCHEMA_VERSION,
    AgencySection,
    GatewaySection,
    Settings,
    dump_settings,
    hash_pin,
    load_settings,
    parse_settings,
    save_settings,
    settings_for_display,
    verify_pin,
    with_pin,
)
from dvc_common import atomic
from dvc_common.datafile import ConfigError

TOKEN = "tok-very-secret-4242"


def problems(text: str, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, "kiosk.toml", **kwargs)
    return {p.field: p.reason for p in caught.value.problems}


def test_empty_file_gives_working_defaults() -> None:
    settings = parse_settings("")
    assert settings.schema_version == SCHEMA_VERSION
    assert settings.kiosk.timezone == "Asia/Ho_Chi_Minh"
    assert settings.session.idle_warning_after_s == 90


def test_a_full_file_is_read() -> None:
    settings = parse_settings(
        f"""
        schema_version = 1
        [kiosk]
        id = "QNBP01"
        [agency]
        name = "Ủy ban nhân dân xã Bình Phú"
        [session]
        idle_warning_after_s = 120
        [gateway]
        url = "https://dvc.quangnam.example/api"
        token = "{TOKEN}"
        """
    )
    assert settings.kiosk.id == "QNBP01"
    assert settings.agency.name == "Ủy ban nhân dân xã Bình Phú"
    assert settings.gateway.token.get_secret_value() == TOKEN


def test_the_office_and_its_hours_have_sample_defaults() -> None:
    agency = parse_settings("").agency
    assert agency.office == "Bộ phận Một cửa, Ủy ban nhân dân xã Mẫu"
    assert agency.office_hours == (
        "Sáng từ 7 giờ 30 đến 11 giờ 30, chiều từ 13 giờ 30 đến 17 giờ, từ thứ Hai đến thứ Sáu"
    )
    for name in ("office", "office_hours", "address"):
        assert AgencySection.model_fields[name].description, name


def test_the_office_and_its_hours_are_read() -> None:
    agency = parse_settings(
        """
        [agency]
        office = "Trung tâm Phục vụ hành chính công xã Bình Phú"
        office_hours = "  Sáng từ 7 giờ đến 11 giờ, từ thứ Hai đến thứ Bảy "
        """
    ).agency
    assert agency.office == "Trung tâm Phục vụ hành chính công xã Bình Phú"
    assert agency.office_hours == "Sáng từ 7 giờ đến 11 giờ, từ thứ Hai đến thứ Bảy"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("[agency]\noffice = '      '", "agency.office", "blank"),
        ("[agency]\noffice = ''", "agency.office", "at least 3"),
        (f"[agency]\noffice = '{'x' * 161}'", "agency.office", "at most 160"),
        ("[agency]\noffice_hours = '        '", "agency.office_hours", "blank"),
        ("[agency]\noffice_hours = ''", "agency.office_hours", "at least 5"),
        (f"[agency]\noffice_hours = '{'x' * 201}'", "agency.office_hours", "at most 200"),
    ],
)
def test_the_office_and_its_hours_are_never_empty(text: str, field: str, words: str) -> None:
    found = problems(text)
    assert field in found, found
    assert words in found[field]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("[session]\nidle_warning_after_s = 5", "session.idle_warning_after_s", "greater than"),
        ("[session]\nidle_warning_after_s = 'soon'", "session.idle_warning_after_s", "integer"),
        ("[kiosk]\nid = 'kiosk 1'", "kiosk.id", "pattern"),
        ("[kiosk]\ntimezone = 'Mars/Olympus'", "kiosk.timezone", "unknown time zone"),
        ("[kiosk]\nlanguage = 'fr'", "kiosk.language", "'vi' or 'en'"),
        ("[kiosk]\nidd = 'X1'", "kiosk.idd", "unknown setting"),
        ("[sesion]\nidle_countdown_s = 10", "sesion", "unknown setting"),
        ("[gateway]\nurl = 'http://gw.example.vn'", "gateway.url", "https"),
        ("[gateway]\nurl = 'ftp://127.0.0.1'", "gateway.url", "http(s) URL"),
        ("[gateway]\nread_timeout_s = 0", "gateway.read_timeout_s", "greater than"),
        ("schema_version = 0", "schema_version", "positive integer"),
        ("schema_version = 99", "schema_version", "newer than this kiosk software"),
    ],
)
def test_each_bad_value_names_the_field_and_reason(text: str, field: str, words: str) -> None:
    found = problems(text)
    assert field in found, found
    assert words in found[field]


def test_all_problems_are_reported_at_once() -> None:
    found = problems("[session]\nidle_warning_after_s = 1\nidle_countdown_s = 1\n[kiosk]\nid = ''")
    assert set(found) == {"session.idle_warning_after_s", "session.idle_countdown_s", "kiosk.id"}


def test_broken_toml_is_refused_with_the_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("[kiosk\nid = 1", "kiosk.toml")
    assert "not valid TOML" in str(caught.value)
    assert "line 1" in str(caught.value)
    assert "kiosk.toml" in str(caught.value)


def test_loopback_gateway_may_use_plain_http() -> None:
    for url in ("http://127.0.0.1:8765", "http://localhost:9000/", "http://[::1]:8000"):
        assert parse_settings(f"[gateway]\nurl = '{url}'").gateway.url == url.rstrip("/")


def test_secrets_never_appear_in_errors_display_or_repr() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(f"[gateway]\ntoken = '{TOKEN}'\nurl = 'http://evil.example'")
    assert TOKEN not in str(caught.value)
    settings = parse_settings(f"[gateway]\ntoken = '{TOKEN}'")
    shown = settings_for_display(settings)
    assert shown["gateway"]["token"] == MASK
    assert shown["technician"]["pin_hash"] == "(not set)"
    assert TOKEN not in repr(settings) and TOKEN not in str(shown)


def test_secret_in_a_wrongly_typed_field_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("[gateway]\ntoken = 12345678901234")
    assert "12345678901234" not in str(caught.value)


def test_migrations_run_before_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import settings as settings_module

    # Pretend the schema is at version 2, where [timeouts].idle became [session].
    monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 2)

    def rename_idle(raw: dict[str, Any]) -> dict[str, Any]:
        raw["session"] = {"idle_warning_after_s": raw.pop("timeouts")["idle"]}
        return raw

    old_file = "schema_version = 1\n[timeouts]\nidle = 45"
    migrated = parse_settings(old_file, migrations={1: rename_idle})
    assert migrated.session.idle_warning_after_s == 45
    assert migrated.schema_version == 2
    # Without the migration the old key is an error, not silently ignored.
    assert "schema_version" in problems(old_file, migrations={})


def test_migration_chain_is_applied_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import settings as settings_module

    monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 3)
    calls: list[int] = []

    def step(version: int) -> Any:
        def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
            calls.append(version)
            return raw

        return upgrade

    raw = settings_module.migrate({"schema_version": 1}, {1: step(1), 2: step(2)})
    assert calls == [1, 2]
    assert raw["schema_version"] == 3
    with pytest.raises(ConfigError) as caught:
        settings_module.migrate({"schema_version": 1}, {1: step(1)})
    assert "no migration from version 2" in str(caught.value)


def test_save_then_load_round_trips_with_private_mode(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "kiosk.toml"
    settings = parse_settings(f"[gateway]\ntoken = '{TOKEN}'\n[kiosk]\nid = 'QN01'")
    save_settings(settings, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_settings(path)
    assert again == settings
    assert again.gateway.token.get_secret_value() == TOKEN
    assert "ca_file" not in dump_settings(settings)  # None is left out: TOML has no null
    assert [p.name for p in path.parent.iterdir()] == ["kiosk.toml"]


def test_missing_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("[agency]\nname = 'Ủy ban'".encode("utf-16"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(bad)


def test_failed_write_leaves_the_old_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kiosk.toml"
    save_settings(parse_settings("[kiosk]\nid = 'OLD1'"), path)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        save_settings(parse_settings("[kiosk]\nid = 'NEW1'"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.toml"]


def test_write_atomic_syncs_file_and_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(str(Path(f"/proc/self/fd/{fd}").readlink()))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", spy)
    atomic.write_atomic(tmp_path / "f.txt", b"data")
    assert (tmp_path / "f.txt").read_bytes() == b"data"
    assert len(synced) == 2
    assert synced[0].startswith(str(tmp_path / ".f.txt."))  # the temp file, before the rename
    assert synced[1] == str(tmp_path)  # then the directory, after it


def test_pin_hash_and_verify() -> None:
    stored = hash_pin("246810")
    assert stored.startswith("scrypt$")
    assert "246810" not in stored
    assert verify_pin("246810", stored)
    assert not verify_pin("246811", stored)
    assert not verify_pin("246810", "garbage")
    assert not verify_pin("246810", "md5$1$2$3$4$5")
    assert hash_pin("246810") != stored  # salted


@pytest.mark.parametrize("pin", ["12345", "1234567890123", "12a456", "", "١٢٣٤٥٦"])
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(ValueError, match="6 to 12 digits"):
        hash_pin(pin)


def test_with_pin_replaces_only_the_hash() -> None:
    settings = Settings(gateway=GatewaySection(token=SecretStr(TOKEN)))
    updated = with_pin(settings, "135790")
    assert verify_pin("135790", updated.technician.pin_hash.get_secret_value())
    assert updated.gateway == settings.gateway


def test_secrets_do_not_reach_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = parse_settings(f"[gateway]\ntoken = '{TOKEN}'")
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("loaded %s", settings)
    assert TOKEN not in caplog.text
