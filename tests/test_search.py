"""Dataset search: ranking, languages, phrase / prefix / typo queries, facets against the store, sorting,
paging, restricted records, incremental updates by harvests, rebuilds, the CLI and bad input."""

from __future__ import annotations

import json
import os
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import tantivy
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.index import current_generation
from catalogue.nodehome import init_home
from catalogue.records import dataset_id
from catalogue.store import OxigraphStore, open_store
from demo.generate import generate
from tests.conftest import Cli

# Tests on a fresh `home` run on Oxigraph and on Virtuoso (tests/conftest.py); the module's shared `node` is Oxigraph.
pytestmark = pytest.mark.store_backends(
    oxigraph_only={"test_parallel_rebuild_reads_the_same_records": "worker processes read an Oxigraph checkpoint"}
)
DCT = "http://purl.org/dc/terms/"
EU = "http://publications.europa.eu/resource/authority/"
HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
# Hand-written records for ranking, phrase, prefix and typo cases: words the demo never uses.
EXTRA = (
    HEAD
    + """
<https://extra.example.lu/ds/apiary> a dcat:Dataset ;
  dct:title "Beekeeping apiary register"@en, "Registre des ruchers apicoles"@fr, "Bienenstandregister"@de ;
  dct:description "Apiaries declared by their keepers."@en ;
  dct:publisher <https://extra.example.lu/org/agri> ; dcat:keyword "bees"@en ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/AGRI> .
<https://extra.example.lu/ds/honey> a dcat:Dataset ;
  dct:title "Honey production statistics"@en ;
  dct:description "Annual honey yield, as reported by beekeeping cooperatives."@en ;
  dct:publisher <https://extra.example.lu/org/agri> .
<https://extra.example.lu/ds/signal> a dcat:Dataset ;
  dct:title "Lighthouse signal quality"@en ; dct:description "Measured visibility of beacons."@en .
<https://extra.example.lu/ds/logs> a dcat:Dataset ;
  dct:title "Signal logs of lighthouse quality inspections"@en ; dct:description "Inspection logs."@en .
<https://extra.example.lu/ds/zeppelin> a dcat:Dataset ;
  dct:title "Zeppelin hangar inventory"@en ; dct:description "Airships stored per hangar."@en .
<https://extra.example.lu/org/agri> foaf:name "Agriculture Office"@en, "Office de l'agriculture"@fr .
<https://extra.example.lu/ds/quokka-1> a dcat:Dataset ; dct:title "Quokka census"@en ; dct:description "Counted."@en .
<https://extra.example.lu/ds/quokka-2> a dcat:Dataset ; dct:title "Quokka census"@en ; dct:description "Counted."@en .
<https://extra.example.lu/ds/quokka-3> a dcat:Dataset ; dct:title "Quokka census"@en ; dct:description "Counted."@en .
"""
)
SECRET = (
    HEAD
    + """
<https://secret.example.lu/ds/glacier> a dcat:Dataset ;
  dct:title "Classified glacier survey"@en ; dct:description "Glacier retreat, restricted."@en ;
  dct:publisher <https://secret.example.lu/org/x> .
<https://secret.example.lu/org/x> foaf:name "Secret glacier agency"@en .
"""
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node with the demo's home and partner sources, the hand-written records and a restricted source."""
    root = tmp_path_factory.mktemp("search")
    home = root / "node"
    init_home(home)
    generate(root / "demo", datasets=150, partner_datasets=40)
    (root / "extra.ttl").write_text(EXTRA)
    (root / "secret.ttl").write_text(SECRET)
    cli = Cli(home)
    cli("sources", "add", "home", "--kind", "dcat", "--url", (root / "demo/home/catalog.ttl").as_uri())
    cli("sources", "add", "partner", "--kind", "ckan", "--url", (root / "demo/partner/ckan-dump.jsonl").as_uri())
    cli("sources", "add", "extra", "--kind", "dcat", "--url", (root / "extra.ttl").as_uri())
    cli("sources", "add", "secret", "--kind", "dcat", "--url", (root / "secret.ttl").as_uri(), "--restricted")
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def client(node: Path):
    with TestClient(create_app(load_settings(node))) as c:
        yield c


@pytest.fixture(scope="module")
def titles(node: Path) -> dict[str, dict[str, str]]:
    """Home dataset IRI -> language -> title, from the generated Turtle."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for quad in ox.parse(path=str(node.parent / "demo/home/catalog.ttl"), format=ox.RdfFormat.TURTLE):
        subject, value = quad.subject.value, quad.object
        is_title = quad.predicate.value == DCT + "title" and isinstance(value, ox.Literal)
        if is_title and "/dataset/" in subject and "/distribution/" not in subject:
            found[subject][value.language or ""] = value.value
    return found


def api(client: TestClient, **params: Any) -> dict[str, Any]:
    headers = params.pop("headers", {})
    response = client.get("/api/datasets", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def store_rows(node: Path, query: str) -> list[dict[str, Any]]:
    store = OxigraphStore(load_settings(node).store_path, read_only=True)
    return [{k: v.value for k, v in row.items()} for row in store.select(query)]


PUBLIC_DATASETS = """PREFIX fedcat: <https://w3id.org/fedcat/ns#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?id ?v WHERE { GRAPH ?g { ?g fedcat:visibility "public" ; fedcat:datasetId ?id ; foaf:primaryTopic ?d .
  %s } }"""


def store_facet(node: Path, pattern: str) -> dict[str, set[str]]:
    """value -> ids of public records, as the graph store says."""
    values: dict[str, set[str]] = defaultdict(set)
    for row in store_rows(node, PUBLIC_DATASETS % pattern):
        values[row["v"]].add(row["id"])
    return values


def extra_id(slug: str) -> str:
    return dataset_id("extra", f"https://extra.example.lu/ds/{slug}")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def test_title_match_outranks_description_only_match(client):
    body = api(client, q="beekeeping")
    assert ids(body)[:2] == [extra_id("apiary"), extra_id("honey")]
    assert body["items"][0]["score"] > body["items"][1]["score"]


def test_each_language_finds_a_dataset_and_shows_the_requested_one(client, titles):
    iri, names = next((i, t) for i, t in sorted(titles.items()) if {"en", "fr", "de", "lb"} <= t.keys())
    wanted = dataset_id("home", iri)
    for lang in ("en", "fr", "de", "lb"):
        body = api(client, q=names[lang], lang=lang, page_size=100)
        assert wanted in ids(body), (lang, names[lang])
        item = next(i for i in body["items"] if i["id"] == wanted)
        assert item["title"] == names[lang] and item["title_lang"] == lang
    body = api(client, q=names["de"], page_size=100, headers={"Accept-Language": "fr-LU, de;q=0.5"})
    assert body["lang"] == "fr" and next(i for i in body["items"] if i["id"] == wanted)["title"] == names["fr"]


def test_display_language_falls_back_to_english(client, titles):
    iri, names = next((i, t) for i, t in sorted(titles.items()) if "lb" not in t)
    body = api(client, q=names["en"], lang="lb", page_size=100)
    item = next(i for i in body["items"] if i["id"] == dataset_id("home", iri))
    assert item["title"] == names["en"] and item["title_lang"] == "en"
    assert api(client, q=names["en"], lang="it", page_size=100)["items"][0]["title_lang"] == "en"


def test_accents_and_stemming_per_language(client):
    plain = set(ids(api(client, q="ruchers apicoles", page_size=100)))
    assert extra_id("apiary") in plain
    assert set(ids(api(client, q="rucher apicole", page_size=100))) == plain  # French stemming
    assert set(ids(api(client, q="hopital", page_size=100))) == set(ids(api(client, q="hôpital", page_size=100)))


def test_phrase_query(client):
    both = set(ids(api(client, q="signal quality")))
    assert {extra_id("signal"), extra_id("logs")} <= both
    assert ids(api(client, q='"signal quality"')) == [extra_id("signal")]
    assert api(client, q='"quality signal"')["total"] == 0


def test_a_split_word_needs_its_parts_in_one_field(client):
    # Unquoted, a word the analyzer splits is not a phrase: its parts in any order, but within one field.
    assert {extra_id("signal"), extra_id("logs")} <= set(ids(api(client, q="quality-signal", page_size=100)))
    assert api(client, q='"quality signal"')["total"] == 0
    assert extra_id("signal") in ids(api(client, q="beacons lighthouse"))
    assert extra_id("signal") not in ids(api(client, q="beacons-lighthouse", page_size=100))  # title and description


def test_equal_scores_are_ordered_by_id_on_every_page(client):
    body = api(client, q="quokka", page_size=100)
    assert body["total"] == 3 and len({item["score"] for item in body["items"]}) == 1
    found = ids(body)
    assert found == sorted(found)
    assert [ids(api(client, q="quokka", page_size=1, page=n))[0] for n in (1, 2, 3)] == found
    assert ids(api(client, q="quokka", page_size=2, page=2)) == found[2:]


def test_the_body_is_the_json_starlette_would_send(client):
    # Encoded once per answer with orjson: the same bytes as the standard library's compact UTF-8 JSON.
    for params in ({"q": "hôpital", "lang": "fr"}, {"q": "Krankenhaus", "page_size": 50}, {}):
        response = client.get("/api/datasets", params=params)
        expected = json.dumps(response.json(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        assert response.content == expected.encode("utf-8") and response.headers["content-type"] == "application/json"


def test_prefix_query(client):
    assert ids(api(client, q="zepp*")) == [extra_id("zeppelin")]
    body = api(client, q="Krankenh*", page_size=100)
    assert body["total"] > 0 and body["total"] == api(client, q="Krankenhaus*", page_size=100)["total"]


def test_typo_on_a_title(client):
    body = api(client, q="hospitl", page_size=100)
    assert body["match"] == "fuzzy" and body["corrections"] == {"hospitl": ["hospital"]}
    exact = api(client, q="hospital", page_size=100)
    assert exact["match"] == "exact" and body["total"] == exact["total"] > 0
    assert ids(body) == ids(exact) and "hospital" in body["items"][0]["title"].lower()
    assert ids(api(client, q="zepelin hangar")) == [extra_id("zeppelin")]  # a typo beside a correct word
    assert ids(api(client, q="lighthuose signal"))[0] == extra_id("signal")  # two letters swapped


def test_facet_counts_equal_the_store(client, node):
    body = api(client)
    expected = {
        "theme": store_facet(node, "?d <http://www.w3.org/ns/dcat#theme> ?v"),
        "format": store_facet(node, f"?d <http://www.w3.org/ns/dcat#distribution>/<{DCT}format> ?v"),
        "publisher": store_facet(node, f"?d <{DCT}publisher> ?v"),
        "source": store_facet(node, "?g fedcat:source ?v"),
        "access_rights": store_facet(node, f"?d <{DCT}accessRights> ?v"),
    }
    total = {row["id"] for row in store_rows(node, PUBLIC_DATASETS % "BIND(1 AS ?v)")}
    assert body["total"] == len(total)
    for facet, values in expected.items():
        got = {v["value"]: v["count"] for v in body["facets"][facet]}
        assert got == {value: len(found) for value, found in values.items()}, facet
    themes = {v["value"]: v["label"] for v in body["facets"]["theme"]}
    assert themes[EU + "data-theme/HEAL"] == "Health"
    fr = {v["value"]: v["label"] for v in api(client, lang="fr")["facets"]["theme"]}
    assert fr[EU + "data-theme/HEAL"] == "Santé"
    publishers = {v["value"]: v["label"] for v in api(client, lang="fr")["facets"]["publisher"]}
    assert publishers["https://extra.example.lu/org/agri"] == "Office de l'agriculture"
    assert {v["value"] for v in body["facets"]["hosted"]} == {"no"}


def test_facet_filters_and_across_or_within(client, node):
    themes = store_facet(node, "?d <http://www.w3.org/ns/dcat#theme> ?v")
    formats = store_facet(node, f"?d <http://www.w3.org/ns/dcat#distribution>/<{DCT}format> ?v")
    heal, tran, csv = themes[EU + "data-theme/HEAL"], themes[EU + "data-theme/TRAN"], formats[EU + "file-type/CSV"]
    assert api(client, theme="HEAL")["total"] == len(heal)  # codes are normalised to the vocabulary IRI
    either = client.get("/api/datasets?theme=HEAL&theme=" + EU + "data-theme/TRAN&page_size=100").json()
    assert either["total"] == len(heal | tran)
    both = client.get("/api/datasets?theme=HEAL&format=csv&page_size=100").json()
    assert both["total"] == len(heal & csv) and set(ids(both)) <= heal & csv
    # A facet's counts ignore its own filter (so alternatives stay visible) and apply the others.
    counts = {v["value"]: v["count"] for v in both["facets"]["theme"]}
    assert counts[EU + "data-theme/TRAN"] == len(tran & csv)


def test_sort_by_title_and_modified(client):
    for lang in ("en", "de"):
        shown = [fold(i["title"]) for i in api(client, sort="title", lang=lang, page_size=100)["items"]]
        assert shown == sorted(shown)
    modified = [i["modified"][:10] for i in api(client, sort="modified", page_size=100)["items"]]
    assert modified == sorted(modified, reverse=True)
    assert api(client, q="hospital", sort="title")["total"] == api(client, q="hospital")["total"]


def test_pagination_totals(client):
    first = api(client, q="hospital", page_size=7)
    total = first["total"]
    seen: list[str] = []
    for page in range(1, total // 7 + 2):
        body = api(client, q="hospital", page_size=7, page=page)
        assert body["total"] == total and body["page"] == page
        seen += ids(body)
    assert len(seen) == total == len(set(seen))
    beyond = api(client, q="hospital", page_size=7, page=total // 7 + 5)
    assert beyond["items"] == [] and beyond["total"] == total


def test_restricted_records_never_reach_anonymous_callers(client, cli_for):
    for q in ("glacier", "Classified", "Secret glacier agency", "glac*", "glaciar"):
        body = client.get("/api/datasets", params={"q": q}).json()
        shown = json.dumps([body["items"], body["facets"], body["total"]]).lower()
        assert body["total"] == 0 and "glacier" not in shown and "secret" not in shown
        assert all(words == [] for words in body["corrections"].values())  # no restricted title leaks as a fix
    everything = client.get("/api/datasets", params={"page_size": 100}).json()
    assert "secret" not in {v["value"] for v in everything["facets"]["source"]}
    operator = json.loads(cli_for("search", "glacier", "--json", "--include-restricted").output)
    assert operator["total"] == 1 and operator["items"][0]["title"] == "Classified glacier survey"


@pytest.fixture
def cli_for(node: Path) -> Cli:
    return Cli(node)


def test_cli_json_equals_the_api(client, cli_for):
    for args, params in [
        (["hospital", "--facet", "format=CSV", "--lang", "fr"], {"q": "hospital", "format": "CSV", "lang": "fr"}),
        (["", "--sort", "title", "--page", "2"], {"sort": "title", "page": 2}),
        (["hospitl"], {"q": "hospitl"}),
    ]:
        result = cli_for("search", *args, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == api(client, **params)
    table = cli_for("search", "beekeeping")
    assert table.exit_code == 0 and "2 datasets" in table.output and "Beekeeping" in table.output


def test_bad_input_gets_one_json_error_shape(client):
    assert api(client, q="")["total"] == api(client)["total"] > 0
    assert api(client, q="   ")["total"] == api(client)["total"]
    for params, slug in [
        ({"q": "x" * 501}, "query-too-long"),
        ({"q": " ".join(["word"] * 40)}, "query-too-long"),
        ({"colour": "red"}, "unknown-facet"),
        ({"sort": "popularity"}, "invalid-sort"),
        ({"page_size": 101}, "invalid-request"),
        ({"page": 0}, "invalid-request"),
        ({"lang": "english!"}, "invalid-search"),
        ({"page": 600, "page_size": 20}, None),
    ]:
        response = client.get("/api/datasets", params=params)
        if slug is None:
            assert response.status_code == 200 and response.json()["items"] == []
            continue
        assert response.status_code == 422, params
        body = response.json()
        assert body["type"] == slug and body["status"] == 422 and body["detail"]
    # Query syntax never errors: unbalanced quotes, lone operators and punctuation are just text.
    for q in ['"unbalanced', "-", "*", "((", "title:foo", 'a "" b', "-hospital"]:
        assert client.get("/api/datasets", params={"q": q}).status_code == 200


def test_cli_errors_exit_non_zero(cli_for):
    assert cli_for("search", "x", "--facet", "colour=red").exit_code == 2
    assert cli_for("search", "x", "--facet", "theme").exit_code == 2
    assert cli_for("search", "x", "--sort", "nope").exit_code == 2
    assert cli_for("index", "rebuild", "--help").exit_code == 0
    assert cli_for("index", "status").exit_code == 0


CATALOGUE = HEAD + "\n".join(
    f'<https://inc.example.lu/ds/{i}> a dcat:Dataset ; dct:title "Orchard survey {name}"@en ; '
    f'dct:description "Fruit trees counted in {name}."@en .'
    for i, name in enumerate(("Vianden", "Clervaux", "Wiltz", "Remich", "Echternach"))
)


@pytest.fixture
def small(cli, tmp_path: Path) -> Path:
    source = tmp_path / "inc.ttl"
    source.write_text(CATALOGUE)
    cli("sources", "add", "inc", "--kind", "dcat", "--url", source.as_uri())
    assert cli("harvest").exit_code == 0
    return source


def test_harvest_updates_the_index_incrementally(small, cli, home):
    settings = load_settings(home)
    generation = current_generation(settings)
    with TestClient(create_app(settings)) as client:
        assert api(client, q="orchard")["total"] == 5
        small.write_text(CATALOGUE.replace("Orchard survey Wiltz", "Vineyard census Wiltz").replace("Remich", "X", 1))
        text = small.read_text()
        small.write_text("\n".join(line for line in text.splitlines() if "/ds/4>" not in line))
        assert cli("harvest").exit_code == 0
        time.sleep(1.1)  # the web process looks for new index commits at most once a second
        assert ids(api(client, q="vineyard")) == [dataset_id("inc", "https://inc.example.lu/ds/2")]
        assert api(client, q="orchard")["total"] == 3  # one retitled, one withdrawn
        assert api(client, q="echternach")["total"] == 0
        assert api(client, q="X")["total"] == 1
    assert current_generation(settings) == generation  # updated in place, not rebuilt


def test_rebuild_from_scratch_gives_identical_results(small, cli, home):
    small.write_text(CATALOGUE.replace("Vianden", "Vianden castle"))
    assert cli("harvest").exit_code == 0
    queries = [{"q": "orchard"}, {"q": "survey", "sort": "title"}, {"sort": "modified"}, {"q": "fruit trees"}]
    settings = load_settings(home)
    with TestClient(create_app(settings)) as client:
        before = [unscored(api(client, **q)) for q in queries]
    old = current_generation(settings)
    result = cli("index", "rebuild")
    assert result.exit_code == 0 and "indexed 5 records" in result.output
    assert current_generation(settings) != old
    with TestClient(create_app(settings)) as client:
        assert [unscored(api(client, **q)) for q in queries] == before


def unscored(body: dict[str, Any]) -> dict[str, Any]:
    # Same hits, order, totals and facets; BM25 scores differ slightly while replaced documents still
    # count in the statistics of an incrementally updated index (as in Lucene), so they are left out.
    return {**body, "items": [{k: v for k, v in item.items() if k != "score"} for item in body["items"]]}


def test_outdated_or_missing_index_is_rebuilt_by_the_next_harvest(small, cli, home):
    settings = load_settings(home)
    generation = current_generation(settings)
    assert generation is not None
    (generation / "fedcat.json").write_text(json.dumps({"schema_version": 0}))
    assert cli("index", "status").exit_code == 1
    assert cli("harvest").exit_code == 0
    assert current_generation(settings) not in (None, generation)
    (settings.index_path / "CURRENT").unlink()
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/datasets")
        assert response.status_code == 503 and response.json()["type"] == "index-unavailable"
    assert cli("harvest").exit_code == 0
    with TestClient(create_app(settings)) as client:
        assert api(client, q="orchard")["total"] == 5


def test_huge_result_sets_get_sampled_facet_counts(client, monkeypatch):
    from catalogue import search_facets

    exact = api(client)
    monkeypatch.setattr(search_facets, "EXACT_FACETS", 10)
    monkeypatch.setattr(search_facets, "SAMPLE_TARGET", 100)
    sampled = api(client, q="-qwertzuiop")  # everything, but with words: not the cached browse counts
    assert exact["facets_exact"] is True and sampled["facets_exact"] is False
    assert sampled["total"] == exact["total"]  # the total stays exact
    real = {v["value"]: v["count"] for v in exact["facets"]["theme"]}
    top = sampled["facets"]["theme"][0]
    assert top["value"] == exact["facets"]["theme"][0]["value"]
    assert abs(top["count"] - real[top["value"]]) <= 0.5 * real[top["value"]]


def test_records_without_a_known_visibility_are_indexed_restricted():
    from catalogue.index_docs import IndexRecord

    record = IndexRecord("g")
    assert record.visibility == "restricted"
    record.take("visibility", ox.Literal("internal"), None)
    assert record.visibility == "restricted"
    record.take("visibility", ox.Literal("public"), None)
    assert record.visibility == "public"


TYPED = (
    HEAD
    + """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://typed.example.lu/ds/1> a dcat:Dataset ; dct:title "Fractional seconds"@en ;
  dct:modified "2026-05-16T02:36:54.4839"^^xsd:dateTime ; dct:issued "2020-01-01"^^xsd:date .
