"""The vocabulary terms of the CKAN mapping as plain attributes, cheap to read on the hot path."""

from __future__ import annotations

import pyoxigraph as ox

from vocabularies import namespaces as ns


class Terms:
    """A namespace whose terms become plain attributes once looked up: `Namespace.__getattr__`
    costs a failed attribute lookup each time, which is most of a mapping's time on hot paths."""

    def __init__(self, base: ns.Namespace) -> None:
        self._base = base

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self._base.term(name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> ox.NamedNode:
        return getattr(self, name)


ADMS = Terms(ns.ADMS)
DCAT = Terms(ns.DCAT)
DCATAP = Terms(ns.DCATAP)
DCT = Terms(ns.DCT)
DQV = Terms(ns.DQV)
FOAF = Terms(ns.FOAF)
LOCN = Terms(ns.LOCN)
PROV = Terms(ns.PROV)
RDF = Terms(ns.RDF)
RDFS = Terms(ns.RDFS)
SKOS = Terms(ns.SKOS)
SPDX = Terms(ns.SPDX)
VCARD = Terms(ns.VCARD)
XSD = Terms(ns.XSD)
# HealthDCAT-AP and its helpers; not in vocabularies.namespaces because only this mapping speaks them.
HEALTH = Terms(ns.Namespace("http://healthdataportal.eu/ns/health#"))
DPV = Terms(ns.Namespace("https://w3id.org/dpv#"))
OA = Terms(ns.Namespace("http://www.w3.org/ns/oa#"))
