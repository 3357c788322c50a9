"""Shared fixtures: a fresh node home, loopback servers, the reference material and a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalogue.cli import app
from catalogue.config import Settings, load_settings
from catalogue.nodehome import init_home
from tests.servers import LoopbackServer

REFERENCE = Path(os.environ.get("FEDCAT_REFERENCE", Path(__file__).resolve().parents[2] / "shared" / "reference"))


@pytest.fixture(scope="session")
def reference() -> Path:
    """`../shared/reference`: real public fixtures; a missing copy is a loud failure, not a skip."""
    assert REFERENCE.is_dir(), f"reference material not found at {REFERENCE} (set FEDCAT_REFERENCE)"
    return REFERENCE


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised, empty node home."""
    path = tmp_path / "node"
    init_home(path)
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
