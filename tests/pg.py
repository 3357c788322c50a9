"""A private PostgreSQL server for the tests: real, started on demand, never skipped.

Finds Debian's server binaries (`/usr/lib/postgresql/*/bin`), installing the `postgresql` package with apt
when they are missing (the test command runs as root on a fresh Debian machine); initialises a throw-away
cluster in a temporary directory owned by the `postgres` user (initdb refuses to run as root), starts it on
a free port on 127.0.0.1 only, and stops it when the session ends. Anything missing is a loud failure.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _install() -> Path:
    assert os.geteuid() == 0, "PostgreSQL is not installed and installing it needs root: apt-get install postgresql"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "postgresql"], check=True, env=env)
    found = _binaries()
    assert found is not None, "apt-get installed postgresql but no initdb was found under /usr/lib/postgresql"
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One running cluster; `database()` hands out fresh, empty databases."""

    def __init__(self) -> None:
        self.bin = _binaries() or _install()
        self.root = Path(tempfile.mkdtemp(prefix="fedcat-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "postgres"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb and postgres refuse root: run them as the unprivileged account the package created.
            shutil.chown(self.root, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        else:
            self.user = os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, cwd=self.root)

    def start(self) -> PostgresServer:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust", "--no-sync", "-E", "UTF8"
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


_running: PostgresServer | None = None


def shared_server() -> PostgresServer:
    """One server per test process, however many modules import the fixture; stopped when the process exits."""
    global _running
    if _running is None:
        _running = PostgresServer().start()
        atexit.register(_running.stop)
    return _running


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (installed and started when needed; fails, never skips)."""
    yield shared_server()
