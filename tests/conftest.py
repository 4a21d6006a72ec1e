"""Session-wide set-up: Qt reads its platform, renderer and input method when the first
application object is created, by whichever test comes first, so they are set here, once."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from simulators.pg_cluster import ThrowawayCluster

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")


# --- processes for the PID-marker tests (dvc_common.markers, kiosk.maintenance_window) ---


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A live process of our own that waits for its stdin to close."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    yield process
    if process.stdin is not None:
        process.stdin.close()
    process.wait()


def dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# --- a real PostgreSQL server for the gateway's PostgreSQL backend (simulators.pg_cluster) ---


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """One throwaway cluster for the whole run (Debian's server, started in about a second);
    each test takes a database of its own from it (``pg_url``).

    In a directory of its own, not under pytest's: another pytest run started meanwhile (a
    developer running one file) deletes the oldest of those and makes them 0700 again."""
    with ThrowawayCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: ThrowawayCluster) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"test_{next(_databases)}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


_databases = itertools.count(1)
