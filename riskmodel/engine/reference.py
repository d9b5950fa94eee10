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

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from riskmodel._errors import ConvergenceError
from riskmodel.engine import equations
from riskmodel.scenario import Scenario

__all__ = ["availability", "simulate", "static_loss", "with_baseline"]

TOL = 1e-13
MAX_ITER = 100_000
#: Sweeps of a cycle before it is solved exactly (:func:`_exact`).
SWEEPS = 40


def _supply_shares(chain: Any, node: str, dest: str | None = None
                   ) -> tuple[dict[str, float], float]:
    """(shares by country, share of 'other') that producers in ``dest`` draw on, as the
    engine sees them: in a home view every destination but the home draws on the node's
    ``world_suppliers`` where it gives them (docs/model.md §1.3)."""
    attrs = chain.graph.nodes[node]
    table = attrs.get("suppliers")
    if chain.home is not None and dest not in (None, chain.home) and attrs.get(
            "world_suppliers"):
        table = attrs["world_suppliers"]
    shares = {c: float(v) for c, v in (table or {}).items() if c != "other"}
    explicit_other = float((table or {}).get("other", 0.0))
    total = sum(shares.values()) + explicit_other
    if not table:
        if chain.home is not None:
            return {chain.home: 1.0}, 0.0
        return {}, 1.0
    if total > 1.0:
        shares = {c: v / total for c, v in shares.items()}
        total = 1.0
    return shares, max(0.0, 1.0 - sum(shares.values()))


OTHER = "other"  # the anonymous producer, and every country no cut names


def _members(chain: Any, key: str) -> list[str]:
    """A key and, for a declared group, its members."""
    return [key, *((chain.groups.get(key) or {}).get("members") or [])]


def _destinations(chain: Any) -> list[str]:
    """Every destination whose producers are followed: each supplier key, the home, and
    ``other`` (standing for every country the chain does not name)."""
    tables = ("suppliers", "world_suppliers") if chain.home is not None else ("suppliers",)
    keys = {c for n in chain.graph for t in tables for c in (chain.graph.nodes[n].get(t) or {})}
    keys |= {chain.home} if chain.home is not None else set()
    return [*sorted(keys - {OTHER}), OTHER]


def _targets(chain: Any, cut: Any, dest: str) -> bool:
    """Does ``cut`` withhold from producers in ``dest`` (docs/model.md §1.3)?"""
    if cut.to == "world":  # every destination, the cutting country's own included
        return True
    if cut.to == "all":  # every destination but the cutting country (and its members)
        return dest not in _members(chain, cut.country)
    if cut.to == "home":
        return dest == chain.home
    return any(dest in _members(chain, x) for x in cut.to)


def _reaches(chain: Any, cut: Any, node: str, country: str) -> bool:
    """Does ``cut`` reach the share of ``node`` made in ``country``: made there, or
    controlled (``controlled_by``) by the cutting country or a member of its group?"""
    names = _members(chain, cut.country)
    if country in names:
        return True
    attrs = chain.graph.nodes[node]
    control = [*((attrs.get("controlled_by") or {}).get(country) or ()),
               *((attrs.get("world_controlled_by") or {}).get(country) or ()
                 if chain.home is not None else ())]
    return any(x in names for x in control)


def _withheld(chain: Any, node: str, country: str, dest: str, scenario: Scenario,
              month: int | None, ramp: float = equations.RAMP_BY_MONTH) -> float:
    """x_jc for producers in ``dest``, net of substitution: the largest
    ``f_q (1 − s_j ρ_q)`` over the cuts ``q`` in force that reach ``country``'s share of
    ``node`` and withhold from ``dest``.
    The ramp ``ρ`` of this supply (the row, to ``dest``) runs over the node's lead time
    from ``t0``, the first month of the unbroken run of months, holding ``month``, in
    which such cuts (that withhold anything) are in force: a second or larger cut
    continues the ramp, one after a gap starts anew. A fixed ``ramp`` (static bounds)
    replaces it, except where a restriction in force (a cut from ``−inf``,
    :func:`with_baseline`) withholds anything of this supply: its ramp, and that of every
    cut continuing it, is complete, ``ρ = 1``."""
    attrs = chain.graph.nodes[node]
    s = float(attrs.get("substitutability") or 0.0)
    lead = float(attrs.get("lead_time_months") or 0.0)
    on_row = []
    for cut in scenario.cuts:
        if not _reaches(chain, cut, node, country) or not _targets(chain, cut, dest):
            continue
        if cut.nodes is not None and node not in cut.nodes:
            continue
        on_row.append(cut)
    rho = ramp
    if any(c.start == -math.inf and c.fraction > 0 for c in on_row):
        rho = 1.0  # in force since before month 0: substitution complete
    elif ramp == equations.RAMP_BY_MONTH:
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


