"""Static bounds count only the cuts in force in the month read (docs/model.md §1.5).

The hand-computed answers use a three-node chain in China's view: ``ore`` is supplied
half by JP and half by KR (substitutability 0.4), ``parts`` are made in China from ore,
and ``goods`` (the only end use) from parts. So the end-use loss is ``1 − A_ore``:

- JP cuts everything: immediate 0.5; long run ``0.5 · (1 − 0.4) = 0.3``;
- KR cuts 60%: immediate ``0.5 · 0.6 = 0.3``; long run ``0.3 · 0.6 = 0.18``;
- JP and KR together: immediate ``0.5 + 0.3 = 0.8`` and long run ``0.3 + 0.18 = 0.48``
  (KR 60%), immediate 1.0 and long run 0.6 (KR everything).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import chain_of, random_chain, random_scenario, write_text

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

ORE_YAML = """\
schema: riskmodel/chain@1
name: ore
perspective: {home: CN}
nodes:
  - {id: ore, stage: upstream, substitutability: {value: 0.4, low: 0.1, high: 0.8},
     lead_time_months: 2, suppliers: {JP: {value: 0.5, low: 0.3, high: 0.5}, KR: 0.5}}
  - {id: parts, stage: midstream, suppliers: {CN: 1.0}}
  - {id: goods, stage: end_use, value: 1}
edges:
  - {from: ore, to: parts}
  - {from: parts, to: goods}
