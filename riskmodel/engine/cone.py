"""Cone propagation: many scenarios that each disturb a small part of the chain.

When each column cuts a few nodes (the choke score cuts one node per column), most of
the ``(n, k)`` availability matrix stays at its undisturbed value, 1, and the column
block kernel of :mod:`riskmodel.engine.kernel` spends nearly all its time reading ones. This
kernel instead follows each column on its own, month by month, through the cone of
nodes its cuts reach: a node is evaluated only when it is cut, when one of its inputs
fell below 1 this month, or when its own stock has been drawn (its stock then differs
from the undisturbed one, so it is evaluated every month after). Nodes are taken level
by level from per-level buckets; a cyclic level is swept as a whole, from 1, and
solved exactly when a few sweeps do not settle it, as the column-block kernel does. The
equations are those of :mod:`riskmodel.engine`, taken from
:mod:`riskmodel.engine.equations` as compiled in :mod:`riskmodel.engine.kernel`.

Stocks are buffers in general: a ``capital`` node's installed base is held where a
stock is (undisturbed at 1, its users seeing it; see
:func:`~riskmodel.engine.equations.buffered` and :func:`~riskmodel.engine.equations.drawn`),
so a capital node whose supply fell is evaluated every month after, as a drawn stock is.
A node counts as disturbed when its availability is below ``1 − EPS`` or its buffer
below its undisturbed buffer by more than ``EPS``: rounding at the last bit (shares
that add up to 1 − 1e-16) does not spread through the whole cone, at an error of at
most ``EPS`` per node along a path.

A month that changes no buffer is followed by the same month while the cuts withhold
what they did (the same state and inputs give the same answers): its loss is copied
forward, so a column costs the months until its stocks and ramps settle, not the
horizon.

Work is counted (edges read plus nodes evaluated); a block that exceeds its share of
``cap`` stops and the kernel returns -2, so the caller can fall back to the column
block kernel when the cuts reach too far for this to pay.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from riskmodel.engine.cycles import solve_level
from riskmodel.engine.kernel import (
    KIND_NEW_GROUP,
    KIND_SAME_GROUP,
    buffered,
    drawn,
    feasibility,
    requirement,
)

EPS = 1e-14


@nb.njit(cache=True, nogil=True)
def _supply(j, t, cid, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0, ind0, cut_of,
            cut_at, c_dep, c_ind, val, stamp, tid, sp_of, sp_alpha, spared):
    """Supply ``a·P + b`` of node ``j`` in month ``t`` (less its cut, if column ``cid``
    cuts it); an input reads ``val`` if stamped this month, else its undisturbed
    availability 1. Where column ``cid`` spares node ``spared`` for some producers of
    ``j`` (``sp_of[j] == cid``, their share ``α = sp_alpha[j]``), those work with
    ``spared`` at 1 (:func:`propagate_cones`): ``(a − α)·F(P) + α·F(P′) + b``."""
    a = dep0[j, 0]
    b = ind0[j, 0]
    if cut_of[j] == cid:
        a -= c_dep[t, cut_at[j]]
        b -= c_ind[t, cut_at[j]]
    F = _feasible(j, eptr, e_src, e_edge, e_kind, covers, ne_share, val, stamp, tid, -1)
    if sp_of[j] != cid:
        return a * F + b
    alpha = sp_alpha[j]
    F1 = _feasible(j, eptr, e_src, e_edge, e_kind, covers, ne_share, val, stamp, tid, spared)
    return (a - alpha) * F + alpha * F1 + b


@nb.njit(cache=True, nogil=True, inline="always")
def _feasible(j, eptr, e_src, e_edge, e_kind, covers, ne_share, val, stamp, tid, whole):
    """Production feasibility of node ``j``: an input reads ``val`` if stamped this month,
    else 1; input ``whole`` (-1: none) reads 1 whatever its value."""
    P = 1.0
    g = 0.0
    ne = 0.0
    started = False
    for e in range(eptr[j], eptr[j + 1]):
        src = e_src[e]
        x = val[src] if stamp[src] == tid and src != whole else 1.0
        kind = e_kind[e]
        if kind == KIND_NEW_GROUP:
            if started:
                P = min(P, requirement(g))
            g = covers[e_edge[e], 0] * x
            started = True
        elif kind == KIND_SAME_GROUP:
            g += covers[e_edge[e], 0] * x
        else:
            ne += ne_share[e_edge[e], 0] * (1.0 - x)
    if started:
        P = min(P, requirement(g))
    return feasibility(P, ne)


@nb.njit(cache=True, nogil=True, inline="always")
def _push(j, tid, queued, nxt, head, node_level):
    """Queue node ``j`` in its level's bucket for month ``tid`` (once): its level, or -1
    if it was queued already."""
    if queued[j] == tid:
        return -1
    queued[j] = tid
    lv = node_level[j]
    nxt[j] = head[lv]
    head[lv] = j
    return lv


@nb.njit(cache=True, nogil=True, inline="always")
def _draw(j, v, s, st, cid, own, stk, touched, n_touched, inventory, life):
    """Draw node ``j``'s buffer ``st`` (a stock by what it supplied, ``v − s``; an
    installed base by its wear); a buffer that now differs from the undisturbed one
    (``inventory``) becomes the column's own (``touched``). Returns the number of touched
    nodes."""
    new = drawn(s, v, st, life[j, 0])
    if own[j] == cid or new < inventory[j, 0] - EPS:
        if own[j] != cid:
            own[j] = cid
            touched[n_touched] = j
            n_touched += 1
        stk[j] = new
    return n_touched


@nb.njit(cache=True, nogil=True, inline="always")
def _last_month(j, v, col, weight, reach, dead_ptr, dead_nodes, fill_dead, nd, tiny):
    """Record end-use node ``j`` (availability ``v`` < 1) in the last month: its weight
    into ``reach`` if it lost more than ``tiny``; itself among the dead if ``v ≤ tiny``
    (counted into ``dead_ptr[col + 1]``, or written after ``dead_ptr[col]`` when
    ``fill_dead``). Returns the column's dead written so far."""
    if 1.0 - v > tiny:
        reach[col] += weight[j, 0]
    if v <= tiny:
        if fill_dead:
            dead_nodes[dead_ptr[col] + nd] = j
        else:
            dead_ptr[col + 1] += 1
        nd += 1
    return nd


