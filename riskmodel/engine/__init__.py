"""The fast propagation engine: the equations of docs/model.md §1.4–1.5 on arrays.

Everything here works on :class:`~riskmodel.model.Compiled` arrays and evaluates
``k`` scenarios (or Monte Carlo draws) at once as the columns of ``(n, k)`` matrices.
Nodes are processed level by level in topological order of the strongly connected
components; a level holding a cycle is iterated from availability 1 downward to the
greatest fixed point. :mod:`riskmodel.reference` states the same equations node by
node on the networkx graph; tests hold the two to 1e-9 of each other.

The equations, for node ``j`` in month ``t``:

- requirement group ``g`` (one essential input, or alternatives):
  ``G_g = min(1, Σ_{i∈g} covers_i · A_i)``
- production feasibility:
  ``P_j = min(min_g G_g, 1 − Σ_{i non-essential} share_i · (1 − A_i))`` (1 without inputs)
- supply, with ``x_jc`` the fraction country ``c`` withholds, ``d_c = P_j`` for producers
  that need the chain's inputs (the home country in a home view; everyone in a global
  one) and 1 otherwise, ``s_j`` the substitutability, and for each cut ``q`` of that
  supply its fraction ``f_q`` and ramp ``ρ_q(t) = min(1, months since q began /
  lead_time_j)`` (1 with no lead time), the net withheld fraction is
  ``x_jc = max_q f_q (1 − s_j ρ_q)``: substitution replaces ``s_j ρ_q`` of the cut-induced
  shortfall, each cut ramps from its own start, and where cuts overlap the one leaving
  the larger shortfall binds (so cutting more never raises availability);
  ``S_j = Σ_c m_jc (1 − x_jc) d_c + m_other d_other``;
- stock: ``A_j = min(1, S_j + stock_j)``; the stock (months of demand, starting at
  ``inventory_months``) falls by ``A_j − S_j`` each month and is not rebuilt.

Writing ``a_j = Σ_dependent m (1 − x)`` and ``b_j`` for the rest, supply is
``S_j = a_j P_j + b_j``, which is how the arrays below compute it.

Three compiled paths share these equations (the numpy backend serves small work):

- one column (one scenario): nodes of a level in parallel (``_kernel.propagate1``);
- many columns: column blocks in parallel (``_kernel.propagate``); a cut of everything a
  country supplies reaches it as a :class:`CountryTable`, the others as
  (node, column) pairs;
- many columns that each cut a few nodes, end-use loss only (the choke score, knockouts):
  each column follows the nodes its cuts reach (``_cone``; :func:`cone_losses`), and
  gives way to the column-block kernel when that would do less work.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from riskmodel._errors import ConvergenceError
from riskmodel.engine.compiled import Compiled
from riskmodel.limits import MEMORY_BUDGET

__all__ = [
    "Cones",
    "CountryTable",
    "CutSpec",
    "Params",
    "Plan",
    "cone_losses",
    "dynamic",
    "params_from_compiled",
    "plan_for",
    "static",
    "static_loss",
]

TOL = 1e-13
MAX_ITER = 100_000
#: ``"auto"`` (numba for large work, numpy otherwise), ``"numba"`` or ``"numpy"``; ``"cone"``
#: also forces the cone kernel where it applies (:func:`cone_losses`).
BACKEND = "auto"
#: Work (edges × columns) from which ``auto`` uses the compiled kernel.
NUMBA_MIN_WORK = 200_000
#: Cut nodes per column up to which ``auto`` tries the cone kernel (:mod:`._cone`) ...
CONE_MAX_CUTS = 4.0
#: ... and the share of the column-block kernel's input reads it may make before giving
#: up. A read costs the cone kernel 6–8 times what it costs the block kernel (measured on
#: synthetic chains at 10^4 and 3·10^4 nodes), so 3% of the reads is about a quarter of
#: the block kernel's time: where cuts reach far, about 1.25× the block kernel at worst.
CONE_WORK_SHARE = 0.03


# ---------------------------------------------------------------------------
# the level plan
# ---------------------------------------------------------------------------

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
    return Plan(n=n, m=m, order=order, level_ptr=level_ptr, level_cyclic=level_cyclic,
                eptr=eptr, e_src=c.in_src[o].astype(np.int64), e_edge=o.astype(np.int64),
                e_kind=kind, node_level=node_level, country_level=country_level, optr=optr,
                o_dst=dst[by_src].astype(np.int64), compiled=c)


def reach_bound(c: Compiled, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per node, an upper bound of the end-use ``weight`` it can reach, and whether a
    cycle lies in its downstream cone (see :func:`riskmodel._cone.reach_bound`)."""
    from riskmodel.engine import cone as _cone

    plan = plan_for(c)
    R, amp = _cone.reach_bound(plan.order, plan.level_ptr, plan.level_cyclic,
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


# ---------------------------------------------------------------------------
# parameters: the numbers, possibly one column per Monte Carlo draw
# ---------------------------------------------------------------------------

@dataclass
class Params:
    """Numeric inputs of the engine. Each array is ``(rows, 1)`` or ``(rows, k)``.

    Supplier rows are the entries of the node × country share matrix, in CSR order.
    """

    row_node: np.ndarray      # (r,) node of each supplier row
    row_country: np.ndarray   # (r,) country column of each row
    row_dep: np.ndarray       # (r,) bool: does this producer need the chain's inputs?
    row_share: np.ndarray     # (r, 1|k) shares (normalised so a node's total ≤ 1)
    dep0: np.ndarray          # (n, 1|k) dependent share of supply with no cut
    ind0: np.ndarray          # (n, 1|k) independent share
    covers: np.ndarray        # (m, 1|k)
    ne_share: np.ndarray      # (m, 1|k) non-essential cost share (0 where absent)
    subst: np.ndarray         # (n, 1|k)
    lead: np.ndarray          # (n, 1|k)
    inventory: np.ndarray     # (n, 1|k)
    weight: np.ndarray        # (n, 1|k) end-use weights, summing to 1 per column
    #: cache of :meth:`edge_coef` (keyed by the arrays it was made from)
    coef_cache: Any = field(default=None, repr=False, compare=False)

    @property
    def k(self) -> int:
        return max(a.shape[1] for a in (self.row_share, self.covers, self.subst, self.weight))

    def edge_coef(self, plan: Plan) -> np.ndarray:
        """Each input's covers (essential) or cost share (non-essential), first column,
        in the kernel's input order (``plan.e_edge``): read in sequence, not gathered."""
        key = (id(plan), id(self.covers), id(self.ne_share))
        hit = self.coef_cache
        if hit is not None and hit[0] == key:
            return hit[1]
        coef = np.where(plan.e_kind == 2, self.ne_share[plan.e_edge, 0],
                        self.covers[plan.e_edge, 0]).astype(float)
        # the arrays are kept with the key so that their ids stay theirs
        self.coef_cache = (key, coef, plan, self.covers, self.ne_share)
        return coef


def _col(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 1) if x.ndim == 1 else x


def params_from_compiled(c: Compiled, *, row_share: np.ndarray | None = None,
                         covers: np.ndarray | None = None, share: np.ndarray | None = None,
                         subst: np.ndarray | None = None, lead: np.ndarray | None = None,
                         inventory: np.ndarray | None = None,
                         value: np.ndarray | None = None) -> Params:
    """Engine parameters from compiled arrays; any may be replaced by ``(rows, k)`` draws."""
    sup = c.supply
    r_node = np.repeat(np.arange(c.n), np.diff(sup.indptr))
    r_country = sup.indices.astype(np.int64)
    if c.home is None:
        r_dep = np.ones(len(r_node), dtype=bool)
    else:
        r_dep = r_country == c.countries.index(c.home)
    rs = _col(np.asarray(sup.data, dtype=float) if row_share is None else row_share)
    incidence = sparse.csr_matrix((np.ones(len(r_node)), (r_node, np.arange(len(r_node)))),
                                  shape=(c.n, len(r_node)))
    total = np.asarray(incidence @ rs)
    over = total > 1.0
    if over.any():  # shares within the rounding tolerance above 1: scale to 1
        scale = np.where(over, 1.0 / np.where(total > 0, total, 1.0), 1.0)
        rs = rs * scale[r_node]
        total = np.minimum(total, 1.0)
    other = np.clip(1.0 - total, 0.0, None)
    lone = np.diff(sup.indptr) == 0
    if c.home is None:
        other[lone] = 1.0
    dep_inc = sparse.csr_matrix((r_dep.astype(float), (r_node, np.arange(len(r_node)))),
                                shape=(c.n, len(r_node)))
    dep_share = np.asarray(dep_inc @ rs)
    od = _col(c.other_dependent.astype(float))
    dep0 = dep_share + other * od
    ind0 = (total - dep_share) + other * (1 - od)
    ne = np.where(c.edge_essential, 0.0, np.nan_to_num(c.edge_share, nan=0.0))
    if share is not None:
        share = _col(share)
        ne = np.where(_col(c.edge_essential), 0.0, np.nan_to_num(share, nan=0.0))
    if value is None:
        weight = _col(c.weight)
    else:
        v = np.where(_col(c.end_use), np.nan_to_num(_col(value), nan=0.0), 0.0)
        top = v.max(axis=0, keepdims=True) if len(v) else np.zeros((1, v.shape[1]))
        v = v / np.where(top > 0, top, 1.0)  # to at most 1 first, so that the sum is finite
        tot = v.sum(axis=0, keepdims=True)
        weight = np.where(tot > 0, v / np.where(tot > 0, tot, 1), _col(c.weight))
    return Params(
        row_node=r_node, row_country=r_country, row_dep=r_dep, row_share=rs, dep0=dep0,
        ind0=ind0, covers=_col(c.edge_covers if covers is None else covers),
        ne_share=_col(ne), subst=_col(c.substitutability if subst is None else subst),
        lead=_col(c.lead_time if lead is None else lead),
        inventory=_col(c.inventory if inventory is None else inventory), weight=weight)


# ---------------------------------------------------------------------------
# cuts
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CutSpec:
    """Cuts for ``k`` columns: each atom withholds ``fraction`` of some supplier rows of
    one column from month ``start`` to ``end`` (exclusive; ``inf`` = permanent).

    Atoms are reduced to unique (supplier row, column) *pairs*. Each atom's
    substitution ramps from its own start; where atoms overlap on a pair, the one
    leaving the larger net shortfall ``f·(1 − s·ρ)`` binds. So more cuts, larger
    fractions and longer cuts never raise availability.
    """

    k: int
    col: np.ndarray        # (q,) column of each atom
    rows: list[np.ndarray]  # supplier rows of each atom
    fraction: np.ndarray   # (q,)
    start: np.ndarray      # (q,)
    end: np.ndarray        # (q,) float, inf for permanent
    #: (q,) the country whose every supplier row the atom names, or -1 (a partial cut)
    country: np.ndarray | None = None

    @classmethod
    def none(cls, k: int = 1) -> CutSpec:
        z = np.zeros(0)
        return cls(k, z.astype(np.int64), [], z, z, z)

    def take(self, lo: int, hi: int) -> CutSpec:
        """Columns ``lo:hi`` as a spec of their own."""
        q = np.flatnonzero((self.col >= lo) & (self.col < hi))
        return CutSpec(hi - lo, self.col[q] - lo, [self.rows[i] for i in q], self.fraction[q],
                       self.start[q], self.end[q],
                       None if self.country is None else self.country[q])

    def active(self, t: int) -> np.ndarray:
        return (self.start <= t) & (t < self.end)

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(pair_row, pair_col, atom_of_entry, pair_of_entry)`` for every atom entry."""
        if not self.rows:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, z
        sizes = np.array([len(r) for r in self.rows])
        rows = np.concatenate(self.rows).astype(np.int64)
        atom = np.repeat(np.arange(len(self.rows)), sizes)
        cols = self.col[atom]
        key = rows * self.k + cols
        if len(key) < 2 or bool(np.all(key[1:] > key[:-1])):  # already unique and sorted
            return rows, cols, atom, np.arange(len(key))
        uniq, inv = np.unique(key, return_inverse=True)
        return uniq // self.k, uniq % self.k, atom, inv

    def net(self, t: int | None, prepared: tuple[np.ndarray, ...], subst: np.ndarray,
            lead: np.ndarray, *, ramp: float | None = None) -> np.ndarray:
        """Net withheld fraction of each pair, after substitution, in month ``t``.

        ``subst``/``lead`` are per pair. ``t=None`` takes every atom as active with the
        fixed ``ramp`` (0: immediate, 1: long run).
        """
        pair_row, _, atom, inv = prepared
        x = np.zeros(len(pair_row))
        if len(atom) == 0:
            return x
        on = np.ones(len(atom), dtype=bool) if t is None else self.active(t)[atom]
        a, pe = atom[on], inv[on]
        if t is None:
            rho = np.full(len(a), float(ramp or 0.0))
        else:
            lp = lead[pe]
            age = t - self.start[a]
            rho = np.where(lp > 0, np.minimum(1.0, age / np.where(lp > 0, lp, 1.0)), 1.0)
        vals = self.fraction[a] * (1.0 - subst[pe] * rho)
        if len(inv) == len(x) and len(pe) == len(x):  # one entry per pair, all active
            x[pe] = vals
        else:
            np.maximum.at(x, pe, vals)
        return x


@dataclass(frozen=True)
class Withheld:
    """Shares withheld (net of substitution) per (node, column), node-sorted."""

    node: np.ndarray
    col: np.ndarray
    dep: np.ndarray   # withheld from producers that need the chain's inputs
    ind: np.ndarray   # withheld from the others

    def dense(self, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        dep = sparse.coo_matrix((self.dep, (self.node, self.col)), shape=(n, k)).toarray()
        ind = sparse.coo_matrix((self.ind, (self.node, self.col)), shape=(n, k)).toarray()
        return dep, ind

    def ptr(self, n: int) -> np.ndarray:
        """CSR pointer over the node-sorted pairs (by counting: O(n + pairs))."""
        out = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.node, minlength=n), out=out[1:])
        return out


@dataclass(frozen=True)
class CountryTable:
    """Atoms that cut everything a country supplies, for the column-block kernel.

    Sorted by ``country · k + column`` with ``ptr`` over that key, so that each node
    finds the atoms of its own supplier countries without any per-row expansion: a
    batch of country-wide cuts then costs nothing per supplier row before the kernel.
    """

    k: int
    country: np.ndarray
    col: np.ndarray
    ptr: np.ndarray
    fraction: np.ndarray
    start: np.ndarray
    end: np.ndarray
    #: each country's place in the table (-1: no column cuts all of it); the table
    #: spans only these countries, so 200,000 supplier keys cost nothing here
    slot: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def build(cls, cuts: CutSpec, atoms: np.ndarray, n_countries: int) -> CountryTable:
        assert cuts.country is not None
        present = np.unique(cuts.country[atoms])
        slot = np.full(n_countries, -1, dtype=np.int64)
        slot[present] = np.arange(len(present))
        key = slot[cuts.country[atoms]] * cuts.k + cuts.col[atoms]
        o = np.argsort(key, kind="stable")
        a = atoms[o]
        ptr = np.searchsorted(key[o], np.arange(len(present) * cuts.k + 1)).astype(np.int64)
        return cls(cuts.k, cuts.country[a].astype(np.int64), cuts.col[a].astype(np.int64), ptr,
                   cuts.fraction[a].astype(float), cuts.start[a].astype(float),
                   cuts.end[a].astype(float), slot)

    def kernel_args(self, c: Compiled, p: Params) -> tuple:
        return (self.k, self.ptr, self.fraction, self.start, self.end,
                c.supply.indptr.astype(np.int64), self.slot[p.row_country].astype(np.int64),
                p.row_dep.astype(np.bool_), np.ascontiguousarray(p.row_share, dtype=float),
                np.ascontiguousarray(p.subst, dtype=float),
                np.ascontiguousarray(p.lead, dtype=float))


def _no_table() -> tuple:
    i, f = np.zeros(1, dtype=np.int64), np.zeros(0)
    return (0, i, f, f, f, i, i[:0], np.zeros(0, dtype=np.bool_), np.zeros((0, 1)),
            np.zeros((0, 1)), np.zeros((0, 1)))


def split_country_atoms(cuts: CutSpec, p: Params, n_countries: int
                        ) -> tuple[CutSpec, CountryTable | None]:
    """``cuts`` as explicit atoms plus a :class:`CountryTable` of whole-country atoms.

    A whole-country atom stays explicit where an explicit atom of the same column cuts
    a row of that country: overlapping atoms must be combined row by row (the larger
    net shortfall binds), which the explicit pairs do.
    """
    if cuts.country is None or not np.any(cuts.country >= 0):
        return cuts, None
    whole = cuts.country >= 0
    part = np.flatnonzero(~whole)
    if len(part):
        keys = np.unique(np.concatenate(
            [p.row_country[cuts.rows[q]] * cuts.k + cuts.col[q] for q in part]))
        whole &= ~np.isin(cuts.country * cuts.k + cuts.col, keys)
    rest = np.flatnonzero(~whole)
    explicit = CutSpec(cuts.k, cuts.col[rest], [cuts.rows[q] for q in rest],
                       cuts.fraction[rest], cuts.start[rest], cuts.end[rest])
    return explicit, CountryTable.build(cuts, np.flatnonzero(whole), n_countries)


def _withheld(p: Params, prepared: tuple[np.ndarray, ...], x: np.ndarray) -> Withheld:
    """The withheld shares given each pair's net withheld fraction ``x``."""
    pair_row, pair_col = prepared[0], prepared[1]
    share = p.row_share[pair_row, pair_col if p.row_share.shape[1] > 1 else 0] if len(
        pair_row) else np.zeros(0)
    amount = share * x
    dep = p.row_dep[pair_row]
    nodes = p.row_node[pair_row]
    if len(nodes) > 1 and not bool(np.all(nodes[1:] >= nodes[:-1])):
        o = np.argsort(nodes, kind="stable")
        nodes, pair_col, amount, dep = nodes[o], pair_col[o], amount[o], dep[o]
    return Withheld(nodes.astype(np.int64), pair_col.astype(np.int64),
                    np.where(dep, amount, 0.0), np.where(dep, 0.0, amount))


def _pair_param(arr: np.ndarray, nodes: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return arr[nodes, cols if arr.shape[1] > 1 else 0]


# ---------------------------------------------------------------------------
# propagation
# ---------------------------------------------------------------------------

def _level_supply(lv: LevelPlan, A: np.ndarray, a: np.ndarray, b: np.ndarray,
                  covers: np.ndarray, ne_share: np.ndarray) -> np.ndarray:
    """Supply ``a·P + b`` of the level's nodes given current availabilities ``A``."""
    k = A.shape[1]
    P = np.ones((len(lv.nodes), k))
    if len(lv.ess_src):
        vals = covers[lv.ess_edge] * A[lv.ess_src]
        G = np.add.reduceat(vals, lv.grp_starts, axis=0)
        np.minimum(G, 1.0, out=G)
        P[lv.grp_pos] = np.minimum.reduceat(G, lv.pos_starts, axis=0)
    if len(lv.ne_src):
        loss = ne_share[lv.ne_edge] * (1.0 - A[lv.ne_src])
        sums = np.add.reduceat(loss, lv.ne_starts, axis=0)
        P[lv.ne_pos] = np.minimum(P[lv.ne_pos], 1.0 - sums)
    np.clip(P, 0.0, 1.0, out=P)
    return a[lv.nodes] * P + b[lv.nodes]


def _use_numba(plan: Plan, k: int, backend: str | None) -> bool:
    choice = backend or BACKEND
    if choice == "numpy":
        return False
    if choice in ("numba", "cone"):
        return True
    if choice != "auto":
        raise ValueError(f"unknown backend {choice!r}; valid: auto, numba, numpy, cone")
    if (plan.m + plan.n) * k < NUMBA_MIN_WORK:
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return True


def _one_column(p: Params, k: int) -> bool:
    return k == 1 and max(p.covers.shape[1], p.ne_share.shape[1], p.dep0.shape[1]) == 1


def _uses_table(plan: Plan, p: Params, k: int, backend: str | None) -> bool:
    """Whether :func:`propagate` runs the column-block kernel, which reads a
    :class:`CountryTable` (the other paths take every cut as explicit pairs)."""
    return _use_numba(plan, k, backend) and not _one_column(p, k)


def _not_converged(plan: Plan, level: int, ids: Sequence[Any] | None) -> None:
    lv = plan.levels[level]
    names = [str(ids[i]) for i in lv.nodes[:5]] if ids is not None else []
    raise ConvergenceError(f"availability on the cycle through {', '.join(names) or 'a cycle'} "
                           f"did not converge within {MAX_ITER} iterations")


def batch_columns(n: int, k: int, *, arrays: int, extra: int = 0, cap: int | None = None
                  ) -> int:
    """How many of ``k`` scenario columns to evaluate at once within the memory budget.

    Each column holds ``arrays`` float64 arrays of the ``n`` nodes and ``extra`` further
    numbers (a Monte Carlo draw's parameters); a batch stays within
    :data:`riskmodel.limits.MEMORY_BUDGET`, takes at least one column and at most
    ``cap``.

    >>> batch_columns(10**6, 500, arrays=2)   # 2 GiB / 16 MB a column
    134
    >>> batch_columns(100, 500, arrays=14, cap=192)
    192
    """
    per_column = 8 * (max(n, 1) * arrays + extra)
    return int(max(1, min(k, cap or k, MEMORY_BUDGET // per_column)))


def propagate(plan: Plan, p: Params, cut: Withheld, stock: np.ndarray | None, k: int, *,
              ids: Sequence[Any] | None = None, backend: str | None = None,
              update_stock: bool = False, out: np.ndarray | None = None,
              limit: np.ndarray | None = None, table: tuple | None = None,
              t: float = 0.0, ramp: float = 0.0) -> np.ndarray:
    """Availability ``A`` of every node, ``(n, k)``.

    Supply is ``S = a·P + b`` with ``a = dep0 − cut.dep`` and ``b = ind0 − cut.ind``
    (less what ``table``, the kernel arguments of a :class:`CountryTable`, withholds in
    month ``t`` or with the fixed ``ramp`` ≥ 0; only where :func:`_uses_table`);
    ``stock`` (months, ``(n, k)``) tops it up: ``A = min(1, S + stock)``, and with
    ``update_stock`` each stock is drawn down in place by what it supplied, ``A − S``.
    ``out`` may give the array to fill (numba backend); ``limit`` the columns each node
    needs (see :func:`column_limits`; computed from ``cut`` when not given).
    """
    if _use_numba(plan, k, backend):
        import numba

        from riskmodel.engine import kernel as _kernel

        st = stock if stock is not None else np.zeros((1, 1))
        cov, nes = np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share)
        d0, i0 = np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0)
        if _one_column(p, k):
            if table is not None:
                raise ValueError("a country table needs the column-block kernel")
            A = out if out is not None and out.shape == (plan.n, 1) else np.ones((plan.n, 1))
            bad = _kernel.propagate1(
                plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src,
                plan.e_kind, p.edge_coef(plan), d0, i0, cut.ptr(plan.n), cut.dep, cut.ind,
                st, stock is not None, update_stock and stock is not None, A, TOL, MAX_ITER)
            if bad >= 0:
                _not_converged(plan, bad, ids)
            return A
        if limit is None:
            limit = column_limits(plan, cut.node, cut.col, k)
        fresh = out is None or out.shape != (plan.n, k)
        A = np.empty((plan.n, k)) if fresh else out
        bad = _kernel.propagate(
            plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src, plan.e_edge,
            plan.e_kind, cov, nes, d0, i0, cut.ptr(plan.n), cut.col, cut.dep, cut.ind,
            table if table is not None else _no_table(), float(t), float(ramp), st,
            stock is not None, update_stock and stock is not None, A, TOL, MAX_ITER,
            numba.get_num_threads() if k > 1 else 1, limit, fresh)
        if bad >= 0:
            _not_converged(plan, bad, ids)
        return A
    if table is not None:
        raise ValueError("a country table needs the column-block kernel")
    dep_x, ind_x = cut.dense(plan.n, k)
    A, S = _propagate_numpy(plan, p.dep0 - dep_x, p.ind0 - ind_x, p.covers, p.ne_share, stock,
                            k=k, ids=ids)
    if update_stock and stock is not None:
        stock -= A - S
        np.maximum(stock, 0.0, out=stock)
    return A


@dataclass
class Cones:
    """What :func:`cone_losses` returns: end-use loss ``(months, k)``; and, when asked,
    per column the last month's ``reach`` (end-use weight that lost more than
    ``TINY``) and the end-use nodes that stopped (availability ≤ ``TINY``),
    ``dead_nodes[dead_ptr[col]:dead_ptr[col + 1]]``."""

    loss: np.ndarray
    reach: np.ndarray | None = None
    dead_ptr: np.ndarray | None = None
    dead_nodes: np.ndarray | None = None


#: What counts as a loss (``reach``) and as stopped (``dead``) in :class:`Cones`.
TINY = 1e-9


def cone_losses(c: Compiled, p: Params, node: np.ndarray, col: np.ndarray,
                dep: np.ndarray, ind: np.ndarray, k: int, months: int, *, stock: bool,
                backend: str | None = None, last: bool = False,
                cap: int | None = None) -> Cones | None:
    """End-use losses by the cone kernel (:mod:`riskmodel._cone`), or None where it
    does not apply or would not pay (then use :func:`propagate`).

    Column ``col[q]`` withholds ``dep[t, q]``/``ind[t, q]`` of node ``node[q]``'s
    dependent/independent supply in month ``t``; ``stock`` runs the dynamics with
    stocks (else no stock, as :func:`static`). ``last`` also gives the last month's
    reach and stopped end-use nodes (:class:`Cones`). ``backend="cone"`` forces it (no
    work cap); the cone kernel needs numba and one column of numbers (no Monte Carlo
    draws). ``cap`` replaces the work cap by this many steps (input reads plus node
    evaluations): None then means the cuts needed more.
    """
    plan = plan_for(c)
    choice = backend or BACKEND
    forced = choice == "cone" or (cap is not None and choice == "auto")
    single = max(p.covers.shape[1], p.ne_share.shape[1], p.dep0.shape[1],
                 p.inventory.shape[1], p.weight.shape[1]) == 1
    if not forced and (choice != "auto" or not single or not _use_numba(plan, k, None)
                       or len(node) > CONE_MAX_CUTS * k):
        return None
    if not single:
        raise ValueError("the cone kernel needs one column of numbers")
    n = plan.n
    key = col.astype(np.int64) * n + node
    uniq, inv = np.unique(key, return_inverse=True)
    t_idx = np.arange(months)[:, None]
    c_dep = np.zeros((months, len(uniq)))
    c_ind = np.zeros((months, len(uniq)))
    np.add.at(c_dep, (t_idx, inv[None, :]), np.broadcast_to(dep, (months, len(node))))
    np.add.at(c_ind, (t_idx, inv[None, :]), np.broadcast_to(ind, (months, len(node))))
    u_col, u_node = uniq // n, uniq % n
    if cap is not None:
        cap = int(min(cap, np.iinfo(np.int64).max // 2))
    elif forced:
        cap = np.iinfo(np.int64).max // 2
    else:
        limit = column_limits(plan, u_node, u_col, k)
        cap = int(CONE_WORK_SHARE * months * float(limit @ (np.diff(plan.eptr) + 1)))
    out = Cones(np.zeros((months, k)), np.zeros(k), np.zeros(k + 1, dtype=np.int64))
    if not _run_cones(c, p, plan, u_node, u_col, c_dep, c_ind, k, months, stock, cap, out,
                      fill_dead=False):
        return None
    if not last:
        return Cones(out.loss)
    # list the stopped end-use nodes: a second pass over the columns that have any
    assert out.dead_ptr is not None
    counts = out.dead_ptr[1:].copy()
    sel = np.flatnonzero(counts)
    out.dead_ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
    out.dead_nodes = np.zeros(int(out.dead_ptr[-1]), dtype=np.int64)
    if len(sel):
        keep = np.isin(u_col, sel)
        # the kernel writes each selected column's nodes from its start in dead_ptr
        sub = Cones(np.zeros((months, len(sel))), np.zeros(len(sel)),
                    out.dead_ptr[sel].copy(), out.dead_nodes)
        _run_cones(c, p, plan, u_node[keep], np.searchsorted(sel, u_col[keep]),
                   c_dep[:, keep], c_ind[:, keep], len(sel), months, stock,
                   np.iinfo(np.int64).max // 2, sub, fill_dead=True)
    return out


def _run_cones(c: Compiled, p: Params, plan: Plan, node: np.ndarray, col: np.ndarray,
               c_dep: np.ndarray, c_ind: np.ndarray, k: int, months: int, stock: bool,
               cap: int, out: Cones, *, fill_dead: bool) -> bool:
    """One call of the cone kernel on (col, node)-sorted cut entries; False if it
    exceeded ``cap``."""
    import numba

    from riskmodel.engine import cone as _cone

    end_pos = np.full(plan.n, -1, dtype=np.int64)
    end_pos[c.end_use] = 0  # end-use weights are 0 elsewhere
    cptr = np.searchsorted(col, np.arange(k + 1)).astype(np.int64)
    status = _cone.propagate_cones(
        months, plan.order, plan.level_ptr, plan.level_cyclic, plan.node_level, plan.eptr,
        plan.e_src, plan.e_edge, plan.e_kind, plan.optr, plan.o_dst,
        np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share),
        np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0),
        np.ascontiguousarray(p.inventory, dtype=float), stock, cptr, node.astype(np.int64),
        np.ascontiguousarray(c_dep), np.ascontiguousarray(c_ind), np.ascontiguousarray(p.weight),
        end_pos, out.loss, out.reach, out.dead_ptr, out.dead_nodes
        if out.dead_nodes is not None else np.zeros(0, dtype=np.int64), fill_dead, TINY, TOL,
        MAX_ITER, cap, numba.get_num_threads())
    if status == -2:
        return False
    if status >= 0:
        _not_converged(plan, int(status), c.ids)
    return True


def _propagate_numpy(plan: Plan, a: np.ndarray, b: np.ndarray, covers: np.ndarray,
                     ne_share: np.ndarray, stock: np.ndarray | None = None, *,
                     k: int | None = None, ids: Sequence[Any] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The numpy backend: level by level, Jacobi iteration on cyclic levels."""
    k = k or max(a.shape[1], b.shape[1], 1 if stock is None else stock.shape[1])
    A = np.ones((plan.n, k))
    S = np.ones((plan.n, k))
    for lv in plan.levels:
        if not lv.cyclic:
            s = _level_supply(lv, A, a, b, covers, ne_share)
            S[lv.nodes] = s
            A[lv.nodes] = np.minimum(1.0, s + stock[lv.nodes]) if stock is not None else s
            continue
        for _ in range(MAX_ITER):
            s = _level_supply(lv, A, a, b, covers, ne_share)
            new = np.minimum(1.0, s + stock[lv.nodes]) if stock is not None else np.minimum(
                1.0, s)
            change = float(np.max(np.abs(new - A[lv.nodes]))) if new.size else 0.0
            A[lv.nodes] = new
            S[lv.nodes] = s
            if change <= TOL:
                break
        else:
            names = [str(ids[i]) for i in lv.nodes[:5]] if ids is not None else []
            raise ConvergenceError(
                f"availability on the cycle through {', '.join(names) or 'a cycle'} did not "
                f"converge within {MAX_ITER} iterations (last change {change:.3g})")
    return A, S


def static(c: Compiled, p: Params, cuts: CutSpec, *, mode: str = "immediate",
           backend: str | None = None) -> np.ndarray:
    """Availability ``(n, k)`` under the cuts, with no time: ``immediate`` (no stock, no
    substitution) or ``long_run`` (full substitution, no stock)."""
    if mode not in ("immediate", "long_run"):
        raise ValueError(f"unknown mode {mode!r}; valid modes: immediate, long_run")
    plan = plan_for(c)
    k = max(cuts.k, p.k)
    ramp = 0.0 if mode == "immediate" else 1.0
    table = None
    if _uses_table(plan, p, k, backend) and backend != "cone":
        cuts, table = split_country_atoms(cuts, p, len(c.countries))
    prepared = cuts.pairs()
    pn, pc = p.row_node[prepared[0]], prepared[1]
    x = cuts.net(None, prepared, _pair_param(p.subst, pn, pc), _pair_param(p.lead, pn, pc),
                 ramp=ramp)
    cut = _withheld(p, prepared, x)
    if table is None:
        return propagate(plan, p, cut, None, k, ids=c.ids, backend=backend)
    return propagate(plan, p, cut, None, k, ids=c.ids, backend=backend,
                     limit=column_limits(plan, cut.node, cut.col, k, table),
                     table=table.kernel_args(c, p), ramp=ramp)


def _cone_ok(cuts: CutSpec, k: int, backend: str | None) -> bool:
    """Whether to try the cone kernel: few cut rows per column (a cut of everything a
    country supplies counts its rows), or forced."""
    choice = backend or BACKEND
    if choice != "auto":
        return choice == "cone"
    return sum(len(r) for r in cuts.rows) <= CONE_MAX_CUTS * k


def static_loss(c: Compiled, p: Params, cuts: CutSpec, *, mode: str = "immediate",
                backend: str | None = None, chunk: int | None = None,
                cap: int | None = None) -> np.ndarray | None:
    """End-use loss ``(k,)`` of :func:`static` availability: by the cone kernel where
    each column cuts little (:func:`cone_losses`), else ``chunk`` columns at a time if
    given (one column of numbers only). With ``cap``, the cone kernel runs with that
    work limit wherever it applies, and None means the cuts needed more."""
    if mode not in ("immediate", "long_run"):
        raise ValueError(f"unknown mode {mode!r}; valid modes: immediate, long_run")
    k = max(cuts.k, p.k)
    if _cone_ok(cuts, k, backend) or (cap is not None and (backend or BACKEND) == "auto"
                                      and p.k == 1):
        prepared = cuts.pairs()
        pn, pc = p.row_node[prepared[0]], prepared[1]
        x = cuts.net(None, prepared, _pair_param(p.subst, pn, pc), _pair_param(p.lead, pn, pc),
                     ramp=0.0 if mode == "immediate" else 1.0)
        w = _withheld(p, prepared, x)
        res = cone_losses(c, p, w.node, w.col, w.dep[None, :], w.ind[None, :], k, 1,
                          stock=False, backend=backend, cap=cap)
        if res is not None:
            return res.loss[0]
        if cap is not None and (backend or BACKEND) == "auto":
            return None
    if chunk is None or k <= chunk or p.k > 1:
        return end_use_loss(p, static(c, p, cuts, mode=mode, backend=backend))
    return np.concatenate([
        end_use_loss(p, static(c, p, cuts.take(lo, min(k, lo + chunk)), mode=mode,
                               backend=backend)) for lo in range(0, k, chunk)])


@dataclass
class Dynamics:
    """What :func:`dynamic` returns: end-use loss ``(months, k)`` and, when asked,
    availability ``(months, n, k)`` (or of the selected nodes)."""

    loss: np.ndarray
    availability: np.ndarray | None


def dynamic(c: Compiled, p: Params, cuts: CutSpec, months: int, *,
            record: np.ndarray | bool = False,
            on_month: Callable[[int], None] | None = None,
            backend: str | None = None, chunk: int | None = None) -> Dynamics:
    """Month-by-month simulation with stocks and substitution ramps (docs/model.md §1.5).

    ``record`` is False (end-use loss only), True (every node) or an index array of
    nodes whose availability to keep. With ``record`` False the cone kernel answers
    where each column cuts little (:func:`cone_losses`); otherwise, the column-block
    kernel (or numpy) does, ``chunk`` columns at a time if given (one column of numbers
    only).
    """
    k = max(cuts.k, p.k)
    if record is False and months > 0 and _cone_ok(cuts, k, backend):
        prepared = cuts.pairs()
        pn, pc = p.row_node[prepared[0]], prepared[1]
        lead, subst = _pair_param(p.lead, pn, pc), _pair_param(p.subst, pn, pc)
        held = [_withheld(p, prepared, cuts.net(t, prepared, subst, lead))
                for t in range(months)]
        res = cone_losses(c, p, held[0].node, held[0].col,
                          np.array([h.dep for h in held]).reshape(months, -1),
                          np.array([h.ind for h in held]).reshape(months, -1), k, months,
                          stock=True, backend=backend)
        if res is not None:
            if on_month is not None:
                for t in range(months):
                    on_month(t)
            return Dynamics(loss=res.loss, availability=None)
    if chunk is None or k <= chunk or p.k > 1:
        return _dynamic_dense(c, p, cuts, months, record, on_month, backend)
    parts = [_dynamic_dense(c, p, cuts.take(lo, min(k, lo + chunk)), months, record, None,
                            backend) for lo in range(0, k, chunk)]
    if on_month is not None:
        for t in range(months):
            on_month(t)
    avail = None if parts[0].availability is None else np.concatenate(
        [x.availability for x in parts], axis=2)
    return Dynamics(loss=np.concatenate([x.loss for x in parts], axis=1), availability=avail)


def _dynamic_dense(c: Compiled, p: Params, cuts: CutSpec, months: int,
                   record: np.ndarray | bool, on_month: Callable[[int], None] | None,
                   backend: str | None) -> Dynamics:
    plan = plan_for(c)
    k = max(cuts.k, p.k)
    n = c.n
    stock = np.array(np.broadcast_to(p.inventory, (n, k)), dtype=float)  # one copy
    table = None
    if _uses_table(plan, p, k, backend) and backend != "cone":
        cuts, table = split_country_atoms(cuts, p, len(c.countries))
    targs = table.kernel_args(c, p) if table is not None else None
    prepared = cuts.pairs()
    pn, pc = p.row_node[prepared[0]], prepared[1]
    lead = _pair_param(p.lead, pn, pc)
    subst = _pair_param(p.subst, pn, pc)
    loss = np.zeros((months, k))
    keep_idx = None
    if record is True:
        keep_idx = np.arange(n)
    elif isinstance(record, np.ndarray):
        keep_idx = record
    avail = np.zeros((months, len(keep_idx), k)) if keep_idx is not None else None
    ends = np.flatnonzero((p.weight != 0).any(axis=1))
    w_end = p.weight[ends]
    # from every cut of the scenario (not only this month's), so that arrays reused
    # across months stay right when a cut ends
    limit = column_limits(plan, p.row_node[prepared[0]], prepared[1], k, table)
    A = None
    for t in range(months):
        x = cuts.net(t, prepared, subst, lead)
        A = propagate(plan, p, _withheld(p, prepared, x), stock, k, ids=c.ids,
                      backend=backend, update_stock=True, out=A, limit=limit, table=targs,
                      t=t, ramp=-1.0)
        loss[t] = (w_end * (1.0 - A[ends])).sum(axis=0)
        if avail is not None:
            avail[t] = A[keep_idx]
        if on_month is not None:
            on_month(t)
    return Dynamics(loss=loss, availability=avail)


def end_use_loss(p: Params, A: np.ndarray) -> np.ndarray:
    """``Σ_e w_e (1 − A_e)`` per column."""
    ends = np.flatnonzero((p.weight != 0).any(axis=1))
    return (p.weight[ends] * (1.0 - A[ends])).sum(axis=0)


def time_to(loss: np.ndarray, start: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Time-to-survive and time-to-recover (months from ``start``) per column.

    TTS is the months until the loss first exceeds ``threshold`` (``inf`` if it never
    does within the horizon); TTR the months until it is back at or under it after that
    (0 if it never exceeded it, ``inf`` if it has not recovered by the horizon).
    """
    k = loss.shape[1]
    over = loss > threshold
    tts = np.full(k, math.inf)
    ttr = np.zeros(k)
    for j in range(k):
        idx = np.flatnonzero(over[start:, j])
        if len(idx) == 0:
            continue
        first = idx[0]
        tts[j] = first
        after = np.flatnonzero(~over[start + first:, j])
        ttr[j] = first + after[0] if len(after) else math.inf
    return tts, ttr
