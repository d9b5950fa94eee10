"""The destination-class terms of a scenario batch, built and merged with the batch's
cut entries in one pass (:func:`merge_by_node`, for
:meth:`riskmodel.engine.destinations.Expansion.withheld`): both lists are node-sorted,
and a node's cut entries go before its class terms, as a stable sort by node of the two
lists one after the other would put them, without sorting.

The column-block kernel reads the class terms from tables instead
(:meth:`~riskmodel.engine.destinations.Expansion.split`); the merged list serves the
numpy backend (small work, and chains with cycles). Below :data:`NUMBA_MIN` entries it
is a stable sort in numpy, so that a small chain compiles nothing here.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["NUMBA_MIN", "merge_by_node"]

#: Entries from which the merge runs compiled: below, a stable sort in numpy is as
#: quick, and a small chain (the numpy backend's) pays no compilation.
NUMBA_MIN = 50_000


@nb.njit(cache=True, nogil=True)
def _merge(wn, wc, wd, wp, tn, tcol, trow, first, scen, share, on, oc, od, op
           ):  # pragma: no cover - numba
    wide = share.shape[1] > 1
    i = 0
    j = 0
    o = 0
    while o < len(on):
        if j >= len(tn) or (i < len(wn) and wn[i] <= tn[j]):
            on[o], oc[o], od[o], op[o] = wn[i], wc[i], wd[i], wp[i]
            i += 1
            o += 1
        else:
            c = tcol[j]
            for d in range(first[scen[c]], first[scen[c] + 1]):
                on[o], oc[o], od[o], op[o] = tn[j], d, -share[trow[j], d if wide else 0], c
                o += 1
            j += 1


def merge_by_node(cut: tuple[np.ndarray, ...], named: tuple[np.ndarray, ...],
                  first: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(node, col, amount, pcol)`` of the cut entries ``cut`` (node, column, amount,
    producers' column; node-sorted) and the class terms of the named supplier rows
    ``named`` (node, producers' class column, row; node-sorted), merged by node, a
    node's cut entries first, each list in its own order.

    Each named row spreads over every class column of its scenario (``first`` as
    ``Expansion.first``) with the amount ``−share``
    of that column (``share``: one column or one per class column), at the producers'
    column.

    Examples
    --------
    >>> import numpy as np
    >>> first = np.array([0, 2, 3])  # scenario 0: class columns 0-1; scenario 1: column 2
    >>> cut = (np.array([0, 4]), np.array([1, 0]), np.array([0.5, 0.25]), np.array([0, 1]))
    >>> named = (np.array([4]), np.array([1]), np.array([0]))  # row 0 of node 4, class 1
    >>> node, col, amount, pcol = merge_by_node(cut, named, first, np.array([[0.75]]))
    >>> node.tolist(), col.tolist(), amount.tolist(), pcol.tolist()
    ([0, 4, 4, 4], [1, 0, 0, 1], [0.5, 0.25, -0.75, -0.75], [0, 1, 1, 1])
    """
    scen = np.repeat(np.arange(len(first) - 1), np.diff(first))
    width = np.diff(first)[scen[named[1]]] if len(named[1]) else np.zeros(0, dtype=np.int64)
    m = len(cut[0]) + int(width.sum())
    if m < NUMBA_MIN:
        return _merge_numpy(cut, named, first, share, scen, width)
    out = (np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64), np.empty(m),
           np.empty(m, dtype=np.int64))
    ints = [np.ascontiguousarray(x, dtype=np.int64) for x in (*cut[:2], cut[3], *named,
                                                              first, scen)]
    _merge(ints[0], ints[1], np.ascontiguousarray(cut[2], dtype=float), *ints[2:],
           np.ascontiguousarray(share, dtype=float), *out)
    return out


def _merge_numpy(cut: tuple[np.ndarray, ...], named: tuple[np.ndarray, ...],
                 first: np.ndarray, share: np.ndarray, scen: np.ndarray, width: np.ndarray
                 ) -> tuple[np.ndarray, ...]:
    """:func:`merge_by_node` by a stable sort of the cut entries then the spread class
    terms (the same lists, in the same order)."""
    tn, tcol, trow = (np.asarray(x, dtype=np.int64) for x in named)
    term = np.repeat(np.arange(len(tn)), width)
    # each term's class columns: its scenario's first column onwards
    d = first[scen[tcol[term]]] + np.arange(len(term)) - np.repeat(np.cumsum(width) - width,
                                                                  width)
    amount = -share[trow[term], d if share.shape[1] > 1 else 0]
    node = np.concatenate([np.asarray(cut[0], dtype=np.int64), tn[term]])
    o = np.argsort(node, kind="stable")
    return (node[o], np.concatenate([np.asarray(cut[1], dtype=np.int64), d])[o],
            np.concatenate([np.asarray(cut[2], dtype=float), amount])[o],
            np.concatenate([np.asarray(cut[3], dtype=np.int64), tcol[term]])[o])
