"""Batched single-node cuts: which supplier key cuts each node, the cut columns, and
their losses (docs/model.md §2.2–2.3).

A node's choke cut is a full cut of its supply by its dominant foreign supplier key
(:func:`dominant_keys`); :func:`single_cuts` makes one engine column per such cut, and
:func:`choke_losses` runs them in memory-bounded batches. :func:`knockouts` is the
structural counterpart: the node's whole supply falls to 0.

**Groups.** The supplier cut is chosen among the chain's supplier keys by what a full
cut withholds: a declared group withholds its own row and its members' rows (as a
scenario's cut of the group does, so scores and simulations agree), a member only its
own row, never a part of a group row that includes it (:func:`expansion`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from riskmodel import engine
from riskmodel.engine import CutSpec, Params, Withheld
from riskmodel.engine.baseline import in_every_column
from riskmodel.model import Chain, Compiled

__all__ = ["ChokeLosses", "choke_losses", "columns_per_batch", "cut_shares", "dominant_keys",
           "expansion", "knockouts", "single_cuts"]


def columns_per_batch(n: int, k: int, extra: int = 0) -> int:
    """Columns per batch of ``k`` single-node cuts of an ``n``-node chain.

    Within the memory budget (``engine.batch_columns``), sized for 8 ``(n, k)`` arrays
    (wider batches were slower in bench_score), with ``extra`` further numbers per
    column.

    Examples
    --------
    >>> from riskmodel.scoring.cuts import columns_per_batch
    >>> columns_per_batch(1000, 10)
    10
    """
    return engine.batch_columns(n, k, arrays=8, extra=extra)


def expansion(chain: Chain) -> sparse.csr_matrix:
    """Which supplier keys' rows a full cut by each key withholds.

    Returns
    -------
    scipy.sparse.csr_matrix
        Supplier key × supplier key (in ``chain.compiled.countries`` order): a cut by
        key ``x`` withholds the rows of the keys ``E[x]``, itself and, for a declared
        group, its members that the chain names (as
        :func:`riskmodel.scenario.expand_country`). A cut by a member withholds its own
        rows only, never a part of a group row that includes it (the data do not split
        a group's share among its members).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring import expansion
    >>> e = expansion(rm.load("bicycle"))  # no groups: each key withholds its own rows
    >>> e.shape, int(e.sum())
    ((11, 11), 11)
    """
    c = chain.compiled
    k = len(c.countries)
    cindex = {x: i for i, x in enumerate(c.countries)}
    rows, cols = list(range(k)), list(range(k))
    for name, group in chain.groups.items():
        i = cindex.get(name)
        if i is None or not isinstance(group, dict):
            continue
        for y in group.get("members") or []:
            j = cindex.get(y)
            if j is not None and j != i:
                rows.append(i)
                cols.append(j)
    e = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, k))
    e.sum_duplicates()
    e.data[:] = 1.0
    return e


def cut_shares(c: Compiled, expand: sparse.csr_matrix) -> sparse.csr_matrix:
    """The share of each node that a full cut by each key withholds.

    Parameters
    ----------
    c : Compiled
        The chain's compiled arrays.
    expand : scipy.sparse.csr_matrix
        The chain's :func:`expansion`.

    Returns
    -------
    scipy.sparse.csr_matrix
        Node × key: the key's own row plus, for a group, its members' rows.
    """
    out = (c.supply @ expand.T).tocsr()
    out.sum_duplicates()
    return out


def dominant_keys(c: Compiled, shares: sparse.csr_matrix
                  ) -> tuple[list[str | None], np.ndarray]:
    """Per node, the key whose full cut is scored (``cut_country``) and its ``exposure``.

    The key with the largest positive cut share in ``shares`` (:func:`cut_shares`)
    other than the home country (ties: first by name); None and 0 where nothing
    foreign supplies a positive share.

    Returns
    -------
    (list, ndarray)
        The key of each node, and the share of the node its full cut withholds.
    """
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(shares.indptr))
    cols = shares.indices
    data = np.asarray(shares.data, dtype=float)
    home_col = c.countries.index(c.home) if c.home is not None else -1
    ok = (cols != home_col) & (data > 0)
    rows, cols, data = rows[ok], cols[ok], data[ok]
    o = np.lexsort((cols, -data, rows))
    rows, cols, data = rows[o], cols[o], data[o]
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    keys: list[str | None] = [None] * n
    exposure = np.zeros(n)
    for j, x, d in zip(rows[first].tolist(), cols[first].tolist(), data[first].tolist(),
                       strict=True):
        keys[j] = c.countries[x]
        exposure[j] = d
    return keys, exposure


def single_cuts(c: Compiled, p: Params, nodes: np.ndarray, countries: Sequence[str | None],
                fraction: float = 1.0, *, expand: sparse.csr_matrix | None = None
                ) -> CutSpec:
    """The engine's cut columns for single-node cuts, one column per node.

    Column ``i``: ``countries[i]`` cuts ``fraction`` of all it supplies of
    ``nodes[i]`` from month 0, permanently (for a group, with its members' rows, as
    ``expand`` says; see :func:`expansion`). A None country cuts nothing.

    Returns
    -------
    CutSpec
        The columns, for ``engine.static_loss`` and ``engine.dynamic``.
    """
    sup = c.supply
    cindex = {x: i for i, x in enumerate(c.countries)}
    nc = max(1, len(c.countries))
    if expand is None:
        expand = sparse.identity(len(c.countries), format="csr")
    code = np.array([-1 if x is None else cindex[x] for x in countries], dtype=np.int64)
    nodes = np.asarray(nodes, dtype=np.int64)
    # every (column, key) the cuts expand to
    safe = np.maximum(code, 0)
    cnt = np.where(code >= 0, np.diff(expand.indptr)[safe] if len(code) else 0, 0)
    cnt = np.asarray(cnt, dtype=np.int64)
    total = int(cnt.sum())
    q_of = np.repeat(np.arange(len(code)), cnt)
    start = expand.indptr[safe] if len(code) else np.zeros(0, dtype=np.int64)
    idx = np.repeat(start - np.cumsum(cnt) + cnt, cnt) + np.arange(total)
    want = nodes[q_of] * nc + expand.indices[idx]
    # supplier rows by (node, country); a node names each country once
    row_key = np.repeat(np.arange(c.n), np.diff(sup.indptr)) * nc + sup.indices
    by_key = np.argsort(row_key, kind="stable")
    keys_sorted = row_key[by_key]
    pos = np.minimum(np.searchsorted(keys_sorted, want), max(len(row_key) - 1, 0))
    hit = keys_sorted[pos] == want if len(row_key) else np.zeros(len(want), dtype=bool)
    q_hit = q_of[hit]
    rows_hit = by_key[pos[hit]].astype(np.int64)
    cols, first = np.unique(q_hit, return_index=True)
    rows = np.split(rows_hit, first[1:]) if len(cols) else []
    q = len(cols)
    return CutSpec(len(nodes), cols.astype(np.int64), rows, np.full(q, fraction), np.zeros(q),
                   np.full(q, math.inf))


def knockouts(c: Compiled, p: Params, nodes: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """What follows when each node's whole supply falls to 0 at once (docs/model.md §2.2).

    Returns
    -------
    (ndarray, ndarray, list of ndarray)
        Per node: the end-use loss, the end-use weight that loses anything (more than
        ``engine.settings.TINY``), and the end-use nodes that stop (availability ≤
        ``engine.settings.TINY``).
    """
    k = len(nodes)
    cols = np.arange(k, dtype=np.int64)
    dep, ind = p.dep0[nodes, 0].copy(), p.ind0[nodes, 0].copy()
    res = engine.cone_losses(c, p, nodes.astype(np.int64), cols, dep[None, :], ind[None, :],
                             k, 1, stock=False, last=True)
    if res is not None:
        assert res.reach is not None and res.dead_ptr is not None
        assert res.dead_nodes is not None
        dead = np.split(res.dead_nodes, res.dead_ptr[1:-1])
        return res.loss[0], res.reach, [np.sort(x) for x in dead]
    plan = engine.plan_for(c)
    # the end uses, and any node a target weighs (riskmodel.targets)
    end_idx = np.flatnonzero(c.end_use | (p.weight != 0).any(axis=1))
    w = p.weight[end_idx, 0]
    loss, reach, dead_lists = np.zeros(k), np.zeros(k), []
    size = columns_per_batch(c.n, k)
    for lo in range(0, k, size):
        sl = slice(lo, min(k, lo + size))
        o = np.argsort(nodes[sl], kind="stable")
        cut = Withheld(nodes[sl][o].astype(np.int64), cols[: sl.stop - lo][o], dep[sl][o],
                       ind[sl][o])
        A = engine.propagate(plan, p, cut, None, sl.stop - lo, ids=c.ids)[end_idx]
        loss[sl] = w @ (1.0 - A)
        reach[sl] = w @ (1.0 - A > engine.settings.TINY)
        dead = A <= engine.settings.TINY
        dead_lists.extend(end_idx[dead[:, i]] for i in range(sl.stop - lo))
    return loss, reach, dead_lists


@dataclass
class ChokeLosses:
    """End-use losses of single-node cuts, per node (NaN where not computed): the
    immediate and long-run bounds, the loss at the horizon month, and the same loss
    with every stock set to 0 and no installed base."""

    immediate: np.ndarray
    long_run: np.ndarray
    dynamic: np.ndarray
    no_stock: np.ndarray


def choke_losses(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
                 horizon: int, *, what: tuple[str, ...] = ("immediate", "long_run",
                                                           "dynamic", "no_stock"),
                 progress: Any = None, expand: sparse.csr_matrix | None = None,
                 held: CutSpec | None = None) -> ChokeLosses:
    """Choke losses of the given nodes, in memory-bounded batches.

    Each node is cut by its country (expanded by ``expand``: see :func:`expansion`);
    only the losses named in ``what`` are computed, each advancing ``progress`` (a
    progress bar, or None) by the number of nodes. ``held`` (one column of restrictions
    in force, docs/model.md §1.5) joins every cut: the losses are then the totals, the
    restrictions' realised loss included.

    Examples
    --------
    >>> import numpy as np
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> from riskmodel.scoring.cuts import choke_losses
    >>> c = rm.load("bicycle").compiled
    >>> j = np.array([c.index.get_loc("drivetrain")])
    >>> res = choke_losses(c, engine.params_from_compiled(c), j, ["JP"], 12)
    >>> round(float(res.immediate[0]), 3), round(float(res.dynamic[0]), 3)
    (0.7, 0.607)
    """
    k = len(nodes)
    out = {w: np.full(k, np.nan) for w in ("immediate", "long_run", "dynamic", "no_stock")}
    # columns in topological order, so that each node computes only the cuts above it
    level = engine.plan_for(c).node_level
    perm = np.argsort(level[nodes], kind="stable")
    nodes = nodes[perm]
    countries = [countries[i] for i in perm]
    size = columns_per_batch(c.n, k)
    p_no_stock = Params(**{**p.__dict__, "inventory": np.zeros_like(p.inventory),
                           "life": np.zeros_like(p.life)})  # no installed base either
    spec = single_cuts(c, p, nodes, countries, expand=expand)
    if held is not None:
        spec = in_every_column(spec, held)
    for w in what:
        if w in ("immediate", "long_run"):
            out[w][:] = engine.static_loss(c, p, spec, mode=w, chunk=size)
        else:
            out[w][:] = engine.dynamic(c, p if w == "dynamic" else p_no_stock, spec,
                                       horizon + 1, chunk=size).loss[horizon]
        if progress is not None:
            progress.update(k)
    back = np.empty(k, dtype=np.int64)
    back[perm] = np.arange(k)
    return ChokeLosses(**{w: v[back] for w, v in out.items()})
