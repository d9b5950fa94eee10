"""Restrictions in force: the state month 0 starts from (docs/model.md §1.5).

A restriction in force (a chain's ``baseline``) is a permanent cut in force since
before month 0, in its long-run state: its atoms start at ``−inf``
(:attr:`~riskmodel.engine.cuts.CutSpec.baseline`), so their substitution ramp is
complete in every month and in both static bounds, and the stocks and installed bases
have adjusted to it. :func:`start_buffers` gives that state: the static long-run
availability ``S`` under the restrictions alone, in the run's own columns (a scenario's
destination classes refine the restrictions'); a node short there (``S < 1``) has spent
its stock, any other keeps its ``inventory_months``, and a capital node's installed base
has worn down to the flow, ``B = min(1, S)``. A run of the restrictions alone is then
flat: every month loses what their long-run static bound does.
"""

from __future__ import annotations

import numpy as np

from riskmodel.engine import bounds, equations
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cuts import CutSpec, pair_params
from riskmodel.engine.destinations import Expansion
from riskmodel.engine.params import Params
from riskmodel.engine.plan import plan_for
from riskmodel.engine.propagation import propagate

__all__ = ["SHORT", "in_every_column", "only_baseline", "start_buffers"]

#: A node whose supply under the restrictions in force is below ``1 − SHORT`` is short:
#: its stock is spent.
SHORT = 1e-12


def only_baseline(cuts: CutSpec) -> CutSpec:
    """The atoms of ``cuts`` that are restrictions in force, in the same columns.

    Examples
    --------
    >>> import numpy as np
    >>> r = [np.array([0]), np.array([1])]
    >>> cuts = CutSpec(1, np.array([0, 0]), r, np.ones(2), np.array([-np.inf, 2.0]),
    ...                np.full(2, np.inf))
    >>> only_baseline(cuts).rows
    [array([0])]
    """
    q = np.flatnonzero(cuts.baseline)
    return CutSpec(cuts.k, cuts.col[q], [cuts.rows[a] for a in q], cuts.fraction[q],
                   cuts.start[q], cuts.end[q],
                   None if cuts.country is None else cuts.country[q], *cuts.destinations(q))


def start_buffers(c: Compiled, p: Params, cuts: CutSpec, *,
                  spread: Expansion | None = None, backend: str | None = None
                  ) -> np.ndarray:
    """Each node's buffer in month 0, ``(n, k)``: its stock, or a capital node's
    installed base, after the restrictions in force among ``cuts`` have held in their
    long-run state (see the module's docstring; without any, the buffers of
    :func:`~riskmodel.engine.equations.buffer_start`).

    With ``spread`` (``cuts`` over destination classes,
    :func:`~riskmodel.engine.destinations.expand`) the columns are its class columns.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> from riskmodel.scenario import Cut, Scenario
    >>> from riskmodel.simulation import cut_spec
    >>> bike = rm.load("bicycle")
    >>> c, p = bike.compiled, engine.params_from_compiled(bike.compiled)
    >>> cuts = cut_spec(bike, [Scenario([])], p, baseline=[Cut("JP", nodes=("drivetrain",))])
    >>> stock = start_buffers(c, p, cuts)
    >>> float(p.inventory[c.index.get_loc("drivetrain"), 0]), float(
    ...     stock[c.index.get_loc("drivetrain"), 0])   # short under the restriction: spent
    (3.0, 0.0)
    """
    q = spread.params if spread is not None else p
    width = spread.width if spread is not None else max(cuts.k, p.k)
    start = np.array(np.broadcast_to(equations.buffer_start(q.inventory, q.life),
                                     (c.n, width)), dtype=float)
    held = only_baseline(spread.cuts if spread is not None else cuts)
    if not len(held.col):
        return start
    engine_backend = None if backend == "cone" else backend
    if spread is not None:
        plan = plan_for(c)
        # restrictions in force are explicit atoms; the class terms may come as a table
        explicit, table, classes = spread.split(c, plan, held, engine_backend)
        prepared = explicit.pairs()
        subst, lead = pair_params(q, prepared)
        ramp = equations.MODES["long_run"]
        x = explicit.net(None, prepared, subst, lead, ramp=ramp)
        supply = propagate(plan, q, spread.entries(prepared, x, table is not None), None,
                           width, ids=c.ids, backend=engine_backend, base=spread.base,
                           limit=spread.limits(plan), table=table, classes=classes,
                           ramp=ramp)
    else:
        supply = bounds.static(c, p, held, mode="long_run", backend=engine_backend)
    life = np.broadcast_to(q.life, (c.n, width))
    return np.where(life > 0, np.minimum(1.0, supply),
                    np.where(supply < 1.0 - SHORT, 0.0, start))


def in_every_column(cuts: CutSpec, held: CutSpec) -> CutSpec:
    """``cuts`` with the atoms of ``held`` (restrictions in force, one column) added to
    each of its columns.

    Examples
    --------
    >>> import numpy as np
    >>> one = CutSpec(1, np.array([0]), [np.array([3])], np.ones(1), np.array([-np.inf]),
    ...               np.array([np.inf]))
    >>> two = CutSpec(2, np.array([0, 1]), [np.array([0]), np.array([1])], np.ones(2),
    ...               np.zeros(2), np.full(2, np.inf))
    >>> both = in_every_column(two, one)
    >>> both.col.tolist(), both.baseline.tolist()
    ([0, 1, 0, 1], [False, False, True, True])
    """
    a = np.flatnonzero(held.col == 0)
    if not len(a):
        return cuts
    k, q = cuts.k, len(cuts.col)
    each = np.tile(a, k)
    cols = np.repeat(np.arange(k, dtype=np.int64), len(a))

    def both(mine: np.ndarray | None, theirs: np.ndarray | None, fill: int) -> np.ndarray:
        mine = np.full(q, fill, dtype=np.int64) if mine is None else mine
        theirs = np.full(len(held.col), fill, dtype=np.int64) if theirs is None else theirs
        return np.concatenate([mine, theirs[each]])

    kind = None
    keys = None
    if cuts.to_kind is not None or held.to_kind is not None:
        kind = both(cuts.to_kind, held.to_kind, 0).astype(np.int8)
        none = [np.zeros(0, dtype=np.int64)]
        keys = [*(cuts.to_keys or none * q), *((held.to_keys or none * len(held.col))[i]
                                                 for i in each)]
    country = None if cuts.country is None and held.country is None else both(
        cuts.country, held.country, -1)
    return CutSpec(k, np.concatenate([cuts.col, cols]),
                   [*cuts.rows, *(held.rows[i] for i in each)],
                   np.concatenate([cuts.fraction, held.fraction[each]]),
                   np.concatenate([cuts.start, held.start[each]]),
                   np.concatenate([cuts.end, held.end[each]]), country, kind, keys)
