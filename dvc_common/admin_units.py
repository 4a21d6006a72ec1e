"""Old → current administrative units, so a card's printed address can be offered in its current
form for the citizen to confirm instead of typing it.

An ID card's QR code carries the permanent address printed when the card was issued. On 1 July
2025 Vietnam reorganised its administrative units: 63 province-level units became 34, the district
level was abolished, and communes and wards were merged into new ones, often under new names. A
card issued before then says "Thôn 2, xã Bình Phú, huyện Thăng Bình, tỉnh Quảng Nam"; the form
wants "Thôn 2, xã <new commune>, thành phố Đà Nẵng". ``AdminUnits.update_address`` makes that
rewrite from a table of the changes, and never guesses: a commune the table cannot place is kept
as printed and the result says so (``AddressUpdate.commune_checked``).

The table is data, not code, in a directory (the bundled one is ``dvc_common/admin_units``; the
gateway can ship an updated one and hand its path to ``load_admin_units``):

* ``provinces.toml``, the index: ``schema_version``, ``sample``, ``source``, ``updated``,
  ``effective`` and one ``[[province]]`` row per old province-level unit (``old`` → ``new``, full
  names with their unit word, optional ``aliases``). One national resolution decided all of them,
  so they live in one file that is checked and replaced as a whole.
* one file per current province that has commune rows (e.g. ``da_nang.toml``): the same four
  header keys, ``province`` (the current one) and ``[[district]]`` tables, each naming an
  ``old_province`` and old district ``name`` with ``communes = [{ old = "…", new = "…" }, …]``.
  The commune-level changes were decided by one resolution of the Standing Committee of the
  National Assembly per province, so a province's rows are checked, replaced and marked sample or
  not as one file, with their own ``source``; a single national file (~10,000 rows) could not be
  reviewed or updated piecemeal. Rows sit under their old district because commune names repeat
  across districts of one province, and the card names the old province, district and commune.
  ``part = true`` marks an old commune split between several new ones: the address alone cannot
  say which, so such a commune is never reported as checked.

Names are matched ignoring case, spacing, commas, NFC/NFD, tone-mark placement ("Hòa"/"Hoà") and
leading zeros ("Phường 01"), and the abbreviations cards print (``X.``, ``P.``, ``TT.``, ``TP.``…).
Input without diacritics is not supported: too many names differ only by them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dvc_common.datafile import ConfigError, FieldProblem, read_toml, validated

ADMIN_UNITS_SCHEMA_VERSION = 1
BUNDLED_ADMIN_UNITS_DIR = Path(__file__).with_name("admin_units")
PROVINCES_FILE = "provinces.toml"

# Unit words as the data files must write them (in full, lower case: they are copied into the
# address the citizen confirms).
PROVINCE_KINDS = ("tỉnh", "thành phố")
DISTRICT_KINDS = ("huyện", "quận", "thị xã", "thành phố")
OLD_COMMUNE_KINDS = ("xã", "phường", "thị trấn")
# Since 1 July 2025 the commune level has xã, phường and đặc khu; thị trấn no longer exists.
CURRENT_COMMUNE_KINDS = ("xã", "phường", "đặc khu")
_COMMUNE_KINDS = frozenset(OLD_COMMUNE_KINDS + CURRENT_COMMUNE_KINDS)



# --- the data files ------------------------------------------------------------------------------


def _unit_name(kinds: tuple[str, ...]) -> Callable[[str], str]:
    """A validator for "<unit word> <name>": NFC, single spaces, one of ``kinds`` in full."""

    def check(value: str) -> str:
        value = " ".join(unicodedata.normalize("NFC", value).split())
        if _split_unit(value, kinds) is None:
            raise ValueError(
                f"must be one of the unit words {', '.join(kinds)} followed by the name"
            )
        return value

    return check


def _bare_name(value: str) -> str:
    value = " ".join(unicodedata.normalize("NFC", value).split())
    if not value:
        raise ValueError("must not be empty")
    return value


ProvinceName = Annotated[str, AfterValidator(_unit_name(PROVINCE_KINDS))]
DistrictName = Annotated[str, AfterValidator(_unit_name(DISTRICT_KINDS))]
OldCommuneName = Annotated[str, AfterValidator(_unit_name(OLD_COMMUNE_KINDS))]
CurrentCommuneName = Annotated[str, AfterValidator(_unit_name(CURRENT_COMMUNE_KINDS))]
BareName = Annotated[str, AfterValidator(_bare_name)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Header(_Model):
    schema_version: int
    sample: bool = Field(description="True for illustrative data awaiting the official list.")
    source: str = Field(min_length=3, max_length=800)
    updated: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class ProvinceRow(_Model):
    """One old province-level unit and the current one it belongs to (itself if unchanged)."""

    old: ProvinceName
    new: ProvinceName
    aliases: tuple[BareName, ...] = Field(
        default=(), description="Other ways cards write the old name, without the unit word."
    )


class ProvincesFile(_Header):
    """``provinces.toml``: the index of the table and the province-level changes."""

    effective: date = Field(description="The day the current units took effect.")
    province: tuple[ProvinceRow, ...] = Field(min_length=1)


class CommuneRow(_Model):
    old: OldCommuneName
    new: CurrentCommuneName
    part: bool = Field(default=False, description="Only part of the old commune went to new.")


class DistrictBlock(_Model):
    """The commune rows of one old district (abolished on 1 July 2025)."""

    old_province: ProvinceName = Field(description="The old province the district was in.")
    name: DistrictName
    communes: tuple[CommuneRow, ...] = Field(min_length=1)


class CommuneFile(_Header):
    """One current province's commune-level changes."""

    province: ProvinceName = Field(description="The current province these communes are in.")
    district: tuple[DistrictBlock, ...] = Field(min_length=1)


