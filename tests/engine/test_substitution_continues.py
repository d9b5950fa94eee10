"""Substitution continues across overlapping and escalating cuts (docs/model.md §1.5).

A supply (one supplier row in one scenario) ramps its substitution from the first month
of the unbroken run of months in which cuts on it are in force: a second or larger cut
continues the ramp, and a cut after a gap starts a new one. Each answer is computed by
hand and checked on every path: the Python API, the reference, the numpy backend, the
one-column kernel, the column-block kernel (many columns, whole-country cuts read from
its country table) and the cone kernel (end-use loss only).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.engine.cuts import ramp_starts, split_country_atoms
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

# gears: JP and KR supply half each, substitutability s = 0.5 over L = 4 months, no
# stock; robots (the one end use) are made at home from gears, so A_robots = A_gears
# and the end-use loss is 1 − A_gears. With JP withholding f of its half and the ramp
# ρ = min(1, age / 4): A_gears = 1 − 0.5 · f · (1 − 0.5 · ρ).
GEARS = {"stage": "upstream", "suppliers": {"JP": 0.5, "KR": 0.5}, "substitutability": 0.5,
         "lead_time_months": 4}


def gears_chain() -> rm.Chain:
    return chain_of({"gears": GEARS, "robots": {"stage": "end_use", "value": 1.0}},
                    [("gears", "robots", {})])


def two_nodes_chain() -> rm.Chain:
    """gears as above; motors: JP 0.4, KR 0.6, s = 0.5, L = 2; each feeds its own end
    use (robots, cars), both worth 1."""
    motors = {"stage": "upstream", "suppliers": {"JP": 0.4, "KR": 0.6}, "substitutability": 0.5,
              "lead_time_months": 2}
    return chain_of({"gears": GEARS, "motors": motors,
                     "robots": {"stage": "end_use", "value": 1.0},
                     "cars": {"stage": "end_use", "value": 1.0}},
                    [("gears", "robots", {}), ("motors", "cars", {})])


def every_path(chain: rm.Chain, sc: Scenario) -> dict[str, np.ndarray]:
    """Availability (months × nodes, in ``chain.compiled.ids`` order) by each path; the
    cone kernel's end-use loss under the key ``"cone loss"``."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    out = {"reference": np.array([[A[n] for n in c.ids] for A in reference.simulate(chain, sc)]),
           "api": rm.simulate(chain, sc).availability.loc[list(c.ids)].to_numpy().T}
    one = cut_spec(chain, [sc], p)
    for name, backend in (("numpy", "numpy"), ("one column", "numba")):
        out[name] = engine.dynamic(c, p, one, sc.months, record=True,
                                   backend=backend).availability[:, :, 0]
    # many columns: a column without cuts, the scenario, another column, the scenario
    batch = [Scenario([], months=sc.months), sc, Scenario([Cut("KR")], months=sc.months), sc]
    many = cut_spec(chain, batch, p)
    dyn = engine.dynamic(c, p, many, sc.months, record=True, backend="numba")
    assert np.allclose(dyn.availability[:, :, 0], 1.0)
    assert np.array_equal(dyn.availability[:, :, 1], dyn.availability[:, :, 3])
    out["column blocks"] = dyn.availability[:, :, 1]
    cone = engine.dynamic(c, p, many, sc.months, backend="cone").loss
    assert np.allclose(cone[:, 0], 0.0)
    out["cone loss"] = cone[:, 1]
    return out


def check(chain: rm.Chain, sc: Scenario, expected: dict[str, list[float]]) -> None:
    """Every path gives the ``expected`` availability of the named nodes, month by month,
    and the cone kernel the end-use loss they imply."""
    ids = list(chain.compiled.ids)
    runs = every_path(chain, sc)
    ends = [n for n in ids if chain.graph.nodes[n]["stage"] == "end_use"]
    for name, A in runs.items():
        if name == "cone loss":
            continue
        for node, want in expected.items():
            assert A[:, ids.index(node)] == pytest.approx(want, abs=1e-12), (name, node)
        loss = 1.0 - A[:, [ids.index(n) for n in ends]].mean(axis=1)
        assert runs["cone loss"] == pytest.approx(loss, abs=1e-12), name


def test_a_redundant_second_cut_keeps_the_substitution_already_ramped() -> None:
    # JP cuts everything from month 0; the same cut again from month 5 changes nothing.
    # ρ = 0, 1/4, 1/2, 3/4, 1, 1, 1: A = 1 − 0.5 (1 − 0.5 ρ) = 0.5 + 0.25 ρ
    sc = Scenario([Cut("JP"), Cut("JP", start=5)], months=7)
    want = [0.5, 0.5625, 0.625, 0.6875, 0.75, 0.75, 0.75]
    check(gears_chain(), sc, {"gears": want, "robots": want})
    # (restarting the ramp at month 5 gave A = 0.5 there)


@pytest.mark.parametrize("first_duration", [None, 2])
def test_escalation_continues_the_ramp(first_duration: int | None) -> None:
    # JP withholds half from month 0 and all from month 2 (the half-cut either stays or
    # ends as the full one begins; both are one unbroken run from month 0):
    #   month 0: ρ = 0,    x = 0.5                   A = 1 − 0.5 · 0.5    = 0.75
    #   month 1: ρ = 0.25, x = 0.5 (1 − 0.125)       A = 1 − 0.5 · 0.4375 = 0.78125
    #   month 2: ρ = 0.5,  x = 1 (1 − 0.25) = 0.75   A = 1 − 0.5 · 0.75   = 0.625
    #   month 3: ρ = 0.75, x = 0.625                 A = 0.6875
    #   month 4: ρ = 1,    x = 0.5                   A = 0.75
    # (restarting the ramp at month 2 gave x = 1 there, A = 0.5)
    sc = Scenario([Cut("JP", fraction=0.5, duration=first_duration), Cut("JP", start=2)],
                  months=6)
    want = [0.75, 0.78125, 0.625, 0.6875, 0.75, 0.75]
    check(gears_chain(), sc, {"gears": want, "robots": want})


