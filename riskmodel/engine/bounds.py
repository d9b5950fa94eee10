"""The static bounds: availability and end-use loss with every cut in force at once and
no stock, ``immediate`` (no substitution) or ``long_run`` (all of it).

The bounds are stated in :mod:`riskmodel.engine` (docs/model.md §1.5); their ramp comes
from :func:`riskmodel.engine.equations.bound_ramp`.
"""

from __future__ import annotations

import numpy as np

from riskmodel.engine import cones, equations, settings
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cones import tries_cone
from riskmodel.engine.cuts import CutSpec, Withheld, pair_params, split_country_atoms, withheld
from riskmodel.engine.params import Params
from riskmodel.engine.plan import column_limits, plan_for
from riskmodel.engine.propagation import propagate, uses_table

__all__ = ["end_use_loss", "static", "static_loss"]


def _withheld_fixed(cuts: CutSpec, p: Params, ramp: float) -> Withheld:
    """What ``cuts`` withhold with every atom in force and the fixed ``ramp``."""
    prepared = cuts.pairs()
    subst, lead = pair_params(p, prepared)
    return withheld(p, prepared, cuts.net(None, prepared, subst, lead, ramp=ramp))


def static(c: Compiled, p: Params, cuts: CutSpec, *, mode: str = "immediate",
           backend: str | None = None) -> np.ndarray:
    """Availability ``(n, k)`` under the cuts, with no time: ``immediate`` (no stock, no
    substitution) or ``long_run`` (full substitution, no stock)."""
    ramp = equations.bound_ramp(mode)
    plan = plan_for(c)
    k = max(cuts.k, p.k)
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
    """End-use loss ``(k,)`` of :func:`static` availability: by the cone kernel where
    each column cuts little (:func:`~riskmodel.engine.cones.cone_losses`), else ``chunk``
    columns at a time if given (one column of numbers only). With ``cap``, the cone
    kernel runs with that work limit wherever it applies, and None means the cuts needed
    more."""
    ramp = equations.bound_ramp(mode)
    k = max(cuts.k, p.k)
    capped = cap is not None and (backend or settings.BACKEND) == "auto"
    if tries_cone(cuts, k, backend) or (capped and p.k == 1):
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
