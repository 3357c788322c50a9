"""Run one SPARQL query on a pyoxigraph store and serialise its answer within the row and byte caps.

This is what a query worker does, next to its open snapshot.

pyoxigraph serialises results in Rust but cannot stop after N rows (and a partly iterated `QuerySolutions`
serialises only the rest), so the caps are enforced on the serialiser's output, in a writer that raises once
a cap is passed: pyoxigraph aborts the serialisation, and with it the evaluation, on the writer's exception.

* Fast path: the answer is written straight in the negotiated format while the writer counts row markers
  that are an upper bound of the rows (`,{` and `[{` in JSON, `<result>` in XML, line ends in CSV). Most
  answers stay under the caps and go out exactly as pyoxigraph wrote them.
* Exact path, when the fast path hit a cap or the format has no marker: the query is written as TSV
  (solutions) or canonical N-Triples (triples), where every row is exactly one line because newlines inside
  values are escaped, cut at a line end, and converted to the negotiated format by pyoxigraph itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from vocabularies.namespaces import PREFIXES

TRUNCATED_LINK = "https://w3id.org/fedcat/ns#resultsTruncated"

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
    "nt": ox.RdfFormat.N_TRIPLES,
}
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}


@dataclass(frozen=True)
class Job:
    """One query for a worker: plain data, so it pickles cheaply across the pipe."""

    snapshot: str
    query: str
    base_iri: str
    union_default_graph: bool  # the default graph is every graph, unless the query or request names graphs
    default_graphs: tuple[str, ...] | None  # from the request (default-graph-uri); overrides FROM
    named_graphs: tuple[str, ...] | None  # from the request (named-graph-uri); overrides FROM NAMED
    solutions_format: str | None  # negotiated per answer kind; None: the client accepts none
    boolean_format: str | None
    graph_format: str | None
    max_rows: int
    max_bytes: int


@dataclass(frozen=True)
class Answer:
    """A worker's reply: `status` is ok, malformed, failed or not-acceptable; `body` travels separately."""

    status: str
    format: str = ""
    truncated: bool = False
    message: str = ""

    @property
    def media_type(self) -> str:
        """The Content-Type of the body."""
        return MEDIA_TYPES[self.format]


class _CapReached(Exception):
    """Raised inside pyoxigraph's serialiser to stop it (and the evaluation feeding it)."""


class _LineCappedWriter:
    """A binary sink that keeps whole lines only, at most `max_lines` of them and `max_bytes` in total."""

    def __init__(self, max_lines: int, max_bytes: int) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.lines = 0
        self.size = 0
        self.truncated = False

    def write(self, chunk: bytes) -> int:
        data = bytes(chunk)
        lines = data.count(b"\n")
        if self.lines + lines <= self.max_lines and self.size + len(data) <= self.max_bytes:
            self.parts.append(data)
            self.lines += lines
            self.size += len(data)
            return len(data)
        # Keep the longest prefix of this chunk that ends a line and respects both caps, then stop.
        keep, end = self.lines, 0
        while keep < self.max_lines:
            nl = data.find(b"\n", end)
            if nl < 0 or self.size + nl + 1 > self.max_bytes:
                break
            end, keep = nl + 1, keep + 1
        self.parts.append(data[:end])
        self.lines, self.size = keep, self.size + end
        self.truncated = True
        raise _CapReached

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


class _RowCountingWriter:
    """A binary sink counting row markers (an upper bound of the rows); raises past `max_rows` or `max_bytes`."""

    def __init__(self, markers: tuple[bytes, ...], headers: int, max_rows: int, max_bytes: int) -> None:
        self.markers = markers
        self.overlap = max(len(m) for m in markers) - 1  # a marker may straddle two chunks
        self.limit = max_rows + headers
        self.max_bytes = max_bytes
        self.parts: list[bytes] = []
        self.tail = b""
        self.count = 0
        self.size = 0

    def write(self, chunk: bytes) -> int:
        data = bytes(chunk)
        seen = self.tail + data
        self.count += sum(seen.count(m) for m in self.markers)
        self.tail = seen[-self.overlap :] if self.overlap else b""
        self.size += len(data)
        if self.count > self.limit or self.size > self.max_bytes:
            raise _CapReached
        self.parts.append(data)
        return len(data)

    def flush(self) -> None:
        pass


# Row markers per format and how many of them are not rows (CSV's header line).
_MARKERS: dict[str, tuple[tuple[bytes, ...], int]] = {
    "json": ((b",{", b"[{"), 0),  # outside strings `,{` only ever separates rows; inside them it over-counts
    "xml": ((b"<result>",), 0),  # `<` is always escaped in XML text, so this count is exact
    "csv": ((b"\n",), 1),  # quoted values may hold newlines: over-counts only
}


