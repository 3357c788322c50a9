"""Facets counted on the index's helper thread give the answers counting them after the hits gives."""

from __future__ import annotations

from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

import pytest

from catalogue import search as search_module
from catalogue import search_facets
from catalogue.config import load_settings
from catalogue.index import SearchIndex
from catalogue.search import SearchQuery, search
from tests.test_search import node

__all__ = ["node"]

# Words, phrases, prefixes, exclusions, a typo (the fuzzy retry), filters on one and two facets, browsing,
# every sort, a second page, and the languages: each shape of facet work the search does.
QUERIES: list[dict[str, Any]] = [
    {"text": "data"},
    {"text": "health statistics"},
    {"text": '"mental health"'},
    {"text": "consult*"},
    {"text": "-qwertzuiop"},
    {"text": "helth"},
    {"text": "", "filters": {"theme": ("HEAL",)}},
    {"text": "data", "filters": {"theme": ("HEAL", "ECON"), "format": ("csv",)}},
    {"text": "data", "filters": {"source": ("partner",)}, "sort": "title"},
    {"text": "data", "sort": "modified", "page": 2, "page_size": 5},
    {"text": "donnees", "languages": ("fr",)},
    {"text": ""},
]


def _query(spec: dict[str, Any]) -> SearchQuery:
    return SearchQuery(
        text=spec["text"],
        filters=spec.get("filters", {}),
        languages=spec.get("languages", ("en",)),
        sort=spec.get("sort", "relevance"),
        page=spec.get("page", 1),
        page_size=spec.get("page_size", 20),
    )


def _answers(index: SearchIndex, visibility: tuple[str, ...] = ("public",)) -> list[dict[str, Any]]:
    return [search(index, _query(spec), visibility=visibility).to_dict() for spec in QUERIES]


@pytest.mark.parametrize("sampled", [False, True], ids=["exact", "sampled"])
@pytest.mark.parametrize("visibility", [("public",), ("public", "restricted")], ids=["public", "all"])
def test_helper_thread_answers_equal_serial_answers(node: Path, monkeypatch, sampled, visibility) -> None:
    if sampled:  # small catalogue, small thresholds: the sampled and estimated paths run too
        monkeypatch.setattr(search_facets, "EXACT_FACETS", 10)
        monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 20)
    settings = load_settings(node)
    started: list[bool] = []
    parallel = SearchIndex(settings, check_every=3600, cache_size=0)
    beside = parallel.beside
    running: list[Future[Any]] = []

    def counted(work: Any) -> Any:
        # A search takes the passes its helper has not started and returns, the helper finishing the one it is on;
        # on a loaded machine the next search would find it still busy and do everything itself (by design), so
        # each waits for the last helper here, for every search to go through it.
        wait(running)
        future = beside(work)
        started.append(future is not None)
        if future is not None:
            running.append(future)
        return future

    monkeypatch.setattr(parallel, "beside", counted)
    serial = SearchIndex(settings, check_every=3600, cache_size=0, parallel=False)
    expected = _answers(serial, visibility)
    assert _answers(parallel, visibility) == expected
    assert sum(started) >= len(QUERIES) - 2  # only the cached browse counts skip the helper
    if sampled:
        assert any(not answer["facets_exact"] for answer in expected)


def test_a_wrong_probe_is_caught_and_the_facets_are_counted_again(node: Path, monkeypatch) -> None:
    """The helper plans its aggregations for a probed total; a plan the exact total would not make is redone."""
    monkeypatch.setattr(search_facets, "EXACT_FACETS", 10)
    monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 20)
    settings = load_settings(node)
    expected = _answers(SearchIndex(settings, check_every=3600, cache_size=0, parallel=False))
    redone: list[int] = []
    aggregate = search_module._Search._aggregate

    def recorded(*args: Any) -> Any:
        redone.append(args[-1])
        return aggregate(*args)

    for wrong in (0, 10**9):  # every plan exact, every plan the smallest sample
        redone.clear()
        monkeypatch.setattr(search_module, "probe_total", lambda *_, w=wrong: w)
        monkeypatch.setattr(search_module._Search, "_aggregate", staticmethod(recorded))
        assert _answers(SearchIndex(settings, check_every=3600, cache_size=0)) == expected
        assert any(total != wrong for total in redone), "the exact total's plan was aggregated again"


def test_a_busy_index_does_not_use_its_helper(node: Path) -> None:
    index = SearchIndex(load_settings(node), check_every=3600, cache_size=0)
    with index.searching(), index.searching():
        assert index.beside(lambda: 1) is None
    with index.searching():
        future = index.beside(lambda: 2)
        assert future is not None and future.result() == 2
    assert SearchIndex(load_settings(node), parallel=False).beside(lambda: 3) is None
