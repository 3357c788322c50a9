"""Shared fixtures: a fresh node home, loopback servers, the reference material and a CLI runner.

Store backends: a test module marked `pytestmark = pytest.mark.store_backends` runs each of its tests that uses
`home` (or asks for `store_backend`) twice, on the embedded Oxigraph store and on the session's Virtuoso
(tests/virtuoso.py), whose `home` is configured with `[store] backend = "sparql"` in its fedcat.toml. A test that
checks something only Oxigraph has is marked `@pytest.mark.oxigraph_only("why")`, or named in the module mark:
`pytest.mark.store_backends(oxigraph_only={"test_name": "why"})`. Every test on Virtuoso starts from the graphs
the server had before it and has the graphs it made dropped afterwards, so tests never see each other's records
(one node at a time: fedcat's queries read every graph of the server). `node_copy` puts a copy of a harvested
Oxigraph node on the test's backend, for modules that harvest once per session.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.cli import app
from catalogue.cli_store import copy_graphs
from catalogue.config import Settings, load_settings
from catalogue.nodehome import init_home
from catalogue.store import OxigraphStore
from tests.servers import LoopbackServer
from tests.virtuoso import Virtuoso, virtuoso_fixture  # noqa: F401  (the session's Virtuoso, started on demand)

REFERENCE = Path(os.environ.get("FEDCAT_REFERENCE", Path(__file__).resolve().parents[2] / "shared" / "reference"))


@pytest.fixture(scope="session")
def reference() -> Path:
    """`../shared/reference`: real public fixtures; a missing copy is a loud failure, not a skip."""
    assert REFERENCE.is_dir(), f"reference material not found at {REFERENCE} (set FEDCAT_REFERENCE)"
    return REFERENCE


BACKENDS = ["oxigraph", "virtuoso"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "store_backends: run the module's node tests on Oxigraph and on Virtuoso")
    config.addinivalue_line("markers", "oxigraph_only(reason): a test of something only the Oxigraph backend has")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("store_backends")
    if marker is None or "store_backend" not in metafunc.fixturenames:
        return
    name = metafunc.function.__name__
    only = metafunc.definition.get_closest_marker("oxigraph_only")
    reason = (only.args or [""])[0] if only is not None else marker.kwargs.get("oxigraph_only", {}).get(name)
    if reason is not None:
        assert reason, f"{name}: say why it runs on Oxigraph only"
        return
    metafunc.parametrize("store_backend", BACKENDS, indirect=True)


@pytest.fixture
def store_backend(request: pytest.FixtureRequest) -> str:
    """The store backend of this test's `home`: "oxigraph" unless the module runs on both (see above)."""
    return getattr(request, "param", "oxigraph")


def use_virtuoso(home: Path, virtuoso: Virtuoso) -> None:
    """Point a node home at `virtuoso` in its fedcat.toml, as an operator would."""
    toml = home / "fedcat.toml"
    lines = "".join(
        f'{key.removeprefix("FEDCAT_STORE__").lower()} = "{value}"\n' for key, value in virtuoso.store_env().items()
    )
    text, replaced = re.subn(r'(?m)^\[store\]\nbackend = "oxigraph"\n', lambda _: f"[store]\n{lines}", toml.read_text())
    assert replaced == 1, f"no [store] section to replace in {toml}"
    toml.write_text(text)


def drop_new_graphs_after(request: pytest.FixtureRequest, virtuoso: Virtuoso, home: Path) -> None:
    """After the test, drop the graphs the node at `home` made on the shared Virtuoso; fail if any stay, or if
    graphs appeared outside the node's base (a node writes nothing there, and the server's own are not ours)."""
    server = virtuoso.store()
    before = set(server.named_graphs())
    prefix = load_settings(home).base + "/"

    def drop() -> None:
        try:
            new = set(server.named_graphs()) - before
            server.drop_graphs(sorted(g for g in new if g.startswith(prefix)))
            left = set(server.named_graphs()) - before
        finally:
            server.close()
        assert not left, f"graphs of this test left on the shared Virtuoso: {sorted(left)[:5]}"

    request.addfinalizer(drop)


@pytest.fixture
def home(tmp_path: Path, store_backend: str, request: pytest.FixtureRequest) -> Path:
    """An initialised, empty node home, on the store backend the test runs on."""
    path = tmp_path / "node"
    init_home(path)
    if store_backend == "virtuoso":
        virtuoso: Virtuoso = request.getfixturevalue("virtuoso")
        drop_new_graphs_after(request, virtuoso, path)
        use_virtuoso(path, virtuoso)
        assert load_settings(path).store.backend == "sparql"
    return path


def node_copy(template: Path, path: Path, store_backend: str, request: pytest.FixtureRequest) -> Path:
    """A copy at `path` of the Oxigraph node home `template` (a session's harvested node, say), on the test's
    store backend. On Virtuoso its graphs are copied into the session's server (verified by counts, dropped after
    the test) and its Oxigraph store and snapshots are left out, so nothing can read them by mistake."""
    if store_backend == "oxigraph":
        shutil.copytree(template, path)
        return path
    shutil.copytree(template, path, ignore=shutil.ignore_patterns("store", "snapshots"))
    (path / "store").mkdir()
    virtuoso: Virtuoso = request.getfixturevalue("virtuoso")
    drop_new_graphs_after(request, virtuoso, path)
    prefix = load_settings(template).base + "/"
    source, target = OxigraphStore(template / "store", read_only=True), virtuoso.store()
    try:
        outside = [g for g in source.named_graphs() if not g.startswith(prefix)]
        assert not outside, f"{template} has graphs outside {prefix}, which a copy would miss: {outside[:3]}"
        report = copy_graphs(source, target, prefix)
    finally:
        target.close()
    assert report.verified and report.graphs, f"copy of {template} to Virtuoso: {report.mismatches[:3]}"
    use_virtuoso(path, virtuoso)
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings(home)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


class Cli:
    """Runs `fedcat` commands in-process against one home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        result = self.runner.invoke(app, [*args, "--home", str(self.home)], input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)
