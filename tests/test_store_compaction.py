"""RocksDB's background merges run at a low CPU priority while a node writes, so they yield to the harvest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each case runs in its own process: the compaction threads are the process's, shared by all its stores.
PROBE = """
import json, os, sys
from pathlib import Path
from catalogue.config import load_settings
from catalogue.store import _compaction_tasks, open_store
home = Path(sys.argv[1])
store = open_store(load_settings(home))
for n in range(3):
    store.bulk_load(f'<http://a.test/s{n}> <http://a.test/p> "v" <http://a.test/g{n}> .\\n'.encode())
store.flush()
tasks = _compaction_tasks()
print(json.dumps({"threads": [os.getpriority(os.PRIO_PROCESS, t) for t in tasks],
                  "main": os.getpriority(os.PRIO_PROCESS, 0), "quads": len(store.raw)}))
"""


def _probe(home: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDCAT_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(home)],
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_merges_run_at_the_lowest_priority_by_default(tmp_path):
    found = _probe(tmp_path / "node")
    assert found["quads"] == 3
    assert found["threads"] and set(found["threads"]) == {19}  # type: ignore[arg-type]
    assert found["main"] == 0  # the harvest itself keeps its priority


def test_the_merges_priority_is_a_setting_and_zero_leaves_them_be(tmp_path):
    found = _probe(tmp_path / "a", FEDCAT_STORE__COMPACTION_NICENESS="7")
    assert found["threads"] and set(found["threads"]) == {7}  # type: ignore[arg-type]
    found = _probe(tmp_path / "b", FEDCAT_STORE__COMPACTION_NICENESS="0")
    assert found["threads"] and set(found["threads"]) == {0}  # type: ignore[arg-type]


def test_a_priority_outside_the_range_is_refused_at_load(tmp_path, monkeypatch):
    from catalogue.config import load_settings
    from catalogue.errors import ConfigError

    monkeypatch.setenv("FEDCAT_STORE__COMPACTION_NICENESS", "25")
    with pytest.raises(ConfigError, match=r"store\.compaction_niceness: Input should be less than or equal to 19"):
        load_settings(tmp_path / "node")
