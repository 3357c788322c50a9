"""The SPARQL page's parts: when a `/sparql` request is a browser's, example queries, and results as a table.

The page runs queries through the node's own `SparqlEndpoint` (same guard, limits and public snapshot as the
protocol endpoint), asking for SPARQL JSON results (or Turtle for graphs) and turning them into a table.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from catalogue.api.negotiation import choose

ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
OFFERS = {
    "text/html": "html",
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/n-triples": "nt",
}
EXAMPLES = (
    (
        "sparql_example_titles",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?title WHERE {
  ?dataset a dcat:Dataset ; dct:title ?title .
  FILTER(lang(?title) = "en")
} ORDER BY ?title LIMIT 20""",
    ),
    (
        "sparql_example_publishers",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?name (COUNT(DISTINCT ?dataset) AS ?datasets) WHERE {
  ?dataset a dcat:Dataset ; dct:publisher ?publisher .
  ?publisher foaf:name ?name .
} GROUP BY ?name ORDER BY DESC(?datasets) LIMIT 20""",
    ),
    (
        "sparql_example_formats",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?format (COUNT(?distribution) AS ?distributions) WHERE {
  ?dataset dcat:distribution ?distribution .
  ?distribution dct:format ?format .
} GROUP BY ?format ORDER BY DESC(?distributions)""",
    ),
    (
        "sparql_example_ask",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
ASK { ?dataset dcat:theme <http://publications.europa.eu/resource/authority/data-theme/HEAL> }""",
    ),
    (
        "sparql_example_construct",
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
CONSTRUCT { ?dataset dct:title ?title ; dct:modified ?modified }
WHERE { ?dataset a dcat:Dataset ; dct:title ?title ; dct:modified ?modified } LIMIT 10""",
    ),
)


def wants_page(request: Request) -> bool:
    """True for a browser asking for `/sparql` (text/html preferred over every SPARQL format it names)."""
    accept = request.headers.get("accept") or ""
    return request.method == "GET" and "text/html" in accept.lower() and choose(accept, OFFERS) == "html"


def results_table(answer_body: bytes) -> dict[str, Any]:
    """SPARQL JSON results as `{"vars", "rows"}` (cells: value, type, language), or `{"boolean"}` for ASK."""
    data = json.loads(answer_body)
    if "boolean" in data:
        return {"boolean": bool(data["boolean"])}
    names = list(data.get("head", {}).get("vars", []))
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        cells: list[dict[str, Any] | None] = []
        for name in names:
            term = binding.get(name)
            if term is None:
                cells.append(None)
            else:
                cells.append({"value": term.get("value", ""), "type": term.get("type"), "lang": term.get("xml:lang")})
        rows.append(cells)
    return {"vars": names, "rows": rows}
