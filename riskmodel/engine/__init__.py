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
- **substitution ramp** of supply ``(j, c)``, one supplier row in one scenario
  (docs/model.md §1.5): ``ρ_jc(t) = min(1, (t − t0_jc(t)) / L_j)``, 1 when the lead time
  ``L_j`` is 0, where ``t0_jc(t)`` is the first month of the unbroken run of months,
  holding ``t``, in which cuts on that row are in force: the months ``[start_q, end_q)``
  of its cuts that overlap or touch merge into one run, so a second or larger cut
  continues the ramp, and a cut after a gap starts a new one (a cut withholding
  nothing starts none)
- **net withheld fraction** of row ``(j, c)`` (docs/model.md §1.5):
  ``x_jc = max_q f_q · (1 − s_j ρ_jc) = f_max(t) · (1 − s_j ρ_jc)`` over the cuts ``q``
  in force on it, ``f_q`` their fractions and ``s_j`` the substitutability
- **supply** to destination class ``d`` (docs/model.md §1.3–1.4):
  ``S_j^d = Σ_c m_jc (1 − x_jc^d) P_j^{e(c)} + m_other P_j^{e(other)}``: each producer
  works with the inputs available to its own country's class ``e(c)``, and ``x^d``
  counts the cuts that withhold from ``d``. Without destination classes (every cut
  withholds from every producer) this is ``S_j = a_j P_j`` with ``a_j = Σ m (1 − x)``,
  which is how the arrays compute it (:class:`Params` holds ``a_j`` with no cut as
  ``dep0``; ``ind0`` is 0). With classes, each scenario spreads over one column per
  class and supply is ``M_j P_j^0 + Σ_{e≥1} α_j^e (P_j^e − P_j^0)`` less the cut terms
  (:mod:`~riskmodel.engine.destinations`)
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
- **restrictions in force** (docs/model.md §1.5): a baseline cut is an atom in force
  from ``−inf`` for ever, so its row's ramp, and that of every cut continuing it, is
  complete (``ρ = 1``) in every month and in both static bounds; month 0 starts from
  its long-run state: with ``S`` the long-run static supply under the baseline alone
  (in the run's own class columns), a node with ``S < 1`` starts with no stock, a
  capital node with ``B = min(1, S)`` (:mod:`~riskmodel.engine.baseline`)
- **cycles** (docs/model.md §1.4): a level holding a cycle starts at ``A = 1`` and is
  iterated to the greatest fixed point (no availability moving by more than ``TOL``);
  one that ``CYCLE_SWEEPS`` sweeps do not settle is solved exactly by policy iteration
  from above (``cycles``): fix the affine piece attaining each node's min at the point
  ``x`` (``F(x) ≤ x``), jump to the limit of that piece's iterates from ``x`` (a linear
  solve on what a decrease reaches; it is ``≥`` every fixed point, since the piece is
  ``≥ F`` below ``x``), repeat until ``F`` moves nothing: the points only fall and stay
  at or above the greatest fixed point, so they stop on it
- **end-use loss** (docs/model.md §1.5): ``Σ_e w_e (1 − A_e)`` over the end-use nodes.

The implementations, all held to :mod:`~riskmodel.engine.reference` by the tests:

- the numpy backend, level by level (small work; :func:`propagate`);
- one column (one scenario): level by level, the nodes of a wide level in parallel
  (``kernel.propagate1``);
- many columns: column blocks in parallel (``kernel.propagate``), as many as the work
  pays for (:func:`~riskmodel.engine.propagation.block_count`); a cut of everything a
  country supplies reaches it as a :class:`CountryTable`, the others as (node, column)
  pairs;
- many columns that each cut a few nodes, end-use loss only (the choke score,
  knockouts): each column follows the nodes its cuts reach (``cone``;
  :func:`cone_losses`), giving way to the column-block kernel when that would do less
  work;
- scenarios whose cuts spare some destinations: their class columns
  (:mod:`~riskmodel.engine.destinations`) by the column-block kernel, which reads a cut
  of everything a country supplies from the country table over class columns and the
  class terms from each supplier key's class per scenario (no entry per supplier row),
  or, on a chain with cycles, by the same kernel reading the cuts and class terms as
  entries and sweeping each cyclic level in place, inputs first; a level those sweeps
  do not settle sends the chain to the numpy backend, which solves it exactly across
  the classes (:mod:`~riskmodel.engine.classcycles`); the cone and one-column kernels
  take one class only, but for the cone kernel's spared columns
  (:class:`~riskmodel.engine.cones.Spared`: a cut node some producers see uncut, the
  one difference a single stop to all makes where it lies on no cycle);
- the reference, node by node on the networkx graph (the specification in code).

Modules:

- ``equations`` — the shared equations: ramp, net fraction, groups, feasibility, bounds
- ``destinations`` — destination classes: a scenario's columns per class, read back for
  the focal market (:class:`~riskmodel.engine.destinations.Expansion`)
- ``classcycles`` — a cyclic level solved exactly across a scenario's destination classes
- ``settings`` — tunables: tolerance, iteration cap, backend choice, threads, cone work
  limits
- ``compiled`` — a chain compiled to arrays (:class:`~riskmodel.engine.compiled.Compiled`)
- ``plan`` — topological levels and each node's sorted inputs (:class:`Plan`)
- ``params`` — the numbers, one column or one per Monte Carlo draw (:class:`Params`)
- ``cuts`` — cut atoms, withheld shares and whole-country tables (:class:`CutSpec`)
- ``propagation`` — availability of every node for ``k`` columns (:func:`propagate`)
- ``cycles`` — a cyclic level's greatest fixed point, exactly (policy iteration)
- ``cones`` — the cone kernel driven from Python (:func:`cone_losses`)
- ``bounds`` — the static bounds (:func:`static`, :func:`static_loss`,
  :func:`static_bounds` over a horizon)
- ``dynamics`` — month by month with ramps and stocks (:func:`dynamic`)
- ``baseline`` — the buffers month 0 starts from under restrictions in force
- ``kernel`` — the numba column-block and one-column kernels
- ``cone`` — the numba cone kernel
- ``centrality`` — betweenness centrality, compiled with numba
- ``reference`` — the equations node by node on the networkx graph

The tunables live in :mod:`riskmodel.engine.settings`, where the engine reads them:
``riskmodel.engine.settings.BACKEND = "numpy"`` forces the numpy backend.
"""

from __future__ import annotations

from riskmodel.engine import destinations, settings
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
from riskmodel.engine.cuts import (
    TO_ALL_BUT,
    TO_EVERYONE,
    TO_LISTED,
    CountryTable,
    CutSpec,
    Withheld,
    split_country_atoms,
)
from riskmodel.engine.dynamics import Dynamics, dynamic, time_to
from riskmodel.engine.params import Params, params_from_compiled
from riskmodel.engine.plan import LevelPlan, Plan, column_limits, plan_for, reach_bound
from riskmodel.engine.propagation import batch_columns, propagate

__all__ = [
    "TO_ALL_BUT",
    "TO_EVERYONE",
    "TO_LISTED",
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
    "destinations",
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
