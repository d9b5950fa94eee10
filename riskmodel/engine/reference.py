"""The reference implementation: the model's equations, node by node, on the graph.

This module is the specification in code. It reads the networkx graph of a
:class:`~riskmodel.Chain` directly (not its compiled arrays) and follows the model
(docs/model.md §1.4–1.5; written out in :mod:`riskmodel.engine`) one node at a time,
in topological order of the strongly connected components, iterating each cycle
downward from 1 to the greatest fixed point, which a cycle that a few sweeps do not
settle reaches exactly by policy iteration with a dense solve (:func:`_exact`; the
fast engine has its own, :mod:`riskmodel.engine.cycles`). The ramp, the net fraction, groups,
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

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from riskmodel._errors import ConvergenceError
from riskmodel.engine import equations
from riskmodel.scenario import Scenario

__all__ = ["availability", "simulate", "static_loss"]

TOL = 1e-13
MAX_ITER = 100_000
#: Sweeps of a cycle before it is solved exactly (:func:`_exact`).
SWEEPS = 40


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
    """x_jc, net of substitution: the largest ``f_q (1 − s_j ρ)`` over the cuts ``q`` in
    force that withhold ``country``'s supply of ``node``. The ramp ``ρ`` of this supply
    runs over the node's lead time from ``t0``, the first month of the unbroken run of
    months, holding ``month``, in which cuts on it (that withhold anything) are in force:
    a second or larger cut continues the ramp, one after a gap starts anew. A fixed
    ``ramp`` (static bounds) replaces it."""
    attrs = chain.graph.nodes[node]
    s = float(attrs.get("substitutability") or 0.0)
    lead = float(attrs.get("lead_time_months") or 0.0)
    on_row = []
    for cut in scenario.cuts:
        members = (chain.groups.get(cut.country) or {}).get("members") or []
        if country != cut.country and country not in members:
            continue
        if cut.nodes is not None and node not in cut.nodes:
            continue
        on_row.append(cut)
    rho = ramp
    if ramp == equations.RAMP_BY_MONTH:
        # merge the months in force [start, end) of the row's cuts: overlapping or
        # touching spans are one run; t0 is the start of the run holding `month`
        spans = sorted((c.start, math.inf if c.duration is None else c.start + c.duration)
                       for c in on_row if c.fraction > 0)
        t0, lo, hi = month, None, -math.inf
        for a, b in spans:
            if lo is None or a > hi:
                lo, hi = a, b
            else:
                hi = max(hi, b)
            if lo <= month < hi:
                t0 = lo
        rho = float(equations.ramp(month - t0, lead))
    x = 0.0
    for cut in on_row:
        if month is None or cut.active(month):
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
           stock: Mapping[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Availability and supply of every node in one month (greatest fixed point)."""
    g = chain.graph
    A = {n: 1.0 for n in g}
    S = {n: 1.0 for n in g}
    cond = nx.condensation(g)
    for comp in nx.topological_sort(cond):
        members = sorted(cond.nodes[comp]["members"])
        cyclic = len(members) > 1
        for it in range(MAX_ITER if cyclic else 1):
            if it == SWEEPS and _exact(chain, members, A, scenario, month, ramp, stock):
                S.update({n: _supply(chain, n, A, scenario, month, ramp) for n in members})
                break
            new_S = {n: _supply(chain, n, A, scenario, month, ramp) for n in members}
            new_A = {n: min(1.0, new_S[n] + stock[n]) for n in members}
            change = max(abs(new_A[n] - A[n]) for n in members)
            A.update(new_A)
            S.update(new_S)
            if change <= TOL or not cyclic:
                break
        else:
            raise ConvergenceError(f"cycle through {', '.join(members[:5])} did not converge")
    return A, S


