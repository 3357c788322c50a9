"""`GET /api/datasets/{id}/quality`, `/api/sources/{name}/quality`, `/api/publishers/{id}/quality`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from demo.model import DemoManifest
from quality.metadata import DIMENSIONS
from tests.conftest import Cli
from tests.test_quality_hosted import ADMISSIONS, EMERGENCY, Node, facet, hit_ids, home_id, quality_template

__all__ = ["quality_template"]


@pytest.fixture(scope="module")
def scored(quality_template: tuple[Path, Path, DemoManifest], tmp_path_factory: pytest.TempPathFactory) -> Node:
    """A demo node with two hosted files (row-level and aggregate-only), one more on a restricted record,
    validated and scored twice across two harvests (for the trend)."""
    home, demo, manifest = quality_template
    copy = tmp_path_factory.mktemp("quality-api") / "node"
    shutil.copytree(home, copy)
    node = Node(copy, demo, manifest, Cli(copy))
    assert node.cli("data", "add", home_id(ADMISSIONS), str(node.file(ADMISSIONS))).exit_code == 0
    emergency = node.cli("data", "add", home_id(EMERGENCY), str(node.file(EMERGENCY)), "--access", "aggregate-only")
    assert emergency.exit_code == 0
    assert node.cli("data", "add", node.partner_id(), str(node.file(ADMISSIONS))).exit_code == 0
    assert node.cli("quality", "score").exit_code == 0
    node.cli("harvest", "--full")
    assert node.cli("quality", "score").exit_code == 0
    return node


@pytest.fixture(scope="module")
def client(scored: Node) -> Iterator[TestClient]:
    with TestClient(create_app(scored.settings)) as c:
        yield c


def get(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.text
    return response.json()


def test_dataset_quality_has_the_issue_shape(client: TestClient) -> None:
    body = get(client, f"/api/datasets/{home_id(ADMISSIONS)}/quality")
    assert set(body) == {"dataset_id", "mqa", "shacl", "data"}
    mqa = body["mqa"]
    assert 0 <= mqa["score"] <= 405 and mqa["band"] in ("Excellent", "Good", "Sufficient", "Bad")
    assert set(mqa["dimensions"]) == set(DIMENSIONS)
    assert sum(d["score"] for d in mqa["dimensions"].values()) == pytest.approx(mqa["score"], abs=1)
    assert all({"criterion", "dimension", "lost", "detail"} <= set(m) for m in mqa["missing"])
    assert sum(m["lost"] for m in mqa["missing"]) == pytest.approx(405 - mqa["score"], abs=1)
    # A health dataset of a Luxembourg publisher: all three profiles.
    assert set(body["shacl"]) == {"dcat-ap", "dcat-ap-lu", "healthdcat-ap"}
    for report in body["shacl"].values():
        assert isinstance(report["conforms"], bool) and isinstance(report["violations"], list)
    assert body["shacl"]["dcat-ap"]["conforms"] is True
    assert body["shacl"]["dcat-ap-lu"]["shape_defects"] > 0 and body["shacl"]["dcat-ap-lu"]["conforms"] is True
    data = body["data"]
    assert data["success"] is True and data["success_ratio"] == 1.0 and data["gx_version"] == "1.24.1"
    assert data["distribution"]["access_mode"] == "row-level"
    columns = {c["column"]: c for c in data["columns"]}
    assert "min" in columns["admission_date"] and "min" in columns["cost_eur"]
    for secret in ("patient_id", "national_id", "date_of_birth"):
        assert "min" not in columns[secret] and "max" not in columns[secret]
    assert all(r["observed"] is None or isinstance(r["observed"], int | str) for r in data["results"])


def test_aggregate_only_data_publish_no_ranges(client: TestClient) -> None:
    data = get(client, f"/api/datasets/{home_id(EMERGENCY)}/quality")["data"]
    assert data["distribution"]["access_mode"] == "aggregate-only"
    assert not any("min" in c for c in data["columns"])


def test_a_record_without_hosted_data_has_null_data(client: TestClient, scored: Node) -> None:
    other = next(d.iri for d in scored.manifest.datasets if d.iri not in scored.manifest.hosted)
    body = get(client, f"/api/datasets/{home_id(other)}/quality")
    assert body["data"] is None and body["mqa"]["score"] > 0


def test_restricted_and_unknown_records_are_404(client: TestClient, scored: Node) -> None:
    assert get(client, f"/api/datasets/{scored.partner_id()}/quality", 404)["type"] == "not-found"
    assert get(client, "/api/datasets/0000000000000000/quality", 404)["type"] == "not-found"
    assert get(client, "/api/datasets/..%2F..%2Fetc/quality", 404)["type"] == "not-found"


def test_source_quality_with_distribution_violations_and_trend(client: TestClient, scored: Node) -> None:
    body = get(client, "/api/sources/home/quality")
    records = len(scored.manifest.datasets)
    assert body["records"] == records and sum(body["bands"].values()) == records
    assert sum(b["records"] for b in body["histogram"]) == records
    assert set(body["dimensions"]) == set(DIMENSIONS)
    assert body["missing"] and body["missing"][0]["records"] >= body["missing"][-1]["records"]
    assert all({"profile", "path", "component", "count"} <= set(v) for v in body["violations"])
    trend = body["trend"]
    assert len(trend) == 2 and trend[0]["harvest_run"] != trend[1]["harvest_run"]
    assert all(p["records"] == records for p in trend)
    # A restricted source is invisible to anonymous callers, like one that does not exist.
    hidden, missing = (get(client, f"/api/sources/{name}/quality", 404) for name in ("partner", "nowhere"))
    for answer in (hidden, missing):
        answer.pop("request_id", None)  # each response has its own
    assert hidden == missing | {"detail": "no source 'partner' with quality results; run `fedcat quality score` first"}


def test_publisher_quality(client: TestClient) -> None:
    publishers = get(client, "/api/publishers")
    assert publishers and all(set(p) == {"id", "name"} for p in publishers)
    health = next(p for p in publishers if p["name"] == "Ministry of Health")
    body = get(client, f"/api/publishers/{health['id']}/quality")
    assert body["label"] == "Ministry of Health" and body["records"] > 0 and body["trend"]
    get(client, "/api/publishers/ffffffffffffffff/quality", 404)


def test_the_web_process_never_imports_great_expectations(scored: Node) -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        from fastapi.testclient import TestClient
        from catalogue.api import create_app
        from catalogue.config import load_settings
        app = create_app(load_settings({str(scored.home)!r}))
        with TestClient(app) as client:
            statuses = [
                client.get("/api/datasets/{home_id(ADMISSIONS)}/quality").status_code,
                client.get("/api/sources/home/quality").status_code,
                client.get("/api/publishers").status_code,
                client.get("/api/datasets/{home_id(ADMISSIONS)}").status_code,
            ]
        gx = [m for m in sys.modules if m.startswith("great_expectations")]
        print(json.dumps({{"statuses": statuses, "gx": gx}}))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["statuses"] == [200, 200, 200, 200]
    assert found["gx"] == []


def test_the_export_with_quality_and_hosted_data_still_conforms(scored: Node, reference: Path, tmp_path: Path) -> None:
    """DQV measurements, SHACL reports and hosted distributions in the export break no DCAT-AP 3.0.1 shape."""
    from tests.shacl_check import DCAT_AP_301_BASE, violations

    out = tmp_path / "export.ttl"
    assert scored.cli("export", "--format", "ttl", "--output", str(out)).exit_code == 0
    data = out.read_bytes()
    assert b"QualityMeasurement" in data and b"#hosted-data" in data
    no_description = {d.iri for d in scored.manifest.datasets if "no-description" in d.defects}
    found = {(v.focus, v.path, v.component) for v in violations(data, reference / DCAT_AP_301_BASE)}
    assert found == {
        (iri, "http://purl.org/dc/terms/description", "MinCountConstraintComponent") for iri in no_description
    }


def test_search_facets_show_the_stored_bands_and_hosted_data(client: TestClient, scored: Node) -> None:
    """After `fedcat quality score` the band facet counts the bands in the store, a band filter finds exactly
    those records, the hosted facet names the datasets with hosted data, and the result cards show the band."""
    from quality.lookup import all_records
    from quality.metadata import bands

    store = scored.store()
    try:
        by_graph = bands(store)
        public = {ref.dataset_id: by_graph[ref.graph] for ref in all_records(store) if ref.public}
    finally:
        store.close()
    body = get(client, "/api/datasets?page_size=100")
    assert body["total"] == len(public) == len(body["items"])
    assert facet(body, "quality_band") == Counter(public.values())
    assert {item["id"]: item["quality_band"] for item in body["items"]} == public
    for band in set(public.values()):
        found = get(client, f"/api/datasets?quality_band={band}&page_size=100")
        assert hit_ids(found) == {key for key, b in public.items() if b == band}
        page = client.get("/search", params={"quality_band": band})
        assert page.status_code == 200
        assert page.text.count(f'class="badge band-{band.lower()}"') == min(20, found["total"])
    two = sorted(set(public.values()))[:2]
    either = get(client, f"/api/datasets?quality_band={two[0]}&quality_band={two[-1]}&page_size=100")
    assert hit_ids(either) == {key for key, b in public.items() if b in two}
    # The partner's hosted data is on a restricted record: anonymous callers count only the home datasets.
    assert facet(body, "hosted") == {"yes": 2, "no": len(public) - 2}
    hosted = get(client, "/api/datasets?hosted=yes")
    assert hit_ids(hosted) == {home_id(ADMISSIONS), home_id(EMERGENCY)}
    assert all(item["hosted"] for item in hosted["items"])
    cli = scored.cli("search", "", "--facet", f"quality_band={two[0]}", "--json")
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == get(client, f"/api/datasets?quality_band={two[0]}")  # the same code
