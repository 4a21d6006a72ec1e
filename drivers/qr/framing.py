"""Cutting a dedicated scanner module's byte stream into payloads.

Scanner modules (on USB-serial or as a keyboard) send each code's bytes followed by CR, LF or
CRLF. Between payloads the line can carry garbage: power-on banners, NULs, a half payload when
the citizen pulled the card away mid-scan. ``PayloadFramer`` is the pure logic, fed with chunks
and the injected monotonic time, so it is tested without any device:

- a payload ends at CR or LF; empty lines (the LF of a CRLF) are skipped;
- a partial payload that sees no byte for ``timeout_s`` is dropped as garbage, so a half scan
  never glues itself to the front of the next one;
- a line longer than ``max_bytes`` is dropped whole (up to its terminator): it is noise, and
  it must not grow memory without bound;
- ASCII control bytes around a payload (NUL padding, STX/ETX framing) are stripped; inside it
  they are kept for ``kiosk.identity`` to judge.
"""

from __future__ import annotations

TERMINATORS = frozenset(b"\r\n")
MAX_PAYLOAD_BYTES = 4096
_CONTROL = bytes(range(0x20)) + b"\x7f"


class PayloadFramer:
    """Bytes in, complete payloads out; see the module docstring."""

    def __init__(self, timeout_s: float, max_bytes: int = MAX_PAYLOAD_BYTES) -> None:
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self._last_byte_at: float | None = None
        self._overflow = False
        self.dropped = 0  # partial or over-long payloads thrown away

    def feed(self, data: bytes, now: float) -> list[bytes]:
        self.expire(now)
        payloads: list[bytes] = []
        for byte in data:
            if byte in TERMINATORS:
                self._finish(payloads)
                continue
            if self._overflow:
                continue
            if len(self._buffer) >= self._max_bytes:
                self._overflow = True
                self._buffer.clear()
                self.dropped += 1
                continue
            self._buffer.append(byte)
        self._last_byte_at = now if data else self._last_byte_at
        return payloads

    def expire(self, now: float) -> None:
        """Drop a partial payload that has been idle for ``timeout_s``."""
        idle = self._last_byte_at is not None and now - self._last_byte_at > self._timeout_s
        if idle and (self._buffer or self._overflow):
            if self._buffer:
                self.dropped += 1
            self._buffer.clear()
            self._overflow = False

    def reset(self) -> None:
        self._buffer.clear()
        self._overflow = False
        self._last_byte_at = None

    @property
    def pending(self) -> int:
        """Bytes of the payload being received."""
        return len(self._buffer)

    def _finish(self, payloads: list[bytes]) -> None:
        if self._overflow:
            self._overflow = False
            return
        payload = bytes(self._buffer).strip(_CONTROL)
        self._buffer.clear()
        if payload:
            payloads.append(payload)
