"""`fedcat data add`: hosted files are copied in, hashed, described in their own graph; bad input changes nothing.

The `quality_node` fixtures here are shared by the other quality tests: a demo node (60 home datasets, public;
20 partner packages, harvested as a restricted source) with the demo's hosted files at hand.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import Settings, load_settings
from catalogue.nodehome import init_home
from catalogue.records import dataset_id
from catalogue.search import SearchQuery, search
from catalogue.snapshots import current
from catalogue.store import OxigraphStore
from demo.generate import generate
from demo.model import DemoManifest
from quality.terms import hosted_distribution, hosted_graph
from tests.conftest import Cli

ADMISSIONS = "https://data.demo.lu/dataset/hospital-admissions-2018"  # row-level, patient ids, has a CSV too
EMERGENCY = "https://data.demo.lu/dataset/emergency-department-visits-by-diagnosis-2021-2023"  # aggregate-only
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"


@dataclass
class Node:
    """A harvested demo node for one test, with its CLI and the demo files."""

    home: Path
    demo: Path
    manifest: DemoManifest
    cli: Cli

    @property
    def settings(self) -> Settings:
        return load_settings(self.home)

    def file(self, iri: str, suffix: str = ".parquet") -> Path:
        """A hosted file of the demo for dataset `iri`."""
        entry = self.manifest.hosted[iri]
        return self.demo / next(f for f in entry.files if f.endswith(suffix))

    def store(self) -> OxigraphStore:
        """The node's full store (close it before the next CLI call)."""
        return OxigraphStore(self.settings.store_path)

    def public_snapshot(self) -> OxigraphStore:
        """The current public snapshot, read-only (not closed: closing flushes, which read-only refuses)."""
        path = current(self.settings)
        assert path is not None
        return OxigraphStore(path, read_only=True)

    def partner_id(self) -> str:
        """The id of some record of the restricted partner source."""
        store = self.store()
        try:
            rows = store.select(
                'SELECT ?id WHERE { GRAPH ?g { ?g <https://w3id.org/fedcat/ns#source> "partner" ; '
                "<https://w3id.org/fedcat/ns#datasetId> ?id } } LIMIT 1"
            )
        finally:
            store.close()
        return rows[0]["id"].value

    def search(self, *queries: dict[str, Any]) -> list[dict[str, Any]]:
        """`GET /api/datasets` answers, as an anonymous caller of a freshly started web process sees them."""
        with TestClient(create_app(self.settings)) as client:
            answers = [client.get("/api/datasets", params={"page_size": 100, **q}) for q in queries]
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        return [a.json() for a in answers]


def facet(body: dict[str, Any], name: str) -> dict[str, int]:
    """A facet's counts by value."""
    return {v["value"]: v["count"] for v in body["facets"][name]}


def hit_ids(body: dict[str, Any]) -> set[str]:
    """The ids of an answer's hits."""
    return {item["id"] for item in body["items"]}


def home_id(iri: str) -> str:
    """The node's id for a home catalogue dataset."""
    return dataset_id("home", iri)


@pytest.fixture(scope="session")
def quality_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DemoManifest]:
    root = tmp_path_factory.mktemp("quality-node")
    manifest = generate(root / "demo", datasets=60, partner_datasets=20)
    home = root / "node"
    init_home(home)
    cli = Cli(home)
    assert (
        cli("sources", "add", "home", "--kind", "dcat", "--url", (root / "demo" / manifest.catalog).as_uri()).exit_code
        == 0
    )
    partner = (root / "demo" / manifest.partner_dump).as_uri()
    assert cli("sources", "add", "partner", "--kind", "ckan", "--url", partner, "--restricted").exit_code == 0
    cli("harvest")  # the partner dump has two broken packages on purpose
    return home, root / "demo", manifest


@pytest.fixture
def quality_node(quality_template: tuple[Path, Path, DemoManifest], tmp_path: Path) -> Node:
    home, demo, manifest = quality_template
    copy = tmp_path / "node"
    shutil.copytree(home, copy)
    return Node(copy, demo, manifest, Cli(copy))


def graph_objects(store: OxigraphStore, graph: str, predicate: str) -> list[str]:
    return [t.object.value for t in store.graph_triples(graph) if t.predicate.value == predicate]  # type: ignore[union-attr]


