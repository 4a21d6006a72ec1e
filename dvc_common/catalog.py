"""The procedure catalog: which administrative procedures the kiosk offers and what each needs.

The catalog is data, not code: one TOML file per procedure under a directory (the bundled sample
lives in ``config/procedures``), validated against the schema below before the kiosk starts. The
bundled files are sample data; the gateway replaces them with the province's own list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dvc_common.datafile import ConfigError, FieldProblem, read_toml, validated

CATALOG_SCHEMA_VERSION = 1
BUNDLED_CATALOG_DIR = Path(__file__).with_name("procedures")
INDEX_FILE = "catalog.toml"

_SLUG = r"^[a-z][a-z0-9_]{1,39}$"
_MOTTO_WORDS = frozenset({"cong", "hoa", "xa", "hoi", "chu", "nghia", "viet", "nam"})


def _fold(text: str) -> str:
    """``text`` in lower case without diacritics or punctuation, to compare titles."""
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(ch)
    ).replace("đ", "d")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


class DocumentHandling(StrEnum):
    """What the kiosk does with a required document."""

    SCAN = "scan"  # fed through the scanner; pages travel with the dossier
    SHOW = "show"  # shown to staff when the result is collected; not scanned
    FORM = "form"  # the declaration form, produced by the kiosk from the on-screen form


class FieldType(StrEnum):
    """Kinds of form input; each picks its validation and its on-screen keyboard."""

    TEXT = "text"
    NAME = "name"
    ADDRESS = "address"
    DATE = "date"
    PHONE = "phone"
    EMAIL = "email"
    ID_NUMBER = "id_number"
    INTEGER = "integer"
    CHOICE = "choice"


class PrefillSource(StrEnum):
    """Identity attributes a form field may be prefilled from."""

    FULL_NAME = "identity.full_name"
    DATE_OF_BIRTH = "identity.date_of_birth"
    SEX = "identity.sex"
    ID_NUMBER = "identity.id_number"
    ADDRESS = "identity.address"


# Identity attributes the card states: fields filled from them are shown read-only beside the
# card, never typed, so they belong to no form page. The address is different: the card's may be
# out of date (the 2025 reorganisation, a move), so a field prefilled from it stays on a page.
CARD_SOURCES = frozenset(
    {
        PrefillSource.FULL_NAME,
        PrefillSource.DATE_OF_BIRTH,
        PrefillSource.SEX,
        PrefillSource.ID_NUMBER,
    }
)
# The form field that asks how the citizen wants the result, when a procedure offers a choice.
DELIVERY_FIELD = "result_delivery"


class FeeKind(StrEnum):
    FREE = "free"
    PER_DOSSIER = "per_dossier"
    PER_COPY = "per_copy"
    PER_PAGE = "per_page"


class Delivery(StrEnum):
    """How the citizen can receive the result."""

    IN_PERSON = "in_person"
    POSTAL = "postal"
    ONLINE = "online"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    value: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=80)


class CopyRule(_Model):
    """A field that takes another field's answer when a choice has a given value, and is then
    not asked: the mother's name is the applicant's when the applicant answered "Mẹ"."""

    when_field: str = Field(pattern=_SLUG, description="The choice field that decides.")
    equals: str = Field(min_length=1, max_length=40, description="The choice value that copies.")
    source: str = Field(pattern=_SLUG, description="The field whose value is copied.")


class FormPage(_Model):
    """One short page of the form: one topic, a handful of fields."""

    title: str = Field(min_length=3, max_length=60, description="Vietnamese topic of the page.")
    fields: tuple[str, ...] = Field(min_length=1, max_length=6)


class FormField(_Model):
    name: str = Field(pattern=_SLUG, description="Key of the value in the dossier.")
    label: str = Field(min_length=1, max_length=80, description="Vietnamese label on screen.")
    type: FieldType
    required: bool = True
    help: str | None = Field(default=None, max_length=200, description="Vietnamese hint.")
    min_length: int | None = Field(default=None, ge=0)
    max_length: int = Field(default=120, ge=1, le=500)
    pattern: str | None = Field(default=None, description="Regular expression the value matches.")
    pattern_message: str | None = Field(
        default=None, description="Vietnamese message when the pattern does not match."
    )
    min_value: int | None = None
    max_value: int | None = None
    choices: tuple[Choice, ...] = ()
    prefill: PrefillSource | None = None
    not_in_future: bool = Field(default=False, description="For dates: today or earlier.")
    copy_when: CopyRule | None = Field(
        default=None, description="Filled from another field (and not asked) in this case."
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type is FieldType.CHOICE and not self.choices:
            raise ValueError("a choice field needs choices")
        if self.type is not FieldType.CHOICE and self.choices:
            raise ValueError("only choice fields take choices")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("choice values must be unique")
        if self.not_in_future and self.type is not FieldType.DATE:
            raise ValueError("not_in_future applies only to date fields")
        if self.pattern and not self.pattern_message:
            raise ValueError("a pattern needs a pattern_message for the citizen")
        if self.min_length is not None and self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValueError("min_value is greater than max_value")
        return self


class AnswerRule(_Model):
    """A form answer a document depends on: asked only when ``field``'s answer is one of
    ``values`` (the power of attorney when someone other than a parent applies)."""

    field: str = Field(pattern=_SLUG, description="The choice field whose answer decides.")
    values: tuple[str, ...] = Field(min_length=1, description="The answers that need it.")


class RequiredDocument(_Model):
    code: str = Field(pattern=_SLUG)
    name: str = Field(min_length=3, max_length=200, description="Vietnamese name of the document.")
    mandatory: bool = True
    handling: DocumentHandling
    copies: int = Field(default=1, ge=1, le=10, description="Copies (bản) required.")
    max_pages: int = Field(default=20, ge=1, le=200)
    instructions: str | None = Field(
        default=None, max_length=300, description="Vietnamese hint shown at the scan step."
    )
    condition: str | None = Field(
        default=None, max_length=200, description="When an optional document is needed."
    )
    needed_when: AnswerRule | None = Field(
        default=None, description="Scanned only for these answers of the form; skipped otherwise."
    )
    titles: tuple[str, ...] = Field(
        default=(),
        description="The titles or keywords printed on the document that identify it, as they "
        "are printed (e.g. 'GIẤY CHỨNG SINH'); the kiosk reads the title of each scanned page "
        "and warns when it is not one of these. Required for scanned documents.",
    )
    any_paper: bool = Field(
        default=False,
        description="Any paper will do (the original of a certified copy): no titles; the "
        "check still warns about blank, upside-down, cut-off and unreadable pages.",
    )

    @field_validator("titles")
    @classmethod
    def _titles_readable(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for title in value:
            # The national motto heads nearly every form and says nothing about which one.
            if sum(ch.isalpha() for ch in title) < 3:
                raise ValueError(f"title {title!r} has too few letters to identify a document")
            if _MOTTO_WORDS & set(_fold(title).split()) == _MOTTO_WORDS:
                raise ValueError("the national motto identifies no document; use its own title")
        if len({_fold(t) for t in value}) != len(value):
            raise ValueError("titles must be unique")
        return tuple(unicodedata.normalize("NFC", t) for t in value)

    @model_validator(mode="after")
    def _guidance_present(self) -> Self:
        # An elderly citizen at the scanner needs to be told what to do, and an optional
        # document without a condition leaves them guessing whether to bring it.
        if self.handling is DocumentHandling.SCAN and not self.instructions:
            raise ValueError("a scanned document needs instructions")
        if not self.mandatory and not self.condition:
            raise ValueError("an optional document needs a condition saying when it is needed")
        # Without titles the kiosk cannot tell the citizen that the paper fed is the wrong one.
        if self.handling is DocumentHandling.SCAN and not self.titles and not self.any_paper:
            raise ValueError(
                f"scanned document {self.code!r} needs titles: the titles or keywords printed "
                'on it (e.g. titles = ["GIẤY CHỨNG SINH"]), or any_paper = true if any '
                "paper will do"
            )
        if self.any_paper and self.titles:
            raise ValueError("a document that takes any paper has no titles")
        if self.handling is not DocumentHandling.SCAN and (self.titles or self.any_paper):
            raise ValueError("titles and any_paper apply only to scanned documents")
        return self


class Fee(_Model):
    kind: FeeKind
    amount_vnd: int = Field(default=0, ge=0)
    reduced_from_page: int | None = Field(
        default=None, ge=2, description="Per-page fees: first page charged the reduced amount."
    )
    reduced_amount_vnd: int | None = Field(default=None, ge=0)
    cap_vnd: int | None = Field(default=None, ge=0, description="Most charged per copy.")
    description: str = Field(min_length=1, max_length=300, description="Vietnamese text.")

    @model_validator(mode="after")
    def _amount_matches_kind(self) -> Self:
        if self.kind is FeeKind.FREE and self.amount_vnd != 0:
            raise ValueError("a free procedure has amount_vnd = 0")
        if self.kind is not FeeKind.FREE and self.amount_vnd == 0:
            raise ValueError("a paid procedure needs amount_vnd > 0")
        tiered = (self.reduced_from_page is not None, self.reduced_amount_vnd is not None)
        if any(tiered) and not all(tiered):
            raise ValueError("reduced_from_page and reduced_amount_vnd go together")
        if any(tiered) and self.kind is not FeeKind.PER_PAGE:
            raise ValueError("a reduced rate applies only to per_page fees")
        if self.cap_vnd is not None and self.cap_vnd < self.amount_vnd:
            raise ValueError("cap_vnd is below amount_vnd")
        return self

    def amount_for(self, *, pages: int = 1, copies: int = 1) -> int:
        """The fee in đồng for ``copies`` copies of a ``pages``-page document."""
        if self.kind is FeeKind.FREE:
            return 0
        if self.kind is FeeKind.PER_DOSSIER:
            return self.amount_vnd
        if self.kind is FeeKind.PER_COPY:
            per_copy = self.amount_vnd
        else:
            full_pages = pages
            reduced_pages = 0
            if self.reduced_from_page is not None and self.reduced_amount_vnd is not None:
                full_pages = min(pages, self.reduced_from_page - 1)
                reduced_pages = pages - full_pages
            per_copy = full_pages * self.amount_vnd + reduced_pages * (self.reduced_amount_vnd or 0)
        if self.cap_vnd is not None:
            per_copy = min(per_copy, self.cap_vnd)
        return per_copy * copies


class Procedure(_Model):
    code: str = Field(
        pattern=r"^[0-9]\.[0-9]{6}$", description="National procedure code (mã thủ tục)."
    )
    slug: str = Field(pattern=_SLUG, description="Stable short name for files and URLs.")
    name: str = Field(min_length=5, max_length=200, description="Vietnamese name.")
    short_name: str | None = Field(
        default=None,
        min_length=5,
        max_length=60,
        description="What people call a long-named procedure ('Chứng thực bản sao'), for the "
        "screens where the full name, read once already, would only be read again (the review). "
        "The slip and the lists keep the full name.",
    )
    field: str = Field(min_length=2, max_length=80, description="Lĩnh vực, e.g. 'Hộ tịch'.")
    summary: str = Field(min_length=5, max_length=400, description="One plain sentence.")
    keywords: tuple[str, ...] = ()
    processing_days: int = Field(ge=0, le=90, description="Working days; 0 means the same day.")
    extended_processing_days: int | None = Field(
        default=None, ge=1, le=90, description="Longer limit when verification is needed."
    )
    extension_reason: str | None = Field(default=None, max_length=200)
    cutoff: time | None = Field(
        default=None,
        description="Received after this local time counts as received the next working day.",
    )
    number_of_sets: int = Field(default=1, ge=1, le=5)
    documents: tuple[RequiredDocument, ...] = Field(min_length=1)
    form: tuple[FormField, ...] = Field(min_length=1)
    pages: tuple[FormPage, ...] = Field(
        min_length=1, description="The form's pages in order; every typed field on exactly one."
    )
    fee: Fee
    legal_basis: tuple[str, ...] = Field(min_length=1)
    result_delivery: tuple[Delivery, ...] = Field(min_length=1)
    result_place: str = Field(min_length=3, max_length=200)
    notes: tuple[str, ...] = ()

    @field_validator("cutoff", mode="before")
    @classmethod
    def _parse_cutoff(cls, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", value):
            hours, minutes = value.split(":")
            return time(int(hours), int(minutes))
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for what, names in (
            ("document code", [d.code for d in self.documents]),
            ("form field name", [f.name for f in self.form]),
        ):
            dupes = {n for n in names if names.count(n) > 1}
            if dupes:
                raise ValueError(f"duplicate {what}: {', '.join(sorted(dupes))}")
        if (
            self.extended_processing_days is not None
            and self.extended_processing_days <= self.processing_days
        ):
            raise ValueError("extended_processing_days must exceed processing_days")
        if self.extended_processing_days is not None and not self.extension_reason:
            raise ValueError("extended_processing_days needs an extension_reason")
        self._check_pages()
        self._check_copy_rules()
        self._check_document_rules()
        self._check_delivery_question()
        return self

    def _check_pages(self) -> None:
        fields = {f.name: f for f in self.form}
        placed = [name for page in self.pages for name in page.fields]
        unknown = sorted(set(placed) - set(fields))
        if unknown:
            raise ValueError(f"pages name fields the form does not have: {', '.join(unknown)}")
        twice = sorted({n for n in placed if placed.count(n) > 1})
        if twice:
            raise ValueError(f"fields on more than one page: {', '.join(twice)}")
        from_card = sorted(n for n in placed if fields[n].prefill in CARD_SOURCES)
        if from_card:
            raise ValueError(
                f"fields read from the card are shown with the card, not on a page: "
                f"{', '.join(from_card)}"
            )
        missing = sorted(
            n for n, f in fields.items() if f.prefill not in CARD_SOURCES and n not in placed
        )
        if missing:
            raise ValueError(f"fields on no page: {', '.join(missing)}")

    def _check_copy_rules(self) -> None:
        fields = {f.name: f for f in self.form}
        for field in self.form:
            rule = field.copy_when
            if rule is None:
                continue
            decider = fields.get(rule.when_field)
            if decider is None or decider.type is not FieldType.CHOICE:
                raise ValueError(f"{field.name}: copy_when.when_field must be a choice field")
            if rule.equals not in {c.value for c in decider.choices}:
                raise ValueError(f"{field.name}: {rule.equals!r} is not a choice of {decider.name}")
            source = fields.get(rule.source)
            if source is None or source.name == field.name:
                raise ValueError(f"{field.name}: copy_when.source must be another form field")
            if source.type is not field.type:
                raise ValueError(f"{field.name}: copies a {source.type.value} field")

    def _check_document_rules(self) -> None:
        fields = {f.name: f for f in self.form}
        for document in self.documents:
            rule = document.needed_when
            if rule is None:
                continue
            if document.handling is not DocumentHandling.SCAN:
                raise ValueError(f"{document.code}: needed_when applies to scanned documents")
            decider = fields.get(rule.field)
            if decider is None or decider.type is not FieldType.CHOICE:
                raise ValueError(f"{document.code}: needed_when.field must be a choice field")
            unknown = sorted(set(rule.values) - {c.value for c in decider.choices})
            if unknown:
                raise ValueError(f"{document.code}: not choices of {decider.name}: {unknown}")

    def scanned_for(self, answers: Mapping[str, str]) -> tuple[RequiredDocument, ...]:
        """The documents to scan given the form's answers so far (a document that depends on
        an answer not given yet is not asked)."""
        return tuple(
            d
            for d in self.scanned_documents
            if d.needed_when is None or answers.get(d.needed_when.field) in d.needed_when.values
        )

    def _check_delivery_question(self) -> None:
        question = next((f for f in self.form if f.name == DELIVERY_FIELD), None)
        offered = {d.value for d in self.result_delivery}
        if len(offered) > 1 and question is None:
            raise ValueError(f"several result_delivery ways need a {DELIVERY_FIELD} choice field")
        if question is not None and (
            question.type is not FieldType.CHOICE or {c.value for c in question.choices} != offered
        ):
            raise ValueError(f"{DELIVERY_FIELD} must be a choice of exactly the result_delivery")

    def form_field(self, name: str) -> FormField:
        """The form field called ``name``; KeyError names it."""
        for candidate in self.form:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def card_fields(self) -> tuple[FormField, ...]:
        """The fields filled from the ID card, shown read-only with it."""
        return tuple(f for f in self.form if f.prefill in CARD_SOURCES)

    @property
    def same_day(self) -> bool:
        return self.processing_days == 0

    @property
    def scanned_documents(self) -> tuple[RequiredDocument, ...]:
        return tuple(d for d in self.documents if d.handling is DocumentHandling.SCAN)


def sort_key(text: str) -> tuple[str, str]:
    """Vietnamese alphabetical order, near enough: base letters first, đ right after d."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.replace("đ", "d~"), text