@nb.njit(cache=True, nogil=True)
def _columns(c0, c1, stride, months, order, level_ptr, level_cyclic, node_level, eptr,
             e_src, e_edge, e_kind, optr, o_dst, covers, ne_share, dep0, ind0, inventory, life,
             has_stock, cptr, c_node, c_dep, c_ind, weight, end_pos, loss, reach, dead_ptr,
             dead_nodes, fill_dead, tiny, tol, max_iter, cap, cycle_sweeps, rounds, dense_max,
             sp_node, sp_keep, sp_ptr, sp_succ, sp_share):
    """Columns ``c0, c0 + stride, ... < c1`` of :func:`propagate_cones`, each followed
    month by month through the nodes its cuts reach, level by level; returns -1, a
    cyclic level that did not converge, or -2 once the work exceeds ``cap``. A cyclic
    level not settled by ``cycle_sweeps`` sweeps is solved exactly (:func:`_exact`)."""
    # Longer than ~80 lines on purpose: this is the cone kernel's hot loop. Split into
    # inlined helpers (seeding, the cyclic sweep, one node's evaluation, queueing the
    # successors) it ran 30-50% slower with the node evaluation as a helper and still
    # about 4% slower without it (measured on a 10^4-node synthetic chain, 3,300
    # single-node cuts over 12 months, one thread), so it stays written out.
    n = len(node_level)
    n_levels = len(level_ptr) - 1
    val = np.ones(n)
    stamp = np.zeros(n, dtype=np.int64)      # month id when val was set
    queued = np.zeros(n, dtype=np.int64)     # month id when queued
    nxt = np.full(n, -1, dtype=np.int64)
    head = np.full(n_levels, -1, dtype=np.int64)
    stk = np.zeros(n)
    own = np.zeros(n, dtype=np.int64)        # column id + 1 when stk holds its stock
    cut_at = np.zeros(n, dtype=np.int64)
    cut_of = np.zeros(n, dtype=np.int64)     # column id + 1 when cut_at is valid
    touched = np.empty(n, dtype=np.int64)
    sp_of = np.zeros(n, dtype=np.int64)      # column id + 1 when sp_alpha is valid
    sp_alpha = np.zeros(n)
    work = 0
    for col in range(c0, c1, stride):
        cid = col + 1
        n_touched = 0
        nd = 0
        for q in range(cptr[col], cptr[col + 1]):
            cut_at[c_node[q]] = q
            cut_of[c_node[q]] = cid
        spared = sp_node[col]
        for q in range(sp_ptr[col], sp_ptr[col + 1]):
            sp_of[sp_succ[q]] = cid
            sp_alpha[sp_succ[q]] = sp_share[q]
        t = 0
        while t < months:
            tid = col * months + t + 1
            lo_level = n_levels
            hi_level = -1
            still = True  # no buffer has changed this month
            # seeds: nodes cut this month, and nodes whose stock has been drawn
            for i in range(cptr[col + 1] - cptr[col] + n_touched):
                q = cptr[col] + i
                if q < cptr[col + 1]:
                    if c_dep[t, q] == 0.0 and c_ind[t, q] == 0.0:
                        continue
                    j = c_node[q]
                else:
                    j = touched[q - cptr[col + 1]]
                lv = _push(j, tid, queued, nxt, head, node_level)
                if lv >= 0:
                    lo_level = min(lo_level, lv)
                    hi_level = max(hi_level, lv)
            lost = 0.0
            lv = lo_level
            while lv <= hi_level:
                if head[lv] < 0:
                    lv += 1
                    continue
                if level_cyclic[lv]:
                    # the whole level, swept from 1 to its greatest fixed point
                    head[lv] = -1
                    lo, hi = level_ptr[lv], level_ptr[lv + 1]
                    for i in range(lo, hi):
                        val[order[i]] = 1.0
                        stamp[order[i]] = tid
                    change = tol + 1.0
                    it = 0
                    while change > tol and it < max_iter:
                        if it == cycle_sweeps:
                            work += (eptr[order[hi - 1] + 1] - eptr[order[lo]]) * 4
                            if _exact(order[lo:hi], t, cid, eptr, e_src, e_edge, e_kind, covers,
                                      ne_share, dep0, ind0, cut_of, cut_at, c_dep, c_ind, val,
                                      stamp, tid, stk, own, inventory, has_stock, rounds,
                                      dense_max, sp_of):
                                change = 0.0
                                break
                        change = 0.0
                        for i in range(lo, hi):
                            j = order[i]
                            s = _supply(j, t, cid, eptr, e_src, e_edge, e_kind, covers,
                                        ne_share, dep0, ind0, cut_of, cut_at, c_dep, c_ind,
                                        val, stamp, tid, sp_of, sp_alpha, spared)
                            st = (stk[j] if own[j] == cid else inventory[j, 0]) \
                                if has_stock else 0.0
                            v = buffered(s, st, life[j, 0]) if has_stock else min(1.0, s)
                            change = max(change, abs(v - val[j]))
                            val[j] = v
                            work += eptr[j + 1] - eptr[j] + 1
                        it += 1
                    if change > tol:
                        return lv
                    i0, i1, whole = lo, hi, True
                else:
                    j = head[lv]
                    head[lv] = nxt[j]
                    s = _supply(j, t, cid, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0,
                                ind0, cut_of, cut_at, c_dep, c_ind, val, stamp, tid, sp_of,
                                sp_alpha, spared)
                    work += eptr[j + 1] - eptr[j] + 1
                    st = (stk[j] if own[j] == cid else inventory[j, 0]) if has_stock else 0.0
                    v = buffered(s, st, life[j, 0]) if has_stock else min(1.0, s)
                    if v < 1.0 - EPS:
                        val[j] = v
                        stamp[j] = tid
                    i0, i1, whole = 0, 1, False
                # the nodes just settled (the cyclic level, or node j): stocks, end-use
                # loss, and the successors of those now below 1
                for i in range(i0, i1):
                    if whole:
                        j = order[i]
                        v = val[j]
                        if has_stock:  # drawn from the level's final availabilities
                            s = _supply(j, t, cid, eptr, e_src, e_edge, e_kind, covers,
                                        ne_share, dep0, ind0, cut_of, cut_at, c_dep, c_ind,
                                        val, stamp, tid, sp_of, sp_alpha, spared)
                    if has_stock:
                        st = stk[j] if own[j] == cid else inventory[j, 0]
                        n_touched = _draw(j, v, s, st, cid, own, stk, touched, n_touched,
                                          inventory, life)
                        if still and (stk[j] if own[j] == cid else inventory[j, 0]) != st:
                            still = False
                    if v >= 1.0 - EPS:
                        continue
                    if end_pos[j] >= 0:
                        lost += weight[j, 0] * (1.0 - v) * (sp_keep[col] if j == spared
                                                            else 1.0)
                        if t == months - 1:
                            nd = _last_month(j, v, col, weight, reach, dead_ptr, dead_nodes,
                                             fill_dead, nd, tiny)
                    for e in range(optr[j], optr[j + 1]):
                        d = o_dst[e]
                        if node_level[d] != lv:
                            hi_level = max(hi_level,
                                           _push(d, tid, queued, nxt, head, node_level))
                if whole:
                    lv += 1
            loss[t, col] = lost
            if work > cap:
                return -2
            # a month that changed no buffer is the next one too while the cuts stay as
            # they were (the same state, the same inputs): its loss is copied, up to the
            # last month, which is computed for its reach and stopped end uses
            t += 1
            while still and t < months - 1 and _same_cuts(t, cptr[col], cptr[col + 1],
                                                          c_dep, c_ind):
                loss[t, col] = lost
                t += 1
    return -1


