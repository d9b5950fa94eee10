"""Which stops to all destinations the cone kernel can run (docs/model.md §1.3, §2.3).

A choke cut stops a node's supply by its dominant key to all destinations but the key
itself (and, for a group, its members). That spares the key's own producers, which in
general needs one column per destination class (:mod:`riskmodel.engine.destinations`),
on the column-block kernel. Without a cut elsewhere that spares some destination, only
the cut node differs between the classes, so the cone kernel, one availability per
node, runs such a stop exactly: as a lost supply where the key makes no direct
successor (:func:`spared_nowhere`), else as a lost supply with the key's producers of
the successors seeing the node uncut (:func:`spared_producers`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from riskmodel import engine
from riskmodel.engine import Params
from riskmodel.engine.cones import Spared
from riskmodel.model import Compiled

__all__ = ["members", "spared_nowhere", "spared_producers"]


def members(c: Compiled, expand: sparse.csr_matrix, key: str) -> list[int]:
    """The supplier-key indices a cut by ``key`` withholds the rows of (itself and, for a
    group, its members, as :func:`~riskmodel.scoring.cuts.expansion` says; none for a
    key that only controls).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring.cuts import expansion
    >>> bike = rm.load("bicycle")
    >>> members(bike.compiled, expansion(bike), "JP")
    [4]
    """
    if key not in c.countries:
        return []
    i = c.countries.index(key)
    return expand.indices[expand.indptr[i]:expand.indptr[i + 1]].tolist()


def spared_nowhere(c: Compiled, nodes: np.ndarray, countries: Sequence[str | None],
                   expand: sparse.csr_matrix, *, strict: bool = False) -> np.ndarray:
    """Per column, whether a stop of ``nodes[i]`` by ``countries[i]`` to all destinations
    costs exactly what a lost supply (``to: world``) costs.

    Without a cut elsewhere that spares some destination, only the node itself differs
    between destination classes (every other node's supply to a class is the same sum
    over its producers), so the key's class matters only through its own producers of
    the node's direct successors (they see the node uncut) and, in a global view,
    through the node itself where it is an end use the key makes. So the stop equals a
    lost supply where the key (with a group's members) makes no direct successor of the
    node, the world draws on the focal market's shares, and, in a global view, the node
    is not an end use the key makes. With ``strict`` (restrictions in force that spare
    some destination, whose classes differ below the node too), the key must make
    nothing at all strictly below the node, with no cycle at or below it (which the
    reach bound cannot see through).

    Examples
    --------
    >>> import numpy as np
    >>> import riskmodel as rm
    >>> from riskmodel.scoring.cuts import expansion, spared_nowhere
    >>> bike = rm.load("bicycle")
    >>> c = bike.compiled
    >>> j = np.array([c.index.get_loc("drivetrain")])
    >>> spared_nowhere(c, j, ["JP"], expansion(bike)).tolist()
    [True]
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    out = np.zeros(len(nodes), dtype=bool)
    if c.world is not None and c.home is not None:
        return out  # the home is a class of its own anyway
    row_node = np.repeat(np.arange(c.n), np.diff(c.supply.indptr))
    made = np.asarray(c.supply.data, dtype=float) > 0
    src, dst = c.in_src, c.in_dst
    for x in sorted({x for x in countries if x is not None}):
        cols = np.flatnonzero(np.array([y == x for y in countries], dtype=bool))
        by_x = np.zeros(c.n)
        by_x[row_node[made & np.isin(c.supply.indices, members(c, expand, x))]] = 1e-9
        below = np.zeros(c.n, dtype=bool)
        j = nodes[cols]
        if strict:
            R, amp = engine.reach_bound(c, by_x)
            below[src[R[dst] > 0]] = True
            ok = ~below[j] & ~amp[j] & ~c.cyclic[j]
        else:
            below[src[by_x[dst] > 0]] = True
            ok = ~below[j]
        if c.home is None:
            ok &= ~(c.end_use[j] & (by_x[j] > 0))
        out[cols] = ok
    return out


def spared_producers(c: Compiled, p: Params, nodes: np.ndarray,
                     countries: Sequence[str | None], expand: sparse.csr_matrix
                     ) -> tuple[np.ndarray, Spared]:
    """Per column, whether a stop of ``nodes[i]`` by ``countries[i]`` to all destinations
    runs on the cone kernel as a lost supply with the key's producers sparing it, and
    those producers (:class:`~riskmodel.engine.cones.Spared`, for the columns it holds).

    Without a cut elsewhere that spares some destination, every node but the cut one
    has the same supply to every destination class, so one availability per node holds
    but for the cut node, which the key's class sees uncut (at 1, where it lies on no
    cycle: its inputs are undisturbed). The key's producers of its direct successors
    work with it at 1, and the focal market reads the node itself from the class it
    belongs to (:func:`spared_nowhere` is the case where the key makes no successor and
    the node's reading is the lost supply's). It holds where the world draws on the
    focal market's shares (one set of shares for every class), one column of numbers
    is given, and neither the node nor a successor the key makes lies on a cyclic level
    (there the exact cycle solution takes one feasibility per node).

    Examples
    --------
    >>> import numpy as np
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> from riskmodel.scoring.cuts import expansion, spared_producers
    >>> bike = rm.load("bicycle")
    >>> c = bike.compiled
    >>> p = engine.params_from_compiled(c)
    >>> j = np.array([c.index.get_loc("drivetrain")])
    >>> ok, spared = spared_producers(c, p, j, ["JP"], expansion(bike))
    >>> ok.tolist(), spared.node.tolist() == j.tolist(), spared.succ.tolist()  # no successor
    ([True], True, [])
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    k = len(nodes)
    ok = np.zeros(k, dtype=bool)
    single = max(p.row_share.shape[1], p.dep0.shape[1], p.ind0.shape[1]) == 1
    if (c.world is not None and c.home is not None) or not single or not k:
        return ok, Spared.none(k)
    plan = engine.plan_for(c)
    lv_cyclic = plan.level_cyclic[plan.node_level]
    row_node = np.repeat(np.arange(c.n), np.diff(c.supply.indptr))
    home = c.countries.index(c.home) if c.home in c.countries else -1
    keep = np.ones(k)
    pairs_col, pairs_succ, pairs_share = [], [], []
    for x in sorted({x for x in countries if x is not None}):
        cols = np.flatnonzero(np.array([y == x for y in countries], dtype=bool))
        mem = members(c, expand, x)
        mine = np.isin(p.row_country, mem)
        made = np.bincount(row_node[mine], weights=p.row_share[mine, 0], minlength=c.n)
        j = nodes[cols]
        cnt = plan.optr[j + 1] - plan.optr[j]
        col_e = np.repeat(cols, cnt)
        succ = plan.o_dst[np.repeat(plan.optr[j] - np.cumsum(cnt) + cnt, cnt)
                          + np.arange(int(cnt.sum()))]
        key = np.unique(col_e.astype(np.int64) * c.n + succ)
        col_e, succ = key // c.n, key % c.n
        hit = made[succ] > 0
        col_e, succ = col_e[hit], succ[hit]
        bad = np.zeros(k, dtype=bool)
        bad[col_e[lv_cyclic[succ]]] = True
        ok[cols] = ~lv_cyclic[j] & ~bad[cols]
        pairs_col.append(col_e)
        pairs_succ.append(succ)
        pairs_share.append(made[succ])
        if c.home is None:
            total = p.dep0[j, 0] + p.ind0[j, 0]
            keep[cols] = 1.0 - made[j] / np.where(total > 0, total, 1.0)
        elif home in mem:
            keep[cols] = 0.0
    col_e = np.concatenate([np.zeros(0, dtype=np.int64), *pairs_col])
    succ = np.concatenate([np.zeros(0, dtype=np.int64), *pairs_succ])
    share = np.concatenate([np.zeros(0), *pairs_share])
    o = np.argsort(col_e, kind="stable")
    col_e, succ, share = col_e[o], succ[o], share[o]
    on = ok[col_e]
    col_e, succ, share = col_e[on], succ[on], share[on]
    ptr = np.searchsorted(col_e, np.arange(k + 1)).astype(np.int64)
    return ok, Spared(np.where(ok, nodes, -1), np.where(ok, keep, 1.0), ptr, succ, share)
