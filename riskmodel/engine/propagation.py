"""Propagation: availability of every node for ``k`` columns at once, by the numpy
backend (level by level) or the compiled kernels (:mod:`.kernel`), and the choice
between them.

The equations propagated are written out in :mod:`riskmodel.engine` (docs/model.md
§1.4–1.5); the numpy backend takes feasibility from :mod:`riskmodel.engine.equations`,
as the kernels do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from riskmodel._errors import ConvergenceError
from riskmodel.engine import equations, settings
from riskmodel.engine.cuts import Withheld, no_classes, no_table
from riskmodel.engine.params import Params
from riskmodel.engine.plan import LevelPlan, Plan, column_limits
from riskmodel.limits import MEMORY_BUDGET

__all__ = ["batch_columns", "block_count", "not_converged", "propagate", "threads",
           "use_numba", "uses_table", "wide_levels"]


def _level_supply(lv: LevelPlan, A: np.ndarray, a: np.ndarray, b: np.ndarray,
                  covers: np.ndarray, ne_share: np.ndarray,
                  classes: Classes | None = None) -> np.ndarray:
    """Supply ``a·P + b`` of the level's nodes given current availabilities ``A``; with
    destination ``classes``, ``a·P[base] − Σ dep·P[pcol]`` (``a`` then holds no cut)."""
    P = _level_feasibility(lv, A, covers, ne_share)
    if classes is None:
        return a[lv.nodes] * P + b[lv.nodes]
    return classes.supply(lv, P, a)


def _level_feasibility(lv: LevelPlan, A: np.ndarray, covers: np.ndarray,
                       ne_share: np.ndarray) -> np.ndarray:
    """Production feasibility ``P`` of the level's nodes given availabilities ``A``."""
    P = np.ones((len(lv.nodes), A.shape[1]))   # min_g G_g: 1 without essential inputs
    if len(lv.ess_src):
        vals = covers[lv.ess_edge] * A[lv.ess_src]
        G = equations.requirement(np.add.reduceat(vals, lv.grp_starts, axis=0))
        P[lv.grp_pos] = np.minimum.reduceat(G, lv.pos_starts, axis=0)
    ne: Any = 0.0                                # non-essential loss: 0 without any
    if len(lv.ne_src):
        loss = ne_share[lv.ne_edge] * (1.0 - A[lv.ne_src])
        ne = np.zeros_like(P)
        ne[lv.ne_pos] = np.add.reduceat(loss, lv.ne_starts, axis=0)
    return equations.feasibility(P, ne)


