"""Index values built in hand take typed literals in the form Oxigraph stores them, with or without the round trip."""

from __future__ import annotations

import random

import pyoxigraph as ox

from catalogue.index_docs import _KEPT, records_from_triples
from catalogue.records import Statement
from vocabularies.namespaces import DCT, FEDCAT, FOAF, XSD


def _stored(literals: list[ox.Literal]) -> list[ox.Literal]:
    store = ox.Store()
    p = ox.NamedNode("urn:test:p")
    store.extend(ox.Quad(ox.NamedNode(f"urn:test:{i}"), p, lit) for i, lit in enumerate(literals))
    back = {int(q.subject.value[9:]): q.object for q in store.quads_for_pattern(None, p, None, None)}
    return [back[i] for i in range(len(literals))]  # type: ignore[misc]


def _candidates(rnd: random.Random, datatype: str) -> str:
    digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 21)))
    date = f"{rnd.randint(0, 10999):04d}-{rnd.randint(0, 13):02d}-{rnd.randint(0, 32):02d}"
    zone = rnd.choice(["", "Z", "+00:00", "-05:00", "+14:00"])
    if datatype.endswith("#dateTime"):
        clock = f"{rnd.randint(0, 25):02d}:{rnd.randint(0, 60):02d}:{rnd.randint(0, 61):02d}"
        fraction = rnd.choice(["", ".0", ".5", ".50", ".000001", "." + digits[:12]])
        return f"{date}T{clock}{fraction}{zone}"
    if datatype.endswith("#date"):
        return date + zone
    if datatype.endswith("#gYear"):
        return rnd.choice(["", "-", "+"]) + digits[:6] + rnd.choice(["", "Z"])
    if datatype.endswith("#integer"):
        return rnd.choice(["", "-", "+"]) + digits
    return rnd.choice(["true", "false", "1", "0", "TRUE", " true"])


def test_every_form_the_fast_path_keeps_is_stored_unchanged():
    rnd = random.Random(20261129)
    literals = [
        ox.Literal(_candidates(rnd, datatype), datatype=ox.NamedNode(datatype))
        for datatype in _KEPT
        for _ in range(4000)
    ]
    pairs = list(zip(literals, _stored(literals), strict=True))  # one round trip serves both checks
    kept = [(lit, back) for lit, back in pairs if _KEPT[lit.datatype.value].fullmatch(lit.value)]
    changed = [lit for lit, back in pairs if back != lit]
    assert len(kept) > 3000 and changed  # both kinds are met, so the next line tests something
    assert [lit for lit, back in kept if back != lit] == []


def _record(n: int, modified: ox.Literal) -> tuple[str, list[Statement]]:
    graph = f"http://node.test/graph/record/src/{n}"
    dataset = ox.NamedNode(f"http://src.test/dataset/{n}")
    g = ox.NamedNode(graph)
    triples = [
        Statement(g, FOAF.primaryTopic, dataset),
        Statement(g, FEDCAT.datasetId, ox.Literal(f"id{n}")),
        Statement(g, FEDCAT.lastChanged, ox.Literal("2026-11-29T06:18:35.222469Z", datatype=XSD.dateTime)),
        Statement(dataset, DCT.modified, modified),
        Statement(dataset, DCT.title, ox.Literal("Air quality", language="en")),
    ]
    return graph, triples


def test_records_in_hand_take_the_stored_form_of_each_typed_value():
    values = [
        ox.Literal("2020-01-01T10:00:00+00:00", datatype=XSD.dateTime),  # stored with "Z"
        ox.Literal("2020-01-01T10:00:00+00:00", datatype=XSD.dateTime),  # the same value in a second record
        ox.Literal("2020-01-01T10:00:00.500Z", datatype=XSD.dateTime),  # stored without the trailing zeros
        ox.Literal("2020-01-01T10:00:00Z", datatype=XSD.dateTime),  # kept as it is
        ox.Literal("2021-03-04", datatype=XSD.date),
        ox.Literal("1.50", datatype=XSD.decimal),  # not in the fast path: always the round trip
    ]
    records = records_from_triples([_record(n, value) for n, value in enumerate(values)])
    assert [r.modified for r in records] == [v.value for v in _stored(values)]
    assert [r.modified for r in records] == [
        "2020-01-01T10:00:00Z",
        "2020-01-01T10:00:00Z",
        "2020-01-01T10:00:00.5Z",
        "2020-01-01T10:00:00Z",
        "2021-03-04",
        "1.5",
    ]
    assert {r.last_changed for r in records} == {"2026-11-29T06:18:35.222469Z"}
    assert all(r.titles["en"] == ["Air quality"] for r in records)
