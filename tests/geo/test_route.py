"""The proposed order of a day's stops against brute force on small cases."""

from __future__ import annotations

import itertools
import random

import pytest

from geo.route import path_length, shortest_order


@pytest.mark.parametrize("seed", range(12))
def test_the_order_is_the_shortest_of_all(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 7)
    start = (120.15 + rng.uniform(-0.05, 0.05), 30.27 + rng.uniform(-0.05, 0.05))
    stops = [(120.15 + rng.uniform(-0.1, 0.1), 30.27 + rng.uniform(-0.1, 0.1)) for _ in range(n)]
    order = shortest_order(start, stops)
    assert sorted(order) == list(range(n))
    best = min(path_length(start, stops, p) for p in itertools.permutations(range(n)))
    assert path_length(start, stops, order) <= best + 1  # metres rounded in the solver


def test_trivial_cases() -> None:
    assert shortest_order((0, 0), []) == []
    assert shortest_order((0, 0), [(1, 1)]) == [0]
    # along a line the order is the line's, from the end nearer the start
    stops = [(120.30, 30.0), (120.10, 30.0), (120.20, 30.0)]
    assert shortest_order((120.0, 30.0), stops) == [1, 2, 0]