def _pieces(chain: Any, node: str, A: dict[str, float], scenario: Scenario,
            month: int | None, ramp: float, st: float) -> tuple[float, dict[str, float], float]:
    """``F(A)`` of ``node`` and the affine piece attaining it: ``(value, coefficients by
    input, constant)``. Supply is ``a·P + b``; ``a`` and ``b`` are read off ``_supply`` at
    two values of ``P``, and ``P`` is the least of the groups, the non-essential term
    (or the cap 1, or 0 where clipped)."""
    ins = list(chain.graph.in_edges(node, data=True))
    ones = {**A, **{u: 1.0 for u, _, _ in ins}}
    zeros = {**A, **{u: 0.0 for u, _, _ in ins}}
    s1 = _supply(chain, node, ones, scenario, month, ramp)
    p0 = _feasibility(chain, node, zeros)
    a = (s1 - _supply(chain, node, zeros, scenario, month, ramp)) / (1 - p0) if p0 < 1 else 0.0
    b = s1 - a
    pieces: dict[str, dict[str, float]] = {}
    ne: dict[str, float] = {}
    for u, _, e in ins:
        if not e.get("essential", True):
            ne[u] = ne.get(u, 0.0) + float(e.get("share") or 0.0)
            continue
        key = f"group:{e['group']}" if e.get("group") else f"edge:{u}"
        cover = float(e.get("covers", 1.0)) if e.get("group") else 1.0
        pieces.setdefault(key, {})
        pieces[key][u] = pieces[key].get(u, 0.0) + cover
    best, coefs, const = 2.0, {}, 0.0   # the cap: P = 1
    for piece in pieces.values():
        v = sum(c * A[u] for u, c in piece.items())
        if v <= best:
            best, coefs, const = v, piece, 0.0
    if ne:
        v = 1.0 - sum(c * (1.0 - A[u]) for u, c in ne.items())
        if v <= best:
            best, coefs, const = v, ne, 1.0 - sum(ne.values())
    P = min(1.0, max(0.0, best))
    value = min(1.0, a * P + b + st)
    if a * P + b + st > 1.0:
        return value, {}, 1.0
    if best > 1.0 or best < 0.0:
        return value, {}, a * P + b + st
    return value, {u: a * c for u, c in coefs.items()}, a * const + b + st


def _exact(chain: Any, members: list[str], A: dict[str, float], scenario: Scenario,
           month: int | None, ramp: float, stock: Mapping[str, float]) -> bool:
    """The cycle's greatest fixed point by policy iteration from above, with a dense
    solve per step (docs/model.md §1.4): fix each node's piece attaining ``F`` at the
    current point, move to the limit of that affine map's iterates (the nodes fed by
    a decrease solved together, the rest kept), repeat until ``F`` moves nothing.
    Updates ``A``; False (``A`` still above the answer) if it did not settle."""
    idx = {n: i for i, n in enumerate(members)}
    for _ in range(100):
        pieces = {n: _pieces(chain, n, A, scenario, month, ramp, stock[n]) for n in members}
        drop = {n: A[n] - pieces[n][0] for n in members}
        if max(abs(d) for d in drop.values()) <= 1e-12:
            A.update({n: pieces[n][0] for n in members})
            return True
        fed = {n for n in members if drop[n] > 1e-15}
        grew = True
        while grew:  # everything whose piece reads a node that falls, falls with it
            new = {n for n in members if n not in fed and set(pieces[n][1]) & fed}
            fed |= new
            grew = bool(new)
        R = sorted(fed, key=idx.__getitem__)
        pos = {n: i for i, n in enumerate(R)}
        M = np.eye(len(R))
        r = np.zeros(len(R))
        for n in R:
            _, coefs, const = pieces[n]
            r[pos[n]] = const
            for u, c in coefs.items():
                if u in pos:
                    M[pos[n], pos[u]] -= c
                else:
                    r[pos[n]] += c * A[u]
        try:
            y = np.linalg.solve(M, r)
        except np.linalg.LinAlgError:
            return False
        if not all(-1e-9 <= y[pos[n]] <= A[n] + 1e-9 for n in R):
            return False
        A.update({n: min(A[n], max(0.0, float(y[pos[n]]))) for n in R})
    return False


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
    """Availability of every node in each month of ``scenario.months``."""
    g = chain.graph
    stock = {n: float(g.nodes[n].get("inventory_months") or 0.0) for n in g}
    out = []
    for t in range(scenario.months):
        A, S = _solve(chain, scenario, t, equations.RAMP_BY_MONTH, stock)
        for n in g:  # the stock covers what supply could not, and is not rebuilt
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
