"""`fedcat data add`: attach a Parquet or CSV file to a dataset as data the node hosts.

The file is copied into `<home>/data/<dataset-id>/` (never served by path), with its SHA-256 and size kept in
`hosted.json` beside it. The graph gets a `dcat:Distribution` for it in `<base>/graph/hosted/<dataset-id>`,
marked with the record's visibility, without a download URL: the data are reached through an access request.
Attaching data to a dataset that had none, or removing it, re-indexes the record: "has hosted data" is a
search facet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from catalogue.config import Settings
from catalogue.errors import ConfigError, NotFound
from catalogue.index import prepare_index, update_index
from catalogue.records import nquads
from catalogue.store import GraphStore
from quality.lookup import RecordRef, find_record
from quality.reading import Kind, UnreadableData, detect_kind, table_stats
from quality.terms import FQ, SPDX_SHA256, data_quality_graph, hosted_distribution, hosted_graph
from vocabularies.namespaces import DCAT, DCT, EU_FILE_TYPE, FEDCAT, IANA_MEDIA_TYPE, PROV, RDF, SPDX, XSD

ACCESS_MODES = ("row-level", "aggregate-only")
MANIFEST = "hosted.json"
FORMATS: dict[str, tuple[str, str, str]] = {  # kind -> (EU file type, IANA media type, label)
    "parquet": ("PARQUET", "application/vnd.apache.parquet", "Parquet"),
    "csv": ("CSV", "text/csv", "CSV"),
}


@dataclass
class HostedFile:
    """A data file the node hosts for one dataset, as recorded in `<home>/data/<id>/hosted.json`."""

    dataset_id: str
    dataset: str
    file: str  # name inside the dataset's data folder
    kind: Kind
    sha256: str
    byte_size: int
    access_mode: str
    rows: int
    columns: list[dict[str, str]] = field(default_factory=list)
    original_name: str = ""
    added: str = ""

    def path(self, settings: Settings) -> Path:
        """Where the file lives."""
        return data_folder(settings, self.dataset_id) / self.file


@dataclass(frozen=True)
class AddResult:
    """What `add_hosted` did."""

    hosted: HostedFile
    changed: bool  # a new file, different bytes or a different access mode
    previous_sha256: str | None


def now_iso() -> str:
    """The current UTC time as an xsd:dateTime lexical form (seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def data_folder(settings: Settings, dataset_id: str) -> Path:
    """`<home>/data/<dataset-id>/`."""
    return settings.data_path / dataset_id


def load_hosted(settings: Settings, dataset_id: str) -> HostedFile | None:
    """The hosted file of a dataset, or None when it hosts none."""
    manifest = data_folder(settings, dataset_id) / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{manifest} is damaged ({exc}); run `fedcat data add` for this dataset again") from exc
    return HostedFile(**data)


def list_hosted(settings: Settings) -> list[HostedFile]:
    """Every hosted file of the node, by dataset id."""
    if not settings.data_path.is_dir():
        return []
    found = [load_hosted(settings, p.name) for p in sorted(settings.data_path.iterdir()) if (p / MANIFEST).is_file()]
    return [h for h in found if h is not None]


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def save_hosted(settings: Settings, hosted: HostedFile) -> None:
    """Write `hosted.json` atomically."""
    _write_json(data_folder(settings, hosted.dataset_id) / MANIFEST, asdict(hosted))


def add_hosted(settings: Settings, store: GraphStore, dataset_id: str, source: Path, access_mode: str) -> AddResult:
    """Copy `source` in as the dataset's hosted data and describe it in the graph.

    Everything is checked on a private copy before anything the node already has is touched, so a bad file
    leaves the previous hosted data, its description and its quality results exactly as they were.
    """
    if access_mode not in ACCESS_MODES:
        raise ConfigError(f"unknown access mode {access_mode!r}; use {' or '.join(ACCESS_MODES)}")
    ref = find_record(store, dataset_id)
    source = Path(source)
    if not source.exists():
        raise NotFound(f"no file at {source}")
    kind = detect_kind(source)
    folder = data_folder(settings, dataset_id)
    folder.mkdir(parents=True, exist_ok=True)
    incoming = folder / f".incoming-{uuid.uuid4().hex}"
    try:
        shutil.copyfile(source, incoming)
        table = table_stats(incoming, kind)
        sha = file_sha256(incoming)
        previous = load_hosted(settings, dataset_id)
        name = f"data.{kind}"
        os.replace(incoming, folder / name)
    finally:
        incoming.unlink(missing_ok=True)
    if previous is not None and previous.file != name:
        (folder / previous.file).unlink(missing_ok=True)
    hosted = HostedFile(
        dataset_id=dataset_id,
        dataset=ref.dataset,
        file=name,
        kind=kind,
        sha256=sha,
        byte_size=(folder / name).stat().st_size,
        access_mode=access_mode,
        rows=table.rows,
        columns=[{"name": c.name, "type": c.type} for c in table.columns],
        original_name=source.name,
        added=now_iso(),
    )
    changed = previous is None or previous.sha256 != sha or previous.access_mode != access_mode
    if not changed and previous is not None:
        hosted.added = previous.added
    # Only a dataset that starts hosting data changes in the search index (a replaced file shows the same).
    reindex = not hosted_records(settings, store, dataset_id) and prepare_index(settings, store, create=False)
    save_hosted(settings, hosted)
    write_hosted_graph(settings, store, ref, hosted)
    if reindex:
        update_index(settings, store, [ref.graph], [])
    return AddResult(hosted, changed, previous.sha256 if previous else None)


def hosted_records(settings: Settings, store: GraphStore, dataset_id: str) -> list[str]:
    """The record graph the dataset's hosted-data graph marks as hosting data: one, or none when it hosts none."""
    graph = hosted_graph(settings.base, dataset_id)
    rows = store.select(
        f"SELECT DISTINCT ?r WHERE {{ GRAPH <{graph}> {{ <{graph}> {FQ.ofRecord} ?r . ?d {FEDCAT.hostedData} ?v }} }}"
    )
    return [r["r"].value for r in rows]


def refresh_hosted(settings: Settings, store: GraphStore, hosted: HostedFile) -> tuple[HostedFile, bool]:
    """Notice a hosted file replaced in place: re-hash it and update `hosted.json` and the graph when it changed."""
    path = hosted.path(settings)
    if not path.is_file():
        raise NotFound(f"the hosted file of {hosted.dataset_id} is missing at {path}; run `fedcat data add` again")
    sha = file_sha256(path)
    if sha == hosted.sha256:
        return hosted, False
    table = table_stats(path, hosted.kind)
    hosted.sha256, hosted.byte_size, hosted.rows = sha, path.stat().st_size, table.rows
    hosted.columns = [{"name": c.name, "type": c.type} for c in table.columns]
    hosted.added = now_iso()
    save_hosted(settings, hosted)
    write_hosted_graph(settings, store, find_record(store, hosted.dataset_id), hosted)
    return hosted, True


def remove_hosted(settings: Settings, store: GraphStore, dataset_id: str) -> None:
    """Stop hosting a dataset's data: drop its file, its distribution and its data quality results.

    The steward's expectation suite stays in `<home>/quality/suites/` for when data come back.
    """
    if load_hosted(settings, dataset_id) is None:
        raise NotFound(f"dataset {dataset_id!r} has no hosted data")
    records = hosted_records(settings, store, dataset_id)
    reindex = bool(records) and prepare_index(settings, store, create=False)
    store.drop_graphs([hosted_graph(settings.base, dataset_id), data_quality_graph(settings.base, dataset_id)])
    store.flush()
    shutil.rmtree(data_folder(settings, dataset_id))
    if reindex:
        update_index(settings, store, records, [])


def write_hosted_graph(settings: Settings, store: GraphStore, ref: RecordRef, hosted: HostedFile) -> None:
    """Replace the dataset's hosted-data graph."""
    graph = hosted_graph(settings.base, ref.dataset_id)
    store.drop_graphs([graph])
    store.load(nquads(hosted_triples(settings, ref, hosted), graph).encode())
    store.flush()


def hosted_triples(settings: Settings, ref: RecordRef, hosted: HostedFile) -> list[ox.Triple]:
    """The hosted distribution and the graph's markers."""
    base = settings.base
    g = ox.NamedNode(hosted_graph(base, ref.dataset_id))
    dataset = ox.NamedNode(ref.dataset)
    dist = ox.NamedNode(hosted_distribution(base, ref.dataset_id))
    checksum = ox.NamedNode(hosted_distribution(base, ref.dataset_id) + "-checksum")
    code, media, label = FORMATS[hosted.kind]
    how = "row-level access" if hosted.access_mode == "row-level" else "aggregate results only"
    description = (
        f"{hosted.rows} rows and {len(hosted.columns)} columns hosted by this node; {how}, "
        "after an approved access request."
    )
    modified = ox.Literal(hosted.added, datatype=XSD.dateTime)
    return [
        ox.Triple(g, RDF.type, FQ.HostedDataGraph),
        ox.Triple(g, FQ.ofRecord, ox.NamedNode(ref.graph)),
        ox.Triple(g, FQ.datasetId, ox.Literal(ref.dataset_id)),
        ox.Triple(g, FEDCAT.visibility, ox.Literal(ref.visibility)),
        ox.Triple(g, PROV.generatedAtTime, modified),
        ox.Triple(dataset, DCAT.distribution, dist),
        ox.Triple(dataset, FEDCAT.hostedData, ox.Literal("true", datatype=XSD.boolean)),
        ox.Triple(dist, RDF.type, DCAT.Distribution),
        ox.Triple(dist, DCT.title, ox.Literal(f"Data hosted by this node ({label})", language="en")),
        ox.Triple(dist, DCT.description, ox.Literal(description, language="en")),
        # No download URL on purpose: hosted data are reached through an access request on the dataset page.
        ox.Triple(dist, DCAT.accessURL, ox.NamedNode(f"{base}/datasets/{ref.dataset_id}")),
        ox.Triple(dist, DCT["format"], EU_FILE_TYPE[code]),
        ox.Triple(dist, DCAT.mediaType, IANA_MEDIA_TYPE[media]),
        ox.Triple(dist, DCAT.byteSize, ox.Literal(str(hosted.byte_size), datatype=XSD.nonNegativeInteger)),
        ox.Triple(dist, DCT.modified, modified),
        ox.Triple(dist, FEDCAT.accessMode, ox.Literal(hosted.access_mode)),
        ox.Triple(dist, SPDX.checksum, checksum),
        ox.Triple(checksum, RDF.type, SPDX.Checksum),
        ox.Triple(checksum, SPDX.algorithm, ox.NamedNode(SPDX_SHA256)),
        ox.Triple(checksum, SPDX.checksumValue, ox.Literal(hosted.sha256, datatype=XSD.hexBinary)),
    ]


__all__ = ["ACCESS_MODES", "AddResult", "HostedFile", "UnreadableData", "add_hosted", "list_hosted", "load_hosted"]