# --- results -------------------------------------------------------------------------------------


class UnitLevel(StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


@dataclass(frozen=True)
class UnitChange:
    """One unit of the address that changed. ``old`` is the table's name for it, or for a
    district the printed one with its unit word in full; ``new`` is None for a district (the
    level was abolished)."""

    level: UnitLevel
    old: str
    new: str | None


@dataclass(frozen=True)
class AddressUpdate:
    """An address as printed and in its current form, with what changed.

    ``commune_checked`` is False when the table could not place the commune (not listed, listed
    in several districts, split, or absent from the address): the commune is then kept as printed
    and the screen must ask the citizen to check it.
    """

    original: str
    updated: str
    changes: tuple[UnitChange, ...]
    commune_checked: bool


# --- matching ------------------------------------------------------------------------------------

# Vietnamese tone marks. Older and newer spelling put them on different vowels ("Hòa"/"Hoà",
# "Thủy"/"Thuỷ"), and cards carry both, so a key keeps which tone a word has, not where it sits.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _key(text: str) -> str:
    """What two spellings of one name have in common: case, spacing, hyphens, normal form, tone
    placement and leading zeros of numbered wards ("Phường 01") do not count."""
    words = []
    decomposed = unicodedata.normalize("NFD", text).casefold()
    for word in decomposed.replace("-", " ").replace("–", " ").split():
        tones = "".join(c for c in word if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in word if c not in _TONES))
        words.append(str(int(base)) if base.isdecimal() else base + tones)
    return " ".join(words)


def _split_unit(full: str, kinds: tuple[str, ...]) -> tuple[str, str] | None:
    """``"thị xã Điện Bàn"`` → ``("thị xã", "Điện Bàn")`` for a canonical name from a data file."""
    for kind in kinds:
        name = full.removeprefix(kind + " ")
        if name != full and name.strip():
            return kind, name
    return None


# Full unit words and the abbreviations cards print. A unit word starts a part of the address
# only after a separator, so "Khu phố 3" is no "phố" and "Tổ 5" no "T.". The longer words come
# first so that "thị xã" is not read as "xã". Single letters need their dot ("X. Bình Phú"); the
# two-letter forms are also printed without one ("TP Hồ Chí Minh").
_UNIT = re.compile(
    r"(?<![^\s,;])(?:"
    r"(?P<word>thị\s+xã|thị\s+trấn|thành\s+phố|đặc\s+khu|xã|phường|huyện|quận|tỉnh)(?=[\s.,;]|$)"
    r"|(?P<abbr>tx|tt|tp)(?=[\s.])"
    r"|(?P<letter>[xphqt])(?=\.)"
    r")\.?\s*",
    re.IGNORECASE,
)
_ABBREVIATIONS = {
    "tx": "thị xã",
    "tt": "thị trấn",
    "tp": "thành phố",
    "x": "xã",
    "p": "phường",
    "h": "huyện",
    "q": "quận",
    "t": "tỉnh",
}


