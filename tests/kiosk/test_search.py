"""Procedure search against the bundled sample catalog, typed the ways citizens type."""

from __future__ import annotations

import pytest

from dvc_common.catalog import Catalog, load_catalog
from kiosk.search import categories, fold, search_procedures


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def slugs(catalog: Catalog, query: str) -> list[str]:
    return [p.slug for p in search_procedures(catalog, query)]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký kết hôn", "dang ky ket hon"),
        ("ĐĂNG KÝ KHAI TỬ", "dang ky khai tu"),
        ("  Hộ\ttịch \n ", "ho tich"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("Uỷ ban", "uy ban"),  # old-style tone placement folds the same
        ("trẻ sơ sinh", "tre so sinh"),
        # Decomposed input (some on-screen keyboards send combining marks) folds the same.
        ("Đa\u0306ng ky\u0301", "dang ky"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    "query", ["KHAI SINH", "khai sinh", "khái sinh", "Khai Sinh", "khai  sinh ", "đăng ký khai"]
)
def test_birth_registration_first_whatever_the_case_and_diacritics(
    catalog: Catalog, query: str
) -> None:
    assert slugs(catalog, query)[0] == "birth_registration"


def test_marriage_without_diacritics(catalog: Catalog) -> None:
    found = slugs(catalog, "ket hon")
    assert found[0] == "marriage_registration"
    assert search_procedures(catalog, "ket hon")[0].name == "Đăng ký kết hôn"


def test_full_name_without_diacritics(catalog: Catalog) -> None:
    assert slugs(catalog, "dang ky ket hon")[0] == "marriage_registration"


def test_words_match_as_prefixes_while_typing(catalog: Catalog) -> None:
    assert slugs(catalog, "dang ky ket h")[0] == "marriage_registration"
    assert "birth_registration" in slugs(catalog, "kh")
    # A query word must start a word: "ong" is inside "chồng" and "không" but starts none.
    assert slugs(catalog, "ong") == []


def test_every_word_must_match(catalog: Catalog) -> None:
    # Both mention "khai sinh"; only the extract copy also has "trích lục".
    assert slugs(catalog, "khai sinh trich") == ["civil_status_extract_copy"]


def test_query_matching_nothing(catalog: Catalog) -> None:
    assert search_procedures(catalog, "giấy phép lái xe") == []
    assert search_procedures(catalog, "xyzzy") == []


@pytest.mark.parametrize("query", ["", "   ", "\t\n", ",.;"])
def test_empty_query_returns_the_whole_catalog_in_order(catalog: Catalog, query: str) -> None:
    assert search_procedures(catalog, query) == list(catalog)


def test_name_hits_rank_before_keyword_hits_before_summary_hits(catalog: Catalog) -> None:
    found = slugs(catalog, "ket hon")
    # In the name; in the keywords ("bản sao giấy chứng nhận kết hôn"); "kết" only in the summary.
    assert found == [
        "marriage_registration",
        "civil_status_extract_copy",
        "marital_status_certificate",
    ]


def test_field_counts_like_keywords(catalog: Catalog) -> None:
    found = slugs(catalog, "ho tich")
    assert len(found) == sum(1 for p in catalog if p.field == "Hộ tịch")
    assert found[0] == "civil_status_extract_copy"  # "hộ tịch" is also in its name


def test_ties_keep_catalog_order(catalog: Catalog) -> None:
    found = search_procedures(catalog, "khai tu")
    order = list(catalog)
    in_name = [p for p in found if "khai tu" in fold(p.name)]
    assert [p.slug for p in in_name] == ["death_registration", "death_reregistration"]
    assert found[: len(in_name)] == in_name
    assert in_name == sorted(in_name, key=order.index)


def test_summary_only_match(catalog: Catalog) -> None:
    # "60 ngày" appears only in the birth registration summary.
    assert slugs(catalog, "60 ngay") == ["birth_registration"]


def test_punctuation_in_the_query_is_ignored(catalog: Catalog) -> None:
    assert slugs(catalog, "kết-hôn!")[0] == "marriage_registration"


def test_categories_in_catalog_order_with_counts(catalog: Catalog) -> None:
    found = categories(catalog)
    assert found == [("Chứng thực", 1), ("Hộ tịch", 6)]
    assert sum(count for _, count in found) == len(catalog)
    fields_in_order = list(dict.fromkeys(p.field for p in catalog))
    assert [name for name, _ in found] == fields_in_order
