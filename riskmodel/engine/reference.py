"""The reference implementation: the model's equations, node by node, on the graph.

This module is the specification in code. It reads the networkx graph of a
:class:`~riskmodel.Chain` directly (not its compiled arrays) and follows the model
(docs/model.md §1.4–1.5; written out in :mod:`riskmodel.engine`) one node at a time,
in topological order of the strongly connected components, iterating each cycle
downward from 1 to the greatest fixed point. The ramp, the net fraction, groups,
feasibility and the static bounds' ramps are those of :mod:`riskmodel.engine.equations`,
which the fast engine uses too. It is slow by design; the fast engine must agree with it
to 1e-9.

Examples
--------
>>> import riskmodel as rm
>>> from riskmodel.scenario import Cut, Scenario
>>> bike = rm.load("bicycle")
>>> months = simulate(bike, Scenario([Cut("JP", nodes=("drivetrain",))], months=3))
>>> round(months[0]["drivetrain"], 3), round(months[0]["bicycles"], 3)
(1.0, 1.0)
>>> round(months[2]["drivetrain"], 3)  # three months of stock, then the cut bites
1.0
>>> round(availability(bike, Scenario([Cut("JP", nodes=("drivetrain",))]))["bicycles"], 3)
0.3
>>> round(static_loss(bike, Scenario([Cut("JP", nodes=("drivetrain",), duration=0)])), 3)
0.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from riskmodel._errors import ConvergenceError
from riskmodel.engine import equations
from riskmodel.scenario import Scenario

__all__ = ["availability", "simulate", "static_loss"]

TOL = 1e-13
MAX_ITER = 100_000


def _supply_shares(chain: Any, node: str) -> tuple[dict[str, float], float]:
    """(shares by country, share of 'other'), as the engine sees them."""
    attrs = chain.graph.nodes[node]
    shares = {c: float(v) for c, v in (attrs.get("suppliers") or {}).items() if c != "other"}
    explicit_other = float((attrs.get("suppliers") or {}).get("other", 0.0))
    total = sum(shares.values()) + explicit_other
    if not attrs.get("suppliers"):
        if chain.home is not None:
            return {chain.home: 1.0}, 0.0
        return {}, 1.0
    if total > 1.0:
        shares = {c: v / total for c, v in shares.items()}
        total = 1.0
    return shares, max(0.0, 1.0 - sum(shares.values()))


def _withheld(chain: Any, node: str, country: str, scenario: Scenario, month: int | None,
              ramp: float = equations.RAMP_BY_MONTH) -> float:
    """x_jc, net of substitution: the largest ``f_q (1 − s_j ρ_q)`` over the cuts ``q`` in
    force that withhold ``country``'s supply of ``node``. Each cut's ramp ``ρ_q`` runs
    from its own start over the node's lead time; a fixed ``ramp`` (static bounds) replaces
    it."""
    attrs = chain.graph.nodes[node]
    s = float(attrs.get("substitutability") or 0.0)
    lead = float(attrs.get("lead_time_months") or 0.0)
    x = 0.0
    for cut in scenario.cuts:
        if month is not None and not cut.active(month):
            continue
        members = (chain.groups.get(cut.country) or {}).get("members") or []
        if country != cut.country and country not in members:
            continue
        if cut.nodes is not None and node not in cut.nodes:
            continue
        if ramp == equations.RAMP_BY_MONTH:
            rho = float(equations.ramp(month - cut.start, lead))
        else:
            rho = ramp
        x = max(x, equations.net_fraction(cut.fraction, s, rho))
    return x


def _feasibility(chain: Any, node: str, A: Mapping[str, float]) -> float:
    """P_j: AND over requirement groups, OR within a group, non-essential by cost share."""
    groups: dict[str, float] = {}
    non_essential_loss = 0.0
    for u, _, e in chain.graph.in_edges(node, data=True):
        if not e.get("essential", True):
            non_essential_loss += float(e.get("share") or 0.0) * (1.0 - A[u])
            continue
        if e.get("group"):  # alternatives: any of them serves, each up to its cover
            key, cover = e["group"], float(e.get("covers", 1.0))
        else:  # an essential input on its own
            key, cover = f"edge:{u}", 1.0
        groups[key] = groups.get(key, 0.0) + cover * A[u]
    p = min([equations.requirement(g) for g in groups.values()], default=1.0)
    return float(equations.feasibility(p, non_essential_loss))


def _supply(chain: Any, node: str, A: Mapping[str, float], scenario: Scenario,
            month: int | None, ramp: float) -> float:
    """S_j: what suppliers deliver, after the cut and substitution."""
    P = _feasibility(chain, node, A)
    shares, other = _supply_shares(chain, node)
    total = 0.0
    for country, m in shares.items():
        d = P if (chain.home is None or country == chain.home) else 1.0
        x = _withheld(chain, node, country, scenario, month, ramp)
        total += m * (1.0 - x) * d
    total += other * (P if chain.home is None else 1.0)
    return total


def _solve(chain: Any, scenario: Scenario, month: int | None, ramp: float,
           stock: Mapping[str, float], life: Mapping[str, float] | None = None
           ) -> tuple[dict[str, float], dict[str, float]]:
    """Availability and supply of every node in one month (greatest fixed point): a
    node's users see its supply topped up by its stock, or, for a capital node (a
    service life in ``life``), its installed base ``stock[n]`` whatever the supply."""
    life = life or {}
    g = chain.graph
    A = {n: 1.0 for n in g}
    S = {n: 1.0 for n in g}
    cond = nx.condensation(g)
    for comp in nx.topological_sort(cond):
        members = sorted(cond.nodes[comp]["members"])
        cyclic = len(members) > 1
        for _ in range(MAX_ITER if cyclic else 1):
            new_S = {n: _supply(chain, n, A, scenario, month, ramp) for n in members}
            new_A = {n: stock[n] if life.get(n) else min(1.0, new_S[n] + stock[n])
                     for n in members}
            change = max(abs(new_A[n] - A[n]) for n in members)
            A.update(new_A)
            S.update(new_S)
            if change <= TOL or not cyclic:
                break
        else:
            raise ConvergenceError(f"cycle through {', '.join(members[:5])} did not converge")
    return A, S


def availability(chain: Any, scenario: Scenario, *, mode: str = "immediate",
                 month: int | None = None) -> dict[str, float]:
    """Static availability under the cuts of ``scenario`` in force in ``month`` (every
    cut when None): ``immediate`` (no stock, no substitution) or ``long_run`` (full
    substitution)."""
    stock = {n: 0.0 for n in chain.graph}
    return _solve(chain, scenario, month, equations.bound_ramp(mode), stock)[0]


def static_loss(chain: Any, scenario: Scenario, *, mode: str = "immediate") -> float:
    """The static bound of ``scenario``: the worst month's end-use loss over its
    ``months``, each month counting only the cuts in force in it (0 if none is)."""
    return max((end_use_loss(chain, availability(chain, scenario, mode=mode, month=t))
                for t in range(scenario.months)), default=0.0)


def simulate(chain: Any, scenario: Scenario) -> list[dict[str, float]]:
    """Availability of every node in each month of ``scenario.months``.

    A node's stock starts at its ``inventory_months``. A ``capital`` node (service life
    ``L``) has an installed base ``B`` instead, a fraction of normal starting at 1: its
    users see ``A = B``, and each month of missing flow wears away its share,
    ``B ← max(0, B − (1 − min(1, S)) / L``; nothing rebuilds it.
    """
    g = chain.graph
    life = {n: float((g.nodes[n].get("capital") or {}).get("service_life_months") or 0.0)
            for n in g}
    stock = {n: 1.0 if life[n] else float(g.nodes[n].get("inventory_months") or 0.0)
             for n in g}
    out = []
    for t in range(scenario.months):
        A, S = _solve(chain, scenario, t, equations.RAMP_BY_MONTH, stock, life)
        for n in g:
            if life[n]:  # the installed base wears out where new units are missing
                stock[n] = max(0.0, stock[n] - (1.0 - min(1.0, S[n])) / life[n])
            else:  # the stock covers what supply could not, and is not rebuilt
                stock[n] = max(0.0, stock[n] - (A[n] - S[n]))
        out.append(A)
    return out


def end_use_loss(chain: Any, A: Mapping[str, float]) -> float:
    """``Σ_e value_e (1 − A_e) / Σ_e value_e`` over end-use nodes (equal weights when no
    end-use node has a value)."""
    end = chain.stages[-1]
    ends = [n for n, d in chain.graph.nodes(data=True) if d.get("stage") == end]
    values = {n: float(chain.graph.nodes[n].get("value") or 0.0) for n in ends}
    if sum(values.values()) <= 0:
        values = {n: 1.0 for n in ends}
    total = sum(values.values())
    return sum(v * (1.0 - A[n]) for n, v in values.items()) / total if total else 0.0
