"""SPARQL 1.1 Protocol rules for the read-only endpoint: reading an operation, the query guard, negotiation.

Nothing here runs a query. The HTTP router turns a request into an `Operation` with `read_operation`,
`guard_query` refuses what the endpoint never does (updates, `SERVICE`), and `negotiate` picks the result
serialisations the client accepts for each kind of answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from catalogue.errors import FedcatError

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_KEYWORDS = frozenset({"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"})


class SparqlError(FedcatError):
    """A refused or failed SPARQL request; `headers` go on the HTTP answer (Retry-After, Allow)."""

    status, type, title = 400, "bad-request", "Bad SPARQL request"
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only default, instances replace it

    def __init__(self, message: str, headers: dict[str, str] | None = None, **extra: object) -> None:
        super().__init__(message, **extra)
        if headers:
            self.headers = headers


class BadSparqlRequest(SparqlError):
    """The request does not follow the SPARQL 1.1 Protocol (no query, two queries, a bad graph IRI, ...)."""


class MalformedQuery(SparqlError):
    """The query does not parse; `detail` carries the parser's message."""

    type, title = "malformed-query", "Malformed SPARQL query"


class QueryFailed(SparqlError):
    """The query parsed but its evaluation failed."""

    type, title = "query-failed", "SPARQL query failed"


class UpdateRefused(SparqlError):
    """Any SPARQL Update: the endpoint is read-only."""

    status, type, title = 403, "update-refused", "Updates are refused"


class ServiceRefused(SparqlError):
    """A federated `SERVICE` pattern: the endpoint never opens a connection anywhere."""

    status, type, title = 403, "service-refused", "SERVICE is refused"


class MethodNotAllowed(SparqlError):
    """A method other than GET, POST or OPTIONS."""

    status, type, title = 405, "method-not-allowed", "Method not allowed"


class ResultNotAcceptable(SparqlError):
    """No serialisation of this kind of answer matches the Accept header."""

    status, type, title = 406, "not-acceptable", "Not acceptable"


class QueryTooLarge(SparqlError):
    """A query (or request body) over the size cap."""

    status, type, title = 413, "payload-too-large", "Query too large"


class UnsupportedMediaType(SparqlError):
    """A POST body that is neither a URL-encoded form nor `application/sparql-query` in UTF-8."""

    status, type, title = 415, "unsupported-media-type", "Unsupported media type"


class TooManyQueries(SparqlError):
    """Every worker is busy and the waiting line is full."""

    status, type, title = 429, "too-many-requests", "Too many concurrent queries"


class QueryTimeout(SparqlError):
    """The query ran past the per-query timeout; its worker was stopped."""

    status, type, title = 503, "query-timeout", "Query timed out"


class EndpointUnavailable(SparqlError):
    """The endpoint cannot answer now (no published snapshot, a worker that died)."""

    status, type, title = 503, "sparql-unavailable", "SPARQL endpoint unavailable"


@dataclass(frozen=True)
class Operation:
    """A protocol request reduced to what matters: a query (or none: describe the service) and its dataset."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    dataset_given: bool = False


@dataclass
class _Params:
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.pairs)


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    media, *params = content_type.split(";")
    parsed = {}
    for p in params:
        key, _, value = p.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return media.strip().lower(), parsed


def _decode_form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadSparqlRequest(f"the form body is not valid percent-encoded UTF-8: {exc}") from exc


def read_operation(
    method: str, content_type: str | None, url_params: list[tuple[str, str]], body: bytes, max_query_bytes: int
) -> Operation:
    """The operation a SPARQL Protocol request asks for; a `SparqlError` when it is malformed or refused."""
    url = _Params(url_params)
    if method == "GET":
        if url.has("update"):
            raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
        params = url
    elif method == "POST":
        media, media_params = _media_type(content_type)
        if media == SPARQL_UPDATE or url.has("update"):
            raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
        if media == FORM:
            form = _Params(_decode_form(body))
            if form.has("update"):
                raise UpdateRefused("this endpoint is read-only: SPARQL Update is not accepted")
            if url.has("query"):
                raise BadSparqlRequest("a form POST carries its query in the body, not in the URL")
            params = _Params(form.pairs + [(k, v) for k, v in url.pairs if k in DATASET_PARAMS])
        elif media == SPARQL_QUERY:
            charset = media_params.get("charset", "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise UnsupportedMediaType(f"queries must be UTF-8, not {charset}")
            if url.has("query"):
                raise BadSparqlRequest("a direct POST carries its query in the body, not also in the URL")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise UnsupportedMediaType(f"the query is not valid UTF-8: {exc}") from exc
            params = _Params([("query", text)] + [(k, v) for k, v in url.pairs if k in DATASET_PARAMS])
        else:
            raise UnsupportedMediaType(
                f"POST a query as {FORM} (query=...) or as {SPARQL_QUERY}, not as {media or 'an untyped body'}"
            )
    else:
        raise MethodNotAllowed(f"{method} is not a SPARQL operation; use GET or POST", {"Allow": "GET, POST, OPTIONS"})

    queries = params.all("query")
    if len(queries) > 1:
        raise BadSparqlRequest(f"exactly one query per request, got {len(queries)}")
    default_graphs = tuple(params.all("default-graph-uri"))
    named_graphs = tuple(params.all("named-graph-uri"))
    dataset_given = bool(default_graphs or named_graphs)
    if not queries:
        if method == "POST":
            raise BadSparqlRequest("no query in the request")
        return Operation(None)
    query = queries[0]
    if len(query.encode("utf-8")) > max_query_bytes:
        raise QueryTooLarge(f"the query is over {max_query_bytes} bytes")
    return Operation(query, default_graphs, named_graphs, dataset_given)


# --- the query guard -------------------------------------------------------------------------------------
# pyoxigraph has no public parser, so the guard reads the query lexically, with the SPARQL 1.1 terminals for
# everything that hides text from the parser (strings, IRIs, comments, variables, prefixed names with their
# `\'` / `\#` escapes). Oxigraph's PEG grammar needs no boundary after a keyword (`trueSERVICE <x> {}` and
# `'a'SERVICE:x {}` both parse as SERVICE), so the guard looks for the letters "service" anywhere in query
# text outside those tokens, and in prefix names. It is the first line; the workers' seccomp filter, which
# refuses every IP socket, is the second.

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS = _BASE + "_\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][BASE_0-9][BASE_0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<pname>(?P<prefix>[BASE](?:[CHARS.]*[CHARS])?)?:
      (?:(?:[BASE_:0-9]|PLX)(?:(?:[CHARS.:]|PLX)*(?:[CHARS:]|PLX))?)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<code>[^#'"<?$:\w]+|.)
    """.replace("BASE", _BASE)
    .replace("CHARS", _CHARS)
    .replace("PLX", _PLX),
    re.VERBOSE | re.DOTALL,
)
_SERVICE = re.compile("service", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d]\w*")
# An IRI whose text starts with `scheme://` cannot be read as code, so it cannot hide a keyword.
_HIERARCHICAL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class QueryShape:
    """What the guard learnt about a query it let through."""

    has_dataset_clause: bool  # FROM / FROM NAMED: the query picks its own graphs (from the store, never fetched)


