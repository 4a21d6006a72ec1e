"""The old → current administrative-unit table: a card's printed address comes back in its current
form (or None when there is nothing to change), the table never guesses a commune, and a broken
table file is refused with a message naming the file and the field."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from config.provinces import PROVINCES
from drivers.qr.fake import SAMPLE_CITIZEN_PAYLOAD
from dvc_common.admin_units import (
    BUNDLED_ADMIN_UNITS_DIR,
    PROVINCES_FILE,
    AddressUpdate,
    AdminUnits,
    UnitChange,
    UnitLevel,
    load_admin_units,
)
from dvc_common.datafile import ConfigError
from simulators.people import DEMO_APPLICANT

QUANG_NAM_TO_DA_NANG = UnitChange(UnitLevel.PROVINCE, "tỉnh Quảng Nam", "thành phố Đà Nẵng")
THANG_BINH_GONE = UnitChange(UnitLevel.DISTRICT, "huyện Thăng Bình", None)
BINH_PHU_TO_THANG_PHU = UnitChange(UnitLevel.COMMUNE, "xã Bình Phú", "xã Thăng Phú")
DEMO_CURRENT = "Thôn 2, xã Thăng Phú, thành phố Đà Nẵng"


@pytest.fixture(scope="module")
def units() -> AdminUnits:
    return load_admin_units()


def updated(units: AdminUnits, address: str) -> AddressUpdate:
    result = units.update_address(address)
    assert result is not None, address
    return result


# --- the bundled table ---------------------------------------------------------------------------


def test_the_bundled_table_loads_and_is_marked_sample(units: AdminUnits) -> None:
    assert units.is_sample
    # The commune rows are the illustrative part; the province rows are the resolution's.
    assert [f.sample for f in units.files.values()] == [True]
    assert not units.index.sample
    assert len({row.new for row in units.index.province}) == 34


def test_its_names_are_nfc() -> None:
    for path in BUNDLED_ADMIN_UNITS_DIR.glob("*.toml"):
        assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("name", sorted(PROVINCES.values()))
def test_every_province_an_id_number_can_name_is_in_the_table(units: AdminUnits, name: str) -> None:
    # A district is always dropped, so any province the table knows yields an update.
    result = updated(units, f"Thôn 1, xã Tân Hưng, huyện Yên Bình, {name}")
    current = {row.new for row in units.index.province}
    assert any(result.updated.endswith(f", {c}") for c in current)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("tỉnh Quảng Nam", "thành phố Đà Nẵng"),
        ("tỉnh Hà Giang", "tỉnh Tuyên Quang"),
        ("tỉnh Bình Dương", "thành phố Hồ Chí Minh"),
        ("tỉnh Kiên Giang", "tỉnh An Giang"),
        ("tỉnh Thừa Thiên Huế", "thành phố Huế"),
    ],
)
def test_merged_provinces(units: AdminUnits, old: str, new: str) -> None:
    result = updated(units, f"Ấp 3, xã Tân Hưng, {old}")
    assert result.updated == f"Ấp 3, xã Tân Hưng, {new}"
    assert result.changes == (UnitChange(UnitLevel.PROVINCE, old, new),)
    assert not result.commune_checked


# --- the demo addresses --------------------------------------------------------------------------


def test_the_demo_citizen_address_comes_back_in_current_form(units: AdminUnits) -> None:
    card_address = SAMPLE_CITIZEN_PAYLOAD.decode().split("|")[5]
    result = updated(units, card_address)
    assert result == AddressUpdate(
        original="Thôn 2, xã Bình Phú, tỉnh Quảng Nam",
        updated=DEMO_CURRENT,
        changes=(QUANG_NAM_TO_DA_NANG, BINH_PHU_TO_THANG_PHU),
        commune_checked=True,
    )


def test_the_demo_applicant_address_loses_its_district(units: AdminUnits) -> None:
    result = updated(units, DEMO_APPLICANT.address)
    assert result.updated == "Thôn Phú Xuân, xã Thăng Phú, thành phố Đà Nẵng"
    assert result.changes == (QUANG_NAM_TO_DA_NANG, THANG_BINH_GONE, BINH_PHU_TO_THANG_PHU)
    assert result.commune_checked


def test_a_thi_tran_becomes_the_xa_it_was_merged_into(units: AdminUnits) -> None:
    result = updated(units, "Khối 4, thị trấn Hà Lam, huyện Thăng Bình, tỉnh Quảng Nam")
    assert result.updated == "Khối 4, xã Thăng Bình, thành phố Đà Nẵng"
    assert UnitChange(UnitLevel.COMMUNE, "thị trấn Hà Lam", "xã Thăng Bình") in result.changes


# --- tolerant matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Thôn 2, X. Bình Phú, H. Thăng Bình, T. Quảng Nam",
        "Thôn 2, X.Bình Phú, H.Thăng Bình, T.Quảng Nam",
        "Thôn 2, Xã Bình Phú, Huyện Thăng Bình, Tỉnh Quảng Nam",
        "Thôn 2, XÃ BÌNH PHÚ, HUYỆN THĂNG BÌNH, TỈNH QUẢNG NAM",
        "Thôn 2,xã Bình Phú,huyện Thăng Bình,tỉnh Quảng Nam",
        "  Thôn 2 ,,  xã   Bình  Phú ,  huyện Thăng Bình ,tỉnh Quảng Nam.  ",
        "Thôn 2 xã Bình Phú huyện Thăng Bình tỉnh Quảng Nam",
        "Thôn 2; xã Bình Phú; huyện Thăng Bình; tỉnh Quảng Nam",
    ],
)
def test_case_spacing_commas_and_abbreviations(units: AdminUnits, written: str) -> None:
    result = updated(units, written)
    assert result.updated == DEMO_CURRENT
    assert result.original == written
    assert result.commune_checked


def test_other_abbreviations(units: AdminUnits) -> None:
    result = updated(units, "Khối 4, TT. Hà Lam, H. Thăng Bình, T. Quảng Nam")
    assert result.updated == "Khối 4, xã Thăng Bình, thành phố Đà Nẵng"
    result = updated(units, "Tổ 5, Khu phố 3, P.1, TX. Gò Công, T. Tiền Giang")
    assert result.updated == "Tổ 5, Khu phố 3, phường 1, tỉnh Đồng Tháp"
    assert result.changes[1] == UnitChange(UnitLevel.DISTRICT, "thị xã Gò Công", None)
    result = updated(units, "12 Lê Lợi, P. Bến Thành, Q. 1, TP. Hồ Chí Minh")
    assert result.updated == "12 Lê Lợi, phường Bến Thành, thành phố Hồ Chí Minh"
    assert result.changes == (UnitChange(UnitLevel.DISTRICT, "quận 1", None),)
    result = updated(units, "Số 5, P. Hòa Thuận, TP Tam Kỳ, T. Quảng Nam")
    assert result.updated == "Số 5, phường Hòa Thuận, thành phố Đà Nẵng"
    assert UnitChange(UnitLevel.DISTRICT, "thành phố Tam Kỳ", None) in result.changes


def test_decomposed_input(units: AdminUnits) -> None:
    written = unicodedata.normalize("NFD", "Thôn 2, xã Bình Phú, tỉnh Quảng Nam")
    result = updated(units, written)
    assert result.updated == DEMO_CURRENT
    assert unicodedata.is_normalized("NFC", result.updated)


def test_old_and_new_tone_placement_are_the_same_name(units: AdminUnits) -> None:
    result = updated(units, "Xóm Đông, xã Tân Hưng, tỉnh Hoà Bình")
    assert result.updated == "Xóm Đông, xã Tân Hưng, tỉnh Phú Thọ"
    assert units.update_address("Xóm Đông, xã Quảng Phú, tỉnh Thanh Hoá") is None


# --- the street part -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "street",
    [
        "Thôn 2",
        "Số 12/3 kiệt 45 đường Nguyễn Văn Linh, Tổ 5, Khu phố 3",
        "Tổ dân phố Xuân Quý 2",
        "Ấp Bình Thạnh - Thôn  Phú   Xuân",
    ],
)
def test_the_street_part_is_kept_as_written(units: AdminUnits, street: str) -> None:
    result = updated(units, f"{street}, xã Bình Phú, huyện Thăng Bình, tỉnh Quảng Nam")
    assert result.updated == f"{street}, xã Thăng Phú, thành phố Đà Nẵng"


def test_an_address_that_starts_with_its_commune_starts_with_a_capital(
    units: AdminUnits,
) -> None:
    assert updated(units, "xã Bình Phú, tỉnh Quảng Nam").updated == (
        "Xã Thăng Phú, thành phố Đà Nẵng"
    )


# --- nothing to change ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        DEMO_CURRENT,
        "Thôn 2, X. Thăng Phú, TP. Đà Nẵng",
        "Phường Ba Đình, Hà Nội",
        "Số 5, phường Phú Hội, thành phố Huế",
        "Ấp Bình Thạnh, xã Tân Hưng, tỉnh Tây Ninh",
    ],
)
def test_an_address_already_in_current_form(units: AdminUnits, address: str) -> None:
    assert units.update_address(address) is None


@pytest.mark.parametrize(
    "address",
    [
        "Thôn 2, xã Bình Phú, huyện Thăng Bình, tỉnh Quảng Đông",
        "Thôn 2, xã Bình Phú, huyện Thăng Bình",
        "Thôn 2, xã Bình Phú",
        "",
    ],
)
def test_an_unknown_or_missing_province_is_left_alone(units: AdminUnits, address: str) -> None:
    assert units.update_address(address) is None


# --- never guess ---------------------------------------------------------------------------------


def test_an_unknown_commune_keeps_its_name_and_is_flagged(units: AdminUnits) -> None:
    result = updated(units, "Thôn 1, X. Bình Chánh, H. Thăng Bình, T. Quảng Nam")
    assert result.updated == "Thôn 1, xã Bình Chánh, thành phố Đà Nẵng"
    assert result.changes == (QUANG_NAM_TO_DA_NANG, THANG_BINH_GONE)
    assert not result.commune_checked


def test_a_known_commune_in_another_district_is_not_taken(units: AdminUnits) -> None:
    # xã Bình Phú is listed under huyện Thăng Bình only; the printed district rules it out.
    result = updated(units, "Thôn 1, xã Bình Phú, huyện Núi Thành, tỉnh Quảng Nam")
    assert result.updated == "Thôn 1, xã Bình Phú, thành phố Đà Nẵng"
    assert not result.commune_checked


def test_an_unchanged_province_still_loses_its_district(units: AdminUnits) -> None:
    result = updated(units, "Số 5, phường Kim Mã, quận Ba Đình, Hà Nội")
    assert result.updated == "Số 5, phường Kim Mã, thành phố Hà Nội"
    assert result.changes == (UnitChange(UnitLevel.DISTRICT, "quận Ba Đình", None),)
    assert not result.commune_checked


def test_a_half_updated_address_gets_its_commune(units: AdminUnits) -> None:
    result = updated(units, "Thôn 2, xã Bình Phú, thành phố Đà Nẵng")
    assert result.updated == DEMO_CURRENT
    assert result.changes == (BINH_PHU_TO_THANG_PHU,)


# --- a table written for the test ----------------------------------------------------------------

PROVINCES_TOML = """\
schema_version = 1
sample = true
source = "test table"
updated = "2026-12-06"
effective = 2025-07-01

