"""`fedcat search` and `fedcat index rebuild|status`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalogue.cli import HomeOption, app, err, fail, node_store, out, settings_for
from catalogue.errors import FedcatError
from catalogue.search import SORTS, InvalidSearch

index_app = typer.Typer(help="Build and inspect the search index.", no_args_is_help=True)
app.add_typer(index_app, name="index")


def _facets(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InvalidSearch(f"--facet takes NAME=VALUE, not {pair!r}")
        filters.setdefault(name.strip(), []).append(value.strip())
    return {name: tuple(values) for name, values in filters.items()}


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, -excluded; empty lists all.')] = "",
    facet: Annotated[
        list[str] | None, typer.Option("--facet", help="Filter NAME=VALUE; repeat (AND across, OR within).")
    ] = None,
    lang: Annotated[str, typer.Option(help="Display language (en, fr, de, lb, ...).")] = "en",
    sort: Annotated[str, typer.Option(help=" | ".join(SORTS))] = "relevance",
    page: Annotated[int, typer.Option(help="Page number, from 1.")] = 1,
    page_size: Annotated[int, typer.Option(help="Results per page (at most 100).")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of a table.")] = False,
    restricted: Annotated[
        bool, typer.Option("--include-restricted", help="Also show restricted records (operator view).")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Search the node's datasets, exactly as GET /api/datasets does."""
    from catalogue.index import open_index
    from catalogue.search import PUBLIC, SearchQuery, preferred_languages, search

    try:
        settings = settings_for(home)
        request = SearchQuery(
            text=query,
            filters=_facets(facet or []),
            languages=preferred_languages(lang),
            sort=sort,
            page=page,
            page_size=page_size,
        )
        visibility = ("public", "restricted") if restricted else PUBLIC
        result = search(open_index(settings), request, visibility=visibility)
    except FedcatError as exc:
        fail(exc)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    table = Table("title", "publisher", "formats", "modified", "id", title=f"{result.total} datasets")
    for item in result.items:
        table.add_row(
            escape(item["title"]),
            escape(item["publisher"]),
            escape(", ".join(item["formats"])),
            item["modified"][:10],
            item["id"],
        )
    out.print(table)
    for name, values in result.facets.items():
        if values:
            shown = ", ".join(f"{escape(v.label)} ({v.count})" for v in values[:8])
            out.print(f"[bold]{name}[/]: {shown}" + (" …" if len(values) > 8 else ""), highlight=False)
    if result.match == "fuzzy":
        err.print("[yellow]no exact match: showing typo-tolerant matches[/]")


@index_app.command("rebuild")
def rebuild(home: HomeOption = None) -> None:
    """Rebuild the search index from the graph store, from scratch."""
    from catalogue.index import rebuild_index

    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with node_store(home) as (settings, store), Progress(*columns, console=err) as progress:
        task = progress.add_task("indexing", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count = rebuild_index(settings, store, on_progress)
    out.print(f"indexed {count} records")


@index_app.command("status")
def status(home: HomeOption = None) -> None:
    """Show whether the search index is usable and how many records it holds; exit 1 when it is not usable."""
    from catalogue.index import index_status, open_index

    try:
        settings = settings_for(home)
        state = index_status(settings)
        records = open_index(settings).searcher().num_docs if state in ("ok", "pending") else 0
    except FedcatError as exc:
        fail(exc)
    note = {"pending": " (a harvest is updating it, or one stopped: the next harvest rebuilds)"}.get(state, "")
    out.print(f"index: {state}, {records} records{note}")
    if state in ("missing", "outdated"):
        raise typer.Exit(1)
