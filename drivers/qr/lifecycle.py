"""The threaded lifecycle every real QR reader shares: open the device, read until it fails,
report the failure, back off, reopen; stop cleanly.

A reader supplies three functions: ``open_device`` (returns a handle, or raises ``DeviceError``
when the device is missing), ``read_one`` (reads and handles one thing from the handle, raising
``DeviceError`` when the device is gone) and ``close_device``. ``ReaderLifecycle`` runs them in a
thread of its own, keeps ``ReaderCore``'s status (STARTING → READY ↔ RECONNECTING → STOPPED)
and waits ``Backoff`` delays between attempts on its stop event, so ``stop()`` never waits out a
backoff. A reader that needs more threads (the camera decodes off its capture thread) hands
them over as ``Worker``s: steps repeated until the reader stops.

Nothing starts at construction: threads start with ``start`` and are joined by ``stop``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from drivers.errors import DeviceError, DeviceProblem
from drivers.qr.base import (
    RECONNECT_FIRST_S,
    RECONNECT_MAX_S,
    Backoff,
    PayloadCallback,
    ReaderCore,
    qr_error,
)

log = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 5.0  # a reader thread blocks at most one poll interval; this is a safety net

Handle = TypeVar("Handle")


@dataclass(frozen=True, slots=True)
class Worker:
    """A thread of a reader besides the device thread: ``step`` is called until the reader
    stops (it should block for a short while at most, so that stopping is noticed)."""

    name: str
    step: Callable[[], None]


class ReaderLifecycle(Generic[Handle]):
    """Runs a reader's device thread; see the module docstring.

    ``label`` names the device in the technician's message when ``read_one`` raises something other
    than a ``DeviceError`` (a vendor exception nobody mapped): "{label}: {exception!r}".
    ``on_lost`` runs on the device thread before a read failure is reported, so that whoever
    sees the failure no longer sees what the device showed (the camera's preview).
    """

    def __init__(
        self,
        core: ReaderCore,
        *,
        name: str,
        label: str,
        open_device: Callable[[], Handle],
        read_one: Callable[[Handle], None],
        close_device: Callable[[Handle], None],
        on_lost: Callable[[], None] | None = None,
        workers: Sequence[Worker] = (),
        reconnect_first_s: float = RECONNECT_FIRST_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
        wait: Callable[[float], object] | None = None,
    ) -> None:
        self._core = core
        self._name = name
        self._label = label
        self._open = open_device
        self._read = read_one
        self._close = close_device
        self._on_lost = on_lost
        self._workers = tuple(workers)
        self._backoff = (reconnect_first_s, reconnect_max_s)
        self._stop = threading.Event()
        # Backoff delays are waited out on the stop event, so that stop() cuts them short;
        # tests pass their own to see the delays without waiting.
        self._wait = wait or self._stop.wait
        self._threads: list[threading.Thread] = []

    def start(self, on_payload: PayloadCallback) -> None:
        """Start reporting to ``on_payload`` and start the threads; raises if already started."""
        self._core.begin(on_payload)
        self._stop.clear()
        self._threads = [threading.Thread(target=self._run, name=self._name, daemon=True)]
        self._threads += [
            threading.Thread(target=self._repeat, args=(w.step,), name=w.name, daemon=True)
            for w in self._workers
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, wake: Callable[[], None] | None = None) -> None:
        """Stop the threads, close the device and report STOPPED; safe to call twice.

        ``wake`` runs once the threads were told to stop and before they are waited for: it
        releases a worker blocked on something other than the device (the camera's mailbox).
        """
        self._stop.set()
        if wake is not None:
            wake()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT_S)
        self._threads = []
        self._core.end()

    def _repeat(self, step: Callable[[], None]) -> None:
        while not self._stop.is_set():
            step()

    def _run(self) -> None:
        backoff = Backoff(*self._backoff)
        while not self._stop.is_set():
            try:
                handle = self._open()
            except DeviceError as exc:
                self._core.failed(exc)
                self._wait(backoff.next_delay())
                continue
            self._core.ready()
            backoff.reset()
            try:
                while not self._stop.is_set():
                    self._read(handle)
            except DeviceError as exc:
                self._lost()
                self._core.failed(exc)
            except Exception as exc:
                # A vendor exception the device code did not map: still a fault, not a crash.
                log.exception("%s QR reader failed", self._label)
                self._lost()
                self._core.failed(qr_error(DeviceProblem.IO_ERROR, f"{self._label}: {exc!r}"))
            finally:
                try:
                    self._close(handle)
                except Exception:
                    # Closing a device that has gone away may fail too; the reader goes on.
                    log.debug("closing the %s failed", self._label, exc_info=True)
            self._wait(backoff.next_delay())

    def _lost(self) -> None:
        if self._on_lost is not None:
            self._on_lost()