@nb.njit(cache=True, nogil=True, inline="always")
def _same_cuts(t, lo, hi, c_dep, c_ind):
    """Whether cut entries ``lo:hi`` withhold in month ``t`` what they did in ``t − 1``."""
    for q in range(lo, hi):
        if c_dep[t, q] != c_dep[t - 1, q] or c_ind[t, q] != c_ind[t - 1, q]:
            return False
    return True


@nb.njit(cache=True, nogil=True)
def _exact(nodes, t, cid, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0, ind0, cut_of,
           cut_at, c_dep, c_ind, val, stamp, tid, stk, own, inventory, has_stock, rounds,
           dense_max, sp_of):
    """Solve the cyclic level ``nodes`` of column ``cid`` in month ``t`` exactly
    (:func:`riskmodel.engine.cycles.solve_level`); whether it did. The level's inputs
    not disturbed this month are stamped with their availability, 1, first. A level
    with producers spared (``sp_of``) is not affine in one feasibility: not solved here
    (the sweeps go on)."""
    s = len(nodes)
    for i in range(s):
        if sp_of[nodes[i]] == cid:
            return False
    av = np.empty(s)
    bv = np.empty(s)
    st = np.zeros(s)
    coef = np.zeros(len(e_src))
    for i in range(s):
        j = nodes[i]
        av[i] = dep0[j, 0]
        bv[i] = ind0[j, 0]
        if cut_of[j] == cid:
            av[i] -= c_dep[t, cut_at[j]]
            bv[i] -= c_ind[t, cut_at[j]]
        if has_stock:
            st[i] = stk[j] if own[j] == cid else inventory[j, 0]
        for e in range(eptr[j], eptr[j + 1]):
            if stamp[e_src[e]] != tid:
                val[e_src[e]] = 1.0
                stamp[e_src[e]] = tid
            coef[e] = ne_share[e_edge[e], 0] if e_kind[e] == 2 else covers[e_edge[e], 0]
    return solve_level(nodes, np.full(len(val), -1, dtype=np.int64), eptr, e_src, e_kind,
                       coef, av, bv, st, val, rounds, dense_max)


