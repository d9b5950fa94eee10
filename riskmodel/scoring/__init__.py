"""Choke-point scoring: indicators, an explainable choke score, country leverage,
policy alignment and uncertainty (see docs/model.md §2).

:func:`score` returns one row per node, sorted by choke score, with:

- classic indicators: ``import_share`` (1 − home share; NaN in a global view),
  ``top_supplier``/``top_share``, ``top_foreign_supplier``/``top_foreign_share``,
  ``hhi`` of the supplier shares and ``hhi_flag`` (above the EC's 0.4 threshold for a
  strategic dependency), ``countries_to_75`` (countries needed to reach 75% of supply,
  the ETO/CSET metric; NaN when the named suppliers never reach it), ``betweenness``
  (reference only; sampled on large chains, see ``.attrs``);
- structural indicators from the AND/OR model: ``knockout_loss`` (end-use loss when the
  node's supply falls to 0), ``downstream_reach`` (share of end-use value that loses
  anything then), ``spof`` (the end-use products that fall to 0 with it) and
  ``spof_count``;
- the choke score: ``choke_score``, the end-use loss ``horizon`` months (default 12)
  into a full cut of the node by ``cut_country`` (its dominant foreign supplier), with
  stocks and substitution; ``choke_immediate`` and ``choke_long_run`` beside it;
- its decomposition: ``exposure`` (the cut supplier's share of the node), ``transmission``
  (``choke_immediate / exposure``: how much of that shortfall reaches end use), and the
  relief that substitution (``relief_substitution``) and stocks (``relief_stock``) bring by
  the horizon, so that ``choke_score = choke_immediate − relief_substitution −
  relief_stock``; and ``substitutability``, ``lead_time_months``, ``inventory_months``;
- ``rank`` (1 = worst choke point) and ``choke_exact`` (see below).

**Pruning bounds.** (1) Stocks and substitution only add supply, and availability is a
monotone function of every node's supply (each equation is non-decreasing in its
inputs, and the greatest fixed point of a monotone map is monotone in the map). So the
availability of every node at any month of the dynamics is at least its immediate
static availability: ``choke_score ≤ choke_immediate``. (2) Where no cycle lies
downstream of a node, a shortfall ``δ`` of it lowers every downstream node by at most
``δ``: a requirement group ``min(1, Σ covers·A)`` with covers ≤ 1 summing to ≥ 1 drops
by at most ``δ`` when each member drops by at most ``δ``; a non-essential input costs
``share·δ ≤ δ``; and supply ``a·P + b`` drops by at most ``a·δ ≤ δ``. So
``choke_immediate ≤ exposure × R``, with ``R`` (≤ 1) the end-use weight the node can
reach; where a cycle lies downstream, only ``≤ R`` holds (a cycle can amplify).
(3) Without stocks the dynamics are memoryless, so the month-``h`` availability is at
least the static one under that month's net cut, ``exposure × (1 − s·min(1, h/lead))``
(the node's own substitution ramp): where no cycle lies downstream, ``choke_score ≤
exposure × (1 − s·ρ(h)) × R``.
On chains larger than ``exact_limit`` nodes, and on chains whose exact scoring would
cost more than ``SCORE_WORK`` steps (cuts that reach far down a deep chain cost the
square of its depth; measured before any dynamics run, by the immediate pass, which
touches every node the dynamics can touch), :func:`score` takes nodes in decreasing
order of bound (3) (ties: nearest the end use first), computes their immediate bound,
and the dynamic choke score for those whose bounds can still beat the ``top``-th best
exact score, stopping when the next bound is at most it: every node that could score
above the ``top``-th best is scored exactly (a node whose bound equals it can at most
tie, and may be left unscored); the rest keep ``choke_exact=False`` (``choke_score``
NaN, and ``choke_immediate`` NaN where the cheap bound alone ruled them out). On the
deep chains the search itself stays within ``SCORE_WORK`` steps; if that stops it,
``.attrs["exact"]`` says that the top is not guaranteed.

**Groups.** The supplier cut is chosen among the chain's supplier keys by what a full
cut withholds: a declared group withholds its own row and its members' rows (as a
scenario's cut of the group does, so scores and simulations agree), a member only its
own row, never a part of a group row that includes it.

Examples
--------
>>> import riskmodel as rm
>>> s = rm.score(rm.load("bicycle"))
>>> s.index[0], s.loc["drivetrain", "cut_country"]
('drivetrain', 'JP')
>>> print(rm.explain(s, "drivetrain"))  # doctest: +ELLIPSIS
drivetrain ranks 1st of 13: a full cut by JP costs 61% of end-use value at month 12...
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from riskmodel import engine
from riskmodel._errors import NodeNotFoundError
from riskmodel.engine import CutSpec, Params, Withheld
from riskmodel.model import Chain, Compiled, require_chain

__all__ = ["PolicyAlignment", "explain", "leverage", "policy_alignment", "score",
           "score_uncertainty"]

EC_HHI_THRESHOLD = 0.4
#: Work (input reads and node evaluations) up to which :func:`score` scores every node of
#: a chain of at most ``exact_limit`` nodes; beyond it (cuts that reach far down deep
#: chains, where the work grows with the square of the depth), it prunes as on larger
#: chains. About 20 s of work at the speed measured on a deep chain (5 ns a step).
SCORE_WORK = 4_000_000_000


# ---------------------------------------------------------------------------
# classic indicators
# ---------------------------------------------------------------------------

def classic_indicators(c: Compiled) -> pd.DataFrame:
    """Import share, top suppliers, HHI and countries-to-75%, per node (vectorised)."""
    sup = c.supply
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(sup.indptr))
    cols = sup.indices
    data = np.asarray(sup.data, dtype=float)
    countries = np.array(c.countries, dtype=object)
    home_col = c.countries.index(c.home) if c.home is not None else -1
    hhi = np.bincount(rows, weights=data**2, minlength=n)
    # sort each row's shares, largest first
    o = np.lexsort((-data, rows))
    r_sorted, d_sorted, c_sorted = rows[o], data[o], cols[o]
    first = np.r_[True, r_sorted[1:] != r_sorted[:-1]] if len(o) else np.zeros(0, bool)
    top_share = np.full(n, np.nan)
    top_sup = np.full(n, None, dtype=object)
    top_share[r_sorted[first]] = d_sorted[first]
    top_sup[r_sorted[first]] = countries[c_sorted[first]]
    # cumulative shares within each row → countries to reach 75%
    csum = np.r_[0.0, np.cumsum(d_sorted)]  # csum[i]: the shares before entry i
    row_start = np.searchsorted(r_sorted, np.arange(n))
    within = csum[1:] - csum[row_start[r_sorted]]
    rank_in_row = np.arange(len(o)) - row_start[r_sorted] + 1 if len(o) else np.zeros(0)
    reach = within >= 0.75 - 1e-12
    c75 = np.full(n, np.nan)
    if reach.any():
        hit_rows, idx = np.unique(r_sorted[reach], return_index=True)
        c75[hit_rows] = rank_in_row[reach][idx]
    # foreign suppliers
    foreign = c_sorted != home_col
    fr, fd, fc = r_sorted[foreign], d_sorted[foreign], c_sorted[foreign]
    ffirst = np.r_[True, fr[1:] != fr[:-1]] if len(fr) else np.zeros(0, bool)
    tf_share = np.zeros(n)
    tf_sup = np.full(n, None, dtype=object)
    tf_share[fr[ffirst]] = fd[ffirst]
    tf_sup[fr[ffirst]] = countries[fc[ffirst]]
    if home_col >= 0:
        home_share = np.zeros(n)
        hm = cols == home_col
        home_share[rows[hm]] = data[hm]
        import_share = 1.0 - home_share
    else:
        import_share = np.full(n, np.nan)
    has_rows = np.diff(sup.indptr) > 0
    hhi = np.where(has_rows, hhi, np.nan)
    return pd.DataFrame({
        "import_share": import_share, "top_supplier": top_sup, "top_share": top_share,
        "top_foreign_supplier": tf_sup, "top_foreign_share": tf_share, "hhi": hhi,
        "hhi_flag": hhi > EC_HHI_THRESHOLD, "countries_to_75": c75,
    }, index=pd.Index(c.ids, name="node"))


#: Chains up to this many nodes get exact betweenness; larger ones a sampled estimate.
BETWEENNESS_EXACT = 5_000
#: Sources sampled for the estimate.
BETWEENNESS_SOURCES = 512


def _betweenness(chain: Chain, limit: int) -> tuple[np.ndarray, str]:
    """Normalised betweenness of the chain's graph: exact up to ``BETWEENNESS_EXACT``
    nodes, else estimated from ``BETWEENNESS_SOURCES`` sampled sources (as networkx's
    ``betweenness_centrality(k=...)``); not computed above ``limit`` nodes."""
    c = chain.compiled
    if c.n > limit:
        return np.full(c.n, np.nan), f"not computed (chain larger than {limit} nodes)"
    k = None if c.n <= BETWEENNESS_EXACT else BETWEENNESS_SOURCES
    if c.n <= 1000:  # networkx: no compilation for small chains
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(c.n))
        g.add_edges_from(zip(c.in_src.tolist(), c.in_dst.tolist(), strict=True))
        d = nx.betweenness_centrality(g)
        bc = np.array([d[i] for i in range(c.n)])
    else:
        from riskmodel.engine.centrality import betweenness

        plan = engine.plan_for(c)
        bc = betweenness(plan.optr, plan.o_dst, c.in_ptr, c.in_src, k, seed=0)
    note = "exact" if k is None else f"sampled from {k} sources (approximate)"
    return bc, note


# ---------------------------------------------------------------------------
# batched single-node cuts
# ---------------------------------------------------------------------------

def _chunk(n: int, k: int, extra: int = 0) -> int:
    """Columns per batch within the memory budget (sized for 8 ``(n, k)`` arrays: wider
    batches were slower in bench_score), with ``extra`` further numbers per column."""
    return engine.batch_columns(n, k, arrays=8, extra=extra)


def expansion(chain: Chain) -> sparse.csr_matrix:
    """Supplier key × supplier key: a cut by key ``x`` withholds the rows of the keys
    ``E[x]``, itself and, for a declared group, its members that the chain names (as
    :func:`riskmodel.scenario.expand_country`). A cut by a member withholds its own rows
    only, never a part of a group row that includes it (the data do not split a group's
    share among its members)."""
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
    """Node × key: the share of each node a full cut by each key withholds (its own
    row plus, for a group, its members' rows)."""
    out = (c.supply @ expand.T).tocsr()
    out.sum_duplicates()
    return out


def _dominant(c: Compiled, shares: sparse.csr_matrix) -> tuple[list[str | None], np.ndarray]:
    """Per node, the key whose full cut is scored and the share it withholds: the key
    with the largest positive cut share other than the home country (ties: first by
    name); None and 0 where nothing foreign supplies a positive share."""
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


def _single_cuts(c: Compiled, p: Params, nodes: np.ndarray, countries: Sequence[str | None],
                 fraction: float = 1.0, *, expand: sparse.csr_matrix | None = None
                 ) -> CutSpec:
    """One column per node: ``countries[i]`` cuts all it supplies of ``nodes[i]`` (for a
    group, with its members' rows, as ``expand`` says; see :func:`expansion`)."""
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


def _knockouts(c: Compiled, p: Params, nodes: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """When each node's supply falls to 0 (immediately): the end-use loss, the end-use
    weight that loses anything (more than ``engine.TINY``), and the end-use nodes that
    stop (availability ≤ ``engine.TINY``), per node."""
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
    end_idx = np.flatnonzero(c.end_use)  # end-use weights are 0 elsewhere
    w = p.weight[end_idx, 0]
    loss, reach, dead_lists = np.zeros(k), np.zeros(k), []
    size = _chunk(c.n, k)
    for lo in range(0, k, size):
        sl = slice(lo, min(k, lo + size))
        o = np.argsort(nodes[sl], kind="stable")
        cut = Withheld(nodes[sl][o].astype(np.int64), cols[: sl.stop - lo][o], dep[sl][o],
                       ind[sl][o])
        A = engine.propagate(plan, p, cut, None, sl.stop - lo, ids=c.ids)[end_idx]
        loss[sl] = w @ (1.0 - A)
        reach[sl] = w @ (1.0 - A > engine.TINY)
        dead = A <= engine.TINY
        dead_lists.extend(end_idx[dead[:, i]] for i in range(sl.stop - lo))
    return loss, reach, dead_lists


@dataclass
class _Choke:
    immediate: np.ndarray
    long_run: np.ndarray
    dynamic: np.ndarray
    no_stock: np.ndarray


def _choke(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
           horizon: int, *, what: tuple[str, ...] = ("immediate", "long_run", "dynamic",
                                                      "no_stock"),
           progress: Any = None, expand: sparse.csr_matrix | None = None) -> _Choke:
    """Choke losses of the given nodes (each cut by its country, expanded by ``expand``:
    see :func:`expansion`), in memory-bounded chunks."""
    k = len(nodes)
    out = {w: np.full(k, np.nan) for w in ("immediate", "long_run", "dynamic", "no_stock")}
    # columns in topological order, so that each node computes only the cuts above it
    level = engine.plan_for(c).node_level
    perm = np.argsort(level[nodes], kind="stable")
    nodes = nodes[perm]
    countries = [countries[i] for i in perm]
    size = _chunk(c.n, k)
    p_no_stock = Params(**{**p.__dict__, "inventory": np.zeros_like(p.inventory)})
    spec = _single_cuts(c, p, nodes, countries, expand=expand)
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
    return _Choke(**{w: v[back] for w, v in out.items()})


# ---------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------

def score(chain: Chain, *, horizon: int = 12, threshold: float = 0.05, top: int = 10,
          exact_limit: int = 100_000, betweenness_limit: int = 10_000_000,
          decompose: int = 200,
          progress: bool | None = None) -> pd.DataFrame:
    """Indicators and the explainable choke score of every node, sorted by choke score.

    Parameters
    ----------
    chain : Chain
    horizon : int
        Month at which the choke score reads the end-use loss (default 12).
    threshold : float
        Availability under which an end-use product counts as stopped (single points of
        failure use 0; cut sets use this threshold).
    top : int
        On chains above ``exact_limit`` nodes, the dynamic choke score is exact for every
        node that can rank in the top ``top`` (see the module docstring).
    exact_limit, betweenness_limit : int
        Chain sizes up to which every choke score, and betweenness, are computed.
    decompose : int
        How many of the top-ranked nodes get the split of their relief into substitution
        and stocks (one more simulation); the others have NaN there.

    Returns
    -------
    DataFrame
        One row per node (index: node id); columns as listed in the module docstring.
        ``.attrs`` records the settings and how betweenness was computed.

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = rm.score(rm.load("bicycle"))
    >>> s[["choke_score", "choke_immediate", "cut_country"]].head(3).round(3)
                  choke_score  choke_immediate cut_country
    node
    drivetrain          0.607            0.700          JP
    battery_cells       0.306            0.438          CN
    frames              0.200            0.400          TW
    """
    require_chain(chain, "score")
    from riskmodel._progress import Progress

    c = chain.compiled
    p = engine.params_from_compiled(c)
    ind = classic_indicators(c)
    bc, bc_note = _betweenness(chain, betweenness_limit)
    ind["betweenness"] = bc
    nodes = np.arange(c.n)
    expand = expansion(chain)
    countries, exposure = _dominant(c, cut_shares(c, expand))
    choke = functools.partial(_choke, expand=expand)
    cut_nodes = np.array([j for j in nodes if countries[j] is not None], dtype=np.int64)
    cut_countries = [countries[j] for j in cut_nodes]
    large = c.n > exact_limit
    complete = True
    probe = None if large else _immediate_within(c, p, cut_nodes, cut_countries, expand,
                                                 SCORE_WORK // (horizon + 3))
    deep = not large and probe is False
    large = large or deep
    immediate = np.zeros(c.n)
    long_run = np.full(c.n, np.nan) if large else np.zeros(c.n)
    dyn = np.zeros(c.n)
    no_stock = np.full(c.n, np.nan)
    with Progress(4 * len(cut_nodes), "scoring", enabled=progress) as bar:
        if large:
            # cheap bounds first (module docstring), then immediate bounds and dynamics
            # only where they can still matter
            R, amp = _reach_bound(c, p)
            ramp = np.where(c.lead_time > 0, np.minimum(1.0, horizon / np.where(
                c.lead_time > 0, c.lead_time, 1.0)), 1.0)
            relief = 1.0 - c.substitutability * ramp
            bound = np.where(amp, R, np.minimum(R, exposure * relief * R))[cut_nodes]
            chosen, chosen_dyn, seen, seen_imm, complete = _prune(
                c, p, cut_nodes, cut_countries, bound, horizon, top, choke,
                work=SCORE_WORK if deep else math.inf)
            immediate[:] = np.nan
            immediate[[j for j in nodes if countries[j] is None]] = 0.0
            immediate[cut_nodes[seen]] = seen_imm
        else:
            immediate[cut_nodes] = probe if isinstance(probe, np.ndarray) else choke(
                c, p, cut_nodes, cut_countries, horizon, what=("immediate",),
                progress=bar).immediate
            chosen = np.arange(len(cut_nodes))
            chosen_dyn = choke(c, p, cut_nodes, cut_countries, horizon, what=("dynamic",),
                               progress=bar).dynamic
        dyn[cut_nodes[chosen]] = chosen_dyn
        long_run[cut_nodes[chosen]] = choke(c, p, cut_nodes[chosen],
                                             [cut_countries[i] for i in chosen], horizon,
                                             what=("long_run",), progress=bar).long_run
        # the relief split, for the nodes a report explains
        split = chosen[np.argsort(-chosen_dyn, kind="stable")[:decompose]]
        no_stock[cut_nodes[split]] = choke(c, p, cut_nodes[split],
                                            [cut_countries[i] for i in split], horizon,
                                            what=("no_stock",), progress=bar).no_stock
    # structure: knockouts (on large chains, for the nodes scored exactly)
    struct = np.arange(c.n) if not large else np.union1d(
        cut_nodes[chosen], np.array([j for j in nodes if countries[j] is None], dtype=np.int64))
    level = engine.plan_for(c).node_level
    struct = struct[np.argsort(level[struct], kind="stable")]
    reach = np.full(c.n, np.nan)
    knock = np.full(c.n, np.nan)
    spof: list[list[str] | None] = [None] * c.n
    k_loss, k_reach, k_dead = _knockouts(c, p, struct)
    knock[struct] = k_loss
    reach[struct] = k_reach
    for j, dead in zip(struct, k_dead, strict=True):
        spof[j] = [str(c.ids[e]) for e in dead if e != j]
    ind["knockout_loss"] = knock
    ind["downstream_reach"] = reach
    ind["spof"] = spof
    ind["spof_count"] = [np.nan if x is None else len(x) for x in spof]
    no_stock[[j for j in nodes if countries[j] is None]] = 0.0
    scored = np.zeros(c.n, dtype=bool)
    scored[cut_nodes[chosen]] = True
    exact = scored | np.array([x is None for x in countries])
    ind["cut_country"] = countries
    ind["choke_score"] = np.where(exact, dyn, np.nan)
    ind["choke_immediate"] = immediate
    ind["choke_long_run"] = long_run
    ind["choke_exact"] = exact
    ind["exposure"] = exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        ind["transmission"] = np.where(exposure > 0, immediate / exposure, 0.0)
    with np.errstate(invalid="ignore"):
        ind["relief_substitution"] = np.where(exact, np.maximum(immediate - no_stock, 0.0),
                                              np.nan)
        ind["relief_stock"] = np.where(exact, np.maximum(no_stock - dyn, 0.0), np.nan)
    ind["substitutability"] = c.substitutability
    ind["lead_time_months"] = c.lead_time
    ind["inventory_months"] = c.inventory
    nodes_table = chain.to_data().nodes
    labels = pd.Series(nodes_table["label"].to_numpy(), index=nodes_table["id"]).reindex(c.ids)
    ind.insert(0, "stage", [c.stages[s] if s >= 0 else None for s in c.stage])
    ind.insert(0, "label", [lb if isinstance(lb, str) else i
                            for i, lb in zip(c.ids, labels, strict=True)])
    key = np.where(exact, ind["choke_score"].fillna(0), -1.0)
    order = np.lexsort((c.ids.astype(str), -np.nan_to_num(knock, nan=-1.0),
                        -np.nan_to_num(immediate, nan=-1.0), -key))
    out = ind.iloc[order].copy()
    out.insert(2, "rank", np.arange(1, c.n + 1))
    out.attrs = {"horizon": horizon, "threshold": threshold, "betweenness": bc_note,
                 "exact": "all nodes" if not large else
                 (f"chain larger than {exact_limit} nodes" if not deep else
                  f"cuts reach too far to score every node within {SCORE_WORK:.0e} steps")
                 + (f": top {top} guaranteed exact (pruned by the reach, substitution and "
                    "immediate bounds; a node left unscored cannot score above the "
                    f"{_ordinal(top)} exact score, though it may tie with it)" if complete else
                    f": the top {top} is NOT guaranteed (the work limit of {SCORE_WORK:.0e} "
                    "steps stopped the search; the nodes marked choke_exact, nearest the end "
                    "use among the highest bounds, are scored exactly)")
                 + "; immediate bound "
                 "only where the reach bound left a chance; knockout indicators and the "
                 "long-run bound for the exactly scored nodes only",
                 "chain": chain.name, "nodes": c.n}
    return out


def _reach_bound(c: Compiled, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """``(R, amplifies)`` per node: an upper bound of the end-use weight the node can
    reach (``min(1, own weight + Σ successors' R)``, which may count a product twice but
    never misses one), and whether its downstream cone holds a cycle."""
    w = np.abs(p.weight).max(axis=1) if p.weight.ndim == 2 else p.weight
    return engine.reach_bound(c, np.ascontiguousarray(w, dtype=float))


def _prune(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
           bound: np.ndarray, horizon: int, top: int, choke: Any = _choke,
           work: float = math.inf
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """Score exactly every node that can score above the ``top``-th best (module
    docstring).

    Nodes are taken in decreasing ``bound`` (an upper bound of the choke score); each
    batch gets its immediate bound, and the dynamics run for those whose bounds can
    still beat the ``top``-th best exact score so far. It stops when the next ``bound``
    is at most that score: such a node can at best tie with it (on a deep chain of like
    nodes, thousands tie, and scoring them all is what costs the square of the depth).
    Ties in ``bound`` go nearest the end use first (shorter cones, fewer stocks below).
    A batch whose cuts could cost more than what is left of ``work`` steps (the
    column-block kernel's reads, an upper bound of the cone kernel's) is not started:
    then the last value returned is False (the top is not guaranteed).
    Returns the exactly scored indices (into ``nodes``) and their scores, the indices
    that got an immediate bound, with it, and whether the search completed.
    """
    plan = engine.plan_for(c)
    level = plan.node_level[nodes]
    order = np.lexsort((-level, -bound))
    reads = np.diff(plan.eptr) + 1
    complete = True
    chosen: list[int] = []
    best: list[float] = []
    seen: list[int] = []
    seen_imm: list[float] = []
    batch = max(4 * top, 256)
    i = 0
    while i < len(order):
        full = len(best) >= top
        thr = sorted(best, reverse=True)[top - 1] if full else -np.inf
        if full and bound[order[i]] <= thr:
            break
        idx = order[i:i + batch]
        cost = (horizon + 3) * float(engine.column_limits(
            plan, nodes[idx][np.argsort(level[idx], kind="stable")], np.arange(len(idx)),
            len(idx)) @ reads)
        if cost > work:
            complete = False
            break
        work -= cost
        imm = choke(c, p, nodes[idx], [countries[j] for j in idx], horizon,
                    what=("immediate",)).immediate
        seen.extend(idx.tolist())
        seen_imm.extend(imm.tolist())
        need = idx[np.minimum(imm, bound[idx]) > thr] if full else idx
        if len(need):
            res = choke(c, p, nodes[need], [countries[j] for j in need], horizon,
                        what=("dynamic",))
            chosen.extend(need.tolist())
            best.extend(res.dynamic.tolist())
        i += batch
    return (np.array(chosen, dtype=np.int64), np.array(best), np.array(seen, dtype=np.int64),
            np.array(seen_imm), complete)


def _immediate_within(c: Compiled, p: Params, nodes: np.ndarray,
                      countries: list[str | None], expand: sparse.csr_matrix,
                      cap: int) -> np.ndarray | bool | None:
    """The immediate choke losses of ``nodes`` if they cost at most ``cap`` steps; False
    if they would cost more (then exact scores of every node would cost more than
    ``SCORE_WORK``: the dynamics at month ``h`` touch at most the nodes the immediate cut
    touches, in each of ``h + 1`` months); None where nothing needs checking.

    The column-block kernel's work is known in advance; only when it is over ``cap`` is
    the cone kernel tried, with ``cap`` as its limit.
    """
    if not len(nodes):
        return None
    plan = engine.plan_for(c)
    level = plan.node_level
    perm = np.argsort(level[nodes], kind="stable")
    limit = engine.column_limits(plan, nodes[perm], np.arange(len(nodes)), len(nodes))
    if float(limit @ (np.diff(plan.eptr) + 1)) <= cap:
        return None
    spec = _single_cuts(c, p, nodes[perm], [countries[i] for i in perm], expand=expand)
    res = engine.static_loss(c, p, spec, cap=cap)
    if res is None:
        return False
    out = np.empty(len(nodes))
    out[perm] = res
    return out


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


#: the columns of :func:`score`'s table that :func:`explain` reads
_EXPLAIN_COLUMNS = ("rank", "cut_country", "choke_exact", "choke_score", "choke_immediate",
                    "exposure", "hhi", "hhi_flag", "transmission", "relief_substitution",
                    "relief_stock", "substitutability", "lead_time_months", "spof_count",
                    "spof")


def explain(scores: pd.DataFrame | Chain, node: str, *, horizon: int = 12) -> str:
    """Why ``node`` ranks where it does, in sentences with numbers.

    Parameters
    ----------
    scores : DataFrame or Chain
        The table from :func:`score`; or a :class:`~riskmodel.Chain`, which is scored
        first (with ``horizon``). Scoring once and explaining several nodes from the
        table is faster.
    node : str
        A node id.
    horizon : int
        The month of the choke score, when ``scores`` is a Chain (a table keeps the
        horizon it was scored with).

    Raises
    ------
    NodeNotFoundError
        When ``node`` is not in the chain or the table.
    TypeError
        When ``scores`` is neither a Chain nor a table from :func:`score`.

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = rm.score(rm.load("bicycle"))
    >>> text = rm.explain(s, "battery_cells")
    >>> "70% of its supply comes from CN" in text
    True

    A chain is scored first:

    >>> rm.explain(rm.load("bicycle"), "battery_cells") == text
    True
    """
    if isinstance(scores, Chain):
        if node not in scores.compiled.index:
            from riskmodel.io.collect import suggest

            hint = suggest(node, list(scores.compiled.ids))
            raise NodeNotFoundError(f"no node '{node}' in chain '{scores.name}'"
                                    + (f"; did you mean '{hint}'?" if hint else ""))
        scores = score(scores, horizon=horizon)
    elif not (isinstance(scores, pd.DataFrame)
              and all(c in scores.columns for c in _EXPLAIN_COLUMNS)):
        what = ("a DataFrame without the columns of rm.score's table"
                if isinstance(scores, pd.DataFrame) else type(scores).__name__)
        fix = (f"load it first: rm.explain(rm.load({scores!r:.80}), {node!r:.80})"
               if isinstance(scores, (str, os.PathLike)) else
               f"e.g. rm.explain(rm.score(chain), {node!r:.80})")
        raise TypeError(f"rm.explain needs the table from rm.score(chain), or the Chain "
                        f"itself, not {what}; {fix}")
    if node not in scores.index:
        from riskmodel.io.collect import suggest

        hint = suggest(node, list(scores.index))
        raise NodeNotFoundError(f"no node '{node}' in the scores"
                                + (f"; did you mean '{hint}'?" if hint else ""))
    r = scores.loc[node]
    h = scores.attrs.get("horizon", 12)
    n = len(scores)
    parts = []
    if not isinstance(r["cut_country"], str):
        return (f"{node} ranks {_ordinal(int(r['rank']))} of {n}: it has no foreign supplier "
                "to cut, so its choke score is 0" + _structure(r))
    if not r["choke_exact"]:
        parts.append(f"{node} ranks {_ordinal(int(r['rank']))} of {n} by its upper bound: a full "
                     f"cut by {r['cut_country']} costs at most {r['choke_immediate']:.0%} of "
                     "end-use value (not scored exactly: it cannot reach the top)")
        return ". ".join(parts) + _structure(r)
    parts.append(f"{node} ranks {_ordinal(int(r['rank']))} of {n}: a full cut by "
                 f"{r['cut_country']} costs {r['choke_score']:.0%} of end-use value at month {h}")
    conc = f"HHI {r['hhi']:.2f}" + (", above the EC's 0.4 threshold" if r["hhi_flag"] else "")
    parts.append(f"{r['exposure']:.0%} of its supply comes from {r['cut_country']} ({conc})")
    if r["choke_immediate"] > 0:
        parts.append(f"At once the cut removes {r['choke_immediate']:.0%} of end-use value "
                     f"({r['transmission']:.2f} of every unit of the node's shortfall reaches "
                     "end use)")
    relief = []
    if pd.isna(r["relief_substitution"]):
        back = r["choke_immediate"] - r["choke_score"]
        relief.append(f"substitution and stocks give back {back:.0%} together (not split "
                      "for nodes outside the top ranks)")
    elif r["relief_substitution"] > 1e-4:
        lead = (f", ramping over {r['lead_time_months']:g} months"
                if r["lead_time_months"] > 0 else "")
        relief.append(f"substitution (up to {r['substitutability']:.0%} of the lost supply"
                      f"{lead}) gives back {r['relief_substitution']:.0%}")
    elif r["choke_immediate"] > 0:
        relief.append("substitution gives back nothing by then" if r["substitutability"] > 0
                      else "nothing can substitute for it")
    if not pd.isna(r["relief_stock"]) and r["relief_stock"] > 1e-4:
        relief.append(f"stocks along the chain give back {r['relief_stock']:.0%}")
    if relief:
        parts.append(f"By month {h} " + " and ".join(relief))
    return ". ".join(parts) + _structure(r)


def _structure(r: pd.Series) -> str:
    text = "."
    if pd.notna(r["spof_count"]) and r["spof_count"] > 0:
        count = int(r["spof_count"])
        names = ", ".join(r["spof"][:4]) + (" …" if count > 4 else "")
        text = (f". {count} end-use product{'s' if count != 1 else ''} "
                f"cannot be made at all without it ({names}).")
    elif r["downstream_reach"] > 0:
        text = (f". Losing it entirely would cost {r['knockout_loss']:.0%} of end-use value "
                f"and touch {r['downstream_reach']:.0%} of it.")
    return text


# ---------------------------------------------------------------------------
# country leverage
# ---------------------------------------------------------------------------

def leverage(chain: Chain, *, horizon: int = 12, carriers: int = 3) -> pd.DataFrame:
    """End-use loss if a country cuts everything it supplies, per country.

    Columns: ``leverage`` (loss at ``horizon`` months, with stocks and substitution),
    ``immediate``, ``long_run``, ``nodes_supplied``, and ``carriers``: the nodes whose
    single cut by that country costs most (immediate), which carry the leverage.

    Examples
    --------
    >>> import riskmodel as rm
    >>> lev = rm.leverage(rm.load("bicycle"))
    >>> lev.index[0], round(float(lev.loc["CN", "leverage"]), 3)
    ('JP', 0.344)
    >>> lev.loc["JP", "carriers"]
    ['drivetrain', 'motors', 'battery_cells']
    """
    require_chain(chain, "leverage")
    from riskmodel.scenario import Cut, Scenario
    from riskmodel.simulation import chunk_size, cut_spec

    c = chain.compiled
    p = engine.params_from_compiled(c)
    expand = expansion(chain)
    # node × key shares a full cut by each key withholds; the candidates are the keys
    # that withhold something (a country named only with a zero share supplies nothing)
    shares = cut_shares(c, expand).tocsc()
    shares.eliminate_zeros()
    supplied = np.diff(shares.indptr)
    cands = [x for i, x in enumerate(c.countries) if x != c.home and supplied[i] > 0]
    cols = ["leverage", "immediate", "long_run", "nodes_supplied", "carriers"]
    if not cands:
        out = pd.DataFrame(columns=cols, index=pd.Index([], name="country"))
        out.attrs = {"horizon": horizon, "chain": chain.name}
        return out
    # one column per candidate: the cone kernel follows each where cuts are small,
    # else memory-bounded chunks of columns
    size = chunk_size(c.n, len(cands))
    spec = cut_spec(chain, [Scenario([Cut(x)], name=x, months=horizon + 1) for x in cands], p)
    imm = engine.static_loss(c, p, spec, chunk=size)
    lr = engine.static_loss(c, p, spec, mode="long_run", chunk=size)
    dyn = engine.dynamic(c, p, spec, horizon + 1, chunk=size).loss[horizon]
    # carriers: every (node, key) cut at once, one column each
    code = pd.Index(c.countries).get_indexer(cands)
    starts, ends = shares.indptr[code], shares.indptr[code + 1]
    cnt = ends - starts
    idx = np.repeat(starts - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    pair_node = shares.indices[idx].astype(np.int64)
    pair_key = np.repeat(np.arange(len(cands)), cnt)
    single = _choke(c, p, pair_node, [cands[i] for i in pair_key], horizon,
                    what=("immediate",), expand=expand).immediate
    o = np.lexsort((np.arange(len(single)), -single, pair_key))
    ptr = np.r_[0, np.cumsum(cnt)]
    rows_out = []
    for i, x in enumerate(cands):
        mine = o[ptr[i]:ptr[i + 1]][:carriers]
        top = [str(c.ids[pair_node[j]]) for j in mine if single[j] > 0]
        rows_out.append({"country": x, "leverage": dyn[i], "immediate": imm[i],
                         "long_run": lr[i], "nodes_supplied": int(cnt[i]), "carriers": top})
    out = pd.DataFrame(rows_out).set_index("country")
    out = out.sort_values(["leverage", "immediate"], ascending=False, kind="stable")
    out.attrs = {"horizon": horizon, "chain": chain.name}
    return out


# ---------------------------------------------------------------------------
# policy alignment
# ---------------------------------------------------------------------------

@dataclass
class PolicyAlignment:
    """Support against choke points.

    ``by_stage``: mean subsidy intensity, R&D intensity and profit margin per stage (the
    "smile curve"), with the number of nodes that have each figure. ``correlation``:
    Spearman rank correlation between each support measure and the choke score across the
    nodes that have both (with the count). ``nodes``: per node, support, choke score,
    their percentile ranks and the ``support_gap`` (choke percentile − support
    percentile: positive means less support than its choke importance). ``excluded``:
    nodes without support figures, counted, never treated as zero.
    """

    by_stage: pd.DataFrame
    correlation: pd.DataFrame
    nodes: pd.DataFrame
    excluded: dict[str, int]

    def __str__(self) -> str:
        from riskmodel.io.render import table

        lines = ["Support by stage:", table(self.by_stage), "",
                 "Rank correlation with the choke score:", table(self.correlation)]
        if any(self.excluded.values()):
            lines += ["", "Nodes without figures (excluded, not zero): " + ", ".join(
                f"{k} {v}" for k, v in self.excluded.items())]
        return "\n".join(lines)


SUPPORT = ("subsidy_intensity", "rd_intensity", "profit_margin")


def policy_alignment(chain: Chain, scores: pd.DataFrame | None = None) -> PolicyAlignment:
    """Subsidy/R&D/profit by stage, and support against choke score across nodes.

    Examples
    --------
    >>> import riskmodel as rm
    >>> pa = rm.policy_alignment(rm.load("industrial_robots"))
    >>> pa.by_stage["rd_intensity"].idxmax()
    'midstream'
    """
    from scipy.stats import spearmanr

    scores = scores if scores is not None else score(chain)
    c = chain.compiled
    df = pd.DataFrame({"stage": [c.stages[s] for s in c.stage],
                       "subsidy_intensity": c.subsidy_intensity, "rd_intensity": c.rd_intensity,
                       "profit_margin": c.profit_margin}, index=pd.Index(c.ids, name="node"))
    df["choke_score"] = scores["choke_score"].reindex(df.index)
    agg = {}
    for col in SUPPORT:
        agg[col] = df.groupby("stage", sort=False)[col].mean()
        agg[f"{col}_n"] = df.groupby("stage", sort=False)[col].count()
    by_stage = pd.DataFrame(agg).reindex([s for s in c.stages if s in set(df["stage"])])
    corr_rows = []
    for col in ("subsidy_intensity", "rd_intensity"):
        both = df[[col, "choke_score"]].dropna()
        rho = np.nan
        if len(both) >= 3 and both[col].nunique() > 1 and both["choke_score"].nunique() > 1:
            rho = float(spearmanr(both[col], both["choke_score"]).statistic)
        corr_rows.append({"support": col, "spearman": rho, "nodes": len(both)})
    correlation = pd.DataFrame(corr_rows).set_index("support")
    support = df[["subsidy_intensity", "rd_intensity"]].mean(axis=1, skipna=True)
    nodes = pd.DataFrame({"stage": df["stage"], "support": support,
                          "choke_score": df["choke_score"]})
    have = nodes.dropna(subset=["support", "choke_score"]).copy()
    have["support_pct"] = have["support"].rank(pct=True)
    have["choke_pct"] = have["choke_score"].rank(pct=True)
    have["support_gap"] = have["choke_pct"] - have["support_pct"]
    have = have.sort_values("support_gap", ascending=False)
    excluded = {col: int(df[col].isna().sum()) for col in SUPPORT}
    return PolicyAlignment(by_stage, correlation, have, excluded)


# ---------------------------------------------------------------------------
# uncertainty
# ---------------------------------------------------------------------------

def score_uncertainty(chain: Chain, *, draws: int = 200, seed: int | None = 0,
                      horizon: int = 12, top: int = 5,
                      scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Choke-score intervals and top-``top`` probabilities over the data's uncertainty.

    Every ranged number is drawn (see :mod:`riskmodel.uncertainty`); in each draw every
    node is cut by the supplier the baseline scores (its dominant foreign one). Returns,
    per node: ``p5``/``p50``/``p95`` of the choke score, ``rank_p5``/``rank_p95``,
    ``p_top`` (probability of ranking in the top ``top``), and ``baseline_rank``.
    ``.attrs["robust"]`` says whether every baseline top-``top`` node stays in the top
    ``top`` in at least 80% of draws.

    Examples
    --------
    >>> import riskmodel as rm
    >>> u = rm.score_uncertainty(rm.load("bicycle"), draws=50, seed=1, top=3)
    >>> bool(u.loc["drivetrain", "p_top"] > 0.9)
    True
    """
    require_chain(chain, "score_uncertainty")
    from scipy.stats import rankdata

    from riskmodel.uncertainty import check_draws, check_seed, numbers_per_draw, sample_params

    check_draws(draws, horizon)
    check_seed(seed)
    scores = scores if scores is not None else score(chain, horizon=horizon)
    c = chain.compiled
    rng = np.random.default_rng(seed)
    countries = [x if isinstance(x, str) else None
                 for x in scores["cut_country"].reindex(c.ids)]
    nodes = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    cc = [countries[j] for j in nodes]
    expand = expansion(chain)
    m = len(nodes)
    results = np.zeros((draws, c.n))
    # every column holds its draw's numbers where they are ranged
    per_chunk = max(1, _chunk(c.n, m * draws, extra=numbers_per_draw(chain)) // max(m, 1))
    done = 0 if m else draws  # no node to cut: every choke score is 0 in every draw
    while done < draws:
        d = min(per_chunk, draws - done)
        p_d, _ = sample_params(chain, d, rng)
        # columns: draw-major, one column per (draw, node)
        rep = np.repeat(np.arange(d), m)

        def widen(x: np.ndarray, rep: np.ndarray = rep) -> np.ndarray:
            return x[:, rep] if x.shape[1] > 1 else x
        p = Params(**{**p_d.__dict__, **{f: widen(getattr(p_d, f)) for f in (
            "row_share", "dep0", "ind0", "covers", "ne_share", "subst", "lead", "inventory",
            "weight")}})
        spec = _single_cuts(c, p, np.tile(nodes, d), cc * d, expand=expand)
        loss = engine.dynamic(c, p, spec, horizon + 1).loss[horizon]
        results[done:done + d, nodes] = loss.reshape(d, m)
        done += d
    # tied scores share their average rank, so nodes tied at 0 never count as "top"
    ranks = rankdata(-results, axis=1, method="average")
    out = pd.DataFrame({
        "baseline": scores["choke_score"].reindex(c.ids).to_numpy(),
        "p5": np.percentile(results, 5, axis=0), "p50": np.percentile(results, 50, axis=0),
        "p95": np.percentile(results, 95, axis=0),
        "rank_p5": np.percentile(ranks, 5, axis=0, method="nearest"),
        "rank_p95": np.percentile(ranks, 95, axis=0, method="nearest"),
        "p_top": (ranks <= top).mean(axis=0),
        "baseline_rank": scores["rank"].reindex(c.ids).to_numpy(),
    }, index=pd.Index(c.ids, name="node")).sort_values("baseline_rank")
    base_top = out[out["baseline_rank"] <= top]
    robust = bool((base_top["p_top"] >= 0.8).all())
    out.attrs = {"draws": draws, "seed": seed, "top": top, "robust": robust,
                 "note": (f"the top {top} is robust: each stays in it in ≥80% of draws"
                          if robust else
                          f"the top {top} is NOT robust: " + ", ".join(
                              f"{i} ({v:.0%})" for i, v in base_top["p_top"].items()
                              if v < 0.8) + " stay in it in fewer than 80% of draws")}
    return out
