"""`python -m demo.build --home DIR`: generate the demo sources, configure a node for them, harvest it, attach
the hosted data files, and run the quality checks (GX profiles and validation, MQA scores, SHACL reports)."""

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
from demo.model import DemoManifest

app = typer.Typer(
    add_completion=False, help="Build the demo node: generate, configure, harvest, host data, check quality."
)
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
    """Generate the demo sources under HOME/demo, add them as sources, harvest them and assess their quality."""
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
        code = max(code, build_quality(home, manifest))
    except FedcatError as exc:
        typer.echo(f"error: [{exc.type}] {exc.message}", err=True)
        raise typer.Exit(1) from exc
    # Broken partner packages are there on purpose: the build succeeds when the harvest ran as designed.
    raise typer.Exit(code)


def build_quality(home: Path, manifest: DemoManifest) -> int:
    """Attach the demo's hosted files (with their access modes), profile and validate them, score every record.

    Returns 0, or 1 when a hosted file could not be validated.
    """
    from catalogue.records import dataset_id
    from catalogue.snapshots import publish
    from catalogue.store import open_store
    from quality.gx_loading import preload_gx
    from quality.hosted import add_hosted
    from quality.runs import validate_datasets
    from quality.scoring import score

    settings = load_settings(home)
    preload_gx()  # the import overlaps attaching the files and the first DuckDB scans
    store = open_store(settings)
    try:
        for iri, entry in sorted(manifest.hosted.items()):
            add_hosted(settings, store, dataset_id("home", iri), home / "demo" / entry.path, entry.access_mode)
        outcomes = validate_datasets(settings, store, None)
        run = score(settings, store)
        publish(settings, store)
    finally:
        store.close()
    passed = sum(1 for o in outcomes.validated if o.success)
    typer.echo(f"hosted data: {len(outcomes.validated)} files validated, {passed} passed their suites")
    for ident, exc in outcomes.failed.items():
        typer.echo(f"error: {ident}: [{exc.type}] {exc.message}", err=True)
    bands = ", ".join(f"{name} {run.bands.get(name, 0)}" for name in ("Excellent", "Good", "Sufficient", "Bad"))
    typer.echo(f"metadata quality of {run.records} records: {bands}")
    return 1 if outcomes.failed else 0


def _with_node(text: str) -> str:
    start = text.index("[node]")
    end = text.index("[store]")
    return text[:start] + NODE.strip() + "\n\n" + text[end:]


if __name__ == "__main__":
    sys.exit(app())