@nb.njit(cache=True, nogil=True, parallel=True)
def propagate_cones(months, order, level_ptr, level_cyclic, node_level, eptr, e_src, e_edge,
                    e_kind, optr, o_dst, covers, ne_share, dep0, ind0, inventory, life, has_stock,
                    cptr, c_node, c_dep, c_ind, weight, end_pos, loss, reach, dead_ptr,
                    dead_nodes, fill_dead, tiny, tol, max_iter, cap, blocks, cycle_sweeps,
                    rounds, dense_max, sp_node, sp_keep, sp_ptr, sp_succ, sp_share):
    """End-use loss ``(months, k)`` of ``k`` columns, each cutting the nodes
    ``c_node[cptr[col]:cptr[col+1]]`` by ``c_dep``/``c_ind`` ``(months, ·)`` (withheld
    dependent and independent shares), with buffers starting at ``inventory`` (a stock,
    or 1 for a capital node's base) and ``life`` the service lives (0: not capital). In
    the last month, ``reach`` gets the weight of the end-use nodes (``end_pos`` ≥ 0)
    that lost more than ``tiny``, and the dead ones (availability ≤ ``tiny``) are
    counted, or listed (see :func:`_last_month`).

    Column ``col`` may spare node ``sp_node[col]`` (-1: none) for some producers: a stop
    of it to all destinations but one key's producers, who see it uncut (docs/model.md
    §1.3). Where that node is on no cycle, every other node's supply is the same to
    every destination, so one availability per node still holds but for the node
    itself, which the spared producers see at 1: at its direct successors
    ``sp_succ[sp_ptr[col]:sp_ptr[col + 1]]`` the share ``sp_share`` of those producers
    works with it at 1 (:func:`_supply`), and its own end-use weight counts
    ``sp_keep[col]`` of its loss (the share the focal market reads from the others).
    Returns -1; a cyclic level that did not converge; or -2 when the work exceeded
    ``cap``."""
    k = len(cptr) - 1
    nb_ = max(1, min(blocks, k))
    status = np.full(nb_, -1, dtype=np.int64)
    share = cap // nb_ + 1
    # interleaved columns: callers sort them by level, and cones shrink downstream
    for blk in nb.prange(nb_):
        if blk < k:
            status[blk] = _columns(blk, k, nb_, months, order, level_ptr, level_cyclic, node_level,
                                   eptr, e_src, e_edge, e_kind, optr, o_dst, covers, ne_share,
                                   dep0, ind0, inventory, life, has_stock, cptr, c_node, c_dep,
                                   c_ind, weight, end_pos, loss, reach, dead_ptr, dead_nodes,
                                   fill_dead, tiny, tol, max_iter, share, cycle_sweeps,
                                   rounds, dense_max, sp_node, sp_keep, sp_ptr, sp_succ,
                                   sp_share)
    for blk in range(nb_):
        if status[blk] == -2:
            return -2
    for blk in range(nb_):
        if status[blk] >= 0:
            return status[blk]
    return -1


@nb.njit(cache=True, nogil=True)
def reach_bound(order, level_ptr, level_cyclic, in_ptr, in_src, weight, cyclic):
    """``(R, amplifies)`` per node, levels taken from the last: ``R`` is
    ``min(1, own weight + Σ successors' R)`` (1 on a cyclic level whose nodes feed
    anything) and ``amplifies`` whether a cycle lies at or below the node. Linear in
    the chain's size, however deep it is."""
    n = len(weight)
    R = np.zeros(n)
    acc = np.zeros(n)
    amp = cyclic.copy()
    amp_acc = np.zeros(n, dtype=np.bool_)
    for L in range(len(level_ptr) - 2, -1, -1):
        lo, hi = level_ptr[L], level_ptr[L + 1]
        for i in range(lo, hi):
            j = order[i]
            r = min(1.0, weight[j] + acc[j])
            if level_cyclic[L] and acc[j] > 0:
                r = 1.0
            R[j] = r
            amp[j] = amp[j] or amp_acc[j]
        for i in range(lo, hi):
            j = order[i]
            for e in range(in_ptr[j], in_ptr[j + 1]):
                s = in_src[e]
                acc[s] += R[j]
                if amp[j]:
                    amp_acc[s] = True
    return R, amp
