"""A node home harvesting the scale benchmark's synthetic records from Turtle pages on a loopback server."""

from __future__ import annotations

from pathlib import Path

from benchmarks.scale import write_pages
from catalogue.config import Settings, load_settings
from catalogue.store import open_store
from harvesters.harvest import HarvestReport, harvest_all
from tests.servers import LoopbackServer


def serve_scale_pages(server: LoopbackServer, folder: Path, records: int) -> str:
    """Serve `records` synthetic datasets as Hydra-paged Turtle from `server`; the first page's URL."""
    folder.mkdir()
    write_pages(folder, records, server.url)
    for page in folder.iterdir():
        server.route(f"/{page.name}", page.read_bytes())
    return f"{server.url}/page-1.ttl"


def harvest_in_small_batches(home: Path, url: str, batch_size: int) -> tuple[Settings, HarvestReport]:
    """Add the source at `url` to the node at `home`, with write batches of `batch_size` records doubling from
    there (many bulk loads, as a big harvest makes), and harvest it in this process."""
    toml = (home / "fedcat.toml").read_text().replace("batch_size = 2000", f"batch_size = {batch_size}")
    toml += f'\n[[sources]]\nname = "s"\nkind = "dcat"\nurl = "{url}"\nallow_private_network = true\n'
    (home / "fedcat.toml").write_text(toml)
    settings = load_settings(home)
    store = open_store(settings)
    try:
        report = harvest_all(settings, store, list(settings.sources))
    finally:
        store.close()
    return settings, report


def data_files(folder: Path) -> dict[int, str]:
    """The RocksDB data files (SST) in `folder`, by inode: a checkpoint links the files it shares."""
    return {p.stat().st_ino: p.name for p in folder.glob("*.sst")}