<https://typed.example.lu/ds/2> a dcat:Dataset ; dct:title "An offset"@en ;
  dct:modified "2024-03-01T10:00:00.50+01:00"^^xsd:dateTime .
<https://typed.example.lu/ds/3> a dcat:Dataset ; dct:title "Whole seconds in UTC"@en ;
  dct:modified "2023-07-01T00:00:00Z"^^xsd:dateTime .
"""
)


def _payloads(home: Path) -> dict[str, dict[str, Any]]:
    from catalogue.index import SearchIndex

    index = SearchIndex(load_settings(home), check_every=0, cache_size=0, parallel=False)
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), 10_000).hits
    found = [json.loads(searcher.doc(address).get_first("payload")) for _, address in hits]
    return {payload["id"]: payload for payload in found}


def test_a_harvest_indexes_what_a_rebuild_reads_back(cli, home, tmp_path):
    """A harvest indexes records built from the triples it wrote; a rebuild reads them back from the store, which
    may render typed literals its own way (Virtuoso pads fractional seconds): the documents are the same."""
    generate(tmp_path / "demo", datasets=60, partner_datasets=20)
    (tmp_path / "typed.ttl").write_text(TYPED)
    cli("sources", "add", "home", "--kind", "dcat", "--url", (tmp_path / "demo/home/catalog.ttl").as_uri())
    cli("sources", "add", "partner", "--kind", "ckan", "--url", (tmp_path / "demo/partner/ckan-dump.jsonl").as_uri())
    cli("sources", "add", "typed", "--kind", "dcat", "--url", (tmp_path / "typed.ttl").as_uri())
    assert cli("harvest").exit_code == 0
    harvested = _payloads(home)
    assert len(harvested) > 60
    modified = {p["modified"] for p in harvested.values()}
    assert {"2026-05-16T02:36:54.4839", "2024-03-01T10:00:00.5+01:00", "2023-07-01T00:00:00Z"} <= modified
    assert cli("index", "rebuild").exit_code == 0
    assert _payloads(home) == harvested


def test_parallel_rebuild_reads_the_same_records(small, cli, home, monkeypatch):
    from catalogue import index_read
    from catalogue.index import rebuild_index

    settings = load_settings(home)
    queries = [{"q": "orchard", "sort": "title"}, {"q": "fruit"}]
    with TestClient(create_app(settings)) as client:
        serial = [unscored(api(client, **q)) for q in queries]
    monkeypatch.setattr(index_read, "PARALLEL_MIN", 0)  # worker processes read a checkpoint of the store
    monkeypatch.setattr(index_read, "BATCH", 2)
    store = OxigraphStore(settings.store_path)
    try:
        cores = len(os.sched_getaffinity(0))
        assert index_read.workers_for(store, 5) == (cores if cores > 1 else 0)
        assert rebuild_index(settings, store) == 5
    finally:
        store.close()
    assert not [p for p in settings.index_path.iterdir() if p.name.startswith("checkpoint-")]
    with TestClient(create_app(settings)) as client:
        assert [unscored(api(client, **q)) for q in queries] == serial


def test_hosted_data_and_quality_band_come_from_the_quality_graphs(small, cli, home):
    """The facets read the record's hosted-data and metadata quality graphs (`fq:ofRecord`), never a band or
    hosted marker that the record graph itself (what a source sent) claims."""
    from catalogue.index import update_index
    from catalogue.records import record_graph
    from quality.terms import hosted_graph, metadata_quality_graph

    settings = load_settings(home)
    iri, claimer = "https://inc.example.lu/ds/1", "https://inc.example.lu/ds/3"
    graph, key = record_graph(settings.base, "inc", iri), dataset_id("inc", iri)
    claims = record_graph(settings.base, "inc", claimer)
    of_record, fedcat = "<https://w3id.org/fedcat/quality#ofRecord>", "https://w3id.org/fedcat/ns#"
    true = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    hosted, quality = hosted_graph(settings.base, key), metadata_quality_graph(settings.base, key)
    store = open_store(settings)
    try:
        store.load(
            (
                f"<{hosted}> {of_record} <{graph}> <{hosted}> .\n"
                f"<{iri}> <{fedcat}hostedData> {true} <{hosted}> .\n"
                f"<{quality}> {of_record} <{graph}> <{quality}> .\n"
                f'<{iri}> <{fedcat}qualityBand> "Good" <{quality}> .\n'
                f'<{claimer}> <{fedcat}qualityBand> "Excellent" <{claims}> .\n'
                f"<{claimer}> <{fedcat}hostedData> {true} <{claims}> .\n"
                f"<{claims}> <{fedcat}hostedData> {true} <{claims}> .\n"
            ).encode()
        )
        assert update_index(settings, store, [graph, claims], []) == 2
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        body = api(client, q="orchard")
        assert {v["value"]: v["count"] for v in body["facets"]["hosted"]} == {"yes": 1, "no": 4}
        assert body["facets"]["quality_band"] == [{"value": "Good", "label": "Good", "count": 1}]
        assert ids(api(client, hosted="yes")) == [key] == ids(api(client, quality_band="Good"))
        hit = next(item for item in body["items"] if item["id"] == key)
        assert hit["quality_band"] == "Good" and hit["hosted"] is True
        other = next(item for item in body["items"] if item["id"] == dataset_id("inc", claimer))
        assert other["quality_band"] is None and other["hosted"] is False
        assert {v["label"] for v in api(client, lang="fr")["facets"]["hosted"]} == {"oui", "non"}
        page = client.get("/search", params={"q": "orchard", "quality_band": "Good"})
        assert page.status_code == 200 and page.text.count('class="badge band-good"') == 1
    result = cli("index", "rebuild")  # a rebuild reads the quality graphs too
    assert result.exit_code == 0, result.output
    with TestClient(create_app(settings)) as client:
        assert ids(api(client, hosted="yes")) == [key] == ids(api(client, quality_band="Good"))


def test_an_index_writer_waits_for_the_lock_then_says_the_index_is_busy(small, home):
    import tantivy

    from catalogue.index import IndexBusy, update_index
    from catalogue.records import record_graph

    settings = load_settings(home)
    generation = current_generation(settings)
    assert generation is not None
    holder = tantivy.Index.open(str(generation)).writer(15_000_000, 1)  # another process's writer, say
    store = open_store(settings)
    try:
        graph = record_graph(settings.base, "inc", "https://inc.example.lu/ds/1")
        started = time.monotonic()
        with pytest.raises(IndexBusy) as caught:
            update_index(settings, store, [graph], [], wait=0.3)
        assert 0.3 <= time.monotonic() - started < 5
        assert caught.value.status == 503 and caught.value.type == "index-busy"
        assert "fedcat index rebuild" in caught.value.message
        del holder  # the lock goes with the writer
        assert update_index(settings, store, [graph], [], wait=5) == 1
    finally:
        store.close()


def test_replacing_most_documents_rebuilds_at_once(small, home, monkeypatch):
    """An update that would replace enough documents to trigger the compacting rebuild skips straight to it
    (a first quality scoring re-indexes every record); a smaller one updates the generation in place."""
    from catalogue import index
    from catalogue.records import record_graph

    settings = load_settings(home)
    graphs = [record_graph(settings.base, "inc", f"https://inc.example.lu/ds/{i}") for i in range(5)]
    monkeypatch.setattr(index, "COMPACT_MIN", 3)
    first = current_generation(settings)
    store = open_store(settings)
    try:
        assert index.update_index(settings, store, graphs[:2], []) == 2
        assert current_generation(settings) == first
        assert index.update_index(settings, store, graphs, []) == 5
        assert current_generation(settings) not in (None, first)
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        assert api(client, q="orchard")["total"] == 5
