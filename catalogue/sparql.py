"""The node's read-only SPARQL 1.1 endpoint: guard, negotiate, run in a worker, describe the service.

Queries run over a published snapshot (see `catalogue.snapshots`): anonymous callers get the public
projection, which holds no restricted record at all, so no query can reveal one. On a remote store that
projection is published from the node's public mirror (`catalogue.public_mirror`). The default graph is the
union of all record graphs; FROM / FROM NAMED and the protocol's default-graph-uri / named-graph-uri pick
graphs *of the store* (Oxigraph never dereferences them). Limits are in `Settings.sparql`.
"""

from __future__ import annotations

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.snapshots import SnapshotStore, current
from catalogue.sparql_pool import QueryPool
from catalogue.sparql_protocol import (
    BadSparqlRequest,
    EndpointUnavailable,
    MalformedQuery,
    Operation,
    QueryFailed,
    ResultNotAcceptable,
    SparqlError,
    guard_query,
    negotiate,
)
from catalogue.sparql_results import GRAPH_FORMATS, MEDIA_TYPES, Answer, Job
from catalogue.store import GraphStore
from vocabularies.namespaces import DCT, FEDCAT, RDF, XSD, Namespace

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV")
GRAPH_FORMAT_IRIS = ("Turtle", "JSON-LD", "RDF_XML", "N-Triples")
_STATUS_ERRORS: dict[str, type[SparqlError]] = {
    "malformed": MalformedQuery,
    "failed": QueryFailed,
    "not-acceptable": ResultNotAcceptable,
    "unavailable": EndpointUnavailable,
}


class SparqlEndpoint:
    """Runs protocol operations for one node; `start()` / `close()` bracket the worker pool's life."""

    def __init__(self, settings: Settings, public: GraphStore, full: GraphStore | None = None) -> None:
        self.settings = settings
        self.limits = settings.sparql
        self.url = f"{settings.base}/sparql"
        # Workers open snapshots by path; a store that is not a published snapshot cannot be shared with them.
        self._public = public if isinstance(public, SnapshotStore) else None
        self._full = full if isinstance(full, SnapshotStore) else None
        # A remote store's public projection is published from its mirror (catalogue.public_mirror) by the writers;
        # the endpoint opens it once there is one, and does not publish itself (the server may be down right now).
        self._mirrored = self._public is None and settings.store.backend == "sparql"
        self.pool = QueryPool(self.limits) if self._public is not None or self._mirrored else None

    def start(self) -> None:
        """Start the query workers, opening the current public snapshot (if there is one yet)."""
        if self.pool is not None:
            try:
                snapshot: str | None = self._snapshot(restricted=False)
            except EndpointUnavailable:
                snapshot = None
            self.pool.start(snapshot)

    def close(self) -> None:
        """Stop the query workers."""
        if self.pool is not None:
            self.pool.close()

    def _snapshot(self, restricted: bool) -> str:
        if self._mirrored and self._public is None and not restricted and current(self.settings) is not None:
            self._public = SnapshotStore(self.settings, public=True)
        source = self._full if restricted else self._public
        if source is None and restricted and self._mirrored:
            raise EndpointUnavailable(
                "restricted records are queryable here only on the embedded store; on a remote store the mirror "
                "holds public records only: query the store's own endpoint with its own access control"
            )
        if source is None:
            raise EndpointUnavailable(
                "the SPARQL endpoint serves published snapshots, and this node has none yet"
                + (" (a harvest on the remote store publishes the first)" if self._mirrored else "")
            )
        source.refresh()
        return str(source.snapshot)

    async def query(self, operation: Operation, accept: str | None, restricted: bool = False) -> tuple[Answer, bytes]:
        """Answer one query operation; `restricted` (partner tokens with `catalogue:restricted`) reads every record."""
        assert operation.query is not None
        shape = guard_query(operation.query)
        formats = {kind: negotiate(accept, kind) for kind in ("solutions", "boolean", "graph")}
        if not any(formats.values()):
            raise ResultNotAcceptable(
                f"no SPARQL result serialisation matches {accept!r}; offered: {', '.join(MEDIA_TYPES.values())}"
            )
        for iri in operation.default_graphs + operation.named_graphs:
            try:
                ox.NamedNode(iri)
            except ValueError as exc:
                raise BadSparqlRequest(f"{iri!r} is not a graph IRI: {exc}") from exc
        job = Job(
            snapshot=self._snapshot(restricted),
            query=operation.query,
            base_iri=self.url,
            union_default_graph=not shape.has_dataset_clause,
            default_graphs=operation.default_graphs if operation.dataset_given else None,
            named_graphs=operation.named_graphs if operation.dataset_given else None,
            solutions_format=formats["solutions"],
            boolean_format=formats["boolean"],
            graph_format=formats["graph"],
            max_rows=self.limits.max_rows,
            max_bytes=self.limits.max_result_bytes,
        )
        assert self.pool is not None
        answer, body = await self.pool.run(job)
        if answer.status != "ok":
            raise _STATUS_ERRORS[answer.status](answer.message)
        return answer, body

    def service_description(self, fmt: str) -> bytes:
        """The SPARQL 1.1 Service Description of this endpoint in `fmt` (ttl, jsonld, rdf, nt)."""
        service = ox.NamedNode(f"{self.url}#service")
        dataset = ox.NamedNode(f"{self.url}#dataset")
        graph = ox.NamedNode(f"{self.url}#default-graph")
        triples = [
            ox.Triple(service, RDF.type, SD.Service),
            ox.Triple(service, SD.endpoint, ox.NamedNode(self.url)),
            ox.Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
            ox.Triple(service, SD.feature, SD.UnionDefaultGraph),
            ox.Triple(service, SD.defaultEntailmentRegime, ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
            ox.Triple(service, DCT.title, ox.Literal(f"{self.settings.node.title}: SPARQL endpoint")),
            ox.Triple(service, SD.defaultDataset, dataset),
            ox.Triple(dataset, RDF.type, SD.Dataset),
            ox.Triple(dataset, SD.defaultGraph, graph),
            ox.Triple(graph, RDF.type, SD.Graph),
            ox.Triple(
                graph,
                DCT.description,
                ox.Literal("The union of every public record graph; each record is also a named graph."),
            ),
            # The limits a partner portal has to plan for.
            ox.Triple(
                service,
                FEDCAT.queryTimeoutSeconds,
                ox.Literal(f"{self.limits.timeout_seconds:g}", datatype=XSD.decimal),
            ),
            ox.Triple(service, FEDCAT.maxResultRows, ox.Literal(str(self.limits.max_rows), datatype=XSD.integer)),
            ox.Triple(
                service, FEDCAT.maxQueryBytes, ox.Literal(str(self.limits.max_query_bytes), datatype=XSD.integer)
            ),
        ]
        triples += [ox.Triple(service, SD.resultFormat, FORMATS[name]) for name in RESULT_FORMAT_IRIS]
        triples += [ox.Triple(service, SD.resultFormat, FORMATS[name]) for name in GRAPH_FORMAT_IRIS]
        rdf_format = GRAPH_FORMATS[fmt]
        prefixes = {"sd": str(SD), "formats": str(FORMATS), "dct": str(DCT), "fedcat": str(FEDCAT), "xsd": str(XSD)}
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
            return ox.serialize(triples, format=rdf_format, prefixes=prefixes)  # type: ignore[return-value]
        return ox.serialize(triples, format=rdf_format)  # type: ignore[return-value]