def test_a_gap_restarts_the_ramp_and_touching_cuts_do_not() -> None:
    # months 0-2 cut, 3-4 free (A = 1), from month 5 cut again: a new ramp from 0
    gap = Scenario([Cut("JP", duration=3), Cut("JP", start=5)], months=8)
    check(gears_chain(), gap, {"gears": [0.5, 0.5625, 0.625, 1, 1, 0.5, 0.5625, 0.625]})
    # months 0-4 cut and from month 5: the cuts touch, one ramp from month 0
    touch = Scenario([Cut("JP", duration=5), Cut("JP", start=5)], months=7)
    check(gears_chain(), touch, {"gears": [0.5, 0.5625, 0.625, 0.6875, 0.75, 0.75, 0.75]})


def test_a_partial_cut_overlapping_a_whole_country_cut() -> None:
    # JP withholds half of everything from month 0 and all of its gears from month 2.
    # gears (share 0.5, s 0.5, L 4) continue the ramp from month 0: as the escalation
    # above, 0.75, 0.78125, 0.625, 0.6875, 0.75.
    # motors (share 0.4, s 0.5, L 2) keep the half cut: x = 0.5 (1 − 0.5 min(1, t/2)),
    # A = 1 − 0.4 x = 0.8, 0.85, 0.9, 0.9, 0.9.
    sc = Scenario([Cut("JP", fraction=0.5), Cut("JP", nodes=("gears",), start=2)], months=5)
    check(two_nodes_chain(), sc, {"gears": [0.75, 0.78125, 0.625, 0.6875, 0.75],
                                  "motors": [0.8, 0.85, 0.9, 0.9, 0.9]})
    # and the reverse: the partial cut first, the whole-country one joining at month 2.
    # gears: all withheld from month 0, x = 1 − 0.5 ρ: 0.5, 0.5625, 0.625, 0.6875, 0.75;
    # motors: cut only from month 2, their own ramp from there: A = 1, 1, 0.8, 0.85, 0.9
    sc = Scenario([Cut("JP", nodes=("gears",)), Cut("JP", fraction=0.5, start=2)], months=5)
    check(two_nodes_chain(), sc, {"gears": [0.5, 0.5625, 0.625, 0.6875, 0.75],
                                  "motors": [1, 1, 0.8, 0.85, 0.9]})


def test_group_and_member_cuts_share_a_supply_ramp() -> None:
    # EU (members DE) and DE rows of gears; EU's cut withholds both rows from month 0,
    # DE's own larger cut from month 2 continues the DE row's ramp (s 0.5, L 4):
    # EU row (0.3): x = 0.5 (1 − 0.5 ρ); DE row (0.2): x = 0.5 (1 − 0.5 ρ), then from
    # month 2 x = 1 − 0.5 ρ. Month 2 (ρ = 0.5): A = 1 − 0.3 · 0.375 − 0.2 · 0.75 = 0.7375
    gears = {"stage": "upstream", "suppliers": {"EU": 0.3, "DE": 0.2, "KR": 0.5},
             "substitutability": 0.5, "lead_time_months": 4}
    ch = chain_of({"gears": gears, "robots": {"stage": "end_use", "value": 1.0}},
                  [("gears", "robots", {})], groups={"EU": {"members": ["DE"]}})
    sc = Scenario([Cut("EU", fraction=0.5), Cut("DE", start=2)], months=5)
    # months 0, 1: x = 0.5, 0.4375 on both rows (0.5 of supply): A = 0.75, 0.78125;
    # month 3 (ρ = 0.75): 1 − 0.3 · 0.3125 − 0.2 · 0.625 = 0.78125;
    # month 4 (ρ = 1): 1 − 0.3 · 0.25 − 0.2 · 0.5 = 0.825
    check(ch, sc, {"gears": [0.75, 0.78125, 0.7375, 0.78125, 0.825]})


def test_the_country_table_merges_whole_country_cuts() -> None:
    # the column-block kernel reads both whole-country cuts of the redundant scenario
    # from its country table, and gives the second the first one's ramp start (month 0)
    ch = gears_chain()
    c = ch.compiled
    p = engine.params_from_compiled(c)
    sc = Scenario([Cut("JP"), Cut("JP", start=5)], months=7)
    spec = cut_spec(ch, [sc, sc], p)
    explicit, table = split_country_atoms(spec, p, len(c.countries))
    assert table is not None and len(explicit.rows) == 0
    assert table.start.tolist() == [0.0, 5.0, 0.0, 5.0]
    assert table.ramp_start.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_ramp_starts_merges_per_supply() -> None:
    inf = np.inf
    # supply 0: [2, 4) and [3, 6) overlap, [6, 7) touches, [9, inf) after a gap;
    # supply 1: [0, inf) and [1, 2) inside it; supply 2: a cut withholding nothing
    # ([0, 5), fraction 0) starts no ramp, so the cut from month 5 ramps from 5;
    # supply 3: a 0-month cut at month 3.
    key = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3])
    start = np.array([6., 3., 2., 9., 1., 0., 0., 5., 3.])
    end = np.array([7., 6., 4., inf, 2., inf, 5., inf, 3.])
    frac = np.array([1., 0.5, 1., 1., 1., 0.2, 0., 1., 1.])
    assert ramp_starts(key, start, end, frac).tolist() == [2, 2, 2, 9, 0, 0, 0, 5, 3]
