"""A private OpenLink Virtuoso for the test session (Debian's `virtuoso-opensource`, via `scripts/virtuoso.sh`).

Started once per session on free 127.0.0.1 ports with its own database directory, installed first when the
package is missing, and shut down cleanly at the end. A Virtuoso that cannot be installed or started fails the
tests that need it, loudly: a remote-store test that silently skips proves nothing.

tests/conftest.py provides it as the `virtuoso` fixture (and the `store_backends` mark that runs a module's node
tests on it).
`FEDCAT_TEST_VIRTUOSO=DIR` reuses an instance already started in DIR (it is left running), which saves the
start-up when iterating on one test.

The instance runs with a row cap of 1,000 (`ResultSetMaxRows`; Virtuoso ships with 10,000) so that the tests
exercise the client's paging with small data.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalogue.store_sparql import SparqlStore

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "virtuoso.sh"
ROW_CAP = 1000
_started: list[Virtuoso] = []


@dataclass
class Virtuoso:
    """A running instance: its directory and the `KEY=VALUE` lines the script printed."""

    path: Path
    env: dict[str, str]
    owned: bool  # started by this session, so stopped by it

    @property
    def query_url(self) -> str:
        return self.env["FEDCAT_STORE__QUERY_URL"]

    @property
    def update_url(self) -> str:
        return self.env["FEDCAT_STORE__UPDATE_URL"]

    @property
    def graph_store_url(self) -> str:
        return self.env["FEDCAT_STORE__GRAPH_STORE_URL"]

    @property
    def username(self) -> str:
        return self.env["FEDCAT_STORE__USERNAME"]

    @property
    def password(self) -> str:
        return self.env["FEDCAT_STORE__PASSWORD"]

    def store_env(self) -> dict[str, str]:
        """The `FEDCAT_STORE__*` variables that point a node at this instance."""
        return {k: v for k, v in self.env.items() if k.startswith("FEDCAT_STORE__")}

    def store(self, scope: str = "", **options: object) -> SparqlStore:
        """A `SparqlStore` on this instance, limited to graphs under `scope`."""
        return SparqlStore(
            self.query_url,
            self.update_url,
            self.graph_store_url,
            username=self.username,
            password=self.password,
            graph_scope=scope,
            **options,  # type: ignore[arg-type]
        )


def _run(action: str, path: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), action, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **(extra_env or {})},
        timeout=600,  # a first run installs the package
        check=False,
    )


def _parse(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def start_virtuoso(path: Path) -> Virtuoso:
    """Start (installing when needed) an instance in `path`; `pytest.fail` with the script's output if it cannot."""
    reuse = os.environ.get("FEDCAT_TEST_VIRTUOSO")
    if reuse:
        status = _run("status", Path(reuse))
        if status.returncode != 0:
            pytest.fail(f"FEDCAT_TEST_VIRTUOSO={reuse} names no running Virtuoso:\n{status.stderr}", pytrace=False)
        return Virtuoso(Path(reuse), _parse(status.stdout), owned=False)
    result = _run("start", path, {"VIRTUOSO_MAX_ROWS": str(ROW_CAP), "VIRTUOSO_BUFFERS": "100000"})
    if result.returncode != 0:
        pytest.fail(
            f"could not start Virtuoso with {SCRIPT} (exit {result.returncode}); the remote-store tests need it.\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-4000:]}",
            pytrace=False,
        )
    return Virtuoso(path, _parse(result.stdout), owned=True)


def stop_virtuoso(instance: Virtuoso) -> None:
    """Shut an instance down cleanly if this session started it."""
    if instance.owned:
        result = _run("stop", instance.path)
        if result.returncode != 0:
            raise RuntimeError(f"Virtuoso did not stop cleanly: {result.stderr}")


@pytest.fixture(scope="session", name="virtuoso")
def virtuoso_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """The session's Virtuoso (one per test process, however many modules import this fixture)."""
    if _started:
        yield _started[0]
        return
    instance = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    _started.append(instance)
    try:
        yield instance
    finally:
        _started.clear()
        stop_virtuoso(instance)
