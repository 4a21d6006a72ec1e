"""The dossier record: JSON round trip, provisional vs official code, ratings, page digests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from dvc_common.clock import VIETNAM
from kiosk.dossier import (
    DOSSIER_FORMAT_VERSION,
    Dossier,
    DossierDocument,
    DossierState,
    Rating,
    ScannedPage,
    Verification,
)
from kiosk.identity import Identity, Sex

MAU = Identity(
    id_number="049158000123",
    old_id_number="201234567",
    full_name="TRẦN THỊ MẪU",
    date_of_birth=date(1958, 2, 14),
    sex=Sex.FEMALE,
    address="Thôn 3, xã Bình Phú, tỉnh Quảng Nam",
    issue_date=date(2021, 5, 10),
)
CLIENT_UUID = UUID("6f1c2a9e-0b7d-4c1e-9a3f-5d2e8b7c4a10")


def page(tmp_path: Path, name: str, content: bytes) -> ScannedPage:
    path = tmp_path / name
    path.write_bytes(content)
    return ScannedPage.from_file(path)


@pytest.fixture
def dossier(tmp_path: Path) -> Dossier:
    documents = (
        DossierDocument(
            code="birth_certificate",
            name="Giấy chứng sinh",
            pages=(page(tmp_path, "chung_sinh_1.png", b"\x89PNG trang 1"),),
        ),
        DossierDocument(
            code="power_of_attorney",
            name="Văn bản ủy quyền",
            pages=(
                page(tmp_path, "uy_quyen_1.png", b"\x89PNG uy quyen 1"),
                page(tmp_path, "uy_quyen_2.pdf", b"%PDF-1.7 uy quyen 2" * 100),
            ),
        ),
    )
    return Dossier(
        client_uuid=CLIENT_UUID,
        receipt_number="KIOSK01-261123-0007",
        kiosk_id="KIOSK01",
        procedure_code="1.001193",
        procedure_name="Đăng ký khai sinh",
        applicant=MAU,
        verification=Verification.PENDING,
        form={"applicant_name": "TRẦN THỊ MẪU", "phone": "0912345678", "child_sex": "nu"},
        documents=documents,
        started_at=datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM),
        received_at=datetime(2026, 11, 23, 2, 12, 30, tzinfo=UTC),
        effective_receipt_date=date(2026, 11, 23),
        due_date=date(2026, 11, 23),
        rating=Rating(5, "Nhanh, dễ dùng"),
        extra={"ghi_chu": "Nộp thay cho con gái", "so_ban": 2},
    )


# --- JSON round trip ------------------------------------------------------------------------


def test_json_round_trip(dossier: Dossier) -> None:
    text = dossier.to_json()
    again = Dossier.from_json(text)
    assert again == dossier
    assert again.to_json() == text


def test_round_trip_keeps_every_part(dossier: Dossier) -> None:
    again = Dossier.from_json(dossier.to_json())
    assert again.client_uuid == CLIENT_UUID
    assert again.applicant.id_number == "049158000123"
    assert again.applicant.old_id_number == "201234567"
    assert again.applicant.sex is Sex.FEMALE
    assert again.applicant.full_name == "TRẦN THỊ MẪU"
    assert again.verification is Verification.PENDING
    assert again.state is DossierState.QUEUED
    assert again.received_at == datetime(2026, 11, 23, 9, 12, 30, tzinfo=VIETNAM)
    assert again.received_at.utcoffset() == dossier.received_at.utcoffset()
    assert again.started_at.utcoffset() == dossier.started_at.utcoffset()
    assert again.rating == Rating(5, "Nhanh, dễ dùng")
    assert [d.code for d in again.documents] == ["birth_certificate", "power_of_attorney"]
    assert again.page_files() == dossier.page_files()
    assert [p.sha256 for d in again.documents for p in d.pages] == [
        p.sha256 for d in dossier.documents for p in d.pages
    ]
    assert again.extra == {"ghi_chu": "Nộp thay cho con gái", "so_ban": 2}


def test_round_trip_of_a_male_applicant_without_old_id(dossier: Dossier) -> None:
    male = Identity(
        id_number="001089001234",
        old_id_number=None,
        full_name="LÊ VĂN THỬ",
        date_of_birth=date(1989, 9, 2),
        sex=Sex.MALE,
        address="Phường Ba Đình, Hà Nội",
        issue_date=date(2021, 6, 1),
    )
    changed = replace(
        dossier,
        applicant=male,
        rating=None,
        official_code="H00.00.00-261123-0001",
        state=DossierState.SUBMITTED,
        verification=Verification.VERIFIED,
        documents=(),
        extra={},
    )
    again = Dossier.from_json(changed.to_json())
    assert again == changed
    assert again.applicant.sex is Sex.MALE
    assert again.applicant.old_id_number is None
    assert again.rating is None
    assert again.official_code == "H00.00.00-261123-0001"


def test_json_is_readable_vietnamese_with_the_full_id(dossier: Dossier) -> None:
    text = dossier.to_json()
    assert "TRẦN THỊ MẪU" in text  # not \u escapes
    data = json.loads(text)
    assert data["format_version"] == DOSSIER_FORMAT_VERSION
    assert data["applicant"]["id_number"] == "049158000123"
    assert data["applicant"]["sex"] == "Nữ"
    assert data["due_date"] == "2026-11-23"
    assert data["state"] == "queued"
    assert data["documents"][1]["pages"][1]["size"] == len(b"%PDF-1.7 uy quyen 2" * 100)


def test_repr_of_the_applicant_does_not_leak_the_id(dossier: Dossier) -> None:
    assert "049158000123" not in repr(dossier)
    assert "********0123" in repr(dossier)


@pytest.mark.parametrize("version", [None, 0, 2, "1"])
def test_from_dict_refuses_unknown_format_version(dossier: Dossier, version: object) -> None:
    data = dossier.to_dict()
    if version is None:
        del data["format_version"]
    else:
        data["format_version"] = version
    with pytest.raises(ValueError, match="unsupported dossier format"):
        Dossier.from_dict(data)


def test_from_dict_accepts_the_current_version(dossier: Dossier) -> None:
    assert Dossier.from_dict(dossier.to_dict()) == dossier


# --- provisional and official codes ----------------------------------------------------------


def test_display_code_is_provisional_receipt_number_at_first(dossier: Dossier) -> None:
    assert dossier.official_code is None
    assert dossier.is_provisional
    assert dossier.display_code == "KIOSK01-261123-0007"


def test_display_code_is_official_once_known(dossier: Dossier) -> None:
    submitted = replace(
        dossier, official_code="H00.00.00-261123-0001", state=DossierState.SUBMITTED
    )
    assert not submitted.is_provisional
    assert submitted.display_code == "H00.00.00-261123-0001"
    assert submitted.receipt_number == "KIOSK01-261123-0007"
    assert submitted.client_uuid == dossier.client_uuid
    # The original is untouched.
    assert dossier.is_provisional
    assert dossier.display_code == "KIOSK01-261123-0007"


# --- ratings --------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_rating_in_range(score: int) -> None:
    assert Rating(score).score == score
    assert Rating(score).reason is None


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rating_out_of_range(score: int) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        Rating(score)


def test_from_dict_refuses_an_out_of_range_rating(dossier: Dossier) -> None:
    data = dossier.to_dict()
    data["rating"] = {"score": 6, "reason": None}
    with pytest.raises(ValueError, match="1 to 5"):
        Dossier.from_dict(data)


# --- scanned pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG trang", bytes(range(256)) * 1000],  # empty, small, larger than one chunk
)
def test_scanned_page_digest_matches_hashlib(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "trang.bin"
    path.write_bytes(content)
    scanned = ScannedPage.from_file(path)
    assert scanned.path == path
    assert scanned.size == len(content)
    assert scanned.sha256 == hashlib.sha256(content).hexdigest()


def test_scanned_page_digest_changes_with_content(tmp_path: Path) -> None:
    one = page(tmp_path, "a.png", b"trang mot")
    two = page(tmp_path, "b.png", b"trang hai")
    assert one.sha256 != two.sha256


def test_scanned_page_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ScannedPage.from_file(tmp_path / "khong_co.png")


def test_page_files_lists_every_page_in_order(dossier: Dossier, tmp_path: Path) -> None:
    assert dossier.page_files() == [
        tmp_path / "chung_sinh_1.png",
        tmp_path / "uy_quyen_1.png",
        tmp_path / "uy_quyen_2.pdf",
    ]
