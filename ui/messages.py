"""The one table from every reason the core, the devices and the outbox report to the translation
id the screens show for it.

The core never words a sentence for a person: it reports *why* as an enum member, with the few
values the sentence needs (a field's label, a page limit). The screens look the member up here
and translate the id through ``ui/i18n/kiosk_<lang>.ts``, so English mode reads English
everywhere. The slip is not translated: it stays Vietnamese (``kiosk/slip.py``).

Ids are plain strings for ``qsTrId``; a sentence's values are the positional ``%1``, ``%2`` of
the translation, in the order ``MessageSpec.params`` names them::

    # the view-models (ui.translate): Qt's translation of the id, then the values
    fill(qtTrId(message_id(notice.reason)), arguments(notice.reason, notice.params))
    # Qt-free (tests, the text demo): the same from the .ts file itself
    say(notice.reason, notice.params, sentences(Language.VI))

Plain Python on purpose (no Qt): the view-models, tests and tools all read it. Device trouble
arrives as ``kiosk.faults.DeviceFault`` (one member per ``drivers.errors.DeviceProblem``): the
screens never see driver types.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

from config.settings import Language
from dvc_common.protocol import ProcessingStatus
from kiosk.faults import DeviceFault
from kiosk.forms import FIELD_PARAMS, FieldReason
from kiosk.gateway_services import StatusKind
from kiosk.identity import IdentityProblem
from kiosk.journey import JourneyNotice, RejectReason, Snapshot
from kiosk.router import Screen
from kiosk.scanning import ScanNotice
from offline_queue.errors import StoreFailure

Reason: TypeAlias = (
    RejectReason
    | JourneyNotice
    | FieldReason
    | IdentityProblem
    | StatusKind
    | ProcessingStatus
    | DeviceFault
    | StoreFailure
    | ScanNotice
)

# Every enum whose members are shown to a person, in the order ``all_messages`` lists them.
REASON_ENUMS: tuple[type[StrEnum], ...] = (
    RejectReason,
    JourneyNotice,
    FieldReason,
    IdentityProblem,
    StatusKind,
    ProcessingStatus,
    DeviceFault,
    StoreFailure,
    ScanNotice,
)


@dataclass(frozen=True)
class MessageSpec:
    """A translation id and the names of the values filling its ``%1``, ``%2``, ... in order."""

    id: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageEntry:
    """One row of the table, for tests and tools."""

    enum: type[StrEnum]
    member: StrEnum
    spec: MessageSpec


# The journey's notices (``JourneyNotice``); a failed print shares the second.
STAFF_CALLED_ID = "notice.journey.staff_called"
SLIP_NOT_PRINTED_ID = "notice.journey.slip_not_printed"

# Members that have no sentence of their own: a found dossier is shown as its details and its
# status (``ProcessingStatus``), not as a message.
NO_SENTENCE: frozenset[StrEnum] = frozenset({StatusKind.FOUND})

_IDENTITY_INVALID = "reason.identity.invalid"
_NOT_STORED = "reason.outbox.not_stored"


def _by_value(
    enum: type[StrEnum],
    prefix: str,
    *,
    params: Mapping[StrEnum, tuple[str, ...]] | None = None,
    shared: Mapping[StrEnum, str] | None = None,
) -> dict[StrEnum, MessageSpec]:
    """``prefix.<member value>`` for each member, except the ids ``shared`` names: a reason that
    reads the same as another uses its id, so one sentence has one translation."""
    params, shared = params or {}, shared or {}
    return {
        member: MessageSpec(shared.get(member, f"{prefix}.{member.value}"), params.get(member, ()))
        for member in enum
        if member not in NO_SENTENCE
    }


def merge_tables(*tables: Mapping[StrEnum, MessageSpec]) -> dict[StrEnum, MessageSpec]:
    """One table from one per enum. A StrEnum member hashes and compares as its value, so two
    enums with a member of the same value would share one key, and one of the two sentences
    would be lost without a word: that is refused here, when the module loads."""
    merged: dict[StrEnum, MessageSpec] = {}
    for table in tables:
        for member, spec in table.items():
            if member in merged:
                taken = next(key for key in merged if key == member)
                raise ValueError(
                    f"{type(member).__name__}.{member.name} and {type(taken).__name__}."
                    f"{taken.name} share the value {member.value!r}: one table cannot hold both"
                )
            merged[member] = spec
    return merged


_TABLE: Mapping[StrEnum, MessageSpec] = MappingProxyType(
    merge_tables(
        _by_value(
            RejectReason,
            "reason.journey",
            params={
                RejectReason.DOCUMENT_MISSING: ("document",),
                RejectReason.TOO_MANY_PAGES: ("max_pages",),
            },
            # The journey words these two from a more precise reason (the identity's group, the
            # outbox's failure); these are the sentences when no more precise reason came along.
            shared={
                RejectReason.IDENTITY_INVALID: _IDENTITY_INVALID,
                RejectReason.STORAGE_FAILED: _NOT_STORED,
            },
        ),
        _by_value(JourneyNotice, "notice.journey"),
        _by_value(
            FieldReason,
            "reason.field",
            params=dict(FIELD_PARAMS.items()),
            shared={FieldReason.CHOICE_UNKNOWN: "reason.field.choice_required"},
        ),
        _by_value(IdentityProblem, "reason.identity"),
        _by_value(StatusKind, "reason.lookup"),
        _by_value(ProcessingStatus, "status.processing"),
        _by_value(
            DeviceFault,
            "reason.device",
            # A slip that cannot be drawn is a failed print: the citizen reads what every failed
            # print says.
            shared={DeviceFault.RENDERING: SLIP_NOT_PRINTED_ID},
        ),
        _by_value(
            StoreFailure,
            "reason.outbox",
            # Only a full disk has words of its own; the citizen can do nothing different about
            # the others, so they read as "not stored".
            shared={StoreFailure.UNAVAILABLE: _NOT_STORED, StoreFailure.REFUSED: _NOT_STORED},
        ),
        # The scan screen translated these before this table existed; their ids stay.
        {
            ScanNotice.ALL_BLANK: MessageSpec("scan.blank"),
            ScanNotice.DOCUMENT_FULL: MessageSpec("scan.full"),
        },
    )
)


def has_message(reason: StrEnum) -> bool:
    """False for the few members shown otherwise than as a sentence (``NO_SENTENCE``)."""
    return reason in _TABLE


def message_spec(reason: StrEnum) -> MessageSpec:
    """The id and parameter names for ``reason`` (a member of a ``Reason`` enum; the journey's
    ``Notice`` types its reason as any ``StrEnum``); KeyError for any other member and for a
    member in ``NO_SENTENCE``."""
    try:
        return _TABLE[reason]
    except KeyError:
        raise KeyError(f"{type(reason).__name__}.{reason.name} has no sentence") from None


def message_id(reason: StrEnum) -> str:
    """The translation id for ``reason``, e.g. ``reason.device.paper_out``."""
    return message_spec(reason).id


def arguments(reason: StrEnum, values: Mapping[str, str]) -> tuple[str, ...]:
    """``values`` in the order of the sentence's placeholders; refuses missing or extra ones."""
    names = message_spec(reason).params
    if set(values) != set(names):
        raise ValueError(f"{reason.name} takes {names}, got {sorted(values)}")
    return tuple(values[name] for name in names)


