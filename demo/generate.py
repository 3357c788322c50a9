"""Generate a deterministic, realistic demo node: home DCAT catalogue, partner CKAN dump, hosted data."""

from __future__ import annotations

import random
from pathlib import Path

from demo.home import plan_home
from demo.hosted import write_hosted
from demo.model import DatasetEntry, DemoManifest, HomeDataset
from demo.partner import write_partner
from demo.partner_texts import PORTAL_URL
from demo.publishers import PUBLISHERS
from demo.turtle import CATALOG_IRI, write_catalog

CATALOG_PATH = "home/catalog.ttl"
PARTNER_PATH = "partner/ckan-dump.jsonl"
MANIFEST_PATH = "manifest.json"


def _entry(ds: HomeDataset) -> DatasetEntry:
    return DatasetEntry(
        iri=ds.iri,
        slug=ds.slug,
        identifier=ds.identifier,
        title=ds.titles["en"],
        publisher=ds.publisher.iri,
        theme=ds.eu_themes[0],
        access_rights=ds.access_rights,
        languages=list(ds.languages),
        landing_page=ds.landing_page,
        download_urls=ds.download_urls,
        messy=ds.messy,
        defects=ds.defects,
    )


def generate(out: Path, *, datasets: int = 300, partner_datasets: int = 120, seed: int = 20261127) -> DemoManifest:
    """Write the demo node into `out/` and return its manifest (also written to `out/manifest.json`).

    The same arguments always give byte-identical files: every random choice comes from RNGs seeded
    with `seed` (one per part, so changing `partner_datasets` leaves the home node unchanged).
    """
    if datasets < 0 or partner_datasets < 0:
        raise ValueError("dataset counts must not be negative")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    home = plan_home(random.Random(f"{seed}:home"), datasets)
    hosted = write_hosted(out, home, seed)
    write_catalog(out / CATALOG_PATH, home)
    duplicates, broken = write_partner(out / PARTNER_PATH, random.Random(f"{seed}:partner"), home, partner_datasets)
    manifest = DemoManifest(
        seed=seed,
        catalog=CATALOG_PATH,
        catalog_iri=CATALOG_IRI,
        partner_dump=PARTNER_PATH,
        partner_portal=PORTAL_URL,
        publishers=[p.iri for p in PUBLISHERS if any(ds.publisher is p for ds in home)],
        datasets=[_entry(ds) for ds in home],
        hosted=hosted,
        partner_packages=partner_datasets,
        duplicates=duplicates,
        broken=broken,
    )
    (out / MANIFEST_PATH).write_text(manifest.to_json(), encoding="utf-8")
    return manifest
