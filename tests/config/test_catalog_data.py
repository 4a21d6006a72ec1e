"""The bundled sample catalog in config/procedures: it loads, follows the kiosk's conventions, and
a broken copy of it is refused with a message that names the file and the field."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from pydantic import BaseModel

from dvc_common.catalog import (
    BUNDLED_CATALOG_DIR,
    INDEX_FILE,
    Catalog,
    DocumentHandling,
    FieldType,
    PrefillSource,
    Procedure,
    load_catalog,
)
from dvc_common.datafile import ConfigError
from kiosk.forms import validate_field

# Code -> slug of every procedure the sample must offer.
EXPECTED = {
    "1.004873": "marital_status_certificate",
    "1.000894": "marriage_registration",
    "1.000656": "death_registration",
    "1.005461": "death_reregistration",
    "2.000635": "civil_status_extract_copy",
    "1.001193": "birth_registration",
    "2.000815": "certified_copy_from_original",
}

# The applicant block every form starts with: (name, type, prefill source).
APPLICANT_FIELDS = (
    ("applicant_name", FieldType.NAME, PrefillSource.FULL_NAME),
    ("applicant_id_number", FieldType.ID_NUMBER, PrefillSource.ID_NUMBER),
    ("applicant_birth_date", FieldType.DATE, PrefillSource.DATE_OF_BIRTH),
    ("residence", FieldType.ADDRESS, PrefillSource.ADDRESS),
    ("phone", FieldType.PHONE, None),
)

SAME_DAY_CUTOFF = time(15, 0)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(params=sorted(EXPECTED), ids=lambda code: EXPECTED[code])
def procedure(request: pytest.FixtureRequest, catalog: Catalog) -> Procedure:
    return catalog.get(request.param)


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a model, with a dotted path for the failure message."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}.{i}")


# --- The bundled sample -----------------------------------------------------------------------


def test_bundled_catalog_loads(catalog: Catalog) -> None:
    assert len(catalog) == len(EXPECTED)


def test_bundled_catalog_is_marked_sample(catalog: Catalog) -> None:
    assert catalog.is_sample
    assert catalog.index.sample is True
    assert "MẪU" in catalog.index.source
    assert "SAMPLE" in catalog.index.source


def test_expected_procedures_are_present(catalog: Catalog) -> None:
    assert {p.code for p in catalog} == set(EXPECTED)
    for code, slug in EXPECTED.items():
        assert code in catalog
        assert catalog.get(slug).code == code


def test_file_names_match_slugs() -> None:
    names = {p.stem for p in BUNDLED_CATALOG_DIR.glob("*.toml")} - {Path(INDEX_FILE).stem}
    assert names == set(EXPECTED.values())


def test_every_file_says_it_is_sample_data() -> None:
    for path in BUNDLED_CATALOG_DIR.glob("*.toml"):
        if path.name == INDEX_FILE:
            continue
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line.startswith("# Sample data:"), path.name


def test_form_starts_with_applicant_fields(procedure: Procedure) -> None:
    head = procedure.form[: len(APPLICANT_FIELDS)]
    assert [(f.name, f.type, f.prefill) for f in head] == list(APPLICANT_FIELDS)
    # Optional: the confirmation code goes to it by SMS, and someone without a phone gets the
    # code on the screen instead (issue 12).
    assert not head[-1].required


def test_form_has_optional_email_beside_the_phone(procedure: Procedure) -> None:
    email = procedure.form_field("email")
    assert (email.type, email.required) == (FieldType.EMAIL, False)
    # Asked with the phone, on one page: both are how the kiosk reaches the citizen.
    assert any({"phone", "email"} <= set(page.fields) for page in procedure.pages)


def test_phone_pattern_accepts_mobile_numbers_only(procedure: Procedure) -> None:
    phone = next(f for f in procedure.form if f.name == "phone")
    assert phone.pattern is not None
    assert re.fullmatch(phone.pattern, "0912345678")
    assert re.fullmatch(phone.pattern, "0381234567")
    assert not re.fullmatch(phone.pattern, "0241234567")  # landline
    assert not re.fullmatch(phone.pattern, "091234567")  # nine digits
    # Spaces and the +84 prefix are normalised away before the length is judged.
    assert validate_field(phone, "+84 912 345 678", date(2026, 11, 23)).value == "0912345678"
    assert validate_field(phone, "0912 345 6789", date(2026, 11, 23)).problem is not None


def test_has_a_mandatory_document(procedure: Procedure) -> None:
    assert any(d.mandatory for d in procedure.documents)


def test_has_exactly_one_declaration_form(procedure: Procedure) -> None:
    assert [d.handling for d in procedure.documents].count(DocumentHandling.FORM) == 1


def test_scanned_documents_have_instructions(procedure: Procedure) -> None:
    for doc in procedure.scanned_documents:
        assert doc.instructions, doc.code


def test_optional_documents_say_when_needed(procedure: Procedure) -> None:
    for doc in procedure.documents:
        if not doc.mandatory:
            assert doc.condition, doc.code


def test_unaccented_keyword_for_search(procedure: Procedure) -> None:
    assert any(k.isascii() for k in procedure.keywords)


def test_text_is_nfc_and_name_is_vietnamese(procedure: Procedure) -> None:
    for path, text in _strings(procedure, procedure.slug):
        assert unicodedata.is_normalized("NFC", text), path
    assert any(not ch.isascii() for ch in procedure.name)


def test_index_text_is_nfc(catalog: Catalog) -> None:
    for path, text in _strings(catalog.index, "index"):
        assert unicodedata.is_normalized("NFC", text), path


def test_same_day_procedures_stop_at_15h(procedure: Procedure) -> None:
    if procedure.same_day:
        assert procedure.cutoff == SAME_DAY_CUTOFF


def test_legal_basis_and_result(procedure: Procedure) -> None:
    assert procedure.legal_basis
    assert procedure.result_delivery
    assert procedure.result_place == "Bộ phận Một cửa, Ủy ban nhân dân cấp xã"
    assert procedure.number_of_sets == 1


# --- A corrupted copy is refused -------------------------------------------------------------


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "procedures"
    shutil.copytree(BUNDLED_CATALOG_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    assert len(load_catalog(directory)) == len(EXPECTED)  # the copy itself is good
    return directory


def _refused(directory: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_catalog(directory)
    return caught.value


def test_invalid_toml_is_refused(catalog_copy: Path) -> None:
    target = catalog_copy / "birth_registration.toml"
    lines = target.read_text(encoding="utf-8").splitlines()
    broken_line = lines.index("processing_days = 0")
    lines[broken_line] = "processing_days = "
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")

    error = _refused(catalog_copy)
    assert error.source == str(target)
    message = str(error)
    assert target.name in message
    assert "not valid TOML" in message
    # tomllib names no key, so the line number is how the message points at the field.
    assert f"line {broken_line + 1}" in message


def test_unknown_key_is_refused(catalog_copy: Path) -> None:
    target = catalog_copy / "death_registration.toml"
    target.write_text("procesing_days = 3\n" + target.read_text(encoding="utf-8"), encoding="utf-8")

    error = _refused(catalog_copy)
    assert error.source == str(target)
    assert target.name in str(error)
    assert [p.field for p in error.problems] == ["procesing_days"]


def test_bad_regex_is_refused(catalog_copy: Path) -> None:
    target = catalog_copy / "marriage_registration.toml"
    text = target.read_text(encoding="utf-8")
    good = 'pattern = "^0[35789][0-9]{8}$"'
    assert text.count(good) == 1
    target.write_text(text.replace(good, 'pattern = "^0[35789][0-9]{8}$("'), encoding="utf-8")

    error = _refused(catalog_copy)
    assert error.source == str(target)
    message = str(error)
    assert target.name in message
    # List items are named by their key, so the technician reads which field is wrong.
    assert "form[phone].pattern" in message
    assert "not a valid regular expression" in message


def test_duplicate_code_is_refused(catalog_copy: Path) -> None:
    original = catalog_copy / "marriage_registration.toml"
    duplicate = catalog_copy / "zz_marriage_copy.toml"  # sorts after the original
    duplicate.write_text(
        original.read_text(encoding="utf-8").replace(
            'slug = "marriage_registration"', 'slug = "marriage_copy"'
        ),
        encoding="utf-8",
    )

    error = _refused(catalog_copy)
    assert error.source == str(duplicate)
    message = str(error)
    assert duplicate.name in message
    assert original.name in message
    assert "1.000894" in message
    assert [p.field for p in error.problems] == ["code"]


def test_missing_index_is_refused(catalog_copy: Path) -> None:
    index = catalog_copy / INDEX_FILE
    index.unlink()

    error = _refused(catalog_copy)
    assert error.source == str(index)
    assert INDEX_FILE in str(error)
    assert "cannot read" in str(error)


def test_no_procedure_can_make_a_dossier_the_gateway_refuses() -> None:
    """What the forms allow stays inside the protocol's limits, so the outbox's refusal at
    enqueue is a safety net the journey never reaches with the bundled catalog."""
    from dvc_common.catalog import FormField, load_catalog
    from dvc_common.protocol import DEFAULT_LIMITS

    limits = DEFAULT_LIMITS
    bound = FormField.model_fields["max_length"].metadata
    assert any(getattr(m, "le", None) == limits.max_form_value_chars for m in bound)
    for procedure in load_catalog():
        assert len(procedure.form) <= limits.max_form_fields, procedure.code
        assert len(procedure.documents) <= limits.max_documents, procedure.code
        for field in procedure.form:
            assert re.fullmatch(limits.form_key_pattern, field.name), field.name
            assert field.max_length <= limits.max_form_value_chars
        for document in procedure.documents:
            assert re.fullmatch(limits.document_code_pattern, document.code), document.code
