"""The titles a scanned document declares (``RequiredDocument.titles``): required for every
scanned document, refused where they mean nothing, and filled in for the bundled catalog."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from dvc_common.catalog import (
    BUNDLED_CATALOG_DIR,
    DocumentHandling,
    RequiredDocument,
    load_catalog,
)
from dvc_common.datafile import ConfigError


def scanned(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": "birth_certificate",
        "name": "Giấy chứng sinh",
        "handling": "scan",
        "instructions": "Đặt giấy chứng sinh vào khay quét, mặt chữ úp xuống.",
        "titles": ["GIẤY CHỨNG SINH"],
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def refusal(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        RequiredDocument.model_validate(document)
    return str(caught.value)


def test_a_scanned_document_with_titles_is_valid() -> None:
    document = RequiredDocument.model_validate(
        scanned(titles=["GIẤY ỦY QUYỀN", "VĂN BẢN ỦY QUYỀN"])
    )
    assert document.titles == ("GIẤY ỦY QUYỀN", "VĂN BẢN ỦY QUYỀN")
    assert not document.any_paper


def test_a_scanned_document_without_titles_is_refused_with_a_clear_message() -> None:
    message = refusal(scanned(titles=None))
    assert "scanned document 'birth_certificate' needs titles" in message
    assert "any_paper = true" in message


def test_a_document_that_takes_any_paper_needs_no_titles_but_may_not_have_both() -> None:
    assert RequiredDocument.model_validate(scanned(titles=None, any_paper=True)).any_paper
    assert "any paper has no titles" in refusal(scanned(any_paper=True))


def test_titles_belong_to_scanned_documents_only() -> None:
    shown = {"code": "identity_card", "name": "Thẻ căn cước", "handling": "show"}
    assert "only to scanned documents" in refusal({**shown, "titles": ["CĂN CƯỚC"]})
    assert RequiredDocument.model_validate(shown).titles == ()


def test_the_national_motto_and_near_empty_titles_identify_nothing() -> None:
    assert "motto" in refusal(scanned(titles=["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]))
    assert "too few letters" in refusal(scanned(titles=["Số:"]))
    assert "unique" in refusal(scanned(titles=["GIẤY CHỨNG SINH", "Giấy chứng sinh"]))


def test_titles_are_stored_composed_whatever_the_file_used() -> None:
    decomposed = "GIA\u0302\u0301Y CHU\u031b\u0301NG SINH"  # NFD, as some editors save
    document = RequiredDocument.model_validate(scanned(titles=[decomposed]))
    assert document.titles == ("GIẤY CHỨNG SINH",)


def test_every_scanned_document_of_the_bundled_catalog_says_how_to_recognise_it() -> None:
    scanned_documents = [
        d
        for procedure in load_catalog()
        for d in procedure.documents
        if d.handling is DocumentHandling.SCAN
    ]
    assert scanned_documents
    for document in scanned_documents:
        assert document.titles or document.any_paper, document.code
        for title in document.titles:
            assert title == title.upper(), (document.code, title)  # as printed: in capitals
    birth = next(d for d in scanned_documents if d.code == "birth_certificate")
    assert birth.titles == ("GIẤY CHỨNG SINH",)


def test_a_catalog_file_missing_titles_does_not_load(tmp_path: Path) -> None:
    directory = tmp_path / "procedures"
    shutil.copytree(BUNDLED_CATALOG_DIR, directory)
    path = directory / "birth_registration.toml"
    text = path.read_text(encoding="utf-8")
    assert 'titles = ["GIẤY CHỨNG SINH"]\n' in text
    path.write_text(text.replace('titles = ["GIẤY CHỨNG SINH"]\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match="needs titles"):
        load_catalog(directory)
