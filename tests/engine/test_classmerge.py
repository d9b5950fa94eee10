"""The class terms merged with the cut entries in one pass, and unique unsorted pairs:
the same lists as a stable sort, and as np.unique, would give."""

from __future__ import annotations

import numpy as np
import pytest

from riskmodel.engine import CutSpec, classmerge
from riskmodel.engine.classmerge import merge_by_node
from riskmodel.engine.cuts import ramp_starts


def test_merge_matches_a_stable_sort_with_scenarios_of_different_widths() -> None:
    first = np.array([0, 2, 5, 6])  # widths 2, 3, 1
    cut = (np.array([0, 3, 3, 7]), np.array([0, 2, 4, 1]), np.array([0.5, 0.25, 0.125, 1.0]),
           np.array([1, 3, 2, 0]))
    named = (np.array([3, 3, 9]), np.array([1, 4, 3]), np.array([0, 1, 2]))
    share = np.array([[0.1], [0.2], [0.4]])
    node, col, amount, pcol = merge_by_node(cut, named, first, share)
    # by hand: node 0 cut; node 3: two cuts, then row 0 over columns 0-1, row 1 over 2-4
    assert node.tolist() == [0, 3, 3, 3, 3, 3, 3, 3, 7, 9, 9, 9]
    assert col.tolist() == [0, 2, 4, 0, 1, 2, 3, 4, 1, 2, 3, 4]
    assert amount.tolist() == [0.5, 0.25, 0.125, -0.1, -0.1, -0.2, -0.2, -0.2, 1.0,
                               -0.4, -0.4, -0.4]
    assert pcol.tolist() == [1, 3, 2, 1, 1, 4, 4, 4, 0, 3, 3, 3]


def test_merge_reads_one_share_per_class_column() -> None:
    first = np.array([0, 2])
    none = tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
    share = np.array([[0.1, 0.3]])  # the row's share differs by destination column
    node, col, amount, pcol = merge_by_node(none, (np.array([5]), np.array([1]),
                                                   np.array([0])), first, share)
    assert (node.tolist(), col.tolist(), amount.tolist(), pcol.tolist()) == (
        [5, 5], [0, 1], [-0.1, -0.3], [1, 1])


def test_unique_unsorted_pairs_read_as_np_unique_would() -> None:
    rows = [np.array([4, 7]), np.array([1, 4])]  # atom 1's rows come before atom 0's
    cuts = CutSpec(2, np.array([0, 1]), rows, np.ones(2), np.array([0.0, 3.0]),
                   np.full(2, np.inf))
    pair_row, pair_col, atom, inv, start = cuts.pairs()
    assert atom.tolist() == [0, 0, 1, 1]  # entries stay in atom order
    key = np.concatenate(rows) * 2 + np.repeat([0, 1], 2)
    uniq, want_inv = np.unique(key, return_inverse=True)
    assert pair_row.tolist() == (uniq // 2).tolist() == [1, 4, 4, 7]
    assert pair_col.tolist() == (uniq % 2).tolist() == [1, 0, 1, 0]
    assert inv.tolist() == want_inv.tolist()
    assert start.tolist() == ramp_starts(want_inv, np.repeat([0.0, 3.0], 2),
                                         np.full(4, np.inf), np.ones(4)).tolist()


def test_the_compiled_and_the_numpy_merge_give_the_same_lists(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    first = np.concatenate([[0], np.cumsum(rng.integers(1, 4, size=40))])
    width = int(first[-1])
    share = rng.uniform(0.0, 1.0, size=(30, width))
    cut = (np.sort(rng.integers(0, 50, size=200)), rng.integers(0, width, size=200),
           rng.uniform(0.0, 1.0, size=200), rng.integers(0, width, size=200))
    named = (np.sort(rng.integers(0, 50, size=120)), rng.integers(0, width, size=120),
             rng.integers(0, 30, size=120))
    for wide in (share, share[:, :1]):
        small = merge_by_node(cut, named, first, wide)  # below NUMBA_MIN: numpy
        monkeypatch.setattr(classmerge, "NUMBA_MIN", 0)
        compiled = merge_by_node(cut, named, first, wide)
        monkeypatch.undo()
        assert len(small[0]) > 200
        for a, b in zip(small, compiled, strict=True):
            assert a.tolist() == b.tolist()
