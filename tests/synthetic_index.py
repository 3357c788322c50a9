"""A tantivy index of the discovery benchmark's synthetic records, in several commits, some records deleted."""

from __future__ import annotations

from pathlib import Path

import tantivy

from benchmarks.discovery_data import Generator, index_record
from catalogue.index_docs import to_document
from catalogue.index_schema import new_index


def synthetic_index(path: Path, records: int, per_commit: int, delete_every: int) -> tantivy.Index:
    """`records` records committed `per_commit` at a time (a segment each), then every `delete_every`th deleted."""
    index = new_index(str(path))
    writer = index.writer(50_000_000, 1)
    indexed = [index_record(rec) for rec in Generator().records(0, records)]
    for start in range(0, records, per_commit):
        for record in indexed[start : start + per_commit]:
            writer.add_document(to_document(record))
        writer.commit()
    for record in indexed[::delete_every]:
        writer.delete_documents_by_term("graph", record.graph)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index
