"""Index records a harvest builds from the triples it writes, kept on disk until the run's index update.

A harvest takes each changed record's search-index values from the triples in hand
(`catalogue.index_docs.records_from_triples`), so the index update need not read them back. Kept in memory to
the end of the run they grew with it (3 GB of a 1,000,000-record harvest's RSS by its 300,000th record);
pickled in batches to an unlinked temporary file they cost a buffer, whatever the size of the harvest, and are
read back in one sequential pass.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from catalogue.index_docs import IndexRecord


class IndexSpool:
    """Batches of index records on disk, in the order they were added."""

    def __init__(self, folder: Path | None = None) -> None:
        # Unlinked at once: nothing is left behind, whether the run ends, fails or is killed.
        self._file = tempfile.TemporaryFile(prefix="fedcat-index-", dir=folder)  # noqa: SIM115 - closed by close()
        self._count = 0

    def add(self, records: Iterable[IndexRecord]) -> None:
        """Append one batch."""
        batch = list(records)
        if batch:
            pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._count += len(batch)

    def batches(self) -> Iterator[list[IndexRecord]]:
        """Every batch, in order (the file is read from its start; do not add while iterating)."""
        self._file.flush()
        self._file.seek(0)
        while True:
            try:
                batch: list[IndexRecord] = pickle.load(self._file)  # our own file, written above: not untrusted input
            except EOFError:
                break
            yield batch
        self._file.seek(0, 2)

    def items(self) -> Iterator[tuple[str, IndexRecord]]:
        """(graph, record) of every record."""
        for batch in self.batches():
            for record in batch:
                yield record.graph, record

    def values(self) -> Iterator[IndexRecord]:
        """Every record."""
        for _, record in self.items():
            yield record

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        """Release the file (its space goes with it)."""
        self._file.close()
