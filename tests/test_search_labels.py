"""Publisher names are read ahead once per commit, for the records the caller may see, and change no answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tantivy import Query

from catalogue import search as search_module
from catalogue.config import load_settings
from catalogue.index import SearchIndex
from catalogue.index_docs import read_payload
from catalogue.search import SearchQuery, read_labels_ahead, search
from tests.test_search import node

__all__ = ["node"]

SECRET_PUBLISHER = "https://secret.example.lu/org/x"  # publishes only restricted records (tests/test_search.py)


def _publishers(index: SearchIndex, visibility: str) -> dict[str, dict[str, str]]:
    """Every publisher of the records of `visibility`, with its names, read from every document's payload."""
    searcher = index.index.searcher()
    found: dict[str, dict[str, str]] = {}
    for _, address in searcher.search(Query.all_query(), searcher.num_docs, count=False).hits:
        data = read_payload(searcher.doc(address).get_first("payload"))
        if data["visibility"] == visibility and data["publisher"]["iri"]:
            found.setdefault(data["publisher"]["iri"], data["publisher"]["names"])
    return found


def _read_ahead(index: SearchIndex) -> dict[str, dict[str, str]]:
    return {key[2]: json.loads(value) for key, value in index.labels.items() if key[:2] == ("names", "publisher")}


def test_the_first_search_reads_every_visible_publishers_names_once(node: Path) -> None:
    index = SearchIndex(load_settings(node), check_every=3600, cache_size=0)
    search(index, SearchQuery(text="data"))
    first = index.warming
    assert first is not None
    first.join(timeout=30)
    public = _publishers(index, "public")
    assert len(public) >= 5
    read = _read_ahead(index)
    assert set(read) == set(public)  # all of them, and no publisher of restricted records only
    assert SECRET_PUBLISHER not in read and SECRET_PUBLISHER in _publishers(index, "restricted")
    assert all(read[iri] for iri in public if public[iri])  # names, not empty placeholders
    search(index, SearchQuery(text="statistics"))
    assert index.warming is first  # once per commit, not per search


def test_searches_without_facets_or_with_the_helper_off_read_nothing_ahead(node: Path) -> None:
    index = SearchIndex(load_settings(node), check_every=3600, cache_size=0)
    search(index, SearchQuery(text="data", facets=False))
    assert index.warming is None
    serial = SearchIndex(load_settings(node), check_every=3600, cache_size=0, parallel=False)
    search(serial, SearchQuery(text="data"))
    assert serial.warming is None


def test_read_ahead_labels_give_the_answers_labels_read_when_met_give(node: Path) -> None:
    settings = load_settings(node)
    ahead = SearchIndex(settings, check_every=3600, cache_size=0, parallel=False)
    assert read_labels_ahead(ahead) == len(_publishers(ahead, "public"))
    lazy = SearchIndex(settings, check_every=3600, cache_size=0, parallel=False)
    for text in ("data", "", "statistics", "mobility"):
        for lang in ("en", "fr", "de", "lb"):
            query = SearchQuery(text=text, languages=(lang,))
            assert search(ahead, query).to_dict() == search(lazy, query).to_dict()


def test_a_newer_commit_stops_the_read_ahead(node: Path, monkeypatch) -> None:
    index = SearchIndex(load_settings(node), check_every=3600, cache_size=0, parallel=False)
    index.index  # noqa: B018 - loads the commit
    first = index.labels
    names = search_module._Search.names_from_records

    def then_a_commit(self: Any, *args: Any) -> Any:
        found = names(self, *args)
        index.labels = {}  # what loading a newer commit does to the caches
        return found

    monkeypatch.setattr(search_module._Search, "names_from_records", then_a_commit)
    read_labels_ahead(index)
    assert len([key for key in first if key[0] == "names"]) == 1  # read for the old commit, then stopped
    assert index.labels == {}  # nothing of the old commit's in the new one's cache
