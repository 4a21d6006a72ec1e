"""How big the next upload chunk is, from what the link has shown: its rate and how many bytes
it carries between drops. Shared by the lanes (one link), so every method takes a lock.

Chunks are sized so that what a link drop costs stays a small share of what the link carries
between drops. Without per-chunk checksums a drop costs, per lane, the part of its chunk not
yet delivered: half a chunk on average, nothing for a lane waiting for its answer. With chunks
of interval / (DROP_FRACTION · lanes) that is at most 1 / (2 · DROP_FRACTION) of the bytes,
about 3 %. On benchmarks.sync, 12 measured 0.029–0.040 resent at 0.94 goodput; 16 keeps the
resend well under its 0.05 limit for about 0.01 of goodput.
"""

from __future__ import annotations

import threading

from offline_queue.sync_settings import SyncSettings
from offline_queue.transport import GatewayError

DROP_FRACTION = 16


class ChunkSizer:
    """The chunk size, the measured rate and drop interval, and the bytes attempted."""

    def __init__(self, settings: SyncSettings, lanes: int) -> None:
        self._settings = settings
        self._lanes = lanes
        self._lock = threading.Lock()
        self._chunk = settings.chunk_initial
        self._rate_bps: float | None = None
        self._drop_interval: float | None = None  # bytes the link carries between drops
        self._since_drop = 0
        self.bytes_attempted = 0

    @property
    def rate_bps(self) -> float | None:
        with self._lock:
            return self._rate_bps

    def next_chunk(self) -> int:
        with self._lock:
            return self._chunk

    def attempted(self, length: int) -> None:
        with self._lock:
            self.bytes_attempted += length

    def link_error(self, exc: GatewayError) -> None:
        """A request failed; a network failure (no answer at all) is a drop of the link."""
        if exc.status is not None:
            return
        with self._lock:
            if self._since_drop > 0:
                interval = float(self._since_drop)
                previous = self._drop_interval
                self._drop_interval = (
                    interval if previous is None else 0.5 * previous + 0.5 * interval
                )
            # Every lane fails at the same drop; only the first one measures the interval.
            self._since_drop = 0
            self._chunk = self._bounded(min(self._chunk, self._drop_limit()))

    def _drop_limit(self) -> int:
        """The largest chunk the drops of this link allow (see DROP_FRACTION); until one has
        been seen, what the link carried so far without dropping is the evidence."""
        interval = self._drop_interval
        if interval is None:
            floor = self._settings.chunk_initial * DROP_FRACTION * self._lanes
            interval = float(max(self._since_drop, floor))
        return int(interval / (DROP_FRACTION * self._lanes))

    def _bounded(self, wanted: int) -> int:
        wanted = max(self._settings.chunk_min, min(self._settings.chunk_max, wanted))
        return max(self._settings.chunk_min, wanted // 4096 * 4096)

    def moved(self, moved: int, seconds: float) -> None:
        """Bytes the gateway kept in one request of one lane: size the next chunks.

        Chunks stay within what the drops allow (``_drop_limit``). Within that, they take
        about ``target_chunk_s`` to send at the rate one lane gets, so requests stay few.
        Growth is gradual (×1.5 per chunk) because a drop may come before its rate is known.
        """
        with self._lock:
            self._since_drop += max(0, moved)
            if moved <= 0 or seconds <= 0:
                return
            rate = moved / seconds
            previous = self._rate_bps
            self._rate_bps = rate if previous is None else 0.7 * previous + 0.3 * rate
            wanted = int(self._rate_bps * self._settings.target_chunk_s)
            wanted = min(wanted, self._drop_limit(), int(1.5 * self._chunk))
            self._chunk = self._bounded(wanted)
