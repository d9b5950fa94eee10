"""The engine's inner loop compiled with numba (used for large work; see engine.backend).

One call propagates availability through every level for ``k`` columns. Per node, the
inputs are walked once, sorted as: essential requirement groups (by group), then
non-essential inputs; the column loop is innermost so that rows of ``A`` are read
contiguously. Cut adjustments come as (node-sorted) pairs rather than dense matrices.
A cyclic level is swept in place (Gauss–Seidel) until nothing moves by more than
``tol``: from availability 1 downward this reaches the greatest fixed point, as the
reference's Jacobi sweeps do.
"""

from __future__ import annotations

import numba as nb
import numpy as np

KIND_NEW_GROUP, KIND_SAME_GROUP, KIND_NON_ESSENTIAL = 0, 1, 2


@nb.njit(cache=True, nogil=True)
def propagate(order, level_ptr, level_cyclic, eptr, e_src, e_edge, e_kind, covers, ne_share,
              dep0, ind0, pptr, p_col, p_dep, p_ind, stock, has_stock, A, S, tol, max_iter):
    """Fill ``A`` and ``S`` (n × k, preset to 1). Returns -1, or the level that did not
    converge within ``max_iter`` sweeps."""
    k = A.shape[1]
    kc = covers.shape[1] > 1
    ks = ne_share.shape[1] > 1
    kd = dep0.shape[1] > 1
    P = np.empty(k)
    g = np.empty(k)
    ne = np.empty(k)
    a = np.empty(k)
    b = np.empty(k)
    for L in range(len(level_ptr) - 1):
        lo, hi = level_ptr[L], level_ptr[L + 1]
        cyclic = level_cyclic[L]
        sweeps = max_iter if cyclic else 1
        change = 0.0
        for _ in range(sweeps):
            change = 0.0
            for i in range(lo, hi):
                j = order[i]
                for c in range(k):
                    P[c] = 1.0
                    ne[c] = 0.0
                started = False
                for e in range(eptr[j], eptr[j + 1]):
                    src = e_src[e]
                    ed = e_edge[e]
                    kind = e_kind[e]
                    if kind == KIND_NEW_GROUP:
                        if started:
                            for c in range(k):
                                gc = min(g[c], 1.0)
                                if gc < P[c]:
                                    P[c] = gc
                        for c in range(k):
                            g[c] = covers[ed, c if kc else 0] * A[src, c]
                        started = True
                    elif kind == KIND_SAME_GROUP:
                        for c in range(k):
                            g[c] += covers[ed, c if kc else 0] * A[src, c]
                    else:
                        for c in range(k):
                            ne[c] += ne_share[ed, c if ks else 0] * (1.0 - A[src, c])
                if started:
                    for c in range(k):
                        gc = min(g[c], 1.0)
                        if gc < P[c]:
                            P[c] = gc
                for c in range(k):
                    a[c] = dep0[j, c if kd else 0]
                    b[c] = ind0[j, c if kd else 0]
                for q in range(pptr[j], pptr[j + 1]):
                    a[p_col[q]] -= p_dep[q]
                    b[p_col[q]] -= p_ind[q]
                for c in range(k):
                    p = min(P[c], 1.0 - ne[c])
                    if p < 0.0:
                        p = 0.0
                    s = a[c] * p + b[c]
                    v = s + stock[j, c] if has_stock else s
                    if v > 1.0:
                        v = 1.0
                    d = abs(v - A[j, c])
                    if d > change:
                        change = d
                    A[j, c] = v
                    S[j, c] = s
            if not cyclic or change <= tol:
                break
        if cyclic and change > tol:
            return L
    return -1
