"""Distributions of a home dataset, and the messy values real portals publish instead of clean ones."""

from __future__ import annotations

import random

from demo.model import Distribution, HomeDataset
from vocabularies.namespaces import EU_LICENCE

EXTENSION = {
    "CSV": "csv",
    "JSON": "json",
    "XLSX": "xlsx",
    "PARQUET": "parquet",
    "PDF": "pdf",
    "GEOJSON": "geojson",
}
MEDIA_TYPE = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "PARQUET": "application/vnd.apache.parquet",
    "PDF": "application/pdf",
    "GEOJSON": "application/geo+json",
}
LABEL = {
    "CSV": "CSV",
    "JSON": "JSON",
    "XLSX": "Excel",
    "PARQUET": "Parquet",
    "PDF": "PDF",
    "GEOJSON": "GeoJSON",
}
SIZE_MU = {
    "CSV": 12.5,
    "JSON": 13.0,
    "XLSX": 11.5,
    "PARQUET": 12.0,
    "PDF": 13.5,
    "GEOJSON": 14.0,
}  # ln(bytes)
LICENCES = (("CC_BY_4_0", 60), ("CC0", 30), ("CC_BY_SA_4_0", 5), ("ODC_BY", 5))

# What careless publishers write instead of the EU authority IRIs.
MESSY_FORMAT = {
    "CSV": ("csv", "text/csv", "CSV"),
    "JSON": ("json", "application/json"),
    "XLSX": ("xlsx", "Excel", "application/vnd.ms-excel"),
    "PARQUET": ("parquet", "Apache Parquet"),
    "PDF": ("pdf", "application/pdf"),
    "GEOJSON": ("geojson", "application/geo+json"),
}
MESSY_LICENCE = {
    "CC_BY_4_0": (
        "http://creativecommons.org/licenses/by/4.0/",
        "https://creativecommons.org/licenses/by/4.0/deed.fr",
    ),
    "CC0": (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "http://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "CC_BY_SA_4_0": ("https://creativecommons.org/licenses/by-sa/4.0/",),
    "ODC_BY": ("https://opendatacommons.org/licenses/by/1-0/",),
}
PDF_TITLE = {"en": "Methodological note", "fr": "Note méthodologique", "de": "Methodischer Hinweis"}


def add_distributions(rng: random.Random, ds: HomeDataset, formats: tuple[str, ...]) -> None:
    """1-4 distributions in the theme's usual formats, one licence for all of them."""
    count = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
    chosen = [formats[0], *rng.sample(formats[1:], min(count, len(formats)) - 1)]
    licence_code = rng.choices([c for c, _ in LICENCES], weights=[w for _, w in LICENCES])[0]
    public = ds.access_rights == "PUBLIC"
    for fmt in chosen:
        titles = (
            dict(PDF_TITLE)
            if fmt == "PDF"
            else {lang: f"{ds.titles[lang]} ({LABEL[fmt]})" for lang in ("en", "fr", "de")}
        )
        download = None
        if public and rng.random() < 0.85:
            download = f"https://download.data.demo.lu/{ds.publisher.code.lower()}/{ds.slug}.{EXTENSION[fmt]}"
        access = ds.landing_page if public else f"https://data.demo.lu/access-request/{ds.slug}"
        ds.distributions.append(
            Distribution(
                iri=f"{ds.iri}/distribution/{EXTENSION[fmt]}",
                titles=titles,
                access_url=access,
                download_url=download,
                format=fmt,
                media_type=MEDIA_TYPE[fmt],
                byte_size=int(rng.lognormvariate(SIZE_MU[fmt], 1.2)) + 512,
                licence=str(EU_LICENCE[licence_code].value),
            )
        )


def make_messy(rng: random.Random, ds: HomeDataset) -> None:
    """Replace clean values by what real portals publish: format literals, CC URLs, media-type strings."""
    kinds = rng.sample(("format-literal", "licence-url", "media-type-literal"), rng.choice((1, 1, 2)))
    for kind in sorted(kinds):
        for dist in ds.distributions:
            if kind == "format-literal":
                dist.format, dist.format_literal = rng.choice(MESSY_FORMAT[dist.format]), True
            elif kind == "media-type-literal" and dist.media_type:
                dist.media_type_literal = True
            elif kind == "licence-url" and dist.licence:
                code = dist.licence.rsplit("/", 1)[-1]
                dist.licence = rng.choice(MESSY_LICENCE[code])
    ds.messy = sorted(kinds)


def add_hosted_distribution(ds: HomeDataset, byte_size: int) -> None:
    """The distribution for the file the node hosts itself (downloadable only when the data are public)."""
    public = ds.access_rights == "PUBLIC"
    licence = next((d.licence for d in ds.distributions if d.licence), None)
    if "no-licence" not in ds.defects and licence is None:
        licence = str(EU_LICENCE.CC_BY_4_0.value)
    ds.distributions.append(
        Distribution(
            iri=f"{ds.iri}/distribution/hosted",
            titles={
                "en": "Hosted data file (Parquet)",
                "fr": "Fichier de données hébergé (Parquet)",
                "de": "Gehostete Datendatei (Parquet)",
            },
            access_url=f"https://data.demo.lu/access/{ds.slug}",
            download_url=f"https://data.demo.lu/files/{ds.slug}.parquet" if public else None,
            format="PARQUET",
            media_type=MEDIA_TYPE["PARQUET"],
            byte_size=byte_size,
            licence=licence if "no-licence" not in ds.defects else None,
        )
    )
