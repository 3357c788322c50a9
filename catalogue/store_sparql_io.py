"""What `SparqlStore` sends and reads: query text surgery, term encoding, update batches and result parsing.

Everything here is pure (no HTTP: that, and the errors, live in `catalogue.store_sparql`).

Virtuoso (the server fedcat is tested against) does not keep every RDF term it is given, so terms that would not
come back intact are encoded on the way in and decoded on the way out (see `TermCodec`):

* typed literals it converts to native SQL values and prints back differently or not at all (ill-typed numbers
  become 0 or fail the whole update, `xsd:duration` becomes seconds, decimals lose digits, doubles keep six
  significant digits, negative years lose a digit) are stored under a private datatype that keeps the lexical
  form verbatim: `"P1D"^^<urn:fedcat:verbatim:http://www.w3.org/2001/XMLSchema#duration>`;
* blank nodes are refused by `INSERT DATA`, so they are stored as `urn:fedcat:bnode:<id>` IRIs (ids are fresh
  for every load, as Oxigraph makes them: a label means the same node within one load only);
* IRIs longer than `IRI_MAX_BYTES` are silently cut to 1,879 bytes by Virtuoso, so they are stored as
  `urn:fedcat:long-iri:<sha-256>` with the full IRI in the bookkeeping graph `LONG_IRI_GRAPH`;
* equal values of different datatypes on one subject and predicate (`"1"^^xsd:integer`, `"1.0"^^xsd:decimal`)
  would merge into one quad, so all but the first are stored verbatim too (`sql_value`).
Reads decode them all, so callers see exactly the terms they wrote (up to the value-preserving canonical forms
both backends use: `"007"^^xsd:integer` reads `"7"`, language tags read lower-case).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal

VERBATIM = "urn:fedcat:verbatim:"
BNODE = "urn:fedcat:bnode:"
LONG_IRI = "urn:fedcat:long-iri:"
LONG_IRI_GRAPH = "urn:fedcat:store:long-iris"
LONG_IRI_PREDICATE = "urn:fedcat:store:iri"
IRI_MAX_BYTES = 1880  # Virtuoso 7.2 keeps IRIs up to 1,880 UTF-8 bytes and silently cuts longer ones to 1,879
VIRTUOSO_BNODE = "nodeID://"  # how Virtuoso names its own blank nodes in results

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_TZ = r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?"
_DATE = r"[1-9]\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
_INTEGER = re.compile(r"[+-]?\d{1,18}")
_INTEGER_TYPES = (
    "integer",
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)")
_DOUBLE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?|[+-]?INF|NaN")
# Lexical forms Virtuoso 7.2 stores and prints back as the same value (checked one by one against a real server,
# see tests/test_store_sparql.py); any other form of these datatypes is stored verbatim.
_SAFE: dict[str, Callable[[str], bool]] = {
    **dict.fromkeys(
        (XSD + name for name in _INTEGER_TYPES),
        lambda v: _INTEGER.fullmatch(v) is not None,
    ),
    XSD + "decimal": lambda v: _DECIMAL.fullmatch(v) is not None and _significant_digits(v) <= 15,
    XSD + "double": lambda v: _DOUBLE.fullmatch(v) is not None and _significant_digits(v) <= 6,
    XSD + "float": lambda v: _DOUBLE.fullmatch(v) is not None and _significant_digits(v) <= 6,
    XSD + "boolean": lambda v: v in ("true", "false", "1", "0"),
    XSD + "date": re.compile(_DATE + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "dateTime": re.compile(_DATE + "T" + _TIME + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "dateTimeStamp": re.compile(_DATE + "T" + _TIME + r"(?:Z|[+-]\d\d:\d\d)").fullmatch,  # type: ignore[dict-item]
    XSD + "gYear": re.compile(r"[1-9]\d{3}" + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "gYearMonth": re.compile(r"[1-9]\d{3}-(?:0[1-9]|1[0-2])" + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "gMonth": re.compile(r"--(?:0[1-9]|1[0-2])" + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "gDay": re.compile(r"---(?:0[1-9]|[12]\d|3[01])" + _TZ).fullmatch,  # type: ignore[dict-item]
    XSD + "gMonthDay": re.compile(r"--(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])" + _TZ).fullmatch,  # type: ignore[dict-item]
    # Never kept as written: durations become seconds or months, times fail, XML literals are re-parsed.
    XSD + "duration": lambda v: False,
    XSD + "dayTimeDuration": lambda v: False,
    XSD + "yearMonthDuration": lambda v: False,
    XSD + "time": lambda v: False,
    RDF + "XMLLiteral": lambda v: False,
}
_BOOLEAN = ox.NamedNode(XSD + "boolean")


def _significant_digits(value: str) -> int:
    mantissa = re.split("[eE]", value.lstrip("+-"), maxsplit=1)[0].replace(".", "")
    return len(mantissa.strip("0")) or 1


_NUMERIC = {XSD + name for name in _INTEGER_TYPES} | {XSD + "decimal", XSD + "double", XSD + "float"}
_TEMPORAL = {XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"}
_TEMPORAL_FORM = re.compile(r"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d:\d\d(?:\.\d+)?))?(Z|[+-]\d\d:\d\d)?")


def sql_value(literal: ox.Literal) -> tuple[set[object], object] | None:
    """How Virtuoso and Oxigraph see a literal Virtuoso stores as a native SQL value: the values it could share
    with another literal in Virtuoso, and the term Oxigraph makes of it; None for literals stored as strings.

    Virtuoso keeps one quad per (graph, subject, predicate, SQL value): `"1"^^xsd:integer`, `"1.0"^^xsd:decimal`
    and `"1"^^xsd:double` on one subject and predicate become one quad, and so do `"2024-01-01"^^xsd:date`,
    `"2024-01-01T00:00:00Z"` and `"2024-01-01T01:00:00+01:00"^^xsd:dateTime`. Oxigraph keeps all but the same
    datatype's equal values apart.
    """
    datatype = literal.datatype.value
    value = literal.value
    if datatype in _NUMERIC:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None
        family = "integer" if datatype[len(XSD) :] in _INTEGER_TYPES else datatype
        return {("n", number)}, (family, number)
    if datatype in _TEMPORAL:
        match = _TEMPORAL_FORM.fullmatch(value)
        if match is None:
            return None
        day, clock, zone = match.groups()
        try:
            local = datetime.fromisoformat(f"{day}T{clock or '00:00:00'}")
        except ValueError:
            return None
        offset = None if zone is None else 0 if zone == "Z" else int(zone[:3]) * 60 + int(zone[0] + zone[4:])
        keys: set[object] = {("t", local)}
        if offset is not None:
            keys.add(("t", local - timedelta(minutes=offset)))
        return keys, (datatype, local, offset)
    return None


class StoreDataError(ValueError):
    """A term the server cannot hold (or sent back) that has no faithful encoding."""


# ---------------------------------------------------------------------------------------------------------------
# Query text: just enough lexing to find the query form, its top-level groups and its solution modifiers.
# Strings, IRIs and comments are skipped as wholes, so braces and keywords inside them never count.

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
    |(?P<open>\{)|(?P<close>\})
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.:%\\\u00b7-\uffff]*)?)""",
    re.VERBOSE | re.DOTALL,
)
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
# Keywords a query handed to the store may not contain: SERVICE makes the server fetch other endpoints, and a
# Virtuoso DEFINE pragma can switch on IRI dereferencing (get:soft) or lift limits.
FORBIDDEN = ("SERVICE", "DEFINE")


