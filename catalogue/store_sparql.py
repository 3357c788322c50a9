"""The remote graph store: any SPARQL 1.1 Query + Update server behind the `GraphStore` interface.

Tested for real against OpenLink Virtuoso 7.2 from Debian (`scripts/virtuoso.sh`), whose quirks shape the client
(docs/notes/virtuoso-client.md has the evidence):

* Queries go by GET (Virtuoso hangs on a directly POSTed `application/sparql-query`), or as a form POST when the
  URL would be long (Virtuoso reads about 10 KB of request line and silently parses the truncated rest).
* Updates are `INSERT DATA` batches, a few thousand triples each, posted as `application/sparql-update` with
  Virtuoso's `define sql:big-data-const 1` (without it, a batch of a hundred records overflows its SQL compiler).
  Graphs are replaced by `DROP SILENT GRAPH` (plain DROP fails on graphs made by INSERT). Virtuoso's updates are
  not atomic across operations: callers order their writes so a half-done batch is detectable (fedcat writes a
  record's provenance marker last) and `load` deletes what it added when a later request fails.
* Authentication is whatever the server asks for: Digest (Virtuoso's `/sparql-auth`) or Basic, never sent
  before the server's challenge.
* Results that are not complete are errors, never data: Virtuoso answers 200 with partial results and
  `X-SQL-State: S1TAT` when the per-query timeout hits, and silently cuts results at its `ResultSetMaxRows`
  (`X-SPARQL-MaxRows` on SELECT, nothing at all on CONSTRUCT). SELECTs that hit the cap are re-read in ordered
  pages; CONSTRUCTs that may have hit it are re-run as a paged SELECT and their template filled in here.
* Terms Virtuoso would not keep as given are encoded on the way in and decoded on the way out
  (`catalogue.store_sparql_io.TermCodec`).

The default graph of a query is the union of all graphs, as with `OxigraphStore` (Virtuoso's default, which also
includes ~2,500 triples of its own; fedcat's queries all name their graphs with `GRAPH ?g`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from catalogue import __version__
from catalogue.config import Settings
from catalogue.errors import ConfigError, FedcatError
from catalogue.store import Row
from catalogue.store_sparql_io import (
    FORBIDDEN,
    LONG_IRI,
    LONG_IRI_GRAPH,
    LONG_IRI_PREDICATE,
    Batch,
    QueryShape,
    QueryShapeError,
    StoreDataError,
    TermCodec,
    construct_as_select,
    distinct_values,
    fill_template,
    graph_partition,
    insert_batches,
    paged_select,
    parse_template,
    query_shape,
    rows_from_json,
    split_values,
    triples_from_ntriples,
    values_blocks,
    with_values,
)

JSON_RESULTS = "application/sparql-results+json"
CSV_RESULTS = "text/csv"
N_TRIPLES = "application/n-triples"
MAX_GET_URL = 6000  # bytes; Virtuoso 7.2 mangles request lines from about 10,000
CAP_PROBE_ROWS = 10**6

log = logging.getLogger("fedcat.store")
VIRTUOSO_404_PAUSES = (1.0, 2.0, 4.0)  # seconds before each new attempt after Virtuoso's spurious 404
PAGES_WARNING = 3  # a read in more pages than this warns that the row cap makes whole-store reads quadratic


class StoreError(FedcatError):
    """The remote graph store failed or answered something fedcat cannot use."""

    status, type, title = 502, "store-error", "Graph store error"


class StoreUnavailable(StoreError):
    """The remote graph store cannot be reached."""

    status, type, title = 503, "store-unavailable", "Graph store unreachable"


class StoreAuthError(StoreError):
    """The remote graph store refused fedcat's credentials (or asked for some and none are configured)."""

    type, title = "store-auth-failed", "Graph store refused the credentials"


class StoreQueryTimeout(StoreError):
    """A query ran out of time; whatever the server sent so far is discarded."""

    status, type, title = 504, "store-timeout", "Graph store query timed out"


class StoreTruncated(StoreError):
    """The server cut a result short and it cannot be read in pages."""

    type, title = "store-truncated", "Graph store result truncated"


class StoreQueryError(StoreError):
    """The server (or the store's own guard) refused a query as malformed or not allowed."""

    status, type, title = 400, "store-query-error", "Query refused by the graph store"


