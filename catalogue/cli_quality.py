"""`fedcat data add|list|remove` and `fedcat quality profile|validate|score|suite`.

Great Expectations is imported only by the commands that validate data, never at start-up.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalogue.cli import HomeOption, app, err, fail, node_store, out, settings_for
from catalogue.errors import FedcatError

data_app = typer.Typer(help="Attach data files the node hosts to datasets.", no_args_is_help=True)
quality_app = typer.Typer(
    help="Data quality (Great Expectations) and metadata quality (MQA, SHACL).", no_args_is_help=True
)
suite_app = typer.Typer(help="Expectation suites that stewards edit.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(quality_app, name="quality")
quality_app.add_typer(suite_app, name="suite")

DatasetIds = Annotated[list[str] | None, typer.Argument(help="Dataset ids (default: every dataset with hosted data).")]


class Access(StrEnum):
    """How approved users may reach hosted data."""

    row_level = "row-level"
    aggregate_only = "aggregate-only"


def _progress() -> Progress:
    columns = (TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err, transient=True)


def _report(outcomes: object) -> int:
    """Print per-dataset results and failures; the exit code (0, 1 or 2 as `fail` would choose)."""
    from quality.runs import Outcomes

    assert isinstance(outcomes, Outcomes)
    if outcomes.validated:
        table = Table("dataset", "result", "expectations", "failed", "drift", title="data validation")
        for o in outcomes.validated:
            verdict = "[green]passed[/]" if o.success else "[yellow]failed[/]"
            drift = ", ".join(f"{d.kind}:{d.column}" if d.column else d.kind for d in o.drift) or "-"
            table.add_row(o.dataset_id, verdict, str(o.evaluated), str(o.evaluated - o.successful), escape(drift))
        out.print(table)
    for dataset_id in outcomes.skipped:
        out.print(f"{dataset_id}: unchanged since its last validation, skipped")
    for dataset_id, exc in outcomes.failed.items():
        err.print(f"[bold red]error[/] {dataset_id}: " + escape(f"[{exc.type}] {exc.message}"), highlight=False)
    if not outcomes.failed:
        return 0
    return 2 if all(400 <= e.status < 500 for e in outcomes.failed.values()) else 1


@data_app.command("add")
def data_add(
    dataset_id: Annotated[str, typer.Argument(help="The dataset's id on this node.")],
    path: Annotated[Path, typer.Argument(help="A Parquet or CSV file.")],
    access: Annotated[Access, typer.Option("--access", help="What approved users may see.")] = Access.row_level,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Only attach: do not profile or validate now.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Attach a data file to a dataset as data this node hosts; validates it when it is new or changed."""
    from quality.runs import attach

    with node_store(home) as (settings, store):
        result, outcomes = attach(settings, store, dataset_id, path, access.value, check=not no_validate)
    h = result.hosted
    state = "attached" if result.previous_sha256 is None else ("replaced" if result.changed else "unchanged")
    out.print(f"{state}: {h.dataset_id} ← {escape(h.original_name)} ({h.kind}, {h.rows} rows, {h.byte_size} bytes)")
    out.print(f"sha256 {h.sha256}, access {h.access_mode}")
    raise typer.Exit(_report(outcomes))