@dataclass
class Token:
    """One lexical token that matters for the surgery: its kind, text and span."""

    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> list[Token]:
    """The tokens of `query` (strings, IRIs, comments, variables, braces, words); other characters are skipped."""
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        assert kind is not None
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


class QueryShapeError(ValueError):
    """A query whose overall shape the store cannot work with (no query form, unbalanced braces...)."""


@dataclass
class QueryShape:
    """Where the parts of a query are: prologue, form keyword, top-level `{...}` groups and what follows them."""

    query: str
    form: str
    form_start: int
    groups: list[tuple[int, int]] = field(default_factory=list)  # (index of "{", index after "}")
    keywords: set[str] = field(default_factory=set)  # upper-cased bare words, at any depth

    @property
    def prologue(self) -> str:
        """PREFIX and BASE declarations before the form keyword."""
        return self.query[: self.form_start]

    @property
    def where(self) -> tuple[int, int]:
        """The WHERE group: the second top-level group of a CONSTRUCT with a template, else the first."""
        if self.form == "CONSTRUCT" and len(self.groups) >= 2 and not self.short_construct:
            return self.groups[1]
        return self.groups[0]

    @property
    def short_construct(self) -> bool:
        """`CONSTRUCT WHERE { ... }`: the pattern is the template."""
        if self.form != "CONSTRUCT" or not self.groups:
            return False
        between = self.query[self.form_start + len("CONSTRUCT") : self.groups[0][0]]
        return re.search(r"\bWHERE\b", _masked(between), re.IGNORECASE) is not None

    @property
    def modifiers(self) -> str:
        """Everything after the WHERE group (GROUP BY, ORDER BY, LIMIT, OFFSET, VALUES), strings masked."""
        return _masked(self.query[self.where[1] :])

    @property
    def ordered(self) -> bool:
        """True when the query has a top-level ORDER BY."""
        return re.search(r"\bORDER\s+BY\b", self.modifiers, re.IGNORECASE) is not None


