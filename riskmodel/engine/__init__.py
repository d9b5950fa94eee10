"""The engine: the model's equations on compiled arrays, many scenarios at once.

This docstring is where the equations are written out, once (docs/model.md §1.4–1.5
explains them with examples); the modules below point here rather than restate them.
Every implementation takes the ramp, the net withheld fraction, requirement groups,
production feasibility, the ramp of a static bound and the buffers from one place,
:mod:`riskmodel.engine.equations`.

The equations, for node ``j`` in month ``t``:

- **requirement group** ``g``, one essential input or a set of alternatives
  (docs/model.md §1.4): ``G_g = min(1, Σ_{i∈g} covers_i · A_i)``
- **production feasibility** (docs/model.md §1.4):
  ``P_j = max(0, min(min_g G_g, 1 − Σ_{i non-essential} share_i · (1 − A_i)))``, 1 for a
  node without inputs
- **substitution ramp** of cut ``q`` (docs/model.md §1.5):
  ``ρ_q(t) = min(1, (t − start_q) / L_j)``, 1 when the lead time ``L_j`` is 0
- **net withheld fraction** of row ``(j, c)`` (docs/model.md §1.5):
  ``x_jc = max_q f_q · (1 − s_j ρ_q)`` over the cuts ``q`` in force on it, ``f_q`` their
  fractions and ``s_j`` the substitutability: each cut ramps from its own start, and
  where cuts overlap the one leaving the larger shortfall binds (so cutting more never
  raises availability)
- **supply** (docs/model.md §1.4):
  ``S_j = Σ_c m_jc (1 − x_jc) d_c + m_other d_other``, where ``d = P_j`` for producers
  that need the chain's inputs (the home country in a home view; everyone in a global
  one) and 1 otherwise. Gathering the dependent terms into ``a_j = Σ_dependent m (1 − x)``
  and the rest into ``b_j``, ``S_j = a_j P_j + b_j``, which is how the arrays compute it
  (:class:`Params` holds ``a_j``, ``b_j`` with no cut)
- **stocks** (docs/model.md §1.5): ``A_j = min(1, S_j + stock_j)``, then
  ``stock_j ← max(0, stock_j − (A_j − S_j))``; the stock starts at ``inventory_months``
  and is not rebuilt
- **capital goods** (docs/model.md §1.5): a ``capital`` node ``j`` (service life
  ``L_j``) has an installed base ``B_j`` in place of a stock, a fraction of normal
  starting at 1: its users see ``A_j = B_j`` (not ``min(1, S_j + stock_j)``), then
  ``B_j ← max(0, B_j − (1 − min(1, S_j)) / L_j)``: each month of missing flow wears
  away its share, one service life of a full stop empties it, and it is not rebuilt
  (its ``inventory_months`` is not used). The arrays hold ``B`` where the stock is, and
  ``Params.life`` (0 for other nodes) tells them apart
  (:func:`~riskmodel.engine.equations.buffered`, :func:`~riskmodel.engine.equations.drawn`)
- **static bounds** (docs/model.md §1.5): month ``t`` counts only the cuts in force in
  it, with no stock and no installed base (``A = S``); ``immediate`` fixes ``ρ = 0``
  (``x = f``), ``long_run`` fixes ``ρ = 1`` (``x = f (1 − s)``); a scenario's bound is
  its worst month's end-use loss over the horizon (0 when no cut is in force), one pass
  per distinct set of cuts in force
- **cycles** (docs/model.md §1.4): a level holding a cycle starts at ``A = 1`` and is
  iterated to the greatest fixed point (no availability moving by more than ``TOL``)
- **end-use loss** (docs/model.md §1.5): ``Σ_e w_e (1 − A_e)`` over the end-use nodes.

The implementations, all held to :mod:`~riskmodel.engine.reference` by the tests:

- the numpy backend, level by level (small work; :func:`propagate`);
- one column (one scenario): nodes of a level in parallel (``kernel.propagate1``);
- many columns: column blocks in parallel (``kernel.propagate``); a cut of everything a
  country supplies reaches it as a :class:`CountryTable`, the others as (node, column)
  pairs;
- many columns that each cut a few nodes, end-use loss only (the choke score,
  knockouts): each column follows the nodes its cuts reach (``cone``;
  :func:`cone_losses`), giving way to the column-block kernel when that would do less
  work;
- the reference, node by node on the networkx graph (the specification in code).

Modules:

- ``equations`` — the shared equations: ramp, net fraction, groups, feasibility, bounds
- ``settings`` — tunables: tolerance, iteration cap, backend choice, cone work limits
- ``compiled`` — a chain compiled to arrays (:class:`~riskmodel.engine.compiled.Compiled`)
- ``plan`` — topological levels and each node's sorted inputs (:class:`Plan`)
- ``params`` — the numbers, one column or one per Monte Carlo draw (:class:`Params`)
- ``cuts`` — cut atoms, withheld shares and whole-country tables (:class:`CutSpec`)
- ``propagation`` — availability of every node for ``k`` columns (:func:`propagate`)
- ``cones`` — the cone kernel driven from Python (:func:`cone_losses`)
- ``bounds`` — the static bounds (:func:`static`, :func:`static_loss`,
  :func:`static_bounds` over a horizon)
- ``dynamics`` — month by month with ramps and stocks (:func:`dynamic`)
- ``kernel`` — the numba column-block and one-column kernels
- ``cone`` — the numba cone kernel
- ``centrality`` — betweenness centrality, compiled with numba
- ``reference`` — the equations node by node on the networkx graph

The tunables live in :mod:`riskmodel.engine.settings`, where the engine reads them:
``riskmodel.engine.settings.BACKEND = "numpy"`` forces the numpy backend.
"""

from __future__ import annotations

from riskmodel.engine import settings
from riskmodel.engine.bounds import (
    ActiveSets,
    active_sets,
    end_use_loss,
    static,
    static_bounds,
    static_loss,
)
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cones import Cones, cone_losses
from riskmodel.engine.cuts import CountryTable, CutSpec, Withheld, split_country_atoms
from riskmodel.engine.dynamics import Dynamics, dynamic, time_to
from riskmodel.engine.params import Params, params_from_compiled
from riskmodel.engine.plan import LevelPlan, Plan, column_limits, plan_for, reach_bound
from riskmodel.engine.propagation import batch_columns, propagate

__all__ = [
    "ActiveSets",
    "Compiled",
    "Cones",
    "CountryTable",
    "CutSpec",
    "Dynamics",
    "LevelPlan",
    "Params",
    "Plan",
    "Withheld",
    "active_sets",
    "batch_columns",
    "column_limits",
    "cone_losses",
    "dynamic",
    "end_use_loss",
    "params_from_compiled",
    "plan_for",
    "propagate",
    "reach_bound",
    "settings",
    "split_country_atoms",
    "static",
    "static_bounds",
    "static_loss",
    "time_to",
]
