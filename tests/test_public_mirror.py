"""The public mirror's lock (publishers queue for it) and the harvest's copy into it."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import BinaryIO, cast

import pytest

from catalogue.config import load_settings
from catalogue.errors import StoreBusy
from catalogue.nodehome import init_home
from catalogue.public_mirror import MirrorCopy, mirror_path, open_mirror
from catalogue.snapshots import current
from catalogue.store import OxigraphStore
from tests.scale_source import data_files, harvest_in_small_batches, serve_scale_pages
from tests.servers import LoopbackServer


def test_a_second_publisher_waits_for_the_first_and_then_gets_the_mirror(tmp_path: Path) -> None:
    init_home(tmp_path / "node")
    settings = load_settings(tmp_path / "node")
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with open_mirror(settings) as mirror:
            mirror.bulk_load(b"<http://x/s> <http://x/p> <http://x/o> <http://x/g> .\n")
            holding.set()
            release.wait(10)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(10)
    with pytest.raises(StoreBusy, match="kept the public mirror busy"), open_mirror(settings, wait=0.3):
        pass
    release.set()
    with open_mirror(settings, wait=30) as mirror:
        order.append("second in")
        assert mirror.quad_count() == 1  # the first publisher's writes are there, and the store opened at all
    thread.join(10)
    assert order == ["first done", "second in"]


NQ = "<http://x/s{n}> <http://x/p> <http://x/o> <http://x/g{n}> .\n"


def spooled(text: str) -> BinaryIO:
    file = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - closed by the test
    file.write(text.encode())
    return cast(BinaryIO, file)


def test_a_harvest_copy_stops_at_the_first_batch_it_could_not_copy(tmp_path: Path) -> None:
    init_home(tmp_path / "node")
    settings = load_settings(tmp_path / "node")
    copy = MirrorCopy(settings)
    copy.WAIT = 0.2
    copy(["http://x/g0"], spooled(NQ.format(n=1)))
    holding, release = threading.Event(), threading.Event()

    def publisher() -> None:
        with open_mirror(settings):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=publisher)
    thread.start()
    assert holding.wait(10)
    copy([], spooled(NQ.format(n=2)))  # the mirror is busy: not copied, and no error for the harvest
    release.set()
    thread.join(10)
    # A later batch would carry the markers of the one skipped: copying it would hide that batch from the sync.
    copy([], spooled(NQ.format(n=3)))
    assert not copy.active
    with open_mirror(settings) as mirror:
        assert set(mirror.named_graphs()) == {"http://x/g1"}


@pytest.mark.parametrize("store_backend", ["virtuoso"], indirect=True)
def test_a_harvest_on_a_remote_store_publishes_its_mirror_merged(home: Path, server: LoopbackServer) -> None:
    """The harvest's copies open and close the mirror batch by batch, and closing aborts RocksDB's merges. Publishing
    lets them finish before the snapshot: the served mirror is merged, and the next writer of the mirror (here, one
    that waits for merges) finds none to resume, so the files the snapshot links stay the mirror's own."""
    url = serve_scale_pages(server, home.parent / "pages", 2000)
    settings, report = harvest_in_small_batches(home, url, 50)
    assert settings.store.backend == "sparql"
    assert report.succeeded and report.runs[0].counts["new"] == 2000
    published = current(settings)
    assert published is not None
    linked = data_files(published)
    mirror = OxigraphStore(mirror_path(settings))
    try:
        assert mirror.quad_count() > 2000 * 20  # every public record, as the harvest copied them
        mirror.settle(timeout=30)
    finally:
        mirror.close()
    assert linked
    assert data_files(mirror_path(settings)) == linked
