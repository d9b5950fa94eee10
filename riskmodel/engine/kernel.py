"""The engine's inner loop compiled with numba (used for large work; see
:data:`riskmodel.engine.settings.BACKEND`). The equations are those of
:mod:`riskmodel.engine`; the ramp, net fraction, groups and feasibility are the
functions of :mod:`riskmodel.engine.equations`, compiled here once for every kernel.

One call propagates availability through every level for ``k`` columns. Columns are
independent scenarios, so they are split into blocks that run in parallel, one thread
per block, as many blocks as the work pays for (one runs on the calling thread:
:func:`propagate_serial`); within a block, per node, the inputs are walked once, sorted
as: essential requirement groups (by group), then non-essential inputs; the column loop is innermost
so that rows of ``A`` are read contiguously. Cut adjustments come as (node-sorted)
pairs rather than dense matrices, and cuts of everything a country supplies as a small
table over (country, column): each node looks up its own supplier rows there, so such a
cut costs nothing per row it touches before the kernel runs.

A cyclic level is swept in place (Gauss–Seidel, its nodes inputs first as far as its
cycles allow: :func:`riskmodel.engine.cycles.sweep_order`) from availability 1 until
nothing moves by more than ``tol``: from above this reaches the greatest fixed point, as the
reference's Jacobi sweeps do; one that ``cycle_sweeps`` sweeps do not settle is solved
exactly, column by column (:func:`riskmodel.engine.cycles.solve_level`). With a buffer,
availability is :func:`~riskmodel.engine.equations.buffered` (a stock tops supply up; a
``capital`` node's users see its installed base); when ``update_stock`` is set, each
buffer is :func:`~riskmodel.engine.equations.drawn` once the node's availability is
final (a stock by what it supplied, ``A − S``; an installed base by its wear).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from riskmodel.engine import equations
from riskmodel.engine.cycles import KIND_NEW_GROUP, KIND_SAME_GROUP, solve_level
from riskmodel.engine.equations import RAMP_BY_MONTH

# The shared equations, compiled once for this kernel and the cone kernel (inlined
# where called, so that they cost what the same lines written out would).
ramp = nb.njit(nogil=True, inline="always")(equations.ramp)
net_fraction = nb.njit(nogil=True, inline="always")(equations.net_fraction)
requirement = nb.njit(nogil=True, inline="always")(equations.requirement)
feasibility = nb.njit(nogil=True, inline="always")(equations.feasibility)
buffered = nb.njit(nogil=True, inline="always")(equations.buffered)
drawn = nb.njit(nogil=True, inline="always")(equations.drawn)


@nb.njit(cache=True, nogil=True, inline="always")
def _coeffs(j, c0, w, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, P, table, classes,
            t, fixed_ramp, a, b):
    """``a`` and ``b`` of node ``j`` (supply ``a·P[base] + b``) for columns ``c0:c0+w``.

    Pairs give withheld shares directly: a pair on its column's base column lowers
    ``a``; a pair on another producers' column (destination classes, see
    :mod:`riskmodel.engine.destinations`) lowers ``b`` by its share times their
    feasibility ``P`` (1 for a column past ``w``: no cut reaches the node there), or,
    for a class term (a negative share), by its share times the difference of that
    feasibility from the base column's.
    The country table gives, per (country, column), the atoms of which each supplier
    row of ``j`` in that country loses the net fraction ``max f·(1 − s·ρ)``, with
    ``ρ = fixed_ramp``, or by month ``t`` when that is ``RAMP_BY_MONTH``: each atom in
    force (from ``cstart`` to ``cend``) ramps from ``cramp``, the merged start of its
    (country, column) (as :meth:`riskmodel.engine.cuts.CutSpec.net`).

    With destination classes, ``classes`` says which class each supplier row's
    producers fall in, per scenario
    (:attr:`~riskmodel.engine.destinations.Expansion.kernel_classes`): a row of a class
    ``e ≥ 1`` adds its class term ``α (P[base + e] − P[base])`` to every class column of
    the scenario, and a table cut of it withholds its share times ``P[base + e]`` (a row
    of class 0 lowers ``a``), so that the class columns read the table as one class
    does, with no entry per row."""
    kd = dep0.shape[1] > 1
    for x in range(w):
        c = c0 + x
        a[x] = dep0[j, c if kd else 0]
        b[x] = ind0[j, c if kd else 0]
    for q in range(pptr[j], pptr[j + 1]):
        c = p_col[q]
        if c0 <= c < c0 + w:
            pc = p_pcol[q]
            if pc == base[c]:
                a[c - c0] -= p_dep[q]
            else:
                f = P[pc - c0] if c0 <= pc < c0 + w else 1.0
                if p_dep[q] < 0:  # a class term: −α (P[pc] − P[base])
                    b[c - c0] -= p_dep[q] * (f - P[base[c] - c0])
                else:
                    b[c - c0] -= p_dep[q] * f
            b[c - c0] -= p_ind[q]
    _table_coeffs(j, c0, w, base, P, table, classes, t, fixed_ramp, a, b)


@nb.njit(cache=True, nogil=True, inline="always")
def _table_coeffs(j, c0, w, base, P, table, classes, t, fixed_ramp, a, b):
    """What the country ``table`` withholds from node ``j``, and its class terms, into
    ``a`` and ``b`` (see :func:`_coeffs`)."""
    kt, cptr, ccol, cfrac, cstart, cend, cramp, sptr, s_country, row_share, subst, lead = table
    if kt == 0:
        return
    nk, scen, r_named, cls_tab, first, nptr, n_scen, n_cls = classes
    kr = row_share.shape[1] > 1
    ks = subst.shape[1] > 1
    kl = lead.shape[1] > 1
    hi_c = c0 + w
    for r in range(sptr[j], sptr[j + 1]):
        cs = s_country[r]
        ns = r_named[r] if nk > 0 else -1
        if ns >= 0:
            # the class terms α (P[base + e] − P[base]) of the scenarios in which this
            # row's producers are of a class e ≥ 1 (sorted by scenario)
            for q in range(nptr[ns], nptr[ns + 1]):
                f0 = first[n_scen[q]]
                if f0 < c0:
                    continue
                if f0 >= hi_c:
                    break
                dp = P[f0 + n_cls[q] - c0] - P[f0 - c0]
                for d in range(f0, min(first[n_scen[q] + 1], hi_c)):
                    b[d - c0] += row_share[r, d if kr else 0] * dp
        if cs < 0:
            continue  # no column cuts all of this row's country
        cb = cs * kt
        q = cptr[cb + c0]
        q_end = cptr[cb + hi_c]
        while q < q_end:  # the columns in which this country's table atoms cut
            c = ccol[q]
            q_next = cptr[cb + c + 1]
            sj = subst[j, c if ks else 0]
            lj = lead[j, c if kl else 0]
            xq = 0.0
            for u in range(q, q_next):
                if fixed_ramp != RAMP_BY_MONTH:
                    rho = fixed_ramp
                elif cstart[u] <= t < cend[u]:
                    rho = ramp(t - cramp[u], lj)
                else:
                    continue
                v = net_fraction(cfrac[u], sj, rho)
                if v > xq:
                    xq = v
            q = q_next
            amt = row_share[r, c if kr else 0] * xq
            pc = base[c] + (cls_tab[ns * nk + scen[c]] if ns >= 0 else 0)
            if pc != base[c]:  # withheld from producers of another class
                b[c - c0] -= amt * P[pc - c0]
            else:
                a[c - c0] -= amt


@nb.njit(cache=True, nogil=True, inline="always")
def _feasible(j, c0, w, eptr, e_src, e_edge, e_kind, covers, ne_share, A, P, g, ne):
    """Production feasibility of node ``j`` for columns ``c0:c0+w`` into ``P``
    (:func:`~riskmodel.engine.equations.feasibility` of the groups' minimum and the
    non-essential loss)."""
    kc = covers.shape[1] > 1
    ks = ne_share.shape[1] > 1
    for x in range(w):
        P[x] = 1.0
        ne[x] = 0.0
    started = False
    for e in range(eptr[j], eptr[j + 1]):
        src = e_src[e]
        ed = e_edge[e]
        kind = e_kind[e]
        if kind == KIND_NEW_GROUP:
            if started:
                for x in range(w):
                    gc = requirement(g[x])
                    if gc < P[x]:
                        P[x] = gc
            for x in range(w):
                c = c0 + x
                g[x] = covers[ed, c if kc else 0] * A[src, c]
            started = True
        elif kind == KIND_SAME_GROUP:
            for x in range(w):
                c = c0 + x
                g[x] += covers[ed, c if kc else 0] * A[src, c]
        else:
            for x in range(w):
                c = c0 + x
                ne[x] += ne_share[ed, c if ks else 0] * (1.0 - A[src, c])
    if started:
        for x in range(w):
            gc = requirement(g[x])
            if gc < P[x]:
                P[x] = gc
    for x in range(w):
        P[x] = feasibility(P[x], ne[x])


@nb.njit(cache=True, nogil=True)
def _block(c0, c1, order, level_ptr, level_cyclic, eptr, e_src, e_edge, e_kind, covers,
           ne_share, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, table, classes, t,
           fixed_ramp, stock, life, has_stock, update_stock, A, tol, max_iter, limit, fill,
           cycle_sweeps, rounds, dense_max):
    """Columns ``c0:c1`` of one propagation; returns -1 or the level that did not converge.
    A cyclic level not settled by ``cycle_sweeps`` sweeps is solved exactly
    (:func:`_exact_block`), and swept on only if that fails.

    Node ``j`` computes only columns below ``limit[j]``: the others cannot reach it
    and keep availability 1 (written when ``fill``, for an array not yet set). ``life``
    (n × 1|k) is each node's service life as capital, 0 if it is not. A cycle across
    destination classes comes with ``cycle_sweeps`` -1: the exact solver takes one column
    at a time and knows no classes, so it is swept only, and what ``max_iter`` sweeps
    do not settle goes back to numpy (:func:`riskmodel.engine.propagation.propagate`)."""
    kl = life.shape[1] > 1
    buf = np.empty((6, c1 - c0))  # per column: P, groups, non-essential, a, b, S
    P, g, ne, a, b, S = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5]
    for L in range(len(level_ptr) - 1):
        lo, hi = level_ptr[L], level_ptr[L + 1]
        cyclic = level_cyclic[L]
        if cyclic:
            for i in range(lo, hi):
                for c in range(c0, c1):
                    A[order[i], c] = 1.0
        elif fill:
            for i in range(lo, hi):
                j = order[i]
                for c in range(max(c0, min(c1, limit[j])), c1):
                    A[j, c] = 1.0
        sweeps = max_iter if cyclic else 1
        change = 0.0
        for it in range(sweeps):
            if cyclic and it == cycle_sweeps and _exact_block(
                    order[lo:hi], c0, c1, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0,
                    ind0, pptr, p_col, p_dep, p_ind, base, table, classes, t, fixed_ramp, stock,
                    life, has_stock, A, limit, rounds, dense_max):
                change = 0.0
                break
            change = 0.0
            for i in range(lo, hi):
                j = order[i]
                w = min(c1, limit[j]) - c0
                if w <= 0:
                    continue
                _feasible(j, c0, w, eptr, e_src, e_edge, e_kind, covers, ne_share, A, P, g, ne)
                _coeffs(j, c0, w, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, P, table,
                        classes, t, fixed_ramp, a, b)
                for x in range(w):
                    c = c0 + x
                    s = a[x] * P[base[c] - c0] + b[x]
                    v = buffered(s, stock[j, c], life[j, c if kl else 0]) if has_stock \
                        else min(1.0, s)
                    d = abs(v - A[j, c])
                    if d > change:
                        change = d
                    A[j, c] = v
                    S[x] = s
                if update_stock and not cyclic:
                    for x in range(w):
                        c = c0 + x
                        stock[j, c] = drawn(S[x], A[j, c], stock[j, c], life[j, c if kl else 0])
            if not cyclic or change <= tol:
                break
        if cyclic and change > tol:
            return L
        if cyclic and update_stock:
            # the level's availability is final: draw the stocks once
            for i in range(lo, hi):
                j = order[i]
                w = min(c1, limit[j]) - c0
                if w <= 0:
                    continue
                _supply_only(j, c0, c0 + w, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0,
                             ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, table, classes, t,
                             fixed_ramp, A, S, P, g, ne, a, b)
                for x in range(w):
                    c = c0 + x
                    stock[j, c] = drawn(S[x], A[j, c], stock[j, c], life[j, c if kl else 0])
    return -1


@nb.njit(cache=True, nogil=True)
def _exact_block(nodes, c0, c1, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0, ind0,
                 pptr, p_col, p_dep, p_ind, base, table, classes, t, fixed_ramp, stock, life,
                 has_stock, A, limit, rounds, dense_max):
    """Solve the cyclic level ``nodes`` exactly in columns ``c0:c1`` (below the level's
    ``limit``), one column at a time (:func:`riskmodel.engine.cycles.solve_level`).
    Returns whether every column holds the level's fixed point."""
    s = len(nodes)
    pos = np.full(A.shape[0], -1, dtype=np.int64)
    coef = np.zeros(len(e_src))
    av = np.empty(s)
    bv = np.empty(s)
    st = np.zeros(s)
    one_a = np.empty(1)
    one_b = np.empty(1)
    col = np.empty(A.shape[0])
    kc = covers.shape[1] > 1
    ks = ne_share.shape[1] > 1
    ok = True
    for c in range(c0, min(c1, limit[nodes[0]])):
        for i in range(s):
            j = nodes[i]
            _coeffs(j, c, 1, dep0, ind0, pptr, p_col, p_dep, p_ind, p_col, base, one_a, table,
                    classes, t, fixed_ramp, one_a, one_b)
            av[i] = one_a[0]
            bv[i] = one_b[0]
            if has_stock:
                st[i] = stock[j, c]
                if life[j, c if life.shape[1] > 1 else 0] > 0:  # users see the base
                    av[i], bv[i], st[i] = 0.0, stock[j, c], 0.0
            for e in range(eptr[j], eptr[j + 1]):
                col[e_src[e]] = A[e_src[e], c]
                if e_kind[e] == 2:
                    coef[e] = ne_share[e_edge[e], c if ks else 0]
                else:
                    coef[e] = covers[e_edge[e], c if kc else 0]
        for i in range(s):
            col[nodes[i]] = A[nodes[i], c]
        ok = solve_level(nodes, pos, eptr, e_src, e_kind, coef, av, bv, st, col, rounds,
                         dense_max) and ok
        for i in range(s):  # lowered even when not solved: still above the answer
            A[nodes[i], c] = col[nodes[i]]
    return ok


