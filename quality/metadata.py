"""Metadata quality: the data.europa.eu Metadata Quality Assessment (MQA) dimensions and weights, per record.

Five dimensions, 405 points: findability 100, accessibility 100, interoperability 110, reusability 75,
contextuality 20; bands Excellent 351-405, Good 221-350, Sufficient 121-220, Bad 0-120. Criteria computed on
distributions give their points in proportion to the distributions that meet them, so "2 of 3 distributions
lack a licence" costs two thirds of the licence points, and the explanation says so.

Reachability of access and download URLs is only tested with `--check-urls` (quality/urls.py). Without it a
URL that is present is assumed reachable, and the criterion says it was not checked. DCAT-AP compliance
comes from the SHACL report of the `dcat-ap` profile (quality/shacl.py); without one it scores nothing and
says it was not assessed.

Kept free of heavy imports: the web process reads bands through `band_for`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import NamedTuple

import pyoxigraph as ox

from catalogue.store import GraphStore
from quality.terms import FQ, metadata_quality_graph
from vocabularies.namespaces import DCAT, DCT, EU_FILE_TYPE, FEDCAT, IANA_MEDIA_TYPE

DIMENSIONS: dict[str, int] = {
    "findability": 100,
    "accessibility": 100,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 20,
}
MAX_SCORE = sum(DIMENSIONS.values())  # 405
BANDS: tuple[tuple[str, int], ...] = (("Excellent", 351), ("Good", 221), ("Sufficient", 121), ("Bad", 0))

# fedcat's reading of the EU lists behind the MQA's format criteria, as EU file-type codes.
_NON_PROPRIETARY = (
    "CSV TSV TXT JSON JSON_LD GEOJSON XML RDF RDF_XML RDF_TURTLE RDF_N_TRIPLES RDF_N_QUADS RDF_TRIG "
    "RDF_TRIX RDFA N3 OWL SKOS_XML ODS ODT ODP ODG ODF ODB ODC PARQUET HTML HTML5 XHTML ATOM RSS GML KML "
    "KMZ GPKG NETCDF HDF HDT PDF PDFA1A PDFA1B PDFA2A PDFA2B PDFA3 PDFUA PNG SVG TIFF JPEG2000 ZIP GZIP "
    "TAR TAR_GZ TAR_XZ 7Z BZIP2 XZ SPARQLQ SPARQLQRES WMS_SRVC WFS_SRVC WCS_SRVC SDMX ICS LAS LAZ SQL"
)
NON_PROPRIETARY = frozenset(_NON_PROPRIETARY.split())
_MACHINE_READABLE = (
    "CSV TSV JSON JSON_LD GEOJSON XML RDF RDF_XML RDF_TURTLE RDF_N_TRIPLES RDF_N_QUADS RDF_TRIG RDF_TRIX "
    "RDFA N3 OWL SKOS_XML XLS XLSX XLSB XLSM ODS PARQUET ATOM RSS GML KML KMZ GPKG NETCDF HDF HDT SHP DBF "
    "SDMX SPARQLQ SPARQLQRES WFS_SRVC WCS_SRVC ICS SQL MDB"
)
MACHINE_READABLE = frozenset(_MACHINE_READABLE.split())


@dataclass(frozen=True)
class Criterion:
    """One MQA indicator: what it checks, where, and how many points it is worth."""

    id: str
    dimension: str
    points: int
    metric: str  # local name of its dqv:Metric in vocabularies/data/quality.ttl
    label: str
    rdf_property: str  # what it looks at, as a CURIE (named so as not to shadow the `property` builtin)
    level: str  # "dataset" or "distribution"

    @property
    def metric_iri(self) -> ox.NamedNode:
        """The dqv:Metric this criterion is measured by."""
        return FQ[self.metric]


CRITERIA: tuple[Criterion, ...] = (
    Criterion("keywords", "findability", 30, "keywordUsage", "Keyword usage", "dcat:keyword", "dataset"),
    Criterion("categories", "findability", 30, "categories", "Categories", "dcat:theme", "dataset"),
    Criterion("spatial", "findability", 20, "geoSearch", "Geo search", "dct:spatial", "dataset"),
    Criterion("temporal", "findability", 20, "timeBasedSearch", "Time-based search", "dct:temporal", "dataset"),
    Criterion(
        "access_url",
        "accessibility",
        50,
        "accessUrlAccessibility",
        "AccessURL accessibility",
        "dcat:accessURL",
        "distribution",
    ),
    Criterion("download_url", "accessibility", 20, "downloadUrl", "DownloadURL", "dcat:downloadURL", "distribution"),
    Criterion(
        "download_url_reachable",
        "accessibility",
        30,
        "downloadUrlAccessibility",
        "DownloadURL accessibility",
        "dcat:downloadURL",
        "distribution",
    ),
    Criterion("format", "interoperability", 20, "format", "Format", "dct:format", "distribution"),
    Criterion("media_type", "interoperability", 10, "mediaType", "Media type", "dcat:mediaType", "distribution"),
    Criterion(
        "format_vocabulary",
        "interoperability",
        10,
        "formatMediaTypeVocabulary",
        "Format / media type from vocabulary",
        "dct:format, dcat:mediaType",
        "distribution",
    ),
    Criterion(
        "non_proprietary",
        "interoperability",
        20,
        "nonProprietary",
        "Non-proprietary format",
        "dct:format",
        "distribution",
    ),
    Criterion(
        "machine_readable",
        "interoperability",
        20,
        "machineReadable",
        "Machine-readable format",
        "dct:format",
        "distribution",
    ),
    Criterion("dcat_ap", "interoperability", 30, "dcatApCompliance", "DCAT-AP compliance", "SHACL", "dataset"),
    Criterion("licence", "reusability", 20, "licenceInformation", "Licence information", "dct:license", "distribution"),
    Criterion(
        "licence_vocabulary",
        "reusability",
        10,
        "licenceVocabulary",
        "Licence vocabulary",
        "dct:license",
        "distribution",
    ),
    Criterion(
        "access_rights", "reusability", 10, "accessRestrictions", "Access restrictions", "dct:accessRights", "dataset"
    ),
    Criterion(
        "access_rights_vocabulary",
        "reusability",
        5,
        "accessRestrictionsVocabulary",
        "Access restrictions vocabulary",
        "dct:accessRights",
        "dataset",
    ),
    Criterion("contact_point", "reusability", 20, "contactPoint", "Contact point", "dcat:contactPoint", "dataset"),
    Criterion("publisher", "reusability", 10, "publisher", "Publisher", "dct:publisher", "dataset"),
    Criterion("rights", "contextuality", 5, "rights", "Rights", "dct:rights", "distribution"),
    Criterion("byte_size", "contextuality", 5, "fileSize", "File size", "dcat:byteSize", "distribution"),
    Criterion("issued", "contextuality", 5, "dateOfIssue", "Date of issue", "dct:issued", "dataset"),
    Criterion("modified", "contextuality", 5, "modificationDate", "Modification date", "dct:modified", "dataset"),
)
BY_ID = {c.id: c for c in CRITERIA}
BY_METRIC = {c.metric: c for c in CRITERIA}
DIMENSION_METRICS = {d: f"{d}Score" for d in DIMENSIONS}

# What scoring reads from a record (the batch query in scoring.py asks for exactly these).
DATASET_PREDICATES = (
    DCAT.keyword,
    DCAT.theme,
    DCT.spatial,
    DCT.temporal,
    DCT.accessRights,
    DCAT.contactPoint,
    DCT.publisher,
    DCT.issued,
    DCT.modified,
)
DISTRIBUTION_PREDICATES = (
    DCAT.accessURL,
    DCAT.downloadURL,
    DCT["format"],
    DCAT.mediaType,
    DCT.license,
    DCT.rights,
    DCAT.byteSize,
)


@dataclass
class RecordFacts:
    """The values of one record that scoring needs: dataset predicates and per-distribution values."""

    dataset: dict[str, list[str]] = field(default_factory=dict)
    distributions: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add_dataset(self, predicate: str, value: str) -> None:
        """Record a dataset value."""
        self.dataset.setdefault(predicate, []).append(value)

    def add_distribution(self, distribution: str, predicate: str | None, value: str | None) -> None:
        """Record a distribution (and one of its values, when given)."""
        props = self.distributions.setdefault(distribution, {})
        if predicate is not None and value is not None:
            props.setdefault(predicate, []).append(value)


@dataclass(frozen=True)
class CriterionResult:
    """How one record did on one criterion."""

    criterion: Criterion
    points: float
    detail: str | None = None  # what is missing, or what was assumed
    checked: bool = True

    @cached_property
    def lost(self) -> float:
        """Points not obtained."""
        return round(self.criterion.points - self.points, 2)


@dataclass
class Assessment:
    """A record's MQA score with every criterion's result."""

    results: list[CriterionResult]

    # Cached: scoring asks each of these several times per record, and 100k records make that count.
    @cached_property
    def score(self) -> int:
        """Total points (0..405), rounded."""
        return round(sum(r.points for r in self.results))

    @cached_property
    def band(self) -> str:
        """Excellent, Good, Sufficient or Bad."""
        return band(self.score)

    @cached_property
    def dimensions(self) -> dict[str, float]:
        """Points per dimension."""
        out = dict.fromkeys(DIMENSIONS, 0.0)
        for r in self.results:
            out[r.criterion.dimension] += r.points
        return {k: round(v, 1) for k, v in out.items()}

    @cached_property
    def missing(self) -> list[CriterionResult]:
        """Criteria not fully met, most points lost first."""
        return sorted((r for r in self.results if r.lost > 0), key=lambda r: (-r.lost, r.criterion.id))


def band(score: float) -> str:
    """The MQA band of a score."""
    for name, low in BANDS:
        if score >= low:
            return name
    return "Bad"


@cache
def concepts(name: str) -> frozenset[str]:
    from vocabularies.loader import vocabulary

    return vocabulary(name).concepts


def _shared(criterion: Criterion, good: int, total: int, why: str, checked: bool = True) -> CriterionResult:
    """Points in proportion to the `good` of `total` distributions."""
    if not total:
        return CriterionResult(criterion, 0.0, "the dataset has no distribution", checked)
    if good == total:
        return CriterionResult(criterion, float(criterion.points), None, checked)
    points = criterion.points * good / total
    return CriterionResult(criterion, round(points, 2), f"{total - good} of {total} distributions {why}", checked)


def _has(inputs: MqaInputs, criterion: Criterion, predicate: str) -> CriterionResult:
    if inputs.present[_PRESENT.index(predicate)]:
        return CriterionResult(criterion, float(criterion.points))
    return CriterionResult(criterion, 0.0, f"no {criterion.rdf_property} on the dataset")


class MqaInputs(NamedTuple):
    """Everything a record's MQA results depend on, as flags and counts: records alike (most of a catalogue)
    have equal inputs, and scoring can read these straight from the store (quality/facts_query.py)."""

    present: tuple[bool, ...]  # a value for each of PRESENT_PREDICATES on the dataset
    rights_vocabulary: bool  # an access right from the EU vocabulary
    # Distributions with: a (reachable) access URL, a download URL, a reachable one, a format, a media type, either
    # from a vocabulary, a non-proprietary format, a machine-readable one, a licence, an EU licence, rights, a size.
    counts: tuple[int, ...]
    total: int  # distributions
    checked: bool  # every access and download URL was checked


# Predicate IRIs as strings, made once: `assess` runs once per record, 100k times in a full scoring.
_KEYWORD, _THEME, _SPATIAL, _TEMPORAL = DCAT.keyword.value, DCAT.theme.value, DCT.spatial.value, DCT.temporal.value
_ACCESS, _DOWNLOAD, _FORMAT, _MEDIA = (
    DCAT.accessURL.value,
    DCAT.downloadURL.value,
    DCT["format"].value,
    DCAT.mediaType.value,
)
_LICENSE, _RIGHTS, _BYTES = DCT.license.value, DCT.rights.value, DCAT.byteSize.value
_ACCESS_RIGHTS, _CONTACT, _PUBLISHER = DCT.accessRights.value, DCAT.contactPoint.value, DCT.publisher.value
_ISSUED, _MODIFIED = DCT.issued.value, DCT.modified.value
_PRESENT = (_KEYWORD, _THEME, _SPATIAL, _TEMPORAL, _ACCESS_RIGHTS, _CONTACT, _PUBLISHER, _ISSUED, _MODIFIED)
PRESENT_PREDICATES = _PRESENT
# Equal inputs, one shared (never modified) Assessment.
_ASSESSED: dict[tuple[MqaInputs, tuple[bool, int] | None], Assessment] = {}
_ASSESSED_MAX = 100_000
_UNCHECKED_NOTE = "not checked (run `fedcat quality score --check-urls`)"
_NONE: list[str] = []


def assess(
    facts: RecordFacts,
    *,
    dcat_ap: tuple[bool, int] | None = None,
    reachable: dict[str, bool] | None = None,
) -> Assessment:
    """Score one record.

    `dcat_ap` is (conforms, violations) from the record's DCAT-AP SHACL report, None when not validated;
    `reachable` maps URLs to whether they answered, None when URLs were not checked. A URL missing from it
    (beyond the run's `--max-urls` bound) is assumed reachable, like every URL when none were checked, and
    the criterion says it was not checked. Records with equal inputs get the same Assessment object: treat it as
    read-only.
    """
    return assess_inputs(inputs_of(facts, reachable), dcat_ap=dcat_ap)


def inputs_of(facts: RecordFacts, reachable: dict[str, bool] | None = None) -> MqaInputs:
    """What the MQA results of a record depend on, from the values scoring read (see `assess`)."""
    file_types, licences, rights = concepts("file-type"), concepts("licence"), concepts("access-right")
    iana = str(IANA_MEDIA_TYPE)
    eu_file_type = str(EU_FILE_TYPE)
    dists = facts.distributions
    checked = reachable is not None and all(
        u in reachable for props in dists.values() for k in (_ACCESS, _DOWNLOAD) for u in props.get(k, _NONE)
    )

    def reaches(urls: list[str]) -> bool:
        return bool(urls) and (reachable is None or any(reachable.get(u, True) for u in urls))

    # One pass over the distributions counts, per distribution-level criterion, those that meet it.
    n_access = n_download = n_download_ok = n_format = n_media = n_vocab = n_open = n_machine = 0
    n_licence = n_licence_vocab = n_rights = n_bytes = 0
    for props in dists.values():
        get = props.get
        formats, media = get(_FORMAT, _NONE), get(_MEDIA, _NONE)
        downloads, licence = get(_DOWNLOAD, _NONE), get(_LICENSE, _NONE)
        n_access += reaches(get(_ACCESS, _NONE))
        n_download += bool(downloads)
        n_download_ok += reaches(downloads)
        n_format += bool(formats)
        n_media += bool(media)
        n_vocab += any(v in file_types for v in formats) or any(v.startswith(iana) for v in media)
        codes = {v[len(eu_file_type) :] for v in formats if v.startswith(eu_file_type)}
        n_open += bool(codes & NON_PROPRIETARY)
        n_machine += bool(codes & MACHINE_READABLE)
        n_licence += bool(licence)
        n_licence_vocab += any(v in licences for v in licence)
        n_rights += bool(get(_RIGHTS))
        n_bytes += bool(get(_BYTES))
    data = facts.dataset
    return MqaInputs(
        tuple(bool(data.get(p)) for p in _PRESENT),
        any(v in rights for v in data.get(_ACCESS_RIGHTS, _NONE)),
        (
            *(n_access, n_download, n_download_ok, n_format, n_media, n_vocab, n_open, n_machine),
            *(n_licence, n_licence_vocab, n_rights, n_bytes),
        ),
        len(dists),
        checked,
    )


def assess_inputs(inputs: MqaInputs, *, dcat_ap: tuple[bool, int] | None = None) -> Assessment:
    """Score a record from its inputs (see `assess`); equal inputs give the same Assessment object."""
    key = (inputs, dcat_ap)
    found = _ASSESSED.get(key)
    if found is not None:
        return found
    n_access, n_download, n_download_ok, n_format, n_media, n_vocab, n_open, n_machine = inputs.counts[:8]
    n_licence, n_licence_vocab, n_rights, n_bytes = inputs.counts[8:]
    total, checked = inputs.total, inputs.checked
    results = [
        _has(inputs, BY_ID["keywords"], _KEYWORD),
        _has(inputs, BY_ID["categories"], _THEME),
        _has(inputs, BY_ID["spatial"], _SPATIAL),
        _has(inputs, BY_ID["temporal"], _TEMPORAL),
        _shared(
            BY_ID["access_url"],
            n_access,
            total,
            "have no reachable access URL" if checked else "have no access URL",
            checked,
        ),
        _shared(BY_ID["download_url"], n_download, total, "have no download URL"),
        _shared(
            BY_ID["download_url_reachable"],
            n_download_ok,
            total,
            "have no reachable download URL" if checked else "have no download URL",
            checked,
        ),
        _shared(BY_ID["format"], n_format, total, "have no dct:format"),
        _shared(BY_ID["media_type"], n_media, total, "have no dcat:mediaType"),
        _shared(BY_ID["format_vocabulary"], n_vocab, total, "use neither an EU file type nor an IANA media type"),
        _shared(BY_ID["non_proprietary"], n_open, total, "use no non-proprietary format"),
        _shared(BY_ID["machine_readable"], n_machine, total, "use no machine-readable format"),
        _dcat_ap(dcat_ap),
        _shared(BY_ID["licence"], n_licence, total, "have no dct:license"),
        _shared(BY_ID["licence_vocabulary"], n_licence_vocab, total, "have no licence from the EU licence vocabulary"),
        _has(inputs, BY_ID["access_rights"], _ACCESS_RIGHTS),
        _vocabulary(inputs, BY_ID["access_rights_vocabulary"], "EU access-right"),
        _has(inputs, BY_ID["contact_point"], _CONTACT),
        _has(inputs, BY_ID["publisher"], _PUBLISHER),
        _shared(BY_ID["rights"], n_rights, total, "have no dct:rights"),
        _shared(BY_ID["byte_size"], n_bytes, total, "have no dcat:byteSize"),
        _has(inputs, BY_ID["issued"], _ISSUED),
        _has(inputs, BY_ID["modified"], _MODIFIED),
    ]
    if not checked:  # say what was assumed, without taking points for it
        results = [
            CriterionResult(r.criterion, r.points, r.detail or _UNCHECKED_NOTE, False)
            if r.criterion.id in ("access_url", "download_url_reachable") and r.points > 0
            else r
            for r in results
        ]
    if len(_ASSESSED) >= _ASSESSED_MAX:
        _ASSESSED.clear()
    found = _ASSESSED[key] = Assessment(results)
    return found


def _dcat_ap(report: tuple[bool, int] | None) -> CriterionResult:
    criterion = BY_ID["dcat_ap"]
    if report is None:
        return CriterionResult(criterion, 0.0, "not assessed: SHACL validation did not run for this record", False)
    conforms, violations = report
    if conforms:
        return CriterionResult(criterion, float(criterion.points))
    return CriterionResult(criterion, 0.0, f"{violations} violations of the DCAT-AP 3.0.1 base shapes")


def _vocabulary(inputs: MqaInputs, criterion: Criterion, name: str) -> CriterionResult:
    if inputs.rights_vocabulary:
        return CriterionResult(criterion, float(criterion.points))
    return CriterionResult(criterion, 0.0, f"{criterion.rdf_property} is not from the {name} vocabulary")


def band_for(dataset_id: str, store: GraphStore, base: str) -> str | None:
    """The quality band of a dataset (for the search facet), or None when it was never scored.

    Reads `fedcat:qualityBand` on the dataset in its metadata quality graph; for many records at once use
    `bands(store)`.
    """
    graph = metadata_quality_graph(base, dataset_id)
    rows = store.select(f"SELECT ?b WHERE {{ GRAPH <{graph}> {{ ?d {FEDCAT.qualityBand} ?b }} }} LIMIT 1")
    return rows[0]["b"].value if rows else None


def bands(store: GraphStore) -> dict[str, str]:
    """Every scored record's band, by record graph IRI (one query)."""
    query = (
        f'SELECT ?r ?b WHERE {{ GRAPH ?g {{ ?g {FQ.ofRecord} ?r ; {FQ.assessment} "metadata" . '
        f"?d {FEDCAT.qualityBand} ?b }} }}"
    )
    return {row["r"].value: row["b"].value for row in store.select(query)}


def criteria_by_dimension() -> dict[str, list[Criterion]]:
    """The criteria grouped by dimension, in MQA order."""
    out: dict[str, list[Criterion]] = {d: [] for d in DIMENSIONS}
    for c in CRITERIA:
        out[c.dimension].append(c)
    return out


__all__ = [
    "BANDS",
    "CRITERIA",
    "DIMENSIONS",
    "MAX_SCORE",
    "Assessment",
    "MqaInputs",
    "RecordFacts",
    "assess",
    "assess_inputs",
    "band",
    "band_for",
    "inputs_of",
]