def _masked(text: str) -> str:
    """`text` with strings and IRIs overwritten by "x" and comments by spaces, keeping every position, so that
    spaces and parentheses in what is left separate terms and rows."""
    chars = list(text)
    for t in tokens(text):
        if t.kind in ("comment", "string", "iri"):
            chars[t.start : t.end] = (" " if t.kind == "comment" else "x") * (t.end - t.start)
    return "".join(chars)


def query_shape(query: str) -> QueryShape:
    """Locate the parts of `query`; `QueryShapeError` when it has no query form or unbalanced braces."""
    toks = tokens(query)
    form: Token | None = None
    keywords: set[str] = set()
    depth = 0
    groups: list[tuple[int, int]] = []
    opened = 0
    for t in toks:
        if t.kind == "word" and ":" not in t.text:
            word = t.text.upper()
            keywords.add(word)
            if form is None and word in FORMS:
                form = t
        elif t.kind == "open":
            if depth == 0:
                opened = t.start
            depth += 1
        elif t.kind == "close":
            depth -= 1
            if depth < 0:
                raise QueryShapeError("unbalanced braces in the query")
            if depth == 0 and form is not None and opened > form.start:
                groups.append((opened, t.end))
    if form is None:
        raise QueryShapeError("not a SPARQL query: no SELECT, CONSTRUCT, DESCRIBE or ASK")
    if depth != 0:
        raise QueryShapeError("unbalanced braces in the query")
    shape = QueryShape(query, form.text.upper(), form.start, groups, keywords)
    if form.text.upper() != "DESCRIBE" and not groups:
        raise QueryShapeError(f"a {shape.form} query without a WHERE group")
    return shape


# A SELECT whose answers can be computed as a union over slices of its VALUES block: nothing in it combines rows.
_ACROSS_ROWS = {"DISTINCT", "REDUCED", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "COUNT", "SUM", "MIN", "MAX"}
_ACROSS_ROWS |= {"AVG", "SAMPLE", "GROUP_CONCAT"}


@dataclass
class ValuesBlocks:
    """The VALUES data blocks of a query that can be sliced together: their spans and their (shared) rows."""

    spans: list[tuple[int, int]]  # (index after "{", index of "}") of each block, in order
    rows: list[str]  # the rows' text, the same in every block

    def skeleton(self, query: str) -> str:
        """The query without its VALUES data: queries with the same skeleton behave alike."""
        cuts = [0, *(i for span in self.spans for i in span), len(query)]
        return "".join(query[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True))


