"""Restricted data never leak through quality results.

Two hosted health files with patient ids, national ids and birth dates (one row-level, one aggregate-only,
both on public records) and one on a restricted record are profiled, validated and scored; then every public
output is searched for the files' identifying values: the DCAT-AP export (CLI and HTTP, every format), the
quality API, the dataset API and RDF, the SPARQL endpoint and the whole public snapshot.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from demo.model import DemoManifest
from quality.terms import data_quality_graph, hosted_graph
from tests.conftest import Cli
from tests.test_quality_hosted import ADMISSIONS, EMERGENCY, Node, home_id, quality_template

__all__ = ["quality_template"]


PATIENT, DIGITS, DATE = re.compile(r"LU-P-\d{6}"), re.compile(r"\d{13,}"), re.compile(r"\d{4}-\d{2}-\d{2}")


def candidates(text: str) -> set[str]:
    """Every substring of `text` shaped like a secret (patient id, 13-digit national id, ISO date): searching
    15,000 values one by one through megabytes of output would take minutes, this takes a second."""
    found = {m.group() for m in PATIENT.finditer(text)} | {m.group() for m in DATE.finditer(text)}
    for m in DIGITS.finditer(text):
        run = m.group()
        found |= {run[i : i + 13] for i in range(len(run) - 12)}
    return found


def secrets_of(path: Path) -> set[str]:
    """Identifying values of a health file: patient and national ids, and birth dates before 2000 (later ones
    could coincide with dates of the catalogue's own metadata)."""
    table = pq.read_table(path).to_pydict()
    found = {v for v in table["patient_id"] if v} | {v for v in table.get("national_id", []) if v}
    found |= {d.isoformat() for d in table["date_of_birth"] if d is not None and d.year < 2000}
    return found


@pytest.fixture(scope="module")
def leaky(quality_template: tuple[Path, Path, DemoManifest], tmp_path_factory: pytest.TempPathFactory) -> Node:
    home, demo, manifest = quality_template
    copy = tmp_path_factory.mktemp("quality-leak") / "node"
    shutil.copytree(home, copy)
    node = Node(copy, demo, manifest, Cli(copy))
    assert node.cli("data", "add", home_id(ADMISSIONS), str(node.file(ADMISSIONS))).exit_code == 0
    aggregate = node.cli("data", "add", home_id(EMERGENCY), str(node.file(EMERGENCY)), "--access", "aggregate-only")
    assert aggregate.exit_code == 0
    assert node.cli("data", "add", node.partner_id(), str(node.file(ADMISSIONS))).exit_code == 0
    # A steward's additions that fail on identifying columns, and ask GX for the very values: the unexpected
    # values of failing map expectations, a max of birth dates, the distinct values of the patient ids.
    path = Path(node.cli("quality", "suite", "show", home_id(ADMISSIONS), "--path").output.strip())
    suite = json.loads(path.read_text())
    suite["expectations"] += [
        {"type": "expect_column_values_to_be_null", "kwargs": {"column": "patient_id"}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "national_id", "value_set": ["x"]}},
        {"type": "expect_column_max_to_be_between", "kwargs": {"column": "date_of_birth", "max_value": "1900-01-01"}},
        {"type": "expect_column_distinct_values_to_be_in_set", "kwargs": {"column": "patient_id", "value_set": ["y"]}},
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "national_id", "regex": "^X"}},
    ]
    path.write_text(json.dumps(suite))
    assert node.cli("quality", "validate").exit_code == 0
    assert node.cli("quality", "score").exit_code == 0
    return node


def public_outputs(node: Node, tmp_path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for fmt in ("ttl", "jsonld", "nt", "rdf"):
        target = tmp_path / f"export.{fmt}"
        assert node.cli("export", "--format", fmt, "--output", str(target)).exit_code == 0
        outputs[f"fedcat export --format {fmt}"] = target.read_text()
    snapshot = node.public_snapshot()
    outputs["public snapshot"] = ox.serialize(snapshot.raw, format=ox.RdfFormat.N_QUADS).decode()
    ids = sorted({home_id(d.iri) for d in node.manifest.datasets})
    with TestClient(create_app(node.settings)) as client:
        for path in ("/catalog.ttl", "/catalog.jsonld", "/api/sources/home/quality", "/api/publishers"):
            outputs[path] = client.get(path).text
        for pid in [p["id"] for p in client.get("/api/publishers").json()]:
            outputs[f"/api/publishers/{pid}/quality"] = client.get(f"/api/publishers/{pid}/quality").text
        for dataset in ids:
            for path in (
                f"/api/datasets/{dataset}/quality",
                f"/api/datasets/{dataset}",
                f"/datasets/{dataset}?format=nt",
            ):
                outputs[path] = client.get(path).text
        query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
        outputs["/sparql"] = client.get(
            "/sparql", params={"query": query}, headers={"Accept": "application/n-triples"}
        ).text
    return outputs


def test_no_identifying_value_reaches_any_public_output(leaky: Node, tmp_path: Path) -> None:
    secrets = secrets_of(leaky.file(ADMISSIONS)) | secrets_of(leaky.file(EMERGENCY))
    assert len(secrets) > 10_000
    assert all(candidates(s) == {s} or DATE.fullmatch(s) for s in secrets), "every secret has a known shape"
    outputs = public_outputs(leaky, tmp_path)
    quality = outputs[f"/api/datasets/{home_id(ADMISSIONS)}/quality"]
    assert '"patient_id"' in quality and '"success": false' in quality.replace('"success":false', '"success": false')
    for name, text in outputs.items():
        leaked = sorted(candidates(text) & secrets)
        assert not leaked, f"{name} leaks {leaked[:5]}"


def test_quality_results_are_public_only_with_their_record(leaky: Node, tmp_path: Path) -> None:
    snapshot = leaky.public_snapshot()
    base = leaky.settings.base
    public, restricted = home_id(ADMISSIONS), leaky.partner_id()
    assert snapshot.graph_triples(data_quality_graph(base, public))
    assert snapshot.graph_triples(hosted_graph(base, public))
    for graph in (
        data_quality_graph(base, restricted),
        hosted_graph(base, restricted),
        f"{base}/graph/quality/{restricted}",
    ):
        assert not snapshot.graph_triples(graph)
    exported = public_outputs(leaky, tmp_path)["fedcat export --format nt"]
    assert restricted not in exported and public in exported


def test_files_under_the_home_keep_counts_not_values(leaky: Node) -> None:
    """Not public, but results and suites have no reason to hold identifying values either."""
    secrets = secrets_of(leaky.file(ADMISSIONS))
    quality = leaky.settings.home / "quality"
    for path in [*quality.rglob("*.json")]:
        assert not candidates(path.read_text()) & secrets, path
