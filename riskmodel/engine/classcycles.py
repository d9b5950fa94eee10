"""Cycles solved exactly across destination classes (docs/model.md §1.3–1.4).

With destination classes (:mod:`riskmodel.engine.destinations`) a scenario's class
columns are coupled: the supply of node ``j`` to class ``d`` is ``Σ_e w_de P_j^e``, a sum
of the feasibilities of ``j``'s producers in every class ``e``, each the least of its
pieces over the inputs available to class ``e``. :func:`solve_classes` writes one
scenario's cyclic level as a level of the single-column form that
:func:`riskmodel.engine.cycles.solve_level` solves, with two kinds of unknown:

- a **feasibility** unknown ``P_j^e`` per (node, class): the node's own inputs, read in
  class ``e`` (an input outside the level is a constant of that class), with supply
  coefficients ``a = 1, b = 0`` and no stock: ``min(1, P)``, which is ``P``;
- an **availability** unknown ``A_j^d`` per (node, class): non-essential inputs from
  the ``P_j^e`` with cost shares ``w_de / W`` and ``a = W = Σ_e w_de``, so that
  ``a · (1 − Σ_e (w_de/W)(1 − P_j^e)) = Σ_e w_de P_j^e``, plus its stock.

Every piece stays affine with non-negative coefficients, so policy iteration from above
reaches the greatest fixed point of the coupled system as it does for one column
(:mod:`riskmodel.engine.cycles`).
"""

from __future__ import annotations

import numpy as np

from riskmodel.engine import settings
from riskmodel.engine.cycles import KIND_NON_ESSENTIAL, solve_level
from riskmodel.engine.plan import LevelPlan, Plan

__all__ = ["class_weights", "solve_classes"]


def class_weights(lv: LevelPlan, a: np.ndarray, entries: tuple[np.ndarray, ...],
                  cols: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``w[i, d, e]``: the weight of producers in class ``e`` in the supply of the level's
    ``i``-th node to class ``d``, for the class columns ``cols`` of one scenario.

    ``a`` is the total share ``M_j`` (on the base column); ``entries`` the level's
    withheld entries ``(node, col, dep, pcol)`` (class terms and cuts): each lowers the
    weight of its producers' column ``pcol`` in its column ``col``, and a class term
    (``dep < 0``) raises the class-0 weight by as much.
    """
    K = len(cols)
    w = np.zeros((len(lv.nodes), K, K))
    w[:, :, 0] = a[lv.nodes, cols[0] % a.shape[1]][:, None]
    node, col, dep, pcol = entries
    mine = (col >= cols[0]) & (col <= cols[-1])
    if mine.any():
        at = (pos[node[mine]], col[mine] - cols[0])
        np.subtract.at(w, (*at, pcol[mine] - cols[0]), dep[mine])
        term = dep[mine] < 0  # a class term α (P^e − P^0) also takes α from P^0
        np.add.at(w, (at[0][term], at[1][term], 0), dep[mine][term])
    return np.maximum(w, 0.0)


def solve_classes(plan: Plan, lv: LevelPlan, A: np.ndarray, P: np.ndarray,
                  cols: np.ndarray, w: np.ndarray, coef_of: np.ndarray,
                  stock: np.ndarray | None, life: np.ndarray) -> bool:
    """Solve the cyclic level ``lv`` of one scenario (its class columns ``cols``) exactly,
    updating ``A``; whether it settled (else ``A`` is lowered but still above the answer).

    ``P`` holds the level's feasibilities at ``A`` (rows: the level's nodes), where the
    solve starts; ``w`` is :func:`class_weights`; ``coef_of`` each input's covers or cost
    share in the kernels' input order (``Plan.e_edge``), of the scenario's numbers.
    """
    nodes = lv.nodes
    L, K = len(nodes), len(cols)
    at = np.full(plan.n, -1, dtype=np.int64)
    at[nodes] = np.arange(L)
    # expanded ids: A (i, d) = i·K + d; P (i, e) = L·K + i·K + e; then outside inputs
    lo, hi = plan.eptr[nodes], plan.eptr[nodes + 1]
    cnt = hi - lo
    edge = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    src = plan.e_src[edge]
    inside = at[src] >= 0
    out_src = np.unique(src[~inside])
    n_out = len(out_src)
    base = 2 * L * K
    ids_out = np.searchsorted(out_src, src)
    # P-node inputs, class by class: the same inputs, read in class e
    p_src, p_kind, p_coef, p_owner = [], [], [], []
    owner = np.repeat(np.arange(L), cnt)
    for e in range(K):
        p_src.append(np.where(inside, at[src] * K + e, base + ids_out * K + e))
        p_kind.append(plan.e_kind[edge])
        p_coef.append(coef_of[edge])
        p_owner.append(L * K + owner * K + e)
    # A-node inputs: the K feasibilities, non-essential with shares w_de / W
    W = w.sum(axis=2)                                     # (L, K)
    share = w / np.where(W > 0, W, 1.0)[:, :, None]       # (L, K, K)
    a_owner = np.repeat(np.arange(L * K), K)
    a_src = L * K + (np.arange(L)[:, None, None] * K + np.arange(K)[None, None, :]
                     + np.zeros((1, K, 1), dtype=np.int64)).ravel()
    owners = np.concatenate([*p_owner, a_owner])
    srcs = np.concatenate([*p_src, a_src])
    kinds = np.concatenate([*p_kind, np.full(L * K * K, KIND_NON_ESSENTIAL)])
    coefs = np.concatenate([*p_coef, share.ravel()])
    o = np.argsort(owners, kind="stable")
    total = base + n_out * K
    eptr = np.searchsorted(owners[o], np.arange(total + 1)).astype(np.int64)
    level = np.arange(base, dtype=np.int64)
    av = np.concatenate([W.ravel(), np.ones(L * K)])
    bv = np.zeros(base)
    st = np.zeros(base)
    if stock is not None:
        st[:L * K] = stock[np.ix_(nodes, cols)].ravel()
        # a capital node's users see its installed base, whatever its supply
        cap = (life[np.ix_(nodes, cols % life.shape[1])] > 0).ravel()
        av[:L * K][cap], bv[:L * K][cap], st[:L * K][cap] = 0.0, st[:L * K][cap], 0.0
    col = np.ones(total)
    col[:L * K] = A[np.ix_(nodes, cols)].ravel()
    col[L * K:base] = P[:, cols].ravel()  # where the sweeps left them
    col[base:] = A[np.ix_(out_src, cols)].ravel()
    ok = solve_level(level, np.full(total, -1, dtype=np.int64), eptr,
                     srcs[o].astype(np.int64), kinds[o].astype(np.int64),
                     coefs[o].astype(float), np.ascontiguousarray(av), bv, st, col,
                     settings.POLICY_ROUNDS, settings.DENSE_MAX)
    A[np.ix_(nodes, cols)] = np.minimum(A[np.ix_(nodes, cols)], col[:L * K].reshape(L, K))
    return bool(ok)
