"""HTTP to the gateway with every limit a bad rural link needs.

Every request has a connect and a read timeout, a cap on the response size (a gateway or a
captive portal that streams forever must not fill memory) and an overall deadline (a response
that trickles a byte every few seconds must not hold the sync engine forever). Every failure
becomes a ``GatewayError`` classified as transient, authentication or permanent, so the engine
decides retries in one place.

The sync engine keeps more than one request in flight (one lane per file being sent): each lane
has its own ``HttpTransport`` from ``clone()``, so each keeps its own kept-alive connection, and
the clones count their requests together in one ``TransportStats``, and record them together in
one ``offline_queue.link.LinkWindow`` (the heartbeat's link figures).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests

from offline_queue.link import LinkWindow
from offline_queue.store import ErrorKind

MAX_RESPONSE_BYTES = 1024 * 1024
# What ``longest_silence_s`` allows for name resolution, which requests does not bound: glibc's
# resolver gives each name server 5 s by default (resolv.conf ``timeout``), tried twice.
RESOLVER_ALLOWANCE_S = 10.0
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class GatewayError(Exception):
    """A call to the gateway failed; ``kind`` says what the engine should do about it."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        problem: Mapping[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.problem = dict(problem or {})
        super().__init__(f"{kind.value}: {detail}")


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> Any:
        """Parsed body; a body that is not JSON is the gateway answering garbage (transient)."""
        try:
            return json.loads(self.body)
        except ValueError:
            raise GatewayError(
                ErrorKind.TRANSIENT,
                f"gateway answered {self.status} with a body that is not JSON",
                status=self.status,
            ) from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise GatewayError(
                ErrorKind.TRANSIENT,
                "gateway answered JSON that is not an object",
                status=self.status,
            )
        return data


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which float() then refuses, and
    # a header is the gateway's (or a proxy's) word, never a reason for the engine to crash.
    if value.isascii() and value.isdecimal():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_count(value: str | None) -> int | None:
    """A non-negative integer header (``Upload-Offset``), or None when it is not one."""
    if value is None:
        return None
    value = value.strip()
    if not (value and value.isascii() and value.isdecimal()):
        return None
    return int(value)


def classify(response: Response, what: str, now: float) -> GatewayError:
    """The error for a non-2xx answer."""
    problem: dict[str, Any] = {}
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        try:
            parsed = json.loads(response.body)
            if isinstance(parsed, dict):
                problem = parsed
        except ValueError:
            pass
    detail = f"{what}: HTTP {response.status}"
    if problem.get("detail"):
        detail += f" ({str(problem['detail'])[:200]})"
    retry_after = parse_retry_after(response.headers.get("retry-after"), now)
    if response.status in (401, 403):
        kind = ErrorKind.AUTH
    elif response.status in TRANSIENT_STATUSES or response.status >= 500:
        kind = ErrorKind.TRANSIENT
    else:
        kind = ErrorKind.PERMANENT
    return GatewayError(
        kind, detail, status=response.status, retry_after=retry_after, problem=problem
    )


ROUND_TRIPS_KEPT = 21
SMALL_REQUEST_BYTES = 4096  # a request and answer this small take about one round trip


