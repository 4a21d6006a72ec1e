"""The outbox's errors, each with a reason from ``StoreFailure``.

The outbox never words anything for a citizen: it says *why* as an enum and the screens
translate it (the queue runs in the sync process and the CLI too, where no language applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from offline_queue.crypto import CryptoError
from offline_queue.limits import Problem


class StoreFailure(StrEnum):
    """Why the outbox could not do what was asked, for whoever tells a person."""

    NOT_STORED = "not_stored"  # storing or reading failed (I/O, a damaged row, a bug)
    DISK_FULL = "disk_full"  # not enough space to store the dossier safely
    UNAVAILABLE = "unavailable"  # cannot be opened now (locked, failing disk); nothing moved
    REFUSED = "refused"  # the gateway would refuse the dossier; nothing was stored


class StoreError(Exception):
    """Storing or reading the queue failed; ``reason`` says why."""

    reason: StoreFailure = StoreFailure.NOT_STORED


class QueueFullError(StoreError):
    """Not enough disk space to store the dossier safely."""

    reason = StoreFailure.DISK_FULL


class QueueUnavailableError(StoreError):
    """The outbox cannot be opened right now (locked, disk full, I/O error); nothing was moved.

    Not corruption: the database stays where it is, and opening it again once the condition
    passes finds every dossier.
    """

    reason = StoreFailure.UNAVAILABLE


class QueueRefusedError(StoreError):
    """The gateway would refuse this dossier; nothing was stored. ``problems`` say why."""

    reason = StoreFailure.REFUSED

    def __init__(self, receipt_number: str, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.reasons = [p.reason for p in self.problems]
        super().__init__(f"{receipt_number} refused: " + "; ".join(str(p) for p in self.problems))


class MasterKeyError(CryptoError):
    """The master key file is missing, damaged or not the outbox's; nothing was created."""


class DatabaseCorruptError(Exception):
    """Proof that the queue database is damaged (as opposed to busy, full or unreadable)."""
