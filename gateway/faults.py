"""Faults the reference gateway can be told to have, for testing the kiosk's sync engine.

A ``FaultState`` is consulted on every request (except the ``/_admin`` endpoints that change it)
and may be changed while the server runs: from the test's own thread, through
``PUT /_admin/faults``, or by the ``gateway serve`` flags at start. ``FaultMiddleware`` applies it
in front of the application, so the application itself never knows about faults (except
``identity_down``, which only the identity handler can express, and ``crash_at``, a named step
inside tus completion where the gateway dies: the tus server calls ``FaultState.reached`` at each
step, so tests can prove a gateway killed anywhere in there finishes the upload when it comes
back).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import ProblemType, problem_body


class Garbage(StrEnum):
    """Ways of answering that are not the protocol at all."""

    NONE = "none"
    MALFORMED_JSON = "malformed_json"  # 200, JSON content type, a body that is not JSON
    ENDLESS_BODY = "endless_body"  # 200, JSON content type, bytes for ever
    HANG = "hang"  # the request is accepted and never answered
    AUTH_REJECT = "auth_reject"  # 401 for every authenticated request


class CrashPoint(StrEnum):
    """Steps of tus completion, in order, where ``crash_at`` can make the gateway die."""

    NONE = "none"
    OFFSET_RECORDED = "offset-recorded"  # the last byte's offset is committed, nothing else
    FILE_MOVED = "file-moved"  # the file is in its final place; the database does not know
    MISMATCH_DISCARDED = "mismatch-discarded"  # a file breaking its manifest was emptied; the
    # offset still says it is all there
    UPLOAD_COMPLETED = "upload-completed"  # complete in the database; no answer sent yet


class CrashMode(StrEnum):
    """How the gateway dies at its crash point."""

    EXIT = "exit"  # os._exit on the spot: nothing flushed, no handler runs, as under SIGKILL
    FAIL = "fail"  # the request fails with an exception (a 500) and the process lives on


# The exit status of an injected crash: distinct from any status the server exits with itself,
# so a test can tell that the process died where it was told to.
CRASH_EXIT_STATUS = 86
log = logging.getLogger(__name__)


class InjectedCrashError(Exception):
    """The ``fail`` crash mode: a request stops at its crash point as if the code had failed."""


@dataclass
class FaultState:
    """What is currently wrong with the gateway. The default is nothing."""

    latency_ms: float = 0
    error_rate: float = 0
    maintenance: bool = False
    retry_after_s: int = 30
    identity_down: bool = False
    slow_bytes_per_s: int = 0  # 0: answers at full speed
    garbage: Garbage = Garbage.NONE
    crash_at: CrashPoint = CrashPoint.NONE  # fires once, then resets to none
    crash_mode: CrashMode = CrashMode.EXIT
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.update(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The settable fields as JSON-able values."""
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "maintenance": self.maintenance,
            "retry_after_s": self.retry_after_s,
            "identity_down": self.identity_down,
            "slow_bytes_per_s": self.slow_bytes_per_s,
            "garbage": Garbage(self.garbage).value,
            "crash_at": CrashPoint(self.crash_at).value,
            "crash_mode": CrashMode(self.crash_mode).value,
        }

    def snapshot(self) -> FaultState:
        """A consistent copy for one request, so a change mid-request does not mix settings."""
        # A field-by-field copy, not dataclasses.replace: replace re-runs __post_init__, which
        # validated every field again on every request (measured: 3% of a loaded replica's
        # event loop). The copy shares the random source and the lock, both meant to be shared.
        copy = object.__new__(FaultState)
        with self._lock:
            copy.__dict__.update(self.__dict__)
        return copy

    def update(self, changes: Mapping[str, Any]) -> None:
        """Validate and apply ``changes`` (field name → JSON value) all at once or not at all."""
        checked = {name: _validate(name, value) for name, value in changes.items()}
        with self._lock:
            for name, value in checked.items():
                setattr(self, name, value)

    def reset(self) -> None:
        self.update(FaultState().to_dict())

    def should_fail(self) -> bool:
        return self.error_rate > 0 and self.rng.random() < self.error_rate

    def reached(self, point: CrashPoint) -> None:
        """Called by the code at ``point``: dies there if told to (once), otherwise returns."""
        with self._lock:
            if self.crash_at is not point:
                return
            self.crash_at = CrashPoint.NONE
            mode = self.crash_mode
        if mode is CrashMode.EXIT:
            log.warning("injected crash at %s: exiting", point.value)
            os._exit(CRASH_EXIT_STATUS)
        raise InjectedCrashError(f"injected failure at {point.value}")


