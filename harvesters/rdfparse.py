"""Parse untrusted RDF safely: pick the format, refuse DOCTYPE/entities and remote JSON-LD contexts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pyoxigraph as ox

from catalogue.errors import HostileInput, ParseError, UnsupportedFormat
from catalogue.records import Statement

MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/xml": ox.RdfFormat.RDF_XML,
    "text/xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
EXTENSIONS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "rdf": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
ACCEPT = (
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, "
    "application/n-triples;q=0.7, application/trig;q=0.5, */*;q=0.1"
)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def guess_format(content: bytes, content_type: str | None, url: str) -> ox.RdfFormat:
    """The RDF format from the media type, else the file extension, else the first bytes."""
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        if media in MEDIA_TYPES and media not in ("text/plain", "application/octet-stream"):
            return MEDIA_TYPES[media]
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    for ext in (path.rsplit(".", 1)[-1], path.rsplit(".", 2)[-2] if path.count(".") >= 2 else ""):
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
    head = content[:512].lstrip()
    if head.startswith((b"{", b"[")):
        return ox.RdfFormat.JSON_LD
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF"):
        return ox.RdfFormat.RDF_XML
    if head.startswith((b"@prefix", b"PREFIX", b"@base", b"BASE")):
        return ox.RdfFormat.TURTLE
    if head.startswith(b"<") and content_type and "plain" in content_type:
        return ox.RdfFormat.N_TRIPLES
    if head.startswith(b"<"):
        return ox.RdfFormat.TURTLE
    raise UnsupportedFormat(f"cannot tell the RDF format of {url} (content type {content_type or 'none'})")


def parse_rdf(content: bytes, fmt: ox.RdfFormat, base_iri: str | None = None) -> list[ox.Triple]:
    """The distinct triples of the document (named graphs flattened); refuses hostile constructs first."""
    with _parsing(content, fmt):
        quads = ox.parse(content, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        # A graph is a set: a page that repeats a shared node's description (a publisher per dataset) would
        # otherwise hand every record that reaches the node all its copies.
        return list(dict.fromkeys(q.triple for q in quads))


# Formats whose quads are all in the default graph: such a quad prints as its triple.
_TRIPLE_FORMATS = frozenset((ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML))


def parse_printed(
    content: bytes, fmt: ox.RdfFormat, base_iri: str | None = None
) -> tuple[list[Statement], dict[int, tuple[Statement, str]]]:
    """`parse_rdf` as statements, with the N-Triples line of each, as `catalogue.records.ntriples_lines` takes them.

    A parsed term is a new object at each read, so the lines could reuse no printed term; pyoxigraph prints a
    whole quad for the price of one term, and the lines tell repeated triples apart more cheaply than the
    triples' terms do. The entries hold their statements, so no id is reused meanwhile.
    """
    new, flat = tuple.__new__, fmt in _TRIPLE_FORMATS
    out: list[Statement] = []
    known: dict[int, tuple[Statement, str]] = {}
    lines: set[str] = set()
    with _parsing(content, fmt):
        for q in ox.parse(content, format=fmt, base_iri=base_iri, rename_blank_nodes=True):
            line = str(q) if flat else str(q.triple)
            if line in lines:  # a graph is a set (see parse_rdf); equal triples, and only they, print equal
                continue
            lines.add(line)
            st = new(Statement, (q.subject, q.predicate, q.object))
            out.append(st)
            known[id(st)] = (st, line)
    return out, known


@contextmanager
def _parsing(content: bytes, fmt: ox.RdfFormat) -> Iterator[None]:
    """Refuse hostile XML before parsing; parse errors (raised as the quads are read) as our errors."""
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(content[:65536]):
        # Oxigraph expands internal entities, so a DOCTYPE can be a billion-laughs bomb.
        raise HostileInput("XML with a DOCTYPE or entity declaration is refused")
    try:
        yield
    except SyntaxError as exc:
        message = str(exc)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            raise HostileInput("JSON-LD with a remote @context is refused (it would make us fetch a URL)") from exc
        raise ParseError(f"malformed {fmt.name}: {message}") from exc
    except ValueError as exc:
        raise ParseError(f"malformed {fmt.name}: {exc}") from exc
