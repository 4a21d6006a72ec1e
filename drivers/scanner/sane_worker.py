"""The process that talks to SANE for ``SaneScanner``: one per scanner, started on demand.

Why a process of our own, rather than pyinsane2's:

* SANE keeps process-wide state (``sane_init`` reads the backends' configuration once, the
  ``dll`` backend caches its device list, a crashed backend takes its process with it).
  Restarting this worker is how the kiosk recovers from a scanner unplugged and plugged back in,
  or from a backend that hung, without restarting the app; and ``SANE_CONFIG_DIR`` is read by
  each new worker, which the tests use.
* pyinsane2 2.0.13 on Linux already runs SANE in a daemon process (``pyinsane2.sane.
  abstract_proc``), but its pipe protocol reads each answer with a single ``os.read``, which
  returns at most one pipe buffer (64 KiB): any scanned page larger than that fails with an
  ``AssertionError`` and desynchronises the stream for good. Its exceptions also cross the pipe
  as text only (the SANE status code is lost), and it never reaps the daemon.

So this worker uses pyinsane2's ctypes layer (``pyinsane2.sane.rawapi``) directly, in-process,
and speaks to the kiosk over a socket with ``multiprocessing.connection`` framing (lengths are
honoured, messages of any size). It sends raw SANE frames; the kiosk side turns them into images
and SANE status codes into ``DeviceError``s. It imports nothing of the kiosk (it is started as a
script with ``python -I``), and exits when the kiosk closes its end of the socket.

Requests are tuples ``(command, *args)``; answers are ``("ok", value)`` or ``("error", status,
text)``. ``scan`` answers with a stream: ``("page", frames)`` per page, then ``("done", n)``,
``("cancelled", n)`` or ``("error", status, text, n)``. ``cancel`` is never answered; outside a
scan it is ignored, so a cancel that crosses the end of a scan is harmless.
"""

from __future__ import annotations

import argparse
import ctypes
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

# Status codes of the SANE C API (sane/sane.h); stable ABI numbers.
STATUS_GOOD = 0
STATUS_CANCELLED = 2
STATUS_INVAL = 4
STATUS_NO_DOCS = 7
STATUS_IO_ERROR = 9
STATUS_WORKER = -1  # not a SANE status: a bug or a missing library inside this worker

READ_CHUNK = 512 * 1024

Frame = tuple[int, bool, int, int, int, int, bytes]  # format, last, bpl, ppl, lines, depth, data


class CancelRequestedError(Exception):
    pass


