"""`within_edits` stops early, and agrees with the whole optimal-string-alignment table on every pair."""

from __future__ import annotations

import itertools
import random

import pytest

from catalogue.search_query import within_edits


def _distance(a: str, b: str) -> int:
    """The whole table, as a reference: insertions, deletions, substitutions and adjacent swaps."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        cost = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            cost = min(cost, table[i - 2][j - 2] + 1)
        table[i][j] = cost
    return table[len(a)][len(b)]


def test_every_short_pair_over_three_letters_agrees_with_the_whole_table() -> None:
    words = ["".join(w) for n in range(6) for w in itertools.product("abc", repeat=n)]
    rng = random.Random(7)
    for a, b in (rng.sample(words, 2) for _ in range(20_000)):
        distance = _distance(a, b)
        for limit in (0, 1, 2, 3):
            assert within_edits(a, b, limit) is (distance <= limit), (a, b, limit, distance)


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("commune", "commne", 1, True),  # a deletion
        ("mission", "missoin", 1, True),  # an adjacent swap counts one edit
        ("anneropa", "annerpoa", 1, True),
        ("nationalite", "natonalite", 1, True),
        ("population", "ppoulation", 1, True),
        ("population", "pplation", 1, False),  # two deletions
        ("population", "pplation", 2, True),
        ("ca", "abc", 2, False),  # optimal string alignment edits no substring twice: 3 (full Damerau says 2)
        ("", "ab", 1, False),
    ],
)
def test_typos(a: str, b: str, limit: int, expected: bool) -> None:
    assert within_edits(a, b, limit) is expected
