"""`fedcat harvest` and `fedcat export`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalogue.cli import HomeOption, app, err, fail, out, settings_for
from catalogue.config import Settings, SourceConfig
from catalogue.errors import ConfigError, FedcatError
from catalogue.harvest_lock import harvest_locks
from harvesters.run import COUNTS

PROGRESS_LINE_SECONDS = 30.0


class ProgressLines:
    """Plain progress lines for a log (cron, the worker's run logs), where Rich's live bars show nothing until the
    end: a source's first progress, then at most one line per `every` seconds."""

    def __init__(self, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._started: dict[str, float] = {}
        self._last: dict[str, float] = {}

    def __call__(self, source: str, done: int, total: int | None) -> None:
        """Print a line for `source` unless one was printed less than `every` seconds ago."""
        now = self.clock()
        started = self._started.setdefault(source, now)
        if source in self._last and now - self._last[source] < self.every:
            return
        self._last[source] = now
        elapsed = now - started
        of = f" of {total:,}" if total else ""
        after = f" after {elapsed:,.0f} s ({done / elapsed:,.0f}/s)" if elapsed >= 1 else ""
        err.print(f"{source}: {done:,}{of} records{after}", markup=False, highlight=False)


def run_harvest(settings: Settings, names: list[str] | None, full: bool) -> int:
    """Harvest with progress bars and a summary table; returns the exit code (0 only if all succeeded)."""
    sources = [settings.source(n) for n in names] if names else list(settings.sources)
    if not sources:
        raise ConfigError("no sources configured: add one with `fedcat sources add`")

    def waiting(who: str) -> None:
        err.print(f"waiting for the harvest of {escape(who)} to finish writing …", highlight=False)

    # One harvest per source at a time, and one writer of the store and index (see catalogue.harvest_lock).
    with harvest_locks(settings, [s.name for s in sources], on_wait=waiting):
        return _harvest_locked(settings, sources, full)


def _harvest_locked(settings: Settings, sources: list[SourceConfig], full: bool) -> int:
    from catalogue.store import open_store
    from harvesters.harvest import harvest_all

    store = open_store(settings)
    columns = (TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=False) as progress:
            tasks = {s.name: progress.add_task(s.name, total=None) for s in sources}

            lines = None if err.is_terminal else ProgressLines(PROGRESS_LINE_SECONDS)

            def on_progress(source: str, done: int, total: int | None) -> None:
                progress.update(tasks[source], completed=done, total=total)
                if lines is not None:
                    lines(source, done, total)

            report = harvest_all(settings, store, sources, full=full, on_progress=on_progress)
            for task in progress.tasks:
                progress.update(task.id, total=task.total or task.completed)
    finally:
        store.close()
    table = Table("source", "status", *COUNTS, "seconds", title="harvest summary")
    for run in report.runs:
        colour = "green" if run.succeeded else "red"
        counts = (str(run.counts[k]) for k in COUNTS)
        table.add_row(run.source, f"[{colour}]{run.status}[/]", *counts, f"{run.duration_seconds:.2f}")
    out.print(table)
    for run in report.runs:
        if run.error:
            err.print(
                f"[red]{run.source}[/]: " + escape(f"[{run.error['type']}] {run.error['detail']}"),
                highlight=False,
            )
        for p in run.problems[:5]:
            err.print(f"[yellow]{run.source}[/]: " + escape(f"[{p.type}] {p.message}"), highlight=False)
        if len(run.problems) > 5:
            err.print(f"[yellow]{run.source}[/]: … {len(run.problems) - 5} more problems in the report")
    if report.duplicates:
        out.print(f"{len(report.duplicates) // 2} cross-source duplicate pairs linked")
    out.print(f"report: {report.path}")
    return 0 if report.succeeded else 1


@app.command()
def harvest(
    names: Annotated[list[str] | None, typer.Argument(help="Sources to harvest (default: all).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore the last run: fetch everything again.")] = False,
    home: HomeOption = None,
) -> None:
    """Harvest sources into the graph; exit 0 only when every source succeeded."""
    try:
        code = run_harvest(settings_for(home), names, full)
    except FedcatError as exc:
        fail(exc)
    raise typer.Exit(code)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="ttl, jsonld, rdf or nt.")] = "ttl",
    output: Annotated[Path | None, typer.Option("--output", help="Write here instead of stdout.")] = None,
    home: HomeOption = None,
) -> None:
    """Export the whole public catalogue as DCAT-AP 3."""
    import sys

    from catalogue.export import export_catalogue
    from catalogue.store import open_store

    try:
        settings = settings_for(home)
        store = open_store(settings, read_only=False)
        data = export_catalogue(settings, store, fmt)
        store.close()
    except FedcatError as exc:
        fail(exc)
    if output:
        output.write_bytes(data)
        err.print(f"wrote {len(data)} bytes to {output}")
    else:
        sys.stdout.buffer.write(data)
