"""Every namespace fedcat speaks, in one place, as pyoxigraph terms."""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace:
    """An IRI prefix; attribute or item access gives a `NamedNode` (`DCAT.Dataset`, `DCT["title"]`).

    Deliberately not a `str` subclass: `DCT.title` and `DCT.format` must be terms, not string methods.
    A term is cached as an instance attribute on first use, so later lookups cost a plain attribute read.
    """

    def __init__(self, base: str) -> None:
        self._base = base

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"Namespace({self._base!r})"

    def __add__(self, other: str) -> str:
        return self._base + other

    def __len__(self) -> int:
        return len(self._base)

    def term(self, name: str) -> NamedNode:
        """The `NamedNode` for `name` in this namespace."""
        node = self.__dict__.get(name)
        if node is None:
            node = NamedNode(self._base + name)
            if not name.startswith("_"):
                self.__dict__[name] = node
        return node

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.term(name)

    def __getitem__(self, name: str) -> NamedNode:
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
    k: str(v)
    for k, v in {
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
    }.items()
}
