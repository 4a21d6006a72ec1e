"""The one table from every reason the core, the devices and the outbox report to the translation
id the screens show for it.

The core never words a sentence for a person: it reports *why* as an enum member, with the few
values the sentence needs (a field's label, a page limit). The screens look the member up here
and translate the id through ``ui/i18n/kiosk_<lang>.ts``, so English mode reads English
everywhere. The slip is not translated: it stays Vietnamese (``kiosk/slip.py``).

Ids are plain strings for ``qsTrId``; a sentence's values are the positional ``%1``, ``%2`` of
the translation, in the order ``MessageSpec.params`` names them::

    # QML
    text: qsTrId(vm.messageId).arg(vm.messageArgs[0])
    # Python (tests, the CLI): Qt-free filling of a text already translated
    fill(qtTrId(message_id(problem.reason)), problem.arguments)

Plain Python on purpose (no Qt): the view-models, tests and tools all read it. Device trouble
arrives as ``kiosk.faults.DeviceFault`` (one member per ``drivers.errors.DeviceProblem``): the
screens never see driver types.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

from dvc_common.protocol import ProcessingStatus
from kiosk.faults import DeviceFault
from kiosk.forms import FIELD_PARAMS, FieldReason
from kiosk.gateway_services import StatusKind
from kiosk.identity import IdentityProblem
from kiosk.journey import RejectReason
from kiosk.scanning import ScanNotice
from offline_queue.errors import StoreFailure

Reason: TypeAlias = (
    RejectReason
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


# Sentences the journey still words itself without a reason enum (kiosk/journey.py sets them as
# its snapshot's message). Their ids exist already so that the switch changes no wording; the
# switch gives them an enum in the journey and moves them into the table below.
STAFF_CALLED_ID = "notice.journey.staff_called"
SLIP_NOT_PRINTED_ID = "notice.journey.slip_not_printed"
NOTICE_IDS: tuple[str, ...] = (STAFF_CALLED_ID, SLIP_NOT_PRINTED_ID)

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


_TABLE: Mapping[StrEnum, MessageSpec] = MappingProxyType(
    {
        **_by_value(
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
        **_by_value(
            FieldReason,
            "reason.field",
            params=dict(FIELD_PARAMS.items()),
            shared={FieldReason.CHOICE_UNKNOWN: "reason.field.choice_required"},
        ),
        **_by_value(IdentityProblem, "reason.identity"),
        **_by_value(StatusKind, "reason.lookup"),
        **_by_value(ProcessingStatus, "status.processing"),
        **_by_value(
            DeviceFault,
            "reason.device",
            # A slip that cannot be drawn is a failed print: the citizen reads what every failed
            # print says.
            shared={DeviceFault.RENDERING: SLIP_NOT_PRINTED_ID},
        ),
        **_by_value(
            StoreFailure,
            "reason.outbox",
            # Only a full disk has words of its own; the citizen can do nothing different about
            # the others, so they read as "not stored".
            shared={StoreFailure.UNAVAILABLE: _NOT_STORED, StoreFailure.REFUSED: _NOT_STORED},
        ),
        # The scan screen translated these before this table existed; their ids stay.
        **{
            ScanNotice.ALL_BLANK: MessageSpec("scan.blank"),
            ScanNotice.DOCUMENT_FULL: MessageSpec("scan.full"),
        },
    }
)


def has_message(reason: StrEnum) -> bool:
    """False for the few members shown otherwise than as a sentence (``NO_SENTENCE``)."""
    return reason in _TABLE


def message_spec(reason: Reason) -> MessageSpec:
    """The id and parameter names for ``reason``; KeyError for a member in ``NO_SENTENCE``."""
    try:
        return _TABLE[reason]
    except KeyError:
        raise KeyError(f"{type(reason).__name__}.{reason.name} has no sentence") from None


def message_id(reason: Reason) -> str:
    """The translation id for ``reason``, e.g. ``reason.device.paper_out``."""
    return message_spec(reason).id


def arguments(reason: Reason, values: Mapping[str, str]) -> tuple[str, ...]:
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
    """Every id with its parameter names, the journey's unkeyed notices included."""
    ids = {entry.spec.id: entry.spec.params for entry in all_messages()}
    ids.update(dict.fromkeys(NOTICE_IDS, ()))
    return ids
