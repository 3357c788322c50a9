"""What a public snapshot may hold: never a record whose visibility is not known to be public."""

from __future__ import annotations

from pathlib import Path

from benchmarks.scale import write_pages
from catalogue.config import Settings, load_settings
from catalogue.nodehome import init_home
from catalogue.records import record_graph
from catalogue.snapshots import current, publish
from catalogue.store import OxigraphStore, open_store
from harvesters.harvest import HarvestReport, harvest_all
from tests.servers import LoopbackServer

TITLE = "<http://purl.org/dc/terms/title>"


def test_a_record_graph_a_harvest_has_not_marked_yet_is_never_published(tmp_path: Path) -> None:
    # A harvest loads a record's content before its markers (visibility among them): a crash between the two leaves
    # the content alone until the next run drops it, and any publication meanwhile must not show it.
    init_home(tmp_path / "node")
    settings = load_settings(tmp_path / "node")
    unmarked = record_graph(settings.base, "secret", "cohort")
    store = OxigraphStore(settings.store_path)
    try:
        store.bulk_load(f'<https://secret.example/cohort> {TITLE} "Secret cohort" <{unmarked}> .\n'.encode())
        publish(settings, store)
    finally:
        store.close()
    full, public = current(settings, public=False), current(settings)
    assert full is not None and public is not None
    assert unmarked in set(OxigraphStore(full, read_only=True).named_graphs())
    assert unmarked not in set(OxigraphStore(public, read_only=True).named_graphs())


def test_a_read_only_store_closes_without_flushing(tmp_path: Path) -> None:
    """Oxigraph refuses to flush a read-only store; closing one (a snapshot, `open_store(read_only=True)`) must not."""
    writable = OxigraphStore(tmp_path / "store")
    writable.bulk_load(b'<http://x/s> <http://x/p> "o" <http://x/g> .\n')
    writable.close()
    reader = OxigraphStore(tmp_path / "store", read_only=True)
    assert reader.quad_count() == 1
    reader.close()


def serve_scale_pages(server: LoopbackServer, folder: Path, records: int) -> str:
    """Serve `records` of the scale benchmark's datasets as Hydra-paged Turtle from `server`; the first page's URL."""
    folder.mkdir()
    write_pages(folder, records, server.url)
    for page in folder.iterdir():
        server.route(f"/{page.name}", page.read_bytes())
    return f"{server.url}/page-1.ttl"


def harvest_in_small_batches(home: Path, url: str, batch_size: int) -> tuple[Settings, HarvestReport]:
    """Harvest the source at `url` into the node at `home` in this process, with write batches doubling from
    `batch_size` records (many bulk loads, as a big harvest makes)."""
    toml = (home / "fedcat.toml").read_text()
    toml += f'\n[[sources]]\nname = "s"\nkind = "dcat"\nurl = "{url}"\nallow_private_network = true\n'
    (home / "fedcat.toml").write_text(toml)
    settings = load_settings(home)
    # Set on the settings, not by editing the file's default line, which would silently miss if that line changed.
    settings = settings.model_copy(update={"harvest": settings.harvest.model_copy(update={"batch_size": batch_size})})
    store = open_store(settings)
    try:
        report = harvest_all(settings, store, list(settings.sources))
    finally:
        store.close()
    return settings, report


def data_files(folder: Path) -> dict[int, str]:
    """The RocksDB data files (SST) in `folder`, by inode: a checkpoint links the files it shares."""
    return {p.stat().st_ino: p.name for p in folder.glob("*.sst")}


def test_a_harvest_snapshots_its_store_after_the_merges_so_the_snapshot_shares_its_files(
    tmp_path: Path, server: LoopbackServer
) -> None:
    """A snapshot links the store's files; files RocksDB merges away after it would stay on disk for the snapshot
    alone (10 GB at 1M records). The harvest waits for the merges of its bulk loads before publishing, so every data
    file of the full snapshot is the store's own file (the same inode)."""
    url = serve_scale_pages(server, tmp_path / "pages", 2000)
    init_home(tmp_path / "node")
    # Loads of 50 records doubling to 400: 8 loads, files enough for RocksDB to merge after the last.
    settings, report = harvest_in_small_batches(tmp_path / "node", url, 50)
    assert report.succeeded and report.runs[0].counts["new"] == 2000
    snapshot = current(settings, public=False)
    assert snapshot is not None
    in_snapshot, in_store = data_files(snapshot), data_files(settings.store_path)
    assert in_snapshot
    assert {ino: name for ino, name in in_snapshot.items() if ino not in in_store} == {}
