"""Restrictions in force (docs/model.md §1.5): the engine's start state, its static
bounds and dynamics with a baseline, hand-computed on tiny chains, and every fast path
against the reference on random chains with random baselines."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of, random_baseline_cuts, random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

PATHS = (("numpy", 1), ("numba", 1), ("numba", 40))  # numba with 40 columns: the block kernel


def _parts(**parts: object) -> rm.Chain:
    """Parts made 60% in JP, 40% in KR (substitutability 0.5 over 4 months, 2
    months of stock) for goods; paint all from the US (1 month of stock) for toys; the
    two end uses weigh the same."""
    return chain_of({
        "parts": {"stage": "upstream", "suppliers": {"JP": 0.6, "KR": 0.4},
                  "substitutability": 0.5, "lead_time_months": 4, "inventory_months": 2,
                  **parts},
        "paint": {"stage": "upstream", "suppliers": {"US": 1.0}, "inventory_months": 1},
        "goods": {"stage": "end_use", "value": 1.0},
        "toys": {"stage": "end_use", "value": 1.0}},
        [("parts", "goods", {}), ("paint", "toys", {})])


def _losses(chain: rm.Chain, cuts: list[Cut], held: list[Cut], months: int
            ) -> dict[str, list[float]]:
    """The end-use loss with ``held`` in force and the scenario ``cuts``, month by
    month, by the reference and each fast path (the scenario in the last column)."""
    sc = Scenario(cuts, months=months)
    out = {"reference": [reference.end_use_loss(chain, A)
                         for A in reference.simulate(chain, sc, baseline=held)]}
    c = chain.compiled
    p = engine.params_from_compiled(c)
    for backend, k in PATHS:
        spec = cut_spec(chain, [Scenario([], months=months)] * (k - 1) + [sc], p,
                        baseline=held)
        out[f"{backend}/{k}"] = list(engine.dynamic(c, p, spec, months,
                                                    backend=backend).loss[:, -1])
    return out


def _assert_all(got: dict[str, list[float]], expected: list[float]) -> None:
    for path, months in got.items():
        assert months == pytest.approx(expected, abs=1e-12), path


# -- hand-computed ---------------------------------------------------------------

#: KR stopping parts from month 1 on top of JP's restriction: JP's 0.6 withholds
#: 0.6 · (1 − 0.5) = 0.3 for ever; KR's 0.4 withholds 0.4 · (1 − 0.5 ρ), ρ = (t − 1)/4;
#: the stock of parts is spent. Goods weigh half the end-use value.
KR_ON_TOP = [0.0, 0.4, 0.35, 0.3, 0.25, 0.2, 0.2]


def test_realised_and_marginal_loss_of_a_second_supplier_cut() -> None:
    chain = _parts()
    held = [Cut("JP", nodes=("parts",))]
    res = rm.simulate(chain, Scenario([Cut("KR", start=1)], months=7), baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5 * 0.6 * (1 - 0.5))
    assert list(res.realised_loss) == pytest.approx([0.15] * 7)
    assert list(res.end_use_loss) == pytest.approx([0.5 * x for x in KR_ON_TOP], abs=1e-12)
    assert list(res.total_loss) == pytest.approx([0.15 + 0.5 * x for x in KR_ON_TOP])
    # bounds: KR's cut with no (or full) substitution, on top of JP's at ρ = 1
    assert res.summary["immediate_loss"] == pytest.approx(0.5 * 0.4)
    assert res.summary["long_run_loss"] == pytest.approx(0.5 * 0.2)
    assert list(res.bounds["immediate_loss"]) == pytest.approx([0.0] + [0.2] * 6)
    assert res.summary["peak_loss"] == pytest.approx(0.2)
    assert res.summary["time_to_survive"] == 0  # months from the scenario's start (1)
    # availability as lived: parts at 0.7 under the restriction, then KR's cut
    assert list(res.availability.loc["parts"]) == pytest.approx(
        [1 - 0.3 - x for x in KR_ON_TOP])
    assert res.baseline == tuple(held)
    _assert_all(_losses(chain, [Cut("KR", start=1)], held, 7),
                [0.15 + 0.5 * x for x in KR_ON_TOP])


def test_a_scenario_repeating_the_baseline_adds_nothing() -> None:
    chain = _parts()
    held = [Cut("JP", nodes=("parts",))]
    res = rm.simulate(chain, Scenario([Cut("JP", nodes=("parts",))], months=6),
                      baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.15)
    assert list(res.end_use_loss) == [0.0] * 6
    assert (res.summary[["immediate_loss", "long_run_loss", "peak_loss", "final_loss",
                         "cumulative_loss"]] == 0).all()
    assert list(res.bounds["immediate_loss"]) == [0.0] * 6  # the ramp continues: ρ = 1
    _assert_all(_losses(chain, [Cut("JP", nodes=("parts",))], held, 6), [0.15] * 6)


def test_escalating_a_partial_restriction_continues_its_complete_ramp() -> None:
    # JP withholds half its parts; the scenario all of them: x = 1 · (1 − 0.5 · 1)
    # from month 0, no restart of the ramp, in the dynamics and in both bounds
    chain = _parts()
    held = [Cut("JP", nodes=("parts",), fraction=0.5)]
    res = rm.simulate(chain, Scenario([Cut("JP", nodes=("parts",))], months=3),
                      baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5 * 0.6 * 0.5 * 0.5)
    marg = 0.5 * 0.6 * 0.5 * 0.5  # 0.3 − 0.15 of parts, times goods' weight
    assert list(res.end_use_loss) == pytest.approx([marg] * 3)
    assert res.summary["immediate_loss"] == pytest.approx(marg)
    assert res.summary["long_run_loss"] == pytest.approx(marg)


def test_without_the_baseline_stocks_cover_and_numbers_are_as_before() -> None:
    chain = _parts()
    sc = Scenario([Cut("KR", start=1)], months=9)
    bare = rm.simulate(chain, sc, baseline=False)
    assert bare.baseline == () and bare.summary["realised_loss"] == 0.0
    # supply 0.6, 0.65, 0.7, 0.75, 0.8, ...: the 2 months of stock last until month 8
    assert list(bare.end_use_loss) == pytest.approx([0.0] * 8 + [0.05], abs=1e-12)
    assert list(bare.total_loss) == list(bare.end_use_loss)
    assert list(bare.realised_loss) == [0.0] * 9
    none = rm.simulate(chain, sc, baseline=[])
    assert none.summary.equals(bare.summary)
    assert "restrictions in force" not in str(bare)


def test_a_node_not_short_under_the_baseline_keeps_its_stock() -> None:
    # the US restriction on paint spends the paint stock, not the parts stock
    chain = _parts()
    held = [Cut("US")]
    res = rm.simulate(chain, Scenario([Cut("KR", start=1)], months=9), baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5)
    assert list(res.end_use_loss) == pytest.approx([0.0] * 8 + [0.05], abs=1e-12)
    assert list(res.availability.loc["paint"]) == pytest.approx([0.0] * 9)
    _assert_all(_losses(chain, [Cut("KR", start=1)], held, 9),
                [0.5] * 8 + [0.55])


def test_capital_users_start_from_the_worn_base() -> None:
    # tools half from NL, half from JP (service life 4); NL's restriction has worn the
    # base down to the flow, B = 0.5; JP stopping too wears it on: 0.5 · 0.75^t
    chain = chain_of({"litho": {"stage": "upstream", "suppliers": {"NL": 0.5, "JP": 0.5},
                                "capital": {"service_life_months": 4}},
                      "chips": {"stage": "end_use", "value": 1.0}},
                     [("litho", "chips", {})])
    held = [Cut("NL")]
    res = rm.simulate(chain, Scenario([Cut("JP")], months=5), baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5)
    assert list(res.end_use_loss) == pytest.approx([0.5 - 0.5 * 0.75 ** t for t in range(5)])
    assert res.summary["immediate_loss"] == pytest.approx(0.5)  # users see supply, 0
    _assert_all(_losses(chain, [Cut("JP")], held, 5), [1 - 0.5 * 0.75 ** t for t in range(5)])


def _phones(home: str) -> rm.Chain:
    """Chips from the US; phones made half in CN, half in DE, each plant needing chips."""
    return chain_of({"chips": {"stage": "upstream", "suppliers": {"US": 1.0}},
                     "phones": {"stage": "end_use", "value": 1.0, "inventory_months": 1,
                                "suppliers": {"CN": 0.5, "DE": 0.5}}},
                    [("chips", "phones", {})], perspective={"home": home})


@pytest.mark.parametrize("home", ["CN", "DE"])
def test_a_targeted_restriction_in_force(home: str) -> None:
    # the US withholds chips from CN: Chinese phone plants stop, German ones do not, so
    # either home gets half its phones, and the stocks of phones are spent; then the US
    # stopping chips to everyone adds the German half from month 0
    chain = _phones(home)
    held = [Cut("US", to=("CN",))]
    res = rm.simulate(chain, Scenario([Cut("US")], months=3), baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5)
    assert list(res.end_use_loss) == pytest.approx([0.5] * 3)
    _assert_all(_losses(chain, [Cut("US")], held, 3), [1.0] * 3)


@pytest.mark.parametrize("home", ["CN", "DE"])
def test_a_restriction_targeting_the_home(home: str) -> None:
    # chips (all from the US) withheld from CN; the focal market makes phones itself
    chain = chain_of({"chips": {"stage": "upstream", "suppliers": {"US": 1.0}},
                      "phones": {"stage": "end_use", "value": 1.0}},
                     [("chips", "phones", {})], perspective={"home": home})
    held = [Cut("US", to=("CN",))]
    res = rm.simulate(chain, Scenario([Cut("US")], months=2), baseline=held)
    hit = home == "CN"
    assert res.summary["realised_loss"] == pytest.approx(1.0 if hit else 0.0)
    assert list(res.end_use_loss) == pytest.approx([0.0 if hit else 1.0] * 2)


def test_the_baseline_alone_is_flat_at_its_long_run_bound() -> None:
    chain = rm.load("semiconductors")
    c = chain.compiled
    p = engine.params_from_compiled(c)
    held = [Cut(c.countries[0]), Cut(c.countries[1], to=(c.countries[2],), fraction=0.5)]
    spec = cut_spec(chain, [Scenario([], months=12)], p, baseline=held)
    flat = engine.dynamic(c, p, spec, 12).loss[:, 0]
    bound = engine.static_loss(c, p, spec, mode="long_run")[0]
    assert bound > 0.01
    assert flat == pytest.approx([bound] * 12, abs=1e-12)
    assert engine.static_bounds(c, p, spec, 12, mode="immediate")[0] == pytest.approx(bound)
    res = rm.simulate(chain, Scenario(held[:1], months=12), baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(bound)
    assert list(res.total_loss) == pytest.approx([bound] * 12, abs=1e-12)
    assert list(res.end_use_loss) == [0.0] * 12


def test_bad_baselines_are_refused_clearly() -> None:
    chain = _parts()
    with pytest.raises(TypeError, match="restriction 1 of the baseline"):
        rm.simulate(chain, [Cut("KR")], baseline=["JP"])
    with pytest.raises(ValueError, match="start or duration"):
        rm.simulate(chain, [Cut("KR")], baseline=[Cut("JP", duration=3)])
    with pytest.raises(rm.ScenarioError, match="ZZ"):
        rm.simulate(chain, [Cut("KR")], baseline=[Cut("ZZ")])
    with pytest.raises(TypeError, match="baseline must be"):
        rm.simulate(chain, [Cut("KR")], baseline=Cut("JP"))


def test_restrictions_given_as_objects_with_a_cut() -> None:
    class Held:  # the shape of riskmodel.restrictions.Restriction
        def __init__(self, cut: Cut) -> None:
            self.cut, self.id, self.since, self.source = cut, "jp-parts", "2024-01", None

    chain = _parts()
    item = Held(Cut("JP", nodes=("parts",)))
    res = rm.simulate(chain, Scenario([Cut("KR", start=1)], months=7), baseline=[item])
    assert res.baseline == (item,)
    assert list(res.end_use_loss) == pytest.approx([0.5 * x for x in KR_ON_TOP], abs=1e-12)
    assert "restrictions in force (1): realised loss 15.0%" in str(res)

# -- every path agrees with the reference on random chains ---------------------


def _with_capital(chain: rm.Chain, seed: int) -> rm.Chain:
    """``chain`` with about a fifth of its nodes made capital (service life 1 to 12)."""
    rng = np.random.default_rng(seed + 99)
    g = chain.graph.copy()
    for n in g:
        if rng.random() < 0.2:
            g.nodes[n]["capital"] = {"service_life_months": float(rng.integers(1, 13))}
    return rm.Chain(g, name="capital", perspective=chain.perspective)


def _worst(chain: rm.Chain, sc: Scenario, held: list, seed: int) -> float:
    """Largest difference between the reference and each fast path (numpy; the
    one-column kernel, or for odd seeds the column-block kernel with the restrictions
    alone beside, which must be flat; the cone kernel forced), static and dynamic, with
    the restrictions in force ``held``."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    ref_static = {mode: reference.availability(chain, sc, mode=mode, baseline=held)
                  for mode in ("immediate", "long_run")}
    ref = reference.simulate(chain, sc, baseline=held)
    ref_loss = np.array([reference.end_use_loss(chain, A) for A in ref])
    bare = reference.end_use_loss(chain, reference.availability(
        chain, Scenario([]), mode="long_run", baseline=held))
    worst = 0.0
    both = [Scenario([], months=sc.months), sc]
    for backend, cols in (("numpy", [sc]), ("numba", both if seed % 2 else [sc])):
        spec = cut_spec(chain, cols, p, baseline=held)
        for mode, want in ref_static.items():
            fast = engine.static(c, p, spec, mode=mode, backend=backend)[:, -1]
            worst = max(worst, *(abs(fast[i] - want[n]) for i, n in enumerate(c.ids)))
        dyn = engine.dynamic(c, p, spec, sc.months, record=True, backend=backend)
        for t, A in enumerate(ref):
            fast = dyn.availability[t, :, -1]
            worst = max(worst, *(abs(fast[i] - A[n]) for i, n in enumerate(c.ids)),
                        abs(dyn.loss[t, -1] - ref_loss[t]))
        if len(cols) == 2:  # the restrictions alone: flat at their long-run bound
            worst = max(worst, float(np.abs(dyn.loss[:, 0] - bare).max()))
    spec = cut_spec(chain, both, p, baseline=held)
    worst = max(worst, float(np.abs(engine.dynamic(c, p, spec, sc.months, backend="cone")
                                    .loss[:, 1] - ref_loss).max()))
    return worst


