"""Betweenness centrality of a chain's graph (Brandes' algorithm, compiled with numba).

Shortest paths are counted by breadth-first search from each source over the
unweighted, directed input → output edges, and dependencies are accumulated in reverse
search order (U. Brandes, "A faster algorithm for betweenness centrality", J. Math.
Sociol. 25, 2001). With every node as a source this is exact; with a sample of ``k``
sources it is the estimate networkx's ``betweenness_centrality(G, k=...)`` makes, scaled
the same way (normalised, endpoints excluded), so small chains give networkx's numbers.

Examples
--------
>>> import numpy as np
>>> optr, o_dst = np.array([0, 1, 2, 2]), np.array([1, 2])   # a path 0 → 1 → 2
>>> iptr, i_src = np.array([0, 0, 1, 2]), np.array([0, 1])
>>> betweenness(optr, o_dst, iptr, i_src, None).tolist()
[0.0, 0.5, 0.0]
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def _sources(sources, optr, o_dst, iptr, i_src, bc):
    n = len(optr) - 1
    sigma = np.zeros(n)
    dist = np.full(n, -1, dtype=np.int64)
    delta = np.zeros(n)
    seen = np.empty(n, dtype=np.int64)   # nodes in breadth-first order
    for s in sources:
        sigma[s] = 1.0
        dist[s] = 0
        seen[0] = s
        head, tail = 0, 1
        while head < tail:
            v = seen[head]
            head += 1
            for e in range(optr[v], optr[v + 1]):
                w = o_dst[e]
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    seen[tail] = w
                    tail += 1
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
        for i in range(tail - 1, -1, -1):
            w = seen[i]
            coeff = (1.0 + delta[w]) / sigma[w]
            for e in range(iptr[w], iptr[w + 1]):
                v = i_src[e]
                if dist[v] >= 0 and dist[v] == dist[w] - 1:
                    delta[v] += sigma[v] * coeff
            if w != s:
                bc[w] += delta[w]
        for i in range(tail):
            w = seen[i]
            sigma[w] = 0.0
            dist[w] = -1
            delta[w] = 0.0


@nb.njit(cache=True, parallel=True)
def _all(sources, optr, o_dst, iptr, i_src, blocks):
    n = len(optr) - 1
    parts = np.zeros((blocks, n))
    width = (len(sources) + blocks - 1) // blocks
    for b in nb.prange(blocks):
        _sources(sources[b * width:(b + 1) * width], optr, o_dst, iptr, i_src, parts[b])
    return parts.sum(axis=0)


def betweenness(optr: np.ndarray, o_dst: np.ndarray, iptr: np.ndarray, i_src: np.ndarray,
                k: int | None, seed: int = 0) -> np.ndarray:
    """Normalised betweenness of every node (outputs ``o_dst[optr[v]:optr[v+1]]``,
    inputs ``i_src[iptr[v]:iptr[v+1]]``), from all sources or ``k`` sampled ones."""
    import numba

    n = len(optr) - 1
    if n < 3:
        return np.zeros(n)
    sources = np.arange(n) if k is None or k >= n else np.sort(
        np.random.default_rng(seed).choice(n, size=k, replace=False))
    blocks = max(1, min(numba.get_num_threads(), len(sources)))
    bc = _all(sources.astype(np.int64), optr.astype(np.int64), o_dst.astype(np.int64),
              iptr.astype(np.int64), i_src.astype(np.int64), blocks)
    big_n = n - 1  # ordered (s, t) pairs with s ≠ t that can pass through a node
    if k is None or k >= n:
        return bc / ((n - 1) * (big_n - 1))
    sampled = np.zeros(n, dtype=bool)
    sampled[sources] = True
    scale = np.where(sampled, 1.0 / ((k - 1) * (big_n - 1)) if k > 1 else np.nan,
                     1.0 / (k * (big_n - 1)))
    return bc * scale
