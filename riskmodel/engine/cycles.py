"""Cycles solved exactly: the greatest fixed point of a cyclic level by policy iteration.

On a level holding a cycle, availability is the greatest fixed point of
``A = F(A)``, ``F_j(A) = min(1, a_j·P_j(A) + b_j + stock_j)`` (docs/model.md §1.4).
Sweeping ``F`` from ``A = 1`` converges geometrically, at the rate of the cycle's gain:
a closed cycle (no outside supply) cut by a fraction ``x`` loses only ``x`` of its
availability per round, so sweeps alone need ~1/x rounds for an answer that is exactly
0. After a few sweeps the kernels call :func:`solve_level` for one column; it works
from above, as the sweeps do:

1. at the current point ``x`` (with ``F(x) ≤ x``, true after sweeps from 1), fix for
   each node the piece of ``F`` that attains it — a requirement group ``a·Σ covers·A +
   b + stock``, the non-essential term, or a constant (1, the capped requirement
   ``a + b + stock``, or ``b + stock`` where feasibility is clipped at 0); ties go to a
   piece that depends on the level, so that a cycle is seen whole;
2. that policy's map ``F^π`` is affine with non-negative coefficients, ``F^π ≥ F``
   below ``x`` (a min is at most each of its pieces; a clipped node stays clipped
   below ``x``) and ``F^π(x) = F(x) ≤ x``; its iterates from ``x`` fall to a limit
   ``y``, a fixed point of ``F^π`` that stays above every fixed point of ``F``
   (``g = F(g) ≤ F^π(g)``), so ``y ≥`` the greatest fixed point and ``F(y) ≤ y``;
3. ``y`` is solved directly, component by component of the policy's dependency graph
   (inputs first): a component that nothing decreasing feeds keeps ``x`` (this is how a
   closed cycle with no cut stays at 1, although every constant is a fixed point of
   it); a simple cycle in closed form; any other by dense elimination;
4. repeat from ``y`` until ``F(y) = y`` to :data:`FIXED_TOL`. The points fall
   monotonically and stay at or above the greatest fixed point, so the fixed point
   reached is the greatest.

A step whose answer leaves ``[0, x]`` (rounding on a near-singular policy), a component
larger than ``dense_max`` that is not a simple cycle, or ``rounds`` without convergence
make :func:`solve_level` return False with the point unchanged or lowered (still above
the greatest fixed point); the caller then goes on sweeping, as before.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["FIXED_TOL", "KIND_NEW_GROUP", "KIND_NON_ESSENTIAL", "KIND_SAME_GROUP",
           "solve_level", "sweep_order"]

#: Input kinds of the kernels' input layout (``Plan.e_kind``): the first input of a
#: requirement group, a further input of it, a non-essential input.
KIND_NEW_GROUP, KIND_SAME_GROUP, KIND_NON_ESSENTIAL = 0, 1, 2

#: A policy-iteration point is the fixed point when ``F`` moves no node by more than this.
FIXED_TOL = 1e-12
#: A node seeds a policy step's decrease when ``F`` lowers it by more than this (rounding
#: at the last bit of a cycle whose shares sum to 1 − 1e-16 must not drain it).
SEED_TOL = 1e-15

# policy of a node: a constant, or an affine piece over the inputs e_lo[i]:e_hi[i]
_CONST, _GROUP, _NE = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def _policy(i, j, eptr, e_src, e_kind, coef, a, b, st, A, kind, e_lo, e_hi, const):
    """Evaluate ``F_j`` at ``A`` and fix the piece attaining it (the engine's order of
    operations, so that the value is the kernels' to the last bit). Returns ``F_j``."""
    pmin = np.inf
    lo = hi = -1
    g = 0.0
    g0 = -1
    ne = 0.0
    ne0 = -1
    for e in range(eptr[j], eptr[j + 1]):
        k = e_kind[e]
        if k == KIND_NEW_GROUP:
            if g0 >= 0 and g < pmin:
                pmin, lo, hi = g, g0, e
            g = coef[e] * A[e_src[e]]
            g0 = e
        elif k == KIND_SAME_GROUP:
            g += coef[e] * A[e_src[e]]
        else:
            if ne0 < 0:
                if g0 >= 0 and g < pmin:
                    pmin, lo, hi = g, g0, e
                g0 = -1
                ne0 = e
            ne += coef[e] * (1.0 - A[e_src[e]])
    if g0 >= 0 and g < pmin:
        pmin, lo, hi = g, g0, eptr[j + 1]
    kind[i] = _GROUP
    if ne0 >= 0 and 1.0 - ne < pmin:
        pmin, lo, hi = 1.0 - ne, ne0, eptr[j + 1]
        kind[i] = _NE
    e_lo[i], e_hi[i] = lo, hi
    P = max(0.0, min(pmin, 1.0))
    s = a[i] * P + b[i]
    v = min(1.0, s + st[i])
    if pmin > 1.0:                # the requirement's cap binds: P = 1
        kind[i], const[i] = _CONST, a[i] + b[i] + st[i]
    elif pmin < 0.0:              # feasibility clipped at 0, and stays so below A
        kind[i], const[i] = _CONST, b[i] + st[i]
    elif kind[i] == _GROUP:
        const[i] = b[i] + st[i]
    else:
        s_ne = 0.0
        for e in range(lo, hi):
            s_ne += coef[e]
        const[i] = a[i] * (1.0 - s_ne) + b[i] + st[i]
    if s + st[i] > 1.0:           # availability capped at 1
        kind[i], const[i] = _CONST, 1.0
    return v


@nb.njit(cache=True, nogil=True)
def _components(s, nodes, pos, e_src, kind, e_lo, e_hi, comp, comp_ptr):
    """Strongly connected components of the policy's dependency graph (node → its
    in-level inputs), inputs first (Tarjan, iterative). Returns their number."""
    index = np.full(s, -1, dtype=np.int64)
    low = np.zeros(s, dtype=np.int64)
    on = np.zeros(s, dtype=np.bool_)
    stack = np.empty(s, dtype=np.int64)
    call = np.empty(s, dtype=np.int64)
    nxt = np.empty(s, dtype=np.int64)
    sp = cp = counter = n_comp = filled = 0
    for root in range(s):
        if index[root] >= 0:
            continue
        call[0] = root
        nxt[root] = e_lo[root] if kind[root] != _CONST else e_hi[root]
        index[root] = low[root] = counter
        counter += 1
        stack[sp] = root
        sp += 1
        on[root] = True
        cp = 1
        while cp > 0:
            v = call[cp - 1]
            if nxt[v] < e_hi[v]:
                w = pos[e_src[nxt[v]]]
                nxt[v] += 1
                if w < 0:
                    continue
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack[sp] = w
                    sp += 1
                    on[w] = True
                    nxt[w] = e_lo[w] if kind[w] != _CONST else e_hi[w]
                    call[cp] = w
                    cp += 1
                elif on[w]:
                    low[v] = min(low[v], index[w])
                continue
            cp -= 1
            if cp > 0:
                u = call[cp - 1]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                while True:
                    sp -= 1
                    w = stack[sp]
                    on[w] = False
                    comp[filled] = w
                    filled += 1
                    if w == v:
                        break
                n_comp += 1
                comp_ptr[n_comp] = filled
    return n_comp


@nb.njit(cache=True, nogil=True)
def _solve_component(C, pos, in_comp, e_src, coef, a, A, kind, e_lo, e_hi, const, y,
                     dense_max):
    """``y`` on component ``C`` (positions) as the fixed point of the policy's affine
    map, the rest of ``y`` known. Returns False when it cannot (too large, singular)."""
    sz = len(C)
    for t in range(sz):
        in_comp[C[t]] = t
    r = np.empty(sz)
    n_in = np.zeros(sz, dtype=np.int64)
    for t in range(sz):
        i = C[t]
        r[t] = const[i]
        if kind[i] == _CONST:
            continue
        for e in range(e_lo[i], e_hi[i]):
            w = pos[e_src[e]]
            if w >= 0 and in_comp[w] >= 0:
                n_in[t] += 1
            else:
                r[t] += a[i] * coef[e] * (A[e_src[e]] if w < 0 else y[w])
    ok = True
    if np.all(n_in == 1):         # a simple cycle: closed form around it
        start = C[0]
        total, gain = 0.0, 1.0
        i = start
        nxt = np.empty(sz, dtype=np.int64)
        m = np.empty(sz)
        for _ in range(sz):
            t = in_comp[i]
            for e in range(e_lo[i], e_hi[i]):
                w = pos[e_src[e]]
                if w >= 0 and in_comp[w] >= 0:
                    nxt[t], m[t] = w, a[i] * coef[e]
            total += gain * r[t]
            gain *= m[t]
            i = nxt[t]
        if gain >= 1.0:           # no finite limit: rounding on a near-closed policy
            ok = False
        else:
            y[start] = total / (1.0 - gain)
            order = np.empty(sz, dtype=np.int64)
            i = start
            for q in range(sz):
                order[q] = i
                i = nxt[in_comp[i]]
            for q in range(sz - 1, 0, -1):
                i = order[q]
                t = in_comp[i]
                y[i] = r[t] + m[t] * y[nxt[t]]
    elif sz > dense_max:
        ok = False
    else:                          # (I − M) y = r by elimination with partial pivoting
        M = np.zeros((sz, sz))
        for t in range(sz):
            M[t, t] = 1.0
            i = C[t]
            if kind[i] == _CONST:
                continue
            for e in range(e_lo[i], e_hi[i]):
                w = pos[e_src[e]]
                if w >= 0 and in_comp[w] >= 0:
                    M[t, in_comp[w]] -= a[i] * coef[e]
        x = _eliminate(M, r)
        ok = np.all(np.isfinite(x))
        for t in range(sz):
            y[C[t]] = x[t]
    for t in range(sz):
        in_comp[C[t]] = -1
    return ok


@nb.njit(cache=True, nogil=True)
def _eliminate(M, r):
    """Solve ``M x = r`` (dense, partial pivoting); NaN where ``M`` is singular."""
    n = len(r)
    for col in range(n):
        piv = col
        for row in range(col + 1, n):
            if abs(M[row, col]) > abs(M[piv, col]):
                piv = row
        if M[piv, col] == 0.0:
            return np.full(n, np.nan)
        if piv != col:
            for q in range(n):
                M[col, q], M[piv, q] = M[piv, q], M[col, q]
            r[col], r[piv] = r[piv], r[col]
        for row in range(col + 1, n):
            f = M[row, col] / M[col, col]
            if f != 0.0:
                for q in range(col, n):
                    M[row, q] -= f * M[col, q]
                r[row] -= f * r[col]
    x = np.empty(n)
    for row in range(n - 1, -1, -1):
        acc = r[row]
        for q in range(row + 1, n):
            acc -= M[row, q] * x[q]
        x[row] = acc / M[row, row]
    return x


@nb.njit(cache=True, nogil=True)
def solve_level(nodes, pos, eptr, e_src, e_kind, coef, a, b, st, A, rounds, dense_max):
    """The greatest fixed point of the level ``nodes`` for one column, from above.

    ``coef`` holds each input's covers or cost share (by input position, as
    ``Plan.e_kind``); ``a``, ``b``, ``st`` the level's supply coefficients and stocks
    (by position in ``nodes``); ``A`` the column's availabilities, read for the level's
    inputs and updated for its nodes (it must satisfy ``F(A) ≤ A`` there, as after
    sweeps from 1). ``pos`` is scratch of length n, -1 everywhere (and left so).
    Returns whether ``A`` now holds the fixed point (to :data:`FIXED_TOL`).
    """
    s = len(nodes)
    for i in range(s):
        pos[nodes[i]] = i
    kind = np.empty(s, dtype=np.int64)
    e_lo = np.empty(s, dtype=np.int64)
    e_hi = np.empty(s, dtype=np.int64)
    const = np.empty(s)
    F = np.empty(s)
    y = np.empty(s)
    comp = np.empty(s, dtype=np.int64)
    comp_ptr = np.zeros(s + 1, dtype=np.int64)
    in_comp = np.full(s, -1, dtype=np.int64)
    fell = np.zeros(s, dtype=np.bool_)
    done = False
    for _ in range(rounds):
        worst = 0.0
        for i in range(s):
            F[i] = _policy(i, nodes[i], eptr, e_src, e_kind, coef, a, b, st, A, kind,
                           e_lo, e_hi, const)
            worst = max(worst, abs(A[nodes[i]] - F[i]))
        if worst <= FIXED_TOL:
            for i in range(s):
                A[nodes[i]] = F[i]
            done = True
            break
        n_comp = _components(s, nodes, pos, e_src, kind, e_lo, e_hi, comp, comp_ptr)
        ok = True
        for i in range(s):
            y[i] = A[nodes[i]]
            fell[i] = A[nodes[i]] - F[i] > SEED_TOL
        for q in range(n_comp):
            C = comp[comp_ptr[q]:comp_ptr[q + 1]]
            hit = False           # does anything decreasing feed this component?
            for i in C:
                hit = hit or fell[i]
                if kind[i] != _CONST:
                    for e in range(e_lo[i], e_hi[i]):
                        w = pos[e_src[e]]
                        hit = hit or (w >= 0 and fell[w])
            if not hit:
                continue
            for i in C:
                fell[i] = True
            if not _solve_component(C, pos, in_comp, e_src, coef, a, A, kind, e_lo, e_hi,
                                    const, y, dense_max):
                ok = False
                break
        for i in range(s):        # the step must stay within [0, x]
            ok = ok and -1e-9 <= y[i] <= A[nodes[i]] + 1e-9
        if not ok:
            break
        for i in range(s):
            A[nodes[i]] = min(A[nodes[i]], max(0.0, y[i]))
    for i in range(s):
        pos[nodes[i]] = -1
    return done


@nb.njit(cache=True, nogil=True)
def sweep_order(order, level_ptr, level_cyclic, eptr, e_src, node_level):
    """``order`` with each cyclic level's nodes in the order a sweep in place should take
    them: inputs first, as far as the cycles allow (a depth-first search over each
    node's inputs in the level, each node placed after the inputs it reaches; an input
    still being searched is a back edge, the only kind a sweep reads before it is
    updated). One sweep then carries a change along every path that no back edge
    interrupts, so a level settles in about as many sweeps as its cycles need, not as
    many as its depth. Acyclic levels keep their order."""
    out = order.copy()
    state = np.zeros(len(node_level), dtype=np.int8)   # 0 new, 1 searched, 2 placed
    stack = np.empty(len(node_level), dtype=np.int64)
    nxt = np.empty(len(node_level), dtype=np.int64)
    for L in range(len(level_ptr) - 1):
        if not level_cyclic[L]:
            continue
        w = level_ptr[L]
        for i in range(level_ptr[L], level_ptr[L + 1]):
            root = order[i]
            if state[root] != 0:
                continue
            state[root] = 1
            nxt[root] = eptr[root]
            stack[0] = root
            sp = 1
            while sp > 0:
                v = stack[sp - 1]
                if nxt[v] < eptr[v + 1]:
                    u = e_src[nxt[v]]
                    nxt[v] += 1
                    if node_level[u] == L and state[u] == 0:
                        state[u] = 1
                        nxt[u] = eptr[u]
                        stack[sp] = u
                        sp += 1
                else:
                    sp -= 1
                    state[v] = 2
                    out[w] = v
                    w += 1
    return out