class StoreRejected(StoreError):
    """The server refused an update, or the data cannot be stored faithfully."""

    status, type, title = 422, "store-rejected", "Update refused by the graph store"


class ChallengeAuth(httpx.Auth):
    """Digest or Basic, whichever the server's 401 challenge names; nothing is sent before a challenge.

    Virtuoso's protected endpoints speak Digest only; Fuseki and GraphDB usually Basic. Once the scheme is known
    the delegate answers later requests (httpx's Digest reuses the last challenge, so they cost one round trip).
    """

    requires_request_body = True

    def __init__(self, username: str, password: str) -> None:
        self._digest = httpx.DigestAuth(username, password)
        self._basic = httpx.BasicAuth(username, password)
        self._scheme: str | None = None
        self._lock = threading.Lock()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        scheme = self._scheme
        if scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        if scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").strip().lower()
        with self._lock:
            if challenge.startswith("digest"):
                self._scheme = "digest"
            elif challenge.startswith("basic"):
                self._scheme = "basic"
            else:
                return
        yield from self.auth_flow(request)


@dataclass
class ServerInfo:
    """What the first request taught us about the server."""

    virtuoso: bool
    software: str
    row_cap: int | None = None  # Virtuoso's ResultSetMaxRows, learned on demand
    cap_known: bool = False


