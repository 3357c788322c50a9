"""Synthetic but realistic harvest sources for the benchmarks: CKAN package dicts and DCAT Turtle pages."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (  # noqa: SIM905 - a readable word bank
    "air quality traffic census health hospital energy grid solar budget tax mobility bus rail cycling "
    "water river forest soil climate emissions population school university crime court land parcel "
    "satellite orbit space finance bank inflation tourism hotel agriculture farm wine election"
).split()
FORMATS = ("CSV", "JSON", "XLSX", "PDF", "GeoJSON", "ZIP", "XML")
LICENSES = ("cc-by-4.0", "cc-zero", "odc-odbl", "cc-by-sa")
ORGS = [(f"org-{i}", f"Organisation {i}") for i in range(40)]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def ckan_package(i: int, rng: random.Random, modified: str = "2024-01-01T00:00:00") -> dict:
    """One CKAN 2.10 package dict with two resources, tags, organisation and extras."""
    org = ORGS[i % len(ORGS)]
    pid = f"{i:08d}-0000-4000-8000-{rng.getrandbits(48):012x}"
    return {
        "id": pid,
        "name": f"dataset-{i}",
        "title": _text(rng, 6).capitalize(),
        "notes": _text(rng, 40),
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": rng.choice(LICENSES),
        "metadata_created": "2020-01-01T00:00:00",
        "metadata_modified": modified,
        "url": f"https://portal.example.org/landing/{i}",
        "version": "1.0",
        "author": "Data team",
        "maintainer_email": "data@example.org",
        "organization": {"name": org[0], "title": org[1]},
        "tags": [{"name": w} for w in rng.sample(WORDS, 4)],
        "extras": [{"key": "language", "value": "en"}, {"key": "frequency", "value": "monthly"}],
        "resources": [
            {
                "id": f"{pid}-r{j}",
                "name": f"Resource {j}",
                "format": rng.choice(FORMATS),
                "url": f"https://files.example.org/{i}/{j}.csv",
                "size": rng.randint(1000, 10**8),
                "created": "2021-01-01T00:00:00",
            }
            for j in range(2)
        ],
    }


def _lit(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dcat_dataset(i: int, rng: random.Random) -> str:
    """One DCAT-AP dataset of 28 triples in Turtle (dataset, publisher, contact, two distributions)."""
    d = f"<https://rdf.example.org/dataset/{i}>"
    o = f"<https://rdf.example.org/org/{i % 40}>"
    dist = [f"<https://rdf.example.org/dataset/{i}/dist/{j}>" for j in range(2)]
    lines = [
        f"{d} a dcat:Dataset ; dct:title {_lit(_text(rng, 6))}@en ; dct:description {_lit(_text(rng, 40))}@en ;",
        f'  dct:identifier "ds-{i}" ; dct:issued "2021-01-01T00:00:00"^^xsd:dateTime ;',
        f'  dct:modified "2024-01-01T00:00:00"^^xsd:dateTime ; dct:publisher {o} ;',
        f"  dcat:keyword {_lit(rng.choice(WORDS))}@en, {_lit(rng.choice(WORDS))}@en ;",
        "  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;",
        "  dct:language <http://publications.europa.eu/resource/authority/language/ENG> ;",
        f"  dcat:landingPage <https://rdf.example.org/landing/{i}> ;",
        f'  dcat:contactPoint [ a vcard:Organization ; vcard:fn "Data team {i % 40}" ; '
        f"vcard:hasEmail <mailto:data{i % 40}@example.org> ] ;",
        f"  dcat:distribution {dist[0]}, {dist[1]} .",
        f'{o} a foaf:Agent ; foaf:name "Organisation {i % 40}" .',
    ]
    for j, di in enumerate(dist):
        lines.append(
            f"{di} a dcat:Distribution ; dcat:accessURL <https://files.example.org/{i}/{j}.csv> ; "
            f"dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ."
        )
    return "\n".join(lines)


PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
"""


def write_dcat_pages(folder: Path, total: int, per_page: int, base_url: str, seed: int = 7) -> int:
    """Turtle pages `page-N.ttl` with Hydra `next` links; returns the number of pages."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pages = (total + per_page - 1) // per_page
    for p in range(pages):
        body = [PREFIXES]
        view = f"<{base_url}/page-{p + 1}.ttl>"
        nxt = f" ; hydra:next <{base_url}/page-{p + 2}.ttl>" if p + 1 < pages else ""
        body.append(f"{view} a hydra:PartialCollectionView{nxt} .")
        body.append(
            f"<{base_url}/catalog> a dcat:Catalog, hydra:Collection ; hydra:totalItems {total} ; "
            f'dct:title "Synthetic catalogue" .'
        )
        for i in range(p * per_page, min(total, (p + 1) * per_page)):
            body.append(dcat_dataset(i, rng))
        (folder / f"page-{p + 1}.ttl").write_text("\n".join(body) + "\n")
    return pages


def ckan_packages(total: int, seed: int = 11) -> list[dict]:
    """`total` package dicts, deterministic for a seed."""
    rng = random.Random(seed)
    return [
        ckan_package(i, rng, f"2024-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}")
        for i in range(total)
    ]
