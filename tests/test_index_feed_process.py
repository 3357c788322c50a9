"""The index feed's writer process (catalogue/index_feed_process.py, catalogue/index_feed_worker.py).

It holds the writer lock for the whole harvest, runs below the harvest's CPU priority, and any way it can fail
(killed, a record it cannot index, its harvest killed) ends in a clear error or a rollback: the committed
documents stay as they were and the lock is released.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest

from catalogue.config import load_settings
from catalogue.index import index_status
from catalogue.index_docs import IndexRecord
from catalogue.index_feed import IndexFeed, open_feed
from catalogue.index_feed_process import FeedProcess, IndexFeedFailed
from catalogue.index_feed_worker import FEED_NICENESS
from catalogue.store import GraphStore, OxigraphStore, open_store
from harvesters.harvest import harvest_all
from tests.test_harvest_index_feed import _documents, _harvest_three, _ids, _page
from tests.test_sparql_limits import children


@pytest.fixture()
def harvested(home, tmp_path, cli):
    """A node that harvested three records, so its index has three committed documents."""
    _harvest_three(home, tmp_path, cli)
    return home


def _open(home: Path) -> tuple[IndexFeed, GraphStore]:
    settings = load_settings(home)
    store = open_store(settings)
    feed = open_feed(settings, store)
    assert feed is not None
    return feed, store


def _process(feed: IndexFeed) -> subprocess.Popen[bytes]:
    assert feed._writer is not None
    return feed._writer.process


def _record(n: int) -> IndexRecord:
    record = IndexRecord(f"https://example.test/graph/record/{n}", id=f"{n:032x}", iri=f"https://example.test/{n}")
    record.titles["en"].append(f"Fed {n}")
    return record


def _lock_is_free(home: Path) -> bool:
    feed, store = _open(home)
    feed.close()
    store.close()
    return True


def test_the_writer_is_a_process_of_its_own_below_the_harvests_priority(harvested):
    feed, store = _open(harvested)
    try:
        process = _process(feed)
        assert process.pid != os.getpid()
        assert "catalogue.index_feed_worker" in Path(f"/proc/{process.pid}/cmdline").read_text()
        expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + FEED_NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == expected
        assert open_feed(load_settings(harvested), store) is None  # it holds the writer lock
    finally:
        feed.close()
        store.close()
    assert process.returncode is not None  # closing ends it
    assert _lock_is_free(harvested)
    assert sorted(_documents(harvested)) == _ids(1, 2, 3)  # a rollback: nothing fed was committed


def test_fed_records_are_committed_by_the_process(harvested):
    feed, store = _open(harvested)
    try:
        feed.add([_record(7)])
        assert feed.commit([_record(7).graph], []) == 1
    finally:
        feed.close()
        store.close()
    documents = _documents(harvested)
    assert documents[f"{7:032x}"] == ["Fed 7"]
    assert len(documents) == 4


def test_a_killed_writer_makes_the_commit_rebuild_the_index_from_the_store(harvested, caplog):
    feed, store = _open(harvested)
    try:
        feed.add([_record(7)])
        process = _process(feed)
        process.kill()
        process.wait()
        feed.add([_record(8)])  # not an error: the harvest goes on writing the store
        assert feed.commit([_record(7).graph, _record(8).graph], []) == 2
    finally:
        feed.close()
        store.close()
    assert "index writer process ended" in caplog.text
    # Rebuilt from the store, which never received the two fed records: the index says what the store holds.
    assert sorted(_documents(harvested)) == _ids(1, 2, 3)
    assert index_status(load_settings(harvested)) == "ok"
    assert _lock_is_free(harvested)


def test_a_record_the_writer_cannot_index_is_reported_and_the_index_rebuilt(harvested, caplog):
    feed, store = _open(harvested)
    try:
        assert feed._writer is not None
        feed._writer.add([], [None])  # type: ignore[list-item]
        feed.add([_record(7)])  # drained, not indexed: the commit reports the first failure
        feed.commit([_record(7).graph], [])
    finally:
        feed.close()
        store.close()
    assert "AttributeError" in caplog.text
    assert sorted(_documents(harvested)) == _ids(1, 2, 3)
    assert _lock_is_free(harvested)


class KillingTheWriter(OxigraphStore):
    """Kills this process's index writer process at the first bulk load: a harvest that loses it mid-way."""

    killed: ClassVar[list[int]] = []

    def bulk_load_file(self, spool):  # type: ignore[no-untyped-def]
        if not self.killed:
            for child in children(os.getpid()):
                try:
                    command = Path(f"/proc/{child}/cmdline").read_text()
                except OSError:  # a process that ended since the listing
                    continue
                if "index_feed_worker" in command:
                    os.kill(child, signal.SIGKILL)
                    self.killed.append(child)
        return super().bulk_load_file(spool)


def test_a_harvest_that_loses_its_writer_completes_with_a_whole_index(harvested, tmp_path, caplog):
    (tmp_path / "feed.ttl").write_text(_page({i: f"Dataset {i}" for i in range(1, 7)}))
    settings = load_settings(harvested)
    store = KillingTheWriter(settings.store_path)
    try:
        report = harvest_all(settings, store, list(settings.sources))
    finally:
        store.close()
    assert KillingTheWriter.killed
    assert [run.status for run in report.runs] == ["succeeded"]
    assert "index writer process ended" in caplog.text
    assert sorted(_documents(harvested)) == _ids(*range(1, 7))
    assert index_status(settings) == "ok"


def _alive(pid: int) -> bool:
    """Whether `pid` runs (an orphan's zombie, left for whichever process adopted it to reap, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


KILLED_HARVEST = """
import sys, time
from catalogue.config import load_settings
from catalogue.index_feed import open_feed
from catalogue.index import index_status
from catalogue.store import GraphStore, OxigraphStore, open_store
from harvesters.harvest import harvest_all
settings = load_settings(sys.argv[1])
feed = open_feed(settings, open_store(settings))
print(feed._writer.process.pid, flush=True)
time.sleep(60)
"""


def test_a_harvest_killed_mid_feed_takes_its_writer_with_it(harvested):
    harvest = subprocess.Popen(
        [sys.executable, "-c", KILLED_HARVEST, str(harvested)], stdout=subprocess.PIPE, text=True
    )
    assert harvest.stdout is not None
    writer = int(harvest.stdout.readline())
    os.kill(harvest.pid, signal.SIGKILL)
    harvest.wait()
    deadline = time.monotonic() + 10
    while _alive(writer) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(writer)
    assert _lock_is_free(harvested)
    assert sorted(_documents(harvested)) == _ids(1, 2, 3)


def test_a_writer_that_cannot_open_the_index_says_why(tmp_path):
    with pytest.raises(IndexFeedFailed, match="cannot open the index writer"):
        FeedProcess.start(tmp_path / "no-generation-here", 50_000_000)