class Classes:
    """Class-column supply for the numpy backend (docs/model.md §1.3–1.4): the base term
    ``M_j P_j`` on each scenario's class-0 column ``base``, less the entries of ``cut``
    (each ``dep · P`` at its producers' column ``pcol``), level by level."""

    def __init__(self, plan: Plan, cut: Withheld, base: np.ndarray) -> None:
        assert cut.pcol is not None
        self.base = base
        self.level = plan.node_level
        lvl = plan.node_level[cut.node]
        o = np.argsort(lvl, kind="stable")
        self.node, self.col = cut.node[o], cut.col[o]
        self.dep, self.pcol = cut.dep[o], cut.pcol[o]
        self.ind = cut.ind[o]
        self.ptr = np.searchsorted(lvl[o], np.arange(len(plan.levels) + 1))
        self.pos = np.zeros(plan.n, dtype=np.int64)
        for lv in plan.levels:
            self.pos[lv.nodes] = np.arange(len(lv.nodes))

    def exact(self, plan: Plan, lv: LevelPlan, A: np.ndarray, a: np.ndarray,
              covers: np.ndarray, ne_share: np.ndarray, stock: np.ndarray | None,
              life: np.ndarray, cols: np.ndarray) -> bool:
        """Solve the cyclic level ``lv`` exactly for the scenarios of the class columns
        ``cols`` (:mod:`riskmodel.engine.classcycles`), then check the answer: True
        when every column holds the level's fixed point."""
        from riskmodel.engine.classcycles import class_weights, solve_classes
        from riskmodel.engine.cycles import FIXED_TOL

        P = _level_feasibility(lv, A, covers, ne_share)
        at = self.level[lv.nodes[0]]
        lo, hi = self.ptr[at], self.ptr[at + 1]
        entries = (self.node[lo:hi], self.col[lo:hi], self.dep[lo:hi], self.pcol[lo:hi])
        ok = True
        for first in np.unique(self.base[cols]):
            scen = np.flatnonzero(self.base == first)
            c = int(first)
            coef = np.where(plan.e_kind == 2, ne_share[plan.e_edge, c % ne_share.shape[1]],
                            covers[plan.e_edge, c % covers.shape[1]]).astype(float)
            w = class_weights(lv, a, entries, scen, self.pos)
            ok = solve_classes(plan, lv, A, P, scen, w, coef, stock, life) and ok
        if not ok:
            return False
        s = self.supply(lv, _level_feasibility(lv, A, covers, ne_share), a)
        new = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) if stock is not None \
            else np.minimum(1.0, s)
        return bool(np.max(np.abs(new - A[lv.nodes]), initial=0.0) <= 10 * FIXED_TOL)

    def supply(self, lv: LevelPlan, P: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``a·P[base] − Σ dep·P[pcol] − ind``; a class term (``dep < 0``) withholds
        ``dep·(P[pcol] − P[base])``, exactly 0 where the classes agree."""
        S = a[lv.nodes] * P[:, self.base]
        if not len(lv.nodes):
            return S
        at = self.level[lv.nodes[0]]
        lo, hi = self.ptr[at], self.ptr[at + 1]
        if hi > lo:
            pos = self.pos[self.node[lo:hi]]
            col, dep = self.col[lo:hi], self.dep[lo:hi]
            Pp = P[pos, self.pcol[lo:hi]]
            vals = np.where(dep < 0, dep * (Pp - P[pos, self.base[col]]), dep * Pp)
            np.subtract.at(S, (pos, col), vals + self.ind[lo:hi])
        return S


def use_numba(plan: Plan, k: int, backend: str | None) -> bool:
    """Whether ``backend`` (or :data:`~riskmodel.engine.settings.BACKEND`) runs the
    compiled kernels for ``k`` columns on ``plan``."""
    choice = backend or settings.BACKEND
    if choice == "numpy":
        return False
    if choice in ("numba", "cone"):
        return True
    if choice != "auto":
        raise ValueError(f"unknown backend {choice!r}; valid: auto, numba, numpy, cone")
    if (plan.m + plan.n) * k < settings.NUMBA_MIN_WORK:
        return False
    try:
        import numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return True


def _one_column(p: Params, k: int) -> bool:
    """One scenario with one set of numbers: the one-column kernel's case."""
    return k == 1 and max(p.covers.shape[1], p.ne_share.shape[1], p.dep0.shape[1]) == 1


def uses_table(plan: Plan, p: Params, k: int, backend: str | None) -> bool:
    """Whether :func:`propagate` runs the column-block kernel, which reads a
    :class:`~riskmodel.engine.cuts.CountryTable` (the other paths take every cut as
    explicit pairs)."""
    return use_numba(plan, k, backend) and not _one_column(p, k)


def not_converged(plan: Plan, level: int, ids: Sequence[Any] | None) -> None:
    """Raise :class:`~riskmodel.ConvergenceError` naming the cycle of ``level``."""
    lv = plan.levels[level]
    names = [str(ids[i]) for i in np.sort(lv.nodes)[:5]] if ids is not None else []
    raise ConvergenceError(f"availability on the cycle through {', '.join(names) or 'a cycle'} "
                           f"did not converge within {settings.MAX_ITER} iterations")


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
              t: float = 0.0, ramp: float = equations.MODES["immediate"],
              base: np.ndarray | None = None, classes: tuple | None = None) -> np.ndarray:
    """Availability ``A`` of every node, ``(n, k)``.

    Supply is ``S = a·P + b`` with ``a = dep0 − cut.dep`` and ``b = ind0 − cut.ind``
    (less what ``table``, the kernel arguments of a
    :class:`~riskmodel.engine.cuts.CountryTable`, withholds: with the fixed ``ramp`` of a
    static bound, or by month ``t`` when ``ramp`` is
    :data:`~riskmodel.engine.equations.RAMP_BY_MONTH`; only where :func:`uses_table`);
    ``stock`` (months, ``(n, k)``; a ``capital`` node's installed base instead, see
    ``p.life``) buffers it: ``A = min(1, S + stock)`` (``A = B`` for a capital node), and
    with ``update_stock`` each buffer is drawn down in place, a stock by what it supplied,
    ``A − S``, a base by its wear (:func:`~riskmodel.engine.equations.drawn`).
    ``out`` may give the array to fill (numba backend); ``limit`` the columns each node
    needs (see :func:`~riskmodel.engine.plan.column_limits`; computed from ``cut`` when not given).

    With destination classes (:mod:`~riskmodel.engine.destinations`), ``cut`` gives each
    entry its producers' column (``cut.pcol``) and ``base`` each column's base column:
    supply is ``(dep0 + ind0)·P[base] − Σ dep·P[pcol]``, less the class terms: merged
    into ``cut`` (the numpy backend), or read by the column-block kernel from
    ``classes`` with ``table`` (:meth:`~riskmodel.engine.destinations.Expansion.split`).
    """
    if use_numba(plan, k, backend):
        A = _propagate_compiled(plan, p, cut, stock, k, ids=ids, update_stock=update_stock,
                                out=out, limit=limit, table=table, t=t, ramp=ramp, base=base,
                                classes=classes)
        if A is not None:
            return A
        # a cycle across destination classes that sweeps did not settle: solved exactly
        # by the numpy backend (riskmodel.engine.classcycles)
    if table is not None or classes is not None:
        raise ValueError("a country table needs the column-block kernel")
    if cut.pcol is not None:  # destination classes (riskmodel.engine.destinations)
        assert base is not None
        A, S = _propagate_numpy(plan, p.dep0 + p.ind0, np.zeros((1, 1)), p.covers,
                                p.ne_share, stock, k=k, ids=ids,
                                classes=Classes(plan, cut, base), life=p.life)
    else:
        dep_x, ind_x = cut.dense(plan.n, k)
        A, S = _propagate_numpy(plan, p.dep0 - dep_x, p.ind0 - ind_x, p.covers, p.ne_share,
                                stock, k=k, ids=ids, life=p.life)
    if update_stock and stock is not None:
        stock[:] = equations.drawn(S, A, stock, p.life)
    return A