def test_add_copies_hashes_and_describes_the_file(quality_node: Node) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    source = node.file(ADMISSIONS)
    result = node.cli("data", "add", ident, str(source), "--no-validate")
    assert result.exit_code == 0, result.output
    copy = node.settings.data_path / ident / "data.parquet"
    assert copy.read_bytes() == source.read_bytes()
    manifest = json.loads((node.settings.data_path / ident / "hosted.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert manifest["byte_size"] == source.stat().st_size
    assert manifest["access_mode"] == "row-level" and manifest["rows"] == node.manifest.hosted[ADMISSIONS].rows
    store = node.store()
    try:
        graph = hosted_graph(node.settings.base, ident)
        dist = hosted_distribution(node.settings.base, ident)
        assert graph_objects(store, graph, DCAT + "distribution") == [dist]
        assert graph_objects(store, graph, DCAT + "byteSize") == [str(source.stat().st_size)]
        assert graph_objects(store, graph, SPDX + "checksumValue") == [manifest["sha256"]]
        assert graph_objects(store, graph, "https://w3id.org/fedcat/ns#accessMode") == ["row-level"]
        assert graph_objects(store, graph, "https://w3id.org/fedcat/ns#hostedData") == ["true"]
        assert graph_objects(store, graph, "https://w3id.org/fedcat/ns#visibility") == ["public"]
        assert not graph_objects(store, graph, DCAT + "downloadURL"), "hosted data are reached by request only"
    finally:
        store.close()


def test_csv_and_aggregate_only(quality_node: Node) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    result = node.cli(
        "data", "add", ident, str(node.file(ADMISSIONS, ".csv")), "--access", "aggregate-only", "--no-validate"
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((node.settings.data_path / ident / "hosted.json").read_text())
    assert (manifest["kind"], manifest["file"], manifest["access_mode"]) == ("csv", "data.csv", "aggregate-only")
    listing = node.cli("data", "list")
    assert ident[:8] in listing.output and "aggregate-only" in listing.output


def test_adding_the_same_file_again_changes_nothing(quality_node: Node) -> None:
    node, ident = quality_node, home_id(EMERGENCY)
    source = str(node.file(EMERGENCY))
    first = node.cli("data", "add", ident, source, "--access", "aggregate-only")
    assert first.exit_code == 0, first.output
    runs = sorted((node.settings.home / "quality" / "results" / ident).glob("run-*.json"))
    assert len(runs) == 1
    again = node.cli("data", "add", ident, source, "--access", "aggregate-only")
    assert again.exit_code == 0 and "unchanged" in again.output
    assert sorted((node.settings.home / "quality" / "results" / ident).glob("run-*.json")) == runs


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
        ("data.json", b'{"patients": [1, 2, 3]}'),
        ("fake.parquet", b"this is not parquet at all"),
        ("broken.parquet", b"PAR1 truncated"),
        ("binary.csv", b"a,b\n1,\x00\x01\x02\n"),
    ],
)
def test_a_file_that_is_not_parquet_or_csv_is_refused_and_nothing_changes(
    quality_node: Node, tmp_path: Path, name: str, content: bytes
) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    before = (node.settings.data_path / ident / "hosted.json").read_text()
    bad = tmp_path / name
    bad.write_bytes(content)
    result = node.cli("data", "add", ident, str(bad))
    assert result.exit_code == 2
    assert "unreadable-data" in result.output
    assert (node.settings.data_path / ident / "hosted.json").read_text() == before
    assert sorted(p.name for p in (node.settings.data_path / ident).iterdir()) == ["data.parquet", "hosted.json"]


def test_missing_file_and_unknown_dataset_are_clear_errors(quality_node: Node, tmp_path: Path) -> None:
    node = quality_node
    missing = node.cli("data", "add", home_id(ADMISSIONS), str(tmp_path / "nope.parquet"))
    assert missing.exit_code == 2 and "no file at" in missing.output
    unknown = node.cli("data", "add", "0000000000000000", str(node.file(ADMISSIONS)))
    assert unknown.exit_code == 2 and "no dataset with id" in unknown.output
    odd = node.cli("data", "add", "../../etc", str(node.file(ADMISSIONS)))
    assert odd.exit_code == 2
    assert not any(node.settings.data_path.iterdir())


def test_a_file_replaced_in_place_is_noticed_by_validate(quality_node: Node) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS))).exit_code == 0
    copy = node.settings.data_path / ident / "data.parquet"
    other = node.file(EMERGENCY)  # same kind of table, other rows
    shutil.copyfile(other, copy)
    result = node.cli("quality", "validate", ident)
    assert result.exit_code == 0, result.output
    manifest = json.loads((node.settings.data_path / ident / "hosted.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(other.read_bytes()).hexdigest()
    store = node.store()
    try:
        graph = hosted_graph(node.settings.base, ident)
        assert graph_objects(store, graph, DCAT + "byteSize") == [str(other.stat().st_size)]
    finally:
        store.close()
    assert len(list((node.settings.home / "quality" / "results" / ident).glob("run-*.json"))) == 2


def test_restricted_records_keep_their_hosted_data_out_of_the_public_snapshot(quality_node: Node) -> None:
    node = quality_node
    ident = node.partner_id()
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    store = node.store()
    try:
        graph = hosted_graph(node.settings.base, ident)
        assert graph_objects(store, graph, "https://w3id.org/fedcat/ns#visibility") == ["restricted"]
    finally:
        store.close()
    assert not node.public_snapshot().graph_triples(graph)


def test_quality_graphs_of_a_withdrawn_or_restricted_record_leave_the_public_snapshot(quality_node: Node) -> None:
    """The snapshot rule keys on the record's visibility now, not on what the quality graph says."""
    from catalogue.snapshots import publish

    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    graph = hosted_graph(node.settings.base, ident)
    store = node.store()
    try:
        record = next(
            r["g"].value
            for r in store.select(
                f'SELECT ?g WHERE {{ GRAPH ?g {{ ?g <https://w3id.org/fedcat/ns#datasetId> "{ident}" }} }}'
            )
        )
        marker = ox.Quad(
            ox.NamedNode(record),
            ox.NamedNode("https://w3id.org/fedcat/ns#visibility"),
            ox.Literal("public"),
            ox.NamedNode(record),
        )
        store.raw.remove(marker)  # as a harvest that turned the record restricted would leave it
        store.raw.add(ox.Quad(marker.subject, marker.predicate, ox.Literal("restricted"), marker.graph_name))
        publish(node.settings, store)
    finally:
        store.close()
    assert not node.public_snapshot().graph_triples(graph)


def test_remove_drops_the_file_and_its_graphs(quality_node: Node) -> None:
    node, ident = quality_node, home_id(ADMISSIONS)
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    assert node.cli("data", "remove", ident).exit_code == 0
    assert not (node.settings.data_path / ident).exists()
    store = node.store()
    try:
        assert not store.graph_triples(hosted_graph(node.settings.base, ident))
    finally:
        store.close()
    assert node.cli("data", "remove", ident).exit_code == 2


def test_help_everywhere(quality_node: Node) -> None:
    for command in (
        ["data", "add"],
        ["data", "list"],
        ["data", "remove"],
        ["quality", "profile"],
        ["quality", "validate"],
        ["quality", "score"],
        ["quality", "suite", "show"],
    ):
        result = quality_node.cli(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_the_hosted_data_facet_follows_add_profile_and_remove(quality_node: Node) -> None:
    """Attaching data re-indexes the dataset (facet "hosted": yes); profiling keeps it; removing turns it back."""
    node, ident = quality_node, home_id(ADMISSIONS)
    (before,) = node.search({})
    assert facet(before, "hosted") == {"no": before["total"]}
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS)), "--no-validate").exit_code == 0
    profiled = node.cli("quality", "profile", ident)
    assert profiled.exit_code == 0, profiled.output
    both, hosted = node.search({}, {"hosted": "yes"})
    assert facet(both, "hosted") == {"yes": 1, "no": before["total"] - 1}
    assert hit_ids(hosted) == {ident} and hosted["items"][0]["hosted"] is True
    assert node.cli("data", "add", ident, str(node.file(ADMISSIONS, ".csv"))).exit_code == 0  # a new file: still 1
    (again,) = node.search({"hosted": "yes"})
    assert hit_ids(again) == {ident}
    # A restricted record gets its facet too, which only callers allowed to see it can count.
    partner = node.partner_id()
    assert node.cli("data", "add", partner, str(node.file(EMERGENCY)), "--no-validate").exit_code == 0
    assert node.cli("data", "remove", ident).exit_code == 0
    (after,) = node.search({})
    assert facet(after, "hosted") == {"no": before["total"]}
    inside = search(node.settings, SearchQuery(filters={"hosted": ("yes",)}), visibility=("public", "restricted"))
    assert [item["id"] for item in inside.items] == [partner]
