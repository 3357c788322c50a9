"""CKAN package dicts to DCAT-AP 3: ckanext-dcat's examples and recorded CKAN API answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from catalogue.errors import ConfigError, MappingError
from catalogue.records import Record, skolemize, terms
from harvesters.mapping.ckan import map_package
from harvesters.mapping.ckan_dump import read_dump
from vocabularies.namespaces import ADMS, DCAT, DCATAP, DCT, FOAF, LOCN, PREFIXES, RDF, SKOS, SPDX, VCARD, XSD

SITE = "https://demo.ckan.org"
HEALTH = "http://healthdataportal.eu/ns/health#"
WKT = ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
# ckanext-dcat's examples that are CKAN package dicts (catalog*.json and dataset.json are DCAT JSON).
CKANEXT_PACKAGES = (
    "ckan_dataset.json",
    "ckan_dataset_multilingual.json",
    "ckan_dcat_ap_dataset_series.json",
    "ckan_full_dataset_croissant.json",
    "ckan_full_dataset_dcat_ap.json",
    "ckan_full_dataset_dcat_ap_legacy.json",
    "ckan_full_dataset_dcat_ap_vocabularies.json",
    "ckan_full_dataset_dcat_us_vocabularies.json",
    "full_ckan_dataset_legacy.json",
    "health_dcat_ap.json",
)


# -- helpers ----------------------------------------------------------------------------------------------
class Graph:
    """The mapped triples of one record, with lookups by subject and predicate."""

    def __init__(self, record: Record) -> None:
        # An index of the triples as mapped: a Store would canonicalise literals ("+00:00" -> "Z").
        self.record = record
        self.index: dict[tuple[Any, Any], list[Any]] = {}
        for t in record.triples:
            self.index.setdefault((t.subject, t.predicate), []).append(t.object)

    def objects(self, s: Any, p: ox.NamedNode) -> list[Any]:
        return list(self.index.get((s, p), []))

    def values(self, s: Any, p: ox.NamedNode) -> set[str]:
        return {o.value for o in self.objects(s, p)}

    def one(self, s: Any, p: ox.NamedNode) -> Any:
        found = self.objects(s, p)
        assert len(found) == 1, f"{s} {p}: {found}"
        return found[0]

    def path(self, s: Any, *ps: ox.NamedNode) -> set[str]:
        nodes = {s}
        for p in ps:
            nodes = {o for n in nodes for o in self.objects(n, p)}
        return {n.value for n in nodes}

    @property
    def ds(self) -> ox.NamedNode:
        return self.record.dataset


def ckanext(reference: Path, name: str) -> dict[str, Any]:
    data = json.loads((reference / "ckanext-dcat/examples/ckan" / name).read_text())
    package = data[0] if isinstance(data, list) else data
    # ckanext-dcat's tests create these through CKAN, which adds the ids; a harvested package has them.
    package.setdefault("id", "0112cf32-bce0-4071-9504-923375f9f2ad")
    for n, res in enumerate(package.get("resources", [])):
        res.setdefault("id", f"res-{n}")
    return package


def envidat(reference: Path, name: str) -> Any:
    return json.loads((reference / "envidat-ckan-recorded/tests/fixtures" / name).read_text())["result"]


def amsterdam(reference: Path, name: str) -> Any:
    return json.loads((reference / "Amsterdam-dcatd/test/fixtures" / name).read_text())["result"]


def mapped(package: dict[str, Any], site: str = SITE) -> Graph:
    return Graph(map_package(package, site))


def lit(value: str, datatype: ox.NamedNode | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


# -- every reference package maps -------------------------------------------------------------------------
def all_reference_packages(reference: Path) -> list[tuple[str, dict[str, Any]]]:
    found = [(name, ckanext(reference, name)) for name in CKANEXT_PACKAGES]
    found.append(("envidat package_show", envidat(reference, "package_show.json")))
    found += [("envidat package_search", p) for p in envidat(reference, "package_search.json")["results"]]
    found += [("envidat organization_show", p) for p in envidat(reference, "organization_show.json")["packages"]]
    found += [("demo package_search", p) for p in amsterdam(reference, "packages.json")["results"]]
    for path in sorted((reference / "Amsterdam-dcatd/test/fixtures").glob("*-*-*.json")):
        found.append((f"demo package_show {path.stem}", amsterdam(reference, path.name)))
    return found


def test_every_reference_package_maps_to_a_dataset_with_title_and_identifier(reference):
    packages = all_reference_packages(reference)
    assert len(packages) == 10 + 1 + 2 + 2 + 3 + 3
    for name, package in packages:
        g = mapped(package)
        assert g.record.key == package["id"], name
        assert g.objects(g.ds, RDF.type)[0] in (DCAT.Dataset, DCAT.DatasetSeries), name
        assert g.objects(g.ds, DCT["title"]), name
        assert g.objects(g.ds, DCT.identifier), name
        assert g.record.original_url == f"{SITE}/dataset/{package.get('name') or package['id']}", name
        # every distribution is typed and linked, one per live resource
        dists = g.objects(g.ds, DCAT.distribution)
        assert len(dists) == len(package.get("resources") or []), name
        assert all(g.objects(d, RDF.type) == [DCAT.Distribution] for d in dists), name
        # only absolute IRIs and well-formed literals: the Turtle round trip must succeed
        ttl = ox.serialize(terms(g.record.triples), format=ox.RdfFormat.TURTLE)
        assert len(list(ox.parse(ttl, format=ox.RdfFormat.TURTLE))) == len(set(g.record.triples)), name


# -- ckanext-dcat's full DCAT-AP example -------------------------------------------------------------------
def test_full_dcat_ap_dataset(reference):
    g = mapped(ckanext(reference, "ckan_full_dataset_dcat_ap.json"))
    ds = g.ds
    assert ds == ox.NamedNode(f"{SITE}/dataset/0112cf32-bce0-4071-9504-923375f9f2ad")
    assert g.objects(ds, DCT["title"]) == [lit("Test DCAT dataset")]
    assert g.values(ds, DCT.description) == {"Lorem ipsum"}
    assert g.values(ds, DCAT.keyword) == {"Tag 1", "Tag 2"}
    assert g.objects(ds, DCAT.landingPage) == [ox.NamedNode("http://example.org/ds1")]
    assert g.objects(ds, DCAT.version) == [lit("1.0b")]
    assert g.objects(ds, DCT.identifier) == [lit("xx-some-dataset-id-yy")]
    assert g.path(ds, ADMS.identifier, SKOS.notation) == {"alt-id-1", "alt-id-2"}
    # the scheming issued/modified win over metadata_created/modified and keep their date type
    assert g.objects(ds, DCT.issued) == [lit("2024-05-01", XSD.date)]
    assert g.objects(ds, DCT.modified) == [lit("2024-05-05", XSD.date)]
    # controlled values stay raw for the normalisation pass
    assert g.objects(ds, DCT.accrualPeriodicity) == [lit("monthly")]
    assert set(g.objects(ds, DCT.language)) == {lit("en"), lit("ca"), lit("es")}
    assert g.values(ds, DCAT.theme) == {f"https://example.org/uri/theme{n}" for n in (1, 2, 3)}
    assert all(isinstance(o, ox.NamedNode) for o in g.objects(ds, DCAT.theme))
    assert g.objects(ds, DCT.accessRights) == [lit("Statement about access rights")]
    assert set(g.objects(ds, DCT.conformsTo)) == {lit("Standard 1"), lit("Standard 2")}
    assert g.objects(ds, FOAF.page) == [ox.NamedNode("https://example.org/some-doc.html")]
    assert set(g.objects(ds, DCT.isReferencedBy)) == {
        ox.NamedNode("https://doi.org/10.1038/sdata.2018.22"),
        lit("test_isreferencedby"),
    }
    assert len(g.objects(ds, DCATAP.applicableLegislation)) == 2
    assert g.objects(ds, DCT.type) == [lit("test-type")]
    assert g.path(ds, DCT.provenance, RDFS_LABEL) == {"Statement about provenance"}
    assert g.objects(ds, ADMS.versionNotes) == [lit("Some version notes")]
    assert g.objects(ds, DCAT.temporalResolution) == [lit("PT15M", XSD.duration)]
    assert g.objects(ds, DCAT.spatialResolutionInMeters) == [lit("1.5", XSD.decimal)]
    # two temporal coverages as DCAT-AP 3 periods
    periods = g.objects(ds, DCT.temporal)
    assert len(periods) == 2 and all(g.objects(p, RDF.type) == [DCT.PeriodOfTime] for p in periods)
    assert {o.value for p in periods for o in g.objects(p, DCAT.startDate)} == {"1905-03-01", "2024-04-10"}
    assert g.path(ds, DCT.temporal, DCAT.endDate) == {"2013-01-05", "2024-05-29"}
    # spatial coverage: the GeoNames IRI is the Location, with its label and WKT shapes
    place = ox.NamedNode("https://sws.geonames.org/6361390/")
    assert g.objects(ds, DCT.spatial) == [place]
    assert g.objects(place, RDF.type) == [DCT.Location]
    assert g.values(place, SKOS.prefLabel) == {"Tarragona"}
    geometry = g.one(place, LOCN.geometry)
    assert geometry.datatype == WKT and geometry.value.startswith("POLYGON ((11.9936 54.0486, 11.9936 54.2466")
    assert g.one(place, DCAT.centroid) == lit("POINT (1.26639 41.12386)", WKT)
    assert g.one(place, DCAT.bbox).value.startswith("POLYGON ((-2.1604 42.7611")
    # contact points, publisher, creator
    contacts = g.objects(ds, DCAT.contactPoint)
    assert len(contacts) == 2 and all(g.objects(c, RDF.type) == [VCARD.Kind] for c in contacts)
    assert g.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {
        "mailto:contact1@example.org",
        "mailto:contact2@example.org",
    }
    assert g.path(ds, DCAT.contactPoint, VCARD.fn) == {"Contact 1", "Contact 2"}
    assert g.path(ds, DCAT.contactPoint, VCARD.hasUID) == {"123", "456"}
    publisher = g.one(ds, DCT.publisher)
    assert set(g.objects(publisher, RDF.type)) == {FOAF.Agent, FOAF.Organization}
    assert g.values(publisher, FOAF.name) == {"Test Publisher"}
    assert g.values(publisher, FOAF.mbox) == {"mailto:publisher@example.org"}
    assert g.values(publisher, FOAF.homepage) == {"https://example.org"}
    assert g.path(ds, DCT.creator, FOAF.name) == {"Test Creator"}
    assert g.path(ds, DCAT.qualifiedRelation, DCAT.hadRole) == {"http://www.iana.org/assignments/relation/related"}
    # no package licence anywhere: nothing invented
    assert not g.objects(ds, DCT.license)


def test_full_dcat_ap_distribution(reference):
    g = mapped(ckanext(reference, "ckan_full_dataset_dcat_ap.json"))
    dist = g.one(g.ds, DCAT.distribution)
    assert dist == ox.NamedNode(f"{SITE}/dataset/0112cf32-bce0-4071-9504-923375f9f2ad/resource/res-0")
    assert g.values(dist, DCT["title"]) == {"Resource 1"}
    assert g.values(dist, DCT.description) == {"Some description"}
    assert g.objects(dist, DCAT.accessURL) == [ox.NamedNode("https://example.com/data.csv")]
    assert g.objects(dist, DCAT.downloadURL) == [ox.NamedNode("https://example.com/data.csv")]
    assert g.objects(dist, DCT["format"]) == [lit("CSV")]
    assert g.objects(dist, DCAT.byteSize) == [lit("12323", XSD.nonNegativeInteger)]
    checksum = g.one(dist, SPDX.checksum)
    assert g.objects(checksum, RDF.type) == [SPDX.Checksum]
    assert g.one(checksum, SPDX.checksumValue) == lit("4304cf2e751e6053c90b1804c89c0ebb758f395a", XSD.hexBinary)
    assert g.one(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha1
    assert g.objects(dist, DCT.issued) == [lit("2024-05-01T01:20:33", XSD.dateTime)]
    assert g.objects(dist, DCT.modified) == [lit("2024-05-05T09:33:20", XSD.dateTime)]
    assert g.objects(dist, DCT.license) == [ox.NamedNode("http://creativecommons.org/licenses/by/3.0/")]
    assert g.path(dist, DCT.rights, RDFS_LABEL) == {"Some stament about rights"}
    assert g.values(dist, DCT.language) == {"en", "ca", "es"}
    assert g.values(dist, ADMS.status) == {"http://purl.org/adms/status/Completed"}
    assert g.values(dist, DCAT.compressFormat) == {"http://www.iana.org/assignments/media-types/application/gzip"}
    service = g.one(dist, DCAT.accessService)
    assert g.objects(service, RDF.type) == [DCAT.DataService]
    assert g.values(service, DCT["title"]) == {"Access Service 1"}
    assert g.values(service, DCAT.endpointURL) == {
        "https://example.org/access_service/1",
        "https://example.org/access_service/2",
    }
    assert len(g.objects(service, DCAT.servesDataset)) == 2


def test_full_dcat_ap_serialises_to_turtle(reference):
    record = map_package(ckanext(reference, "ckan_full_dataset_dcat_ap.json"), SITE)
    ttl = ox.serialize(terms(record.triples), format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)).decode()
    assert "dcat:Dataset" in ttl and "dcat:Distribution" in ttl
    back = set(ox.parse(ttl, format=ox.RdfFormat.TURTLE))
    assert len(back) == len(set(record.triples)) == len(record.triples)


def test_legacy_extras_give_the_same_core_as_scheming_fields(reference):
    """The legacy example holds the same metadata as classic `extras`, JSON-encoded lists included."""
    legacy = mapped(ckanext(reference, "ckan_full_dataset_dcat_ap_legacy.json"))
    ds = legacy.ds
    assert legacy.objects(ds, DCT.identifier) == [lit("xx-some-dataset-id-yy")]
    assert legacy.path(ds, ADMS.identifier, SKOS.notation) == {"alt-id-1", "alt-id-2"}
    assert legacy.values(ds, DCT.language) == {"en", "ca", "es"}
    assert len(legacy.objects(ds, DCAT.theme)) == 3
    assert legacy.objects(ds, DCT.issued) == [lit("2024-05-01", XSD.date)]
    assert legacy.path(ds, DCAT.contactPoint, VCARD.fn) == {"Contact 1"}
    assert legacy.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:contact1@example.org"}
    assert legacy.path(ds, DCT.publisher, FOAF.name) == {"Test Publisher"}
    assert legacy.path(ds, DCT.publisher, DCT.type) == {"public_body"}
    assert legacy.path(ds, DCT.temporal, DCAT.startDate) == {"1905-03-01"}
    assert legacy.path(ds, DCT.temporal, DCAT.endDate) == {"2013-01-05"}
    location = legacy.one(ds, DCT.spatial)
    assert location == ox.NamedNode("https://sws.geonames.org/6361390/")
    assert legacy.values(location, SKOS.prefLabel) == {"Tarragona"}
    assert legacy.one(location, LOCN.geometry).datatype == WKT
    assert legacy.one(location, DCAT.centroid) == lit("POINT (1.26639 41.12386)", WKT)
    dist = legacy.one(ds, DCAT.distribution)
    assert legacy.values(dist, DCT.language) == {"en", "ca", "es"}
    assert legacy.path(dist, DCAT.accessService, DCT["title"]) == {"Access Service 1"}


def test_classic_ckan_package_with_author_maintainer_and_dcat_prefixed_extras(reference):
    g = mapped(ckanext(reference, "full_ckan_dataset_legacy.json"))
    ds = g.ds
    assert ds == ox.NamedNode(f"{SITE}/dataset/756d6426-d52d-492a-a263-599ad1caa123")
    assert g.record.original_url == f"{SITE}/dataset/zimbabwe-regional-geochemical-survey"
    assert g.record.restricted is False
    # dcat_issued / dcat_modified extras beat metadata_created / metadata_modified; odd times normalised
    assert g.objects(ds, DCT.issued) == [lit("2012-05-10", XSD.date)]
    assert g.objects(ds, DCT.modified) == [lit("2012-05-10T21:04:00", XSD.dateTime)]
    assert g.objects(ds, DCT.identifier) == [lit("9df8df51-63db-37a8-e044-0003ba9b0d98")]  # the guid extra
    assert g.values(ds, DCT.language) == {"en", "es", "ca"}  # comma-separated
    assert len(g.objects(ds, DCAT.keyword)) == 7
    # maintainer is the contact point, author the creator
    assert g.path(ds, DCAT.contactPoint, VCARD.fn) == {"Geological Society"}
    assert g.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:info@gs.org"}
    assert g.path(ds, DCT.creator, FOAF.name) == {"John Doe"}
    assert g.path(ds, DCT.creator, FOAF.mbox) == {"mailto:johndoe@example.com"}
    # INSPIRE temporal extents as one-item JSON lists of years
    period = g.one(ds, DCT.temporal)
    assert g.objects(period, DCAT.startDate) == [lit("1982", XSD.gYear)]
    assert g.objects(period, DCAT.endDate) == [lit("1986", XSD.gYear)]
    assert g.path(ds, DCT.spatial, LOCN.geometry) == {
        "POLYGON ((33.0 -22.0, 33.0 -15.0, 25.0 -15.0, 25.0 -22.0, 33.0 -22.0))"
    }
    dist = g.one(ds, DCAT.distribution)
    assert g.objects(dist, DCAT.accessURL) == [ox.NamedNode("http://www.bgs.ac.uk/gbase/geochemcd/home.html")]
    assert not g.objects(dist, DCAT.downloadURL)  # a link, not an upload
    # a media type in the format field is also the dcat:mediaType
    assert g.objects(dist, DCT["format"]) == [lit("text/html")]
    assert g.objects(dist, DCAT.mediaType) == [lit("text/html")]
    assert not g.objects(dist, DCT["title"])  # name "" is no title


def test_multilingual_fields_become_language_tagged_literals(reference):
    g = mapped(ckanext(reference, "ckan_dataset_multilingual.json"))
    ds = g.ds
    # the untagged title equals the English one, so it is not repeated untagged
    assert set(g.objects(ds, DCT["title"])) == {
        lit("Test DCAT dataset", language="en"),
        lit("Conjunt de dades de prova DCAT", language="ca"),
        lit("Conjunto de datos de prueba DCAT", language="es"),
    }
    assert lit("Una descripción cualquiera", language="es") in g.objects(ds, DCT.description)
    assert len(g.objects(ds, DCT.description)) == 3
    assert set(g.objects(ds, DCAT.keyword)) == {
        lit(v, language=lang)
        for lang, vs in (("en", ("Oaks", "Pines")), ("ca", ("Roures", "Pins")), ("es", ("Robles", "Pinos")))
        for v in vs
    }
    assert lit("Notes sobre la versió", language="ca") in g.objects(ds, ADMS.versionNotes)
    provenance = g.one(ds, DCT.provenance)
    assert lit("Una declaració sobre la procedència", language="ca") in g.objects(provenance, RDFS_LABEL)
    assert lit("Contacte 1", language="ca") in {
        o for c in g.objects(ds, DCAT.contactPoint) for o in g.objects(c, VCARD.fn)
    }
    dist = g.one(ds, DCAT.distribution)
    assert lit("Recurs 1", language="ca") in g.objects(dist, DCT["title"])
    assert lit("Una nota sobre derechos", language="es") in {
        o for r in g.objects(dist, DCT.rights) for o in g.objects(r, RDFS_LABEL)
    }


def test_untagged_title_is_kept_when_it_differs_from_every_translation():
    g = mapped(
        {
            "id": "p1",
            "title": "Luftqualität",
            "title_translated": {
                "fr": "Qualité de l'air",
                "lb": "Loftqualitéit",
                "en": "",
                "not a tag!": "x",
            },
        }
    )
    assert set(g.objects(g.ds, DCT["title"])) == {
        lit("Luftqualität"),
        lit("Qualité de l'air", language="fr"),
        lit("Loftqualitéit", language="lb"),
        lit("x"),  # an invalid language tag keeps the text, untagged
    }


def test_health_dcat_ap_package(reference):
    g = mapped(ckanext(reference, "health_dcat_ap.json"))
    ds = g.ds
    # the scheming `uri` names the dataset
    assert ds == ox.NamedNode("http://example.healthdata.nl/set/dataset")
    assert g.record.key == "e7ccf79d-705c-427f-8e96-f87bcd6e5318"
    assert g.objects(ds, DCT.identifier) == [lit("http://example.com/dataset/1234567890")]
    assert g.objects(ds, DCT.issued) == [lit("2024-01-01T00:00:00+00:00", XSD.dateTime)]
    assert g.values(ds, DCT.accessRights) == {
        "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
    }
    assert g.objects(ds, DCT.spatial) == [
        ox.NamedNode("http://publications.europa.eu/resource/authority/country/BEL")
    ]  # from the extras
    assert g.values(ds, DCT.relation) == {"http://example.com/dataset/9876543210"}
    assert g.values(ds, ADMS.sample) == {"http://example.com/sample"}
    health = {
        p: ox.NamedNode(HEALTH + p)
        for p in ("healthCategory", "hdab", "minTypicalAge", "trustedDataHolder", "retentionPeriod")
    }
    assert len(g.objects(ds, health["healthCategory"])) == 4
    assert g.objects(ds, health["minTypicalAge"]) == [lit("0", XSD.nonNegativeInteger)]
    assert g.objects(ds, health["trustedDataHolder"]) == [lit("true", XSD.boolean)]
    assert g.path(ds, health["hdab"], FOAF.name) == {"EU Health Data Access Body"}
    assert g.path(ds, health["retentionPeriod"], DCAT.endDate) == {"2034-12-31"}
    assert g.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:covacsurv@sciensano.be"}
    # the resource of all-empty fields: a distribution with only what it has, and no empty service
    dist = g.one(ds, DCAT.distribution)
    assert not g.objects(dist, DCAT.accessService) and not g.objects(dist, DCAT.accessURL)
    assert g.objects(dist, DCT.issued) == [lit("2025-07-10T18:19:32.840953", XSD.dateTime)]  # from `created`


def test_dataset_series_is_typed_as_such(reference):
    g = mapped(ckanext(reference, "ckan_dcat_ap_dataset_series.json"))
    assert g.objects(g.ds, RDF.type) == [DCAT.DatasetSeries]
    assert g.path(g.ds, DCT.publisher, DCT.type) == {
        "http://publications.europa.eu/resource/authority/corporate-body-classification/CB_INT"
    }


# -- recorded real CKAN answers ----------------------------------------------------------------------------
def test_envidat_package_show(reference):
    package = envidat(reference, "package_show.json")
    g = mapped(package, "https://www.envidat.ch")
    ds = g.ds
    assert ds == ox.NamedNode("https://www.envidat.ch/dataset/91c9414e-13ce-49c2-9b1e-3ccc9e4a5314")
    assert g.values(ds, DCT["title"]) == {"Fatal avalanche accidents in Switzerland since 1936/37"}
    # tags keep the source's upper case
    assert "AVALANCHE ACCIDENTS" in g.values(ds, DCAT.keyword) and len(g.objects(ds, DCAT.keyword)) == 5
    # the organization is the publisher, named by its page on the portal
    publisher = g.one(ds, DCT.publisher)
    assert publisher == ox.NamedNode("https://www.envidat.ch/organization/slf-snow-avalanches-and-prevention")
    assert g.values(publisher, FOAF.name) == {"Snow Avalanches and Prevention"}
    assert set(g.objects(publisher, RDF.type)) == {FOAF.Agent, FOAF.Organization}
    # EnviDat keeps JSON person objects in maintainer / author
    assert g.path(ds, DCAT.contactPoint, VCARD.fn) == {"Avalanche Warning Service SLF"}
    assert g.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:data@slf.ch"}
    assert g.path(ds, DCT.creator, FOAF.name) == {"WSL Institute for Snow and Avalanche Research SLF"}
    assert g.path(ds, ADMS.identifier, SKOS.notation) == {"10.16904/envidat.412"}  # the DOI
    assert g.objects(ds, DCAT.version) == [lit("1.0")]
    assert g.objects(ds, DCT.issued) == [lit("2023-06-09T14:03:59.159852", XSD.dateTime)]
    assert g.objects(ds, DCT.language) == [lit("en")]
    assert g.path(ds, DCT.spatial, LOCN.geometry) == {
        "POLYGON ((5.95587 45.81802, 5.95587 47.80838, 10.49203 47.80838, 10.49203 45.81802, 5.95587 45.81802))"
    }
    dists = g.objects(ds, DCAT.distribution)
    assert len(dists) == 3
    first = ox.NamedNode(
        "https://www.envidat.ch/dataset/91c9414e-13ce-49c2-9b1e-3ccc9e4a5314/resource/907dc25c-1e66-4e9c-8c22-050e5b08a917"
    )
    assert first in dists
    url = ox.NamedNode(
        "https://www.envidat.ch/dataset/91c9414e-13ce-49c2-9b1e-3ccc9e4a5314/resource/"
        "907dc25c-1e66-4e9c-8c22-050e5b08a917/download/avalanche_accidents_fatal_switzerland_since_1936.csv"
    )
    assert g.objects(first, DCAT.accessURL) == [url]
    assert g.objects(first, DCAT.downloadURL) == [url]  # url_type "upload"
    assert g.objects(first, DCT["format"]) == [lit("CSV")]
    assert g.objects(first, DCAT.mediaType) == [lit("application/vnd.ms-excel")]
    assert g.objects(first, DCAT.byteSize) == [lit("185231", XSD.nonNegativeInteger)]
    assert g.objects(first, DCT.modified) == [lit("2025-12-15T14:58:10.543000", XSD.dateTime)]
    assert not g.objects(first, SPDX.checksum)  # hash ""
    # the package licence (no URL given) on every distribution, raw
    assert all(g.objects(d, DCT.license) == [lit("other-undefined")] for d in dists)


def test_envidat_package_search_results(reference):
    first, second = envidat(reference, "package_search.json")["results"]
    g = mapped(first, "https://www.envidat.ch")
    assert g.values(g.ds, DCT["title"]) == {
        "The importance of hot summers and individual heatwaves for permafrost in the Swiss Alps"
    }
    assert g.path(g.ds, DCT.publisher, FOAF.name) == {"CRYOS"}
    # six authors as six creators, given name first
    assert len(g.objects(g.ds, DCT.creator)) == 6
    assert "Michael Lehning" in g.path(g.ds, DCT.creator, FOAF.name)
    assert g.path(g.ds, DCT.creator, DCT.identifier) >= {"0000-0002-8442-0875"}
    # license_url wins over license_id
    dist = g.one(g.ds, DCAT.distribution)
    assert g.objects(dist, DCT.license) == [ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")]
    assert g.objects(dist, DCT["format"]) == [lit("ZIP")]
    # a GeometryCollection as WKT
    assert g.path(g.ds, DCT.spatial, LOCN.geometry) == {"GEOMETRYCOLLECTION (POINT (7.834626 46.558292))"}
    g = mapped(second, "https://www.envidat.ch")
    assert g.objects(g.ds, DCT["title"]) and len(g.objects(g.ds, DCT.creator)) == 20


def test_demo_ckan_package_search_and_show_agree(reference):
    search = {p["id"]: p for p in amsterdam(reference, "packages.json")["results"]}
    for path in sorted((reference / "Amsterdam-dcatd/test/fixtures").glob("*-*-*.json")):
        shown = amsterdam(reference, path.name)
        a, b = map_package(search[shown["id"]], SITE), map_package(shown, SITE)
        # blank nodes are fresh per mapping: compare after the harvester's skolemisation
        assert a.dataset == b.dataset
        assert set(skolemize(a.triples, "urn:x:")) == set(skolemize(b.triples, "urn:x:"))


def test_demo_ckan_packages(reference):
    packages = {p["id"]: p for p in amsterdam(reference, "packages.json")["results"]}
    g = mapped(packages["17be64bb-da74-4195-9bb8-565c39846af2"])
    ds = g.ds
    assert g.values(ds, DCT["title"]) == {"2016 Regione Asia Est Oceania * Classi di età"}
    assert g.values(ds, DCAT.keyword) == {"2016", "RASE", "età"}
    assert g.objects(ds, DCT.publisher) == [ox.NamedNode(f"{SITE}/organization/sdb")]
    assert g.path(ds, DCT.publisher, FOAF.name) == {"SDB"}
    assert g.objects(ds, DCT.issued) == [lit("2017-07-05T19:28:19.620158", XSD.dateTime)]
    assert not g.objects(ds, DCAT.landingPage)  # url ""
    dist = g.one(ds, DCAT.distribution)
    assert g.objects(dist, DCT.license) == [ox.NamedNode("http://www.opendefinition.org/licenses/cc-by")]
    assert g.objects(dist, DCT.issued) == [lit("2017-07-05T19:29:04.818480", XSD.dateTime)]
    # no organization: no publisher; the author/maintainer pair is contact point and creator
    g = mapped(packages["62513382-3b26-4bc8-9096-40b6ce8383c0"])
    assert not g.objects(g.ds, DCT.publisher)
    assert g.path(g.ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:misoh049@gmail.com"}
    assert g.path(g.ds, DCT.creator, FOAF.name) == {"TKKIM"}
    assert g.values(g.ds, DCAT.keyword) == {"flower", "image recognition", "machine learning"}
    assert g.objects(g.one(g.ds, DCAT.distribution), DCT.license) == [lit("other-open")]
    # a non-Latin title and a landing page URL
    g = mapped(packages["9c3036b8-f6ac-4a4e-9036-5a3cc90c3900"])
    assert g.values(g.ds, DCT["title"]) == {"規管海外物業銷售"}
    assert g.values(g.ds, DCAT.landingPage) == {
        "http://www.legco.gov.hk/research-publications/chinese/1617in10-regulation-of-sale-of-overseas-properties-20170426-c.pdf"
    }
    assert g.path(g.ds, DCAT.distribution, DCT["format"]) == {"PDF"}


# -- dataset IRI, groups, privacy ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ({"uri": "https://data.example.org/set/1"}, "https://data.example.org/set/1"),
        (
            {"extras": [{"key": "uri", "value": "http://data.example.org/set/2"}]},
            "http://data.example.org/set/2",
        ),
        ({"uri": "urn:uuid:1234"}, f"{SITE}/dataset/pkg%201"),  # not http(s)
        ({"uri": "/dataset/relative"}, f"{SITE}/dataset/pkg%201"),
        ({"uri": "http://[broken"}, f"{SITE}/dataset/pkg%201"),
        ({}, f"{SITE}/dataset/pkg%201"),
    ],
)
def test_dataset_iri(package, expected):
    record = map_package({"id": "pkg 1", "title": "T", **package}, SITE + "/")
    assert record.dataset == ox.NamedNode(expected)


def test_groups_are_subjects_and_private_packages_are_restricted():
    record = map_package(
        {
            "id": "p",
            "title": "T",
            "private": True,
            "groups": [{"name": "environment", "title": "Environment"}, {"title": "No name"}, "junk"],
        },
        SITE,
    )
    g = Graph(record)
    group = ox.NamedNode(f"{SITE}/group/environment")
    assert set(g.objects(g.ds, DCT.subject)) == {group, lit("No name")}
    assert g.objects(group, RDF.type) == [SKOS.Concept]
    assert g.values(group, SKOS.prefLabel) == {"Environment"}
    assert not g.objects(g.ds, DCAT.theme)
    assert record.restricted is True
    assert map_package({"id": "p", "title": "T", "private": "false"}, SITE).restricted is False


def test_scheming_publisher_uri_and_publisher_uri_extra():
    g = mapped(
        {
            "id": "p",
            "title": "T",
            "publisher": [{"uri": "https://ror.org/05a28rw58", "name": "WSL"}],
            "organization": {"name": "org", "title": "Org"},
        }
    )
    assert g.objects(g.ds, DCT.publisher) == [ox.NamedNode("https://ror.org/05a28rw58")]
    assert g.path(g.ds, DCT.publisher, FOAF.name) == {"WSL"}
    g = mapped(
        {
            "id": "p",
            "title": "T",
            "extras": [{"key": "publisher_uri", "value": "https://ror.org/x"}],
            "organization": {"name": "org", "title": "Org"},
        }
    )
    assert g.objects(g.ds, DCT.publisher) == [ox.NamedNode("https://ror.org/x")]
    assert g.path(g.ds, DCT.publisher, FOAF.name) == {"Org"}


def test_spatial_place_name_series_membership_and_identifier_fallbacks():
    g = mapped(
        {
            "id": "p",
            "title": "T",
            "spatial": "Switzerland",
            "in_series": ["s-1"],
            "extras": [{"key": "guid", "value": "g-1"}],
        }
    )
    assert g.path(g.ds, DCT.spatial, SKOS.prefLabel) == {"Switzerland"}
    assert g.objects(g.ds, DCAT.inSeries) == [ox.NamedNode(f"{SITE}/dataset/s-1")]
    assert g.objects(g.ds, DCT.identifier) == [lit("g-1")]
    assert mapped({"id": "p", "title": "T"}).objects(ox.NamedNode(f"{SITE}/dataset/p"), DCT.identifier) == [lit("p")]


def test_package_licence_without_resources_stays_on_the_dataset():
    g = mapped({"id": "p", "title": "T", "license_id": "cc-by", "resources": []})
    assert g.objects(g.ds, DCT.license) == [lit("cc-by")]


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("package", "message"),
    [
        (["not", "a", "dict"], "must be a JSON object, not list"),
        (None, "must be a JSON object, not NoneType"),
        ({"name": "no-id", "title": "T"}, "'no-id' has no id"),
        ({"id": "", "title": "T"}, "has no id"),
        ({"id": "p1", "name": "untitled"}, "'untitled' has no title"),
        ({"id": "p1", "name": "blank", "title": "   "}, "'blank' has no title"),
        (
            {"id": "p1", "name": "src", "title": "A source", "type": "harvest"},
            "is of type 'harvest', not a dataset",
        ),
        ({"id": "p1", "title": "A showcase", "type": "showcase"}, "is of type 'showcase'"),
        ({"id": "p1", "title": "Gone", "state": "deleted"}, "'p1' is deleted, not published"),
        ({"id": "p1", "title": "Unfinished", "state": "draft"}, "is draft"),
    ],
)
def test_unmappable_packages_raise_mapping_error(package, message):
    with pytest.raises(MappingError, match=message) as info:
        map_package(package, SITE)
    assert info.value.type == "unmappable-record"


def test_title_translated_alone_is_a_title():
    g = mapped({"id": "p", "title": "", "title_translated": {"de": "Titel"}})
    assert g.objects(g.ds, DCT["title"]) == [lit("Titel", language="de")]


@pytest.mark.parametrize("site", ["", "demo.ckan.org", "https://exa mple.org", "ftp:/x"])
def test_unusable_site_url_is_a_config_error(site):
    with pytest.raises(ConfigError):
        map_package({"id": "p", "title": "T"}, site)


# -- robustness --------------------------------------------------------------------------------------------
def test_bad_values_are_skipped_not_raised():
    package = {
        "id": "p",
        "title": "T",
        "url": "not a url",
        "issued": "yesterday",
        "modified": "2024-13-45",
        "metadata_created": "2020-02-30T10:00:00",
        "metadata_modified": "2021-01-01 10:00:00Z",
        "language": '["en", "", null, "en"]',
        "theme": ["http://ex.org/a b|c", "http://[bad/", 42],
        "conforms_to": "[not json",
        "documentation": {"odd": "dict"},
        "temporal_start": "sometime",
        "temporal_end": "2020",
        "spatial": '{"type": "Polygon", "coordinates": [[["x", 1]]]}',
        "spatial_resolution_in_meters": "1e3",
        "temporal_resolution": "15 minutes",
        "contact": '[{"name": "A", "email": "not-an-email"}, {"email": "b@example.org; c@example.org"}]',
        "maintainer_email": "ignored@example.org",
        "tags": [{"name": "x"}, {"name": ""}, "plain", None, {"display_name": "shown"}],
        "groups": "not a list",
        "organization": "not a dict",
        "extras": [
            {"key": "frequency", "value": None},
            {"value": "no key"},
            "junk",
            {"key": "dcat_type", "value": 7},
        ],
        "resources": [
            None,
            "junk",
            {
                "id": "r1",
                "url": "ftp://files.example.org/a b.csv",
                "size": "-5",
                "hash": "md5:0123456789abcdef0123456789abcdef",
                "created": "2020-01-01T00:00:00+0200",
                "last_modified": "never",
                "access_services": "[{broken",
                "format": "   ",
                "mimetype": "null",
                "license": "",
                "rights": {"en": "Rights", "x!": ""},
            },
            {"id": "r2", "state": "deleted", "url": "https://example.org/gone"},
            {
                "id": "r/3",
                "url": "data.csv",
                "url_type": "upload",
                "size": 12.0,
                "hash": "abc",
                "hash_algorithm": "SHA-256",
            },
        ],
    }
    g = mapped(package)
    ds = g.ds
    assert not g.objects(ds, DCAT.landingPage)
    # unparseable issued/modified fall back to the CKAN timestamps; invalid ones are skipped
    assert not g.objects(ds, DCT.issued)
    assert g.objects(ds, DCT.modified) == [lit("2021-01-01T10:00:00+00:00", XSD.dateTime)]
    assert g.objects(ds, DCT.language) == [lit("en")]
    assert set(g.objects(ds, DCAT.theme)) == {
        ox.NamedNode("http://ex.org/a%20b%7Cc"),
        lit("http://[bad/"),
        lit("42"),
    }
    assert g.objects(ds, DCT.conformsTo) == [lit("[not json")]
    period = g.one(ds, DCT.temporal)
    assert not g.objects(period, DCAT.startDate) and g.objects(period, DCAT.endDate) == [lit("2020", XSD.gYear)]
    assert not g.objects(ds, DCT.spatial)
    assert g.objects(ds, DCAT.spatialResolutionInMeters) == []
    assert not g.objects(ds, DCAT.temporalResolution)
    assert g.path(ds, DCAT.contactPoint, VCARD.fn) == {"A"}
    assert g.path(ds, DCAT.contactPoint, VCARD.hasEmail) == {"mailto:b@example.org", "mailto:c@example.org"}
    assert g.values(ds, DCAT.keyword) == {"x", "plain", "shown"}
    assert g.objects(ds, DCT.type) == [lit("7")]
    assert not g.objects(ds, DCT.publisher) and not g.objects(ds, DCT.subject)
    dists = g.objects(ds, DCAT.distribution)
    assert len(dists) == 2  # None, "junk" and the deleted one are skipped
    r1 = ox.NamedNode(f"{SITE}/dataset/p/resource/r1")
    assert g.objects(r1, DCAT.accessURL) == [ox.NamedNode("ftp://files.example.org/a%20b.csv")]
    assert not g.objects(r1, DCAT.byteSize) and not g.objects(r1, DCT["format"]) and not g.objects(r1, DCAT.mediaType)
    assert g.objects(r1, DCT.issued) == [lit("2020-01-01T00:00:00+02:00", XSD.dateTime)]
    assert not g.objects(r1, DCT.modified) and not g.objects(r1, DCAT.accessService)
    checksum = g.one(r1, SPDX.checksum)
    assert g.one(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_md5
    assert g.one(checksum, SPDX.checksumValue).value == "0123456789abcdef0123456789abcdef"
    assert g.path(r1, DCT.rights, RDFS_LABEL) == {"Rights"}
    r3 = ox.NamedNode(f"{SITE}/dataset/p/resource/r%2F3")
    upload = ox.NamedNode(f"{SITE}/dataset/p/resource/r%2F3/download/data.csv")
    assert g.objects(r3, DCAT.accessURL) == [upload] and g.objects(r3, DCAT.downloadURL) == [upload]
    assert g.objects(r3, DCAT.byteSize) == [lit("12", XSD.nonNegativeInteger)]
    assert g.path(r3, SPDX.checksum, SPDX.algorithm) == {str(SPDX.checksumAlgorithm_sha256.value)}
    ox.serialize(terms(g.record.triples), format=ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", lit("2024-05-01", XSD.date)),
        ("20240501", lit("2024-05-01", XSD.date)),
        ("2024-05", lit("2024-05", XSD.gYearMonth)),
        ("1982", lit("1982", XSD.gYear)),
        (1982, lit("1982", XSD.gYear)),
        ("2011-06-13T21:30:17.624899", lit("2011-06-13T21:30:17.624899", XSD.dateTime)),
        ("2024-05-01T01:20:33Z", lit("2024-05-01T01:20:33+00:00", XSD.dateTime)),
        ("2024-05-01 01:20", lit("2024-05-01T01:20:00", XSD.dateTime)),
        (" 2024-05-01T01:20:33+0100 ", lit("2024-05-01T01:20:33+01:00", XSD.dateTime)),
        ("01/10/1936", None),
        ("2024-02-30", None),
        ("0000", None),
        ("May 2020", None),
        ("", None),
        (True, None),
        ([], None),
    ],
)
def test_dates(value, expected):
    g = mapped({"id": "p", "title": "T", "issued": value})
    assert g.objects(g.ds, DCT.issued) == ([expected] if expected else [])


def test_invalid_iris_in_every_iri_slot_do_not_crash():
    bad = "http://exa mple.org/{x}|<y>\\"
    package: dict[str, Any] = {
        "id": "p",
        "title": "T",
        "uri": bad,
        "url": bad,
        "license_url": bad,
        "license_id": bad,
        "organization": {"name": "o r g", "title": "Org"},
        "contact": [{"uri": bad, "name": "C", "url": bad, "email": "a@b.c"}],
        "publisher": [{"uri": "http://[::1", "name": "P", "url": bad}],
        "spatial_coverage": [{"uri": bad, "text": "Here"}],
        "resources": [
            {
                "id": "r",
                "uri": bad,
                "url": bad,
                "access_url": bad,
                "download_url": bad,
                "access_services": [{"uri": bad, "endpoint_url": [bad, "http://[::1"], "title": "S"}],
            }
        ],
    }
    for key in (
        "theme",
        "language",
        "conforms_to",
        "documentation",
        "sample",
        "source",
        "applicable_legislation",
    ):
        package[key] = [bad, "http://[::1"]
    record = map_package(package, SITE)
    ox.serialize(terms(record.triples), format=ox.RdfFormat.N_TRIPLES)  # every IRI valid
    assert record.dataset.value.startswith("http://exa%20mple.org/")  # rescued by percent-encoding
    assert Graph(record).path(record.dataset, DCT.publisher, FOAF.name) == {"P"}


def test_mapping_does_not_modify_the_package(reference):
    package = ckanext(reference, "ckan_full_dataset_dcat_ap_legacy.json")
    before = copy.deepcopy(package)
    map_package(package, SITE)
    assert package == before


# -- ckanapi dumps -----------------------------------------------------------------------------------------
def test_read_dump_yields_packages_and_errors_with_line_numbers(reference):
    packages = amsterdam(reference, "packages.json")["results"]
    lines = [
        json.dumps(packages[0]).encode(),
        b"\n",
        b"{not json\n",
        json.dumps([1, 2]) + "\n",
        json.dumps(packages[1]) + "\n",
        b"\xff\xfe\n",
        "42",
    ]
    items = list(read_dump(lines))
    assert [type(i).__name__ for i in items] == [
        "dict",
        "MappingError",
        "MappingError",
        "dict",
        "MappingError",
        "MappingError",
    ]
    errors = [i for i in items if isinstance(i, MappingError)]
    assert [e.extra["line"] for e in errors] == [3, 4, 6, 7]
    assert "line 3 of the CKAN dump is not valid JSON" in errors[0].message
    assert errors[1].message == "line 4 of the CKAN dump is a JSON list, not a package object"
    assert [map_package(i, SITE).key for i in items if isinstance(i, dict)] == [
        packages[0]["id"],
        packages[1]["id"],
    ]


def test_read_dump_reads_a_file(tmp_path, reference):
    dump = tmp_path / "datasets.jsonl"
    packages = [envidat(reference, "package_show.json"), *amsterdam(reference, "packages.json")["results"]]
    dump.write_text("".join(json.dumps(p) + "\n" for p in packages))
    with dump.open("rb") as handle:
        items = list(read_dump(handle))
    assert [p["id"] for p in items] == [p["id"] for p in packages]


RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
