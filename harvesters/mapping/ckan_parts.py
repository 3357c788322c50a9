"""Building blocks of a mapped CKAN record: the growing triple list, and the small nodes DCAT-AP
hangs off a dataset or distribution (agents, contact points, periods, locations, statements,
identifiers, checksums). Nodes without an IRI of their own are blank; the harvester skolemises them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from catalogue.records import Statement
from harvesters.mapping.ckan_fields import (
    XSD_HEXBINARY,
    date_literal,
    hex_literal,
    iri,
    literals,
    mailto,
    raw,
    text,
    values,
)
from harvesters.mapping.ckan_geometry import geometry_literal
from harvesters.mapping.ckan_terms import ADMS, DCAT, DCT, FOAF, LOCN, RDF, RDFS, SKOS, SPDX, VCARD

Subject = ox.NamedNode | ox.BlankNode
Object = ox.NamedNode | ox.BlankNode | ox.Literal
_new = tuple.__new__  # a NamedTuple's own constructor is a Python function: twice the cost


class Out:
    """The triples of one record as they are built, with shorthands for the common value shapes."""

    __slots__ = ("triples",)

    def __init__(self) -> None:
        self.triples: list[Statement] = []

    def add(self, s: Subject, p: ox.NamedNode, o: Object) -> None:
        """One triple."""
        self.triples.append(_new(Statement, (s, p, o)))

    def all(self, s: Subject, p: ox.NamedNode, objects: Iterable[Object]) -> None:
        """One triple per object."""
        append = self.triples.append
        for o in objects:
            append(_new(Statement, (s, p, o)))

    def raw(self, s: Subject, p: ox.NamedNode, value: Any) -> None:
        """The value as written (IRI or plain literal), if there is one."""
        o = raw(value)
        if o is not None:
            self.triples.append(_new(Statement, (s, p, o)))

    def raws(self, s: Subject, p: ox.NamedNode, value: Any) -> None:
        """Each item of a list-valued field as written (IRI or plain literal), once: sources repeat
        languages or themes, and a duplicate triple would be noise in the content hash."""
        items = values(value)
        if len(items) > 1:
            items = list(dict.fromkeys(v for v in items if isinstance(v, str | int | float)))
        for v in items:
            o = raw(v)
            if o is not None:
                self.triples.append(_new(Statement, (s, p, o)))

    def texts(self, s: Subject, p: ox.NamedNode, value: Any, translated: Any = None) -> None:
        """A possibly multilingual text (see `literals`)."""
        self.all(s, p, literals(value, translated))

    def date(self, s: Subject, p: ox.NamedNode, *candidates: Any) -> None:
        """The first candidate that parses as a date; the others are fallbacks."""
        for value in candidates:
            if value is None:
                continue
            o = date_literal(value)
            if o is not None:
                self.triples.append(_new(Statement, (s, p, o)))
                return

    def literal(self, s: Subject, p: ox.NamedNode, o: ox.Literal | None) -> None:
        """A literal that a coercion helper may have refused (None)."""
        if o is not None:
            self.triples.append(_new(Statement, (s, p, o)))


def person_name(d: dict[str, Any]) -> Any:
    """The display name of an agent record; EnviDat-style records split it into given_name + name."""
    given, name = text(d.get("given_name")), text(d.get("name"))
    return f"{given} {name}" if given and name else d.get("name")


def agent(
    out: Out,
    subject: Subject,
    predicate: ox.NamedNode,
    d: dict[str, Any],
    node: ox.NamedNode | None = None,
    organization: bool = False,
) -> Subject | None:
    """A foaf:Agent (name, mbox, homepage, type, identifier) linked from `subject`; None when nameless."""
    names = literals(person_name(d), d.get("name_translated"))
    if node is None:
        node = iri(d.get("uri"))
    if not names and node is None:
        return None
    ref: Subject = node if node is not None else ox.BlankNode()
    out.add(subject, predicate, ref)
    out.add(ref, RDF.type, FOAF.Agent)
    if organization:
        out.add(ref, RDF.type, FOAF.Organization)
    out.all(ref, FOAF.name, names)
    out.all(ref, FOAF.mbox, mailto(d.get("email")))
    homepage = iri(d.get("url") or d.get("homepage"), web=True)
    if homepage is not None:
        out.add(ref, FOAF.homepage, homepage)
    out.raw(ref, DCT.type, d.get("type"))
    identifier = text(d.get("identifier"))
    if identifier is not None:
        out.add(ref, DCT.identifier, ox.Literal(identifier))
    return ref


def contact_point(out: Out, subject: Subject, d: dict[str, Any]) -> None:
    """A dcat:contactPoint vcard:Kind (fn, hasEmail, hasUID, hasURL), if it says anything."""
    names = literals(person_name(d), d.get("name_translated"))
    emails = mailto(d.get("email"))
    node = iri(d.get("uri"))
    url = iri(d.get("url"), web=True)
    if not names and not emails and node is None and url is None:
        return
    ref: Subject = node if node is not None else ox.BlankNode()
    out.add(subject, DCAT.contactPoint, ref)
    out.add(ref, RDF.type, VCARD.Kind)
    out.all(ref, VCARD.fn, names)
    out.all(ref, VCARD.hasEmail, emails)
    uid = text(d.get("identifier"))
    if uid is not None:
        out.add(ref, VCARD.hasUID, ox.Literal(uid))
    if url is not None:
        out.add(ref, VCARD.hasURL, url)


def period(out: Out, subject: Subject, predicate: ox.NamedNode, start: Any, end: Any) -> None:
    """A dct:PeriodOfTime with dcat:startDate / dcat:endDate, if either end parses as a date."""
    first, last = date_literal(start), date_literal(end)
    if first is None and last is None:
        return
    node = ox.BlankNode()
    out.add(subject, predicate, node)
    out.add(node, RDF.type, DCT.PeriodOfTime)
    out.literal(node, DCAT.startDate, first)
    out.literal(node, DCAT.endDate, last)


def location(
    out: Out, subject: Subject, uri: Any, label: Any, geom: Any, bbox: Any = None, centroid: Any = None
) -> None:
    """A dct:spatial dct:Location: its IRI (e.g. a GeoNames or EU country IRI) when given, a label
    and WKT geometry, bounding box and centroid."""
    node = iri(uri)
    labels = literals(label)
    shapes = [
        (p, geometry_literal(v)) for p, v in ((LOCN.geometry, geom), (DCAT.bbox, bbox), (DCAT.centroid, centroid)) if v
    ]
    if node is None and not labels and not any(lit for _, lit in shapes):
        return
    ref: Subject = node if node is not None else ox.BlankNode()
    out.add(subject, DCT.spatial, ref)
    out.add(ref, RDF.type, DCT.Location)
    out.all(ref, SKOS.prefLabel, labels)
    for predicate, lit in shapes:
        out.literal(ref, predicate, lit)


def statement(out: Out, subject: Subject, predicate: ox.NamedNode, value: Any, cls: ox.NamedNode) -> None:
    """A statement (provenance, rights): the IRI when the value is one, else a `cls` node whose
    rdfs:label is the (possibly multilingual) text, as DCAT-AP's ranges want."""
    node = iri(value) if isinstance(value, str) else None
    if node is not None:
        out.add(subject, predicate, node)
        return
    labels = literals(value)
    if labels:
        ref = ox.BlankNode()
        out.add(subject, predicate, ref)
        out.add(ref, RDF.type, cls)
        out.all(ref, RDFS.label, labels)


