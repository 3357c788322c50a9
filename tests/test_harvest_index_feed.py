"""The harvest's index update, fed record by record while the store loads (catalogue/index_feed.py).

Changed records replace their documents, withdrawn ones leave, an unchanged re-harvest commits nothing (readers keep
their caches), and a harvest that dies after feeding leaves the index pending, its writer lock released, so the
next harvest rebuilds it from the store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tantivy

from catalogue.config import load_settings
from catalogue.index import current_generation, index_status
from catalogue.index_docs import QUALITY_ANY_QUERY, IndexRecord
from catalogue.index_feed import open_feed
from catalogue.index_schema import register_analyzers
from catalogue.records import dataset_id
from catalogue.store import OxigraphStore, open_store
from harvesters.duplicates import TWO_SOURCES_QUERY
from harvesters.harvest import harvest_all
from quality.terms import FQ
from tests.conftest import Cli

HEAD = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"


def _page(titles: dict[int, str]) -> str:
    return HEAD + "".join(
        f'<https://feed.example/ds/{i}> a dcat:Dataset ; dct:title "{title}"@en .\n' for i, title in titles.items()
    )


def _documents(home: Path) -> dict[str, list[str]]:
    """Titles of the committed documents, by record id (a record indexed twice shows two entries)."""
    settings = load_settings(home)
    generation = current_generation(settings)
    assert generation is not None
    index = tantivy.Index.open(str(generation))
    register_analyzers(index)
    searcher = index.searcher()
    found: dict[str, list[str]] = {}
    for _, address in searcher.search(tantivy.Query.all_query(), limit=100).hits:
        shown = json.loads(bytes(searcher.doc(address).get_first("payload")))
        found.setdefault(shown["id"], []).append(shown["title"]["en"])
    return found


def _ids(*numbers: int) -> list[str]:
    return sorted(dataset_id("feed", f"https://feed.example/ds/{i}") for i in numbers)


def _harvest_three(home: Path, tmp_path: Path, cli: Cli) -> Path:
    """Harvest a page of three records through the CLI, checking their three documents; the page's path."""
    page = tmp_path / "feed.ttl"
    page.write_text(_page({1: "First", 2: "Second", 3: "Third"}))
    cli("sources", "add", "feed", "--kind", "dcat", "--url", page.as_uri())
    assert cli("harvest").exit_code == 0
    assert sorted(_documents(home)) == _ids(1, 2, 3)
    return page


def test_changed_records_replace_their_documents_and_withdrawn_ones_leave(home, tmp_path, cli):
    page = _harvest_three(home, tmp_path, cli)
    page.write_text(_page({1: "First renamed", 2: "Second"}))
    assert cli("harvest").exit_code == 0
    documents = _documents(home)
    assert sorted(documents) == _ids(1, 2)
    assert documents[dataset_id("feed", "https://feed.example/ds/1")] == ["First renamed"]
    assert index_status(load_settings(home)) == "ok"


def test_an_unchanged_reharvest_commits_nothing(home, tmp_path, cli):
    page = tmp_path / "feed.ttl"
    page.write_text(_page({1: "First", 2: "Second"}))
    cli("sources", "add", "feed", "--kind", "dcat", "--url", page.as_uri())
    assert cli("harvest").exit_code == 0
    generation = current_generation(load_settings(home))
    assert generation is not None
    meta = (generation / "meta.json").read_bytes()
    assert cli("harvest").exit_code == 0
    assert (generation / "meta.json").read_bytes() == meta  # readers' caches stay valid
    assert current_generation(load_settings(home)) == generation
    assert index_status(load_settings(home)) == "ok"


class FailingAfterRuns(OxigraphStore):
    """A store that fails the duplicate check after the runs wrote and fed their records: a crash mid-harvest."""

    def select(self, query: str):  # type: ignore[no-untyped-def]
        if query == TWO_SOURCES_QUERY:
            raise OSError("store went away")
        return super().select(query)


def test_a_harvest_dying_after_feeding_leaves_the_index_pending_and_the_next_rebuilds(home, tmp_path, cli):
    records = 3
    page = tmp_path / "feed.ttl"
    page.write_text(_page({i: f"Dataset {i}" for i in range(1, records + 1)}))
    cli("sources", "add", "feed", "--kind", "dcat", "--url", page.as_uri())
    settings = load_settings(home)
    store = FailingAfterRuns(settings.store_path)
    try:
        with pytest.raises(OSError, match="store went away"):
            harvest_all(settings, store, list(settings.sources))
    finally:
        store.close()
    assert index_status(settings) == "pending"
    assert _documents(home) == {}  # nothing fed was committed
    store = open_store(settings)
    try:
        harvest_all(settings, store, list(settings.sources))  # the writer lock was released: this one rebuilds
    finally:
        store.close()
    assert index_status(settings) == "ok"
    assert sorted(_documents(home)) == _ids(*range(1, records + 1))


class CountingQualityChecks(OxigraphStore):
    """Counts the feed's "any quality graph at all?" checks."""

    checks = 0

    def select(self, query: str):  # type: ignore[no-untyped-def]
        if query == QUALITY_ANY_QUERY:
            self.checks += 1
        return super().select(query)


def test_the_feed_asks_for_quality_graphs_once_when_there_are_none(home, tmp_path, cli):
    page = tmp_path / "feed.ttl"
    page.write_text(_page({1: "One"}))
    cli("sources", "add", "feed", "--kind", "dcat", "--url", page.as_uri())
    assert cli("harvest").exit_code == 0  # the index exists: the next harvest feeds it
    settings = load_settings(home)
    graph = "https://example.test/graph/quality/1"
    for quality, checks in ((False, 1), (True, 3)):
        store = CountingQualityChecks(settings.store_path)
        if quality:  # a quality graph about some record: every chunk reads its records' values
            store.bulk_load(f"<{graph}> <{FQ.ofRecord.value}> <https://example.test/r> <{graph}> .\n".encode())
        feed = open_feed(settings, store)
        assert feed is not None
        try:
            for n in range(3):
                feed.add([IndexRecord(graph=f"https://example.test/graph/record/{n}")])
            assert store.checks == checks
        finally:
            feed.close()
            store.close()
