"""Dataset pages: the JSON view, content negotiation, DCAT-AP conformance, the HTML page, 404/406, escaping."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.api import create_app
from catalogue.config import load_settings
from catalogue.datasets import load_dataset
from catalogue.errors import NotFound
from catalogue.nodehome import init_home
from catalogue.records import dataset_id
from tests.conftest import Cli
from tests.servers import CkanApi, LoopbackServer
from tests.shacl_check import DCAT_AP_301_BASE, violations

EU = "http://publications.europa.eu/resource/authority/"
HOME_TTL = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://data.home.lu/dataset/air> a dcat:Dataset ;
  dct:title "Air quality"@en , "Qualité de l'air"@fr , "Luftqualität"@de ;
  dct:description "Hourly air quality."@en , "Qualité de l'air, par heure."@fr , "Stündliche Luftqualität."@de ;
  dct:identifier "AIR-1" ;
  dcat:keyword "air"@en , "pollution"@en , "air"@fr , "Luft"@de ;
  dct:publisher <https://data.home.lu/org/env> ;
  dcat:contactPoint [ a vcard:Organization ; vcard:fn "Air desk" ; vcard:hasEmail <mailto:air@home.lu> ] ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY> ;
  dct:language <http://publications.europa.eu/resource/authority/language/FRA> ,
               <http://publications.europa.eu/resource/authority/language/ENG> ;
  dcat:landingPage <https://data.home.lu/air> ;
  dct:issued "2020-01-01"^^xsd:date ; dct:modified "2024-05-01T10:00:00Z"^^xsd:dateTime ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2019-01-01"^^xsd:date ; dcat:endDate "2023-12-31"^^xsd:date ] ;
  dct:spatial <http://publications.europa.eu/resource/authority/country/LUX> ;
  dcat:distribution <https://data.home.lu/dataset/air/csv> , <https://data.home.lu/dataset/air/api> .
<https://data.home.lu/org/env> a foaf:Organization ;
  foaf:name "Environment Agency"@en , "Administration de l'environnement"@fr .
<https://data.home.lu/dataset/air/csv> a dcat:Distribution ;
  dct:title "Air quality (CSV)"@en , "Qualité de l'air (CSV)"@fr ;
  dcat:accessURL <https://files.home.lu/air.csv> ; dcat:downloadURL <https://files.home.lu/air.csv> ;
  dct:format "CSV" ; dcat:mediaType "text/csv" ; dcat:byteSize "123456"^^xsd:nonNegativeInteger ;
  dct:license <http://creativecommons.org/licenses/by/4.0/> .
<https://data.home.lu/dataset/air/api> a dcat:Distribution ;
  dct:title "Air quality API"@en ; dcat:accessURL <https://api.home.lu/air> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/JSON> ;
  dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> .
<https://data.home.lu/dataset/noise> a dcat:Dataset ;
  dct:title "Lärmkarte"@de ; dct:description "Strategische Lärmkarte."@de ;
  dct:publisher <https://data.home.lu/org/env> .
<https://data.home.lu/dataset/xss> a dcat:Dataset ;
  dct:title "<script>alert('title')</script> Bus stops"@en ;
  dct:description "</p><img src=x onerror=alert(1)>"@en ;
  dcat:landingPage <javascript:alert(1)> ;
  dct:publisher <https://data.home.lu/org/env> .
"""
SECRET_TTL = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://secret.home.lu/dataset/register> a dcat:Dataset ; dct:title "Secret register"@en ;
  dct:description "Who breathes what."@en ; dct:identifier "AIR-1" .
"""
PARTNER_PACKAGES = [
    {
        "id": "p-air",
        "name": "air",
        "title": "Air quality (mirror)",
        "notes": "Mirror of the home portal's air quality dataset.",
        "metadata_modified": "2024-01-01T00:00:00",
        "url": "http://www.data.home.lu/air/",
        "organization": {"name": "mirror-org", "title": "Mirror Org"},
        "extras": [{"key": "identifier", "value": "air-1"}],
        "resources": [{"id": "r1", "name": "Air CSV", "url": "https://files.home.lu/air.csv", "format": "CSV"}],
    }
]
AIR = "https://data.home.lu/dataset/air"
RDF_FORMATS = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE, "turtle"),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD, "json-ld"),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML, "xml"),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES, "nt"),
}


@dataclass
class Node:
    home: Path
    url: str
    report: dict[str, Any]

    def run(self, source: str) -> dict[str, Any]:
        return next(r for r in self.report["runs"] if r["source"] == source)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One node for the module: a DCAT home source, a CKAN partner (loopback) and a restricted file source."""
    tmp = tmp_path_factory.mktemp("pages")
    home = tmp / "node"
    init_home(home)
    cli = Cli(home)
    server = LoopbackServer().start()
    server.route("/home.ttl", HOME_TTL)
    CkanApi(PARTNER_PACKAGES).mount(server, "/partner")
    secret = tmp / "secret.ttl"
    secret.write_text(SECRET_TTL)
    loopback = ("--allow-private-network",)
    cli("sources", "add", "home", "--kind", "dcat", "--url", f"{server.url}/home.ttl", *loopback)
    cli("sources", "add", "partner", "--kind", "ckan", "--url", f"{server.url}/partner", *loopback)
    cli("sources", "add", "secret", "--kind", "dcat", "--url", secret.as_uri(), "--restricted")
    result = cli("harvest")
    assert result.exit_code == 0, result.output
    report = json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())
    yield Node(home, server.url, report)
    server.stop()


