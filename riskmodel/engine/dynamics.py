"""The dynamics: month by month, with each cut's substitution ramp, the stocks drawn
down and capital nodes' installed bases worn away (docs/model.md §1.5; the equations
are in :mod:`riskmodel.engine`), and the time to survive and to recover read from the
monthly losses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from riskmodel.engine import baseline, cones, destinations, equations
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cones import tries_cone
from riskmodel.engine.cuts import CutSpec, pair_params, split_country_atoms, withheld
from riskmodel.engine.params import Params
from riskmodel.engine.plan import column_limits, plan_for
from riskmodel.engine.propagation import propagate, uses_table

__all__ = ["Dynamics", "dynamic", "time_to"]


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
    """Month-by-month simulation with stocks, installed bases and substitution ramps
    (docs/model.md §1.5). Atoms of restrictions in force (start ``−inf``,
    :attr:`~riskmodel.engine.cuts.CutSpec.baseline`) hold in their long-run state from
    month 0 (:func:`~riskmodel.engine.baseline.start_buffers`).

    ``record`` is False (end-use loss only), True (every node) or an index array of
    nodes whose availability to keep. With ``record`` False the cone kernel answers
    where each column cuts little (:func:`~riskmodel.engine.cones.cone_losses`);
    otherwise, the column-block kernel (or numpy) does, ``chunk`` columns at a time if
    given (one column of numbers only).
    """
    k = max(cuts.k, p.k)
    spread = destinations.expand(c, p, cuts)
    if spread is not None and chunk is not None and k > chunk and p.k == 1:
        # chunks of scenarios, each spread over its classes: as many class columns as
        # ``chunk`` columns would be (each scenario has at least one)
        per = max(1, chunk * k // spread.width)
        return _joined([dynamic(c, p, cuts.take(lo, min(k, lo + per)), months,
                                record=record, backend=backend)
                        for lo in range(0, k, per)], months, on_month)
    if spread is not None:
        return _dynamic_classes(c, p, spread, months, record, on_month,
                                None if backend == "cone" else backend)
    # the cone kernel starts from full buffers: not from restrictions in force
    if (record is False and months > 0 and tries_cone(cuts, k, backend)
            and not cuts.baseline.any()):
        prepared = cuts.pairs()
        subst, lead = pair_params(p, prepared)
        held = [withheld(p, prepared, cuts.net(t, prepared, subst, lead))
                for t in range(months)]
        res = cones.cone_losses(c, p, held[0].node, held[0].col,
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
    return _joined([_dynamic_dense(c, p, cuts.take(lo, min(k, lo + chunk)), months, record,
                                   None, backend) for lo in range(0, k, chunk)],
                   months, on_month)


def _joined(parts: list[Dynamics], months: int, on_month: Callable[[int], None] | None
            ) -> Dynamics:
    """Chunks of columns as one :class:`Dynamics`, reporting every month when done."""
    if on_month is not None:
        for t in range(months):
            on_month(t)
    avail = None if parts[0].availability is None else np.concatenate(
        [x.availability for x in parts], axis=2)
    return Dynamics(loss=np.concatenate([x.loss for x in parts], axis=1), availability=avail)


def _dynamic_dense(c: Compiled, p: Params, cuts: CutSpec, months: int,
                   record: np.ndarray | bool, on_month: Callable[[int], None] | None,
                   backend: str | None) -> Dynamics:
    """:func:`dynamic` month by month with :func:`~riskmodel.engine.propagation.propagate`
    (the column-block kernel or numpy), stocks drawn in place."""
    plan = plan_for(c)
    k = max(cuts.k, p.k)
    n = c.n
    # the buffers: stocks, and capital nodes' installed bases (one copy), as the
    # restrictions in force left them
    stock = baseline.start_buffers(c, p, cuts, backend=backend)
    table = None
    if uses_table(plan, p, k, backend) and backend != "cone":
        cuts, table = split_country_atoms(cuts, p, len(c.countries))
    targs = table.kernel_args(c, p) if table is not None else None
    prepared = cuts.pairs()
    subst, lead = pair_params(p, prepared)
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
        A = propagate(plan, p, withheld(p, prepared, x), stock, k, ids=c.ids,
                      backend=backend, update_stock=True, out=A, limit=limit, table=targs,
                      t=t, ramp=equations.RAMP_BY_MONTH)
        loss[t] = (w_end * (1.0 - A[ends])).sum(axis=0)
        if avail is not None:
            avail[t] = A[keep_idx]
        if on_month is not None:
            on_month(t)
    return Dynamics(loss=loss, availability=avail)



def _dynamic_classes(c: Compiled, p: Params, ex: destinations.Expansion, months: int,
                     record: np.ndarray | bool, on_month: Callable[[int], None] | None,
                     backend: str | None) -> Dynamics:
    """:func:`dynamic` over destination classes (the column-block kernel or numpy): each
    class column holds its own stocks; the focal market reads the classes back."""
    plan = plan_for(c)
    width = ex.width
    stock = baseline.start_buffers(c, p, ex.cuts, spread=ex, backend=backend)
    # whole-country cuts and the class terms read from tables by the column-block kernel
    explicit, table, classes = ex.split(c, plan, ex.cuts, backend)
    prepared = explicit.pairs()
    subst, lead = pair_params(ex.params, prepared)
    keep_idx = np.arange(c.n) if record is True else (
        record if isinstance(record, np.ndarray) else None)
    loss = np.zeros((months, ex.k))
    avail = np.zeros((months, len(keep_idx), ex.k)) if keep_idx is not None else None
    ends = np.flatnonzero((p.weight != 0).any(axis=1))
    w_end = p.weight[ends]
    limit = ex.limits(plan)
    A = None
    for t in range(months):
        x = explicit.net(t, prepared, subst, lead)
        A = propagate(plan, ex.params, ex.entries(prepared, x, table is not None), stock,
                      width, ids=c.ids, backend=backend, update_stock=True, base=ex.base,
                      out=A, limit=limit, table=table, classes=classes, t=t,
                      ramp=equations.RAMP_BY_MONTH)
        loss[t] = (w_end * (1.0 - ex.readout(A, ends))).sum(axis=0)
        if avail is not None:
            avail[t] = ex.readout(A, keep_idx)
        if on_month is not None:
            on_month(t)
    return Dynamics(loss=loss, availability=avail)


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
