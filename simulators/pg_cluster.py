"""A throwaway PostgreSQL cluster for the tests and the benchmarks: Debian's own server binaries,
a data directory of its own, a Unix socket and no TCP port, started and stopped by the caller.

The gateway's PostgreSQL backend is tested against a real server, never a mock (the contract
tests, the replicas and the load benchmark). ``scripts/setup.sh`` installs Debian's
``postgresql`` package; nothing else is needed: no system cluster, no service, no password.

PostgreSQL refuses to run as root, so when the tests run as root (CI, a technician's shell) the
server runs as the ``postgres`` user the Debian package creates, in a directory handed to it;
the client still connects as the cluster's superuser through the socket (``trust`` on the
socket alone, which only this machine's users can reach).

    with ThrowawayCluster() as cluster:          # a directory of its own, removed after
        url = cluster.create_database("gateway")
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import quote

SUPERUSER = "gateway"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ClusterError(RuntimeError):
    """The server could not be found, initialised, started or asked."""


def server_bindir() -> Path:
    """Where Debian put the newest installed server's binaries (``/usr/lib/postgresql/N/bin``)."""
    versions = [p for p in Path("/usr/lib/postgresql").glob("*/bin/postgres")
                if p.parent.parent.name.isdigit()]  # fmt: skip
    if not versions:
        raise ClusterError("no PostgreSQL server is installed (Debian's postgresql package)")
    return max(versions, key=lambda p: int(p.parent.parent.name)).parent


def available() -> bool:
    """Whether a server is installed, so a test can say why it cannot run."""
    try:
        server_bindir()
    except ClusterError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Durability:
    """How much the cluster spends on surviving a power cut. The tests kill gateways, never the
    server, so they need none of it; the load benchmark measures with all of it."""

    fsync: bool

    def options(self) -> list[str]:
        if self.fsync:
            return []
        return ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]


FAST = Durability(fsync=False)
DURABLE = Durability(fsync=True)


class ThrowawayCluster:
    """One initdb'd cluster in a directory of its own, listening only on a socket there.

    The directory is made in the system's temporary directory and removed when the ``with``
    block ends. Not under pytest's temporary directory: pytest keeps those 0700 and sets them back
    to 0700 whenever another pytest run starts, which would lock the postgres user out.
    """

    def __init__(
        self,
        *,
        durability: Durability = FAST,
        max_connections: int = 200,
    ) -> None:
        self._home = Path(tempfile.mkdtemp(prefix="kiosk-postgres-"))
        self._home.chmod(0o711)  # the postgres user passes through to the cluster's own directory
        root = self._home / "cluster"
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "run"
        self._durability = durability
        self._max_connections = max_connections
        self._bin = server_bindir()
        # Root may not run the server: it runs as Debian's postgres user instead.
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterError("running as root, and there is no postgres user") from None
            self._as = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
        self._running = False

    # --- life -----------------------------------------------------------------------------------

    def start(self) -> Self:
        self.root.mkdir(exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self._as:
            # The server's user must own its directories (it reaches them through _home, 0711).
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                self._bin / "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            )  # fmt: skip
        options = [
            "-k", str(self.socket_dir), "-c", "listen_addresses=",
            "-c", f"max_connections={self._max_connections}", *self._durability.options(),
        ]  # fmt: skip
        self._run(
            self._bin / "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", " ".join(_quote(o) for o in options), "-w", "-t", "60", "start",
        )  # fmt: skip
        self._running = True
        return self

    def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        self._run(self._bin / "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self._home, ignore_errors=True)

    # --- databases ------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for ``database`` through the socket (psycopg and SQLAlchemy read it)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.socket_dir), safe='')}"

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``, far faster than migrating again);
        returns its URL."""
        _check_name(name)
        # FILE_COPY, not PostgreSQL 15's default WAL_LOG: a copy of a small template's files is
        # about four times faster (61 against 224 ms here), and every test makes a database.
        sql = f'CREATE DATABASE "{name}" STRATEGY FILE_COPY'
        if template is not None:
            _check_name(template)
            sql += f' TEMPLATE "{template}"'
        self.psql(sql)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        _check_name(name)
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one statement with ``psql`` as the superuser; its output, unaligned."""
        done = subprocess.run(
            [shutil.which("psql") or str(self._bin / "psql"), "-X", "-q", "-A", "-t",
             "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-U", SUPERUSER,
             "-d", database, "-c", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ClusterError(f"psql {sql[:60]!r}: {done.stderr.strip()}")
        return done.stdout

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "server.log"
        return (
            "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            if path.exists()
            else ""
        )

    def _run(self, *command: str | Path) -> None:
        done = subprocess.run(
            [*self._as, *map(str, command)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ClusterError(
                f"{Path(str(command[0])).name} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-800:]}\n{self.log_tail()}"
            )


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain database name")


def _quote(option: str) -> str:
    """pg_ctl hands ``-o`` to the server through a shell: quote what needs it."""
    return option if re.fullmatch(r"[\w=./,:-]*", option) and option else f"'{option}'"