@pytest.mark.parametrize("cyclic", [False, True])
@pytest.mark.parametrize("home", ["CN", None])
def test_every_path_agrees_with_the_reference_under_a_baseline(cyclic: bool,
                                                               home: str | None) -> None:
    worst, held = 0.0, 0
    for seed in range(26):  # 4 × 26 = 104 random chains
        # small chains (4 to 9 nodes), so that the node-by-node reference stays quick
        chain = _with_capital(random_chain(seed, cyclic=cyclic, home=home, n=4 + seed % 6),
                              seed)
        baseline = random_baseline_cuts(chain, seed)
        held += bool(baseline)
        worst = max(worst, _worst(chain, random_scenario(chain, seed), baseline, seed))
    assert held >= 16 and worst <= 1e-9


# -- many scenarios and Monte Carlo ----------------------------------------------

def test_many_scenarios_on_top_of_the_baseline() -> None:
    chain = _parts()
    held = [Cut("JP", nodes=("parts",))]
    scs = [Scenario([Cut("KR", start=1)], name="kr", months=7),
           Scenario([Cut("JP", nodes=("parts",))], name="again", months=7),
           Scenario([Cut("US")], name="paint", months=3)]
    many = rm.simulate_many(chain, scs, baseline=held)
    assert list(many["realised_loss"]) == pytest.approx([0.15] * 3)
    assert list(many["peak_loss"]) == pytest.approx([0.2, 0.0, 0.5])
    assert list(many["immediate_loss"]) == pytest.approx([0.2, 0.0, 0.5])
    assert list(many["long_run_loss"]) == pytest.approx([0.1, 0.0, 0.5])
    # paint's month of stock covers its first month
    assert list(many["cumulative_loss"]) == pytest.approx([0.5 * sum(KR_ON_TOP), 0.0, 1.0])
    one = rm.simulate(chain, scs[0], baseline=held).summary
    assert many.loc["kr"].drop("realised_loss").to_numpy() == pytest.approx(
        one.drop("realised_loss").to_numpy())
    chunked = rm.simulate_many(chain, scs, baseline=held, chunk=1)
    assert chunked.to_numpy() == pytest.approx(many.to_numpy())
    assert list(rm.simulate_many(chain, scs, baseline=False)["realised_loss"]) == [0.0] * 3


