"""The level plan of a compiled chain: its nodes in topological levels, each node's
inputs sorted for the kernels, and which columns can reach which nodes.

Nodes are processed level by level in topological order of the strongly connected
components (docs/model.md §1.4); a level holding a cycle is iterated to the greatest
fixed point, its nodes ordered inputs first as far as its cycles allow
(:func:`riskmodel.engine.cycles.sweep_order`), so that a sweep in place carries a change
along the level in one pass. The plan is built once per compiled chain (:func:`plan_for`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from riskmodel.engine.compiled import Compiled

if TYPE_CHECKING:
    from riskmodel.engine.cuts import CountryTable

__all__ = ["LevelPlan", "Plan", "column_limits", "plan_for", "reach_bound"]


@dataclass(frozen=True)
class LevelPlan:
    """What one topological level needs: its nodes and their inputs, pre-sorted."""

    nodes: np.ndarray        # node indices
    cyclic: bool             # holds a cycle: iterate to the greatest fixed point
    ess_src: np.ndarray      # essential input edges, sorted by requirement group
    ess_edge: np.ndarray     # ... their edge numbers (into the edge attribute arrays)
    grp_starts: np.ndarray   # start of each group in ess_*
    grp_pos: np.ndarray      # positions (within nodes) of nodes that have groups
    pos_starts: np.ndarray   # start of each such node's groups
    ne_src: np.ndarray       # non-essential input edges, sorted by node
    ne_edge: np.ndarray
    ne_starts: np.ndarray    # start of each node's non-essential inputs
    ne_pos: np.ndarray       # positions (within nodes) of nodes with non-essential inputs


@dataclass(frozen=True)
class Plan:
    """The level plan of a compiled chain (cached per compilation).

    ``levels`` drive the numpy backend (built on first use: a deep chain has as many
    levels as nodes); the flat arrays drive the compiled kernel: nodes in level order,
    and each node's inputs (``eptr`` by node) sorted as essential groups (``e_kind`` 0
    starts a group, 1 continues it) then non-essential (2).
    """

    n: int
    m: int
    order: np.ndarray
    level_ptr: np.ndarray
    level_cyclic: np.ndarray
    eptr: np.ndarray
    e_src: np.ndarray
    e_edge: np.ndarray
    e_kind: np.ndarray
    node_level: np.ndarray
    country_level: np.ndarray  # lowest level of a node each country supplies
    optr: np.ndarray           # CSR pointer over each node's outputs
    o_dst: np.ndarray          # the node each output edge feeds
    compiled: Compiled = field(repr=False, compare=False)

    @functools.cached_property
    def levels(self) -> tuple[LevelPlan, ...]:
        return _level_plans(self.compiled, self)

    @functools.cached_property
    def in_order(self) -> np.ndarray:
        """``0 … m − 1``: the kernels' input numbers when the coefficients they read are
        already in input order (:meth:`~riskmodel.engine.params.Params.edge_coef`)."""
        return np.arange(self.m, dtype=np.int64)

    @functools.cached_property
    def level_inputs(self) -> np.ndarray:
        """The number of inputs of each level's nodes."""
        per_node = np.diff(self.eptr)[self.order]
        return np.add.reduceat(per_node, self.level_ptr[:-1]) if self.n else \
            np.zeros(0, dtype=np.int64)


_PLANS: dict[int, tuple[Compiled, Plan]] = {}


def plan_for(c: Compiled) -> Plan:
    """The level plan of ``c`` (built once per compiled chain)."""
    hit = _PLANS.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1]
    plan = _build_plan(c)
    if len(_PLANS) > 32:
        _PLANS.clear()
    _PLANS[id(c)] = (c, plan)
    return plan


def _level_plans(c: Compiled, plan: Plan) -> tuple[LevelPlan, ...]:
    """Per level, its nodes and their inputs, sorted (one sort of all edges, then
    slices: linear in the chain's size however many levels it has)."""
    n, m = c.n, c.m
    dst = c.in_dst
    ess = c.edge_essential
    pos_of = np.empty(n, dtype=np.int64)
    pos_of[plan.order] = np.arange(n) - plan.level_ptr[plan.node_level[plan.order]]
    e_level = plan.node_level[dst] if m else np.zeros(0, dtype=np.int64)
    npos = pos_of[dst] if m else np.zeros(0, dtype=np.int64)
    # essential inputs by (level, node position, group); non-essential by (level, position)
    e_ess = np.flatnonzero(ess)
    e_ess = e_ess[np.lexsort((c.edge_group[e_ess], npos[e_ess], e_level[e_ess]))]
    e_ne = np.flatnonzero(~ess)
    e_ne = e_ne[np.lexsort((npos[e_ne], e_level[e_ne]))]
    n_levels = len(plan.level_ptr) - 1
    ess_ptr = np.searchsorted(e_level[e_ess], np.arange(n_levels + 1))
    ne_ptr = np.searchsorted(e_level[e_ne], np.arange(n_levels + 1))
    empty = np.zeros(0, dtype=np.int64)
    out = []
    for L in range(n_levels):
        nodes = plan.order[plan.level_ptr[L]:plan.level_ptr[L + 1]]
        ee = e_ess[ess_ptr[L]:ess_ptr[L + 1]]
        if len(ee):
            grp, gp = c.edge_group[ee], npos[ee]
            grp_starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
            gpos = gp[grp_starts]
            pos_starts = np.flatnonzero(np.r_[True, gpos[1:] != gpos[:-1]])
            grp_pos = gpos[pos_starts]
        else:
            grp_starts = pos_starts = grp_pos = empty
        en = e_ne[ne_ptr[L]:ne_ptr[L + 1]]
        if len(en):
            ne_npos = npos[en]
            ne_starts = np.flatnonzero(np.r_[True, ne_npos[1:] != ne_npos[:-1]])
            ne_pos = ne_npos[ne_starts]
        else:
            ne_starts = ne_pos = empty
        out.append(LevelPlan(
            nodes=nodes, cyclic=bool(plan.level_cyclic[L]), ess_src=c.in_src[ee], ess_edge=ee,
            grp_starts=grp_starts, grp_pos=grp_pos, pos_starts=pos_starts,
            ne_src=c.in_src[en], ne_edge=en, ne_starts=ne_starts, ne_pos=ne_pos))
    return tuple(out)


