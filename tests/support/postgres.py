"""A real PostgreSQL server for the test session (PLATFORM.md Infra 7).

    from tests.support.postgres import postgres          # session fixture
    def test_x(postgres: PostgresServer):
        url = postgres.create_database()                 # a fresh, empty database
        ...
        postgres.drop_database(url)

``initdb`` into a temporary directory, the server on a free loopback port with its socket
in that directory, ``-F`` (no fsync: test speed only), stopped with ``pg_ctl stop`` on
our own data directory (its postmaster is the process we started) and the directory
removed. ``initdb`` refuses to run as root: as root the server runs as the ``postgres``
user the Debian package creates. A missing server FAILS the test with the package name.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

DEBIAN_PACKAGE: Final = "postgresql"
START_TIMEOUT_S: Final = 30
STOP_TIMEOUT_S: Final = 30
START_ATTEMPTS: Final = 3  # a free port may be taken between our probe and the server's bind
SUPERUSER: Final = "app"


def find_pg_bin() -> Path | None:
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PostgresServer:
    """One running server; each test asks for its own database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self._started = False

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self._as_root else list(args)

    def start(self) -> None:
        if self._as_root:
            shutil.chown(self.dir, user="postgres")
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )
        last = ""
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            res = subprocess.run(
                self._cmd(
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    f"-k {self.dir} -h 127.0.0.1 -p {self.port} -F",
                    "-l",
                    str(self.dir / "log"),
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "start",
                ),
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT_S + 5,
            )
            if res.returncode == 0:
                self._started = True
                return
            last = res.stderr + self.log_tail()
        raise RuntimeError(f"PostgreSQL did not start: {last}")

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join((self.dir / "log").read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            if self._started:
                res = subprocess.run(
                    self._cmd(
                        str(self.bin_dir / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ),
                    capture_output=True,
                    timeout=STOP_TIMEOUT_S,
                )
                if res.returncode != 0:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        """pg_ctl failed: SIGKILL the postmaster WE started (its PID file in our data dir)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # our own identifiers below

    def create_database(self, *, template: str | None = None) -> str:
        """A new database (empty, or a copy of ``template``); returns its SQLAlchemy URL."""
        name = f"t_{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail(
            f"PostgreSQL is not installed: install the Debian package '{DEBIAN_PACKAGE}' "
            "(make test does so when run as root)",
            pytrace=False,
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.fail("runuser is missing (Debian package 'util-linux')", pytrace=False)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        server.stop()
        pytest.fail(f"cannot start PostgreSQL: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
