"""The `fedcat` command: node set-up, sources, harvests and export."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from catalogue import __version__
from catalogue.config import Settings, load_settings
from catalogue.errors import ConfigError, FedcatError

if TYPE_CHECKING:
    from catalogue.store import GraphStore

app = typer.Typer(
    help="fedcat: a federated data-discovery catalogue for secure data access.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="Configure harvest sources.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
err = Console(stderr=True)
out = Console()

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="FEDCAT_HOME",
        help="The node's home directory (default ./.fedcat).",
        show_default=False,
    ),
]


def settings_for(home: Path | None) -> Settings:
    """Settings of the node at `home`, or a clear error when there is none."""
    settings = load_settings(home)
    if not settings.toml_path.exists():
        raise ConfigError(f"no node at {settings.home}: run `fedcat init --home {settings.home}` first")
    return settings


def fail(exc: FedcatError) -> NoReturn:
    """Print a FedcatError as one line and exit non-zero (2 for bad input, 1 otherwise)."""
    err.print("[bold red]error[/] " + escape(f"[{exc.type}] {exc.message}"), highlight=False)
    raise typer.Exit(2 if 400 <= exc.status < 500 else 1)


@contextmanager
def node_store(home: Path | None) -> Iterator[tuple[Settings, GraphStore]]:
    """The node's settings and writable store for one command, closed after it; a FedcatError fails the command."""
    from catalogue.store import open_store

    try:
        settings = settings_for(home)
        store = open_store(settings)
    except FedcatError as exc:
        fail(exc)
    failed: FedcatError | None = None
    try:
        yield settings, store
    except FedcatError as exc:
        failed = exc
    finally:
        store.close()
    if failed is not None:
        fail(failed)  # after the store is closed, as a clean exit would leave it


@app.callback()
def _root() -> None:
    """fedcat: a federated data-discovery catalogue for secure data access."""


@app.command()
def version() -> None:
    """Print fedcat's version."""
    out.print(__version__)


@app.command()
def init(home: HomeOption = None) -> None:
    """Create a node home: fedcat.toml, the graph store, index, runs, state, data and keys folders."""
    from catalogue.nodehome import init_home

    settings = load_settings(home)
    if init_home(settings.home):
        out.print(f"initialised a node at {settings.home}")
    else:
        out.print(f"a node already lives at {settings.home}; nothing changed")


from catalogue import cli_access as _cli_access  # noqa: E402
from catalogue import cli_backup as _cli_backup  # noqa: E402
from catalogue import cli_harvest as _cli_harvest  # noqa: E402
from catalogue import cli_quality as _cli_quality  # noqa: E402  (registers commands on `app`)
from catalogue import cli_sandbox as _cli_sandbox  # noqa: E402
from catalogue import cli_search as _cli_search  # noqa: E402
from catalogue import cli_serve as _cli_serve  # noqa: E402
from catalogue import cli_sources as _cli_sources  # noqa: E402
from catalogue import cli_store as _cli_store  # noqa: E402
from catalogue import cli_worker as _cli_worker  # noqa: E402

__all__ = [
    "_cli_access",
    "_cli_backup",
    "_cli_harvest",
    "_cli_quality",
    "_cli_sandbox",
    "_cli_search",
    "_cli_serve",
    "_cli_sources",
    "_cli_store",
    "_cli_worker",
    "app",
    "main",
]


def main() -> None:
    """Entry point of the `fedcat` console script."""
    try:
        app()
    except FedcatError as exc:
        err.print("[bold red]error[/] " + escape(f"[{exc.type}] {exc.message}"), highlight=False)
        sys.exit(2 if 400 <= exc.status < 500 else 1)
    finally:
        # The interpreter's last collections walk every object a command loaded: 0.7 s after GX and pandas,
        # for memory the exit frees anyway. Frozen objects are skipped; atexit handlers and flushes still run.
        gc.freeze()