@dataclass(frozen=True)
class _Part:
    """A piece of a written address: where it starts, its unit word (None if it has none), and
    its name as written (NFC, single spaces)."""

    start: int
    kind: str | None
    name: str

    @property
    def full(self) -> str:
        return f"{self.kind} {self.name}" if self.kind else self.name


def _parts(text: str) -> list[_Part]:
    """The address cut at commas, semicolons and unit words (cards do not always have commas)."""
    parts: list[_Part] = []
    for piece in re.finditer(r"[^,;]+", text):
        segment = piece.group()
        matches = list(_UNIT.finditer(segment))
        cuts = [0, *(m.start() for m in matches if m.start() > 0), len(segment)]
        by_start = {m.start(): m for m in matches}
        for begin, end in pairwise(cuts):
            match = by_start.get(begin)
            kind: str | None = None
            body = segment[begin:end]
            if match is not None:
                written = " ".join(match.group().casefold().replace(".", " ").split())
                candidate = _ABBREVIATIONS.get(written, written)
                rest = segment[match.end() : end]
                if " ".join(rest.split()).strip(" ."):
                    kind, body = candidate, rest
            name = " ".join(body.split()).strip(" .")
            if name:
                parts.append(_Part(piece.start() + begin, kind, name))
    return parts


@dataclass(frozen=True)
class _Parsed:
    street: str
    commune: _Part | None
    district: _Part | None
    province: _Part


def _parse(text: str) -> _Parsed | None:
    """The address read from the right: province, then an optional district, then an optional
    commune; everything before those is the street or hamlet part, kept as written."""
    parts = _parts(text)
    if not parts or parts[-1].kind not in (None, *PROVINCE_KINDS):
        return None
    province = parts[-1]
    rest = parts[:-1]
    district = rest.pop() if rest and rest[-1].kind in DISTRICT_KINDS else None
    commune = rest.pop() if rest and rest[-1].kind in _COMMUNE_KINDS else None
    first = commune or district or province
    street = re.sub(r"[\s,;]+$", "", text[: first.start]).strip()
    return _Parsed(street, commune, district, province)


@dataclass(frozen=True)
class _CommuneEntry:
    district_key: str
    kind: str
    old: str
    new: str
    part: bool


def _capitalised(address: str) -> str:
    # A unit word that opens the address opens a sentence: "Xã Thăng Phú, …".
    return address[:1].upper() + address[1:]


