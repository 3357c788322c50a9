"""The harvest's index spool: index records on disk between the harvest and its index update."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from catalogue.index_docs import IndexRecord
from catalogue.index_spool import IndexSpool


def record(n: int) -> IndexRecord:
    found = IndexRecord(f"https://node.example/graph/record/s/{n}")
    found.id, found.iri, found.source = f"id{n}", f"https://data.example/ds/{n}", "s"
    found.titles["en"].append(f"Dataset {n}")
    found.titles["fr"].append(f"Jeu {n} — é")
    found.themes.add("http://publications.europa.eu/resource/authority/data-theme/HEAL")
    return found


def values(found: IndexRecord) -> dict[str, object]:
    return {f.name: getattr(found, f.name) for f in fields(found)}


def test_batches_come_back_in_order_and_equal_and_leave_no_file(tmp_path: Path) -> None:
    spool = IndexSpool(tmp_path)
    spool.add([record(n) for n in range(3)])
    spool.add([])  # nothing to keep
    spool.add([record(n) for n in range(3, 5)])
    assert list(tmp_path.iterdir()) == []  # unlinked from the start: a killed run leaves nothing behind
    batches = list(spool.batches())
    assert [[r.graph for r in b] for b in batches] == [
        [record(n).graph for n in range(3)],
        [record(3).graph, record(4).graph],
    ]
    assert [values(r) for b in batches for r in b] == [values(record(n)) for n in range(5)]
    assert len(spool) == 5 and [g for g, _ in spool.items()] == [record(n).graph for n in range(5)]
    spool.add([record(5)])  # reading does not end the spool: later batches follow the earlier ones
    assert [r.id for r in spool.values()] == [f"id{n}" for n in range(6)]
    spool.close()
    with pytest.raises(ValueError):
        list(spool.batches())
