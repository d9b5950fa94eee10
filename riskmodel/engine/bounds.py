"""The static bounds: availability and end-use loss with no stock, ``immediate`` (no
substitution) or ``long_run`` (all of it), counting only the cuts in force in the month
read.

:func:`static` and :func:`static_loss` take every cut they are given as in force (one
month's cuts); :func:`static_bounds` reads a scenario month by month over its horizon and
gives the worst month, evaluating one column per distinct set of cuts in force
(:func:`active_sets`), not one per month. The bounds are stated in
:mod:`riskmodel.engine` (docs/model.md §1.5); their ramp comes from
:func:`riskmodel.engine.equations.bound_ramp`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskmodel.engine import cones, destinations, equations, settings
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cones import tries_cone
from riskmodel.engine.cuts import CutSpec, Withheld, pair_params, split_country_atoms, withheld
from riskmodel.engine.params import Params
from riskmodel.engine.plan import column_limits, plan_for
from riskmodel.engine.propagation import propagate, uses_table

__all__ = ["ActiveSets", "active_sets", "end_use_loss", "static", "static_bounds",
           "static_loss"]


def _withheld_fixed(cuts: CutSpec, p: Params, ramp: float) -> Withheld:
    """What ``cuts`` withhold with every atom in force and the fixed ``ramp``."""
    return withheld(p, *_net_fixed(cuts, p, ramp))


def _net_fixed(cuts: CutSpec, p: Params, ramp: float
               ) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """``cuts``' pairs and their net fractions with every atom in force and ``ramp``."""
    prepared = cuts.pairs()
    subst, lead = pair_params(p, prepared)
    return prepared, cuts.net(None, prepared, subst, lead, ramp=ramp)


def static(c: Compiled, p: Params, cuts: CutSpec, *, mode: str = "immediate",
           backend: str | None = None) -> np.ndarray:
    """Availability ``(n, k)`` with every cut of ``cuts`` in force, whatever its months:
    ``immediate`` (no stock, no substitution) or ``long_run`` (full substitution, no
    stock). Pass the cuts of one month; :func:`static_bounds` reads a scenario's months."""
    ramp = equations.bound_ramp(mode)
    plan = plan_for(c)
    k = max(cuts.k, p.k)
    spread = destinations.expand(c, p, cuts)
    if spread is not None:  # over destination classes, read back for the focal market
        b = None if backend == "cone" else backend
        explicit, table, classes = spread.split(c, plan, spread.cuts, b)
        w = spread.entries(*_net_fixed(explicit, spread.params, ramp), table is not None)
        return spread.readout(propagate(
            plan, spread.params, w, None, spread.width, ids=c.ids, backend=b,
            base=spread.base, limit=spread.limits(plan), table=table, classes=classes,
            ramp=ramp))
    table = None
    if uses_table(plan, p, k, backend) and backend != "cone":
        cuts, table = split_country_atoms(cuts, p, len(c.countries))
    cut = _withheld_fixed(cuts, p, ramp)
    if table is None:
        return propagate(plan, p, cut, None, k, ids=c.ids, backend=backend)
    return propagate(plan, p, cut, None, k, ids=c.ids, backend=backend,
                     limit=column_limits(plan, cut.node, cut.col, k, table),
                     table=table.kernel_args(c, p), ramp=ramp)


def static_loss(c: Compiled, p: Params, cuts: CutSpec, *, mode: str = "immediate",
                backend: str | None = None, chunk: int | None = None,
                cap: int | None = None) -> np.ndarray | None:
    """End-use loss ``(k,)`` of :func:`static` availability (every cut in force): by the
    cone kernel where each column cuts little
    (:func:`~riskmodel.engine.cones.cone_losses`), else ``chunk`` columns at a time if
    given (one column of numbers only). With ``cap``, the cone kernel runs with that work
    limit wherever it applies, and None means the cuts needed more."""
    ramp = equations.bound_ramp(mode)
    k = max(cuts.k, p.k)
    capped = cap is not None and (backend or settings.BACKEND) == "auto"
    if not cuts.targeted and (tries_cone(cuts, k, backend) or (capped and p.k == 1)):
        w = _withheld_fixed(cuts, p, ramp)
        res = cones.cone_losses(c, p, w.node, w.col, w.dep[None, :], w.ind[None, :], k, 1,
                                stock=False, backend=backend, cap=cap)
        if res is not None:
            return res.loss[0]
        if capped:
            return None
    if chunk is None or k <= chunk or p.k > 1:
        return end_use_loss(p, static(c, p, cuts, mode=mode, backend=backend))
    return np.concatenate([
        end_use_loss(p, static(c, p, cuts.take(lo, min(k, lo + chunk)), mode=mode,
                               backend=backend)) for lo in range(0, k, chunk)])


def end_use_loss(p: Params, A: np.ndarray) -> np.ndarray:
    """``Σ_e w_e (1 − A_e)`` per column."""
    ends = np.flatnonzero((p.weight != 0).any(axis=1))
    return (p.weight[ends] * (1.0 - A[ends])).sum(axis=0)


@dataclass(frozen=True)
class ActiveSets:
    """The distinct sets of cuts in force over a horizon, one column each.

    ``cuts`` holds one column per set (each atom repeated in every set it belongs to);
    ``col`` is the column of the original cuts each set comes from. ``month_set`` maps
    each ``(month, original column)`` to its set, or -1 where no cut is in force (or the
    month is past that column's horizon, or the set was left out as dominated).
    """

    cuts: CutSpec
    col: np.ndarray
    month_set: np.ndarray