def _propagate_compiled(plan: Plan, p: Params, cut: Withheld, stock: np.ndarray | None,
                        k: int, *, ids: Sequence[Any] | None, update_stock: bool,
                        out: np.ndarray | None, limit: np.ndarray | None,
                        table: tuple | None, t: float, ramp: float,
                        base: np.ndarray | None, classes: tuple | None) -> np.ndarray | None:
    """:func:`propagate` by the numba kernels: one column, or column blocks.

    A cyclic level across destination classes is swept in place (the exact solver takes
    one column at a time and knows no classes): None, with any stock as it was, when
    :data:`~riskmodel.engine.settings.CLASS_CYCLE_SWEEPS` sweeps do not settle one."""
    from riskmodel.engine import kernel

    st = stock if stock is not None else np.zeros((1, 1))
    life = np.ascontiguousarray(p.life, dtype=float) if stock is not None else np.zeros((1, 1))
    drawn = update_stock and stock is not None
    d0, i0 = np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0)
    spread = cut.pcol is not None
    if spread:  # every producer's share in one term on the base column (dep0 + ind0)
        d0, i0 = np.ascontiguousarray(p.dep0 + p.ind0), np.zeros_like(d0)
    if _one_column(p, k) and not spread:
        if table is not None:
            raise ValueError("a country table needs the column-block kernel")
        A = out if out is not None and out.shape == (plan.n, 1) else np.ones((plan.n, 1))
        bad = kernel.propagate1(
            plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src,
            plan.e_kind, p.edge_coef(plan), d0, i0, cut.ptr(plan.n), cut.dep, cut.ind,
            st, life, stock is not None, drawn, A, settings.TOL, settings.MAX_ITER,
            settings.CYCLE_SWEEPS, settings.POLICY_ROUNDS, settings.DENSE_MAX,
            wide_levels(plan, threads()))
        if bad >= 0:
            not_converged(plan, bad, ids)
        return A
    if limit is None:
        limit = column_limits(plan, cut.node, cut.col, k) if cut.pcol is None else np.full(
            plan.n, k, dtype=np.int64)
    fresh = out is None or out.shape != (plan.n, k)
    A = np.empty((plan.n, k)) if fresh else out
    cols = np.arange(k, dtype=np.int64)
    base = cols if base is None else np.asarray(base, dtype=np.int64)
    bounds = block_bounds(base, block_count(plan, k, threads()))
    class_cycles = spread and bool(plan.level_cyclic.any())
    saved = stock.copy() if class_cycles and drawn else None
    run = kernel.propagate if len(bounds) > 2 else kernel.propagate_serial
    if p.covers.shape[1] == 1 and p.ne_share.shape[1] == 1:  # read in order, not gathered
        e_edge, covers = plan.in_order, p.edge_coef(plan)[:, None]
        ne_share = covers
    else:
        e_edge, covers = plan.e_edge, np.ascontiguousarray(p.covers)
        ne_share = np.ascontiguousarray(p.ne_share)
    bad = run(
        plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src, e_edge,
        plan.e_kind, covers, ne_share, d0, i0,
        cut.ptr(plan.n), cut.col, cut.dep, cut.ind,
        cut.col if cut.pcol is None else cut.pcol, base,
        table if table is not None else no_table(),
        classes if classes is not None else no_classes(), float(t), float(ramp), st, life,
        stock is not None, drawn, A, settings.TOL,
        min(settings.CLASS_CYCLE_SWEEPS, settings.MAX_ITER) if class_cycles
        else settings.MAX_ITER, bounds, limit, fresh,
        -1 if class_cycles else settings.CYCLE_SWEEPS, settings.POLICY_ROUNDS,
        settings.DENSE_MAX)
    if bad >= 0 and class_cycles:
        if saved is not None:
            stock[:] = saved
        return None
    if bad >= 0:
        not_converged(plan, bad, ids)
    return A


