"""The catalogue's Hydra pages read only their own records, from a dataset list kept per store version."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.export import catalogue_page
from catalogue.public_datasets import PublicDatasets, public_dataset_iris
from catalogue.snapshots import SnapshotStore
from catalogue.store import open_store
from tests.test_service import catalogue_ttl, harvest_catalogue

pytestmark = pytest.mark.store_backends(
    oxigraph_only={"test_pages_read_the_list_once_per_snapshot": "snapshots are the embedded store's"}
)
DCAT_DATASET = "http://www.w3.org/ns/dcat#dataset"
HYDRA_TOTAL = "http://www.w3.org/ns/hydra/core#totalItems"


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def harvested(cli, home, tmp_path):
    return harvest_catalogue(cli, tmp_path)


def listed(triples: list[ox.Triple]) -> list[str]:
    return sorted(t.object.value for t in triples if t.predicate.value == DCAT_DATASET)


def total(triples: list[ox.Triple]) -> int:
    return int(next(t.object.value for t in triples if t.predicate.value == HYDRA_TOTAL))


def test_a_page_holds_its_slice_of_the_sorted_datasets(harvested, home):
    settings = load_settings(home)
    store = open_store(settings)
    try:
        iris = public_dataset_iris(store)
        assert iris == sorted(f"https://data.example.lu/ds/{i:03d}" for i in range(25))
        datasets = PublicDatasets()
        pages = [catalogue_page(settings, store, p, 10, "http://x/catalog.ttl", datasets) for p in (1, 2, 3)]
        assert [listed(p) for p in pages] == [iris[:10], iris[10:20], iris[20:]]
        assert {total(p) for p in pages} == {25}
        # Each page carries its own datasets' descriptions and no other's.
        titled = {t.subject.value for t in pages[1] if t.predicate.value == "http://purl.org/dc/terms/title"}
        assert titled == {*iris[10:20], f"{settings.base}/catalog"}
        assert datasets.reads == 1
    finally:
        store.close()


def test_a_remote_or_live_store_list_is_read_again_after_its_ttl(harvested, home):
    settings = load_settings(home)
    store = open_store(settings)
    clock = Clock()
    datasets = PublicDatasets(ttl=60, clock=clock, patience=0)  # as when the list takes longer to read than that
    try:
        first = catalogue_page(settings, store, 1, 100, "http://x/catalog.ttl", datasets)
        gone = "https://data.example.lu/ds/003"
        graph = next(
            row["g"].value
            for row in store.select(
                f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g <http://xmlns.com/foaf/0.1/primaryTopic> <{gone}> }} }}"
            )
        )
        store.drop_graphs([graph])
        clock.now += 30
        stale = catalogue_page(settings, store, 1, 100, "http://x/catalog.ttl", datasets)
        # The list is kept, but a dataset gone since is left out of the page, not listed without a description.
        assert datasets.reads == 1 and total(stale) == 25
        assert gone in listed(first) and gone not in listed(stale) and len(listed(stale)) == 24
        assert not [t for t in stale if t.subject.value == gone]
        clock.now += 31
        # Past the ttl the page still slices the list held, and the list is read again in the background.
        expired = catalogue_page(settings, store, 1, 100, "http://x/catalog.ttl", datasets)
        assert total(expired) == 25
        datasets.wait()
        fresh = catalogue_page(settings, store, 1, 100, "http://x/catalog.ttl", datasets)
        assert datasets.reads == 2 and total(fresh) == 24 and listed(fresh) == listed(stale)
    finally:
        store.close()


def test_pages_read_the_list_once_per_snapshot(harvested, home, cli):
    with TestClient(create_app(load_settings(home))) as client:
        client.app.state.store.check_every = 0
        datasets = client.app.state.public_datasets
        # The server reads the list as it starts; the first page takes that list instead of reading another.
        bodies = [client.get(f"/catalog.nt?page={p}&page_size=10").text for p in (1, 2, 3)]
        assert datasets.reads == 1
        assert all('"25"^^<http://www.w3.org/2001/XMLSchema#integer>' in body for body in bodies)
        harvested.write_text(catalogue_ttl(30))
        assert cli("harvest").exit_code == 0
        time.sleep(0.01)
        # A newer snapshot: its list is read on the background thread, which the page waits for (a small node).
        after = client.get("/catalog.nt?page=3&page_size=10").text
        assert datasets.reads == 2
        assert '"30"^^<http://www.w3.org/2001/XMLSchema#integer>' in after and "ds/029" in after


def test_the_server_reads_the_list_as_it_starts(harvested, home):
    with TestClient(create_app(load_settings(home))) as client:
        datasets = client.app.state.public_datasets
        datasets.wait()
        assert datasets.reads == 1  # no page asked for it


class FailingStore:
    """A real store whose dataset-list reads fail once `failing` is set (a remote store gone away)."""

    def __init__(self, store):
        self.store, self.failing = store, False

    def select_text(self, query):
        if self.failing:
            raise ConnectionError("the store went away")
        return self.store.select_text(query)


def test_a_failed_background_read_keeps_the_list_held(harvested, home, caplog):
    settings = load_settings(home)
    store = open_store(settings)
    clock = Clock()
    datasets = PublicDatasets(ttl=60, clock=clock)
    flaky = FailingStore(store)
    try:
        first = datasets.get(flaky)
        flaky.failing = True
        clock.now += 61
        assert datasets.get(flaky) == first  # the held list, once the read failed in the background
        assert "reading the public dataset list failed" in caplog.text
        assert datasets.get(flaky) == first and datasets.reads == 1  # a new read started, the list kept
        datasets.wait()
        flaky.failing = False
        datasets.get(flaky)
        datasets.wait()
        assert datasets.reads == 2
    finally:
        store.close()


@pytest.mark.oxigraph_only("snapshots are the embedded store's")
def test_the_public_snapshot_lists_the_same_public_datasets(cli, home, tmp_path):
    """On a public snapshot the list is read without the visibility marker: it must be the same list."""
    secret = tmp_path / "secret.ttl"
    secret.write_text(catalogue_ttl(3).replace("data.example.lu", "secret.example.lu"))
    public = tmp_path / "public.ttl"
    public.write_text(catalogue_ttl(4))
    assert cli("sources", "add", "secret", "--kind", "dcat", "--url", secret.as_uri(), "--restricted").exit_code == 0
    assert cli("sources", "add", "open", "--kind", "dcat", "--url", public.as_uri()).exit_code == 0
    assert cli("harvest").exit_code == 0
    settings = load_settings(home)
    snapshot, full = SnapshotStore(settings, public=True), SnapshotStore(settings, public=False)
    store = open_store(settings, read_only=True)
    try:
        expected = [f"https://data.example.lu/ds/{i:03d}" for i in range(4)]
        assert public_dataset_iris(store) == expected  # the whole store, filtered by the marker
        assert public_dataset_iris(full) == expected  # every record in it, filtered by the marker
        assert public_dataset_iris(snapshot) == expected  # only public records in it: the marker is not read
    finally:
        store.close()