class TransportStats:
    """Requests and body bytes sent, shared by a transport and its clones (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._bytes_sent = 0
        self._round_trips: deque[float] = deque(maxlen=ROUND_TRIPS_KEPT)

    def count(self, method: str, body_bytes: int) -> None:
        with self._lock:
            self._requests[method] += 1
            self._bytes_sent += body_bytes

    def round_trip(self, seconds: float) -> None:
        """A small request's time from sending to its whole answer: the link's round trip as
        the technician sees it (a chunk's time says the rate, not the latency)."""
        with self._lock:
            self._round_trips.append(seconds)

    @property
    def round_trip_s(self) -> float | None:
        """The median of the last small requests, None before the first."""
        with self._lock:
            kept = sorted(self._round_trips)
        return kept[len(kept) // 2] if kept else None

    @property
    def requests(self) -> dict[str, int]:
        """Requests made, by method."""
        with self._lock:
            return dict(self._requests)

    @property
    def bytes_sent(self) -> int:
        with self._lock:
            return self._bytes_sent


# Only what the gateway needs: requests' defaults (Accept, Accept-Encoding, a versioned
# User-Agent) cost about 80 bytes of every request on a link where each byte is 31 µs.
_LEAN_HEADERS = {"Connection": "keep-alive"}


class HttpTransport:
    """A requests session bound to one gateway, with timeouts, caps and classification.

    The session keeps its connection alive between requests, so a kiosk pays the TCP (and TLS)
    set-up once per connection rather than once per request. One transport is used by one
    thread at a time; ``clone()`` makes another for another thread.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        verify: bool | str = True,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 20.0,
        deadline_s: float = 120.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        proxy: str = "",
        user_agent: str = "kiosk-sync",
        progress: Callable[[], None] = lambda: None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._proxy = proxy
        self._user_agent = user_agent
        self._token = token
        self._verify = verify
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._deadline = deadline_s
        self._max = max_response_bytes
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        if session is None:
            session = requests.Session()
            session.headers.clear()
            session.headers.update({**_LEAN_HEADERS, "User-Agent": user_agent})
            if proxy:  # the technician's gateway.proxy: every request, uploads included
                session.proxies = {"http": proxy, "https": proxy}
        self._session = session
        self._monotonic = monotonic
        self._wall = wall
        # Called (from the thread making the request) as a request starts, as each piece of its
        # answer arrives and as it ends, whatever the outcome: the sync process feeds systemd's
        # watchdog with it. See ``longest_silence_s`` for how long it can go uncalled.
        self._progress = progress
        self.stats = TransportStats()
        # Every request, answered or not, for the heartbeat's link figures (shared by clones).
        self.link = LinkWindow(monotonic)

    @property
    def bytes_sent(self) -> int:
        """Request body bytes handed to the network, by this transport and its clones."""
        return self.stats.bytes_sent

    @property
    def credentials_fingerprint(self) -> str:
        """A short digest of the gateway address and token, to notice either changing.

        The token itself is never stored next to an alert; a SHA-256 prefix of a random token
        does not reveal it.
        """
        digest = hashlib.sha256(f"{self.base_url}\n{self._token}".encode()).hexdigest()
        return digest[:16]

    def clone(self) -> HttpTransport:
        """Another transport to the same gateway with its own session (its own connection),
        counting into the same stats: for a second request in flight from another thread."""
        twin = HttpTransport(
            self.base_url,
            self._token,
            verify=self._verify,
            connect_timeout_s=self._connect_timeout_s,
            read_timeout_s=self._read_timeout_s,
            deadline_s=self._deadline,
            max_response_bytes=self._max,
            monotonic=self._monotonic,
            wall=self._wall,
            proxy=self._proxy,
            user_agent=self._user_agent,
            progress=self._progress,
        )
        twin.stats = self.stats
        twin.link = self.link
        return twin

    @property
    def longest_silence_s(self) -> float:
        """About the longest a request in progress goes without calling ``progress``: name
        resolution (the system resolver's own timeouts, RESOLVER_ALLOWANCE_S), connecting
        (``connect_timeout_s`` per address; two for a name with IPv4 and IPv6), the TLS
        handshake and handing the body to the kernel (urllib3 does both under the connect
        timeout), then the wait for the first byte of the answer and for each piece after it
        (``read_timeout_s`` each). The overall ``deadline_s`` bounds a whole answer, which
        reports progress piece by piece."""
        return RESOLVER_ALLOWANCE_S + 4 * self._connect_timeout_s + self._read_timeout_s

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return urljoin(self.base_url, path.lstrip("/"))

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Perform one request; network failures raise a transient GatewayError."""
        # No token (a kiosk enrolling): no Authorization header at all, not an empty one.
        auth = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        all_headers = {**auth, **(headers or {})}
        body = data
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        started = self._monotonic()
        self._progress()
        # Unless the whole answer arrives, the request is a failure of the link (time-out,
        # refused, reset, an answer that trickled past the deadline or never ended).
        answered = False
        round_trip: float | None = None
        try:
            raw = self._session.request(
                method,
                self.url(path),
                data=body,
                headers=all_headers,
                timeout=self._timeout,
                verify=self._verify,
                stream=True,
                allow_redirects=False,
            )
            self.stats.count(method, len(body or b""))
            try:
                content = self._read_capped(raw, started, method, path)
            finally:
                raw.close()
            answered = True
            if len(body or b"") <= SMALL_REQUEST_BYTES and len(content) <= SMALL_REQUEST_BYTES:
                round_trip = self._monotonic() - started
                self.stats.round_trip(round_trip)
        except requests.RequestException as exc:
            raise GatewayError(
                ErrorKind.TRANSIENT, f"{method} {path}: {type(exc).__name__}"
            ) from None
        finally:
            self.link.record(answered=answered, round_trip_s=round_trip)
            self._progress()
        return Response(raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, content)

    def _read_capped(self, raw: requests.Response, started: float, method: str, path: str) -> bytes:
        out = bytearray()
        for chunk in raw.iter_content(chunk_size=16 * 1024):
            self._progress()
            out += chunk
            if len(out) > self._max:
                raise GatewayError(
                    ErrorKind.TRANSIENT, f"{method} {path}: response larger than {self._max} bytes"
                )
            if self._monotonic() - started > self._deadline:
                raise GatewayError(
                    ErrorKind.TRANSIENT, f"{method} {path}: response not finished in time"
                )
        return bytes(out)

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Response:
        """A request whose answer must be one of ``ok``; anything else raises classified."""
        response = self.request(method, path, json_body=json_body, headers=headers)
        if response.status not in ok:
            raise classify(response, f"{method} {path}", self._wall())
        return response

    def close(self) -> None:
        self._session.close()
