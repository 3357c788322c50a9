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
from catalogue.public_mirror import MirrorCopy, open_mirror


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