_SETTABLE = frozenset(f.name for f in fields(FaultState) if not f.name.startswith("_")) - {"rng"}
_CHOICES: dict[str, type[StrEnum]] = {
    "garbage": Garbage,
    "crash_at": CrashPoint,
    "crash_mode": CrashMode,
}


def _validate(name: str, value: Any) -> Any:
    if name not in _SETTABLE:
        raise ValueError(f"{name}: unknown fault")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in {"maintenance", "identity_down"}:
        if not isinstance(value, bool):
            raise ValueError(f"{name}: must be true or false")
        return value
    choices: type[StrEnum] | None = _CHOICES.get(name)
    if choices is not None:
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(c.value for c in choices)
            raise ValueError(f"{name}: must be one of {allowed}") from None
    if not is_number:
        raise ValueError(f"{name}: must be a number")
    if name == "error_rate":
        if not 0 <= value <= 1:
            raise ValueError("error_rate: must be between 0 and 1")
        return float(value)
    if value < 0:
        raise ValueError(f"{name}: must not be negative")
    if name in {"retry_after_s", "slow_bytes_per_s"}:
        if int(value) != value:
            raise ValueError(f"{name}: must be a whole number")
        return int(value)
    return float(value)


# --- the middleware ------------------------------------------------------------------------------

_ENDLESS_CHUNK = b"0," * 4096
# Pauses between chunks of an endless body: the client still gets data continuously, but a
# client that reads fast cannot make the server spin.
_ENDLESS_PAUSE_S = 0.005
_TRICKLE_STEPS_PER_S = 20


async def until_disconnect(receive: Receive) -> None:
    """Wait until the client goes away, discarding any request body meanwhile."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _trickling(send: Send, bytes_per_s: int) -> Send:
    piece = max(1, bytes_per_s // _TRICKLE_STEPS_PER_S)

    async def trickle(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        for start in range(0, len(body), piece):
            chunk = body[start : start + piece]
            last = start + piece >= len(body)
            await send({"type": "http.response.body", "body": chunk, "more_body": more or not last})
            await asyncio.sleep(len(chunk) / bytes_per_s)
        if not body:
            await send(message)

    return trickle


async def _send_problem(
    send: Send, status: int, problem: ProblemType, detail: str, headers: dict[str, str]
) -> None:
    body = problem_body(status, problem, detail)
    raw_headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _send_endless(receive: Receive, send: Send) -> None:
    gone = asyncio.Event()

    async def watch() -> None:
        await until_disconnect(receive)
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"[", "more_body": True})
        while not gone.is_set():
            await send({"type": "http.response.body", "body": _ENDLESS_CHUNK, "more_body": True})
            await asyncio.sleep(_ENDLESS_PAUSE_S)
        await send({"type": "http.response.body", "body": b"0]"})
    finally:
        watcher.cancel()


class FaultMiddleware:
    """Applies a ``FaultState`` to every request whose path is not exempt."""

    def __init__(
        self,
        app: ASGIApp,
        faults: FaultState,
        *,
        public: Callable[[str, str], bool],
        never_failing_paths: Collection[str],
        exempt: Callable[[str], bool],
    ) -> None:
        self.app = app
        self.faults = faults
        self.public = public  # (method, path) → True where no token is asked for
        self.never_failing_paths = frozenset(never_failing_paths)
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or self.exempt(path):
            await self.app(scope, receive, send)
            return
        faults = self.faults.snapshot()
        if faults.slow_bytes_per_s > 0:
            send = _trickling(send, faults.slow_bytes_per_s)
        if faults.latency_ms > 0:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.maintenance:
            await _send_problem(
                send,
                503,
                ProblemType.MAINTENANCE,
                "The gateway is in a maintenance window; try again later.",
                {"Retry-After": str(faults.retry_after_s)},
            )
            return
        if path not in self.never_failing_paths and faults.should_fail():
            await _send_problem(send, 500, ProblemType.INTERNAL_ERROR, "Injected failure.", {})
            return
        if faults.garbage is Garbage.HANG:
            await until_disconnect(receive)
            return
        if faults.garbage is Garbage.MALFORMED_JSON:
            body = b'{"dossier_id": "d_'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if faults.garbage is Garbage.ENDLESS_BODY:
            await _send_endless(receive, send)
            return
        if faults.garbage is Garbage.AUTH_REJECT and not self.public(scope["method"], path):
            await _send_problem(
                send,
                401,
                ProblemType.UNAUTHORIZED,
                "The token was rejected.",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            return
        await self.app(scope, receive, send)
