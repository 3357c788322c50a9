"""Stamps are canonical xsd:dateTime, so what a run report says equals what the store gives back."""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest

from catalogue.clock import canonical_datetime, now_iso
from vocabularies.namespaces import XSD


@pytest.mark.parametrize(
    ("micro", "expected"),
    [(874340, "24.87434Z"), (500000, "24.5Z"), (0, "24Z"), (1, "24.000001Z"), (874341, "24.874341Z")],
)
def test_stamps_read_back_from_the_store_unchanged(micro: int, expected: str) -> None:
    stamp = canonical_datetime(datetime(2026, 11, 27, 18, 1, 24, micro, tzinfo=UTC))
    assert stamp == "2026-11-27T18:01:" + expected
    store = ox.Store()
    literal = ox.Literal(stamp, datatype=XSD.dateTime)
    store.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), literal, ox.DefaultGraph()))
    [quad] = store.quads_for_pattern(None, None, None, None)
    assert quad.object.value == stamp


def test_now_is_canonical() -> None:
    stamp = now_iso()
    assert stamp.endswith("Z") and ("." not in stamp or not stamp[:-1].endswith("0"))
