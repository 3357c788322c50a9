"""What a public snapshot may hold: never a record whose visibility is not known to be public."""

from __future__ import annotations

from pathlib import Path

from catalogue.config import load_settings
from catalogue.nodehome import init_home
from catalogue.records import record_graph
from catalogue.snapshots import current, publish
from catalogue.store import OxigraphStore

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
