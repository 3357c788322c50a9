"""Harvesting CKAN portals: recorded demo.ckan.org and envidat.ch responses behind a real loopback Action API."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from catalogue.config import load_settings
from catalogue.store import open_store
from tests.servers import CkanApi, LoopbackServer

pytestmark = pytest.mark.store_backends  # every test on Oxigraph and on Virtuoso (tests/conftest.py)


def recorded_packages(reference: Path) -> list[dict[str, Any]]:
    """The six real package dicts we have recordings of (3 demo.ckan.org, 3 envidat.ch)."""
    demo = json.loads((reference / "Amsterdam-dcatd/test/fixtures/packages.json").read_text())["result"]["results"]
    envidat = json.loads((reference / "envidat-ckan-recorded/tests/fixtures/package_search.json").read_text())
    show = json.loads((reference / "envidat-ckan-recorded/tests/fixtures/package_show.json").read_text())
    return [*demo, *envidat["result"]["results"], show["result"]]


def last_report(home: Path) -> dict[str, Any]:
    return json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())


def select(home: Path, query: str) -> list[dict[str, Any]]:
    store = open_store(load_settings(home))
    try:
        rows = store.select(
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX prov: <http://www.w3.org/ns/prov#> "
            "PREFIX fedcat: <https://w3id.org/fedcat/ns#> " + query
        )
    finally:
        store.close()
    return [{k: v.value for k, v in r.items()} for r in rows]


@pytest.fixture
def portal(server: LoopbackServer, reference: Path) -> CkanApi:
    api = CkanApi(recorded_packages(reference))
    api.mount(server)
    return api


def add_ckan(home: Path, name: str, url: str, page_size: int = 1000) -> None:
    with (home / "fedcat.toml").open("a") as f:
        f.write(
            f'\n[[sources]]\nname = "{name}"\nkind = "ckan"\nurl = "{url}"\n'
            f"allow_private_network = true\npage_size = {page_size}\n"
        )


def test_ckan_harvest_maps_recorded_packages(cli, server, portal, home):
    add_ckan(home, "portal", server.url, page_size=2)
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    run = last_report(home)["runs"][0]
    assert run["counts"]["new"] == 6 and run["status"] == "succeeded"
    # paged 2 at a time, sorted as the issue demands
    searches = [c for c in portal.calls if c.get("fl") is None]
    assert len(searches) == 3 and all(c["sort"] == ["metadata_modified asc, id asc"] for c in searches)
    titles = {r["t"] for r in select(home, "SELECT ?t WHERE { ?d a dcat:Dataset ; dct:title ?t }")}
    assert "Fatal avalanche accidents in Switzerland since 1936/37" in titles
    assert "100 Validated Species of Plants" in titles
    # provenance: the record graph says where it came from and which run made it
    prov = select(
        home,
        "SELECT ?g ?from ?run WHERE { GRAPH ?g { ?g prov:wasDerivedFrom ?from ; prov:wasGeneratedBy ?run } }",
    )
    assert len(prov) == 6 and all(p["from"].startswith(server.url + "/dataset/") for p in prov)
    assert {p["run"] for p in prov} == {run["run"]}


def test_incremental_reharvest_uses_metadata_modified_and_withdraws(cli, server, portal, home):
    add_ckan(home, "portal", server.url)
    assert cli("harvest").exit_code == 0
    ids_before = {r["id"] for r in select(home, "SELECT ?id WHERE { GRAPH ?g { ?g fedcat:datasetId ?id } }")}
    changed = copy.deepcopy(portal.packages[0])
    changed["title"] = "Renamed at source"
    changed["metadata_modified"] = "2099-01-01T00:00:00.000000"
    gone = portal.packages[1]
    added = copy.deepcopy(portal.packages[2])
    added.update(id="00000000-0000-4000-8000-000000000001", name="brand-new", metadata_modified="2099-01-02T00:00:00")
    portal.packages = [changed, *portal.packages[2:], added]
    portal.calls.clear()
    assert cli("harvest").exit_code == 0
    counts = last_report(home)["runs"][0]["counts"]
    assert counts == {"new": 1, "updated": 1, "unchanged": 4, "withdrawn": 1, "failed": 0}
    fqs = [c["fq"][0] for c in portal.calls if "fq" in c]
    assert fqs and all(fq.startswith("metadata_modified:[") for fq in fqs)
    # only the two changed packages were fetched in full; the rest were listed by id
    full = [c for c in portal.calls if c.get("fl") is None]
    assert sum(1 for _ in full) == 1
    titles = {r["t"] for r in select(home, "SELECT ?t WHERE { ?d a dcat:Dataset ; dct:title ?t }")}
    assert "Renamed at source" in titles and gone["title"] not in titles
    ids_after = {r["id"] for r in select(home, "SELECT ?id WHERE { GRAPH ?g { ?g fedcat:datasetId ?id } }")}
    assert len(ids_before & ids_after) == 5  # the 4 unchanged and the updated record keep their public id
    key = changed["id"]
    first = select(
        home,
        f'SELECT ?f ?c WHERE {{ GRAPH ?g {{ ?g fedcat:recordKey "{key}" ; fedcat:firstHarvested ?f ; '
        "fedcat:lastChanged ?c } }",
    )
    assert first[0]["f"] < first[0]["c"]  # first-harvested survives the update


def test_failed_page_withdraws_nothing(cli, server, portal, home):
    add_ckan(home, "portal", server.url, page_size=2)
    assert cli("harvest").exit_code == 0
    portal.packages = portal.packages[:1]  # most records vanished at source...
    portal.fail_at_start = 0  # ...but the portal is also failing
    result = cli("harvest", "--full")
    assert result.exit_code == 1
    run = last_report(home)["runs"][0]
    assert run["status"] == "failed" and run["error"]["type"] == "fetch-error"
    assert run["counts"]["withdrawn"] == 0
    assert len(select(home, "SELECT ?d WHERE { ?d a dcat:Dataset }")) == 6


def test_bad_record_is_skipped_and_reported(cli, server, portal, home):
    portal.packages.append({"id": "no-title", "name": "no-title", "title": "", "metadata_modified": "2020-01-01"})
    add_ckan(home, "portal", server.url)
    result = cli("harvest")
    assert result.exit_code == 0
    run = last_report(home)["runs"][0]
    assert run["counts"]["new"] == 6 and run["counts"]["failed"] == 1
    assert run["problems"][0]["type"] == "unmappable-record" and run["problems"][0]["record"] == "no-title"


def test_ckanapi_dump_file(cli, home, reference, tmp_path):
    dump = tmp_path / "dump.jsonl"
    lines = [json.dumps(p) for p in recorded_packages(reference)] + ["{not json", "[1, 2]"]
    dump.write_text("\n".join(lines) + "\n")
    cli("sources", "add", "dump", "--kind", "ckan", "--url", dump.as_uri())
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    run = last_report(home)["runs"][0]
    assert run["counts"]["new"] == 6 and run["counts"]["failed"] == 2