[[province]]
old = "tỉnh Quảng Nam"
new = "thành phố Đà Nẵng"

[[province]]
old = "thành phố Đà Nẵng"
new = "thành phố Đà Nẵng"

[[province]]
old = "tỉnh Long An"
new = "tỉnh Tây Ninh"
"""

COMMUNES_TOML = """\
schema_version = 1
sample = true
source = "test table"
updated = "2026-12-06"
province = "thành phố Đà Nẵng"

[[district]]
old_province = "tỉnh Quảng Nam"
name = "huyện Núi Thành"
communes = [
    { old = "xã Tam Hiệp", new = "xã Núi Thành" },
    { old = "xã Tam Thạnh", new = "xã Núi Thành", part = true },
    { old = "xã Tam Thạnh", new = "xã Tam Mỹ", part = true },
    { old = "xã Tam Mỹ", new = "xã Tam Xuân" },
]

[[district]]
old_province = "tỉnh Quảng Nam"
name = "huyện Phú Ninh"
communes = [
    { old = "xã Tam Hiệp", new = "xã Phú Ninh" },
    { old = "xã Tam Lãnh", new = "xã Phú Ninh", part = true },
]

[[district]]
old_province = "tỉnh Quảng Nam"
name = "thành phố Tam Kỳ"
communes = [
    { old = "phường 1", new = "phường Tam Kỳ" },
]
"""


def write_table(directory: Path, communes: str = COMMUNES_TOML) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / PROVINCES_FILE).write_text(PROVINCES_TOML, encoding="utf-8")
    (directory / "da_nang.toml").write_text(communes, encoding="utf-8")
    return directory


@pytest.fixture
def table(tmp_path: Path) -> AdminUnits:
    return load_admin_units(write_table(tmp_path / "units"))


def test_a_split_commune_is_never_checked(table: AdminUnits) -> None:
    result = updated(table, "Thôn 1, xã Tam Thạnh, huyện Núi Thành, tỉnh Quảng Nam")
    assert result.updated == "Thôn 1, xã Tam Thạnh, thành phố Đà Nẵng"
    assert not result.commune_checked


def test_a_commune_only_partly_listed_is_never_checked(table: AdminUnits) -> None:
    # The rest of xã Tam Lãnh went to a commune this table does not list.
    result = updated(table, "Thôn 1, xã Tam Lãnh, huyện Phú Ninh, tỉnh Quảng Nam")
    assert result.updated == "Thôn 1, xã Tam Lãnh, thành phố Đà Nẵng"
    assert not result.commune_checked


def test_a_numbered_ward_matches_with_or_without_its_leading_zero(table: AdminUnits) -> None:
    for written in ("Tổ 3, P.01, TP. Tam Kỳ, T. Quảng Nam", "Tổ 3, Phường 1, Tỉnh Quảng Nam"):
        result = updated(table, written)
        assert result.updated == "Tổ 3, phường Tam Kỳ, thành phố Đà Nẵng"
        assert result.commune_checked


def test_a_name_shared_by_two_districts_needs_the_district(table: AdminUnits) -> None:
    without = updated(table, "Thôn 1, xã Tam Hiệp, tỉnh Quảng Nam")
    assert without.updated == "Thôn 1, xã Tam Hiệp, thành phố Đà Nẵng"
    assert not without.commune_checked
    within = updated(table, "Thôn 1, xã Tam Hiệp, huyện Phú Ninh, tỉnh Quảng Nam")
    assert within.updated == "Thôn 1, xã Phú Ninh, thành phố Đà Nẵng"
    assert within.commune_checked


def test_an_old_name_that_is_also_a_current_one_is_read_as_current(table: AdminUnits) -> None:
    # "xã Tam Mỹ" was an old commune (now in xã Tam Xuân) and is a current one: with the current
    # province and no district the address may already be current, so it is left alone; with
    # the old province or a district it is certainly old.
    assert table.update_address("Thôn 1, xã Tam Mỹ, thành phố Đà Nẵng") is None
    old = updated(table, "Thôn 1, xã Tam Mỹ, tỉnh Quảng Nam")
    assert old.updated == "Thôn 1, xã Tam Xuân, thành phố Đà Nẵng"


def test_the_loader_takes_another_directory(table: AdminUnits) -> None:
    assert table.is_sample
    assert updated(table, "Ấp 1, xã Mỹ Yên, huyện Bến Lức, tỉnh Long An").updated == (
        "Ấp 1, xã Mỹ Yên, tỉnh Tây Ninh"
    )
    # The bundled table's demo row is not in this one.
    assert not updated(table, "Thôn 2, xã Bình Phú, tỉnh Quảng Nam").commune_checked


# --- broken files --------------------------------------------------------------------------------


def refusal(directory: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_admin_units(directory)
    return str(caught.value)


@pytest.mark.parametrize(
    ("broken", "field", "reason"),
    [
        (
            COMMUNES_TOML.replace('{ old = "xã Tam Mỹ", new', '{ old = "xã Tam Hiệp", new'),
            "district[huyện Núi Thành].communes[3].old",
            "xã Tam Hiệp is listed twice in huyện Núi Thành",
        ),
        (
            COMMUNES_TOML.replace(', part = true },\n    { old = "xã Tam Thạnh", new = "xã Tam Mỹ"',
                                  ' },\n    { old = "xã Tam Thạnh", new = "xã Tam Mỹ"'),
            "district[huyện Núi Thành].communes[2].old",
            "listed twice",
        ),
        (
            COMMUNES_TOML.replace('{ old = "xã Tam Hiệp", new = "xã Phú Ninh" }',
                                  '{ old = "xã Tam Hiệp" }'),
            "district[huyện Phú Ninh].communes[0].new",
            "Field required",
        ),
        (
            COMMUNES_TOML.replace('new = "xã Phú Ninh"', 'new = "xã  "'),
            "district[huyện Phú Ninh].communes[0].new",
            "followed by the name",
        ),
        (
            COMMUNES_TOML.replace('new = "xã Phú Ninh"', 'new = "thị trấn Phú Ninh"'),
            "district[huyện Phú Ninh].communes[0].new",
            "xã, phường, đặc khu",
        ),
        (
            COMMUNES_TOML.replace('new = "xã Phú Ninh"', 'new = "Phú Ninh"'),
            "district[huyện Phú Ninh].communes[0].new",
            "followed by the name",
        ),
        (
            COMMUNES_TOML.replace('old_province = "tỉnh Quảng Nam"\nname = "huyện Phú Ninh"',
                                  'old_province = "tỉnh Long An"\nname = "huyện Phú Ninh"'),
            "district[huyện Phú Ninh].old_province",
            "tỉnh Long An became tỉnh Tây Ninh, not thành phố Đà Nẵng",
        ),
        (
            COMMUNES_TOML.replace('old_province = "tỉnh Quảng Nam"\nname = "huyện Phú Ninh"',
                                  'old_province = "tỉnh Quảng Đông"\nname = "huyện Phú Ninh"'),
            "district[huyện Phú Ninh].old_province",
            "tỉnh Quảng Đông is not listed",
        ),
        (
            COMMUNES_TOML.replace('name = "huyện Phú Ninh"', 'name = "huyện Núi Thành"'),
            "district[huyện Núi Thành].name",
            "already listed",
        ),
        (
            COMMUNES_TOML.replace('province = "thành phố Đà Nẵng"', 'province = "tỉnh Quảng Nam"'),
            "province",
            "tỉnh Quảng Nam is not a current province",
        ),
        (COMMUNES_TOML.replace("sample = true", "sampel = true"), "sampel", "unknown setting"),
        (COMMUNES_TOML.replace("schema_version = 1", "schema_version = 2"), "schema_version", "2"),
        (COMMUNES_TOML.replace('{ old = "xã Tam Mỹ"', '{ old = "xã Tam Mỹ'), "", "not valid TOML"),
    ],
    ids=[
        "duplicate-commune", "duplicate-not-all-parts", "missing-new", "empty-name",
        "thi-tran-is-no-current-unit", "no-unit-word", "province-merged-elsewhere",
        "unknown-province", "duplicate-district", "file-for-an-old-province", "unknown-key",
        "schema-version", "bad-toml",
    ],
)  # fmt: skip
def test_a_broken_commune_file_is_refused_naming_file_and_field(
    tmp_path: Path, broken: str, field: str, reason: str
) -> None:
    directory = write_table(tmp_path / "units", broken)
    message = refusal(directory)
    assert str(directory / "da_nang.toml") in message
    assert f"- {field}: " in message if field else "line" in message
    assert reason in message


@pytest.mark.parametrize(
    ("broken", "field", "reason"),
    [
        (
            PROVINCES_TOML + '\n[[province]]\nold = "tỉnh Quảng Nam"\nnew = "tỉnh Quảng Nam"\n',
            "province[3].old",
            "already in tỉnh Quảng Nam",
        ),
        (
            PROVINCES_TOML + '[[province]]\nold = "tỉnh Bình Dương"\nnew = "thành phố Tây Ninh"\n',
            "province[3].new",
            "thành phố Tây Ninh is also written tỉnh Tây Ninh",
        ),
        (PROVINCES_TOML.replace("effective = 2025-07-01\n", ""), "effective", "Field required"),
        (PROVINCES_TOML.replace('old = "tỉnh Long An"', 'old = ""'), "province[2].old", "unit"),
    ],
    ids=["duplicate-province", "two-spellings", "missing", "empty"],
)
def test_a_broken_province_file_is_refused_naming_file_and_field(
    tmp_path: Path, broken: str, field: str, reason: str
) -> None:
    directory = write_table(tmp_path / "units")
    (directory / PROVINCES_FILE).write_text(broken, encoding="utf-8")
    message = refusal(directory)
    assert str(directory / PROVINCES_FILE) in message
    assert f"- {field}: " in message
    assert reason in message


def test_a_second_file_for_one_province_is_refused(tmp_path: Path) -> None:
    directory = write_table(tmp_path / "units")
    shutil.copy(directory / "da_nang.toml", directory / "quang_nam.toml")
    message = refusal(directory)
    assert str(directory / "quang_nam.toml") in message
    assert "thành phố Đà Nẵng already has" in message


def test_a_missing_index_is_refused(tmp_path: Path) -> None:
    directory = write_table(tmp_path / "units")
    (directory / PROVINCES_FILE).unlink()
    assert "cannot read" in refusal(directory)