def _capped(
    result: ox.QuerySolutions | ox.QueryTriples, fmt: ox.QueryResultsFormat | ox.RdfFormat, lines: int, max_bytes: int
) -> _LineCappedWriter:
    writer = _LineCappedWriter(lines, max_bytes)
    with contextlib.suppress(_CapReached):
        result.serialize(writer, format=fmt)  # type: ignore[arg-type]
    return writer


def _flag_truncated(body: bytes, fmt: str) -> bytes:
    """Mark a cut answer in-band where the format has a place for it: the results `link` of JSON and XML."""
    if fmt == "json":
        # Oxigraph writes `{"head":{"vars":[...]}` first and variable names cannot contain `]`.
        at = body.index(b"]")
        return body[: at + 1] + b',"link":["' + TRUNCATED_LINK.encode() + b'"]' + body[at + 1 :]
    if fmt == "xml":
        at = body.index(b"</head>")
        return body[:at] + b'<link href="' + TRUNCATED_LINK.encode() + b'"/>' + body[at:]
    return body


def _solutions(run: Callable[[], ox.QuerySolutions], fmt: str, max_rows: int, max_bytes: int) -> tuple[Answer, bytes]:
    if fmt in _MARKERS:
        markers, headers = _MARKERS[fmt]
        fast = _RowCountingWriter(markers, headers, max_rows, max_bytes)
        try:
            run().serialize(fast, format=RESULT_FORMATS[fmt])  # type: ignore[arg-type]
        except _CapReached:
            pass  # maybe over a cap: evaluate again on the exact path
        else:
            return Answer("ok", fmt), b"".join(fast.parts)
    writer = _capped(run(), ox.QueryResultsFormat.TSV, max_rows + 1, max_bytes)  # + the header line
    tsv = writer.getvalue()
    if fmt == "tsv":
        body = tsv
    else:
        parsed = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        body = parsed.serialize(format=RESULT_FORMATS[fmt])  # type: ignore[assignment]
        if writer.truncated:
            body = _flag_truncated(body, fmt)
    return Answer("ok", fmt, writer.truncated), body


def _triples(result: ox.QueryTriples, fmt: str, max_rows: int, max_bytes: int) -> tuple[Answer, bytes]:
    writer = _capped(result, ox.RdfFormat.N_TRIPLES, max_rows, max_bytes)
    nt = writer.getvalue()
    if fmt == "nt":
        body = nt
    else:
        rdf_format = GRAPH_FORMATS[fmt]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
        quads = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
        body = ox.serialize(quads, format=rdf_format, prefixes=prefixes)  # type: ignore[assignment]
    return Answer("ok", fmt, writer.truncated), body


def execute(store: ox.Store, job: Job) -> tuple[Answer, bytes]:
    """Evaluate `job` on `store` and serialise the answer; failures come back as an `Answer` status, not raised."""
    options: dict[str, object] = {"base_iri": job.base_iri}
    if job.default_graphs is not None or job.named_graphs is not None:
        # The protocol's dataset replaces the query's FROM / FROM NAMED, and an absent half is empty.
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
    elif job.union_default_graph:
        # Records live in named graphs: the default graph is their union. Oxigraph ignores FROM under this
        # flag, so it is only set when the query has no dataset clause of its own.
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(job.query, **options)  # type: ignore[arg-type]
    except SyntaxError as exc:
        return Answer("malformed", message=str(exc)), b""
    pending = [result]

    def run() -> ox.QuerySolutions:
        # First the evaluation already started; the exact path, when needed, evaluates the query again.
        return pending.pop() if pending else store.query(job.query, **options)  # type: ignore[arg-type,return-value]

    try:
        if isinstance(result, ox.QueryBoolean):
            if job.boolean_format is None:
                return Answer("not-acceptable", message="ASK answers come as SPARQL JSON or XML results"), b""
            body = result.serialize(format=RESULT_FORMATS[job.boolean_format])
            return Answer("ok", job.boolean_format), body  # type: ignore[return-value]
        if isinstance(result, ox.QuerySolutions):
            if job.solutions_format is None:
                return Answer("not-acceptable", message="SELECT answers come as SPARQL JSON, XML, CSV or TSV"), b""
            return _solutions(run, job.solutions_format, job.max_rows, job.max_bytes)
        if job.graph_format is None:
            return Answer("not-acceptable", message="graphs come as Turtle, JSON-LD, RDF/XML or N-Triples"), b""
        return _triples(result, job.graph_format, job.max_rows, job.max_bytes)
    except (OSError, RuntimeError, ValueError, SyntaxError, TypeError) as exc:
        return Answer("failed", message=str(exc)), b""