def active_sets(cuts: CutSpec, months: int | np.ndarray, *,
                maximal: bool = False) -> ActiveSets:
    """The sets of cuts in force in months ``0 ≤ t < months`` of each column.

    The set changes only where a cut starts or ends, so each column has at most one set
    per start and end. ``months`` is one horizon or one per column. With ``maximal``,
    a set that the next set of its column contains (no cut ends between them) is left
    out: it cannot lose more (docs/model.md §1.5), so the worst month is still found.

    Examples
    --------
    >>> import numpy as np
    >>> from riskmodel.engine import CutSpec
    >>> r = [np.array([0]), np.array([1])]
    >>> cuts = CutSpec(1, np.array([0, 0]), r, np.ones(2), np.array([0.0, 4.0]),
    ...                np.array([2.0, np.inf]))
    >>> sets = active_sets(cuts, 6)  # months 0-1: the first cut; 4-5: the second
    >>> sets.month_set[:, 0].tolist()
    [0, 0, -1, -1, 1, 1]
    >>> sets.cuts.col.tolist(), sets.col.tolist()
    ([0, 1], [0, 0])
    """
    k = cuts.k
    horizon = np.broadcast_to(np.asarray(months, dtype=np.int64), (k,))
    stride = int(horizon.max()) + 1 if k else 1
    h = horizon[cuts.col]
    # whole months: a cut is in force in month t when start ≤ t < end
    s = np.maximum(0, np.ceil(cuts.start)).astype(np.int64)
    e = np.ceil(np.minimum(cuts.end, h)).astype(np.int64)
    live = np.flatnonzero(s < e)
    base = cuts.col[live].astype(np.int64) * stride
    lo_key, hi_key = base + s[live], base + e[live]
    ends = hi_key[e[live] < h[live]]
    seg_key = np.unique(np.concatenate([np.arange(k, dtype=np.int64) * stride, lo_key, ends]))
    lo = np.searchsorted(seg_key, lo_key)
    cnt = np.searchsorted(seg_key, hi_key) - lo
    atom = np.repeat(live, cnt)
    seg = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    keep = np.bincount(seg, minlength=len(seg_key)) > 0
    seg_col = seg_key // stride
    if maximal and len(seg_key) > 1:  # contained in the next set of its column
        same = seg_col[1:] == seg_col[:-1]
        keep[:-1] &= ~(same & ~np.isin(seg_key[1:], ends))
    new = np.cumsum(keep) - 1
    t = np.arange(stride - 1)
    grid = np.searchsorted(seg_key, np.arange(k)[None, :] * stride + t[:, None], "right") - 1
    month_set = np.where(keep[grid] & (t[:, None] < horizon[None, :]), new[grid], -1)
    if (len(live) == len(cuts.col) and np.all(cnt == 1) and int(keep.sum()) == k
            and np.array_equal(seg_col[keep], np.arange(k))):
        return ActiveSets(cuts, np.arange(k), month_set)  # each column one set, as given
    on = keep[seg]
    atom, seg = atom[on], new[seg[on]]
    spec = CutSpec(int(keep.sum()), seg.astype(np.int64), [cuts.rows[a] for a in atom],
                   cuts.fraction[atom], cuts.start[atom], cuts.end[atom],
                   None if cuts.country is None else cuts.country[atom],
                   *cuts.destinations(atom))
    return ActiveSets(spec, seg_col[keep].astype(np.int64), month_set)


def static_bounds(c: Compiled, p: Params, cuts: CutSpec, months: int | np.ndarray, *,
                  mode: str = "immediate", by_month: bool = False,
                  backend: str | None = None, chunk: int | None = None) -> np.ndarray:
    """The static bound of each column over its horizon (docs/model.md §1.5).

    Month ``t`` counts only the cuts in force in it (``start ≤ t < end``), with no stock
    and the fixed ramp of ``mode``; the bound is the worst month's end-use loss, 0 where
    no cut is in force within the horizon. So a cut that starts after the horizon or
    lasts 0 months costs nothing, and cuts that are never in force together are never
    combined. One column is evaluated per distinct set of cuts in force
    (:func:`active_sets`), batched like every static pass.

    Returns ``(k,)``, or with ``by_month`` the loss of every month ``(months, k)``
    (NaN past a column's own horizon).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> from riskmodel.scenario import Cut, Scenario
    >>> from riskmodel.simulation import cut_spec
    >>> bike = rm.load("bicycle")
    >>> c = bike.compiled
    >>> p = engine.params_from_compiled(c)
    >>> later = Scenario([Cut("JP", nodes=("drivetrain",), start=12)], months=24)
    >>> now = Scenario([Cut("JP", nodes=("drivetrain",), duration=0)], months=24)
    >>> static_bounds(c, p, cut_spec(bike, [later, now], p), 24).round(3).tolist()
    [0.7, 0.0]
    """
    sets = active_sets(cuts, months, maximal=not by_month)
    loss = np.zeros(0)
    if sets.cuts.k:
        same = sets.cuts is cuts
        q = p if same or p.k == 1 else p.columns(sets.col)
        loss = static_loss(c, q, sets.cuts, mode=mode, backend=backend, chunk=chunk)
    if by_month:
        out = np.where(sets.month_set >= 0, loss[np.maximum(sets.month_set, 0)]
                       if len(loss) else 0.0, 0.0)
        horizon = np.broadcast_to(np.asarray(months), (cuts.k,))
        return np.where(np.arange(len(out))[:, None] < horizon[None, :], out, np.nan)
    worst = np.zeros(cuts.k)
    np.maximum.at(worst, sets.col, loss)
    return worst