def _code_segments(text: str) -> tuple[list[str], list[str], list[str]]:
    """Code outside strings, IRIs, comments and variables; prefix names; and the IRIs' texts."""
    code, prefixes, iris = [], [], []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("word", "code"):
            code.append(m.group())
        elif kind == "pname":
            prefixes.append(m.group("prefix") or "")
        elif kind == "iri":
            iris.append(m.group()[1:-1])
    return code, prefixes, iris


def _hides_service(text: str, depth: int = 0) -> bool:
    code, prefixes, iris = _code_segments(text)
    if any(_SERVICE.search(c) for c in code) or any(_SERVICE.search(p) for p in prefixes):
        return True
    if depth:
        return False
    # `FILTER(?a<?b)SERVICE#>` lexes as an IRI, yet Oxigraph reads `<` as less-than and `#>` as a comment:
    # an IRI can only hide a keyword that way when a `#` follows it, so read that stretch as code too.
    for iri in iris:
        if "#" in iri and not _HIERARCHICAL.match(iri) and _hides_service(iri[: iri.rindex("#")], depth + 1):
            return True
    return False


def guard_query(query: str) -> QueryShape:
    """Refuse updates and `SERVICE`; report whether the query names its own dataset (FROM / FROM NAMED)."""
    if _hides_service(query):
        raise ServiceRefused(
            "federated queries (SERVICE) are not allowed: this endpoint never connects to other services "
            "(the word 'service' is refused anywhere outside strings, IRIs, comments and variable names)"
        )
    code, _, _ = _code_segments(query)
    words = [segment.lower() for segment in code if _WORD.fullmatch(segment)]
    first = next((w for w in words if w not in ("base", "prefix")), "")
    if first in UPDATE_KEYWORDS:
        raise UpdateRefused(f"this endpoint is read-only: {first.upper()} and every other SPARQL Update is refused")
    return QueryShape(has_dataset_clause="from" in words)


# --- content negotiation ---------------------------------------------------------------------------------

# (format key, media type) in the order the server prefers; extra media types map onto a key.
SOLUTIONS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
BOOLEAN = {"json": SOLUTIONS["json"], "xml": SOLUTIONS["xml"]}
GRAPH = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}
ALIASES = {
    "solutions": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "boolean": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "graph": {
        "application/x-turtle": "ttl",
        "application/json": "jsonld",
        "application/xml": "rdf",
        "text/xml": "rdf",
        "text/plain": "nt",
    },
}
OFFERS = {"solutions": SOLUTIONS, "boolean": BOOLEAN, "graph": GRAPH}


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media.strip():
            ranges.append((media.strip().lower(), q))
    return ranges


def negotiate(accept: str | None, kind: str) -> str | None:
    """The format key for `kind` (solutions, boolean, graph) the Accept header prefers; None when none fits."""
    offers = OFFERS[kind]
    if not accept or not accept.strip():
        return next(iter(offers))
    ranges = _ranges(accept)
    candidates = [(media, key) for key, media in offers.items()]
    candidates += [(media, key) for media, key in ALIASES[kind].items()]
    best: tuple[float, int, str] | None = None
    for order, (media, key) in enumerate(candidates):
        main = media.split("/")[0]
        q, specificity = 0.0, -1
        for rng, rq in ranges:
            level = 2 if rng == media else 1 if rng == f"{main}/*" else 0 if rng == "*/*" else -1
            if level > specificity:
                q, specificity = rq, level
        if specificity >= 0 and q > 0 and (best is None or (q, -order) > (best[0], -best[1])):
            best = (q, order, key)
    return best[2] if best else None