def _build_plan(c: Compiled) -> Plan:
    """The levels of ``c`` and the flat, per-node sorted input layout of the kernels."""
    n, m = c.n, c.m
    dst = c.in_dst
    ess = c.edge_essential
    # levels are numbered 0, 1, ... without gaps (Kahn's algorithm on the condensation)
    order = c.order.astype(np.int64)
    level_ptr = np.asarray(c.level_ptr, dtype=np.int64)
    node_level = np.asarray(c.level, dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    n_levels = len(level_ptr) - 1
    level_cyclic = np.zeros(n_levels, dtype=np.bool_)
    if n:
        level_cyclic[node_level[c.cyclic]] = True
    # flat layout for the kernel
    non_ess = (~ess).astype(np.int64)
    o = np.lexsort((c.edge_group, non_ess, dst)) if m else np.zeros(0, dtype=np.int64)
    e_dst, e_grp, e_ne = dst[o], c.edge_group[o], non_ess[o].astype(bool)
    kind = np.full(m, 2, dtype=np.int8)
    if m:
        new = np.r_[True, (e_dst[1:] != e_dst[:-1]) | (e_grp[1:] != e_grp[:-1])]
        kind[~e_ne] = np.where(new[~e_ne], 0, 1)
    eptr = np.searchsorted(e_dst, np.arange(n + 1)).astype(np.int64)
    country_level = np.full(len(c.countries), np.iinfo(np.int64).max, dtype=np.int64)
    row_node = np.repeat(np.arange(n), np.diff(c.supply.indptr))
    np.minimum.at(country_level, c.supply.indices, node_level[row_node])
    by_src = np.argsort(c.in_src, kind="stable")
    optr = np.searchsorted(c.in_src[by_src], np.arange(n + 1)).astype(np.int64)
    e_src = c.in_src[o].astype(np.int64)
    if level_cyclic.any():  # cyclic levels in the order sweeps in place take them
        from riskmodel.engine.cycles import sweep_order

        order = sweep_order(order, level_ptr, level_cyclic, eptr, e_src, node_level)
    return Plan(n=n, m=m, order=order, level_ptr=level_ptr, level_cyclic=level_cyclic,
                eptr=eptr, e_src=e_src, e_edge=o.astype(np.int64),
                e_kind=kind, node_level=node_level, country_level=country_level, optr=optr,
                o_dst=dst[by_src].astype(np.int64), compiled=c)


def reach_bound(c: Compiled, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per node, an upper bound of the end-use ``weight`` it can reach, and whether a
    cycle lies in its downstream cone (see :func:`riskmodel.engine.cone.reach_bound`)."""
    from riskmodel.engine import cone

    plan = plan_for(c)
    R, amp = cone.reach_bound(plan.order, plan.level_ptr, plan.level_cyclic,
                              c.in_ptr.astype(np.int64), c.in_src.astype(np.int64), weight,
                              c.cyclic.astype(np.bool_))
    return np.minimum(R, 1.0), amp


def column_limits(plan: Plan, nodes: np.ndarray, cols: np.ndarray, k: int,
                  table: CountryTable | None = None) -> np.ndarray:
    """Per node, how many leading columns can reach it (``k`` when columns are unordered).

    A column reaches only nodes at or after the level of a node it cuts. When the
    columns are sorted by that level, node ``j`` needs just the columns whose level is
    at most its own; the others keep availability 1.
    """
    big = np.iinfo(np.int64).max
    col_level = np.full(k, big, dtype=np.int64)
    if len(nodes):
        np.minimum.at(col_level, cols, plan.node_level[nodes])
    if table is not None and len(table.col):
        np.minimum.at(col_level, table.col, plan.country_level[table.country])
    if k > 1 and np.any(np.diff(col_level) < 0):
        return np.full(plan.n, k, dtype=np.int64)
    return np.searchsorted(col_level, plan.node_level, side="right").astype(np.int64)

