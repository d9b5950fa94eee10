"""The fast propagation engine: the equations of the design (§1.4–1.5) on arrays.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ._errors import ConvergenceError
from .model import Compiled

__all__ = ["CutSpec", "Params", "Plan", "dynamic", "params_from_compiled", "plan_for",
           "static"]

TOL = 1e-13
MAX_ITER = 100_000
#: ``"auto"`` (numba for large work, numpy otherwise), ``"numba"`` or ``"numpy"``.
BACKEND = "auto"
#: Work (edges × columns) from which ``auto`` uses the compiled kernel.
NUMBA_MIN_WORK = 200_000


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

    ``levels`` drive the numpy backend; the flat arrays drive the compiled kernel:
    nodes in level order, and each node's inputs (``eptr`` by node) sorted as essential
    groups (``e_kind`` 0 starts a group, 1 continues it) then non-essential (2).
    """

    n: int
    m: int
    levels: tuple[LevelPlan, ...]
    order: np.ndarray
    level_ptr: np.ndarray
    level_cyclic: np.ndarray
    eptr: np.ndarray
    e_src: np.ndarray
    e_edge: np.ndarray
    e_kind: np.ndarray
    node_level: np.ndarray


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


def _build_plan(c: Compiled) -> Plan:
    n, m = c.n, c.m
    dst = c.in_dst
    edges = np.arange(m)
    ess = c.edge_essential
    levels = []
    # per-node edge lists come from CSR; group edges by level via the node level
    e_level = c.level[dst] if m else np.zeros(0, dtype=np.int64)
    for L in range(len(c.level_ptr) - 1):
        nodes = c.order[c.level_ptr[L]:c.level_ptr[L + 1]]
        if len(nodes) == 0:
            continue
        pos_of = np.full(n, -1, dtype=np.int64)
        pos_of[nodes] = np.arange(len(nodes))
        in_level = e_level == L
        # essential: sort by (node position, group)
        e_ess = edges[in_level & ess]
        grp = c.edge_group[e_ess]
        npos = pos_of[dst[e_ess]]
        o = np.lexsort((grp, npos))
        e_ess, grp, npos = e_ess[o], grp[o], npos[o]
        if len(e_ess):
            new_grp = np.r_[True, grp[1:] != grp[:-1]]
            grp_starts = np.flatnonzero(new_grp)
            gpos = npos[grp_starts]
            new_pos = np.r_[True, gpos[1:] != gpos[:-1]]
            pos_starts = np.flatnonzero(new_pos)
            grp_pos = gpos[pos_starts]
        else:
            grp_starts = pos_starts = grp_pos = np.zeros(0, dtype=np.int64)
        e_ne = edges[in_level & ~ess]
        ne_npos = pos_of[dst[e_ne]]
        o = np.argsort(ne_npos, kind="stable")
        e_ne, ne_npos = e_ne[o], ne_npos[o]
        if len(e_ne):
            ne_starts = np.flatnonzero(np.r_[True, ne_npos[1:] != ne_npos[:-1]])
            ne_pos = ne_npos[ne_starts]
        else:
            ne_starts = ne_pos = np.zeros(0, dtype=np.int64)
        levels.append(LevelPlan(
            nodes=nodes, cyclic=bool(c.cyclic[nodes].any()),
            ess_src=c.in_src[e_ess], ess_edge=e_ess, grp_starts=grp_starts, grp_pos=grp_pos,
            pos_starts=pos_starts, ne_src=c.in_src[e_ne], ne_edge=e_ne, ne_starts=ne_starts,
            ne_pos=ne_pos))
    # flat layout for the kernel
    non_ess = (~ess).astype(np.int64)
    o = np.lexsort((c.edge_group, non_ess, dst)) if m else np.zeros(0, dtype=np.int64)
    e_dst, e_grp, e_ne = dst[o], c.edge_group[o], non_ess[o].astype(bool)
    kind = np.full(m, 2, dtype=np.int8)
    if m:
        new = np.r_[True, (e_dst[1:] != e_dst[:-1]) | (e_grp[1:] != e_grp[:-1])]
        kind[~e_ne] = np.where(new[~e_ne], 0, 1)
    eptr = np.searchsorted(e_dst, np.arange(n + 1)).astype(np.int64)
    lv_nodes = [lv.nodes for lv in levels]
    order = np.concatenate(lv_nodes).astype(np.int64) if lv_nodes else np.zeros(0, np.int64)
    level_ptr = np.r_[0, np.cumsum([len(x) for x in lv_nodes])].astype(np.int64)
    node_level = np.zeros(n, dtype=np.int64)
    for i, lv in enumerate(levels):
        node_level[lv.nodes] = i
    return Plan(n=n, m=m, levels=tuple(levels), order=order, level_ptr=level_ptr,
                level_cyclic=np.array([lv.cyclic for lv in levels], dtype=np.bool_),
                eptr=eptr, e_src=c.in_src[o].astype(np.int64), e_edge=o.astype(np.int64),
                e_kind=kind, node_level=node_level)


def column_limits(plan: Plan, nodes: np.ndarray, cols: np.ndarray, k: int) -> np.ndarray:
    """Per node, how many leading columns can reach it (``k`` when columns are unordered).

    A column reaches only nodes at or after the level of a node it cuts. When the
    columns are sorted by that level, node ``j`` needs just the columns whose level is
    at most its own; the others keep availability 1.
    """
    big = np.iinfo(np.int64).max
    col_level = np.full(k, big, dtype=np.int64)
    if len(nodes):
        np.minimum.at(col_level, cols, plan.node_level[nodes])
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

    @property
    def k(self) -> int:
        return max(a.shape[1] for a in (self.row_share, self.covers, self.subst, self.weight))


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

    @classmethod
    def none(cls, k: int = 1) -> CutSpec:
        z = np.zeros(0)
        return cls(k, z.astype(np.int64), [], z, z, z)

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
        np.maximum.at(x, pe, self.fraction[a] * (1.0 - subst[pe] * rho))
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