class CatalogIndex(_Model):
    schema_version: int
    sample: bool = Field(description="True for bundled sample data awaiting the gateway's list.")
    source: str = Field(min_length=3, max_length=400)
    updated: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class Catalog:
    """The validated set of procedures, in a stable order."""

    def __init__(self, index: CatalogIndex, procedures: list[Procedure]) -> None:
        self.index = index
        self._by_code = {p.code: p for p in procedures}
        self._order = sorted(procedures, key=lambda p: (sort_key(p.field), sort_key(p.name)))

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Procedure:
        """The procedure with this code or slug; KeyError names what was asked."""
        found = self._by_code.get(code)
        if found is None:
            found = next((p for p in self._order if p.slug == code), None)
        if found is None:
            raise KeyError(code)
        return found

    @property
    def is_sample(self) -> bool:
        return self.index.sample


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and validate every procedure file in ``directory`` (the bundled sample by default)."""
    directory = directory or BUNDLED_CATALOG_DIR
    index_path = directory / INDEX_FILE
    index = validated(CatalogIndex, read_toml(index_path), index_path)
    if index.schema_version != CATALOG_SCHEMA_VERSION:
        raise ConfigError(
            str(index_path),
            [
                FieldProblem(
                    "schema_version",
                    f"catalog version {index.schema_version} is not supported "
                    f"(this software reads {CATALOG_SCHEMA_VERSION})",
                )
            ],
        )
    procedures: list[Procedure] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == INDEX_FILE:
            continue
        procedure = validated(Procedure, read_toml(path), path)
        for key in (procedure.code, procedure.slug):
            if key in seen:
                raise ConfigError(
                    str(path), [FieldProblem("code", f"{key} is already used by {seen[key]}")]
                )
            seen[key] = path
        procedures.append(procedure)
    if not procedures:
        raise ConfigError(str(directory), [FieldProblem("", "no procedure files")])
    return Catalog(index, procedures)
