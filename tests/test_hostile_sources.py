"""Every fetched byte is hostile: each attack gets a clear error in the run report and loses nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from catalogue.config import HarvestLimits
from catalogue.errors import FetchError, ForbiddenAddress, ForbiddenScheme
from harvesters.http import Fetcher
from tests.servers import LoopbackServer, trickle

pytestmark = pytest.mark.store_backends  # every test on Oxigraph and on Virtuoso (tests/conftest.py)

GOOD = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/ds/1> a dcat:Dataset ; dct:title "Kept" ; dct:description "Survives attacks" .
<https://example.org/ds/2> a dcat:Dataset ; dct:title "Also kept" ; dct:description "Survives attacks" .
"""
BOMB_XML = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"
  xmlns:dcat="http://www.w3.org/ns/dcat#">
<dcat:Dataset rdf:about="https://example.org/ds/9"><dct:title>&lol2;</dct:title></dcat:Dataset></rdf:RDF>"""
XXE_XML = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"""
REMOTE_CONTEXT = b'{"@context": "https://schema.org/", "@id": "https://example.org/ds/3", "@type": "Dataset"}'


def report(home: Path) -> dict:
    return json.loads(sorted((home / "runs").glob("harvest-*.json"))[-1].read_text())["runs"][0]


def kept_titles(home: Path) -> set[str]:
    from catalogue.config import load_settings
    from catalogue.store import open_store

    store = open_store(load_settings(home))
    rows = store.select(
        "SELECT ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t }"
    )
    store.close()
    return {r["t"].value for r in rows}


def limit(home: Path, **values: object) -> None:
    import re

    text = (home / "fedcat.toml").read_text()
    for key, value in values.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    (home / "fedcat.toml").write_text(text)


CASES = {
    "xml-entity-bomb": (lambda s: s.route("/c", BOMB_XML, "application/rdf+xml"), "hostile-input", "DOCTYPE"),
    "xml-external-entity": (
        lambda s: s.route("/c", XXE_XML, "application/rdf+xml"),
        "hostile-input",
        "DOCTYPE",
    ),
    "jsonld-remote-context": (
        lambda s: s.route("/c", REMOTE_CONTEXT, "application/ld+json"),
        "hostile-input",
        "remote @context",
    ),
    "malformed-turtle": (
        lambda s: s.route("/c", b'<a> <b> "unterminated .', "text/turtle"),
        "parse-error",
        "Turtle",
    ),
    "too-large": (
        lambda s: s.route("/c", GOOD + b"#" * 5000, "text/turtle"),
        "response-too-large",
        "byte cap",
    ),
    "too-large-no-length": (
        lambda s: s.route("/c", trickle(GOOD + b"#" * 5000, 0, chunk=4096)),
        "response-too-large",
        "byte cap",
    ),
    "gzip-bomb": (
        lambda s: s.route("/c", gzip.compress(b"#" * 10_000_000), "text/turtle", headers={"Content-Encoding": "gzip"}),
        "response-too-large",
        "byte cap",
    ),
    "slow-trickle": (
        lambda s: s.route("/c", trickle(GOOD, 0.3, chunk=8)),
        "deadline-exceeded",
        "did not answer",
    ),
    "http-error": (lambda s: s.route("/c", b"oops", "text/plain", status=503), "http-status", "HTTP 503"),
    "redirect-loop": (
        lambda s: s.route("/c", b"", status=302, headers={"Location": "/c"}),
        "fetch-error",
        "redirects",
    ),
    "redirect-to-file": (
        lambda s: s.route("/c", b"", status=302, headers={"Location": "file:///etc/passwd"}),
        "forbidden-scheme",
        "file://",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_source_fails_cleanly_and_loses_nothing(case, cli, server: LoopbackServer, home):
    limit(home, max_bytes=4096, deadline_seconds=1.5)
    server.route("/c", GOOD)
    cli("sources", "add", "src", "--kind", "dcat", "--url", f"{server.url}/c", "--allow-private-network")
    assert cli("harvest").exit_code == 0
    assert kept_titles(home) == {"Kept", "Also kept"}
    arm, error_type, words = CASES[case]
    arm(server)
    result = cli("harvest", "--full")
    assert result.exit_code == 1
    run = report(home)
    assert run["status"] == "failed"
    assert run["error"]["type"] == error_type, run["error"]
    assert words in run["error"]["detail"]
    assert run["counts"]["withdrawn"] == 0
    assert kept_titles(home) == {"Kept", "Also kept"}


def test_empty_catalogue_does_not_wipe_the_source(cli, server, home):
    """A valid but empty answer (a portal mid-migration) fails the run instead of withdrawing everything."""
    server.route("/c", GOOD)
    cli("sources", "add", "src", "--kind", "dcat", "--url", f"{server.url}/c", "--allow-private-network")
    assert cli("harvest").exit_code == 0
    server.route("/c", b"@prefix dcat: <http://www.w3.org/ns/dcat#> . <https://example.org/c> a dcat:Catalog .")
    assert cli("harvest").exit_code == 1
    run = report(home)
    assert run["error"]["type"] == "empty-gather" and run["counts"]["withdrawn"] == 0
    assert kept_titles(home) == {"Kept", "Also kept"}


SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "2130706433",
    "0x7f.0.0.1",
    "127.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "169.254.169.254",
    "10.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "0.0.0.0",
    "[fe80::1]",
    "100.64.0.1",
]


@pytest.mark.parametrize("host", SPELLINGS)
def test_private_addresses_refused_in_any_spelling(host):
    fetcher = Fetcher(HarvestLimits())
    with pytest.raises(ForbiddenAddress, match="non-public address"):
        fetcher.get(f"http://{host}:9/catalog.ttl")


def test_loopback_source_refused_without_flag(cli, server, home):
    server.route("/c", GOOD)
    cli("sources", "add", "src", "--kind", "dcat", "--url", f"{server.url}/c")
    assert cli("harvest").exit_code == 1
    assert report(home)["error"]["type"] == "forbidden-address"
    assert server.hits == []  # refused before any connection


@pytest.mark.parametrize(
    "url", ["ftp://example.org/c.ttl", "gopher://example.org/", "javascript:alert(1)", "file:///etc/passwd"]
)
def test_schemes_refused(url):
    fetcher = Fetcher(HarvestLimits(), allow_file=False)
    with pytest.raises(ForbiddenScheme):
        fetcher.get(url)


def test_redirect_from_public_host_to_metadata_address_refused():
    """The guard checks every hop: a public portal redirecting to 169.254.169.254 is stopped before the hop."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    def resolver(host: str, port: int) -> list[str]:
        return {"portal.example": ["93.184.216.34"]}.get(host) or [host]

    fetcher = Fetcher(HarvestLimits(), transport=httpx.MockTransport(handler), resolver=resolver)
    with pytest.raises(ForbiddenAddress):
        fetcher.get("http://portal.example/catalog.ttl")
    assert asked == ["http://portal.example/catalog.ttl"]


def test_unresolvable_host_is_a_fetch_error():
    with pytest.raises(FetchError, match="cannot resolve"):
        Fetcher(HarvestLimits()).get("http://no-such-host.invalid/catalog.ttl")
