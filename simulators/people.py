"""Invented citizens and their CCCD/VNeID QR payloads, for the fake reader, tests and demos.

Every person here is made up. Their 12-digit numbers are consistent with the rest of the card
(province code of birth registration from ``config.provinces``, the century/sex digit, the last
two digits of the birth year) so that ``kiosk.identity.parse_identity`` accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from config.provinces import PROVINCES
from drivers.qr.fake import SAMPLE_CITIZEN_PAYLOAD

_FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
_MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Xuân")
_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim")
_GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Lộc", "Phúc", "Thắng")
_GIVEN_FEMALE = ("Anh", "Hương", "Lan", "Mai", "Ngân", "Nhung", "Thảo", "Trang", "Yến", "Ánh")
_HAMLETS = ("Thôn 2", "Thôn Phú Xuân", "Tổ 5", "Ấp Bình Thạnh", "Xóm Đông", "Khu phố 3")
_COMMUNES = ("xã Bình Phú", "xã Hòa Lợi", "phường Quang Trung", "xã Tân Hưng", "thị trấn Đồng Lê")


@dataclass(frozen=True, slots=True)
class Person:
    """An invented citizen whose 12-digit number agrees with the rest of the card."""

    id_number: str
    old_id_number: str
    full_name: str
    born: date
    female: bool
    address: str
    issued: date

    def payload(self) -> bytes:
        """The seven ``|``-separated fields of the card's QR code, UTF-8."""
        fields = (
            self.id_number,
            self.old_id_number,
            self.full_name,
            self.born.strftime("%d%m%Y"),
            "Nữ" if self.female else "Nam",
            self.address,
            self.issued.strftime("%d%m%Y"),
        )
        return "|".join(fields).encode("utf-8")

    def __repr__(self) -> str:
        return f"Person(id_number='********{self.id_number[-4:]}', born={self.born.year})"


def invent_person(rng: np.random.Generator, *, upper_case: bool | None = None) -> Person:
    """A random invented person; born 1940-2008, card issued 2021-2024 (after age 14)."""
    female = bool(rng.integers(2))
    family = str(rng.choice(_FAMILY))
    middle = str(rng.choice(_MIDDLE_FEMALE if female else _MIDDLE_MALE))
    given = str(rng.choice(_GIVEN_FEMALE if female else _GIVEN_MALE))
    name = f"{family} {middle} {given}"
    if upper_case if upper_case is not None else bool(rng.integers(2)):
        name = name.upper()  # cards print names in capitals; the app sometimes does not
    born = date(1940, 1, 1) + timedelta(days=int(rng.integers(0, 68 * 365)))
    issued = max(
        date(2021, 1, 1) + timedelta(days=int(rng.integers(0, 4 * 365))),
        born + timedelta(days=15 * 365),
    )
    province_code = str(rng.choice(sorted(PROVINCES)))
    century_sex = 2 * ((born.year - 1900) // 100) + int(female)
    serial = "".join(str(d) for d in rng.integers(0, 10, size=6))
    id_number = f"{province_code}{century_sex}{born.year % 100:02d}{serial}"
    old = "".join(str(d) for d in rng.integers(0, 10, size=9)) if rng.random() < 0.6 else ""
    address = (
        f"{rng.choice(_HAMLETS)}, {rng.choice(_COMMUNES)}, tỉnh {PROVINCES[province_code]}"
        if not PROVINCES[province_code].startswith(("Hà Nội", "Hồ Chí Minh"))
        else f"{rng.choice(_HAMLETS)}, {rng.choice(_COMMUNES)}, {PROVINCES[province_code]}"
    )
    return Person(id_number, old, name, born, female, address, issued)


def person_from_payload(payload: bytes) -> Person:
    """The ``Person`` whose card carries ``payload`` (seven fields, dates as DDMMYYYY)."""
    number, old, name, born, sex, address, issued = payload.decode("utf-8").split("|")

    def day(text: str) -> date:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))

    return Person(number, old, name, day(born), sex == "Nữ", address, day(issued))


# The demos' second invented citizen, the applicant of the text demo and of the gateway's sample
# dossier body: province 049 (Quảng Nam), female born in 1958 (century digit 1).
DEMO_APPLICANT = Person(
    id_number="049158000123",
    old_id_number="",
    full_name="TRẦN THỊ MẪU",
    born=date(1958, 2, 14),
    female=True,
    address="Thôn Phú Xuân, xã Bình Phú, huyện Thăng Bình, tỉnh Quảng Nam",
    issued=date(2021, 5, 10),
)


def sample_person() -> Person:
    """The one invented person the fake reader presents on request (stable across runs)."""
    return person_from_payload(SAMPLE_CITIZEN_PAYLOAD)