@data_app.command("list")
def data_list(home: HomeOption = None) -> None:
    """List the data files this node hosts."""
    from quality.hosted import list_hosted

    try:
        hosted = list_hosted(settings_for(home))
    except FedcatError as exc:
        fail(exc)
    table = Table()
    table.add_column("dataset", no_wrap=True)
    table.add_column("file", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("bytes", justify="right")
    table.add_column("access", no_wrap=True)
    table.add_column("sha256", overflow="fold")
    for h in hosted:
        table.add_row(
            h.dataset_id, escape(h.original_name), str(h.rows), str(h.byte_size), h.access_mode, h.sha256[:12]
        )
    out.print(table)


@data_app.command("remove")
def data_remove(
    dataset_id: Annotated[str, typer.Argument(help="The dataset's id.")],
    home: HomeOption = None,
) -> None:
    """Stop hosting a dataset's data (its expectation suite is kept)."""
    from catalogue.snapshots import publish
    from quality.hosted import remove_hosted

    with node_store(home) as (settings, store):
        remove_hosted(settings, store, dataset_id)
        publish(settings, store)
    out.print(f"removed the hosted data of {dataset_id}")


@quality_app.command("profile")
def quality_profile(
    dataset_ids: DatasetIds = None,
    then_validate: Annotated[bool, typer.Option("--validate", help="Validate right after profiling.")] = False,
    home: HomeOption = None,
) -> None:
    """Build (or rebuild) expectation suites from the hosted data; steward edits survive."""
    from quality.runs import profile_datasets

    try:
        settings = settings_for(home)
        outcomes = profile_datasets(settings, dataset_ids)
    except FedcatError as exc:
        fail(exc)
    for p in outcomes.profiled:
        kept = f", {p.kept_from_steward} kept from the steward" if p.kept_from_steward else ""
        secret = f"; identifying columns: {', '.join(p.identifier_columns)}" if p.identifier_columns else ""
        out.print(f"{p.dataset_id}: {p.expectations} expectations{kept} → {p.path}{escape(secret)}")
    code = _report(outcomes)
    if code or not then_validate:
        raise typer.Exit(code)
    quality_validate(dataset_ids, changed_only=False, strict=False, home=home)


@quality_app.command("validate")
def quality_validate(
    dataset_ids: DatasetIds = None,
    changed_only: Annotated[
        bool, typer.Option("--changed-only", help="Skip datasets whose file is unchanged since it was validated.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any expectation fails (the results are recorded anyway).")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Run the suites on the current hosted data and record the results (with drift) in the graph."""
    from quality.runs import validate_datasets

    with node_store(home) as (settings, store), _progress() as progress:
        task = progress.add_task("validating", total=len(dataset_ids or []) or None)

        def step(dataset_id: str) -> None:
            progress.update(task, description=f"validating {dataset_id}", advance=1)

        outcomes = validate_datasets(settings, store, dataset_ids, changed_only=changed_only, on_step=step)
    if not outcomes.validated and not outcomes.failed and not outcomes.skipped:
        out.print("no hosted data to validate; attach files with `fedcat data add`")
    code = _report(outcomes)
    if not code and strict and any(not o.success for o in outcomes.validated):
        code = 1
    raise typer.Exit(code)


@quality_app.command("score")
def quality_score(
    dataset_ids: Annotated[list[str] | None, typer.Argument(help="Dataset ids (default: every record).")] = None,
    no_shacl: Annotated[
        bool, typer.Option("--no-shacl", help="Skip SHACL validation (DCAT-AP compliance scores 0).")
    ] = False,
    check_urls: Annotated[
        bool, typer.Option("--check-urls", help="Test access and download URLs (guarded, bounded).")
    ] = False,
    max_urls: Annotated[int, typer.Option("--max-urls", min=1, help="At most this many URLs per run.")] = 1000,
    home: HomeOption = None,
) -> None:
    """Score metadata quality (MQA dimensions) and validate records against their SHACL profiles."""
    from catalogue.snapshots import publish
    from quality.scoring import score

    with node_store(home) as (settings, store):
        with _progress() as progress:
            tasks: dict[str, TaskID] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            run = score(
                settings,
                store,
                dataset_ids,
                with_shacl=not no_shacl,
                check_urls=check_urls,
                max_urls=max_urls,
                on_progress=on_progress,
            )
        publish(settings, store)
    table = Table("band", "records", title=f"metadata quality of {run.records} records")
    for name in ("Excellent", "Good", "Sufficient", "Bad"):
        table.add_row(name, str(run.bands.get(name, 0)))
    out.print(table)
    out.print(f"results: {run.written} written, {run.unchanged} unchanged")
    out.print(f"search index: {run.reindexed} records updated (their band changed)")
    if not no_shacl:
        out.print(f"SHACL: {run.shacl_validated} reports computed, {run.shacl_cached} reused")
    if check_urls:
        out.print(f"URLs: {run.urls_checked} checked, {run.urls_unreachable} unreachable")
    out.print("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in run.seconds.items()))


@suite_app.command("show")
def suite_show(
    dataset_id: Annotated[str, typer.Argument(help="The dataset's id.")],
    path_only: Annotated[bool, typer.Option("--path", help="Print only where the suite file is.")] = False,
    home: HomeOption = None,
) -> None:
    """Print a dataset's expectation suite (edit the file it names to pin, loosen or add expectations)."""
    from catalogue.errors import NotFound
    from quality.suites import load_suite, suite_path

    try:
        settings = settings_for(home)
        path = suite_path(settings, dataset_id)
        suite = load_suite(settings, dataset_id)
        if suite is None:
            raise NotFound(f"{dataset_id!r} has no suite yet; run `fedcat quality profile {dataset_id}`")
    except FedcatError as exc:
        fail(exc)
    if path_only:
        typer.echo(str(path))
        return
    err.print(f"# {path}")
    typer.echo(json.dumps(suite, indent=2, ensure_ascii=False))
