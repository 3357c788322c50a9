"""Serialise the home catalogue as DCAT-AP 3 Turtle with pyoxigraph (deterministic blank-node labels)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pyoxigraph as ox

from demo.model import HomeDataset
from demo.publishers import ADMS_PUBLISHER_TYPE, CATALOGUE_PUBLISHER, PUBLISHERS, Publisher
from vocabularies.namespaces import (
    DCAT,
    DCATAP,
    DCT,
    EU_ACCESS_RIGHT,
    EU_AUTHORITY,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_THEME,
    FOAF,
    IANA_MEDIA_TYPE,
    PREFIXES,
    RDF,
    VCARD,
    XSD,
    Namespace,
)

HEALTHDCATAP = Namespace("http://healthdataportal.eu/ns/health#")
HEALTH_CATEGORY = "http://healthdata.ec.europa.eu/authority/health-category/"
EHDS = ox.NamedNode("http://data.europa.eu/eli/reg/2025/327/oj")  # European Health Data Space regulation
CATALOG_IRI = "https://data.demo.lu/catalog"
LANGUAGE_CODE = {"en": "ENG", "fr": "FRA", "de": "DEU", "lb": "LTZ"}

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


def _lit(text: str, lang: str) -> ox.Literal:
    return ox.Literal(text, language=lang)


def _dt(value: datetime) -> ox.Literal:
    return ox.Literal(value.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)


def _day(value: date) -> ox.Literal:
    return ox.Literal(value.isoformat(), datatype=XSD.date)


def _agent(pub: Publisher) -> Iterator[Triple]:
    node = ox.NamedNode(pub.iri)
    yield node, RDF.type, FOAF.Agent
    yield node, RDF.type, FOAF.Organization
    for lang in ("en", "fr", "de", "lb"):
        if lang == "en" or pub.name.get(lang) != pub.name.en:
            yield node, FOAF.name, _lit(pub.name.get(lang), lang)
    yield node, DCT.type, ox.NamedNode(ADMS_PUBLISHER_TYPE + pub.kind)
    yield node, FOAF.homepage, ox.NamedNode(pub.homepage)


def _dataset(ds: HomeDataset, n: int) -> Iterator[Triple]:
    node = ox.NamedNode(ds.iri)
    yield node, RDF.type, DCAT.Dataset
    yield node, DCT.identifier, ox.Literal(ds.identifier)
    for lang, title in ds.titles.items():
        yield node, DCT["title"], _lit(title, lang)
    for lang, text in ds.descriptions.items():
        yield node, DCT.description, _lit(text, lang)
    for lang, word in ds.keywords:
        yield node, DCAT.keyword, _lit(word, lang)
    for code in ds.eu_themes:
        yield node, DCAT.theme, EU_THEME[code]
    yield node, DCT.publisher, ox.NamedNode(ds.publisher.iri)
    contact, period = ox.BlankNode(f"contact{n}"), ox.BlankNode(f"period{n}")
    yield node, DCAT.contactPoint, contact
    yield node, DCT.issued, _dt(ds.issued)
    yield node, DCT.modified, _dt(ds.modified)
    yield node, DCT.accrualPeriodicity, EU_FREQUENCY[ds.frequency]
    yield node, DCT.spatial, ox.NamedNode(ds.spatial)
    yield node, DCT.temporal, period
    yield node, DCT.accessRights, EU_ACCESS_RIGHT[ds.access_rights]
    yield node, DCAT.landingPage, ox.NamedNode(ds.landing_page)
    for lang in ds.languages:
        yield node, DCT.language, EU_LANGUAGE[LANGUAGE_CODE[lang]]
    if ds.theme == "health":
        dataset_type = "PERSONAL_DATA" if ds.sensitive else "STATISTICAL"
        yield node, DCT.type, ox.NamedNode(f"{EU_AUTHORITY}dataset-type/{dataset_type}")
        yield node, DCATAP.applicableLegislation, EHDS
        if ds.sensitive:
            yield node, HEALTHDCATAP.healthCategory, ox.NamedNode(HEALTH_CATEGORY + "EHR")
        if ds.records is not None:
            yield (
                node,
                HEALTHDCATAP.numberOfRecords,
                ox.Literal(str(ds.records), datatype=XSD.nonNegativeInteger),
            )
    for dist in ds.distributions:
        yield node, DCAT.distribution, ox.NamedNode(dist.iri)
    unit = ds.publisher.units[ds.contact_unit]
    yield contact, RDF.type, VCARD.Organization
    yield contact, VCARD.fn, ox.Literal(unit)
    yield contact, VCARD.hasEmail, ox.NamedNode(f"mailto:{ds.publisher.email(ds.contact_unit)}")
    yield period, RDF.type, DCT.PeriodOfTime
    yield period, DCAT.startDate, _day(ds.start)
    yield period, DCAT.endDate, _day(ds.end)
    yield from _distributions(ds)


def _distributions(ds: HomeDataset) -> Iterator[Triple]:
    for dist in ds.distributions:
        node = ox.NamedNode(dist.iri)
        yield node, RDF.type, DCAT.Distribution
        for lang, title in dist.titles.items():
            yield node, DCT["title"], _lit(title, lang)
        yield node, DCAT.accessURL, ox.NamedNode(dist.access_url)
        if dist.download_url:
            yield node, DCAT.downloadURL, ox.NamedNode(dist.download_url)
        yield (
            node,
            DCT["format"],
            ox.Literal(dist.format) if dist.format_literal else EU_FILE_TYPE[dist.format],
        )
        if dist.media_type:
            media = dist.media_type
            yield (
                node,
                DCAT.mediaType,
                ox.Literal(media) if dist.media_type_literal else IANA_MEDIA_TYPE[media],
            )
        yield node, DCAT.byteSize, ox.Literal(str(dist.byte_size), datatype=XSD.nonNegativeInteger)
        if dist.licence:
            yield node, DCT.license, ox.NamedNode(dist.licence)


def _catalog(datasets: list[HomeDataset]) -> Iterator[Triple]:
    node = ox.NamedNode(CATALOG_IRI)
    yield node, RDF.type, DCAT.Catalog
    yield node, DCT["title"], _lit("Luxembourg National Data Service – demo catalogue", "en")
    yield node, DCT["title"], _lit("Luxembourg National Data Service – catalogue de démonstration", "fr")
    yield node, DCT["title"], _lit("Luxembourg National Data Service – Demo-Katalog", "de")
    yield (
        node,
        DCT.description,
        _lit("Metadata of datasets held by Luxembourg public bodies, for discovery and secure access.", "en"),
    )
    yield (
        node,
        DCT.description,
        _lit(
            "Métadonnées des jeux de données détenus par les organismes publics luxembourgeois, "
            "pour leur découverte et un accès sécurisé.",
            "fr",
        ),
    )
    yield (
        node,
        DCT.description,
        _lit(
            "Metadaten der Datensätze luxemburgischer öffentlicher Stellen, für Auffindbarkeit und sicheren Zugang.",
            "de",
        ),
    )
    yield node, DCT.publisher, ox.NamedNode(CATALOGUE_PUBLISHER.iri)
    yield node, FOAF.homepage, ox.NamedNode("https://data.demo.lu/")
    for code in LANGUAGE_CODE.values():
        yield node, DCT.language, EU_LANGUAGE[code]
    yield node, DCT.issued, _dt(datetime(2015, 1, 1, 9, 0))
    if datasets:
        yield node, DCT.modified, _dt(max(ds.modified for ds in datasets))
    for ds in datasets:
        yield node, DCAT.dataset, ox.NamedNode(ds.iri)


def write_catalog(path: Path, datasets: list[HomeDataset]) -> None:
    """Write the catalogue, its publishers and datasets to `path` (Turtle, UTF-8)."""
    triples: list[ox.Triple] = []
    parts: list[Iterator[Triple]] = [
        _catalog(datasets),
        _agent(CATALOGUE_PUBLISHER),
        *map(_agent, PUBLISHERS),
    ]
    parts += [_dataset(ds, n) for n, ds in enumerate(datasets, 1)]
    for part in parts:
        triples.extend(ox.Triple(s, p, o) for s, p, o in part)
    used = ("dcat", "dcatap", "dct", "foaf", "rdf", "vcard", "xsd")
    prefixes = {**{name: str(PREFIXES[name]) for name in used}, "healthdcatap": str(HEALTHDCATAP)}
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert text is not None
    lines = text.split(b"\n")
    head = sum(1 for _ in itertools.takewhile(lambda line: line.startswith(b"@prefix"), lines))
    path.parent.mkdir(parents=True, exist_ok=True)
    # pyoxigraph does not promise an order for the @prefix lines: sort them so the bytes are reproducible
    path.write_bytes(b"\n".join([*sorted(lines[:head]), *lines[head:]]))