@pytest.fixture(scope="module")
def client(node: Node) -> Any:
    with TestClient(create_app(load_settings(node.home))) as c:
        yield c


def air_id() -> str:
    return dataset_id("home", AIR)


def test_json_view_in_the_requested_language(client):
    response = client.get(f"/api/datasets/{air_id()}?lang=fr")
    assert response.status_code == 200
    assert response.headers["content-language"] == "fr" and "Accept-Language" in response.headers["vary"]
    view = response.json()
    assert view["id"] == air_id() and view["iri"] == AIR and view["language"] == "fr"
    assert view["title"] == {"value": "Qualité de l'air", "lang": "fr"}
    assert view["description"]["lang"] == "fr"
    assert view["keywords"] == [{"value": "air", "lang": "fr"}]
    assert view["by_language"]["title"] == {"en": "Air quality", "fr": "Qualité de l'air", "de": "Luftqualität"}
    assert view["by_language"]["keywords"]["en"] == ["air", "pollution"]
    assert view["identifiers"] == ["AIR-1"]
    assert view["publisher"]["iri"] == "https://data.home.lu/org/env"
    assert view["publisher"]["name"] == {"value": "Administration de l'environnement", "lang": "fr"}
    assert view["contact_points"] == [{"name": "Air desk", "email": "air@home.lu", "url": None, "phone": None}]
    assert view["themes"] == [{"iri": EU + "data-theme/ENVI", "label": "Environnement"}]
    assert view["access_rights"]["iri"] == EU + "access-right/PUBLIC"
    assert view["frequency"]["iri"] == EU + "frequency/DAILY" and view["frequency"]["label"]
    assert {(lang["code"], lang["label"]) for lang in view["languages"]} == {("fr", "français"), ("en", "anglais")}
    assert {f["iri"] for f in view["formats"]} == {EU + "file-type/CSV", EU + "file-type/JSON"}
    assert view["landing_page"] == "https://data.home.lu/air"
    assert view["temporal"] == [{"start": "2019-01-01", "end": "2023-12-31"}]
    assert view["spatial"] == [{"iri": EU + "country/LUX", "label": "LUX"}]
    assert view["issued"] == "2020-01-01" and view["modified"] == "2024-05-01T10:00:00Z"
    assert view["licence"]["iri"] == EU + "licence/CC_BY_4_0"  # both distributions carry it
    assert view["quality"] is None
    assert len(view["distributions"]) == 2
    by_title = {d["title"]["value"]: d for d in view["distributions"]}
    csv = by_title["Qualité de l'air (CSV)"]
    assert csv["download_url"] == "https://files.home.lu/air.csv"
    assert csv["format"] == {"iri": EU + "file-type/CSV", "label": "CSV"}
    assert csv["media_type"] == {"iri": "http://www.iana.org/assignments/media-types/text/csv", "label": "text/csv"}
    assert csv["byte_size"] == 123456
    assert csv["licence"]["iri"] == EU + "licence/CC_BY_4_0" and "Creative Commons" in csv["licence"]["label"]
    api = by_title["Air quality API"]  # no French title: falls back to English
    assert api["title"]["lang"] == "en" and api["access_url"] == "https://api.home.lu/air"
    assert api["format"]["label"] == "JSON"


@pytest.mark.parametrize(
    ("query", "headers", "title", "lang", "display"),
    [
        ("?lang=lb", {}, "Air quality", "en", "lb"),  # no Luxembourgish title: English next
        ("", {"Accept-Language": "lb, de;q=0.8, en;q=0.5"}, "Luftqualität", "de", "lb"),
        ("", {"Accept-Language": "ja"}, "Air quality", "en", "en"),
        ("?lang=de", {"Accept-Language": "fr"}, "Luftqualität", "de", "de"),  # lang= wins
    ],
)
def test_language_fallback(client, query, headers, title, lang, display):
    view = client.get(f"/api/datasets/{air_id()}{query}", headers=headers).json()
    assert view["title"] == {"value": title, "lang": lang} and view["language"] == display