def _supply(chain: Any, node: str, P: Mapping[str, float], dest: str,
            scenario: Scenario, month: int | None, ramp: float) -> float:
    """S_j^d: what the producers of every country deliver to ``dest``, each producing
    ``P[country]``, as far as the inputs available to its own country allow, after the
    cuts and substitution."""
    shares, other = _supply_shares(chain, node, dest)
    total = 0.0
    for country, m in shares.items():
        x = _withheld(chain, node, country, dest, scenario, month, ramp)
        total += m * (1.0 - x) * P[country]
    return total + other * P[OTHER]


def _solve(chain: Any, scenario: Scenario, month: int | None, ramp: float,
           stock: Mapping[str, Mapping[str, float]],
           life: Mapping[str, float] | None = None
           ) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Availability and supply of every node to every destination in one month
    (greatest fixed point): ``A[dest][node]``. A node's users see its supply topped up
    by their stock, or, for a capital node (a service life in ``life``), their installed
    base ``stock[dest][node]`` whatever the supply."""
    life = life or {}
    g = chain.graph
    dests = _destinations(chain)
    A = {d: {n: 1.0 for n in g} for d in dests}
    S = {d: {n: 1.0 for n in g} for d in dests}
    cond = nx.condensation(g)
    for comp in nx.topological_sort(cond):
        members = sorted(cond.nodes[comp]["members"])
        cyclic = len(members) > 1
        for it in range(MAX_ITER if cyclic else 1):
            if it == SWEEPS and _exact(chain, members, dests, A, scenario, month, ramp,
                                       stock, life):
                P = {n: {d: _feasibility(chain, n, A[d]) for d in dests} for n in members}
                for d in dests:
                    S[d].update({n: _supply(chain, n, P[n], d, scenario, month, ramp)
                                 for n in members})
                break
            # each producer's feasibility, from the inputs available to its country
            P = {n: {d: _feasibility(chain, n, A[d]) for d in dests} for n in members}
            new_S = {d: {n: _supply(chain, n, P[n], d, scenario, month, ramp)
                         for n in members} for d in dests}
            change = 0.0
            for d in dests:
                for n in members:
                    v = stock[d][n] if life.get(n) else min(1.0, new_S[d][n] + stock[d][n])
                    change = max(change, abs(v - A[d][n]))
                    A[d][n] = v
                    S[d][n] = new_S[d][n]
            if change <= TOL or not cyclic:
                break
        else:
            raise ConvergenceError(f"cycle through {', '.join(members[:5])} did not converge")
    return A, S


def focal(chain: Any, A: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """The focal market's availability of every node: what reaches the home, or in a
    global view what reaches each country weighted by its share of making the node."""
    if chain.home is not None:
        return dict(A[chain.home])
    out = {}
    for n in chain.graph:
        shares, other = _supply_shares(chain, n)
        total = sum(shares.values()) + other
        v = sum(m * A[c][n] for c, m in shares.items()) + other * A[OTHER][n]
        out[n] = v / total if total > 0 else A[OTHER][n]
    return out


def _feasible_piece(chain: Any, node: str, dest: str, A: Mapping[str, Mapping[str, float]]
                    ) -> tuple[float, dict[tuple[str, str], float], float]:
    """``P_j`` of producers in ``dest`` and the affine piece attaining it: ``(value,
    coefficients by (destination, input), constant)``. ``P`` is the least of the groups
    and the non-essential term, or the cap 1, or 0 where clipped."""
    pieces: dict[str, dict[tuple[str, str], float]] = {}
    ne: dict[tuple[str, str], float] = {}
    for u, _, e in chain.graph.in_edges(node, data=True):
        if not e.get("essential", True):
            ne[(dest, u)] = ne.get((dest, u), 0.0) + float(e.get("share") or 0.0)
            continue
        key = f"group:{e['group']}" if e.get("group") else f"edge:{u}"
        cover = float(e.get("covers", 1.0)) if e.get("group") else 1.0
        pieces.setdefault(key, {})
        pieces[key][(dest, u)] = pieces[key].get((dest, u), 0.0) + cover
    best, coefs, const = 2.0, {}, 0.0   # the cap: P = 1
    for piece in pieces.values():
        v = sum(c * A[d][u] for (d, u), c in piece.items())
        if v <= best:
            best, coefs, const = v, piece, 0.0
    if ne:
        v = 1.0 - sum(c * (1.0 - A[d][u]) for (d, u), c in ne.items())
        if v <= best:
            best, coefs, const = v, ne, 1.0 - sum(ne.values())
    if best > 1.0 or best < 0.0:
        return min(1.0, max(0.0, best)), {}, min(1.0, max(0.0, best))
    return best, dict(coefs), const


def _pieces(chain: Any, node: str, dest: str, A: Mapping[str, Mapping[str, float]],
            scenario: Scenario, month: int | None, ramp: float, st: float
            ) -> tuple[float, dict[tuple[str, str], float], float]:
    """``F(A)`` of ``node`` for ``dest`` and the affine piece attaining it: supply is
    ``Σ_c w_c P^c`` with ``w_c = m_c (1 − x_c)`` (docs/model.md §1.4), each ``P^c`` on
    its own piece."""
    shares, other = _supply_shares(chain, node, dest)
    weights = {c: m * (1.0 - _withheld(chain, node, c, dest, scenario, month, ramp))
               for c, m in shares.items()}
    weights[OTHER] = weights.get(OTHER, 0.0) + other
    value, coefs, const = 0.0, {}, st
    for c, w in weights.items():
        p, pc, k = _feasible_piece(chain, node, c, A)
        value += w * p
        const += w * k
        for key, v in pc.items():
            coefs[key] = coefs.get(key, 0.0) + w * v
    if value + st > 1.0:
        return 1.0, {}, 1.0
    return value + st, coefs, const


def _exact(chain: Any, members: list[str], dests: list[str],
           A: dict[str, dict[str, float]], scenario: Scenario, month: int | None,
           ramp: float, stock: Mapping[str, Mapping[str, float]],
           life: Mapping[str, float]) -> bool:
    """The cycle's greatest fixed point by policy iteration from above, with a dense
    solve per step (docs/model.md §1.4), over every (destination, node) of the cycle:
    fix each one's piece attaining ``F`` at the current point, move to the limit of that
    affine map's iterates (the unknowns fed by a decrease solved together, the rest
    kept), repeat until ``F`` moves nothing. Updates ``A``; False (``A`` still above the
    answer) if it did not settle."""
    keys = [(d, n) for d in dests for n in members]
    idx = {key: i for i, key in enumerate(keys)}
    for _ in range(100):
        # a capital node's users see its installed base: a constant
        pieces = {(d, n): (stock[d][n], {}, stock[d][n]) if life.get(n) else
                  _pieces(chain, n, d, A, scenario, month, ramp, stock[d][n])
                  for d, n in keys}
        drop = {key: A[key[0]][key[1]] - pieces[key][0] for key in keys}
        if max(abs(v) for v in drop.values()) <= 1e-12:
            for d, n in keys:
                A[d][n] = pieces[(d, n)][0]
            return True
        fed = {key for key in keys if drop[key] > 1e-15}
        grew = True
        while grew:  # everything whose piece reads an unknown that falls, falls with it
            new = {key for key in keys if key not in fed and set(pieces[key][1]) & fed}
            fed |= new
            grew = bool(new)
        R = sorted(fed, key=idx.__getitem__)
        pos = {key: i for i, key in enumerate(R)}
        M = np.eye(len(R))
        r = np.zeros(len(R))
        for key in R:
            _, coefs, const = pieces[key]
            r[pos[key]] = const
            for u, c in coefs.items():
                if u in pos:
                    M[pos[key], pos[u]] -= c
                else:
                    r[pos[key]] += c * A[u[0]][u[1]]
        try:
            y = np.linalg.solve(M, r)
        except np.linalg.LinAlgError:
            return False
        if not all(-1e-9 <= y[pos[key]] <= A[key[0]][key[1]] + 1e-9 for key in R):
            return False
        for d, n in R:
            A[d][n] = min(A[d][n], max(0.0, float(y[pos[(d, n)]])))
    return False


def with_baseline(scenario: Scenario, baseline: Sequence[Any] = ()) -> Scenario:
    """``scenario`` with the restrictions in force ``baseline`` (each a
    :class:`~riskmodel.scenario.Cut` or has one as ``.cut``) added as cuts in force from
    ``−inf`` for ever (docs/model.md §1.5)."""
    held = [dataclasses.replace(getattr(x, "cut", x), start=-math.inf, duration=None)
            for x in baseline]
    return Scenario([*held, *scenario.cuts], name=scenario.name, months=scenario.months)


def availability(chain: Any, scenario: Scenario, *, mode: str = "immediate",
                 month: int | None = None, baseline: Sequence[Any] = ()) -> dict[str, float]:
    """Static availability under the cuts of ``scenario`` in force in ``month`` (every
    cut when None) and the restrictions in force ``baseline`` (:func:`with_baseline`):
    ``immediate`` (no stock, no substitution, but the restrictions' substitution
    complete) or ``long_run`` (full substitution)."""
    stock = {d: {n: 0.0 for n in chain.graph} for d in _destinations(chain)}
    sc = with_baseline(scenario, baseline)
    return focal(chain, _solve(chain, sc, month, equations.bound_ramp(mode), stock)[0])


def static_loss(chain: Any, scenario: Scenario, *, mode: str = "immediate",
                baseline: Sequence[Any] = ()) -> float:
    """The static bound of ``scenario``: the worst month's end-use loss over its
    ``months``, each month counting only the cuts in force in it (0 if none is), and the
    restrictions in force ``baseline`` in every month."""
    return max((end_use_loss(chain, availability(chain, scenario, mode=mode, month=t,
                                                 baseline=baseline))
                for t in range(scenario.months)), default=0.0)


def _start(chain: Any, life: Mapping[str, float], baseline: Sequence[Any]
           ) -> dict[str, dict[str, float]]:
    """Every destination's buffer of every node in month 0: its ``inventory_months``, a
    capital node's installed base 1; or, under the restrictions in force ``baseline``,
    as their long-run state left it: a node whose supply ``S`` there (static, long run)
    is short (``S < 1 − 1e-12``) has spent its stock, and an installed base has worn
    down to ``min(1, S)``."""
    g = chain.graph
    full = {n: 1.0 if life[n] else float(g.nodes[n].get("inventory_months") or 0.0)
            for n in g}
    dests = _destinations(chain)
    if not baseline:
        return {d: dict(full) for d in dests}
    none = {d: {n: 0.0 for n in g} for d in dests}
    _, S = _solve(chain, with_baseline(Scenario([]), baseline), None,
                  equations.bound_ramp("long_run"), none)
    return {d: {n: min(1.0, S[d][n]) if life[n] else (0.0 if S[d][n] < 1.0 - 1e-12
                                                     else full[n]) for n in g}
            for d in dests}


def simulate(chain: Any, scenario: Scenario, *, baseline: Sequence[Any] = ()
             ) -> list[dict[str, float]]:
    """Availability of every node in each month of ``scenario.months``.

    A node's stock starts at its ``inventory_months``. A ``capital`` node (service life
    ``L``) has an installed base ``B`` instead, a fraction of normal starting at 1: its
    users see ``A = B``, and each month ``1/L`` of the base wears out while that month's
    flow of new units replaces it: ``B ← B + (min(1, S) − B) / L``. The restrictions in
    force ``baseline`` hold in every month, their substitution complete, and the buffers
    start as their long-run state left them (:func:`_start`).
    """
    g = chain.graph
    life = {n: float((g.nodes[n].get("capital") or {}).get("service_life_months") or 0.0)
            for n in g}
    stock = _start(chain, life, baseline)
    scenario = with_baseline(scenario, baseline)
    out = []
    for t in range(scenario.months):
        A, S = _solve(chain, scenario, t, equations.RAMP_BY_MONTH, stock, life)
        for d in stock:
            for n in g:
                if life[n]:  # 1/L of the base wears out; the month's flow replaces it
                    stock[d][n] += (min(1.0, S[d][n]) - stock[d][n]) / life[n]
                else:  # the stock covers what supply could not, and is not rebuilt
                    stock[d][n] = max(0.0, stock[d][n] - (A[d][n] - S[d][n]))
        out.append(focal(chain, A))
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
