"""QR login through a dedicated scanner module that presents itself as a USB keyboard.

Such a module "types" each payload followed by Enter. Read through the normal input path the
keystrokes would land in whatever widget has the focus, so the reader opens the module's evdev
device, grabs it (``EVIOCGRAB``: its keystrokes no longer reach the compositor or the app) and
translates the key events back into bytes with the US layout the modules emulate by default.

Vietnamese text cannot be typed on a US layout. Modules offer an "Alt+keypad" mode for bytes
outside ASCII: Alt held, the byte's decimal value on the keypad, Alt released. ``KeyDecoder``
turns each such sequence into that one byte, so a module configured to send every non-ASCII
byte that way delivers the exact UTF-8 bytes. (A module that instead types characters through
a code page has already lost the bytes; ``kiosk.identity`` then refuses the payload.)

``KeyDecoder`` is pure (synthetic events in, bytes out), ``framing.PayloadFramer`` cuts payloads
at Enter with the same timeouts as the serial reader, and ``KeyEventSource`` is the seam around
the device: ``EvdevKeySource`` is the real one, with evdev imported only when it is opened.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import select
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from drivers.errors import DeviceProblem
from drivers.qr.base import (
    DEFAULT_DEBOUNCE_S,
    RECONNECT_FIRST_S,
    RECONNECT_MAX_S,
    DecodedBy,
    PayloadCallback,
    PreviewFrame,
    QrSource,
    QrStatus,
    ReaderCore,
    StatusPredicate,
    qr_error,
)
from drivers.qr.framing import PayloadFramer
from drivers.qr.lifecycle import ReaderLifecycle
from dvc_common.clock import Clock

log = logging.getLogger(__name__)

POLL_S = 0.1  # how long one read blocks; bounds how quickly stop() is noticed

# Linux input event types and key codes (linux/input-event-codes.h, a stable kernel ABI;
# a test checks them against evdev.ecodes). Kept here so decoding needs no evdev import.
EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
KEY_ENTER, KEY_KPENTER = 28, 96
KEY_LEFTSHIFT, KEY_RIGHTSHIFT = 42, 54
KEY_LEFTALT, KEY_RIGHTALT = 56, 100
KEY_CAPSLOCK = 58

_US_LAYOUT: dict[int, tuple[str, str]] = {
    # code: (plain, with shift)
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
    8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
    15: ("\t", "\t"), 16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"),
    20: ("t", "T"), 21: ("y", "Y"), 22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"),
    25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"), 30: ("a", "A"), 31: ("s", "S"),
    32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"), 36: ("j", "J"),
    37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"),
    43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"),
    48: ("b", "B"), 49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"), 52: (".", ">"),
    53: ("/", "?"), 55: ("*", "*"), 57: (" ", " "), 74: ("-", "-"), 78: ("+", "+"),
    83: (".", "."), 98: ("/", "/"), 117: ("=", "="),
}  # fmt: skip
_KEYPAD_DIGITS: dict[int, int] = {
    82: 0, 79: 1, 80: 2, 81: 3, 75: 4, 76: 5, 77: 6, 71: 7, 72: 8, 73: 9,
}  # fmt: skip
_SHIFTS = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
_ALTS = frozenset({KEY_LEFTALT, KEY_RIGHTALT})


class KeyEvent(Protocol):
    """What the decoder needs of an event (``evdev.InputEvent`` has it)."""

    @property
    def type(self) -> int: ...

    @property
    def code(self) -> int: ...

    @property
    def value(self) -> int: ...


class KeyDecoder:
    """Key events of a US-layout keyboard wedge → bytes, Enter → CR; see the module docstring."""

    def __init__(self) -> None:
        self._shift: set[int] = set()
        self._alt: set[int] = set()
        self._caps = False
        self._alt_digits: list[int] = []
        self.unknown_keys = 0

    def feed(self, event: KeyEvent) -> bytes:
        """The bytes this event types (usually zero or one)."""
        if event.type != EV_KEY or event.value == KEY_REPEAT:
            return b""
        code, down = event.code, event.value == KEY_DOWN
        if code in _SHIFTS:
            (self._shift.add if down else self._shift.discard)(code)
            return b""
        if code in _ALTS:
            return self._alt_key(code, down)
        if not down:
            return b""
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return b""
        if code in {KEY_ENTER, KEY_KPENTER}:
            return b"\r"
        if code in _KEYPAD_DIGITS:
            digit = _KEYPAD_DIGITS[code]
            if self._alt:
                self._alt_digits.append(digit)
                return b""
            return str(digit).encode("ascii")
        if code not in _US_LAYOUT:
            self.unknown_keys += 1
            return b""
        plain, shifted = _US_LAYOUT[code]
        upper = bool(self._shift)
        if plain.isalpha() and self._caps:
            upper = not upper
        return (shifted if upper else plain).encode("ascii")

    def _alt_key(self, code: int, down: bool) -> bytes:
        if down:
            if not self._alt:
                self._alt_digits = []
            self._alt.add(code)
            return b""
        self._alt.discard(code)
        if self._alt or not self._alt_digits:
            return b""
        # Alt released: the digits typed meanwhile are one byte's value (modulo 256, as the
        # Windows convention the modules copy).
        value = int("".join(map(str, self._alt_digits))) % 256
        self._alt_digits = []
        return bytes([value])

    def reset(self) -> None:
        self._shift.clear()
        self._alt.clear()
        self._caps = False
        self._alt_digits = []


class KeyEventSource(Protocol):
    """The seam around the input device. Raises ``DeviceError`` only."""

    description: str

    def open(self) -> None: ...

    def read(self, timeout_s: float) -> Sequence[KeyEvent]:
        """Events that arrived within ``timeout_s`` (possibly none)."""
        ...

    def close(self) -> None: ...


_SCANNER_NAME = re.compile(
    r"barcode|scanner|scan|qr|honeywell|zebra|newland|symbol|datalogic", re.I
)


def _problem_for(exc: OSError) -> DeviceProblem:
    if exc.errno in {errno.ENOENT, errno.ENODEV, errno.ENXIO}:
        return DeviceProblem.UNPLUGGED
    if exc.errno == errno.EBUSY:
        return DeviceProblem.BUSY
    return DeviceProblem.IO_ERROR


class EvdevKeySource:
    """A scanner module's evdev device, grabbed while open.

    ``path`` empty: the first input device whose name looks like a scanner's (a stable
    ``/dev/input/by-id/...-event-kbd`` path in the settings is better).
    """

    def __init__(self, path: str = "") -> None:
        self.description = path or "keyboard-wedge scanner (auto-detected)"
        self._path = path
        self._device: Any = None

    def open(self) -> None:
        try:
            import evdev
        except ImportError as exc:
            raise qr_error(DeviceProblem.UNSUPPORTED, f"evdev unavailable: {exc}") from None
        path = self._path or self._find(evdev)
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            hint = (
                " (the kiosk user must be in the input group)" if exc.errno == errno.EACCES else ""
            )
            raise qr_error(_problem_for(exc), f"keyboard scanner {path}: {exc}{hint}") from None
        try:
            device.grab()
        except OSError as exc:
            device.close()
            raise qr_error(
                _problem_for(exc), f"keyboard scanner {path}: cannot grab it: {exc}"
            ) from None
        self._device = device

    @staticmethod
    def _find(evdev: Any) -> str:
        try:
            paths = evdev.list_devices()
        except OSError as exc:
            raise qr_error(DeviceProblem.IO_ERROR, f"cannot list input devices: {exc}") from None
        for path in sorted(paths):
            try:
                device = evdev.InputDevice(path)
            except OSError:
                continue
            try:
                if _SCANNER_NAME.search(device.name or ""):
                    return str(path)
            finally:
                device.close()
        raise qr_error(
            DeviceProblem.UNPLUGGED,
            "no input device looks like a QR scanner; set devices.qr.keyboard_device",
        )

    def read(self, timeout_s: float) -> Sequence[KeyEvent]:
        device = self._device
        if device is None:
            raise qr_error(DeviceProblem.IO_ERROR, f"{self.description} is not open")
        try:
            ready, _, _ = select.select([device.fd], [], [], timeout_s)
            if not ready:
                return []
            return list(device.read())
        except BlockingIOError:
            return []
        except OSError as exc:
            raise qr_error(_problem_for(exc), f"keyboard scanner: {exc}") from None

    def close(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        with contextlib.suppress(OSError):  # already gone with the device
            device.ungrab()
        try:
            device.close()
        except OSError:
            log.debug("closing the keyboard scanner failed", exc_info=True)


class KeyboardQrReader:
    """``QrReader`` for a keyboard-wedge scanner module; see the module docstring."""

    def __init__(
        self,
        source: KeyEventSource,
        clock: Clock,
        *,
        read_timeout_s: float = 2.0,
        debounce_s: float = DEFAULT_DEBOUNCE_S,
        reconnect_first_s: float = RECONNECT_FIRST_S,
        reconnect_max_s: float = RECONNECT_MAX_S,
    ) -> None:
        self._source = source
        self._core = ReaderCore(QrSource.KEYBOARD, source.description, clock, debounce_s)
        self._keys = KeyDecoder()
        self._framer = PayloadFramer(read_timeout_s)
        self._lifecycle = ReaderLifecycle(
            self._core,
            name="qr-keyboard",
            label="keyboard",
            open_device=self._open,
            read_one=self._read,
            close_device=self._close,
            reconnect_first_s=reconnect_first_s,
            reconnect_max_s=reconnect_max_s,
        )

    def start(self, on_payload: PayloadCallback) -> None:
        self._lifecycle.start(on_payload)

    def stop(self) -> None:
        self._lifecycle.stop()

    def status(self) -> QrStatus:
        return self._core.status()

    def wait_status(self, predicate: StatusPredicate, timeout_s: float) -> QrStatus | None:
        return self._core.wait_status(predicate, timeout_s)

    def latest_preview(self) -> PreviewFrame | None:
        return None

    def forget_repeats(self) -> None:
        self._core.debouncer.forget()

    # --- the device, as the lifecycle's reading thread uses it -----------------------------------

    def _open(self) -> None:
        self._source.open()
        # A fresh device: no modifier held, no half payload from before it went away.
        self._keys.reset()
        self._framer.reset()

    def _read(self, _handle: None) -> None:
        events = self._source.read(POLL_S)
        typed = b"".join(self._keys.feed(event) for event in events)
        now = self._core.clock.monotonic()
        if not typed:
            self._framer.expire(now)
            return
        for payload in self._framer.feed(typed, now):
            self._core.emit(payload, DecodedBy.SCANNER_MODULE)

    def _close(self, _handle: None) -> None:
        self._source.close()


@dataclass(frozen=True, slots=True)
class SyntheticKeyEvent:
    """A key event made up rather than read (tests, the fake key source)."""

    type: int
    code: int
    value: int


def type_payload(payload: bytes, *, enter: bool = True) -> list[SyntheticKeyEvent]:
    """The key events a US-layout scanner module in Alt+keypad mode sends for ``payload``."""
    reverse: dict[str, tuple[int, bool]] = {}
    for code, (plain, shifted) in sorted(_US_LAYOUT.items(), reverse=True):
        reverse.setdefault(shifted, (code, True))
        reverse[plain] = (code, False)  # the plain key wins (e.g. '*' on the main keyboard)
    digit_keys = {digit: code for code, digit in _KEYPAD_DIGITS.items()}
    events: list[SyntheticKeyEvent] = []

    def tap(code: int) -> None:
        events.extend(
            (SyntheticKeyEvent(EV_KEY, code, KEY_DOWN), SyntheticKeyEvent(EV_KEY, code, KEY_UP))
        )

    for byte in payload:
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char in reverse and char != "\t":
            code, shift = reverse[char]
            if shift:
                events.append(SyntheticKeyEvent(EV_KEY, KEY_LEFTSHIFT, KEY_DOWN))
            tap(code)
            if shift:
                events.append(SyntheticKeyEvent(EV_KEY, KEY_LEFTSHIFT, KEY_UP))
            continue
        events.append(SyntheticKeyEvent(EV_KEY, KEY_LEFTALT, KEY_DOWN))
        for digit in f"0{byte}":
            tap(digit_keys[int(digit)])
        events.append(SyntheticKeyEvent(EV_KEY, KEY_LEFTALT, KEY_UP))
    if enter:
        tap(KEY_ENTER)
    return events


def decode_key_events(events: Sequence[KeyEvent]) -> list[bytes]:
    """The payloads a sequence of key events types (for tests and diagnostics)."""
    keys, framer = KeyDecoder(), PayloadFramer(timeout_s=float("inf"))
    return framer.feed(b"".join(keys.feed(e) for e in events), 0.0)