def test_monte_carlo_draws_each_have_their_realised_loss() -> None:
    ranged = {"substitutability": {"value": 0.5, "low": 0.3, "high": 0.7}}
    chain = _parts(provenance=ranged)
    held = [Cut("JP", nodes=("parts",))]
    sc = Scenario([Cut("JP", nodes=("parts",))], months=4)
    mc = rm.monte_carlo(chain, sc, draws=30, seed=3, baseline=held)
    realised = mc.draws["realised_loss"]
    # JP's 0.6 of parts less substitution s in [0.3, 0.7], for half the end-use value
    assert 0.09 - 1e-12 <= realised.min() < realised.max() <= 0.21 + 1e-12
    assert (mc.draws["peak_loss"] == 0).all() and (mc.loss.to_numpy() == 0).all()
    assert mc.baseline == tuple(held)
    assert "restrictions in force (1)" in str(mc)
    bare = rm.monte_carlo(chain, sc, draws=30, seed=3, baseline=False)
    assert (bare.draws["realised_loss"] == 0).all()
    # the same draws: the cut's long-run bound alone is the restriction's realised loss
    assert bare.draws["long_run_loss"].to_numpy() == pytest.approx(realised.to_numpy())


@pytest.mark.parametrize("backend, k", PATHS)
def test_whole_country_restrictions_in_the_static_bounds_of_every_path(backend: str,
                                                                      k: int) -> None:
    # cuts of everything a country supplies, withheld from everyone: the column-block
    # kernel reads such scenario cuts from a country table, but a restriction in force
    # keeps its complete ramp (ρ = 1) even in the immediate bound
    chain = _parts()
    held = [Cut("JP", to="world")]
    sc = Scenario([Cut("KR", to="world", start=1)], months=4)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    spec = cut_spec(chain, [Scenario([], months=4)] * (k - 1) + [sc], p, baseline=held)
    for mode, want in (("immediate", 0.15 + 0.2), ("long_run", 0.15 + 0.1)):
        got = engine.static_bounds(c, p, spec, 4, mode=mode, by_month=True, backend=backend)
        assert list(got[:, -1]) == pytest.approx([0.15, want, want, want]), mode
        if k > 1:
            assert list(got[:, 0]) == pytest.approx([0.15] * 4), mode
    loss = engine.dynamic(c, p, spec, 4, backend=backend).loss[:, -1]
    assert list(loss) == pytest.approx([0.15 + 0.5 * x for x in KR_ON_TOP[:4]])


