"""Pick ~15 home datasets the node hosts itself and write their data files (Parquet, some CSV too)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from demo.distributions import add_hosted_distribution
from demo.model import HomeDataset, HostedEntry
from demo.tables import KINDS

QUOTA = {"health": 4, "mobility": 4, "energy": 4, "finance": 3}


def choose_hosted(datasets: list[HomeDataset]) -> list[HomeDataset]:
    """The first datasets of each quota theme whose subject can back a table (never a defective one)."""
    taken = dict.fromkeys(QUOTA, 0)
    chosen = []
    for ds in datasets:
        if ds.table and ds.theme in QUOTA and not ds.defects and taken[ds.theme] < QUOTA[ds.theme]:
            taken[ds.theme] += 1
            chosen.append(ds)
    return chosen


def access_mode(ds: HomeDataset) -> str:
    return "aggregate-only" if ds.access_rights == "NON_PUBLIC" else "row-level"


def write_hosted(out: Path, datasets: list[HomeDataset], seed: int) -> dict[str, HostedEntry]:
    """Write `out/data/<slug>.parquet` (+ `.csv` for every third row-level one); add their distributions."""
    entries: dict[str, HostedEntry] = {}
    folder = out / "data"
    folder.mkdir(parents=True, exist_ok=True)
    for k, ds in enumerate(choose_hosted(datasets)):
        assert ds.table is not None
        g = np.random.default_rng([seed, 7, k])
        rows = int(g.integers(2_000, 20_001))
        data = KINDS[ds.table](g, rows, ds.start, ds.end)
        parquet = folder / f"{ds.slug}.parquet"
        pq.write_table(data, parquet, compression="zstd", row_group_size=50_000)
        files = [f"data/{parquet.name}"]
        mode = access_mode(ds)
        if mode == "row-level" and k % 3 == 0:
            pacsv.write_csv(data, folder / f"{ds.slug}.csv")
            files.append(f"data/{ds.slug}.csv")
        ds.records = rows
        add_hosted_distribution(ds, parquet.stat().st_size)
        entries[ds.iri] = HostedEntry(
            path=files[0],
            files=files,
            kind=ds.table,
            access_mode=mode,
            rows=rows,
            columns=list(data.column_names),
        )
    return entries
