"""Every namespace fedcat speaks, in one place, as pyoxigraph terms."""

from __future__ import annotations

from functools import cache

from pyoxigraph import NamedNode


class Namespace(str):
    """An IRI prefix; attribute or item access gives a `NamedNode` (`DCAT.Dataset`)."""

    __slots__ = ()

    @cache  # noqa: B019 - namespaces live for the whole process
    def term(self, name: str) -> NamedNode:
        """The `NamedNode` for `name` in this namespace."""
        return NamedNode(str(self) + name)

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.term(name)

    def __getitem__(self, name: str) -> NamedNode:  # type: ignore[override]
        return self.term(name)


ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
DQV = Namespace("http://www.w3.org/ns/dqv#")
FEDCAT = Namespace("https://w3id.org/fedcat/ns#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
PROV = Namespace("http://www.w3.org/ns/prov#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SCHEMA = Namespace("http://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPE = Namespace(EU_AUTHORITY + "file-type/")
EU_LICENCE = Namespace(EU_AUTHORITY + "licence/")
EU_LANGUAGE = Namespace(EU_AUTHORITY + "language/")
EU_THEME = Namespace(EU_AUTHORITY + "data-theme/")
EU_FREQUENCY = Namespace(EU_AUTHORITY + "frequency/")
EU_ACCESS_RIGHT = Namespace(EU_AUTHORITY + "access-right/")
IANA_MEDIA_TYPE = Namespace("http://www.iana.org/assignments/media-types/")

PREFIXES: dict[str, str] = {
    "adms": ADMS,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dct": DCT,
    "dqv": DQV,
    "fedcat": FEDCAT,
    "foaf": FOAF,
    "hydra": HYDRA,
    "locn": LOCN,
    "odrl": ODRL,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": XSD,
}