class AdminUnits:
    """The validated table; ``update_address`` rewrites a card's address in current form."""

    def __init__(
        self,
        index: ProvincesFile,
        files: Mapping[str, CommuneFile],
        *,
        index_source: str = PROVINCES_FILE,
    ) -> None:
        """Cross-check the province index and the commune files (keyed by the source named in
        errors) and build the lookups; raises ``ConfigError``."""
        self.index = index
        self.files = dict(files)
        self._old: dict[str, ProvinceRow] = {}  # key of an old name or alias → its row
        self._current: dict[str, str] = {}  # key of a current province → its full name
        # Current province key → keys of the old provinces now inside it.
        self._merged: dict[str, list[str]] = {}
        self._build_provinces(index, index_source)
        # (old province key, commune name key) → entries; several when districts share a name.
        self._communes: dict[tuple[str, str], list[_CommuneEntry]] = {}
        # Current province key → keys of the commune names it has now (from the rows' ``new``).
        self._current_communes: dict[str, set[str]] = {}
        files_of: dict[str, str] = {}
        districts_of: dict[tuple[str, str], str] = {}
        for source, file in files.items():
            self._add_commune_file(source, file, files_of, districts_of)

    def _build_provinces(self, index: ProvincesFile, source: str) -> None:
        if index.schema_version != ADMIN_UNITS_SCHEMA_VERSION:
            raise ConfigError(source, [_version_problem(index.schema_version)])
        for i, row in enumerate(index.province):
            new_key = _province_key(row.new)
            spelled = self._current.setdefault(new_key, row.new)
            if spelled != row.new:
                _refuse(source, f"province[{i}].new", f"{row.new} is also written {spelled}")
            names = {"old": _province_key(row.old)}
            names.update((f"aliases[{j}]", _key(alias)) for j, alias in enumerate(row.aliases))
            for field, name in names.items():
                if name in self._old:
                    _refuse(source, f"province[{i}].{field}", f"already in {self._old[name].old}")
                self._old[name] = row
            self._merged.setdefault(new_key, []).append(names["old"])

    def _add_commune_file(
        self,
        source: str,
        file: CommuneFile,
        files_of: dict[str, str],
        districts_of: dict[tuple[str, str], str],
    ) -> None:
        if file.schema_version != ADMIN_UNITS_SCHEMA_VERSION:
            raise ConfigError(source, [_version_problem(file.schema_version)])
        current_key = _province_key(file.province)
        if self._current.get(current_key) != file.province:
            _refuse(source, "province", f"{file.province} is not a current province")
        if current_key in files_of:
            _refuse(source, "province", f"{file.province} already has {files_of[current_key]}")
        files_of[current_key] = source
        current_names = self._current_communes.setdefault(current_key, set())
        for block in file.district:
            where = f"district[{block.name}]"
            province_key = _province_key(block.old_province)
            old = self._old.get(province_key)
            if old is None or old.old != block.old_province:
                _refuse(source, f"{where}.old_province", f"{block.old_province} is not listed")
            elif old.new != file.province:
                became = f"{block.old_province} became {old.new}, not {file.province}"
                _refuse(source, f"{where}.old_province", became)
            district_key = _key(_split_name(block.name, DISTRICT_KINDS))
            if (province_key, district_key) in districts_of:
                other = districts_of[province_key, district_key]
                _refuse(source, f"{where}.name", f"{block.name} is already listed in {other}")
            districts_of[province_key, district_key] = source
            seen: dict[str, bool] = {}  # commune key in this district → listed as a part
            for j, row in enumerate(block.communes):
                kind, name = _split_unit(row.old, OLD_COMMUNE_KINDS) or ("", row.old)
                name_key = _key(name)
                # A split commune is listed once per new commune that got a part of it. Listed
                # twice otherwise, it is a copying mistake that would make the commune
                # ambiguous: the file is refused rather than the commune silently unchecked.
                if name_key in seen and not (seen[name_key] and row.part):
                    _refuse(
                        source,
                        f"{where}.communes[{j}].old",
                        f"{row.old} is listed twice in {block.name} "
                        "(mark every row of a split commune part = true)",
                    )
                seen[name_key] = row.part
                self._communes.setdefault((province_key, name_key), []).append(
                    _CommuneEntry(district_key, kind, row.old, row.new, row.part)
                )
                current_names.add(_key(_split_name(row.new, CURRENT_COMMUNE_KINDS)))

    @property
    def is_sample(self) -> bool:
        """True if any file of the table is illustrative sample data."""
        return self.index.sample or any(f.sample for f in self.files.values())

    def update_address(self, address: str) -> AddressUpdate | None:
        """``address`` as printed on a card, in current form; None when there is nothing to
        change or the province is not one the table knows.

        The part before the commune (house, street, hamlet) is kept as written (in NFC). Without
        a district the commune is looked up in the whole old province, and used only if that
        name has exactly one listed commune there.
        """
        text = unicodedata.normalize("NFC", address)
        parsed = _parse(text)
        if parsed is None:
            return None
        written_key = _key(parsed.province.name)
        old_row = self._old.get(written_key)
        current = old_row.new if old_row else self._current.get(written_key)
        if current is None:
            return None
        current_key = _province_key(current)
        # Every old province now inside the current one: a card says the old name, a
        # half-updated address the current one, and both must find the same communes.
        old_keys = self._merged.get(current_key, [])
        entry = self._find_commune(old_keys, parsed.district, parsed.commune)
        commune_changed = entry is not None and _key(entry.old) != _key(entry.new)

        if written_key in self._current and parsed.district is None:
            # Current province and no district: this may well be the current form already. Only
            # a commune the table knows by an old name that is not also a current one changes.
            if entry is None or not commune_changed or parsed.commune is None:
                return None
            if _key(parsed.commune.name) in self._current_communes.get(current_key, set()):
                return None

        changes: list[UnitChange] = []
        old_province = old_row.old if old_row else current
        if _province_key(old_province) != current_key:
            changes.append(UnitChange(UnitLevel.PROVINCE, old_province, current))
        if parsed.district is not None:
            changes.append(UnitChange(UnitLevel.DISTRICT, parsed.district.full, None))
        if entry is not None and commune_changed:
            changes.append(UnitChange(UnitLevel.COMMUNE, entry.old, entry.new))
        if not changes:
            return None
        commune = entry.new if entry else (parsed.commune.full if parsed.commune else "")
        updated = ", ".join(p for p in (parsed.street, commune, current) if p)
        return AddressUpdate(
            original=address,
            updated=updated if parsed.street else _capitalised(updated),
            changes=tuple(changes),
            commune_checked=entry is not None,
        )

    def _find_commune(
        self, old_keys: list[str], district: _Part | None, commune: _Part | None
    ) -> _CommuneEntry | None:
        """The one row the address's commune is, or None if there is not exactly one whole
        commune it can be (the table never guesses between candidates)."""
        if commune is None:
            return None
        name_key = _key(commune.name)
        entries = [e for k in old_keys for e in self._communes.get((k, name_key), ())]
        if district is not None:
            entries = [e for e in entries if e.district_key == _key(district.name)]
        if len({e.kind for e in entries}) > 1:
            # A xã and a thị trấn of the same name: the printed unit word decides.
            entries = [e for e in entries if e.kind == commune.kind]
        if not entries or any(e.part for e in entries) or len({e.new for e in entries}) != 1:
            return None
        return entries[0]


