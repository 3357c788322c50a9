"""`python -m demo OUT [--datasets N] [--partner-datasets N] [--seed S]`: write a demo node."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from demo.generate import generate

app = typer.Typer(add_completion=False, help="Generate a deterministic, realistic fedcat demo node.")


@app.command()
def main(
    out: Annotated[Path, typer.Argument(help="Output directory (created if missing).")],
    datasets: Annotated[int, typer.Option(min=0, help="Home catalogue datasets.")] = 300,
    partner_datasets: Annotated[int, typer.Option(min=0, help="Packages in the partner CKAN dump.")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 20261127,
) -> None:
    """Write home/catalog.ttl, partner/ckan-dump.jsonl, data/* and manifest.json into OUT."""
    started = time.perf_counter()
    try:
        manifest = generate(out, datasets=datasets, partner_datasets=partner_datasets, seed=seed)
    except Exception as exc:  # report, don't dump a traceback on the user
        typer.echo(f"error: demo generation failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    typer.echo(
        f"demo node written to {out} in {time.perf_counter() - started:.1f}s ({size / 1e6:.1f} MB)\n"
        f"  home:    {len(manifest.datasets)} datasets from {len(manifest.publishers)} publishers -> "
        f"{manifest.catalog}\n"
        f"  partner: {manifest.partner_packages} CKAN packages ({len(manifest.duplicates)} duplicates "
        f"of home, {len(manifest.broken)} broken) -> {manifest.partner_dump}\n"
        f"  hosted:  {len(manifest.hosted)} datasets with data files -> data/\n"
        f"  manifest.json"
    )


if __name__ == "__main__":
    sys.exit(app())