# A group opened after one of these words cannot take a slice of VALUES rows: OPTIONAL and MINUS keep or drop left
# rows by what the right side matches, EXISTS tests it.
_UNSLICEABLE_GROUPS = {"OPTIONAL", "MINUS", "EXISTS"}


def values_blocks(shape: QueryShape) -> ValuesBlocks | None:
    """The VALUES blocks of a SELECT whose answers are the union of its answers over slices of their rows (the
    same slice in every block); None when there is none, or slicing could change the answers.

    That holds when nothing combines rows (no DISTINCT, aggregates, ORDER BY, LIMIT...), every block sits in groups
    joined or united with the rest (not under OPTIONAL, MINUS, EXISTS or a subquery), and all blocks hold the same
    rows. Virtuoso compiles VALUES into SQL text and refuses more than 10,000 lines of it ("SP031"): a few hundred
    rows joined with a big pattern. Such a query is sent in slices instead (see `SparqlStore.select`).
    """
    if shape.form != "SELECT" or shape.keywords & _ACROSS_ROWS:
        return None
    where_start, where_end = shape.where
    query = shape.query
    toks = [t for t in tokens(query[:where_end]) if t.start >= where_start]
    unsliceable: list[bool] = []  # per open group: may a VALUES block inside it be sliced?
    spans: list[tuple[int, int]] = []
    bodies: list[list[str]] = []
    headers: set[str] = set()  # the variables of each block: blocks of different variables would join as products
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "open":
            before = toks[i - 1].text.upper() if i and toks[i - 1].kind == "word" else ""
            after = toks[i + 1].text.upper() if i + 1 < len(toks) and toks[i + 1].kind == "word" else ""
            inherited = bool(unsliceable) and unsliceable[-1]
            unsliceable.append(inherited or before in _UNSLICEABLE_GROUPS or after == "SELECT")
        elif t.kind == "close":
            unsliceable.pop()
        elif t.kind == "word" and t.text.upper() == "VALUES":
            opening = next((j for j in range(i + 1, len(toks)) if toks[j].kind == "open"), None)
            closing = next((j for j in range(i + 1, len(toks)) if toks[j].kind == "close"), None)
            if opening is None or closing is None or (unsliceable and unsliceable[-1]):
                return None
            a, b = toks[opening].end, toks[closing].start
            body = _masked(query[a:b])
            header = query[t.end : toks[opening].start]
            pattern = r"\([^()]*\)" if "(" in header else r"\S+"
            headers.add(" ".join(header.replace("(", " ").replace(")", " ").split()))
            spans.append((a, b))
            bodies.append([query[a + m.start() : a + m.end()] for m in re.finditer(pattern, body)])
            i = closing + 1
            continue
        i += 1
    if not spans or len(headers) > 1 or any(rows != bodies[0] for rows in bodies):
        return None
    return ValuesBlocks(spans, bodies[0])


