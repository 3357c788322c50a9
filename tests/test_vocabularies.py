"""The pinned EU vocabularies, string-to-IRI normalisation, labels, and the per-record normalisation pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from harvesters.mapping.normalise import normalise_record
from vocabularies import build_vocabularies, loader
from vocabularies.keys import text_key
from vocabularies.namespaces import (
    DCAT,
    DCT,
    EU_ACCESS_RIGHT,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_LICENCE,
    EU_THEME,
    FEDCAT,
    IANA_MEDIA_TYPE,
    RDF,
    SKOS,
)
from vocabularies.normalise import (
    access_right,
    file_type,
    frequency,
    label,
    labels,
    language,
    language_code,
    licence,
    media_type,
    theme,
)

FT, LIC, LANG, TH, FREQ, AR, IANA = (
    str(EU_FILE_TYPE),
    str(EU_LICENCE),
    str(EU_LANGUAGE),
    str(EU_THEME),
    str(EU_FREQUENCY),
    str(EU_ACCESS_RIGHT),
    str(IANA_MEDIA_TYPE),
)
DCT_FORMAT = DCT["format"]  # DCT.format would be str.format
EX = "https://example.org/"


def ex(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


# --- data files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(loader.DATA.glob("*")), ids=lambda p: p.name)
def test_every_data_file_parses(path: Path) -> None:
    assert path.suffix == ".ttl", "only Turtle belongs in vocabularies/data"
    assert loader.parse(path)


def test_data_files_are_small() -> None:
    assert sum(p.stat().st_size for p in loader.DATA.glob("*")) < 400_000


def test_every_vocabulary_builds_from_its_files() -> None:
    # How fast they load is for benchmarks, not for a test on a shared machine.
    for name, (namespace, files) in loader.FILES.items():
        vocab = loader._build(name, str(namespace), files)
        assert vocab.concepts, name


@pytest.mark.parametrize("name", sorted(loader.FILES))
def test_no_alias_is_claimed_by_two_concepts(name: str) -> None:
    assert loader.vocabulary(name).ambiguous == frozenset()


@pytest.mark.parametrize("name", sorted(loader.FILES))
def test_curated_statements_are_about_real_concepts(name: str) -> None:
    """A typo in a curated file (ft:WMS_SERVICE) would silently create a concept with no code."""
    vocab = loader.vocabulary(name)
    for concept in vocab.concepts:
        assert vocab.by_key.get(text_key(concept.rsplit("/", 1)[1])) == concept, f"{concept} has no code"
        assert vocab.labels.get(concept), f"{concept} has no label"


def test_counts_and_deprecations() -> None:
    assert len(loader.vocabulary("data-theme").concepts) == 13
    assert len(loader.vocabulary("access-right").concepts) == 3
    assert len(loader.vocabulary("file-type").concepts) > 180
    assert FT + "FMX2" in loader.vocabulary("file-type").deprecated
    assert not any(c.endswith("/OP_DATPRO") for name in loader.FILES for c in loader.vocabulary(name).concepts)


def test_fedcat_ontology_defines_every_term() -> None:
    triples = loader.parse(loader.DATA / "fedcat.ttl")
    described = {t.subject for t in triples if t.predicate == RDF.type}
    commented = {t.subject for t in triples if t.predicate.value.endswith("#comment")}
    records = "Record source recordKey datasetId contentHash firstHarvested lastChanged visibility matchKey"
    duplicates = "alsoListedIn matchedOn"
    runs = "HarvestRun sourceName harvesterKind status complete error"
    counts = "recordsNew recordsUpdated recordsUnchanged recordsWithdrawn recordsFailed"
    originals = (
        "originalFormat originalMediaType originalLicense originalLanguage originalTheme originalFrequency "
        "originalAccessRights"
    )
    terms = " ".join((records, duplicates, runs, counts, originals)).split(" ")
    for term in terms:
        assert FEDCAT[term] in described and FEDCAT[term] in commented, term


def test_generated_files_match_the_build(reference: Path) -> None:
    """The committed generated files are what the build script makes from the pinned NALs."""
    for name, content in build_vocabularies.generated_files().items():
        assert (loader.DATA / name).read_bytes() == content, f"{name} is stale: run the build script"


# --- normalising functions -------------------------------------------------------------------------------

CASES: list[tuple[Callable[[str], str | None], str, str | None]] = [
    # file types
    (file_type, "CSV", FT + "CSV"),
    (file_type, " csv ", FT + "CSV"),
    (file_type, ".csv", FT + "CSV"),
    (file_type, "text/csv", FT + "CSV"),
    (file_type, "text/csv; charset=utf-8", FT + "CSV"),
    (file_type, "http://www.iana.org/assignments/media-types/text/csv", FT + "CSV"),
    (file_type, "https://www.iana.org/assignments/media-types/text/csv", FT + "CSV"),
    (file_type, "application/vnd.ms-excel", FT + "XLS"),
    (file_type, "XLSX", FT + "XLSX"),
    (file_type, "GeoJSON", FT + "GEOJSON"),
    (file_type, "application/geo+json", FT + "GEOJSON"),
    (file_type, "application/json", FT + "JSON"),
    (file_type, "ZIP", FT + "ZIP"),
    (file_type, "application/zip", FT + "ZIP"),
    (file_type, "PDF", FT + "PDF"),
    (file_type, "application/pdf", FT + "PDF"),
    (file_type, "Parquet", FT + "PARQUET"),
    (file_type, "application/vnd.apache.parquet", FT + "PARQUET"),
    (file_type, "SHP", FT + "SHP"),
    (file_type, "shapefile", FT + "SHP"),
    (file_type, "html", FT + "HTML"),
    (file_type, ".htm", FT + "HTML"),
    (file_type, "Turtle", FT + "RDF_TURTLE"),
    (file_type, "application/rdf+xml", FT + "RDF_XML"),
    (file_type, "JSON-LD", FT + "JSON_LD"),
    (file_type, "tar.gz", FT + "TAR_GZ"),
    (file_type, "application/x-netcdf", FT + "NETCDF"),
    (file_type, FT + "CSV", FT + "CSV"),
    (file_type, "https://publications.europa.eu/resource/authority/file-type/CSV/", FT + "CSV"),
    (file_type, FT + "WMS", FT + "WMS_SRVC"),  # GovData's non-existent code
    (file_type, "API", None),
    (file_type, "Zipped CSV", None),
    (file_type, "WWW:LINK-1.0-http--link", None),
    (file_type, "Excel", None),  # XLS or XLSX: not ours to guess
    (file_type, "", None),
    (file_type, "https://example.org/format/csv", None),
    # media types
    (media_type, "text/csv", IANA + "text/csv"),
    (media_type, "Text/CSV; charset=UTF-8", IANA + "text/csv"),
    (media_type, "CSV", IANA + "text/csv"),
    (media_type, ".xlsx", IANA + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (media_type, "GZIP", IANA + "application/gzip"),  # registered type, not the NAL's x-gzip
    (media_type, "GeoJSON", IANA + "application/geo+json"),
    (media_type, FT + "JSON", IANA + "application/json"),
    (
        media_type,
        "https://www.iana.org/assignments/media-types/application/fhir+json",
        IANA + "application/fhir+json",
    ),
    (media_type, IANA + "text/csv", IANA + "text/csv"),
    (media_type, "rdf/xml", IANA + "application/rdf+xml"),
    (media_type, "application/x-netcdf", None),
    (media_type, "NETCDF", None),
    (media_type, "SHP", None),
    (media_type, "foo", None),
    (media_type, "csv/text", None),
    # licences
    (licence, "cc-by", LIC + "CC_BY_4_0"),
    (licence, "cc-by-4.0", LIC + "CC_BY_4_0"),
    (licence, "CC-BY-4.0", LIC + "CC_BY_4_0"),
    (licence, "CC BY 4.0", LIC + "CC_BY_4_0"),
    (licence, "Creative Commons Attribution 4.0", LIC + "CC_BY_4_0"),
    (licence, "Creative Commons Attribution 4.0 International", LIC + "CC_BY_4_0"),
    (licence, "http://creativecommons.org/licenses/by/4.0/", LIC + "CC_BY_4_0"),
    (licence, "https://creativecommons.org/licenses/by/4.0", LIC + "CC_BY_4_0"),
    (licence, "https://creativecommons.org/licenses/by/4.0/legalcode", LIC + "CC_BY_4_0"),
    (licence, "https://creativecommons.org/licenses/by/4.0/deed.fr", LIC + "CC_BY_4_0"),
    (licence, "https://spdx.org/licenses/CC-BY-4.0.html", LIC + "CC_BY_4_0"),
    (licence, "cc-zero", LIC + "CC0"),
    (licence, "CC0-1.0", LIC + "CC0"),
    (licence, "https://creativecommons.org/publicdomain/zero/1.0/", LIC + "CC0"),
    (licence, "http://www.opendefinition.org/licenses/cc-zero", LIC + "CC0"),
    (licence, "http://dcat-ap.de/def/licenses/cc-zero", LIC + "CC0"),
    (licence, "odc-odbl", LIC + "ODC_BL"),
    (licence, "ODbL-1.0", LIC + "ODC_BL"),
    (licence, "odc-by", LIC + "ODC_BY"),
    (licence, "odc-pddl", LIC + "ODC_PDDL"),
    (licence, "cc-by-sa", LIC + "CC_BYSA_4_0"),
    (licence, "CC-BY-SA-4.0", LIC + "CC_BYSA_4_0"),
    (licence, "cc-nc", LIC + "CC_BYNC_4_0"),
    (licence, LIC + "CC_BY_NC_4_0", LIC + "CC_BYNC_4_0"),  # a mistaken code seen in HealthDCAT-AP demo data
    (licence, "gfdl", LIC + "GNU_FDL_1_3"),
    (licence, "uk-ogl", LIC + "OGL_3_0"),
    (licence, "Apache-2.0", LIC + "APACHE_2_0"),
    (licence, "EUPL-1.2", LIC + "EUPL_1_2"),
    (licence, LIC + "CC_BY_4_0", LIC + "CC_BY_4_0"),
    (licence, "other-open", None),
    (licence, "notspecified", None),
    (licence, "Licence Ouverte / Open Licence", None),  # EU code not confirmed: left as written
    (licence, "https://creativecommons.org/licenses/by/3.0/it/", None),  # a port is another licence text
    (licence, "http://creativecommons.org/licenses/by-nc/2.0/", None),
    # languages
    (language, "en", LANG + "ENG"),
    (language, "EN", LANG + "ENG"),
    (language, "eng", LANG + "ENG"),
    (language, "en-GB", LANG + "ENG"),
    (language, "fr-LU", LANG + "FRA"),
    (language, "de_DE", LANG + "DEU"),
    (language, "lb", LANG + "LTZ"),
    (language, "ltz", LANG + "LTZ"),
    (language, "lb-LU", LANG + "LTZ"),
    (language, "English", LANG + "ENG"),
    (language, "Lëtzebuergesch", LANG + "LTZ"),
    (language, "Luxembourgish", LANG + "LTZ"),
    (language, "luxembourgeois", LANG + "LTZ"),
    (language, "Deutsch", LANG + "DEU"),
    (language, "ga", LANG + "GLE"),
    (language, "ger", LANG + "DEU"),
    (language, LANG + "LTZ", LANG + "LTZ"),
    (language, "https://publications.europa.eu/resource/authority/language/LTZ", LANG + "LTZ"),
    (language, LANG + "FRE", LANG + "FRA"),  # ISO 639-2/B code written as an EU code
    (language, "http://id.loc.gov/vocabulary/iso639-1/en", LANG + "ENG"),
    (language, "http://lexvo.org/id/iso639-3/ltz", LANG + "LTZ"),
    (language, "lu", None),  # a country code, not a language
    (language, "xx", None),
    (language, "", None),
    # themes
    (theme, "ENVI", TH + "ENVI"),
    (theme, "heal", TH + "HEAL"),
    (theme, "Health", TH + "HEAL"),
    (theme, "Santé", TH + "HEAL"),
    (theme, "Gesundheit", TH + "HEAL"),
    (theme, "environment", TH + "ENVI"),
    (theme, "Transport", TH + "TRAN"),
    (theme, "mobility", TH + "TRAN"),
    (theme, "energy", TH + "ENER"),
    (theme, "economy", TH + "ECON"),
    (theme, "finance", TH + "ECON"),
    (theme, "Economy and finance", TH + "ECON"),
    (theme, "government", TH + "GOVE"),
    (theme, "public administration", TH + "GOVE"),
    (theme, "science", TH + "TECH"),
    (theme, "space", TH + "TECH"),
    (theme, "Regions and cities", TH + "REGI"),
    (theme, "Justice, legal system and public safety", TH + "JUST"),
    (theme, "https://publications.europa.eu/resource/authority/data-theme/GOVE", TH + "GOVE"),
    (theme, "http://eurovoc.europa.eu/2784", None),
    (theme, "Theme 1", None),
    (theme, "geodesy", None),
    # frequencies
    (frequency, "daily", FREQ + "DAILY"),
    (frequency, "Weekly", FREQ + "WEEKLY"),
    (frequency, "monthly", FREQ + "MONTHLY"),
    (frequency, "annual", FREQ + "ANNUAL"),
    (frequency, "yearly", FREQ + "ANNUAL"),
    (frequency, "quarterly", FREQ + "QUARTERLY"),
    (frequency, "irregular", FREQ + "IRREG"),
    (frequency, "continuous", FREQ + "CONT"),
    (frequency, "unknown", FREQ + "UNKNOWN"),
    (frequency, "täglich", FREQ + "DAILY"),
    (frequency, "P1D", FREQ + "DAILY"),
    (frequency, "R/P1Y", FREQ + "ANNUAL"),
    (frequency, "R/P3.5D", FREQ + "WEEKLY_2"),
    (frequency, "PT1H", FREQ + "HOURLY"),
    (frequency, "IRREG", FREQ + "IRREG"),
    (frequency, "threeTimesAWeek", FREQ + "WEEKLY_3"),
    (frequency, "http://purl.org/cld/freq/daily", FREQ + "DAILY"),
    (frequency, "http://purl.org/cld/terms/annual", FREQ + "ANNUAL"),  # ckanext-dcat example's namespace slip
    (frequency, FREQ + "MONTHLY", FREQ + "MONTHLY"),
    (frequency, "sometimes", None),
    (frequency, "P17D", None),
    # access rights
    (access_right, "public", AR + "PUBLIC"),
    (access_right, "open", AR + "PUBLIC"),
    (access_right, "restricted", AR + "RESTRICTED"),
    (access_right, "non-public", AR + "NON_PUBLIC"),
    (access_right, "NON_PUBLIC", AR + "NON_PUBLIC"),
    (access_right, "confidential", AR + "NON_PUBLIC"),
    (access_right, "öffentlich", AR + "PUBLIC"),
    (access_right, AR + "RESTRICTED/", AR + "RESTRICTED"),
    (access_right, "secret sauce", None),
]


@pytest.mark.parametrize(("fn", "value", "expected"), CASES, ids=lambda x: getattr(x, "__name__", repr(x)))
def test_normalise(fn: Callable[[str], str | None], value: str, expected: str | None) -> None:
    assert fn(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (LANG + "LTZ", "lb"),
        ("ENG", "en"),
        ("fr-LU", "fr"),
        ("Deutsch", "de"),
        (LANG + "ADS", None),
        ("lu", None),
    ],
)
def test_language_code(value: str, code: str | None) -> None:
    assert language_code(value) == code


# --- labels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iri", "lang", "expected"),
    [
        (TH + "HEAL", "en", "Health"),
        (TH + "HEAL", "fr", "Santé"),
        (TH + "HEAL", "de", "Gesundheit"),
        (TH + "HEAL", "lb", "Health"),  # no Luxembourgish label: English
        (TH + "HEAL", "de-LU", "Gesundheit"),
        (LANG + "LTZ", "lb", "Lëtzebuergesch"),
        (LANG + "LTZ", "fr", "luxembourgeois"),
        (LANG + "FRA", "lb", "Franséisch"),
        (FREQ + "DAILY", "de", "täglich"),
        (FREQ + "1MIN", "de", "every minute"),
        (FT + "CSV", "fr", "CSV"),
        (AR + "NON_PUBLIC", "de", "nicht öffentlich"),
        (LIC + "CC_BY_4_0", "de", "Creative Commons Namensnennung 4.0 International"),
        ("https://publications.europa.eu/resource/authority/data-theme/HEAL/", "en", "Health"),
        (EX + "unknown", "en", None),
        (IANA + "text/csv", "en", None),
    ],
)
def test_label(iri: str, lang: str, expected: str | None) -> None:
    assert label(iri, lang) == expected


def test_labels() -> None:
    assert labels(LANG + "LTZ") == {
        "en": "Luxembourgish",
        "fr": "luxembourgeois",
        "de": "Luxemburgisch",
        "lb": "Lëtzebuergesch",
    }
    assert labels(EX + "unknown") == {}
    labels(TH + "HEAL")["en"] = "changed"
    assert label(TH + "HEAL") == "Health"


def test_label_falls_back_to_any_language() -> None:
    assert label(LANG + "LTZ", "it") == "Luxembourgish"


# --- normalise_record ------------------------------------------------------------------------------------


def record() -> list[ox.Triple]:
    ds, dist = ex("ds"), ex("dist")
    return [
        ox.Triple(ds, RDF.type, DCAT.Dataset),
        ox.Triple(ds, DCAT.distribution, dist),
        ox.Triple(ds, DCT.language, ox.Literal("en")),
        ox.Triple(ds, DCT.language, ox.NamedNode(LANG + "FRA")),  # canonical already
        ox.Triple(ds, DCAT.theme, ox.Literal("Health", language="en")),
        ox.Triple(ds, DCAT.theme, ox.NamedNode("http://eurovoc.europa.eu/2784")),  # not ours: untouched
        ox.Triple(ds, DCT.accrualPeriodicity, ox.NamedNode("http://purl.org/cld/freq/daily")),
        ox.Triple(ds, DCT.accessRights, ox.Literal("public")),
        ox.Triple(ds, DCT.conformsTo, ex("standard")),
        ox.Triple(ex("standard"), DCT_FORMAT, ox.Literal("csv")),  # not a distribution: untouched
        ox.Triple(dist, DCT_FORMAT, ox.Literal("CSV")),
        ox.Triple(dist, DCT_FORMAT, ox.Literal("csv")),  # same value twice: one canonical triple
        ox.Triple(dist, DCT.license, ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(dist, DCT.license, ox.Literal("Some home-made licence")),  # unknown: untouched
        ox.Triple(dist, DCAT.mediaType, ox.BlankNode("mt")),  # blank node: untouched
    ]


def test_normalise_record_replaces_and_keeps_originals() -> None:
    ds, dist = ex("ds"), ex("dist")
    out = set(normalise_record(record()))
    expected = {
        ox.Triple(ds, RDF.type, DCAT.Dataset),
        ox.Triple(ds, DCAT.distribution, dist),
        ox.Triple(ds, DCT.language, ox.NamedNode(LANG + "ENG")),
        ox.Triple(ds, FEDCAT.originalLanguage, ox.Literal("en")),
        ox.Triple(ds, DCT.language, ox.NamedNode(LANG + "FRA")),
        ox.Triple(ds, DCAT.theme, ox.NamedNode(TH + "HEAL")),
        ox.Triple(ds, FEDCAT.originalTheme, ox.Literal("Health", language="en")),
        ox.Triple(ds, DCAT.theme, ox.NamedNode("http://eurovoc.europa.eu/2784")),
        ox.Triple(ds, DCT.accrualPeriodicity, ox.NamedNode(FREQ + "DAILY")),
        ox.Triple(ds, FEDCAT.originalFrequency, ox.NamedNode("http://purl.org/cld/freq/daily")),
        ox.Triple(ds, DCT.accessRights, ox.NamedNode(AR + "PUBLIC")),
        ox.Triple(ds, FEDCAT.originalAccessRights, ox.Literal("public")),
        ox.Triple(ds, DCT.conformsTo, ex("standard")),
        ox.Triple(ex("standard"), DCT_FORMAT, ox.Literal("csv")),
        ox.Triple(dist, DCT_FORMAT, ox.NamedNode(FT + "CSV")),
        ox.Triple(dist, FEDCAT.originalFormat, ox.Literal("CSV")),
        ox.Triple(dist, FEDCAT.originalFormat, ox.Literal("csv")),
        ox.Triple(dist, DCT.license, ox.NamedNode(LIC + "CC_BY_4_0")),
        ox.Triple(dist, FEDCAT.originalLicense, ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")),
        ox.Triple(dist, DCT.license, ox.Literal("Some home-made licence")),
        ox.Triple(dist, DCAT.mediaType, ox.BlankNode("mt")),
    }
    assert out == expected


def test_normalise_record_output_has_no_duplicates() -> None:
    out = normalise_record(record())
    assert len(out) == len(set(out))


def test_normalise_record_is_idempotent() -> None:
    once = normalise_record(record())
    assert set(normalise_record(once)) == set(once)
    assert len(normalise_record(once)) == len(once)


def test_normalise_record_leaves_canonical_records_alone() -> None:
    dist = ex("dist")
    triples = [
        ox.Triple(dist, RDF.type, DCAT.Distribution),
        ox.Triple(dist, DCT_FORMAT, ox.NamedNode(FT + "CSV")),
        ox.Triple(dist, DCAT.mediaType, ox.NamedNode(IANA + "text/csv")),
    ]
    assert normalise_record(triples) == triples


def test_normalise_record_invents_no_media_type() -> None:
    dist = ex("dist")
    out = normalise_record(
        [ox.Triple(dist, RDF.type, DCAT.Distribution), ox.Triple(dist, DCT_FORMAT, ox.Literal("CSV"))]
    )
    assert not [t for t in out if t.predicate == DCAT.mediaType]
    assert ox.Triple(dist, DCT_FORMAT, ox.NamedNode(FT + "CSV")) in out


def test_normalise_record_media_type_and_https_variants() -> None:
    dist = ex("dist")
    https_csv = ox.NamedNode("https://www.iana.org/assignments/media-types/text/csv")
    out = set(
        normalise_record(
            [
                ox.Triple(dist, RDF.type, DCAT.Distribution),
                ox.Triple(dist, DCAT.mediaType, https_csv),
                ox.Triple(dist, DCAT.mediaType, ox.Literal("application/x-netcdf")),  # no IANA IRI: kept
            ]
        )
    )
    assert ox.Triple(dist, DCAT.mediaType, ox.NamedNode(IANA + "text/csv")) in out
    assert ox.Triple(dist, FEDCAT.originalMediaType, https_csv) in out
    assert ox.Triple(dist, DCAT.mediaType, ox.Literal("application/x-netcdf")) in out


def test_normalise_record_on_reference_records(reference: Path) -> None:
    examples = reference / "ckanext-dcat" / "examples" / "dcat"
    triples = list(ox.parse(path=str(examples / "dataset.rdf"), format=ox.RdfFormat.RDF_XML))
    dist = ox.NamedNode("https://data.some.org/catalog/datasets/9df8df51-63db-37a8-e044-0003ba9b0d98/1")
    once = normalise_record([ox.Triple(t.subject, t.predicate, t.object) for t in triples])
    assert ox.Triple(dist, DCT_FORMAT, ox.NamedNode(FT + "HTML")) in once
    assert ox.Triple(dist, FEDCAT.originalFormat, ox.Literal("HTML")) in once
    assert ox.Triple(dist, DCAT.mediaType, ox.NamedNode(IANA + "text/html")) in once
    assert set(normalise_record(once)) == set(once)

    triples = list(ox.parse(path=str(examples / "dataset_gov_de.rdf"), format=ox.RdfFormat.RDF_XML))
    once = normalise_record([ox.Triple(t.subject, t.predicate, t.object) for t in triples])
    values = {t.object for t in once if t.predicate in (DCT_FORMAT, DCT.license)}
    assert {ox.NamedNode(FT + "WMS_SRVC"), ox.NamedNode(FT + "WFS_SRVC"), ox.NamedNode(LIC + "CC0")} <= values
    licences = {t.object for t in once if t.predicate == DCT.license}
    assert ox.NamedNode("http://dcat-ap.de/def/licenses/cc-zero") not in licences


def test_normalise_record_takes_every_reference_record(reference: Path) -> None:
    """Every real record normalises, losing no resource, idempotently; speed is for benchmarks/harvest.py."""
    records = []
    for path in sorted(reference.rglob("*.ttl"))[:300]:
        try:
            records.append([ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path))])
        except (SyntaxError, ValueError, OSError):
            continue
    count = sum(map(len, records))
    assert count > 10_000
    for triples in records:
        once = normalise_record(triples)
        assert {t.subject for t in triples} <= {t.subject for t in once}  # no resource is lost
        assert set(normalise_record(once)) == set(once)  # a re-harvest normalises to the same record


def test_skos_terms_used_by_the_loader_are_real() -> None:
    """Guards against the `Namespace` str-method trap (`DCT.format` is `str.format`)."""
    for term in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation, SKOS.exactMatch, DCT_FORMAT):
        assert isinstance(term, ox.NamedNode)