"""


def ore_chain() -> rm.Chain:
    return chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"JP": 0.5, "KR": 0.5},
                 "substitutability": 0.4, "lead_time_months": 2},
         "parts": {"stage": "midstream", "suppliers": {"CN": 1.0}},
         "goods": {"stage": "end_use", "value": 1.0}},
        [("ore", "parts", {}), ("parts", "goods", {})])


def bounds(chain: rm.Chain, scenarios: list[Scenario], months, **kw) -> np.ndarray:
    c = chain.compiled
    p = engine.params_from_compiled(c)
    return engine.static_bounds(c, p, cut_spec(chain, scenarios, p), months, **kw)


def summary(chain: rm.Chain, cuts: list[Cut], months: int = 6) -> tuple[float, float]:
    s = rm.simulate(chain, Scenario(cuts, months=months)).summary
    return round(float(s["immediate_loss"]), 12), round(float(s["long_run_loss"]), 12)


# -- hand-computed answers --------------------------------------------------------

def test_a_permanent_cut_from_month_0_is_unchanged() -> None:
    ch = ore_chain()
    assert summary(ch, [Cut("JP")]) == (0.5, 0.3)
    assert summary(ch, [Cut("JP"), Cut("KR", fraction=0.6)]) == (0.8, 0.48)


def test_a_cut_that_lasts_no_month_costs_nothing() -> None:
    ch = ore_chain()
    assert summary(ch, [Cut("JP", duration=0)]) == (0.0, 0.0)
    res = rm.simulate(ch, Scenario([Cut("JP", duration=0), Cut("KR", fraction=0.6)],
                                   months=6))
    assert res.summary["immediate_loss"] == pytest.approx(0.3)  # KR alone
    assert res.summary["long_run_loss"] == pytest.approx(0.18)


def test_a_cut_that_starts_after_the_horizon_costs_nothing() -> None:
    ch = ore_chain()
    late = Scenario([Cut("JP", start=8)], months=6)
    # the engine, asked directly (rm.simulate refuses such a scenario, naming the fix)
    assert bounds(ch, [late], 6).tolist() == [0.0]
    assert bounds(ch, [late], 6, mode="long_run").tolist() == [0.0]
    assert bounds(ch, [late], 9) == pytest.approx([0.5])  # in force in month 8
    assert reference.static_loss(ch, late) == 0.0
    with pytest.raises(rm.ScenarioError, match="starts after the scenario's last month"):
        rm.simulate(ch, late)


def test_cuts_never_in_force_together_are_not_combined() -> None:
    ch = ore_chain()
    cuts = [Cut("JP", duration=3), Cut("KR", fraction=0.6, start=3)]
    assert summary(ch, cuts) == (0.5, 0.3)  # the worse of 0.5 and 0.3; not 0.8, 0.48
    res = rm.simulate(ch, Scenario(cuts, months=6))
    assert res.bounds["immediate_loss"].round(12).tolist() == [0.5] * 3 + [0.3] * 3
    assert res.bounds["long_run_loss"].round(12).tolist() == [0.3] * 3 + [0.18] * 3
    many = rm.simulate_many(ch, [Scenario(cuts, name="apart", months=6),
                                 Scenario([Cut("JP", duration=3)], name="jp", months=6)])
    assert many["immediate_loss"].round(12).tolist() == [0.5, 0.5]
    assert many["long_run_loss"].round(12).tolist() == [0.3, 0.3]


def test_overlapping_cuts_are_combined_in_the_months_they_share() -> None:
    ch = ore_chain()
    cuts = [Cut("JP", duration=4), Cut("KR", start=2)]  # both in force in months 2 and 3
    assert summary(ch, cuts) == (1.0, 0.6)
    res = rm.simulate(ch, Scenario(cuts, months=6))
    assert res.bounds["immediate_loss"].round(12).tolist() == [0.5, 0.5, 1, 1, 0.5, 0.5]
    assert res.bounds["long_run_loss"].round(12).tolist() == [0.3, 0.3, 0.6, 0.6, 0.3, 0.3]


def test_each_column_is_read_over_its_own_horizon() -> None:
    ch = ore_chain()
    sc = Scenario([Cut("JP"), Cut("KR", start=3)], months=6)
    # months 0-2 hold JP alone; from month 3 JP and KR
    assert bounds(ch, [sc, sc], np.array([3, 6])) == pytest.approx([0.5, 1.0])
    by = bounds(ch, [sc, sc], np.array([3, 6]), by_month=True)
    assert by[:3].tolist() == [[0.5, 0.5]] * 3
    assert np.isnan(by[3:, 0]).all() and by[3:, 1] == pytest.approx([1.0] * 3)


def test_one_pass_per_distinct_set_of_cuts_in_force() -> None:
    ch = ore_chain()
    c = ch.compiled
    p = engine.params_from_compiled(c)
    spec = cut_spec(ch, [Scenario([Cut("JP", duration=2), Cut("KR", start=4)], months=24),
                         Scenario([Cut("JP")], months=24)], p)
    sets = engine.active_sets(spec, 24)
    assert sets.col.tolist() == [0, 0, 1]  # {JP}, {KR} in column 0; {JP} in column 1
    assert sets.month_set[:, 0].tolist() == [0, 0, -1, -1] + [1] * 20
    grown = cut_spec(ch, [Scenario([Cut("JP"), Cut("KR", start=4)], months=24)], p)
    # {JP} ⊂ {JP, KR}: only the larger set is needed for the worst month
    assert engine.active_sets(grown, 24, maximal=True).col.tolist() == [0]
    assert engine.active_sets(grown, 24).col.tolist() == [0, 0]
    # permanent cuts from month 0: the cuts as given, one column each
    perm = cut_spec(ch, [Scenario([Cut("JP")]), Scenario([Cut("KR")])], p)
    assert engine.active_sets(perm, 24).cuts is perm


def test_monte_carlo_reads_each_draw_month_by_month(tmp_path: Path) -> None:
    ch = rm.load(write_text(tmp_path, "ore.yaml", ORE_YAML))
    assert summary(ch, [Cut("JP"), Cut("KR", fraction=0.6)]) == (0.8, 0.48)  # the values
    apart = [Cut("JP", duration=3), Cut("KR", fraction=0.6, start=3)]
    draws = {name: rm.monte_carlo(ch, Scenario(cuts, months=6), draws=50, seed=3).draws
             for name, cuts in (("apart", apart), ("jp", apart[:1]), ("kr", apart[1:]))}
    for col in ("immediate_loss", "long_run_loss"):
        assert draws["apart"][col].std() > 0
        assert np.allclose(draws["apart"][col],
                           np.maximum(draws["jp"][col], draws["kr"][col]), atol=1e-12)


# -- agreement and invariants on random chains ---------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("cyclic", [False, True])
def test_static_bounds_match_the_reference_on_random_chains(cyclic: bool) -> None:
    for seed in range(25):
        chain = random_chain(seed, cyclic=cyclic, home="CN" if seed % 2 else None)
        sc = random_scenario(chain, seed)
        batch = [Scenario([], months=sc.months), sc, sc]
        for mode in ("immediate", "long_run"):
            ref = reference.static_loss(chain, sc, mode=mode)
            for backend in ("numpy", "numba", "cone"):
                fast = bounds(chain, batch, sc.months, mode=mode, backend=backend)
                assert np.abs(fast - [0.0, ref, ref]).max() <= 1e-9, (seed, mode, backend)


@pytest.mark.parametrize("seed", range(30))
def test_no_month_loses_more_than_its_immediate_bound(seed: int) -> None:
    chain = random_chain(seed, cyclic=seed % 3 == 0, home="CN" if seed % 2 else None)
    sc = random_scenario(chain, seed, months=8)
    res = rm.simulate(chain, sc)
    imm = res.bounds["immediate_loss"].to_numpy()
    assert (res.end_use_loss.to_numpy() <= imm + 1e-9).all()
    assert res.summary["immediate_loss"] == pytest.approx(imm.max())
    # each month's bound is the static loss of the cuts in force that month
    month = [reference.end_use_loss(chain, reference.availability(chain, sc, month=t))
             for t in range(sc.months)]
    assert np.abs(imm - month).max() <= 1e-9
