"""The cone kernel (:mod:`.cone`) driven from Python: end-use losses of many columns
that each cut a few nodes, following each column through the nodes its cuts reach.

It gives way to the column-block kernel (:func:`~riskmodel.engine.propagation.propagate`)
where that would do less work. The equations are those of :mod:`riskmodel.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine import equations, settings
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cuts import CutSpec, pair_params, withheld
from riskmodel.engine.params import Params
from riskmodel.engine.plan import Plan, column_limits, plan_for
from riskmodel.engine.propagation import not_converged, use_numba

__all__ = ["Cones", "Spared", "cone_losses", "spared_losses", "tries_cone"]


@dataclass
class Cones:
    """What :func:`cone_losses` returns: end-use loss ``(months, k)``; and, when asked,
    per column the last month's ``reach`` (end-use weight that lost more than
    ``settings.TINY``) and the end-use nodes that stopped (availability ≤ ``TINY``),
    ``dead_nodes[dead_ptr[col]:dead_ptr[col + 1]]``."""

    loss: np.ndarray
    reach: np.ndarray | None = None
    dead_ptr: np.ndarray | None = None
    dead_nodes: np.ndarray | None = None


@dataclass(frozen=True)
class Spared:
    """Per column, a cut node that some producers see uncut: a stop to all destinations
    but one key's producers (docs/model.md §1.3), where the node lies on no cycle.

    Column ``col`` spares ``node[col]`` (-1: none); the spared producers' share of each
    direct successor ``succ[ptr[col]:ptr[col + 1]]`` is ``share`` (they work with the
    node at 1), and the node's own end-use loss counts ``keep[col]`` of its loss (what
    the focal market reads from the producers not spared: 1 in a home view whose home
    is not spared, 0 if it is, the others' share of the node's making in a global
    view). :func:`riskmodel.engine.cone.propagate_cones` says why that is exact.
    """

    node: np.ndarray
    keep: np.ndarray
    ptr: np.ndarray
    succ: np.ndarray
    share: np.ndarray

    @classmethod
    def none(cls, k: int) -> Spared:
        """No column spares anything."""
        return cls(np.full(k, -1, dtype=np.int64), np.ones(k), np.zeros(k + 1, dtype=np.int64),
                   np.zeros(0, dtype=np.int64), np.zeros(0))


def spared_losses(c: Compiled, p: Params, cuts: CutSpec, spared: Spared, *,
                  months: int | None = None, mode: str | None = None,
                  cap: int | None = None) -> np.ndarray | None:
    """End-use losses of ``cuts`` (each column's atoms on one node, withholding from
    every producer) with the producers ``spared`` spares seeing that node uncut, by the
    cone kernel: ``(months, k)`` month by month with stocks (``months``), or ``(k,)`` for
    the static bound ``mode``. None where the cone kernel does not apply (the
    column-block kernel forced, draws of the numbers, restrictions in force) or would
    not pay (``cap`` as :func:`cone_losses`): run the stops over destination classes."""
    k = cuts.k
    if cuts.baseline.any() or (months is None) == (mode is None):
        return None
    prepared = cuts.pairs()
    subst, lead = pair_params(p, prepared)
    if mode is not None:
        w = withheld(p, prepared, cuts.net(None, prepared, subst, lead,
                                           ramp=equations.bound_ramp(mode)))
        res = cone_losses(c, p, w.node, w.col, w.dep[None, :], w.ind[None, :], k, 1,
                          stock=False, cap=cap, spared=spared)
        return None if res is None else res.loss[0]
    assert months is not None
    held = [withheld(p, prepared, cuts.net(t, prepared, subst, lead)) for t in range(months)]
    res = cone_losses(c, p, held[0].node, held[0].col,
                      np.array([h.dep for h in held]).reshape(months, -1),
                      np.array([h.ind for h in held]).reshape(months, -1), k, months,
                      stock=True, cap=cap, spared=spared)
    return None if res is None else res.loss


def cone_losses(c: Compiled, p: Params, node: np.ndarray, col: np.ndarray,
                dep: np.ndarray, ind: np.ndarray, k: int, months: int, *, stock: bool,
                backend: str | None = None, last: bool = False,
                cap: int | None = None, spared: Spared | None = None) -> Cones | None:
    """End-use losses by the cone kernel (:mod:`riskmodel.engine.cone`), or None where it
    does not apply or would not pay (then use :func:`propagate`).

    Column ``col[q]`` withholds ``dep[t, q]``/``ind[t, q]`` of node ``node[q]``'s
    dependent/independent supply in month ``t``; ``stock`` runs the dynamics with
    stocks (else no stock, as :func:`static`). ``last`` also gives the last month's
    reach and stopped end-use nodes (:class:`Cones`). ``backend="cone"`` forces it (no
    work cap); the cone kernel needs numba and one column of numbers (no Monte Carlo
    draws). ``cap`` replaces the work cap by this many steps (input reads plus node
    evaluations): None then means the cuts needed more. ``spared`` gives producers that
    see a column's cut node uncut (:class:`Spared`; not with ``last``).
    """
    if spared is not None and last:
        raise ValueError("the stopped end uses of spared cuts are not listed")
    plan = plan_for(c)
    choice = backend or settings.BACKEND
    forced = choice == "cone" or (cap is not None and choice == "auto")
    single = max(p.covers.shape[1], p.ne_share.shape[1], p.dep0.shape[1],
                 p.inventory.shape[1], p.life.shape[1], p.weight.shape[1]) == 1
    if not forced and (choice != "auto" or not single or not use_numba(plan, k, None)
                       or len(node) > settings.CONE_MAX_CUTS * k):
        return None
    if spared is not None and (choice not in ("auto", "cone") or not single):
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
        # spared cuts give way to two class columns a scenario: twice the work
        cap = int(settings.CONE_WORK_SHARE * months * float(limit @ (np.diff(plan.eptr) + 1))
                  * (1 if spared is None else 2))
    out = Cones(np.zeros((months, k)), np.zeros(k), np.zeros(k + 1, dtype=np.int64))
    if not _run_cones(c, p, plan, u_node, u_col, c_dep, c_ind, k, months, stock, cap, out,
                      fill_dead=False, spared=spared or Spared.none(k)):
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
                   np.iinfo(np.int64).max // 2, sub, fill_dead=True,
                   spared=Spared.none(len(sel)))
    return out


def _run_cones(c: Compiled, p: Params, plan: Plan, node: np.ndarray, col: np.ndarray,
               c_dep: np.ndarray, c_ind: np.ndarray, k: int, months: int, stock: bool,
               cap: int, out: Cones, *, fill_dead: bool, spared: Spared) -> bool:
    """One call of the cone kernel on (col, node)-sorted cut entries; False if it
    exceeded ``cap``."""
    import numba

    from riskmodel.engine import cone

    end_pos = np.full(plan.n, -1, dtype=np.int64)
    # the end uses, and any node a target weighs (riskmodel.targets)
    end_pos[c.end_use | (p.weight != 0).any(axis=1)] = 0
    cptr = np.searchsorted(col, np.arange(k + 1)).astype(np.int64)
    status = cone.propagate_cones(
        months, plan.order, plan.level_ptr, plan.level_cyclic, plan.node_level, plan.eptr,
        plan.e_src, plan.e_edge, plan.e_kind, plan.optr, plan.o_dst,
        np.ascontiguousarray(p.covers), np.ascontiguousarray(p.ne_share),
        np.ascontiguousarray(p.dep0), np.ascontiguousarray(p.ind0),
        # the buffers: a stock, or a capital node's installed base (docs/model.md §1.5)
        np.ascontiguousarray(equations.buffer_start(p.inventory, p.life), dtype=float),
        np.ascontiguousarray(p.life if stock else np.zeros_like(p.life), dtype=float),
        stock, cptr, node.astype(np.int64),
        np.ascontiguousarray(c_dep), np.ascontiguousarray(c_ind), np.ascontiguousarray(p.weight),
        end_pos, out.loss, out.reach, out.dead_ptr, out.dead_nodes
        if out.dead_nodes is not None else np.zeros(0, dtype=np.int64), fill_dead, settings.TINY,
        settings.TOL, settings.MAX_ITER, cap, numba.get_num_threads(), settings.CYCLE_SWEEPS,
        settings.POLICY_ROUNDS, settings.DENSE_MAX, spared.node.astype(np.int64),
        np.ascontiguousarray(spared.keep, dtype=float), spared.ptr.astype(np.int64),
        spared.succ.astype(np.int64), np.ascontiguousarray(spared.share, dtype=float))
    if status == -2:
        return False
    if status >= 0:
        not_converged(plan, int(status), c.ids)
    return True



def tries_cone(cuts: CutSpec, k: int, backend: str | None) -> bool:
    """Whether to try the cone kernel: few cut rows per column (a cut of everything a
    country supplies counts its rows), or forced."""
    if cuts.targeted:  # destination classes: the numpy backend's
        return False
    choice = backend or settings.BACKEND
    if choice != "auto":
        return choice == "cone"
    return sum(len(r) for r in cuts.rows) <= settings.CONE_MAX_CUTS * k

