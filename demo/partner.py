"""The partner CKAN portal as a `ckanapi dump datasets` JSON-lines file (CKAN 2.10 package dicts)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from demo.ckan import CkanBuilder, Package
from demo.model import BrokenEntry, DuplicateEntry, HomeDataset
from demo.partner_texts import (
    DIMS,
    ORGS,
    PORTAL_URL,
    QUARTERS,
    SENTENCES,
)

EU = "http://publications.europa.eu/resource/authority/"
CKAN_FORMAT = {
    "CSV": "CSV",
    "JSON": "JSON",
    "XLSX": "XLSX",
    "PDF": "PDF",
    "GEOJSON": "GeoJSON",
    "PARQUET": "PARQUET",
}
CKAN_LICENCE = {"CC_BY_4_0": "cc-by", "CC0": "cc-zero", "CC_BY_SA_4_0": "cc-by-sa"}
METHODS = ("landing_page", "identifier", "download_url")


class PartnerPortal(CkanBuilder):
    """The partner portal: its own datasets, and republished copies of home datasets."""

    def own(self, k: int) -> Package:
        """One of the portal's own datasets, with the usual mix of clean and sloppy extras."""
        rng = self.rng
        org_name = rng.choice(sorted(ORGS))
        org_title, lang, theme, subjects = ORGS[org_name]
        subject, tags, formats = rng.choice(subjects).split("|")
        year = rng.randint(2016, 2025)
        period = str(year) if rng.random() < 0.5 else f"{year - rng.randint(1, 6)}-{year}"
        title = " ".join(filter(None, (subject, rng.choice(DIMS[lang]), period)))
        notes = f"{title}. {rng.choice(SENTENCES[lang])}"
        if lang == "fr" and rng.random() < 0.4:
            notes += f"\n\nQuartiers couverts : {', '.join(rng.sample(QUARTERS, 3))}…"
        extras = self._extras(k, lang, theme, year)
        resources: list[tuple[str, str, str | None]] = [
            (f"{subject} ({fmt})", fmt, None) for fmt in formats.split(",")[: rng.randint(1, 2)]
        ]
        return self.package(
            title=title,
            notes=notes,
            tags=tags.split(","),
            url="",
            extras=extras,
            org=self.organization(org_name, org_title),
            resources=resources,
        )

    def _extras(self, k: int, lang: str, theme: str, year: int) -> list[dict[str, str]]:
        rng = self.rng
        if rng.random() < 0.4:
            return []
        pool = {
            "uri": f"{PORTAL_URL}/dataset/vdl-{k:05d}",
            "language": rng.choice((json.dumps([lang]), lang, f"{lang},de")),
            "theme": rng.choice((json.dumps([f"{EU}data-theme/{theme}"]), f"{EU}data-theme/{theme}", theme)),
            "frequency": rng.choice((f"{EU}frequency/MONTHLY", f"{EU}frequency/ANNUAL", "monthly", "annuel")),
            "identifier": f"VDL-{year}-{k:05d}",
            "issued": rng.choice(
                (f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", f"1{rng.randint(0, 9)}/03/{year}")
            ),
        }
        keys = sorted(rng.sample(sorted(pool), rng.randint(2, len(pool))))
        return [{"key": key, "value": pool[key]} for key in keys]

    def duplicate(self, ds: HomeDataset, method: str) -> tuple[Package, str]:
        """The same dataset as home's `ds`, republished here; detectable through `method` only."""
        rng = self.rng
        lang = "fr" if rng.random() < 0.7 else "en"
        extras = [{"key": "issued", "value": ds.issued.date().isoformat()}]
        value = {"landing_page": ds.landing_page, "identifier": ds.identifier}.get(method, "")
        if method == "identifier":
            extras.append({"key": "identifier", "value": ds.identifier})
        resources: list[tuple[str, str, str | None]] = []
        for dist in ds.distributions:
            fmt = CKAN_FORMAT.get(dist.format, "CSV") if not dist.format_literal else "CSV"
            url = dist.download_url if method == "download_url" and not value and dist.download_url else None
            value = value or (url or "")
            resources.append((dist.titles.get(lang, dist.titles["en"]), fmt, url))
        org = self.organization(ds.publisher.code.lower(), ds.publisher.name.fr)
        home_licence = next((d.licence.rsplit("/", 1)[-1] for d in ds.distributions if d.licence), "")
        tags = [word.replace("'", " ")[:100] for kw_lang, word in ds.keywords if kw_lang == lang][:6]
        pkg = self.package(
            title=ds.titles[lang],
            notes=ds.descriptions.get(lang, ""),
            tags=tags,
            org=org,
            url=ds.landing_page if method == "landing_page" else "",
            extras=extras,
            resources=resources,
            licence=CKAN_LICENCE.get(home_licence),
        )
        return pkg, value


def write_partner(
    path: Path, rng: random.Random, home: list[HomeDataset], count: int
) -> tuple[list[DuplicateEntry], list[BrokenEntry]]:
    """Write `count` packages: ~10 duplicates of home datasets, 1-2 without a title, the rest its own."""
    portal = PartnerPortal(rng)
    n_broken = 2 if count >= 20 else (1 if count >= 5 else 0)
    eligible = [ds for ds in home if not ds.defects and ds.access_rights == "PUBLIC" and ds.download_urls]
    n_dup = min(10, max(0, count - n_broken), len(eligible))
    planned: list[tuple[Package, tuple[str, ...]]] = []
    for i, ds in enumerate(rng.sample(eligible, n_dup)):
        method = METHODS[i % len(METHODS)]
        pkg, value = portal.duplicate(ds, method)
        planned.append((pkg, ("duplicate", ds.iri, method, value)))
    for k in range(count - n_dup):
        pkg = portal.own(k + 1)
        role: tuple[str, ...] = ("own",)
        if k < n_broken:
            reason = ("missing title", "empty title")[k]
            if k == 0:
                del pkg["title"]
            else:
                pkg["title"] = ""
            role = ("broken", reason)
        planned.append((pkg, role))
    rng.shuffle(planned)
    duplicates, broken = [], []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for line, (pkg, role) in enumerate(planned, 1):
            out.write(json.dumps(pkg, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
            if role[0] == "duplicate":
                duplicates.append(DuplicateEntry(pkg["id"], pkg["name"], line, role[1], role[2], role[3]))
            elif role[0] == "broken":
                broken.append(BrokenEntry(pkg["id"], line, role[1]))
    return duplicates, broken
