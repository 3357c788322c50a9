"""`fedcat store copy`: move a node's graphs between the embedded Oxigraph store and a remote SPARQL store.

The copy goes graph by graph in batches (each target graph is dropped, then loaded, so a re-run repairs an
interrupted copy), and is verified afterwards by counting quads per graph on both sides: any difference, or a
graph missing on the target, is listed and exits 1. The target ends up holding exactly the node's graphs of the
source: graphs under the node's base IRI that the source lacks are removed from the target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalogue.cli import HomeOption, app, err, fail, out, settings_for
from catalogue.config import Settings
from catalogue.errors import ConfigError, FedcatError
from catalogue.store import GraphStore, OxigraphStore

if TYPE_CHECKING:
    from catalogue.store_sparql import SparqlStore

store_app = typer.Typer(help="The graph store: copy a node's graphs between backends.", no_args_is_help=True)
app.add_typer(store_app, name="store")

COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@dataclass
class CopyReport:
    """What a copy moved and what the verification found."""

    graphs: int = 0
    source_quads: int = 0
    target_quads: int = 0
    removed: list[str] = field(default_factory=list)  # target graphs the source did not have
    mismatches: list[tuple[str, int, int]] = field(default_factory=list)  # graph, source count, target count

    @property
    def verified(self) -> bool:
        """True when every graph holds as many quads on the target as on the source, and no more graphs."""
        return not self.mismatches and self.source_quads == self.target_quads


def graph_counts(store: GraphStore, prefix: str) -> dict[str, int]:
    """Quads per named graph under `prefix`, on any backend."""
    from catalogue.store_sparql import SparqlStore

    if isinstance(store, SparqlStore):
        return store.graph_counts(prefix)
    return {
        r["g"].value: int(r["n"].value)
        for r in store.select(COUNTS_QUERY)
        if r["g"].value.startswith(prefix) and int(r["n"].value) > 0
    }


def read_graphs(store: GraphStore, graphs: list[str]) -> bytes:
    """The quads of `graphs` as N-Quads."""
    return "".join(f"{q} .\n" for q in store.graph_quads(graphs)).encode()  # one query on a remote store


def copy_graphs(
    source: GraphStore,
    target: GraphStore,
    prefix: str,
    *,
    batch: int = 100,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CopyReport:
    """Copy every graph under `prefix` from `source` to `target`, then compare the quads per graph, counted on
    each side by the store itself (not by what the copy read: a read cut short would go unnoticed)."""
    report = CopyReport()
    expected = graph_counts(source, prefix)
    graphs = sorted(expected)
    if on_start is not None:
        on_start(len(graphs))
    stale = sorted(set(target.named_graphs(prefix)) - set(graphs))
    if stale:
        target.drop_graphs(stale)
        report.removed = stale
    for start in range(0, len(graphs), batch):
        chunk = graphs[start : start + batch]
        data = read_graphs(source, chunk)
        target.drop_graphs(chunk)  # replace, so a second run repairs a copy that stopped half-way
        target.bulk_load(data)
        if on_progress is not None:
            on_progress(len(chunk))
    target.flush()
    actual = graph_counts(target, prefix)
    report.graphs = len(expected)
    report.source_quads = sum(expected.values())
    report.target_quads = sum(actual.values())
    for graph in sorted(set(expected) | set(actual)):
        if expected.get(graph, 0) != actual.get(graph, 0):
            report.mismatches.append((graph, expected.get(graph, 0), actual.get(graph, 0)))
    return report


def remote_store(
    settings: Settings,
    query_url: str | None,
    update_url: str | None,
    graph_store_url: str | None,
    username: str | None,
    password: str | None,
) -> SparqlStore:
    """The remote store named by the options, each falling back to `[store]` in the settings."""
    from catalogue.store_sparql import SparqlStore

    config = settings.store
    query = query_url or config.query_url
    if not query:
        raise ConfigError("no SPARQL endpoint: pass --query-url or set store.query_url (FEDCAT_STORE__QUERY_URL)")
    return SparqlStore(
        query,
        update_url or config.update_url,
        graph_store_url or config.graph_store_url,
        username=username or config.username,
        password=password or config.password,
        graph_scope=settings.base + "/",
    )


@store_app.command("copy")
def copy(
    to: Annotated[str, typer.Option("--to", help="Where to copy the node's graphs: sparql or oxigraph.")],
    query_url: Annotated[str | None, typer.Option(help="SPARQL query endpoint (default: store.query_url).")] = None,
    update_url: Annotated[str | None, typer.Option(help="SPARQL update endpoint (default: store.update_url).")] = None,
    graph_store_url: Annotated[
        str | None, typer.Option(help="Graph Store Protocol endpoint (default: store.graph_store_url).")
    ] = None,
    username: Annotated[
        str | None, typer.Option(help="User for the update endpoint (default: store.username).")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Its password (default: store.password; prefer FEDCAT_STORE__PASSWORD to the command line)."),
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="Graphs per read and write.")] = 100,
    home: HomeOption = None,
) -> None:
    """Copy the node's graphs from Oxigraph to a remote SPARQL store (--to sparql) or back (--to oxigraph).

    Verified by counting quads per graph on both sides; exits 1 on any difference. The target ends up with
    exactly the source's graphs under the node's base IRI. Then set store.backend to the target and run
    `fedcat index rebuild`.
    """
    from catalogue.snapshots import publish

    if to not in ("sparql", "oxigraph"):
        fail(ConfigError(f"--to must be sparql or oxigraph, not {to!r}"))
    try:
        settings = settings_for(home)
        remote = remote_store(settings, query_url, update_url, graph_store_url, username, password)
        # Opened for writing either way: holding the store's lock keeps a harvest from changing it mid-copy.
        local = OxigraphStore(settings.store_path)
        source, target = (local, remote) if to == "sparql" else (remote, local)
        try:
            if to == "sparql":
                remote.check_writable()  # bad credentials fail before any work
            prefix = settings.base + "/"
            outside = [g for g in source.named_graphs() if not g.startswith(prefix)] if to == "sparql" else []
            columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task("copying", total=None)
                report = copy_graphs(
                    source,
                    target,
                    prefix,
                    batch=batch,
                    on_start=lambda total: progress.update(task, total=total),
                    on_progress=lambda n: progress.advance(task, n),
                )
            if to == "oxigraph":
                publish(settings, target)  # the web process reads snapshots of the embedded store
        finally:
            local.close()
            remote.close()
    except FedcatError as exc:
        fail(exc)
    table = Table("graphs", "quads on source", "quads on target", "removed stale graphs", title=f"store copy → {to}")
    table.add_row(str(report.graphs), str(report.source_quads), str(report.target_quads), str(len(report.removed)))
    out.print(table)
    if outside:
        err.print(f"[yellow]{len(outside)} graphs outside {escape(prefix)} were not copied[/]")
    if not report.verified:
        for graph, want, got in report.mismatches[:20]:
            err.print(
                f"[red]mismatch[/] {escape(graph)}: {want} quads on the source, {got} on the target", highlight=False
            )
        if len(report.mismatches) > 20:
            err.print(f"[red]… {len(report.mismatches) - 20} more mismatching graphs[/]")
        err.print("[bold red]error[/] the copy does not match the source")
        raise typer.Exit(1)
    out.print(f"verified: {report.graphs} graphs, {report.target_quads} quads on the {to} store")
    out.print(f'next: set store.backend = "{to}" and run `fedcat index rebuild`', highlight=False)