@nb.njit(cache=True, nogil=True)
def _supply_only(j, c0, c1, eptr, e_src, e_edge, e_kind, covers, ne_share, dep0, ind0, pptr,
                 p_col, p_dep, p_ind, p_pcol, base, table, classes, t, fixed_ramp, A, S, P, g, ne,
                 a,
                 b):
    """Supply ``S`` (before stock) of node ``j`` from the current availabilities."""
    w = c1 - c0
    _feasible(j, c0, w, eptr, e_src, e_edge, e_kind, covers, ne_share, A, P, g, ne)
    _coeffs(j, c0, w, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, P, table, classes, t,
            fixed_ramp, a, b)
    for x in range(w):
        S[x] = a[x] * P[base[c0 + x] - c0] + b[x]


@nb.njit(cache=True, nogil=True, parallel=True)
def propagate(order, level_ptr, level_cyclic, eptr, e_src, e_edge, e_kind, covers, ne_share,
              dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, table, classes, t, fixed_ramp,
              stock,
              life, has_stock, update_stock, A, tol, max_iter, bounds, limit, fill, cycle_sweeps,
              rounds, dense_max):
    """Fill ``A`` (n × k) for every column, the column blocks ``bounds[i]:bounds[i+1]``
    in parallel (a scenario's class columns in one block); draw the stocks when
    ``update_stock``. Returns -1, or a level that did not converge. One block runs on
    the calling thread (:func:`propagate_serial`)."""
    nb_ = len(bounds) - 1
    status = np.full(nb_, -1, dtype=np.int64)
    for blk in nb.prange(nb_):
        c0 = bounds[blk]
        c1 = bounds[blk + 1]
        if c0 < c1:
            status[blk] = _block(c0, c1, order, level_ptr, level_cyclic, eptr, e_src, e_edge,
                                 e_kind, covers, ne_share, dep0, ind0, pptr, p_col, p_dep,
                                 p_ind, p_pcol, base, table, classes, t, fixed_ramp, stock, life,
                                 has_stock,
                                 update_stock, A, tol, max_iter, limit, fill, cycle_sweeps,
                                 rounds, dense_max)
    for blk in range(nb_):
        if status[blk] >= 0:
            return status[blk]
    return -1


