"""force_layout: deterministic positions, leaves beside their hub."""

from __future__ import annotations

import math

import numpy as np
import pytest

from paperkg.view.layout import force_layout


def star_and_ring():
    nodes = [f"n{i}" for i in range(40)]
    edges = [("n0", f"n{i}") for i in range(1, 20)]  # a hub with 19 leaves
    edges += [(f"n{i}", f"n{i + 1}") for i in range(20, 39)] + [("n39", "n20"), ("n0", "n20")]
    return nodes, edges


def test_same_input_same_positions():
    nodes, edges = star_and_ring()
    assert force_layout(nodes, edges) == force_layout(nodes, list(reversed(edges)))


def test_every_node_has_a_distinct_finite_position():
    nodes, edges = star_and_ring()
    pos = force_layout(nodes + ["alone"], edges, spacing=100)
    assert set(pos) == set(nodes) | {"alone"}
    assert all(math.isfinite(c) for xy in pos.values() for c in xy)
    assert len(set(pos.values())) == len(pos)


def test_leaves_sit_around_their_hub():
    nodes, edges = star_and_ring()
    pos = force_layout(nodes, edges, spacing=100)
    hub = pos["n0"]
    leaf_distances = [math.dist(hub, pos[f"n{i}"]) for i in range(1, 20)]
    ring_distances = [math.dist(hub, pos[f"n{i}"]) for i in range(21, 40)]
    assert max(leaf_distances) < 100 < max(ring_distances)


def test_empty_and_single():
    assert force_layout([], []) == {}
    assert list(force_layout(["x"], [])) == ["x"]


def test_small_components_are_packed_next_to_the_main_one():
    nodes, edges = star_and_ring()
    islands = [(f"i{k}a", f"i{k}b") for k in range(5)]
    nodes += [n for pair in islands for n in pair]
    pos = force_layout(nodes, edges + islands, spacing=100)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    main_xs = [pos[n][0] for n in nodes[:40]]
    # the drawing is not stretched by the islands: at most about twice the main part
    assert max(xs) - min(xs) < 2.5 * (max(main_xs) - min(main_xs))
    assert max(ys) - min(ys) < 2.5 * (max(main_xs) - min(main_xs))
    for a, b in islands:
        assert math.dist(pos[a], pos[b]) == pytest.approx(100.0, abs=0.2)


@pytest.mark.parametrize("n", [1, 2, 255, 256, 257, 512, 600])
def test_repulsion_is_the_sum_over_all_pairs(n):
    from paperkg.view.layout import _repulsion

    rng = np.random.default_rng(n)
    pos = (rng.uniform(-1, 1, size=(n, 2)) * np.sqrt(n)).astype(np.float32)
    mass = (1 + rng.integers(0, 20, size=n)).astype(np.float32)
    products = np.multiply.outer(mass, mass)
    delta = pos[:, None, :].astype(np.float64) - pos[None, :, :]
    weight = products / ((delta ** 2).sum(axis=2) + 0.01)
    expected = (weight[:, :, None] * delta).sum(axis=1)  # the pair (i, i) adds nothing
    got = _repulsion(pos, products)
    assert got.shape == (n, 2) and got.dtype == np.float32
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-3 * (1 + np.abs(expected).max()))
