"""Keeping the app's resident memory flat over a day of citizens (glibc only; no-op elsewhere).

Each scan runs the image pipeline on A4 pages (tens of MB of short-lived OpenCV buffers) on a
worker thread. glibc gives every thread that allocates its own malloc arena and keeps freed
memory in it, so the resident size ratchets up with every new worker thread even though Python
freed everything. Two arenas are plenty for this app; and when a citizen leaves, what was freed
is handed back to the system.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # from glibc's malloc.h
M_MMAP_THRESHOLD = -3
# Page images and OpenCV buffers are megabytes: with a fixed threshold they are always mapped
# and unmapped, never left as holes in the heap. (glibc otherwise raises the threshold after
# the first large free, and later pages land in a heap that only grows.)
MMAP_THRESHOLD_BYTES = 1 << 20


@functools.cache
def _libc() -> ctypes.CDLL | None:
    # Once: find_library runs ldconfig in a subprocess, and the trim runs for every citizen.
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Call early, before worker threads start allocating. True if glibc took it."""
    libc = _libc()
    if libc is None:
        return False
    arenas_ok = libc.mallopt(M_ARENA_MAX, arenas) == 1
    threshold_ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    return bool(arenas_ok and threshold_ok)


def release_free_memory() -> bool:
    """Give freed heap pages back to the system (after a session ends)."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