def test_leverage_on_top_of_the_baseline() -> None:
    # JP's parts are withheld already: JP has no leverage left; KR's whole cut adds its
    # 0.4 of parts (0.2 once substituted) for goods, half the end-use value, with the
    # stock of parts spent: 0.2·(1 − t/8) in months 0-3, then 0.1 for 20 months, 2.65 of
    # 24 on average; the US stops the paint, its month of stock gone after month 0:
    # 0.5 for 23 of 24 months
    lev = rm.leverage(_parts(), baseline=[Cut("JP", nodes=("parts",))])
    assert lev.attrs["realised_loss"] == pytest.approx(0.15)
    assert lev.loc["JP", ["leverage", "immediate", "long_run"]].tolist() == [0.0] * 3
    assert lev.loc["KR", ["leverage", "immediate", "long_run"]].tolist() == pytest.approx(
        [2.65 / 24, 0.2, 0.1])
    assert lev.loc["US", ["leverage", "immediate"]].tolist() == pytest.approx(
        [0.5 * 23 / 24, 0.5])
    assert lev.loc[["KR", "US"], "time_to_impact"].tolist() == [0, 1]
    assert lev.loc["KR", "carriers"] == ["parts"] and lev.loc["JP", "carriers"] == []
    bare = rm.leverage(_parts(), baseline=False)
    assert bare.attrs["realised_loss"] == 0.0
    assert bare.loc["JP", "immediate"] == pytest.approx(0.3)
