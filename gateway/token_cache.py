"""Kiosk tokens already looked up, kept only while every change to a kiosk is heard of.

Every request of the kiosk API starts with its token (``Authenticator``): fourteen look-ups per
dossier and one per heartbeat, the commonest query of a province's gateway, for an answer that
changes when a technician enrols, revokes or disables a kiosk, a few times a year each.

A ``TokenCache`` keeps the answers while its owner hears of every change: the PostgreSQL store
(``gateway.store_postgres``) listens on the channel a trigger on ``kiosks`` notifies on every
change, whoever made it (another replica, the command line, the console), and the writes of the
store itself forget at once. While nothing listens (not yet connected, connection lost) the
cache is off and every look-up goes to the database, as before.

A look-up racing a change must not put back what the change made stale: ``generation`` is read
before the query and ``put`` keeps the answer only when no change was heard of meanwhile.
"""

from __future__ import annotations

import threading

from gateway.store import KioskRecord

# More kiosks than a whole country has: the bound only guards memory against a bug.
CAPACITY = 100_000


class TokenCache:
    """Token digest → kiosk, for as long as it is ``live``. Thread-safe."""

    def __init__(self, *, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._mutex = threading.Lock()
        self._kiosks: dict[str, KioskRecord] = {}
        self._digest_of: dict[str, str] = {}  # kiosk id → its cached digest
        self._generation = 0
        self._live = False

    def get(self, digest: str) -> KioskRecord | None:
        with self._mutex:
            return self._kiosks.get(digest)

    def generation(self) -> int | None:
        """The stamp to hand to ``put`` after the query; None while the cache is off."""
        with self._mutex:
            return self._generation if self._live else None

    def put(self, digest: str, kiosk: KioskRecord, generation: int | None) -> None:
        """Keep ``kiosk`` for ``digest``, unless a change was heard of since ``generation``
        was read (or the cache was off then, or is now)."""
        with self._mutex:
            if not self._live or generation != self._generation:
                return
            if len(self._kiosks) >= self._capacity:
                self._kiosks.clear()
                self._digest_of.clear()
            stale = self._digest_of.get(kiosk.kiosk_id)
            if stale is not None:
                self._kiosks.pop(stale, None)
            self._kiosks[digest] = kiosk
            self._digest_of[kiosk.kiosk_id] = digest

    def forget(self, kiosk_id: str) -> None:
        """The kiosk changed (its token, its state, its unit): look it up again."""
        with self._mutex:
            self._generation += 1
            digest = self._digest_of.pop(kiosk_id, None)
            if digest is not None:
                self._kiosks.pop(digest, None)

    def go_live(self) -> None:
        """Every change is heard of from now on: start keeping answers (from nothing, since
        changes made before may not have been heard of)."""
        self._reset(live=True)

    def go_deaf(self) -> None:
        """Changes may go unheard from now on: keep nothing."""
        self._reset(live=False)

    @property
    def live(self) -> bool:
        with self._mutex:
            return self._live

    def _reset(self, *, live: bool) -> None:
        with self._mutex:
            self._generation += 1
            self._kiosks.clear()
            self._digest_of.clear()
            self._live = live