@nb.njit(cache=True, nogil=True)
def propagate_serial(order, level_ptr, level_cyclic, eptr, e_src, e_edge, e_kind, covers,
                     ne_share, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base, table,
                     classes, t, fixed_ramp, stock, life, has_stock, update_stock, A, tol,
                     max_iter, bounds, limit, fill, cycle_sweeps, rounds, dense_max):
    """:func:`propagate` on the calling thread, block after block: no thread is woken,
    for work too small to share (:func:`riskmodel.engine.propagation.block_count`)."""
    for blk in range(len(bounds) - 1):
        c0 = bounds[blk]
        c1 = bounds[blk + 1]
        if c0 < c1:
            bad = _block(c0, c1, order, level_ptr, level_cyclic, eptr, e_src, e_edge, e_kind,
                         covers, ne_share, dep0, ind0, pptr, p_col, p_dep, p_ind, p_pcol, base,
                         table, classes, t, fixed_ramp, stock, life, has_stock, update_stock, A,
                         tol, max_iter, limit, fill, cycle_sweeps, rounds, dense_max)
            if bad >= 0:
                return bad
    return -1


@nb.njit(cache=True, nogil=True, inline="always")
def _node1(j, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, A):
    """Supply ``S`` of node ``j`` for one column (scalars only); ``coef`` holds each
    input's covers (essential) or cost share (non-essential), in input order."""
    P = 1.0
    g = 0.0
    ne = 0.0
    started = False
    for e in range(eptr[j], eptr[j + 1]):
        src = e_src[e]
        kind = e_kind[e]
        if kind == KIND_NEW_GROUP:
            if started:
                P = min(P, requirement(g))
            g = coef[e] * A[src, 0]
            started = True
        elif kind == KIND_SAME_GROUP:
            g += coef[e] * A[src, 0]
        else:
            ne += coef[e] * (1.0 - A[src, 0])
    if started:
        P = min(P, requirement(g))
    a = dep0[j, 0]
    b = ind0[j, 0]
    for q in range(pptr[j], pptr[j + 1]):
        a -= p_dep[q]
        b -= p_ind[q]
    return a * feasibility(P, ne) + b