class SparqlStore:
    """A `GraphStore` over SPARQL 1.1 Query and Update (HTTP), for Virtuoso and other servers.

    `graph_scope` limits `quad_count` and the listing of graphs to IRIs under it (the node's own graphs on a
    server that may hold others, and never Virtuoso's built-in ones). `read_only` refuses every write, as the
    web process's store does.

    `graph_store_url` is kept for configuration but not used: Virtuoso's Graph Store Protocol writes one graph
    per request (a third of the speed of batched `INSERT DATA`, benchmarks/README.md) and its reads are cut at
    the same row cap as SPARQL answers, silently.
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        transport: httpx.BaseTransport | None = None,
        query_timeout: float = 120.0,
        update_timeout: float = 300.0,
        connect_timeout: float = 10.0,
        graph_scope: str = "",
        read_only: bool = False,
        batch_triples: int = 5000,
        batch_bytes: int = 1_500_000,
        block_triples: int = 2000,
        drop_batch: int = 250,
        retry_pauses: tuple[float, ...] = VIRTUOSO_404_PAUSES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.graph_store_url = graph_store_url
        self.username = username
        self.query_timeout = query_timeout
        self.update_timeout = update_timeout
        self.graph_scope = graph_scope
        self.read_only = read_only
        self.batch_triples = batch_triples
        self.batch_bytes = batch_bytes
        self.block_triples = block_triples
        self.drop_batch = drop_batch
        self.retry_pauses, self._sleep = retry_pauses, sleep
        # The read timeout bounds a silent server; the server's own timeout (sent with each query) fires first.
        timeout = httpx.Timeout(
            connect=connect_timeout, read=max(query_timeout, update_timeout) + 15, write=60, pool=60
        )
        self._auth = ChallengeAuth(username, password or "") if username else None
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,  # an endpoint that redirects is misconfigured; never resend credentials
            headers={"User-Agent": f"fedcat/{__version__} (graph store client)"},
        )
        self._info: ServerInfo | None = None
        self._codec: TermCodec | None = None
        self._values_chunks: dict[str, int] = {}  # VALUES rows per query that worked, by query shape
        self._warned_cap = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, read_only: bool = False, transport: httpx.BaseTransport | None = None
    ) -> SparqlStore:
        """The store `[store]` in fedcat.toml describes; `ConfigError` when it names no query endpoint."""
        config = settings.store
        if not config.query_url:
            raise ConfigError('store.backend = "sparql" needs store.query_url (FEDCAT_STORE__QUERY_URL)')
        if config.password and not config.username:
            raise ConfigError("store.password is set but store.username is not")
        return cls(
            config.query_url,
            config.update_url,
            config.graph_store_url,
            username=config.username,
            password=config.password,
            transport=transport,
            query_timeout=config.query_timeout_seconds,
            update_timeout=config.update_timeout_seconds,
            graph_scope=settings.base + "/",
            read_only=read_only,
        )

    # -- the GraphStore interface ------------------------------------------------------------------------------

    def bulk_load(self, nquads: bytes) -> None:
        """Add N-Quads in `INSERT DATA` batches (not atomic: a failure leaves the earlier batches written)."""
        for batch in self._batches(nquads):
            self._update(batch.text, batch.graphs)

    def bulk_load_file(self, file: BinaryIO) -> None:
        """Add the N-Quads of an open file, read from its start, as `bulk_load` does."""
        file.flush()
        file.seek(0)
        self.bulk_load(file.read())

    def load(self, nquads: bytes) -> None:
        """Add N-Quads; one request when they fit, else batches whose inserts are undone if a later one fails."""
        done: list[Batch] = []
        try:
            for batch in self._batches(nquads):
                self._update(batch.text, batch.graphs)
                done.append(batch)
        except Exception:
            for batch in reversed(done):
                # Compensation, not a transaction: quads that existed before the load go too (records are
                # whole graphs that fedcat rewrites, so no record can be half-restored by this).
                try:
                    self._update(batch.text.replace("INSERT DATA", "DELETE DATA", 1))
                except StoreError:
                    break
            raise

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove whole named graphs (missing ones are fine), a batch of graphs per `DELETE ... WHERE`.

        One `DELETE` over `VALUES ?g` costs Virtuoso about as much as one `DROP SILENT GRAPH` (~5 ms each, even
        for a graph that does not exist), so a thousand graphs take 0.1-0.7 s instead of 5 s. `DROP GRAPH` alone
        fails on graphs made by INSERT ("not explicitly created").
        """
        self._writable()
        codec = self._codec_()
        names = [codec.iri(g, []) for g in graphs]
        for start in range(0, len(names), self.drop_batch):
            values = " ".join(names[start : start + self.drop_batch])
            self._update(
                f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )

    def named_graphs(self, prefix: str = "") -> Iterator[str]:
        """Named graphs starting with `prefix` (and within the store's scope), sorted."""
        # GROUP BY, not DISTINCT: Virtuoso answers the first from its graph index in under a second and times out
        # on the second; a STRSTARTS filter in the query is slower than filtering here (and wrong for "").
        # Sorted here: the server's sort would add to a query that must stay under its execution time limit.
        names = (g for (g,) in self.select_text("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
        yield from sorted(
            g for g in names if g.startswith(self.graph_scope) and g.startswith(prefix) and g != LONG_IRI_GRAPH
        )

    def select(self, query: str) -> list[Row]:
        """Run a SELECT; results the server capped are read again in ordered pages, partial ones raise."""
        return self._select(self._shape(query, ("SELECT",), "select() takes a SELECT query"))

    def select_text(self, query: str) -> list[tuple[str, ...]]:
        """The values of a SELECT whose variables are all bound to IRIs or plain strings, in projection order.

        For the reads of every graph a publication makes. Read as CSV, which Virtuoso writes in half the time of
        JSON and which needs no term per value (the versions of 100,000 graphs: 1.3 s and 75 MB of memory,
        against 3.1 s and 150 MB). CSV does not tell an IRI from a string, so values starting `urn:fedcat:` are
        read as fedcat's own IRI encodings (long-IRI surrogates); no string fedcat asks for here starts so.
        An answer the row cap cut is read again through `select`, in pages.
        """
        shape = self._shape(query, ("SELECT",), "select_text() takes a SELECT query")
        response = self._query(shape.query, CSV_RESULTS)
        try:
            text = response.content.decode()
        except UnicodeDecodeError as exc:
            raise StoreError(f"the graph store sent CSV results that are not UTF-8: {exc}") from exc
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        cap = response.headers.get("x-sparql-maxrows")
        if cap is not None:
            return [
                tuple(row[v].value if v in row else "" for v in header)
                for row in self._past_cap(shape, header, int(cap))
            ]
        rows = [tuple(row) for row in reader]
        if any(len(row) != len(header) for row in rows):
            raise StoreError(f"the graph store sent CSV rows that do not match its header {header}")
        if "urn:fedcat:" not in text:
            return rows
        self._learn_surrogates(v for row in rows for v in row if v.startswith(LONG_IRI))
        named = self._codec_().named
        return [tuple(named(v).value if v.startswith("urn:fedcat:") else v for v in row) for row in rows]

    def construct(self, query: str) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE; as N-Triples, or as paged SELECTs when the row cap may have cut it."""
        shape = self._shape(query, ("CONSTRUCT", "DESCRIBE"), "construct() takes a CONSTRUCT or DESCRIBE query")
        response = self._query(query, N_TRIPLES)
        triples = self._triples(response.content)
        cap = self._row_cap()
        if cap is None or len(triples) < cap:
            return triples
        # Virtuoso serialises at most cap + 1 triples of a CONSTRUCT and says nothing: that many means "maybe cut".
        if shape.form == "DESCRIBE":
            raise StoreTruncated(
                f"a DESCRIBE answer reached the server's row cap ({cap}); raise ResultSetMaxRows or use CONSTRUCT"
            )
        variable = graph_partition(shape)
        if variable is not None:
            return self._construct_by_graph(shape, variable, cap)
        select, template_text = construct_as_select(shape)
        template = parse_template(template_text)
        return fill_template(template, self.select(select))

    def _construct_by_graph(self, shape: QueryShape, variable: str, cap: int) -> list[ox.Triple]:
        """A CONSTRUCT over `GRAPH ?variable`, read in slices of graphs whose answers stay under the row cap."""
        codec = self._codec_()
        graphs = [r[variable] for r in self.select(distinct_values(shape, variable)) if variable in r]
        names = [codec.iri(g.value, []) for g in graphs if isinstance(g, ox.NamedNode)]
        out: dict[ox.Triple, None] = {}
        size, at = 100, 0
        while at < len(names):
            chunk = names[at : at + size]
            query = with_values(shape, variable, " ".join(chunk))
            triples = self._triples(self._query(query, N_TRIPLES).content)
            if len(triples) >= cap:
                if size > 1:
                    size = max(1, size // 2)  # maybe cut: the same graphs again, fewer at a time
                    continue
                # One graph over the cap: its solutions are paged like any SELECT's.
                select, template = construct_as_select(query_shape(query))
                triples = fill_template(parse_template(template), self.select(select))
            out.update(dict.fromkeys(triples))
            at += len(chunk)
            if len(triples) < cap // 4:
                size = min(size * 2, 500)
        return list(out)

    def graph_triples(self, graph: str) -> list[ox.Triple]:
        """All triples of one named graph."""
        iri = self._codec_().iri(graph, [])
        return self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}")

    def graph_quads(self, graphs: list[str]) -> list[ox.Quad]:
        """All quads of several named graphs in one query (the copy command reads a batch at a time)."""
        if not graphs:
            return []
        codec = self._codec_()
        values = " ".join(codec.iri(g, []) for g in graphs)
        rows = self.select(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]  # type: ignore[arg-type]

    def graph_counts(self, prefix: str = "") -> dict[str, int]:
        """Quads per named graph starting with `prefix` (within the store's scope)."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
        counts = {}
        for row in rows:
            graph = row["g"].value
            if graph.startswith(self.graph_scope) and graph.startswith(prefix) and graph != LONG_IRI_GRAPH:
                counts[graph] = int(row["n"].value)
        return counts

    def quad_count(self) -> int:
        """How many quads the store's graphs hold (all named graphs under `graph_scope`)."""
        if not self.graph_scope:
            rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
            return int(rows[0]["n"].value) if rows else 0
        return sum(self.graph_counts().values())

    def flush(self) -> None:
        """Nothing to do: the server made each update durable before it answered."""

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    # -- checks the copy command and the tests use -----------------------------------------------------------------

    @property
    def server(self) -> ServerInfo:
        """What the server is (probed once with `ASK {}`)."""
        if self._info is None:
            response = self._send("GET", self.query_url, params={"query": "ASK {}"}, accept=JSON_RESULTS)
            self._check(response, "query")
            software = response.headers.get("server", "")
            self._info = ServerInfo(virtuoso=software.lower().startswith("virtuoso"), software=software)
        return self._info

    def check_writable(self) -> None:
        """Fail now, with a clear error, when updates would be refused (unreachable, bad credentials)."""
        self._update("INSERT DATA { }")

    # -- internals ---------------------------------------------------------------------------------------------------

    def _codec_(self) -> TermCodec:
        if self._codec is None:
            self._codec = TermCodec(virtuoso=self.server.virtuoso)
        return self._codec

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError("this graph store was opened read-only")

    def _shape(self, query: str, forms: tuple[str, ...], wrong_form: str) -> QueryShape:
        try:
            shape = query_shape(query)
        except QueryShapeError as exc:
            raise StoreQueryError(str(exc)) from exc
        if shape.form not in forms:
            raise TypeError(wrong_form)
        refused = shape.keywords.intersection(FORBIDDEN)
        if refused:
            raise StoreQueryError(
                f"{', '.join(sorted(refused))} is not allowed in queries to the graph store "
                "(it would let the server fetch other endpoints or change its limits)"
            )
        return shape

    def _batches(self, nquads: bytes) -> Iterator[Batch]:
        self._writable()
        if not nquads:
            return
        try:
            # Parse before sending anything: invalid input must not leave half a batch on the server. Blank node
            # labels are scoped to one load, as Oxigraph scopes them (it renames them on every load too).
            quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=True))
        except SyntaxError as exc:
            raise StoreRejected(f"invalid N-Quads: {exc}") from exc
        virtuoso = self.server.virtuoso
        try:
            yield from insert_batches(
                quads,
                self._codec_(),
                max_triples=self.batch_triples,
                max_bytes=self.batch_bytes,
                block_triples=self.block_triples,
                prefix="define sql:big-data-const 1\n" if virtuoso else "",
            )
        except StoreDataError as exc:
            raise StoreRejected(str(exc)) from exc

    def _row_cap(self) -> int | None:
        """Virtuoso's ResultSetMaxRows (None for other servers), from one query that would return a million rows.

        Virtuoso only reveals its cap by cutting a result; the probe's rows are one digit each, so even a server
        without a cap below a million costs a 2 MB answer, once per store. When no cap shows, `CAP_PROBE_ROWS`
        stands in for it: a CONSTRUCT that large is read in pages, which is always correct.
        """
        info = self.server
        if not info.virtuoso:
            return None
        if not info.cap_known:
            digits = " ".join(str(i) for i in range(10))
            blocks = " ".join(f"VALUES ?b{k} {{ {digits} }}" for k in range(6))
            probe = f"SELECT ?a WHERE {{ VALUES ?a {{ 0 }} {blocks} }}"
            response = self._send("GET", self.query_url, params={"query": probe}, accept="text/csv")
            self._check(response, "query")
            cap = response.headers.get("x-sparql-maxrows")
            info.row_cap = int(cap) if cap else CAP_PROBE_ROWS
            info.cap_known = True
        return info.row_cap

    def _select(self, shape: QueryShape) -> list[Row]:
        found = values_blocks(shape) if self.server.virtuoso else None
        rows = len(found.rows) if found else 0
        # Later queries of the same skeleton (the query without its VALUES data) start with the slice that worked.
        skeleton = found.skeleton(shape.query) if found else ""
        known = self._values_chunks.get(skeleton, 0)
        if known and rows > known:
            return self._select_sliced(shape, known)
        try:
            response = self._query(shape.query, JSON_RESULTS)
        except StoreQueryError as exc:
            if rows < 2 or "SP031" not in exc.message:
                raise
            # Virtuoso compiled the VALUES block into more SQL than it accepts: send it in halves (again, if need be).
            return self._select_sliced(shape, self._learn_chunk(skeleton, rows))
        cap = response.headers.get("x-sparql-maxrows")
        variables, result = self._rows(response)
        if cap is None:
            return result
        return self._past_cap(shape, variables, int(cap))

    def _past_cap(self, shape: QueryShape, variables: list[str], cap: int) -> list[Row]:
        """All rows of a SELECT whose first answer the row cap cut."""
        found = values_blocks(shape) if self.server.virtuoso else None
        if found and len(found.rows) >= 2:
            # Smaller slices of a VALUES block fit under the cap and need no sorted pages, which re-sort the
            # whole answer for every page.
            return self._select_sliced(shape, self._learn_chunk(found.skeleton(shape.query), len(found.rows)))
        return self._select_pages(shape, variables, cap)

    def _learn_chunk(self, skeleton: str, rows: int) -> int:
        half = (rows + 1) // 2
        if len(self._values_chunks) > 256:
            self._values_chunks.clear()  # a bound, not a cache policy: shapes are few in practice
        self._values_chunks[skeleton] = min(self._values_chunks.get(skeleton, half), half)
        return half

    def _select_sliced(self, shape: QueryShape, size: int) -> list[Row]:
        rows: list[Row] = []
        for text in split_values(shape, size) or []:
            rows += self._select(query_shape(text))
        return rows

    def _select_pages(self, shape: QueryShape, variables: list[str], cap: int) -> list[Row]:
        """All rows of a SELECT the server capped at `cap`, one ordered page of `cap` rows at a time."""
        rows: list[Row] = []
        offset = 0
        while True:
            page_query = paged_select(shape, variables, offset, cap)
            _, page = self._rows(self._query(page_query, JSON_RESULTS))
            rows += page
            if len(page) < cap:
                break
            offset += cap
        pages = offset // cap + 1
        if pages > PAGES_WARNING and not self._warned_cap:
            # Each page runs the whole query again, so reads of every graph (a publication's, a harvest's) grow
            # with the square of the catalogue: 8 s for 100,000 graphs in 11 pages, 1.9 s in one answer.
            self._warned_cap = True
            log.warning(
                "the graph store's row cap (%d) split a read of %d rows into %d pages, each running the whole "
                "query again; raise the server's ResultSetMaxRows above the number of graphs it holds",
                cap,
                len(rows),
                pages,
            )
        return rows

    def _query(self, query: str, accept: str) -> httpx.Response:
        params = {"query": query}
        if self.server.virtuoso and self.query_timeout:
            # Virtuoso's own per-query timeout (ms) stops the work on the server; its partial answer is refused below.
            params["timeout"] = str(int(self.query_timeout * 1000))
        if len(self.query_url) + len(urlencode(params)) + 1 <= MAX_GET_URL:
            response = self._send("GET", self.query_url, params=params, accept=accept)
        else:
            response = self._send("POST", self.query_url, data=params, accept=accept)
        self._check(response, "query")
        return response

    def _update(self, text: str, graphs: list[str] | None = None) -> None:
        self._writable()
        response = self._send(
            "POST",
            self.update_url,
            content=text.encode(),
            headers={"Content-Type": "application/sparql-update"},
            accept="*/*",
            timeout=self.update_timeout,
        )
        try:
            self._check(response, "update")
        except StoreRejected as exc:
            if graphs:  # say which records were in the refused batch: the cause is usually one of them
                shown = ", ".join(graphs[:3]) + (f" and {len(graphs) - 3} more" if len(graphs) > 3 else "")
                raise StoreRejected(f"{exc.message} (graphs: {shown})") from exc
            raise

    def _send(
        self,
        method: str,
        url: str,
        *,
        accept: str,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        response = self._send_once(method, url, accept, params, data, content, headers, timeout)
        for pause in self.retry_pauses:
            if not self._spurious_404(response, url):
                break
            log.warning(
                "the graph store answered %s %s with Virtuoso's 404 page for its own endpoint; again in %g s",
                method,
                url,
                pause,
            )
            self._sleep(pause)
            response = self._send_once(method, url, accept, params, data, content, headers, timeout)
        return response

    def _spurious_404(self, response: httpx.Response, url: str) -> bool:
        # Virtuoso's HTTP server now and then answers "404 File not found" for the SPARQL endpoints themselves in
        # a long series of requests (openlink/virtuoso-opensource issues 299, 565, 805; a 1M harvest here lost
        # its last batch to one). Graph Store 404s mean a missing graph and are never retried.
        return (
            response.status_code == 404
            and url in (self.query_url, self.update_url)
            and response.headers.get("server", "").lower().startswith("virtuoso")
            and b"404 File not found" in response.content
        )

    def _send_once(
        self,
        method: str,
        url: str,
        accept: str,
        params: dict[str, str] | None,
        data: dict[str, str] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
        timeout: float | None,
    ) -> httpx.Response:
        request_timeout: Any = httpx.USE_CLIENT_DEFAULT
        if timeout is not None:
            request_timeout = httpx.Timeout(self._client.timeout.connect, read=timeout + 15, write=60, pool=60)
        try:
            return self._client.request(
                method,
                url,
                params=params,
                data=data,
                content=content,
                headers={"Accept": accept, **(headers or {})},
                auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
                timeout=request_timeout,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise StoreUnavailable(f"the graph store at {url} did not accept a connection in time") from exc
            raise StoreQueryTimeout(f"the graph store at {url} did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach the graph store at {url}: {exc}") from exc

    def _check(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        url = str(response.request.url).split("?", 1)[0]
        if status in (401, 403):
            who = f"user {self.username!r}" if self.username else "no credentials (set store.username / password)"
            raise StoreAuthError(f"the graph store at {url} refused the {what} for {who} (HTTP {status})")
        body = _message(response) if status >= 400 else ""
        if status == 200 and response.headers.get("x-sql-state", "").upper() == "S1TAT":
            # Virtuoso's "anytime" answer: 200 with whatever it found before its timeout. Never data.
            raise StoreQueryTimeout(f"the {what} timed out on the server after {self.query_timeout:g} s")
        if "SR171" in body or "S1T00" in body or "estimated execution time" in body:
            # SR171: MaxQueryExecutionTime hit; the estimate: MaxQueryCostEstimationTime refused it up front.
            raise StoreQueryTimeout(f"the {what} ran out of time on the server: {body}")
        if "SR353" in body:
            # ORDER BY with LIMIT/OFFSET past MaxSortedTopRows (10,000 by default), which paging cannot avoid.
            raise StoreTruncated(f"the {what} sorts more rows than the server allows (MaxSortedTopRows): {body}")
        if 200 <= status < 300:
            return
        if what == "update":
            raise StoreRejected(f"the graph store refused the update (HTTP {status}): {body}")
        if status == 400:
            raise StoreQueryError(f"the graph store refused the {what} (HTTP 400): {body}")
        raise StoreError(f"the graph store failed the {what} (HTTP {status}): {body}")

    def _rows(self, response: httpx.Response) -> tuple[list[str], list[Row]]:
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            raise StoreError(f"the graph store sent results that are not JSON: {response.text[:200]!r}") from exc
        codec = self._codec_()
        if LONG_IRI.encode() in response.content:
            self._learn_surrogates(_surrogates_in(data))
        try:
            return rows_from_json(data, codec)
        except StoreDataError as exc:
            raise StoreError(str(exc)) from exc

    def _triples(self, body: bytes) -> list[ox.Triple]:
        codec = self._codec_()
        if LONG_IRI.encode() in body:
            self._learn_surrogates(set(re.findall(rb"<(" + re.escape(LONG_IRI.encode()) + rb"[0-9a-f]{64})>", body)))
        try:
            return triples_from_ntriples(body, codec)
        except StoreDataError as exc:
            raise StoreError(str(exc)) from exc

    def _learn_surrogates(self, found: Iterable[str | bytes]) -> None:
        codec = self._codec_()
        missing = codec.surrogates(v.decode() if isinstance(v, bytes) else v for v in found)
        missing.discard(LONG_IRI_GRAPH)
        if not missing:
            return
        values = " ".join(f"<{v}>" for v in sorted(missing))
        query = (
            f"SELECT ?s ?iri WHERE {{ VALUES ?s {{ {values} }} "
            f"GRAPH <{LONG_IRI_GRAPH}> {{ ?s <{LONG_IRI_PREDICATE}> ?iri }} }}"
        )
        data = json.loads(self._query(query, JSON_RESULTS).content)
        for row in data.get("results", {}).get("bindings", []):
            codec.long_iris[row["s"]["value"]] = row["iri"]["value"]
        unknown = codec.surrogates(missing)
        if unknown:
            raise StoreError(f"the graph store holds {len(unknown)} long-IRI surrogates without their IRI")


def _surrogates_in(data: dict[str, Any]) -> set[str]:
    found = set()
    for row in data.get("results", {}).get("bindings", []):
        for cell in row.values():
            value = cell.get("value", "")
            if cell.get("type") == "uri" and value.startswith(LONG_IRI):
                found.add(value)
    return found


def _message(response: httpx.Response) -> str:
    """The reason a server gave for an error, without its echo of the (possibly huge) query."""
    text = response.text
    if "<html" in text[:500].lower():
        text = re.sub(r"<[^>]+>", " ", text)
    text = text.split("SPARQL query:", 1)[0]
    return " ".join(text.split())[:500]
