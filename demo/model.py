"""What the generator plans (home datasets, distributions) and what it reports (the manifest)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from demo.publishers import Publisher


@dataclass
class Distribution:
    iri: str
    titles: dict[str, str]
    access_url: str
    download_url: str | None
    format: str  # EU file-type code, or a messy literal when `format_literal`
    media_type: str | None  # IANA media type
    byte_size: int
    licence: str | None  # full IRI (EU licence, or a messy Creative Commons URL)
    format_literal: bool = False
    media_type_literal: bool = False


@dataclass
class HomeDataset:
    slug: str
    identifier: str
    theme: str  # bank key ("health")
    eu_themes: tuple[str, ...]
    table: str | None  # hosted-data kind the subject can back
    sensitive: bool
    publisher: Publisher
    contact_unit: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    keywords: list[tuple[str, str]]  # (lang, keyword)
    languages: tuple[str, ...]
    issued: datetime
    modified: datetime
    frequency: str
    spatial: str
    start: date
    end: date
    access_rights: str  # EU access-right code
    distributions: list[Distribution] = field(default_factory=list)
    messy: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    records: int | None = None  # rows of the hosted file, when there is one

    @property
    def iri(self) -> str:
        return f"https://data.demo.lu/dataset/{self.slug}"

    @property
    def landing_page(self) -> str:
        return f"https://{self.publisher.domain}/data/{self.slug}"

    @property
    def download_urls(self) -> list[str]:
        return [d.download_url for d in self.distributions if d.download_url]


@dataclass
class DatasetEntry:
    iri: str
    slug: str
    identifier: str
    title: str
    publisher: str
    theme: str
    access_rights: str
    languages: list[str]
    landing_page: str
    download_urls: list[str]
    messy: list[str]
    defects: list[str]


@dataclass
class HostedEntry:
    path: str  # main file, relative to the output directory
    files: list[str]
    kind: str
    access_mode: str  # "row-level" | "aggregate-only"
    rows: int
    columns: list[str]


@dataclass
class DuplicateEntry:
    package_id: str
    package_name: str
    line: int  # 1-based line in the JSONL dump
    dataset: str  # home dataset IRI
    match: str  # "landing_page" | "identifier" | "download_url"
    value: str


@dataclass
class BrokenEntry:
    package_id: str
    line: int
    reason: str


@dataclass
class DemoManifest:
    seed: int
    catalog: str
    catalog_iri: str
    partner_dump: str
    partner_portal: str
    publishers: list[str]
    datasets: list[DatasetEntry]
    hosted: dict[str, HostedEntry]  # dataset IRI -> hosted file
    partner_packages: int
    duplicates: list[DuplicateEntry]
    broken: list[BrokenEntry]
    format: str = "fedcat-demo-manifest/1"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> DemoManifest:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            **{
                **raw,
                "datasets": [DatasetEntry(**d) for d in raw["datasets"]],
                "hosted": {k: HostedEntry(**v) for k, v in raw["hosted"].items()},
                "duplicates": [DuplicateEntry(**d) for d in raw["duplicates"]],
                "broken": [BrokenEntry(**b) for b in raw["broken"]],
            }
        )