@nb.njit(cache=True, nogil=True, parallel=True)
def _level1_parallel(lo, hi, order, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind,
                     stock, life, has_stock, update_stock, A):
    """The acyclic level ``order[lo:hi]`` of :func:`propagate1`, its nodes shared among
    the threads (each writes only its own entry)."""
    for i in nb.prange(lo, hi):
        _acyclic1(order[i], eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, stock,
                  life, has_stock, update_stock, A)


@nb.njit(cache=True, nogil=True, inline="always")
def _acyclic1(j, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, stock, life,
              has_stock, update_stock, A):
    """Availability of node ``j`` of an acyclic level (and its stock drawn)."""
    s = _node1(j, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, A)
    v = buffered(s, stock[j, 0], life[j, 0]) if has_stock else s
    A[j, 0] = v
    if update_stock:
        stock[j, 0] = drawn(s, v, stock[j, 0], life[j, 0])


@nb.njit(cache=True, nogil=True)
def propagate1(order, level_ptr, level_cyclic, eptr, e_src, e_kind, coef, dep0, ind0, pptr,
               p_dep, p_ind, stock, life, has_stock, update_stock, A, tol, max_iter, cycle_sweeps,
               rounds, dense_max, wide):
    """One column (a single scenario with one set of numbers), level by level on the
    calling thread; an acyclic level marked ``wide`` is shared among the threads
    (:func:`_level1_parallel`), so that only levels with work enough pay for waking
    them and meeting at the level's end (:func:`riskmodel.engine.propagation.wide_levels`).
    Cyclic levels are swept serially, and
    solved exactly when ``cycle_sweeps`` sweeps do not settle them. Returns -1, or the
    level that did not converge."""
    for L in range(len(level_ptr) - 1):
        lo, hi = level_ptr[L], level_ptr[L + 1]
        if not level_cyclic[L]:
            if wide[L]:
                _level1_parallel(lo, hi, order, eptr, e_src, e_kind, coef, dep0, ind0, pptr,
                                 p_dep, p_ind, stock, life, has_stock, update_stock, A)
            else:
                for i in range(lo, hi):
                    _acyclic1(order[i], eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep,
                              p_ind, stock, life, has_stock, update_stock, A)
            continue
        for i in range(lo, hi):
            A[order[i], 0] = 1.0
        change = tol + 1.0
        for it in range(max_iter):
            if it == cycle_sweeps and _exact1(order[lo:hi], eptr, e_src, e_kind, coef, dep0,
                                              ind0, pptr, p_dep, p_ind, stock, life,
                                              has_stock, A, rounds, dense_max):
                change = 0.0
                break
            change = 0.0
            for i in range(lo, hi):
                j = order[i]
                s = _node1(j, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, A)
                v = buffered(s, stock[j, 0], life[j, 0]) if has_stock else min(1.0, s)
                change = max(change, abs(v - A[j, 0]))
                A[j, 0] = v
            if change <= tol:
                break
        if change > tol:
            return L
        if update_stock:
            for i in range(lo, hi):
                j = order[i]
                s = _node1(j, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, A)
                stock[j, 0] = drawn(s, A[j, 0], stock[j, 0], life[j, 0])
    return -1