def threads() -> int:
    """How many threads the kernels may use now (:data:`~riskmodel.engine.settings.THREADS`):
    with ``"auto"``, numba's thread count less the cores that other work keeps busy by
    the 1-minute load average (this process's own running thread is one of them), at
    least one: on a machine already busy, threads that meet wait for each other.

    >>> 1 <= threads()
    True
    """
    import numba

    most = numba.get_num_threads()
    if settings.THREADS != "auto":
        return max(1, min(most, int(settings.THREADS)))
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - no load average here
        return most
    return int(max(1, min(most, (os.cpu_count() or 1) - load + 1)))


def wide_levels(plan: Plan, threads: int) -> np.ndarray:
    """Per level, whether the one-column kernel shares it among ``threads``: an acyclic
    level of at least :data:`~riskmodel.engine.settings.PARALLEL_LEVEL_INPUTS` inputs,
    when there is more than one thread."""
    if threads <= 1:
        return np.zeros(len(plan.level_cyclic), dtype=np.bool_)
    return (plan.level_inputs >= settings.PARALLEL_LEVEL_INPUTS) & ~plan.level_cyclic


def block_count(plan: Plan, k: int, threads: int) -> int:
    """How many column blocks (threads) the column-block kernel runs for ``k`` columns:
    one per :data:`~riskmodel.engine.settings.BLOCK_MIN_WORK` of work (inputs and nodes
    × columns), at most one per thread and per column; one runs on the calling thread.

    >>> from types import SimpleNamespace
    >>> block_count(SimpleNamespace(m=4_000, n=1_000), 192, 2)   # 960,000 units
    1
    >>> block_count(SimpleNamespace(m=4_500_000, n=10**6), 2, 2)
    2
    """
    work = (plan.m + plan.n) * k
    return int(max(1, min(threads, k, work // max(1, settings.BLOCK_MIN_WORK))))


def block_bounds(base: np.ndarray, blocks: int) -> np.ndarray:
    """Column blocks for ``blocks`` threads, each starting on a scenario's first class
    column (``base``), so that a scenario's classes stay in one block.

    >>> block_bounds(np.array([0, 0, 2, 2, 4, 5]), 2).tolist()  # 3 columns a block at most
    [0, 2, 6]
    """
    k = len(base)
    nb_ = max(1, min(blocks, k))
    width = (k + nb_ - 1) // nb_ if k else 1
    starts = np.unique(base[np.minimum(np.arange(0, k, width), max(k - 1, 0))]) if k else \
        np.zeros(1, dtype=np.int64)
    return np.concatenate([starts, [k]]).astype(np.int64)


def _propagate_numpy(plan: Plan, a: np.ndarray, b: np.ndarray, covers: np.ndarray,
                     ne_share: np.ndarray, stock: np.ndarray | None = None, *,
                     k: int | None = None, ids: Sequence[Any] | None = None,
                     classes: Classes | None = None, life: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The numpy backend: level by level; a cyclic level by Jacobi sweeps, solved
    exactly (:mod:`riskmodel.engine.cycles`, or :mod:`~riskmodel.engine.classcycles`
    across destination ``classes``) when a few do not settle it. ``life`` holds the
    service lives of capital nodes (0 elsewhere; none without ``stock``)."""
    life = np.zeros((plan.n, 1)) if life is None else life
    k = k or max(a.shape[1], b.shape[1], 1 if stock is None else stock.shape[1])
    A = np.ones((plan.n, k))
    S = np.ones((plan.n, k))
    for lv in plan.levels:
        if not lv.cyclic:
            s = _level_supply(lv, A, a, b, covers, ne_share, classes)
            S[lv.nodes] = s
            A[lv.nodes] = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) \
                if stock is not None else s
            continue
        change = np.inf
        for it in range(settings.MAX_ITER):
            s = _level_supply(lv, A, a, b, covers, ne_share, classes)
            new = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) if stock is not None \
                else np.minimum(1.0, s)
            moved = np.max(np.abs(new - A[lv.nodes]), axis=0) if new.size else np.zeros(k)
            change = float(moved.max(initial=0.0))
            A[lv.nodes] = new
            S[lv.nodes] = s
            if change <= settings.TOL:
                break
            if it + 1 == max(1, settings.CYCLE_SWEEPS) and (
                    _exact(plan, lv, A, a, b, covers, ne_share, stock, life,
                           np.flatnonzero(moved > settings.TOL)) if classes is None else
                    classes.exact(plan, lv, A, a, covers, ne_share, stock, life,
                                  np.flatnonzero(moved > settings.TOL))):
                S[lv.nodes] = _level_supply(lv, A, a, b, covers, ne_share, classes)
                break
        else:
            names = [str(ids[i]) for i in np.sort(lv.nodes)[:5]] if ids is not None else []
            raise ConvergenceError(
                f"availability on the cycle through {', '.join(names) or 'a cycle'} did not "
                f"converge within {settings.MAX_ITER} iterations (last change {change:.3g})")
    return A, S


def _exact(plan: Plan, lv: LevelPlan, A: np.ndarray, a: np.ndarray, b: np.ndarray,
           covers: np.ndarray, ne_share: np.ndarray, stock: np.ndarray | None,
           life: np.ndarray, cols: np.ndarray) -> bool:
    """Solve the cyclic level ``lv`` exactly in columns ``cols`` (policy iteration,
    :func:`riskmodel.engine.cycles.solve_level`), then check the answer against
    :func:`_level_supply`: True when every column holds the level's fixed point. A
    capital node (``life > 0``) is a constant there: its users see its base."""
    from riskmodel.engine.cycles import FIXED_TOL, solve_level

    pos = np.full(plan.n, -1, dtype=np.int64)
    nodes = np.ascontiguousarray(lv.nodes, dtype=np.int64)
    ok = True
    for c in cols:
        coef = np.where(plan.e_kind == 2, ne_share[plan.e_edge, c % ne_share.shape[1]],
                        covers[plan.e_edge, c % covers.shape[1]]).astype(float)
        st = stock[nodes, c % stock.shape[1]] if stock is not None else np.zeros(len(nodes))
        av, bv = a[nodes, c % a.shape[1]], b[nodes, c % b.shape[1]]
        if stock is not None:  # a capital node's users see its base, whatever S
            cap = life[nodes, c % life.shape[1]] > 0
            av, bv, st = np.where(cap, 0.0, av), np.where(cap, st, bv), np.where(cap, 0.0, st)
        col = A[:, c].copy()
        ok = solve_level(nodes, pos, plan.eptr, plan.e_src, plan.e_kind, coef,
                         np.ascontiguousarray(av, dtype=float),
                         np.ascontiguousarray(bv, dtype=float),
                         np.ascontiguousarray(st, dtype=float), col, settings.POLICY_ROUNDS,
                         settings.DENSE_MAX) and ok
        A[nodes, c] = col[nodes]  # lowered even when not solved: still above the answer
    if not ok:
        return False
    s = _level_supply(lv, A, a, b, covers, ne_share)
    new = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) if stock is not None \
        else np.minimum(1.0, s)
    return bool(np.max(np.abs(new - A[lv.nodes]), initial=0.0) <= 10 * FIXED_TOL)
