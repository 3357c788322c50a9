"""Create a node's home directory and edit the sources in its `fedcat.toml`."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import AoT

from catalogue.config import SourceConfig
from catalogue.errors import AlreadyExists, ConfigError, NotFound

TEMPLATE = """\
# fedcat node configuration. Every key can be overridden by a FEDCAT_* environment variable
# (nested keys with "__", e.g. FEDCAT_STORE__BACKEND=sparql).

base_url = "http://127.0.0.1:8000"

[node]
title = "fedcat node"
description = "A federated catalogue of datasets for secure data access."
publisher_name = "fedcat node operator"
language = "en"

[store]
backend = "oxigraph"

[harvest]
max_bytes = 52428800        # per response
deadline_seconds = 60.0     # per request, however slowly the bytes trickle
batch_size = 2000           # records in the first bulk load; loads double up to 8x this

# Sources: add them with `fedcat sources add` or by hand:
# [[sources]]
# name = "partner"
# kind = "ckan"            # ckan | dcat | sparql
# url = "https://data.example.org"
"""


def init_home(home: Path) -> bool:
    """Create the home layout; returns False when a node already lives there (nothing is overwritten)."""
    toml = home / "fedcat.toml"
    if toml.exists():
        return False
    for sub in ("store", "index", "runs", "state", "data", "keys"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    toml.write_text(TEMPLATE)
    return True


def _read(home: Path) -> tomlkit.TOMLDocument:
    toml = home / "fedcat.toml"
    if not toml.exists():
        raise ConfigError(f"no node at {home}: run `fedcat init --home {home}` first")
    try:
        return tomlkit.parse(toml.read_text())
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{toml} is not valid TOML: {exc}") from exc


def _write(home: Path, doc: tomlkit.TOMLDocument) -> None:
    toml = home / "fedcat.toml"
    tmp = toml.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(doc))
    tmp.replace(toml)


def add_source(home: Path, source: SourceConfig) -> None:
    """Append a source to `fedcat.toml`, keeping the operator's comments and layout."""
    doc = _read(home)
    sources = doc.get("sources")
    if sources is None:
        sources = AoT([])
        doc["sources"] = sources
    if any(s.get("name") == source.name for s in sources):
        raise AlreadyExists(f"a source named {source.name!r} exists; remove it first or choose another name")
    table = tomlkit.table()
    for key, value in source.model_dump(exclude_defaults=True).items():
        table[key] = value
    table["kind"] = source.kind
    sources.append(table)
    _write(home, doc)


def remove_source(home: Path, name: str) -> None:
    """Remove a source from `fedcat.toml` (its records stay until the next harvest of the others)."""
    doc = _read(home)
    sources = doc.get("sources") or []
    keep = [s for s in sources if s.get("name") != name]
    if len(keep) == len(sources):
        raise NotFound(f"no source named {name!r}")
    new = AoT([])
    for s in keep:
        new.append(s)
    doc["sources"] = new
    _write(home, doc)
