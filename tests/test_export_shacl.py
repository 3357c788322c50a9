"""The export of a harvested catalogue conforms to the DCAT-AP 3.0 base shapes wherever sources carried it."""

from __future__ import annotations

import json

import pytest

from demo.generate import generate
from tests.shacl_check import DCAT_AP_300_BASE, DCAT_AP_301_BASE, violations
from tests.test_harvest_ckan import recorded_packages

DESCRIPTION = "http://purl.org/dc/terms/description"


@pytest.fixture
def harvested(cli, home, reference, tmp_path):
    """A node holding the demo catalogue, the demo partner dump, recorded CKAN packages and a udata capture."""
    manifest = generate(tmp_path / "demo", datasets=60, partner_datasets=20)
    dump = tmp_path / "recorded.jsonl"
    dump.write_text("\n".join(json.dumps(p) for p in recorded_packages(reference)) + "\n")
    sources = {
        "home": ("dcat", (tmp_path / "demo" / manifest.catalog).as_uri()),
        "partner": ("ckan", (tmp_path / "demo" / manifest.partner_dump).as_uri()),
        "recorded": ("ckan", dump.as_uri()),
        "udata": ("dcat", (reference / "udata/udata/harvest/tests/dcat/catalog.xml").as_uri()),
    }
    for name, (kind, url) in sources.items():
        assert cli("sources", "add", name, "--kind", kind, "--url", url).exit_code == 0
    cli("harvest")  # the partner dump holds two broken packages on purpose
    out = tmp_path / "export.ttl"
    assert cli("export", "--format", "ttl", "--output", str(out)).exit_code == 0
    missing = {d.iri for d in manifest.datasets if "no-description" in d.defects}
    missing.add("http://data.test.org/datasets/1")  # udata's capture has no description for it
    return out.read_bytes(), missing


def test_export_conforms_to_dcat_ap_301_base_shapes(harvested, reference):
    data, missing_description = harvested
    found = violations(data, reference / DCAT_AP_301_BASE)
    assert {(v.focus, v.path, v.component) for v in found} == {
        (iri, DESCRIPTION, "MinCountConstraintComponent") for iri in missing_description
    }


def test_export_conforms_to_dcat_ap_300_base_shapes_but_for_its_bytesize_defect(harvested, reference):
    """3.0.0 types dcat:byteSize as xsd:decimal; the spec and 3.0.1 say xsd:nonNegativeInteger, which we emit."""
    data, missing_description = harvested
    found = violations(data, reference / DCAT_AP_300_BASE)
    others = {(v.focus, v.path, v.component) for v in found if not v.path.endswith("#byteSize")}
    assert others == {(iri, DESCRIPTION, "MinCountConstraintComponent") for iri in missing_description}
    assert all(v.component == "DatatypeConstraintComponent" for v in found if v.path.endswith("#byteSize"))