def test_a_dataset_in_one_language_falls_back_to_it(client):
    view = client.get(f"/api/datasets/{dataset_id('home', 'https://data.home.lu/dataset/noise')}?lang=en").json()
    assert view["title"] == {"value": "Lärmkarte", "lang": "de"}


def test_provenance_is_what_the_run_report_says(client, node):
    run = node.run("home")
    provenance = client.get(f"/api/datasets/{air_id()}").json()["provenance"]
    assert provenance["source"] == "home"
    assert provenance["original_url"] == f"{node.url}/home.ttl"
    assert provenance["run"] == run["run"]
    assert provenance["last_harvested"] == run["ended"]
    assert run["started"] <= provenance["first_harvested"] <= run["ended"]
    assert run["started"] <= provenance["last_changed"] <= run["ended"]


def test_also_listed_in_links_the_duplicate_pair_but_not_restricted_records(client, node):
    pairs = {(d["source"], d["other_source"]) for d in node.report["duplicates"]}
    assert ("home", "secret") in pairs  # the restricted copy is a duplicate in the full graph ...
    listed = client.get(f"/api/datasets/{air_id()}").json()["also_listed_in"]
    assert [entry["source"] for entry in listed] == ["partner"]  # ... but never shown to anonymous callers
    mirror = listed[0]
    assert mirror["title"]["value"] == "Air quality (mirror)"
    assert {"id:air-1", "url:data.home.lu/air", "url:files.home.lu/air.csv"} <= set(mirror["matched_on"])
    back = client.get(f"/api/datasets/{mirror['id']}").json()
    assert [(e["id"], e["source"]) for e in back["also_listed_in"]] == [(air_id(), "home")]
    assert back["provenance"]["source"] == "partner"
    assert back["distributions"][0]["format"]["iri"] == EU + "file-type/CSV"


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_every_rdf_form_parses_and_conforms(client, reference, fmt):
    media, ox_format, rdflib_format = RDF_FORMATS[fmt]
    by_accept = client.get(f"/datasets/{air_id()}", headers={"Accept": media})
    by_query = client.get(f"/datasets/{air_id()}?format={fmt}")
    for response in (by_accept, by_query):
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        assert response.headers["vary"].startswith("Accept")
        assert 'rel="alternate"; type="text/html"' in response.headers["link"]
        assert f'type="{media}"' not in response.headers["link"]  # names the others, not itself
    triples = list(ox.parse(by_accept.content, format=ox_format))
    subjects = {t.subject.value for t in triples if t.object.value == "http://www.w3.org/ns/dcat#Dataset"}
    assert subjects == {AIR}
    predicates = {t.predicate.value for t in triples}
    assert "https://w3id.org/fedcat/ns#contentHash" not in predicates  # our bookkeeping stays in the store
    assert "http://www.w3.org/ns/dcat#CatalogRecord" in {t.object.value for t in triples}
    assert violations(by_accept.content, reference / DCAT_AP_301_BASE, rdflib_format) == []


