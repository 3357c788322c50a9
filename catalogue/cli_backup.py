"""`fedcat backup DIR` and `fedcat restore DIR`: copy a serving node, and put a copy back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from catalogue.backup import Step
from catalogue.cli import HomeOption, app, err, fail, out, settings_for
from catalogue.errors import FedcatError

LABELS = {
    "graph": "graph",
    "index": "search index",
    "database": "database",
    "files": "files",
    "checksums": "checksums",
    "verify": "verifying",
}


@contextmanager
def _progress() -> Iterator[Step]:
    """A Rich progress display on stderr with one bar per phase; yields the `on_step` callback."""
    columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def on_step(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(LABELS.get(phase, phase), total=total)
            progress.update(tasks[phase], completed=done, total=total)

        yield on_step


@app.command()
def backup(
    directory: Annotated[Path, typer.Argument(help="Where to write the backup: a new or empty directory.")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a previous backup in DIRECTORY (only once this one is done).")
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="Seconds to wait for a running harvest to release the store; then the newest snapshot is copied.",
        ),
    ] = 60.0,
    home: HomeOption = None,
) -> None:
    """Copy the node (graph, search index, database, keys, hosted data, suites, configuration) while it serves."""
    from catalogue.backup import create_backup

    try:
        settings = settings_for(home)
        with _progress() as on_step:
            manifest = create_backup(settings, directory, replace=replace, wait=wait, on_step=on_step)
    except FedcatError as exc:
        fail(exc)
    parts = manifest["components"]
    db = parts["database"]
    audit = db.get("audit") or {}
    out.print(
        f"backed up {settings.home} to {directory}: {parts['graph']['quads']} quads, "
        f"{parts['files']['count']} files, database {db['kind']}"
        + (f" (audit log: {audit['events']} events, head {audit['head_seq']})" if audit.get("ok") else ""),
        highlight=False,
    )
    if parts["index"].get("rebuild"):
        err.print(f"[yellow]note[/] the search index will be rebuilt on restore: {parts['index'].get('reason')}")
    if audit and not audit.get("ok"):
        err.print(f"[bold yellow]warning[/] the audit log did not verify when backed up: {audit.get('problem')}")


@app.command()
def restore(
    directory: Annotated[Path, typer.Argument(help="A directory written by `fedcat backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty home (and a non-empty database) with the backup.")
    ] = False,
    check: Annotated[bool, typer.Option("--check", help="Only verify the backup's checksums; change nothing.")] = False,
    home: HomeOption = None,
) -> None:
    """Restore a backup into a new home (--home); every checksum is verified before anything is written."""
    from catalogue.backup import restore_backup, verify_backup

    target = home if home is not None else Path(os.environ.get("FEDCAT_HOME") or ".fedcat")
    try:
        with _progress() as on_step:
            if check:
                manifest = verify_backup(directory, on_step)
            else:
                report = restore_backup(directory, target, force=force, on_step=on_step)
    except FedcatError as exc:
        fail(exc)
    if check:
        out.print(
            f"backup at {directory} is intact: {len(manifest['files'])} files, taken {manifest['created_at']} "
            f"by fedcat {manifest['fedcat_version']}",
            highlight=False,
        )
        return
    index = "no search index" if report.index_records is None else f"{report.index_records} indexed records"
    if report.index_rebuilt:
        index += " (rebuilt)"
    audit = "no workflow database"
    if report.audit is not None:
        audit = f"audit log verified ({report.audit['events']} events)" if report.audit["ok"] else "audit log unchecked"
    out.print(
        f"restored {directory} into {report.home}: {report.quads} quads, {index}, {report.files} files, {audit}",
        highlight=False,
    )
    if report.audit is not None and not report.audit["ok"]:
        err.print(f"[bold yellow]warning[/] the audit log could not be verified: {report.audit['problem']}")
    for note in report.notes:
        err.print(f"[yellow]note[/] {note}")