class Worker:
    def __init__(self, conn: Connection) -> None:
        from pyinsane2.sane import rawapi  # loads libsane: this process only

        self.conn = conn
        self.raw: Any = rawapi
        self.handle: Any = None
        self.index: dict[str, int] = {}
        # SANE calls the authorisation callback later (network backends); pyinsane2 lets its
        # ctypes wrapper be garbage-collected right after sane_init, so keep ours alive here.
        self._auth = rawapi.AUTH_CALLBACK_DEF(_no_auth) if rawapi.sane_available else None

    def init(self) -> str:
        if not self.raw.sane_available:
            raise WorkerError(STATUS_WORKER, "libsane.so.1 not found (install libsane1)")
        version = ctypes.c_int()
        status = self.raw.SANE_LIB.sane_init(ctypes.pointer(version), self._auth)
        if status != STATUS_GOOD:
            raise WorkerError(status, "sane_init failed")
        code = version.value
        return f"{(code >> 24) & 0xFF}.{(code >> 16) & 0xFF}.{code & 0xFFFF}"

    # --- commands --------------------------------------------------------------------------------

    def devices(self, local_only: bool) -> list[tuple[str, str, str, str]]:
        return [
            (_text(d.name), _text(d.vendor), _text(d.model), _text(d.type))
            for d in self.raw.sane_get_devices(local_only)
        ]

    def open(self, name: str) -> list[dict[str, Any]]:
        self.close()
        self.handle = self.raw.sane_open(name)
        return self.options()

    def options(self) -> list[dict[str, Any]]:
        raw = self.raw
        count = raw.sane_get_option_value(self._handle(), 0)
        found: list[dict[str, Any]] = []
        self.index = {}
        for idx in range(1, count):
            desc = raw.sane_get_option_descriptor(self.handle, idx)
            if not desc.name or not raw.SaneValueType(desc.type).can_getset_opt():
                continue  # groups and buttons
            name = _text(desc.name)
            constraint = raw.SaneConstraintType(desc.constraint_type).get_pyobj_constraint(
                desc.constraint
            )
            if isinstance(constraint, list):
                constraint = [_text(c) if isinstance(c, bytes) else c for c in constraint]
            self.index[name] = idx
            found.append(
                {
                    "name": name,
                    "type": int(desc.type),
                    "unit": int(desc.unit),
                    "cap": int(desc.cap),
                    "size": int(desc.size),
                    "constraint": constraint,
                }
            )
        return found

    def get(self, name: str) -> Any:
        value = self.raw.sane_get_option_value(self._handle(), self._index(name))
        return _text(value) if isinstance(value, bytes) else value

    def set(self, name: str, value: Any) -> int:
        info = self.raw.sane_set_option_value(self._handle(), self._index(name), value)
        return int(info)

    def close(self) -> None:
        if self.handle is not None:
            handle, self.handle = self.handle, None
            self.raw.sane_cancel(handle)
            self.raw.sane_close(handle)

    def scan(self, feeder: bool, max_pages: int | None) -> None:
        """Stream pages until the feeder is empty (or one page from the glass)."""
        raw = self.raw
        handle = self._handle()
        pages = 0
        try:
            while max_pages is None or pages < max_pages:
                try:
                    frames = self._page(handle)
                except StopIteration:  # SANE_STATUS_NO_DOCS from sane_start or sane_read
                    if pages == 0:
                        raise WorkerError(STATUS_NO_DOCS, "no documents") from None
                    break
                self.conn.send(("page", frames))
                pages += 1
                if not feeder:
                    # A flatbed never says NO_DOCS: asking for a second page would scan the
                    # glass forever.
                    break
        except CancelRequestedError:
            ending: tuple[Any, ...] = ("cancelled", pages)
        except WorkerError as exc:
            ending = ("error", exc.status, exc.text, pages)
        except raw.SaneException as exc:
            ending = ("error", int(exc.status), str(exc), pages)
        else:
            ending = ("done", pages)
        # Answer first, then sane_cancel (required to end a batch). sane_cancel can hang: the
        # test backend's cancel after a read error joins a reader thread it killed with
        # pthread_cancel, and that thread can die holding malloc's lock (seen about one run in
        # ten). The kiosk must hear the outcome anyway; it restarts a worker that stops answering.
        self.conn.send(ending)
        raw.sane_cancel(handle)

    def _page(self, handle: Any) -> list[Frame]:
        raw = self.raw
        frames: list[Frame] = []
        while True:  # three-pass scanners send a page as a red, a green and a blue frame
            self._check_cancel()
            raw.sane_start(handle)
            params = raw.sane_get_parameters(handle)
            chunks: list[bytes] = []
            while True:
                self._check_cancel()
                try:
                    chunks.append(raw.sane_read(handle, READ_CHUNK))
                except EOFError:
                    break
            frames.append(
                (
                    int(params.format),
                    bool(params.last_frame),
                    int(params.bytes_per_line),
                    int(params.pixels_per_line),
                    int(params.lines),
                    int(params.depth),
                    b"".join(chunks),
                )
            )
            if params.last_frame:
                return frames

    def _check_cancel(self) -> None:
        while self.conn.poll(0):
            message = self.conn.recv()
            if message and message[0] == "cancel":
                raise CancelRequestedError
            # Nothing else may arrive during a scan; the kiosk waits for the stream to end.

    def _handle(self) -> Any:
        if self.handle is None:
            raise WorkerError(STATUS_INVAL, "no device open")
        return self.handle

    def _index(self, name: str) -> int:
        if name not in self.index:
            raise WorkerError(STATUS_INVAL, f"no option {name!r}")
        return self.index[name]

    def exit(self) -> None:
        self.close()
        if self.raw.sane_available:
            # pyinsane2's sane_exit() does nothing (a workaround for its threads); this process
            # has none, and is about to end, so let the backends release the USB device.
            self.raw.SANE_LIB.sane_exit()


class WorkerError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _no_auth(resource: bytes, login: Any, password: Any) -> None:
    # Empty login and password: the kiosk has no credentials for network scanners.
    ctypes.memset(login, 0, 1)
    ctypes.memset(password, 0, 1)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def serve(conn: Connection) -> int:
    try:
        worker = Worker(conn)
        version = worker.init()
    except Exception as exc:
        status = exc.status if isinstance(exc, WorkerError) else STATUS_WORKER
        conn.send(("fatal", status, str(exc)))
        return 1
    conn.send(("ready", version))
    commands: dict[str, Callable[..., Any]] = {
        "devices": worker.devices,
        "open": worker.open,
        "options": worker.options,
        "get": worker.get,
        "set": worker.set,
        "close": worker.close,
    }
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break  # the kiosk went away
        command, args = message[0], message[1:]
        if command == "cancel":
            continue
        if command == "exit":
            worker.exit()
            conn.send(("ok", None))
            break
        if command == "scan":
            worker.scan(*args)
            continue
        try:
            conn.send(("ok", commands[command](*args)))
        except WorkerError as exc:
            conn.send(("error", exc.status, exc.text))
        except worker.raw.SaneException as exc:
            conn.send(("error", int(exc.status), str(exc)))
        except Exception as exc:
            conn.send(("error", STATUS_WORKER, f"{type(exc).__name__}: {exc}"))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="socket to the kiosk")
    args = parser.parse_args()
    with Connection(args.fd) as conn:
        return serve(conn)


if __name__ == "__main__":
    sys.exit(main())
