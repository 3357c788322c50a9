"""`fedcat sources add|list|remove`."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from catalogue import registry
from catalogue.cli import HomeOption, fail, out, settings_for, sources_app
from catalogue.config import SourceConfig
from catalogue.errors import ConfigError, FedcatError
from catalogue.records import RECORD_GRAPHS


@sources_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A short unique name (lower-case letters, digits, - and _).")],
    kind: Annotated[str, typer.Option("--kind", help="Harvester kind: ckan, dcat or sparql.")],
    url: Annotated[str, typer.Option("--url", help="The source URL (http(s), or file:// for offline use).")],
    allow_private_network: Annotated[
        bool,
        typer.Option("--allow-private-network", help="Allow loopback / private addresses for this source."),
    ] = False,
    restricted: Annotated[
        bool, typer.Option("--restricted", help="Keep this source's records out of public views.")
    ] = False,
    schedule: Annotated[
        str | None,
        typer.Option("--schedule", help='When `fedcat worker` harvests it, in cron syntax, e.g. "0 3 * * *".'),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Add a harvest source to fedcat.toml."""
    from catalogue.nodehome import add_source

    try:
        settings = settings_for(home)
        registry.get("harvester", kind)
        try:
            source = SourceConfig(
                name=name,
                kind=kind,
                url=url,
                allow_private_network=allow_private_network,
                visibility="restricted" if restricted else "public",
                schedule=schedule,
            )
        except ValidationError as exc:
            raise ConfigError("; ".join(e["msg"] for e in exc.errors())) from exc
        add_source(settings.home, source)
    except FedcatError as exc:
        fail(exc)
    out.print(f"added source {name} ({kind}) {url}")


@sources_app.command("list")
def list_(home: HomeOption = None) -> None:
    """List the configured sources."""
    from harvesters.state import load_state

    try:
        settings = settings_for(home)
    except FedcatError as exc:
        fail(exc)
    table = Table("name", "kind", "url", "private network", "visibility", "schedule", "last success")
    for s in settings.sources:
        last = load_state(settings.state_path, s.name).get("last_success", "never")
        private = "yes" if s.allow_private_network else "no"
        table.add_row(s.name, s.kind, s.url, private, s.visibility, s.schedule or "-", last)
    out.print(table)


@sources_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The source to remove.")],
    keep_records: Annotated[
        bool, typer.Option("--keep-records", help="Leave its harvested records in the graph.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Remove a source from fedcat.toml and withdraw its records from the graph."""
    from catalogue.nodehome import remove_source
    from catalogue.records import source_graph
    from catalogue.snapshots import publish
    from catalogue.store import open_store

    try:
        settings = settings_for(home)
        settings.source(name)
        remove_source(settings.home, name)
        if not keep_records:
            store = open_store(settings)
            try:
                graphs = [
                    *store.named_graphs(f"{settings.base}{RECORD_GRAPHS}{name}/"),
                    source_graph(settings.base, name),
                ]
                store.drop_graphs(graphs)
                publish(settings, store)
            finally:
                store.close()
            (settings.state_path / f"{name}.json").unlink(missing_ok=True)
            out.print(f"removed source {name} and withdrew {len(graphs) - 1} records")
        else:
            out.print(f"removed source {name}; its records stay in the graph")
    except FedcatError as exc:
        fail(exc)
