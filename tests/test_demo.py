"""The demo node generator: deterministic, fast, and every advertised defect/duplicate really there."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pyoxigraph as ox
import pytest

from demo.generate import generate
from demo.model import DemoManifest

ROOT = Path(__file__).resolve().parents[1]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
EU = "http://publications.europa.eu/resource/authority/"
PACKAGE_KEYS = {
    "id",
    "name",
    "title",
    "notes",
    "tags",
    "organization",
    "license_id",
    "license_title",
    "metadata_created",
    "metadata_modified",
    "url",
    "author",
    "maintainer_email",
    "extras",
    "resources",
    "private",
    "state",
    "type",
}
RESOURCE_KEYS = {"id", "name", "format", "mimetype", "url", "size", "created", "last_modified", "package_id"}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest, float]:
    out = tmp_path_factory.mktemp("demo") / "node"
    started = time.perf_counter()
    manifest = generate(out)
    return out, manifest, time.perf_counter() - started


@pytest.fixture(scope="module")
def graph(node: tuple[Path, DemoManifest, float]) -> dict[str, dict[str, list[ox.Literal | ox.NamedNode]]]:
    """subject -> predicate -> objects, from the parsed Turtle."""
    out, manifest, _ = node
    subjects: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for quad in ox.parse(path=str(out / manifest.catalog), format=ox.RdfFormat.TURTLE):
        subjects[str(quad.subject.value)][quad.predicate.value].append(quad.object)
    return subjects


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _packages(out: Path, manifest: DemoManifest) -> list[dict[str, Any]]:
    lines = (out / manifest.partner_dump).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_same_seed_gives_byte_identical_files_across_processes(
    node: tuple[Path, DemoManifest, float], tmp_path: Path
) -> None:
    out, _, _ = node
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    run = subprocess.run(
        [sys.executable, "-m", "demo", str(again)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "300 datasets" in run.stdout
    first, second = _hashes(out), _hashes(again)
    assert len(first) > 15
    assert first == second


def test_other_seed_gives_other_node(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", datasets=30, partner_datasets=15, seed=1)
    b = generate(tmp_path / "b", datasets=30, partner_datasets=15, seed=2)
    assert [d.iri for d in a.datasets] != [d.iri for d in b.datasets]
    c = generate(tmp_path / "c", datasets=30, partner_datasets=40, seed=1)  # partner size leaves home alone
    assert (tmp_path / "a/home/catalog.ttl").read_bytes() == (tmp_path / "c/home/catalog.ttl").read_bytes()
    assert [d.iri for d in a.datasets] == [d.iri for d in c.datasets]


def test_manifest_counts_and_round_trip(node: tuple[Path, DemoManifest, float]) -> None:
    out, manifest, _ = node
    assert DemoManifest.load(out / "manifest.json") == manifest
    assert len(manifest.datasets) == 300
    assert len({d.iri for d in manifest.datasets}) == 300
    assert len(set(manifest.publishers)) >= 6
    assert sum("lb" in d.languages for d in manifest.datasets) >= 60
    assert {d.theme for d in manifest.datasets} >= {"HEAL", "TRAN", "ENER", "ECON", "TECH", "GOVE"}
    assert Counter(d.access_rights for d in manifest.datasets).keys() == {
        "PUBLIC",
        "RESTRICTED",
        "NON_PUBLIC",
    }
    assert 2 <= sum(bool(d.defects) for d in manifest.datasets) <= 3
    assert 15 <= sum(bool(d.messy) for d in manifest.datasets) <= 50
    assert len(manifest.duplicates) == 10
    assert 1 <= len(manifest.broken) <= 2


def test_catalog_parses_and_every_dataset_is_trilingual(
    node: tuple[Path, DemoManifest, float], graph: dict[str, dict[str, list[Any]]]
) -> None:
    _, manifest, _ = node
    datasets = [s for s, po in graph.items() if ox.NamedNode(DCAT + "Dataset") in po[RDF_TYPE]]
    assert sorted(datasets) == sorted(d.iri for d in manifest.datasets)
    catalog = graph[manifest.catalog_iri]
    assert {t.language for t in catalog[DCT + "title"]} == {"en", "fr", "de"}
    assert len(catalog[DCAT + "dataset"]) == 300
    titles: set[str] = set()
    languages: Counter[str] = Counter()
    for iri in datasets:
        props = graph[iri]
        langs = {t.language for t in props[DCT + "title"]}
        assert {"en", "fr", "de"} <= langs, iri
        languages.update(langs)
        titles.add(next(t.value for t in props[DCT + "title"] if t.language == "en"))
        assert 1 <= len(props[DCAT + "distribution"]) <= 5
        assert props[DCT + "publisher"] and props[DCAT + "contactPoint"] and props[DCAT + "landingPage"]
        assert all(k.language for k in props[DCAT + "keyword"])
        assert props[DCT + "accessRights"][0].value.startswith(EU + "access-right/")
    assert languages["lb"] >= 60
    assert len(titles) == 300
    text = " ".join(titles).lower()
    assert "lorem" not in text and "ipsum" not in text


def test_publishers_are_named_agents(
    node: tuple[Path, DemoManifest, float], graph: dict[str, dict[str, list[Any]]]
) -> None:
    _, manifest, _ = node
    for iri in manifest.publishers:
        types = {t.value for t in graph[iri][RDF_TYPE]}
        assert {FOAF + "Agent", FOAF + "Organization"} <= types
        assert graph[iri][FOAF + "name"] and graph[iri][DCT + "type"]


def test_defects_and_messy_values_are_really_in_the_turtle(
    node: tuple[Path, DemoManifest, float], graph: dict[str, dict[str, list[Any]]]
) -> None:
    _, manifest, _ = node
    for entry in manifest.datasets:
        props = graph[entry.iri]
        dists = [graph[d.value] for d in props[DCAT + "distribution"]]
        licences = [lic.value for d in dists for lic in d.get(DCT + "license", [])]
        formats = [f for d in dists for f in d[DCT + "format"]]
        assert bool(props.get(DCT + "description")) == ("no-description" not in entry.defects)
        if "no-licence" in entry.defects:
            assert licences == []
        if "format-literal" in entry.messy:
            assert any(isinstance(f, ox.Literal) for f in formats)
        if "licence-url" in entry.messy:
            assert any("creativecommons.org" in lic or "opendatacommons.org" in lic for lic in licences)
        if not entry.messy and not entry.defects:
            assert all(isinstance(f, ox.NamedNode) and f.value.startswith(EU + "file-type/") for f in formats)
            assert licences and all(lic.startswith(EU + "licence/") for lic in licences)


def test_partner_dump_is_ckan_package_dicts(node: tuple[Path, DemoManifest, float]) -> None:
    out, manifest, _ = node
    packages = _packages(out, manifest)
    assert len(packages) == 120
    broken_lines = {b.line: b for b in manifest.broken}
    assert len({p["id"] for p in packages}) == 120 and len({p["name"] for p in packages}) == 120
    for line, pkg in enumerate(packages, 1):
        if line in broken_lines:
            assert not pkg.get("title") and pkg["id"] == broken_lines[line].package_id
            continue
        assert pkg.keys() >= PACKAGE_KEYS, line
        assert pkg["title"] and pkg["type"] == "dataset" and pkg["state"] == "active" and pkg["private"] is False
        assert {"name", "title"} <= pkg["organization"].keys()
        assert all(set(t) >= {"name"} for t in pkg["tags"])
        assert all(set(e) == {"key", "value"} and isinstance(e["value"], str) for e in pkg["extras"])
        assert pkg["resources"] and all(r.keys() >= RESOURCE_KEYS for r in pkg["resources"])
        assert pkg["num_resources"] == len(pkg["resources"])


def test_duplicates_share_landing_page_identifier_or_download_url(
    node: tuple[Path, DemoManifest, float],
) -> None:
    out, manifest, _ = node
    packages = _packages(out, manifest)
    home = {d.iri: d for d in manifest.datasets}
    assert {d.match for d in manifest.duplicates} == {"landing_page", "identifier", "download_url"}
    for dup in manifest.duplicates:
        pkg, ds = packages[dup.line - 1], home[dup.dataset]
        assert (pkg["id"], pkg["name"]) == (dup.package_id, dup.package_name)
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        if dup.match == "landing_page":
            assert pkg["url"] == ds.landing_page == dup.value
        elif dup.match == "identifier":
            assert extras["identifier"] == ds.identifier == dup.value
        else:
            assert dup.value in ds.download_urls
            assert dup.value in {r["url"] for r in pkg["resources"]}


def test_hosted_files_are_readable_and_as_advertised(node: tuple[Path, DemoManifest, float]) -> None:
    out, manifest, _ = node
    assert 12 <= len(manifest.hosted) <= 15
    assert {h.access_mode for h in manifest.hosted.values()} == {"row-level", "aggregate-only"}
    themes = {d.iri: d.theme for d in manifest.datasets}
    assert {themes[iri] for iri in manifest.hosted} == {"HEAL", "TRAN", "ENER", "ECON"}
    assert any(f.endswith(".csv") for h in manifest.hosted.values() for f in h.files)
    con = duckdb.connect()
    for entry in manifest.hosted.values():
        for rel in entry.files:
            path = out / rel
            assert path.is_file()
            reader = "read_parquet" if rel.endswith(".parquet") else "read_csv_auto"
            relation = con.sql(f"SELECT * FROM {reader}('{path}')")
            assert relation.columns == entry.columns
            assert con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchall()[0][0] == entry.rows
        assert 2_000 <= entry.rows <= 20_000


def test_health_files_have_small_groups_for_disclosure_control(
    node: tuple[Path, DemoManifest, float],
) -> None:
    out, manifest, _ = node
    admissions = [h for h in manifest.hosted.values() if h.kind == "admissions"]
    assert admissions
    path = out / admissions[0].path
    small = duckdb.connect().execute(
        f"SELECT count(*) FROM (SELECT canton, diagnosis_icd10, count(*) AS n FROM read_parquet('{path}') "
        "GROUP BY ALL HAVING n < 10)"
    )
    assert small.fetchall()[0][0] > 0
    nulls = duckdb.connect().execute(f"SELECT count(*) - count(national_id) FROM read_parquet('{path}')")
    assert nulls.fetchall()[0][0] > 0


def test_cli_help_and_failure(tmp_path: Path) -> None:
    help_run = subprocess.run([sys.executable, "-m", "demo", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert help_run.returncode == 0 and "--partner-datasets" in help_run.stdout
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    failed = subprocess.run([sys.executable, "-m", "demo", str(blocker)], cwd=ROOT, capture_output=True, text=True)
    assert failed.returncode != 0 and "error" in failed.stderr


def test_the_readme_demo_command_builds_a_node(tmp_path: Path) -> None:
    """`make demo` is one of the two commands: its build step must run as written in the Makefile."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    home = tmp_path / "node"
    done = subprocess.run(
        ["make", "-C", str(root), "demo-build", f"HOME_DIR={home}", "DEMO_ARGS=--datasets 12 --partner-datasets 4"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    reports = list((home / "runs").glob("harvest-*.json"))
    assert reports and json.loads(reports[0].read_text())["runs"]
    assert (home / "fedcat.toml").is_file()