def split_values(shape: QueryShape, rows_per_query: int) -> list[str] | None:
    """The query once per slice of `rows_per_query` rows of its VALUES blocks (see `values_blocks`)."""
    found = values_blocks(shape)
    if found is None:
        return None
    query = shape.query
    out = []
    for first in range(0, len(found.rows), rows_per_query):
        data = " " + " ".join(found.rows[first : first + rows_per_query]) + " "
        cuts = [0, *(i for span in found.spans for i in span), len(query)]
        kept = [query[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        out.append(data.join(kept))
    return out


def paged_select(shape: QueryShape, variables: list[str], offset: int, limit: int) -> str:
    """One page of a SELECT that the server caps: a stable order inside a subquery, OFFSET/LIMIT outside.

    Virtuoso refuses ORDER BY with OFFSET + LIMIT beyond its row cap ("SR353: Sorted TOP clause"), but pages
    through an ordered subquery fine, keeping the subquery's order. A query with its own ORDER BY keeps it; any
    other is ordered by all its projected variables, which makes the pages disjoint and complete.
    """
    body = shape.query[shape.form_start :]
    if not shape.ordered:
        order = " ".join(f"?{v}" for v in variables)
        body = f"SELECT * WHERE {{ {{ {body}\n}} }} ORDER BY {order}"
    return f"{shape.prologue}SELECT * WHERE {{ {{ {body}\n}} }} OFFSET {offset} LIMIT {limit}"


def graph_partition(shape: QueryShape) -> str | None:
    """The variable of the first `GRAPH ?g` directly in a CONSTRUCT's WHERE group, when the query can be answered
    graph by graph: no solution modifiers, no template blank nodes (their labels are per answer); else None.

    A CONSTRUCT over the records (the DCAT-AP export) is then read as slices `VALUES ?g { ... }`, each under the
    row cap, instead of pages that re-sort the whole answer each time.
    """
    if shape.form != "CONSTRUCT" or shape.modifiers.strip():
        return None
    template = shape.query[shape.groups[0][0] : shape.groups[0][1]]
    if "_:" in _masked(template) or "[" in _masked(template):
        return None
    start, end = shape.where
    toks = [t for t in tokens(shape.query[:end]) if t.start > start]
    depth = 1
    for i, t in enumerate(toks[:-1]):
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth -= 1
        elif depth == 1 and t.kind == "word" and t.text.upper() == "GRAPH" and toks[i + 1].kind == "var":
            return toks[i + 1].text[1:]
    return None


def with_values(shape: QueryShape, variable: str, values: str) -> str:
    """The query with `VALUES ?variable { values }` first in its WHERE group."""
    at = shape.where[0] + 1
    return f"{shape.query[:at]} VALUES ?{variable} {{ {values} }} {shape.query[at:]}"


def distinct_values(shape: QueryShape, variable: str) -> str:
    """A SELECT of the distinct values of `variable` over the query's WHERE group."""
    start, end = shape.where
    return f"{shape.prologue}SELECT ?{variable} WHERE {shape.query[start:end]} GROUP BY ?{variable}"


def construct_as_select(shape: QueryShape) -> tuple[str, str]:
    """A CONSTRUCT rewritten as `SELECT *` over its WHERE part, and its template as Turtle with variables as IRIs.

    Used when the server would cap the triples of a CONSTRUCT: the SELECT pages like any other and the template
    is filled in here (see `fill_template`).
    """
    q = shape.query
    if shape.short_construct:
        template = q[shape.groups[0][0] + 1 : shape.groups[0][1] - 1]
        select = f"{shape.prologue}SELECT * WHERE {q[shape.groups[0][0] :]}"
    else:
        template = q[shape.groups[0][0] + 1 : shape.groups[0][1] - 1]
        select = f"{shape.prologue}SELECT * {q[shape.groups[0][1] :]}"
    parts = []
    last = 0
    for t in tokens(template):
        if t.kind == "var":
            parts.append(template[last : t.start])
            parts.append(f"<{VAR}{t.text[1:]}>")
            last = t.end
        elif t.kind == "comment":
            parts.append(template[last : t.start])
            last = t.end
    parts.append(template[last:])
    body = "".join(parts).strip()
    if body and not body.endswith("."):
        body += " ."  # the final dot is optional in a template, not in Turtle
    return select, shape.prologue + "\n" + body


VAR = "urn:fedcat:var:"


def parse_template(turtle: str) -> list[ox.Triple]:
    """The triples of a CONSTRUCT template (as produced by `construct_as_select`)."""
    try:
        return [q.triple for q in ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise QueryShapeError(f"cannot read the CONSTRUCT template: {exc}") from exc


def fill_template(template: list[ox.Triple], rows: Iterable[dict[str, Term]]) -> list[ox.Triple]:
    """CONSTRUCT semantics over SELECT rows: fresh blank nodes per row, triples with unbound or illegal terms
    left out, duplicates removed (first occurrence kept)."""
    out: dict[ox.Triple, None] = {}
    for n, row in enumerate(rows):
        for t in template:
            terms: list[Any] = []
            for term in (t.subject, t.predicate, t.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(VAR):
                    value = row.get(term.value[len(VAR) :])
                    if value is None:
                        break
                    terms.append(value)
                elif isinstance(term, ox.BlankNode):
                    terms.append(ox.BlankNode(f"{term.value}r{n}"))
                else:
                    terms.append(term)
            else:
                s, p, o = terms
                if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
                    continue
                out[ox.Triple(s, p, o)] = None
    return list(out)


# ---------------------------------------------------------------------------------------------------------------
# Terms


class TermCodec:
    """Writes terms as SPARQL / N-Triples text the server keeps intact, and reads results back into terms.

    `virtuoso` switches on the literal and IRI encodings Virtuoso needs; blank nodes are always skolemised
    (SPARQL `INSERT DATA` scopes labels to one request, and one load may need several).
    """

    def __init__(self, virtuoso: bool) -> None:
        self.virtuoso = virtuoso
        self.long_iris: dict[str, str] = {}  # surrogate IRI -> full IRI, learned from writes and lookups
        self._nodes: dict[str, ox.NamedNode] = {}

    # writing -----------------------------------------------------------------------------------------------
    def iri(self, value: str, side: list[str]) -> str:
        """`<value>` as the server should store it; a surrogate's mapping is appended to `side` as N-Triples."""
        if self.virtuoso and len(value) * 4 > IRI_MAX_BYTES and len(value.encode()) > IRI_MAX_BYTES:
            surrogate = LONG_IRI + hashlib.sha256(value.encode()).hexdigest()
            if surrogate not in self.long_iris:
                self.long_iris[surrogate] = value
            side.append(f"<{surrogate}> <{LONG_IRI_PREDICATE}> {ox.Literal(value)}")
            return f"<{surrogate}>"
        return f"<{value}>"

    def term(self, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, side: list[str]) -> str:
        """One subject, predicate or object as text."""
        kind = type(term)
        if kind is ox.NamedNode:
            return self.iri(term.value, side)  # type: ignore[union-attr]
        if kind is ox.BlankNode:
            return self.iri(BNODE + term.value, side)  # type: ignore[union-attr]
        if kind is ox.Literal:
            return self.literal(term, side)  # type: ignore[arg-type]
        raise StoreDataError("RDF-star quoted triples cannot be stored in a SPARQL 1.1 store")

    def literal(self, literal: ox.Literal, side: list[str], verbatim: bool = False) -> str:
        """A literal as text; under Virtuoso, forms it would not keep (or that `verbatim` names: one that would
        merge with another value, see `sql_value`) get the verbatim datatype."""
        if self.virtuoso:
            datatype = literal.datatype.value
            safe = _SAFE.get(datatype)
            if verbatim or (safe is not None and not safe(literal.value)):
                return str(ox.Literal(literal.value, datatype=ox.NamedNode(VERBATIM + datatype)))
            if len(datatype) * 4 > IRI_MAX_BYTES and len(datatype.encode()) > IRI_MAX_BYTES:
                raise StoreDataError(f"a datatype IRI longer than {IRI_MAX_BYTES} bytes cannot be stored")
        return str(literal)

    def triple_line(self, quad: ox.Quad | ox.Triple, side: list[str]) -> str:
        """`s p o` (no final dot) for an `INSERT DATA` block."""
        s, p, o = quad.subject, quad.predicate, quad.object
        if (
            type(s) is ox.NamedNode
            and type(o) is ox.NamedNode
            and len(s.value) * 4 <= IRI_MAX_BYTES
            and len(o.value) * 4 <= IRI_MAX_BYTES
            and len(p.value) * 4 <= IRI_MAX_BYTES
        ):
            return f"<{s.value}> <{p.value}> <{o.value}>"  # the common case, without per-term dispatch
        return f"{self.term(s, side)} {self.iri(p.value, side)} {self.term(o, side)}"

    # reading -----------------------------------------------------------------------------------------------
    def named(self, value: str) -> ox.NamedNode | ox.BlankNode:
        """A result IRI as a term: skolemised blank nodes and long-IRI surrogates are undone."""
        if value.startswith("urn:fedcat:"):
            if value.startswith(BNODE):
                return ox.BlankNode(value[len(BNODE) :])
            if value.startswith(LONG_IRI):
                full = self.long_iris.get(value)
                if full is None:
                    raise KeyError(value)  # the caller looks surrogates up in batches, then decodes again
                value = full
        node = self._nodes.get(value)
        if node is None:
            try:
                node = ox.NamedNode(value)
            except ValueError as exc:
                raise StoreDataError(f"the store returned an IRI that is not valid RDF: {value[:200]!r}") from exc
            if len(self._nodes) < 100_000:  # predicates, graphs and classes repeat a lot; bound the cache
                self._nodes[value] = node
        return node

    def blank(self, value: str) -> ox.BlankNode:
        """A blank node of the server (Virtuoso: `nodeID://b123`) as a term with a valid label."""
        label = value[len(VIRTUOSO_BNODE) :] if value.startswith(VIRTUOSO_BNODE) else value
        return ox.BlankNode("v" + re.sub(r"[^A-Za-z0-9_]", "_", label))

    def typed(self, value: str, datatype: str) -> ox.Literal:
        """A typed literal from a result; verbatim datatypes and Virtuoso's 1/0 booleans are undone."""
        if datatype.startswith(VERBATIM):
            return ox.Literal(value, datatype=ox.NamedNode(datatype[len(VERBATIM) :]))
        if self.virtuoso and datatype == _BOOLEAN.value and value in ("1", "0"):
            value = "true" if value == "1" else "false"  # the canonical form, which Oxigraph also reads back
        return ox.Literal(value, datatype=self.named(datatype))  # type: ignore[arg-type]

    def binding(self, cell: dict[str, Any]) -> Term:
        """One SPARQL JSON results binding as a term."""
        kind = cell.get("type")
        value = cell.get("value", "")
        if kind == "uri":
            return self.named(value)
        if kind == "bnode":
            return self.blank(value)
        if kind in ("literal", "typed-literal"):
            lang = cell.get("xml:lang")
            if lang:
                return ox.Literal(value, language=lang)
            datatype = cell.get("datatype")
            if datatype:
                return self.typed(value, datatype)
            return ox.Literal(value)
        raise StoreDataError(f"unknown binding type {kind!r} in SPARQL results")

    def decode_term(self, term: Any) -> Any:
        """A term parsed from N-Triples, with this store's encodings undone."""
        kind = type(term)
        if kind is ox.NamedNode:
            return self.named(term.value) if term.value.startswith("urn:fedcat:") else term
        if kind is ox.BlankNode:
            return self.blank(term.value)
        if kind is ox.Literal:
            datatype = term.datatype.value
            if datatype.startswith(VERBATIM) or (self.virtuoso and datatype == _BOOLEAN.value):
                return self.typed(term.value, datatype)
        return term

    def surrogates(self, values: Iterable[str]) -> set[str]:
        """The long-IRI surrogates among `values` that are not known yet."""
        return {v for v in values if v.startswith(LONG_IRI) and v not in self.long_iris}


def rows_from_json(data: dict[str, Any], codec: TermCodec) -> tuple[list[str], list[dict[str, Term]]]:
    """Variables and rows of a SPARQL JSON SELECT result; `KeyError` carries an unknown long-IRI surrogate."""
    variables = list(data.get("head", {}).get("vars", []))
    bindings = data.get("results", {}).get("bindings", [])
    binding = codec.binding
    return variables, [{k: binding(v) for k, v in row.items()} for row in bindings]


def triples_from_ntriples(body: bytes, codec: TermCodec) -> list[ox.Triple]:
    """Triples of an N-Triples CONSTRUCT / DESCRIBE answer, decoded."""
    try:
        triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise StoreDataError(f"the store sent N-Triples that do not parse: {exc}") from exc
    decode = codec.decode_term
    out = []
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if (
            (type(s) is ox.NamedNode and not s.value.startswith("urn:fedcat:"))
            and not p.value.startswith("urn:fedcat:")
            and type(o) is not ox.BlankNode
            and not (type(o) is ox.NamedNode and o.value.startswith("urn:fedcat:"))
            and not (type(o) is ox.Literal and (o.datatype.value.startswith(VERBATIM) or o.datatype == _BOOLEAN))
        ):
            out.append(t)
        else:
            out.append(ox.Triple(decode(s), decode(p), decode(o)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Update batches


@dataclass
class Batch:
    """One `INSERT DATA` request: its text, the graphs it writes and how many triples it holds."""

    text: str
    graphs: list[str]
    triples: int


def insert_batches(
    quads: Iterable[ox.Quad],
    codec: TermCodec,
    *,
    max_triples: int,
    max_bytes: int,
    block_triples: int,
    prefix: str = "",
) -> Iterator[Batch]:
    """`INSERT DATA` requests for `quads`, grouped by graph, each within `max_triples` and about `max_bytes`.

    A graph's triples are kept together in one request when they fit, split over several `GRAPH` blocks of at
    most `block_triples` (Virtuoso's parser runs out of stack at about 5,000 triples in one block). `prefix` is
    put before every request (Virtuoso needs `define sql:big-data-const 1`, or it compiles the data into SQL
    and gives up at 10,000 lines of it).
    """
    by_graph: dict[str, tuple[list[str], list[str]]] = {}
    line = codec.triple_line
    # Per (graph, subject, predicate): which literal owns each SQL value, and the text written for each literal
    # as Oxigraph sees it. A literal whose SQL value another one owns is written verbatim, so Virtuoso keeps
    # both; one Oxigraph would merge with an earlier one is written as that one was, so Virtuoso merges it too.
    stored: dict[tuple[str, str, str], tuple[dict[object, object], dict[object, str]]] = {}
    for quad in quads:
        graph = quad.graph_name
        if type(graph) is not ox.NamedNode:
            raise StoreDataError("quads in the default graph cannot be stored: fedcat writes named graphs only")
        entry = by_graph.get(graph.value)
        if entry is None:
            entry = by_graph[graph.value] = ([], [])
        obj = quad.object
        native = sql_value(obj) if codec.virtuoso and isinstance(obj, ox.Literal) else None
        if native is None or not isinstance(obj, ox.Literal):
            entry[0].append(line(quad, entry[1]))
            continue
        keys, identity = native
        owners, written = stored.setdefault((graph.value, str(quad.subject), quad.predicate.value), ({}, {}))
        text = written.get(identity)
        if text is None:
            clash = any(owners.get(key, identity) != identity for key in keys)
            if not clash:
                owners.update(dict.fromkeys(keys, identity))
            text = written[identity] = codec.literal(obj, entry[1], verbatim=clash)
        subject, predicate = codec.term(quad.subject, entry[1]), codec.iri(quad.predicate.value, entry[1])
        entry[0].append(f"{subject} {predicate} {text}")
    parts: list[str] = []
    graphs: list[str] = []
    size = count = 0
    for graph_iri, (lines, side) in by_graph.items():
        name = codec.iri(graph_iri, side)
        blocks = [(name, lines[i : i + block_triples]) for i in range(0, len(lines), block_triples)]
        if side:
            # A surrogate's mapping travels in the same request as the first block that uses it.
            blocks.insert(0, (f"<{LONG_IRI_GRAPH}>", list(dict.fromkeys(side))))
        for target, block in blocks:
            text = f"GRAPH {target} {{\n" + " .\n".join(block) + " .\n}\n"
            if parts and (count + len(block) > max_triples or size + len(text) > max_bytes):
                yield Batch(f"{prefix}INSERT DATA {{\n{''.join(parts)}}}", graphs, count)
                parts, graphs, size, count = [], [], 0, 0
            parts.append(text)
            if target == name and (not graphs or graphs[-1] != graph_iri):
                graphs.append(graph_iri)
            size += len(text)
            count += len(block)
    if parts:
        yield Batch(f"{prefix}INSERT DATA {{\n{''.join(parts)}}}", graphs, count)
