"""The destination-class terms of a scenario batch, built in one pass
(:func:`spread_terms`), and their merge with the batch's cut entries
(:func:`merge_by_node`, for :meth:`riskmodel.engine.destinations.Expansion.withheld`):
both lists are node-sorted, and a node's cut entries go before its class terms, as a
stable sort by node of the two lists one after the other would put them, without sorting.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["merge_by_node", "spread_terms"]


@nb.njit(cache=True, nogil=True)
def _merge(wn, wc, wd, wp, tn, tc, td, tp, on, oc, od, op):  # pragma: no cover - numba
    i = 0
    j = 0
    for o in range(len(on)):
        if j >= len(tn) or (i < len(wn) and wn[i] <= tn[j]):
            on[o], oc[o], od[o], op[o] = wn[i], wc[i], wd[i], wp[i]
            i += 1
        else:
            on[o], oc[o], od[o], op[o] = tn[j], tc[j], td[j], tp[j]
            j += 1


def merge_by_node(first: tuple[np.ndarray, ...], then: tuple[np.ndarray, ...]
                  ) -> tuple[np.ndarray, ...]:
    """``(node, col, amount, pcol)`` of two node-sorted lists merged by node, a node's
    entries of ``first`` before those of ``then``, each list in its own order.

    Examples
    --------
    >>> import numpy as np
    >>> a = (np.array([0, 2]), np.array([0, 0]), np.array([0.5, 0.25]), np.array([1, 1]))
    >>> b = (np.array([2, 3]), np.array([1, 1]), np.array([-0.5, -0.5]), np.array([0, 0]))
    >>> node, col, amount, pcol = merge_by_node(a, b)
    >>> node.tolist(), amount.tolist()
    ([0, 2, 2, 3], [0.5, 0.25, -0.5, -0.5])
    """
    m = len(first[0]) + len(then[0])
    out = (np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64), np.empty(m),
           np.empty(m, dtype=np.int64))
    ints = [np.ascontiguousarray(x, dtype=np.int64) for x in (*first[:2], first[3],
                                                              *then[:2], then[3])]
    _merge(ints[0], ints[1], np.ascontiguousarray(first[2], dtype=float), ints[2],
           ints[3], ints[4], np.ascontiguousarray(then[2], dtype=float), ints[5], *out)
    return out


@nb.njit(cache=True, nogil=True)
def _spread(o, node, col, row, first, scen, share, on, oc, oa, op):  # pragma: no cover
    wide = share.shape[1] > 1
    pos = 0
    for i in o:
        c = col[i]
        f = first[scen[c]]
        for d in range(f, first[scen[c] + 1]):
            on[pos] = node[i]
            oc[pos] = d
            oa[pos] = -share[row[i], d if wide else 0]
            op[pos] = c
            pos += 1


def spread_terms(order: np.ndarray, node: np.ndarray, col: np.ndarray, row: np.ndarray,
                 first: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(node, col, amount, pcol)``: each named supplier row ``row`` (of node ``node``,
    producers' class column ``col``), taken in ``order``, spread over every class column
    of its scenario (``first`` as :attr:`~riskmodel.engine.destinations.Expansion.first`)
    with the amount ``−share`` of that column (``share``: one column or one per class
    column), at the producers' column ``col``.

    Examples
    --------
    >>> import numpy as np
    >>> first = np.array([0, 2, 3])  # scenario 0: class columns 0-1; scenario 1: column 2
    >>> node, col, amount, pcol = spread_terms(
    ...     np.array([0]), np.array([4]), np.array([1]), np.array([0]), first,
    ...     np.array([[0.25]]))
    >>> node.tolist(), col.tolist(), amount.tolist(), pcol.tolist()
    ([4, 4], [0, 1], [-0.25, -0.25], [1, 1])
    """
    scen = np.repeat(np.arange(len(first) - 1), np.diff(first))
    width = np.diff(first)[scen[col]] if len(col) else np.zeros(0, dtype=np.int64)
    m = int(width.sum())
    out = (np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64), np.empty(m),
           np.empty(m, dtype=np.int64))
    _spread(np.ascontiguousarray(order, dtype=np.int64),
            *(np.ascontiguousarray(x, dtype=np.int64) for x in (node, col, row, first, scen)),
            np.ascontiguousarray(share, dtype=float), *out)
    return out