def _split_name(full: str, kinds: tuple[str, ...]) -> str:
    split = _split_unit(full, kinds)
    return split[1] if split else full


def _province_key(full: str) -> str:
    return _key(_split_name(full, PROVINCE_KINDS))


def _refuse(source: str, field: str, reason: str) -> NoReturn:
    raise ConfigError(source, [FieldProblem(field, reason)])


def _version_problem(version: int) -> FieldProblem:
    return FieldProblem(
        "schema_version",
        f"table version {version} is not supported (this software reads "
        f"{ADMIN_UNITS_SCHEMA_VERSION})",
    )


# --- loading -------------------------------------------------------------------------------------


def load_admin_units(directory: Path | None = None) -> AdminUnits:
    """Load and validate the table in ``directory`` (the bundled one by default): its
    ``provinces.toml`` and every other ``*.toml`` as one current province's commune rows."""
    directory = directory or BUNDLED_ADMIN_UNITS_DIR
    index_path = directory / PROVINCES_FILE
    index = validated(ProvincesFile, read_toml(index_path), index_path)
    files = {
        str(path): validated(CommuneFile, read_toml(path), path)
        for path in sorted(directory.glob("*.toml"))
        if path.name != PROVINCES_FILE
    }
    return AdminUnits(index, files, index_source=str(index_path))


# --- the gateway's document ----------------------------------------------------------------------

DOCUMENT_VERSION = 1


def units_document(directory: Path | None = None) -> dict[str, Any]:
    """The table as the gateway publishes it (``GET /api/v1/admin-units``): the provinces file and
    each province's commune file, by file name, as JSON. Validated first: a gateway never hands
    out a table its kiosks would refuse."""
    directory = directory or BUNDLED_ADMIN_UNITS_DIR
    units = load_admin_units(directory)
    return {
        "version": DOCUMENT_VERSION,
        "provinces": units.index.model_dump(mode="json"),
        "communes": {
            Path(name).name: table.model_dump(mode="json") for name, table in units.files.items()
        },
    }


def units_files(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The files a kiosk installs from the gateway's document, by file name, each checked with
    the same models and cross-checks it will be loaded with (ConfigError if any is wrong)."""
    if document.get("version") != DOCUMENT_VERSION:
        raise ConfigError("gateway admin units", [FieldProblem("version", "not supported")])
    communes = document.get("communes")
    if not isinstance(communes, dict) or not isinstance(document.get("provinces"), dict):
        raise ConfigError("gateway admin units", [FieldProblem("", "not a units document")])
    source = Path("gateway admin units")
    index = validated(ProvincesFile, document["provinces"], source / PROVINCES_FILE)
    files: dict[str, CommuneFile] = {}
    for name, raw in communes.items():
        if not _FILE_NAME.fullmatch(str(name)) or name == PROVINCES_FILE:
            raise ConfigError(str(source), [FieldProblem(str(name), "not a commune file name")])
        files[name] = validated(CommuneFile, raw, source / name)
    AdminUnits(index, files, index_source=str(source / PROVINCES_FILE))  # the cross-checks
    # TOML has no null: an absent optional value is left out.
    return {
        PROVINCES_FILE: index.model_dump(mode="json", exclude_none=True),
        **{name: table.model_dump(mode="json", exclude_none=True) for name, table in files.items()},
    }


_FILE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}\.toml")
