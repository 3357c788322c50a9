"""The index feed's writer process: `python -m catalogue.index_feed_worker IN_FD OUT_FD PARENT_PID GENERATION HEAP`.

It holds the tantivy writer of one harvest's index feed (`catalogue.index_feed`) and turns the records the
harvest sends into documents, so that work runs beside the harvest's mapping instead of after it in the same
thread. Jobs arrive pickled (the harvest that started this process wrote them); replies go back as JSON. The
first reply says whether the writer lock was taken. An end of input without a commit is a rollback, so a
harvest that dies leaves the index as it was (and `PENDING`, which makes the next writer rebuild it).
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import tantivy

from catalogue.index_docs import IndexRecord, to_document
from catalogue.index_schema import register_analyzers
from catalogue.sparql_worker import bind_to_parent

# Below the harvest's main thread, above RocksDB's merges (`catalogue.store`): the feed has about half the main
# thread's work and keeps up in the cycles the main thread leaves; at the same priority it took them from the
# main thread instead. 100,000 scale records: 81.2 s at 0, 74.7 at 5, 72.1-72.2 at 12, 74.2 at 19 (76.7-77.7
# with the documents built in the harvest's own thread).
FEED_NICENESS = 12


def _reply(out: Connection, **answer: object) -> None:
    out.send_bytes(json.dumps(answer).encode())


def _open_writer(generation: Path, heap: int) -> tantivy.IndexWriter | None:
    """The generation's writer, or None when another writer holds its lock."""
    index = tantivy.Index.open(str(generation))
    register_analyzers(index)
    try:
        return index.writer(heap, 1)
    except ValueError as exc:
        if "LockBusy" not in str(exc):
            raise
        return None


def _apply(writer: tantivy.IndexWriter, deletes: list[str], records: list[IndexRecord]) -> None:
    for graph in deletes:
        writer.delete_documents_by_term("graph", graph)
    for record in records:
        writer.add_document(to_document(record))


def serve(jobs: Connection, out: Connection, generation: Path, heap: int) -> None:
    """Open the writer, then apply jobs until a commit, a rollback or the end of input."""
    try:
        writer = _open_writer(generation, heap)
    except Exception as exc:  # told to the harvest, which raises it
        _reply(out, error=f"cannot open the index writer: {exc}")
        return
    if writer is None:
        _reply(out, locked=True)
        return
    _reply(out, ready=True)
    failure = ""
    while True:
        try:
            kind, deletes, records = pickle.loads(jobs.recv_bytes())
        except (EOFError, OSError):
            writer.rollback()
            return
        if kind == "add":
            if not failure:  # after a failure the rest is only drained: the commit reports it
                try:
                    _apply(writer, deletes, records)
                except Exception as exc:
                    failure = f"{type(exc).__name__}: {exc}"
            continue
        if kind == "commit" and not failure:
            try:
                _apply(writer, deletes, records)
                opstamp = writer.commit()
                writer.wait_merging_threads()
            except Exception as exc:
                _reply(out, error=f"{type(exc).__name__}: {exc}")
            else:
                _reply(out, committed=opstamp)
            return
        writer.rollback()
        if failure:
            _reply(out, error=failure)
        else:
            _reply(out, rolled_back=True)
        return


if __name__ == "__main__":
    bind_to_parent(int(sys.argv[3]))
    os.nice(FEED_NICENESS)
    serve(
        Connection(int(sys.argv[1]), writable=False),
        Connection(int(sys.argv[2]), readable=False),
        Path(sys.argv[4]),
        int(sys.argv[5]),
    )