def test_partner_record_conforms_too(client, reference):
    mirror = client.get(f"/api/datasets/{air_id()}").json()["also_listed_in"][0]["id"]
    assert violations(client.get(f"/datasets/{mirror}?format=ttl").content, reference / DCAT_AP_301_BASE) == []


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Structure(HTMLParser):
    """Checks that every element is closed in order, and collects headings, links, landmarks and lang."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attrs: dict[str, list[dict[str, str | None]]] = {}
        self.headings: list[tuple[int, str]] = []
        self.links: list[tuple[str | None, str]] = []
        self._capture: list[list[str]] = []
        self._kinds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs.setdefault(tag, []).append(dict(attrs))
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6", "a", "title"}:
            self._capture.append([])
            self._kinds.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if self._kinds and self._kinds[-1] == tag:
            text = " ".join("".join(self._capture.pop()).split())
            self._kinds.pop()
            if tag == "a":
                self.links.append((self.attrs["a"][-1].get("href"), text))
            elif tag.startswith("h"):
                self.headings.append((int(tag[1]), text))
            else:
                self.title = text

    def handle_data(self, data: str) -> None:
        for part in self._capture:
            part.append(data)


def page(client: TestClient, url: str, **headers: str) -> tuple[Structure, str]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    parser = Structure()
    parser.feed(response.text)
    parser.close()
    return parser, response.text


def test_html_page_is_well_formed_accessible_and_complete(client):
    response = client.get(f"/datasets/{air_id()}?lang=fr", headers={"Accept": "text/html"})
    assert "script-src" not in response.headers["content-security-policy"]  # no script allowed at all
    assert response.headers["content-language"] == "fr"
    parsed, html = page(client, f"/datasets/{air_id()}?lang=fr")
    assert parsed.errors == [] and parsed.stack == []
    assert parsed.attrs["html"][0]["lang"] == "fr"
    assert parsed.tags["main"] == 1 and parsed.tags["header"] >= 1 and parsed.tags["footer"] == 1
    assert parsed.tags["nav"] == 1 and parsed.attrs["nav"][0].get("aria-label")
    assert parsed.tags["script"] == 0
    levels = [level for level, _ in parsed.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))  # no skipped heading level
    assert parsed.headings[0][1] == "Qualité de l'air"
    assert "Qualité de l'air" in parsed.title
    headings = {text for _, text in parsed.headings}
    assert {"Distributions", "Provenance", "Qualité de l'air (CSV)", "Air quality API"} <= headings
    assert '<span lang="en">Air quality API</span>' in html  # a fallback value says its language
    assert all(text for _, text in parsed.links), "every link has a text"
    hrefs = {href for href, _ in parsed.links}
    assert "https://files.home.lu/air.csv" in hrefs and "mailto:air@home.lu" in hrefs
    assert f"/datasets/{air_id()}?format=ttl" in hrefs and f"/api/datasets/{air_id()}" in hrefs
    mirror = client.get(f"/api/datasets/{air_id()}").json()["also_listed_in"][0]["id"]
    assert f"/datasets/{mirror}" in hrefs
    stylesheet = parsed.attrs["link"][0]["href"]
    assert client.get(stylesheet).status_code == 200


def test_format_parameter_overrides_accept(client):
    response = client.get(f"/datasets/{air_id()}?format=ttl", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/turtle")
    response = client.get(f"/datasets/{air_id()}?format=html", headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("text/html")
    for accept, media in [
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("text/turtle;q=0.5, application/n-triples", "application/n-triples"),
        ("application/json", "application/ld+json"),
    ]:
        assert client.get(f"/datasets/{air_id()}", headers={"Accept": accept}).headers["content-type"].startswith(media)


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == slug and body["status"] == status and body["detail"]
    return body


def test_unknown_and_restricted_ids_answer_the_same_404(client):
    secret = dataset_id("secret", "https://secret.home.lu/dataset/register")
    unknown = "0123456789abcdef"
    for url in ("/api/datasets/{}", "/datasets/{}", "/datasets/{}?format=ttl"):
        same = {"X-Request-ID": "same-id"}  # error bodies carry the request id: the only part allowed to differ
        missing = problem(client.get(url.format(unknown), headers=same), 404, "not-found")
        restricted = problem(client.get(url.format(secret), headers=same), 404, "not-found")
        assert missing["request_id"] == "same-id"
        assert json.loads(json.dumps(restricted).replace(secret, unknown)) == missing
    problem(client.get("/api/datasets/'%20UNION%20{}"), 404, "not-found")


def test_restricted_records_stay_hidden_even_in_a_store_that_holds_them(client, node):
    """The public snapshot has no restricted graph; the loader also filters, for stores that hold all."""
    full = client.app.state.full_store
    settings = load_settings(node.home)
    secret = dataset_id("secret", "https://secret.home.lu/dataset/register")
    with pytest.raises(NotFound):
        load_dataset(full, settings, secret)
    assert load_dataset(full, settings, secret, include_restricted=True).source == "secret"
    assert {x.source for x in load_dataset(full, settings, air_id(), include_restricted=True).also_listed_in} == {
        "partner",
        "secret",
    }


def test_unacceptable_media_type_is_406_json(client):
    problem(client.get(f"/datasets/{air_id()}", headers={"Accept": "image/png"}), 406, "not-acceptable")
    problem(client.get(f"/datasets/{air_id()}?format=xls"), 422, "invalid-request")


def test_markup_in_metadata_is_escaped(client):
    xss = dataset_id("home", "https://data.home.lu/dataset/xss")
    parsed, html = page(client, f"/datasets/{xss}")
    assert parsed.tags["script"] == 0 and parsed.tags["img"] == 0
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Bus stops" in html
    assert "javascript:alert(1)" in html  # the harvested landing page is shown, as text
    assert all(not (href or "").startswith("javascript:") for href, _ in parsed.links)
    assert parsed.headings[0][1] == "<script>alert('title')</script> Bus stops"