def _withheld(p: Params, prepared: tuple[np.ndarray, ...], x: np.ndarray) -> Withheld:
    """The withheld shares given each pair's net withheld fraction ``x``."""
    pair_row, pair_col = prepared[0], prepared[1]
    share = p.row_share[pair_row, pair_col if p.row_share.shape[1] > 1 else 0] if len(
        pair_row) else np.zeros(0)
    amount = share * x
    dep = p.row_dep[pair_row]
    nodes = p.row_node[pair_row]
    o = np.argsort(nodes, kind="stable")
    return Withheld(nodes[o].astype(np.int64), pair_col[o].astype(np.int64),
                    np.where(dep, amount, 0.0)[o], np.where(dep, 0.0, amount)[o])


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
    if choice == "numba":
        return True
    if choice != "auto":
        raise ValueError(f"unknown backend {choice!r}; valid: auto, numba, numpy")
    if (plan.m + plan.n) * k < NUMBA_MIN_WORK:
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return True


def _not_converged(plan: Plan, level: int, ids: Sequence[Any] | None) -> None:
    lv = plan.levels[level]
    names = [str(ids[i]) for i in lv.nodes[:5]] if ids is not None else []
    raise ConvergenceError(f"availability on the cycle through {', '.join(names) or 'a cycle'} "
                           f"did not converge within {MAX_ITER} iterations")


def propagate(plan: Plan, p: Params, cut: Withheld, stock: np.ndarray | None, k: int, *,
              ids: Sequence[Any] | None = None, backend: str | None = None,
              update_stock: bool = False, out: np.ndarray | None = None,
              limit: np.ndarray | None = None) -> np.ndarray:
    """Availability ``A`` of every node, ``(n, k)``.

    Supply is ``S = a·P + b`` with ``a = dep0 − cut.dep`` and ``b = ind0 − cut.ind``;
    ``stock`` (months, ``(n, k)``) tops it up: ``A = min(1, S + stock)``, and with
    ``update_stock`` each stock is drawn down in place by what it supplied, ``A − S``.
    ``out`` may give the array to fill (numba backend); ``limit`` the columns each node
    needs (see :func:`column_limits`; computed from ``cut`` when not given).
    """
    if _use_numba(plan, k, backend):
        import numba

        from . import _kernel

        A = out if out is not None and out.shape == (plan.n, k) else np.ones((plan.n, k))
        st = stock if stock is not None else np.zeros((1, 1))
        cov, nes = np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share)
        d0, i0 = np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0)
        if k == 1 and max(cov.shape[1], nes.shape[1], d0.shape[1]) == 1:
            bad = _kernel.propagate1(
                plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src,
                plan.e_edge, plan.e_kind, cov, nes, d0, i0, cut.ptr(plan.n), cut.dep, cut.ind,
                st, stock is not None, update_stock and stock is not None, A, TOL, MAX_ITER)
            if bad >= 0:
                _not_converged(plan, bad, ids)
            return A
        if limit is None:
            limit = column_limits(plan, cut.node, cut.col, k)
        bad = _kernel.propagate(
            plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src, plan.e_edge,
            plan.e_kind, np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share),
            np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0), cut.ptr(plan.n),
            cut.col, cut.dep, cut.ind, st, stock is not None, update_stock and stock is not None,
            A, TOL, MAX_ITER, numba.get_num_threads() if k > 1 else 1, limit)
        if bad >= 0:
            _not_converged(plan, bad, ids)
        return A
    dep_x, ind_x = cut.dense(plan.n, k)
    A, S = _propagate_numpy(plan, p.dep0 - dep_x, p.ind0 - ind_x, p.covers, p.ne_share, stock,
                            k=k, ids=ids)
    if update_stock and stock is not None:
        stock -= A - S
        np.maximum(stock, 0.0, out=stock)
    return A


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
    prepared = cuts.pairs()
    pn, pc = p.row_node[prepared[0]], prepared[1]
    x = cuts.net(None, prepared, _pair_param(p.subst, pn, pc), _pair_param(p.lead, pn, pc),
                 ramp=0.0 if mode == "immediate" else 1.0)
    return propagate(plan, p, _withheld(p, prepared, x), None, k, ids=c.ids, backend=backend)


@dataclass
class Dynamics:
    """What :func:`dynamic` returns: end-use loss ``(months, k)`` and, when asked,
    availability ``(months, n, k)`` (or of the selected nodes)."""

    loss: np.ndarray
    availability: np.ndarray | None


def dynamic(c: Compiled, p: Params, cuts: CutSpec, months: int, *,
            record: np.ndarray | bool = False,
            on_month: Callable[[int], None] | None = None,
            backend: str | None = None) -> Dynamics:
    """Month-by-month simulation with stocks and substitution ramps (design §1.5).

    ``record`` is False (end-use loss only), True (every node) or an index array of
    nodes whose availability to keep.
    """
    plan = plan_for(c)
    k = max(cuts.k, p.k)
    n = c.n
    stock = np.array(np.broadcast_to(p.inventory, (n, k)), dtype=float)  # one copy
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
    limit = column_limits(plan, p.row_node[prepared[0]], prepared[1], k)
    A = None
    for t in range(months):
        x = cuts.net(t, prepared, subst, lead)
        A = propagate(plan, p, _withheld(p, prepared, x), stock, k, ids=c.ids,
                      backend=backend, update_stock=True, out=A, limit=limit)
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
