"""Propagation: availability of every node for ``k`` columns at once, by the numpy
backend (level by level) or the compiled kernels (:mod:`.kernel`), and the choice
between them.

The equations propagated are written out in :mod:`riskmodel.engine` (docs/model.md
§1.4–1.5); the numpy backend takes feasibility from :mod:`riskmodel.engine.equations`,
as the kernels do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from riskmodel._errors import ConvergenceError
from riskmodel.engine import equations, settings
from riskmodel.engine.cuts import Withheld, no_table
from riskmodel.engine.params import Params
from riskmodel.engine.plan import LevelPlan, Plan, column_limits
from riskmodel.limits import MEMORY_BUDGET

__all__ = ["batch_columns", "not_converged", "propagate", "use_numba", "uses_table"]


def _level_supply(lv: LevelPlan, A: np.ndarray, a: np.ndarray, b: np.ndarray,
                  covers: np.ndarray, ne_share: np.ndarray) -> np.ndarray:
    """Supply ``a·P + b`` of the level's nodes given current availabilities ``A``."""
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
    return a[lv.nodes] * equations.feasibility(P, ne) + b[lv.nodes]


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
    names = [str(ids[i]) for i in lv.nodes[:5]] if ids is not None else []
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
              t: float = 0.0, ramp: float = equations.MODES["immediate"]) -> np.ndarray:
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
    """
    if use_numba(plan, k, backend):
        return _propagate_compiled(plan, p, cut, stock, k, ids=ids, update_stock=update_stock,
                                   out=out, limit=limit, table=table, t=t, ramp=ramp)
    if table is not None:
        raise ValueError("a country table needs the column-block kernel")
    dep_x, ind_x = cut.dense(plan.n, k)
    A, S = _propagate_numpy(plan, p.dep0 - dep_x, p.ind0 - ind_x, p.covers, p.ne_share, stock,
                            k=k, ids=ids, life=p.life)
    if update_stock and stock is not None:
        stock[:] = equations.drawn(S, A, stock, p.life)
    return A


def _propagate_compiled(plan: Plan, p: Params, cut: Withheld, stock: np.ndarray | None,
                        k: int, *, ids: Sequence[Any] | None, update_stock: bool,
                        out: np.ndarray | None, limit: np.ndarray | None,
                        table: tuple | None, t: float, ramp: float) -> np.ndarray:
    """:func:`propagate` by the numba kernels: one column, or column blocks."""
    import numba

    from riskmodel.engine import kernel

    st = stock if stock is not None else np.zeros((1, 1))
    life = np.ascontiguousarray(p.life, dtype=float) if stock is not None else np.zeros((1, 1))
    drawn = update_stock and stock is not None
    d0, i0 = np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0)
    if _one_column(p, k):
        if table is not None:
            raise ValueError("a country table needs the column-block kernel")
        A = out if out is not None and out.shape == (plan.n, 1) else np.ones((plan.n, 1))
        bad = kernel.propagate1(
            plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src,
            plan.e_kind, p.edge_coef(plan), d0, i0, cut.ptr(plan.n), cut.dep, cut.ind,
            st, life, stock is not None, drawn, A, settings.TOL, settings.MAX_ITER)
        if bad >= 0:
            not_converged(plan, bad, ids)
        return A
    if limit is None:
        limit = column_limits(plan, cut.node, cut.col, k)
    fresh = out is None or out.shape != (plan.n, k)
    A = np.empty((plan.n, k)) if fresh else out
    bad = kernel.propagate(
        plan.order, plan.level_ptr, plan.level_cyclic, plan.eptr, plan.e_src, plan.e_edge,
        plan.e_kind, np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share), d0, i0,
        cut.ptr(plan.n), cut.col, cut.dep, cut.ind,
        table if table is not None else no_table(), float(t), float(ramp), st, life,
        stock is not None, drawn, A, settings.TOL, settings.MAX_ITER,
        numba.get_num_threads() if k > 1 else 1, limit, fresh)
    if bad >= 0:
        not_converged(plan, bad, ids)
    return A


def _propagate_numpy(plan: Plan, a: np.ndarray, b: np.ndarray, covers: np.ndarray,
                     ne_share: np.ndarray, stock: np.ndarray | None = None, *,
                     k: int | None = None, ids: Sequence[Any] | None = None,
                     life: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The numpy backend: level by level, Jacobi iteration on cyclic levels; ``life`` the
    service lives of capital nodes (0 elsewhere; none without ``stock``)."""
    life = np.zeros((plan.n, 1)) if life is None else life
    k = k or max(a.shape[1], b.shape[1], 1 if stock is None else stock.shape[1])
    A = np.ones((plan.n, k))
    S = np.ones((plan.n, k))
    for lv in plan.levels:
        if not lv.cyclic:
            s = _level_supply(lv, A, a, b, covers, ne_share)
            S[lv.nodes] = s
            A[lv.nodes] = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) \
                if stock is not None else s
            continue
        for _ in range(settings.MAX_ITER):
            s = _level_supply(lv, A, a, b, covers, ne_share)
            new = equations.buffered(s, stock[lv.nodes], life[lv.nodes]) if stock is not None \
                else np.minimum(1.0, s)
            change = float(np.max(np.abs(new - A[lv.nodes]))) if new.size else 0.0
            A[lv.nodes] = new
            S[lv.nodes] = s
            if change <= settings.TOL:
                break
        else:
            names = [str(ids[i]) for i in lv.nodes[:5]] if ids is not None else []
            raise ConvergenceError(
                f"availability on the cycle through {', '.join(names) or 'a cycle'} did not "
                f"converge within {settings.MAX_ITER} iterations (last change {change:.3g})")
    return A, S

