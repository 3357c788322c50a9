"""Restore datatypes the Oxigraph store folds away.

Oxigraph stores every integer-derived XSD type (nonNegativeInteger, int, long, ...) as xsd:integer. The
profiles we speak require xsd:nonNegativeInteger on some properties, so output puts the declared type back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from vocabularies.namespaces import DCAT, XSD, Namespace

HEALTHDCATAP = Namespace("http://healthdataportal.eu/ns/health#")
DECLARED: dict[ox.NamedNode, ox.NamedNode] = {
    DCAT.byteSize: XSD.nonNegativeInteger,
    HEALTHDCATAP.numberOfRecords: XSD.nonNegativeInteger,
    HEALTHDCATAP.numberOfUniqueIndividuals: XSD.nonNegativeInteger,
    HEALTHDCATAP.minTypicalAge: XSD.nonNegativeInteger,
    HEALTHDCATAP.maxTypicalAge: XSD.nonNegativeInteger,
}


def restore_datatypes(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """The triples with declared integer datatypes restored where the store folded them to xsd:integer."""
    integer = XSD.integer
    for t in triples:
        declared = DECLARED.get(t.predicate)
        obj = t.object
        if (
            declared is not None
            and isinstance(obj, ox.Literal)
            and obj.datatype == integer
            and not obj.value.startswith("-")
        ):
            yield ox.Triple(t.subject, t.predicate, ox.Literal(obj.value, datatype=declared))
        else:
            yield t
