"""`python -m demo.build --home DIR`: generate the demo sources, configure a node for them and harvest it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from catalogue.cli_harvest import run_harvest
from catalogue.config import SourceConfig, load_settings
from catalogue.errors import FedcatError
from catalogue.nodehome import add_source, init_home
from demo.generate import generate

app = typer.Typer(add_completion=False, help="Build the demo node: generate, configure, harvest.")
NODE = """
[node]
title = "Luxembourg demo data node"
description = "Demo node of fedcat: public and protected datasets of Luxembourg publishers, and a partner portal."
publisher_name = "Demo National Data Service"
language = "en"
"""


@app.command()
def main(
    home: Annotated[Path, typer.Option("--home", envvar="FEDCAT_HOME", help="Node home to build.")] = Path(".fedcat"),
    datasets: Annotated[int, typer.Option(min=1, help="Home catalogue datasets.")] = 300,
    partner_datasets: Annotated[int, typer.Option(min=0, help="Partner CKAN packages.")] = 120,
) -> None:
    """Generate the demo sources under HOME/demo, add them as sources and harvest them."""
    created = init_home(home)
    if created:
        toml = home / "fedcat.toml"
        toml.write_text(_with_node(toml.read_text()))
    manifest = generate(home / "demo", datasets=datasets, partner_datasets=partner_datasets)
    settings = load_settings(home)
    existing = {s.name for s in settings.sources}
    wanted = [
        SourceConfig(name="home", kind="dcat", url=(home / "demo" / manifest.catalog).resolve().as_uri()),
        SourceConfig(name="partner", kind="ckan", url=(home / "demo" / manifest.partner_dump).resolve().as_uri()),
    ]
    try:
        for source in wanted:
            if source.name not in existing:
                add_source(home, source)
        code = run_harvest(load_settings(home), None, full=False)
    except FedcatError as exc:
        typer.echo(f"error: [{exc.type}] {exc.message}", err=True)
        raise typer.Exit(1) from exc
    # Broken partner packages are there on purpose: the build succeeds when the harvest ran as designed.
    raise typer.Exit(code)


def _with_node(text: str) -> str:
    start = text.index("[node]")
    end = text.index("[store]")
    return text[:start] + NODE.strip() + "\n\n" + text[end:]


if __name__ == "__main__":
    sys.exit(app())
