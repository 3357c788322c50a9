"""Map a CKAN package dict (package_show, package_search or a `ckanapi dump`) to DCAT-AP 3 triples.

The mapping follows ckanext-dcat's `euro_dcat_ap_3` profile and its scheming field names, reading
each field from the top level (ckanext-scheming) or from the classic `extras` list, in plain,
JSON-encoded, list or comma-separated form. Controlled values (formats, licences, languages,
themes, frequencies, access rights) are emitted as written, an IRI when the source gave one and a
plain literal otherwise: `harvesters.mapping.normalise` maps them to EU vocabularies afterwards.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from catalogue.errors import ConfigError, MappingError
from catalogue.records import Record
from harvesters.mapping.ckan_agents import add_agents
from harvesters.mapping.ckan_fields import count_literal, iri, literals, raw, site_iri, text, values
from harvesters.mapping.ckan_parts import Out, identifier, statement
from harvesters.mapping.ckan_resources import distribution
from harvesters.mapping.ckan_sections import coverage, extensions, groups
from harvesters.mapping.ckan_terms import ADMS, DCAT, DCATAP, DCT, DPV, FOAF, HEALTH, RDF

# Package types that CKAN extensions store as packages but that describe no dataset.
_NOT_DATASETS = frozenset(
    ("harvest", "harvest_source", "showcase", "datarequest", "request", "application", "app", "group")
)
_UNPUBLISHED = frozenset(("deleted", "draft"))
# Legacy ckanext-dcat extras carry a "dcat_" prefix (dcat_issued, dcat_publisher_name...). Only
# these keys are aliased: "dcat_type" is a field of its own, not a prefixed "type".
_DCAT_PREFIXED = (
    "issued", "modified", "version", "publisher_uri", "publisher_name", "publisher_email",
    "publisher_url", "publisher_type", "publisher_identifier", "creator_uri", "creator_name",
    "creator_email", "creator_url", "creator_identifier",
)  # fmt: skip
# Dataset fields whose items are kept as written (IRI or literal), one triple each.
_RAW_LISTS = (
    ("language", DCT.language),
    ("theme", DCAT.theme),
    ("conforms_to", DCT.conformsTo),
    ("documentation", FOAF.page),
    ("related_resource", DCT.relation),
    ("has_version", DCT.hasVersion),
    ("is_version_of", DCT.isVersionOf),
    ("source", DCT.source),
    ("sample", ADMS.sample),
    ("is_referenced_by", DCT.isReferencedBy),
    ("applicable_legislation", DCATAP.applicableLegislation),
    ("hvd_category", DCATAP.hvdCategory),
    ("analytics", HEALTH.analytics),
    ("code_values", HEALTH.hasCodeValues),
    ("coding_system", HEALTH.hasCodingSystem),
    ("health_category", HEALTH.healthCategory),
    ("health_theme", HEALTH.healthTheme),
    ("legal_basis", DPV.hasLegalBasis),
    ("personal_data", DPV.hasPersonalData),
    ("purpose", DPV.hasPurpose),
)
_RAW_SINGLE = (
    ("frequency", DCT.accrualPeriodicity),
    ("access_rights", DCT.accessRights),
    ("dcat_type", DCT.type),
)
_TEXTS = (
    ("version_notes", ADMS.versionNotes),
    ("population_coverage", HEALTH.populationCoverage),
    ("publisher_note", HEALTH.publisherNote),
)
_COUNTS = (
    ("min_typical_age", HEALTH.minTypicalAge),
    ("max_typical_age", HEALTH.maxTypicalAge),
    ("number_of_records", HEALTH.numberOfRecords),
    ("number_of_unique_individuals", HEALTH.numberOfUniqueIndividuals),
)


def map_package(package: dict[str, Any], site_url: str) -> Record:
    """Map one CKAN package dict from the CKAN site at `site_url` (e.g. "https://demo.ckan.org")
    to a DCAT-AP 3 `Record` keyed by the package id.

    Raises `MappingError` for what is no publishable dataset: not a dict, no id, no title (unlike
    ckanext-dcat, the name is no fallback), a non-dataset package type (harvest source, showcase,
    data request...) or a deleted/draft package; `ConfigError` for an unusable `site_url`. Any
    single bad field (invalid IRI, unparseable date, malformed JSON) is skipped, never raised.
    """
    if not isinstance(package, dict):
        raise MappingError(f"A CKAN package must be a JSON object, not {type(package).__name__}")
    pid = text(package.get("id"))
    name = text(package.get("name"))
    if pid is None:
        raise MappingError(f"CKAN package {name or '(unnamed)'!r} has no id", record=name)
    label = f"CKAN package {name or pid!r}"
    kind = text(package.get("type")) or "dataset"
    if kind in _NOT_DATASETS:
        raise MappingError(f"{label} is of type {kind!r}, not a dataset", record=pid)
    state = text(package.get("state"))
    if state in _UNPUBLISHED:
        raise MappingError(f"{label} is {state}, not published", record=pid)
    titles = literals(package.get("title"), package.get("title_translated"))
    if not titles:
        raise MappingError(f"{label} has no title", record=pid)
    site = _site(site_url)
    f = _fields(package)

    base = site_iri(site, "dataset", pid)
    ds = iri(f.get("uri"), web=True) or base
    out = Out()
    out.add(ds, RDF.type, DCAT.DatasetSeries if kind == "dataset_series" else DCAT.Dataset)
    out.all(ds, DCT.title, titles)
    out.texts(ds, DCT.description, package.get("notes"), package.get("notes_translated"))
    out.texts(ds, DCAT.keyword, _tags(package, f), package.get("tags_translated"))
    landing = iri(f.get("url"), web=True)
    if landing is not None:
        out.add(ds, DCAT.landingPage, landing)
    version = text(f.get("version"))
    if version is not None:
        out.add(ds, DCAT.version, ox.Literal(version))
    out.add(ds, DCT.identifier, ox.Literal(text(f.get("identifier")) or text(f.get("guid")) or pid))
    if "alternate_identifier" in f:
        for alternate in values(f["alternate_identifier"]):
            identifier(out, ds, alternate)
    if "doi" in f:
        identifier(out, ds, f["doi"])
    out.date(ds, DCT.issued, f.get("issued"), f.get("metadata_created"))
    out.date(ds, DCT.modified, f.get("modified"), f.get("metadata_modified"))
    for key, predicate in _RAW_LISTS:
        value = f.get(key)
        if value is not None:
            out.raws(ds, predicate, value)
    if "in_series" in f:
        for series in values(f["in_series"]):
            if isinstance(series, str):  # ckanext-dataset-series keeps the series' package ids
                out.add(ds, DCAT.inSeries, iri(series) or site_iri(site, "dataset", series))
    for key, predicate in _RAW_SINGLE:
        value = f.get(key)
        if value is not None:
            out.raw(ds, predicate, value)
    for key, predicate in _TEXTS:
        value = f.get(key)
        if value is not None:
            out.texts(ds, predicate, value)
    for key, predicate in _COUNTS:
        value = f.get(key)
        if value is not None:
            out.literal(ds, predicate, count_literal(value))
    if "provenance" in f:
        statement(out, ds, DCT.provenance, f["provenance"], DCT.ProvenanceStatement)
    coverage(out, ds, f)
    add_agents(out, ds, f, package, site)
    extensions(out, ds, f)
    if package.get("groups"):
        groups(out, ds, package["groups"], site)

    licence = iri(f.get("license_url"), web=True) or raw(f.get("license_id"))
    resources = package.get("resources")
    base_path = base.value
    if isinstance(resources, list) and resources:
        for res in resources:
            distribution(out, ds, res, base_path, licence)
    elif licence is not None:
        out.add(ds, DCT.license, licence)  # no distribution to carry it: keep it on the dataset

    return Record(
        key=pid,
        dataset=ds,
        triples=out.triples,
        original_url=site_iri(site, "dataset", name or pid).value,
        restricted=_private(package.get("private")),
    )


@lru_cache(maxsize=256)
def _site(site_url: str) -> str:
    site = site_url.strip().rstrip("/") if isinstance(site_url, str) else ""
    node = iri(site, web=True)
    if node is None or node.value != site:
        raise ConfigError(f"CKAN site URL {site_url!r} is not an absolute http(s) IRI")
    return site


def _private(value: Any) -> bool:
    # A "False" string is not private; anything else truthy is, since leaking is the worse mistake.
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no", "n", "f")
    return bool(value)


def _fields(package: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields over `extras`, with empty values dropped and legacy `dcat_` keys aliased."""
    f: dict[str, Any] = {}
    extras = package.get("extras")
    if isinstance(extras, list):
        for e in extras:
            if isinstance(e, dict):
                key, value = e.get("key"), e.get("value")
                if isinstance(key, str) and value is not None and value != "":
                    f[key] = value
    elif isinstance(extras, dict):
        f.update((k, v) for k, v in extras.items() if v is not None and v != "")
    for key in _DCAT_PREFIXED:
        if key not in f:
            value = f.get("dcat_" + key)
            if value is not None:
                f[key] = value
    for key, value in package.items():
        # Most values are truthy; of the falsy ones only 0 and False are values, not blanks.
        if value or value is False or (type(value) is int or type(value) is float):
            f[key] = value
    return f


def _tags(package: dict[str, Any], f: dict[str, Any]) -> list[Any]:
    tags = package.get("tags")
    if isinstance(tags, list):
        names = [(t.get("name") or t.get("display_name")) if isinstance(t, dict) else t for t in tags]
        if names:
            return names
    return values(tags if isinstance(tags, str) else f.get("tag_string"))