_PLACEHOLDER = re.compile(r"%([1-9][0-9]?)")


def fill(text: str, args: Sequence[str]) -> str:
    """``text`` with ``%1``, ``%2``, ... replaced by ``args``, as QML's ``.arg()`` chain does for
    well-formed texts; placeholders without an argument stay as they are."""

    def replace(match: re.Match[str]) -> str:
        index = int(match[1]) - 1
        return args[index] if index < len(args) else match[0]

    return _PLACEHOLDER.sub(replace, text)


def all_messages() -> Iterator[MessageEntry]:
    """Every (enum, member, id, parameter names) the screens may have to show."""
    for enum in REASON_ENUMS:
        for member in enum:
            if member in _TABLE:
                yield MessageEntry(enum, member, _TABLE[member])


def all_ids() -> dict[str, tuple[str, ...]]:
    """Every id with its parameter names."""
    return {entry.spec.id: entry.spec.params for entry in all_messages()}


_FOLDER = Path(__file__).resolve().parent / "i18n"


@cache
def sentences(language: Language) -> Mapping[str, str]:
    """id → text as ``ui/i18n/kiosk_<lang>.ts`` translates it, read without Qt (the text demo,
    the tests); the screens go through Qt's compiled ``.qm`` instead (``ui.translate``)."""
    path = _FOLDER / f"kiosk_{language.value}.ts"
    root = ET.parse(path).getroot()  # noqa: S314 - our own file, shipped with the code
    found: dict[str, str] = {}
    for message in root.iter("message"):
        translation = message.find("translation")
        if "id" in message.attrib and translation is not None:
            found[message.attrib["id"]] = translation.text or ""
    return MappingProxyType(found)


def say(reason: StrEnum, params: Mapping[str, str] | None, texts: Mapping[str, str]) -> str:
    """The sentence for ``reason`` with its values, from ``texts`` (``sentences(language)``)."""
    return fill(texts[message_id(reason)], arguments(reason, params or {}))


def guide_id(screen: Screen, snapshot: Snapshot) -> str:
    """The id of what "Nghe hướng dẫn" reads on ``screen``: that screen's guide, except on an
    optional document not yet scanned, whose main button is "skip" (a guide must never send an
    elderly user looking for a button that is not on the screen)."""
    if screen is Screen.SCAN and 0 <= snapshot.document_index < len(snapshot.documents):
        current = snapshot.documents[snapshot.document_index]
        if not current.document.mandatory and not current.pages:
            return "guide.ScanOptional"
    return f"guide.{screen.value}"
