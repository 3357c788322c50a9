"""The quality vocabulary's terms and the IRIs of the graphs quality results live in.

Quality results never go into a record graph: a harvest replaces a record graph whole when its source
changes. Each record gets its own quality graphs instead, replaced whole on every run, and marked with
`fq:ofRecord` so the public snapshot drops them whenever their record is not public (catalogue/snapshots.py).

This module is imported by the web process: it must stay free of heavy imports (no pandas, no GX).
"""

from __future__ import annotations

import hashlib

from vocabularies.namespaces import Namespace

FQ = Namespace("https://w3id.org/fedcat/quality#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SPDX_SHA256 = "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def text(term: object) -> str:
    """The lexical value of an IRI, blank node or literal (quoted triples, which fedcat never writes, as text)."""
    value = getattr(term, "value", None)
    return value if isinstance(value, str) else str(term)


def hosted_graph(base: str, dataset_id: str) -> str:
    """The graph describing the data file the node hosts for a dataset (a `dcat:Distribution`)."""
    return f"{base}/graph/hosted/{dataset_id}"


def metadata_quality_graph(base: str, dataset_id: str) -> str:
    """The graph with a record's metadata quality: MQA score and SHACL reports."""
    return f"{base}/graph/quality/{dataset_id}"


def data_quality_graph(base: str, dataset_id: str) -> str:
    """The graph with the latest Great Expectations validation of a dataset's hosted data."""
    return f"{base}/graph/quality/{dataset_id}/data"


def outcome_node(base: str, digest: str) -> str:
    """An MQA criteria outcome shared by the records that scored alike (named by a digest of its content)."""
    return f"{base}/quality/outcome/{digest}"


def outcome_graph(base: str, digest: str) -> str:
    """The graph holding the outcome `outcome_node(base, digest)`."""
    return f"{base}/graph/quality-outcome/{digest}"


def outcome_graph_of(node: str) -> str:
    """The graph of an outcome node (`outcome_node`)."""
    base, _, digest = node.rpartition("/quality/outcome/")
    return outcome_graph(base, digest)


def summary_graph(base: str, kind: str, key: str) -> str:
    """The graph holding the quality history of one source or publisher (`kind` is "source" or "publisher")."""
    return f"{base}/graph/quality-summary/{kind}/{key}"


def hosted_distribution(base: str, dataset_id: str) -> str:
    """The IRI of the hosted distribution: a fragment of the dataset page, so it dereferences to something."""
    return f"{base}/datasets/{dataset_id}#hosted-data"


def publisher_id(key: str) -> str:
    """The public id of a publisher: a short digest of its IRI (or of its name when it has no stable IRI)."""
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