def identifier(out: Out, subject: Subject, value: Any) -> None:
    """An adms:identifier adms:Identifier with the value as skos:notation (DCAT-AP 3)."""
    s = text(value)
    if s is not None:
        node = ox.BlankNode()
        out.add(subject, ADMS.identifier, node)
        out.add(node, RDF.type, ADMS.Identifier)
        out.add(node, SKOS.notation, ox.Literal(s))


_ALGORITHM = {
    name: SPDX["checksumAlgorithm_" + spdx]
    for spdx, names in (
        ("md5", ("md5",)),
        ("sha1", ("sha1", "sha-1")),
        ("sha224", ("sha224", "sha-224")),
        ("sha256", ("sha256", "sha-256")),
        ("sha384", ("sha384", "sha-384")),
        ("sha512", ("sha512", "sha-512")),
    )
    for name in names
}
# A bare hex digest without an algorithm: its length tells the usual algorithms apart.
_ALGORITHM_BY_LENGTH = {
    32: _ALGORITHM["md5"],
    40: _ALGORITHM["sha1"],
    64: _ALGORITHM["sha256"],
    128: _ALGORITHM["sha512"],
}


def checksum(out: Out, subject: Subject, digest: Any, algorithm: Any) -> None:
    """An spdx:checksum spdx:Checksum; the algorithm comes from `algorithm`, a "sha256:" prefix on the
    digest, or the digest's length."""
    value = text(digest)
    if value is None:
        return
    name = text(algorithm)
    algo: Object | None = None
    if name is not None:
        algo = _ALGORITHM.get(name.lower()) or raw(name)
    elif ":" in value:
        prefix, _, rest = value.partition(":")
        algo = _ALGORITHM.get(prefix.strip().lower())
        if algo is not None:
            value = rest.strip()
    lit = hex_literal(value)
    if algo is None and lit.datatype == XSD_HEXBINARY:
        algo = _ALGORITHM_BY_LENGTH.get(len(value))
    node = ox.BlankNode()
    out.add(subject, SPDX.checksum, node)
    out.add(node, RDF.type, SPDX.Checksum)
    out.add(node, SPDX.checksumValue, lit)
    if algo is not None:
        out.add(node, SPDX.algorithm, algo)
