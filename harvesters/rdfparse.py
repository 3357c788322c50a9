"""Parse untrusted RDF safely: pick the format, refuse DOCTYPE/entities and remote JSON-LD contexts."""

from __future__ import annotations

import re

import pyoxigraph as ox

from catalogue.errors import HostileInput, ParseError, UnsupportedFormat

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
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(content[:65536]):
        # Oxigraph expands internal entities, so a DOCTYPE can be a billion-laughs bomb.
        raise HostileInput("XML with a DOCTYPE or entity declaration is refused")
    try:
        quads = ox.parse(content, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        # A graph is a set: a page that repeats a shared node's description (a publisher per dataset) would
        # otherwise hand every record that reaches the node all its copies.
        return list(dict.fromkeys(q.triple for q in quads))
    except SyntaxError as exc:
        message = str(exc)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            raise HostileInput("JSON-LD with a remote @context is refused (it would make us fetch a URL)") from exc
        raise ParseError(f"malformed {fmt.name}: {message}") from exc
    except ValueError as exc:
        raise ParseError(f"malformed {fmt.name}: {exc}") from exc