@nb.njit(cache=True, nogil=True)
def _exact1(nodes, eptr, e_src, e_kind, coef, dep0, ind0, pptr, p_dep, p_ind, stock, life,
            has_stock, A, rounds, dense_max):
    """Solve the cyclic level ``nodes`` of the one column exactly
    (:func:`riskmodel.engine.cycles.solve_level`); whether it did."""
    s = len(nodes)
    av = np.empty(s)
    bv = np.empty(s)
    st = np.zeros(s)
    for i in range(s):
        j = nodes[i]
        av[i] = dep0[j, 0]
        bv[i] = ind0[j, 0]
        for q in range(pptr[j], pptr[j + 1]):
            av[i] -= p_dep[q]
            bv[i] -= p_ind[q]
        if has_stock:
            st[i] = stock[j, 0]
            if life[j, 0] > 0:  # a capital node's users see its base, whatever S
                av[i], bv[i], st[i] = 0.0, stock[j, 0], 0.0
    col = np.ascontiguousarray(A[:, 0])
    ok = solve_level(nodes, np.full(A.shape[0], -1, dtype=np.int64), eptr, e_src, e_kind,
                     coef, av, bv, st, col, rounds, dense_max)
    for i in range(s):
        A[nodes[i], 0] = col[nodes[i]]
    return ok
