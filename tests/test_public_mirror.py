"""The public mirror's lock: publishers of a remote store queue for it instead of failing on the store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from catalogue.config import load_settings
from catalogue.errors import StoreBusy
from catalogue.nodehome import init_home
from catalogue.public_mirror import open_mirror


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
