"""The `sparql` harvester: pages `dcat:Dataset` IRIs from a SPARQL endpoint and CONSTRUCTs their records."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from catalogue.errors import FetchError, MappingError, ParseError
from harvesters.base import Event, HarvestContext, Problem, Progress
from harvesters.mapping.dcat import PageGraph, records
from harvesters.rdfparse import guess_format, parse_printed

SELECT_DATASETS = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT DISTINCT ?d WHERE {{ ?d a dcat:Dataset . FILTER(isIRI(?d)) {filter} }}
ORDER BY ?d LIMIT {limit} OFFSET {offset}"""

# Three hops cover dataset → distribution → checksum / agent → address; no SERVICE, no FROM.
CONSTRUCT_RECORDS = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
CONSTRUCT {{ ?d ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 }} WHERE {{
  VALUES ?d {{ {values} }}
  ?d ?p ?o .
  OPTIONAL {{ ?o ?p2 ?o2 . FILTER(!isLiteral(?o))
    OPTIONAL {{ ?o2 ?p3 ?o3 . FILTER(isBlank(?o2)) }} }}
}}"""


class SparqlHarvester:
    """Harvests `dcat:Dataset` descriptions from a SPARQL 1.1 endpoint by GET (Virtuoso hangs on POSTed queries)."""

    complete = False

    def __init__(self, ctx: HarvestContext) -> None:
        self.ctx = ctx
        self.minted_prefix = f"{ctx.base}/source/{ctx.source.name}/dataset/"
        if urlsplit(ctx.source.url).scheme == "file":
            raise FetchError("a sparql source needs an http(s) endpoint; use kind 'dcat' for files")

    def _get(self, query: str, accept: str) -> bytes:
        fetched = self.ctx.fetcher.get(self.ctx.source.url, params={"query": query}, accept=accept)
        return fetched.content

    def _dataset_page(self, offset: int) -> list[str]:
        import json

        limit = self.ctx.source.page_size
        query = SELECT_DATASETS.format(filter=self.ctx.source.query or "", limit=limit, offset=offset)
        body = self._get(query, "application/sparql-results+json")
        try:
            bindings = json.loads(body)["results"]["bindings"]
            return [b["d"]["value"] for b in bindings if b.get("d", {}).get("type") == "uri"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ParseError(f"{self.ctx.source.url} did not answer SPARQL JSON results: {exc}") from exc

    def harvest(self) -> Iterator[Event]:
        offset = 0
        while True:
            iris = self._dataset_page(offset)
            if not iris:
                break
            values = " ".join(f"<{iri}>" for iri in iris if ">" not in iri and " " not in iri)
            body = self._get(CONSTRUCT_RECORDS.format(values=values), "application/n-triples")
            page = PageGraph(*parse_printed(body, guess_format(body, "application/n-triples", "")))
            for item in records(page, self.minted_prefix):
                if isinstance(item, MappingError):
                    yield Problem(item.type, item.title, item.message, record=item.extra.get("record"))
                else:
                    item.original_url = item.dataset.value
                    yield item
            offset += len(iris)
            yield Progress(offset, None)
            if len(iris) < self.ctx.source.page_size:
                break
            if offset // self.ctx.source.page_size > self.ctx.limits.max_pages:
                raise FetchError(f"more than {self.ctx.limits.max_pages} pages from {self.ctx.source.url}")
        self.complete = True
