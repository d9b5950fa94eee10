"""The engine: hand-computed answers per mechanism, agreement of the fast engine with
the networkx reference on random chains, and the model's invariants."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest
from helpers import chain_of, random_chain, random_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import cones, reference
from riskmodel.engine import settings as engine_settings
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.synthetic import synthetic_chain


def static(chain: rm.Chain, cuts, mode: str = "immediate") -> dict[str, float]:
    c = chain.compiled
    p = engine.params_from_compiled(c)
    A = engine.static(c, p, cut_spec(chain, [Scenario(cuts)], p), mode=mode)[:, 0]
    return dict(zip(c.ids, A, strict=True))


# -- hand-computed answers -----------------------------------------------------

def test_essential_input_cut() -> None:
    # gears 60% JP, 40% CN; robots need gears (AND); home CN
    ch = chain_of({"gears": {"stage": "upstream", "suppliers": {"JP": 0.6, "CN": 0.4}},
                   "robots": {"stage": "end_use", "value": 1.0}},
                  [("gears", "robots", {})],
                  perspective={"home": "CN"})
    A = static(ch, [Cut("JP")])
    assert A["gears"] == pytest.approx(0.4)
    assert A["robots"] == pytest.approx(0.4)  # made at home, needs gears
    A = static(ch, [Cut("JP", fraction=0.5)])
    assert A["gears"] == pytest.approx(0.7)


def test_alternatives_group_with_partial_covers() -> None:
    # frames need metal: steel (covers 1) OR aluminium (covers 0.5)
    nodes = {"steel": {"stage": "upstream", "suppliers": {"CN": 1.0}},
             "alu": {"stage": "upstream", "suppliers": {"AU": 1.0}},
             "frames": {"stage": "end_use", "value": 1.0}}
    edges = [("steel", "frames", {"group": "metal"}),
             ("alu", "frames", {"group": "metal", "covers": 0.5})]
    ch = chain_of(nodes, edges, perspective={"home": "DE"})
    assert static(ch, [Cut("CN")])["frames"] == pytest.approx(0.5)   # aluminium covers half
    assert static(ch, [Cut("AU")])["frames"] == pytest.approx(1.0)   # steel covers all
    assert static(ch, [Cut("CN"), Cut("AU")])["frames"] == pytest.approx(0.0)
    assert static(ch, [Cut("CN", fraction=0.8)])["frames"] == pytest.approx(0.7)  # .2 + .5


def test_non_essential_input_by_cost_share() -> None:
    nodes = {"paint": {"stage": "upstream", "suppliers": {"CN": 1.0}},
             "bikes": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("paint", "bikes", {"essential": False, "share": 0.1})],
                  perspective={"home": "DE"})
    assert static(ch, [Cut("CN")])["bikes"] == pytest.approx(0.9)


def test_home_versus_global_perspective() -> None:
    # widgets: 50% home (DE), 50% US; need chips that CN supplies entirely
    nodes = {"chips": {"stage": "upstream", "suppliers": {"CN": 1.0}},
             "widgets": {"stage": "end_use", "value": 1.0,
                         "suppliers": {"DE": 0.5, "US": 0.5}}}
    edges = [("chips", "widgets", {})]
    home = chain_of(nodes, edges, perspective={"home": "DE"})
    world = chain_of(nodes, edges, perspective="global")
    # a stop to all destinations reaches the US widget makers too
    assert static(home, [Cut("CN")])["widgets"] == pytest.approx(0.0)
    assert static(world, [Cut("CN")])["widgets"] == pytest.approx(0.0)
    # a stop to the home only: US imports are not limited by the home's shortage
    assert static(home, [Cut("CN", to="home")])["widgets"] == pytest.approx(0.5)
    # ... and the world sees half of the widgets: both makers sell to every destination
    assert static(world, [Cut("CN", to=("DE",))])["widgets"] == pytest.approx(0.5)


def test_cycle_greatest_fixed_point() -> None:
    # robots need chips (a non-essential input, half of their cost); chips are made
    # with robots (essential): a cycle
    nodes = {"chips": {"stage": "midstream", "suppliers": {"CN": 0.5, "TW": 0.5}},
             "robots": {"stage": "midstream", "suppliers": {"CN": 0.8, "JP": 0.2}},
             "cars": {"stage": "end_use", "value": 1.0}}
    edges = [("chips", "robots", {"essential": False, "share": 0.5}),
             ("robots", "chips", {}), ("robots", "cars", {})]
    ch = chain_of(nodes, edges, perspective={"home": "CN"})
    assert static(ch, [])["cars"] == pytest.approx(1.0)  # no cut: everything at 1
    # JP stops robots to all. Producers outside JP: r = 0.8 (1 − 0.5 (1 − c)) and c = r
    # (chips need robots), so r = 0.4 + 0.4 r: r = c = 2/3
    A = static(ch, [Cut("JP")])
    assert A["robots"] == pytest.approx(2 / 3, abs=1e-10)
    assert A["chips"] == pytest.approx(2 / 3, abs=1e-10)
    ref = reference.availability(ch, Scenario([Cut("JP")]))
    assert ref["robots"] == pytest.approx(2 / 3, abs=1e-10)


def test_inventory_delays_the_loss() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"JP": 1.0}, "inventory_months": 2.5},
             "robots": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("gears", "robots", {})], perspective={"home": "CN"})
    res = rm.simulate(ch, [Cut("JP")], months=5)
    # months 0, 1: stock covers; month 2: half a month left; then nothing
    assert res.end_use_loss.round(12).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert res.summary["time_to_survive"] == 2
    assert res.summary["immediate_loss"] == pytest.approx(1.0)


def test_substitution_ramp() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"JP": 1.0}, "substitutability": 0.6,
                       "lead_time_months": 4},
             "robots": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("gears", "robots", {})], perspective={"home": "CN"})
    res = rm.simulate(ch, [Cut("JP")], months=6)
    # replaced share 0.6 * min(1, months since cut / 4): 0, .15, .3, .45, .6, .6
    assert res.end_use_loss.round(12).tolist() == [1.0, 0.85, 0.7, 0.55, 0.4, 0.4]
    assert res.summary["long_run_loss"] == pytest.approx(0.4)


def test_cut_that_ends_and_recovers() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"JP": 0.5, "KR": 0.5}},
             "robots": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("gears", "robots", {})], perspective={"home": "CN"})
    res = rm.simulate(ch, [Cut("JP", start=2, duration=3)], months=8)
    assert res.end_use_loss.round(12).tolist() == [0, 0, 0.5, 0.5, 0.5, 0, 0, 0]
    # TTS and TTR count from the start of the cut (month 2)
    assert res.summary["time_to_survive"] == 0
    assert res.summary["time_to_recover"] == 3
    assert res.summary["cumulative_loss"] == pytest.approx(1.5)


def test_tts_and_ttr_with_stock_and_no_recovery() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"JP": 1.0}, "inventory_months": 3},
             "robots": {"stage": "end_use", "value": 2.0}}
    ch = chain_of(nodes, [("gears", "robots", {})], perspective={"home": "CN"})
    res = rm.simulate(ch, [Cut("JP")], months=6, threshold=0.05)
    assert res.summary["time_to_survive"] == 3
    assert res.summary["time_to_recover"] == float("inf")
    assert res.summary["cumulative_value_loss"] == pytest.approx(3 * 2.0)
    assert "time to recover: > 6 months" in str(res)


def test_group_cut_withholds_its_members() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"DE": 0.3, "FR": 0.2, "CN": 0.5}},
             "robots": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("gears", "robots", {})], perspective={"home": "CN"},
                  groups={"EU": {"label": "EU", "members": ["DE", "FR"]}})
    assert static(ch, [Cut("EU")])["gears"] == pytest.approx(0.5)


def test_convergence_cap_raises_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = {"a": {"stage": "midstream", "suppliers": {"CN": 0.9, "US": 0.1}},
             "b": {"stage": "midstream", "suppliers": {"CN": 0.9, "US": 0.1}},
             "c": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("a", "b", {}), ("b", "a", {}), ("b", "c", {})],
                  perspective={"home": "CN"})
    monkeypatch.setattr(engine_settings, "MAX_ITER", 3)
    for backend in BACKENDS:
        monkeypatch.setattr(engine_settings, "BACKEND", backend)
        with pytest.raises(rm.ConvergenceError, match="cycle through a, b"):
            static(ch, [Cut("US")])


def test_bad_scenarios_get_suggestions() -> None:
    bike = rm.load("bicycle")
    with pytest.raises(rm.ScenarioError) as e:
        rm.simulate(bike, [Cut("JP", nodes=("drivetrian",)), Cut("XX"), Cut("CN", fraction=2)])
    text = str(e.value)
    assert "cut names unknown node 'drivetrian'" in text and "did you mean `drivetrain`?" in text
    assert "unknown country in cut" in text and "found 'XX'" in text
    assert "cut fraction out of range" in text
    with pytest.raises(rm.ScenarioError, match="did you mean `china_cut`"):
        rm.simulate(bike, "china_cutt")


# -- the fast engine agrees with the reference -----------------------------------

BACKENDS = ("numpy", "numba")


def _compare(chain: rm.Chain, sc: Scenario) -> float:
    """Largest difference between each fast path and the reference: the numpy backend,
    the one-column kernel, the column-block kernel (which reads whole-country cuts from
    a table) and the cone kernel, the last two with the scenario beside a no-cut column
    and itself."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    worst = 0.0
    ref_static = {mode: reference.availability(chain, sc, mode=mode)
                  for mode in ("immediate", "long_run")}
    ref_months = reference.simulate(chain, sc)
    runs = [("numpy", [sc], [0]), ("numba", [sc], [0]),
            ("numba", [Scenario([], months=sc.months), sc, sc], [1, 2])]
    for backend, batch, cols in runs:
        spec = cut_spec(chain, batch, p)
        for mode, ref in ref_static.items():
            fast = engine.static(c, p, spec, mode=mode, backend=backend)
            for col in cols:
                worst = max(worst, max(abs(fast[i, col] - ref[n])
                                       for i, n in enumerate(c.ids)))
        dyn = engine.dynamic(c, p, spec, sc.months, record=True, backend=backend)
        for t, A in enumerate(ref_months):
            for col in cols:
                worst = max(worst, max(abs(dyn.availability[t, i, col] - A[n])
                                       for i, n in enumerate(c.ids)))
                worst = max(worst, abs(dyn.loss[t, col] - reference.end_use_loss(chain, A)))
    # the cone kernel (end-use loss only), forced
    spec = cut_spec(chain, runs[-1][1], p)
    for mode, ref in ref_static.items():
        loss = engine.static_loss(c, p, spec, mode=mode, backend="cone")
        worst = max(worst, abs(loss[0]), *(abs(loss[col] - reference.end_use_loss(chain, ref))
                                           for col in (1, 2)))
    dyn = engine.dynamic(c, p, spec, sc.months, backend="cone")
    for t, A in enumerate(ref_months):
        worst = max(worst, abs(dyn.loss[t, 0]), *(
            abs(dyn.loss[t, col] - reference.end_use_loss(chain, A)) for col in (1, 2)))
    return worst


@pytest.mark.slow
@pytest.mark.parametrize("home", ["CN", None])
@pytest.mark.parametrize("cyclic", [False, True])
def test_fast_engine_matches_reference_on_random_chains(cyclic: bool, home: str | None) -> None:
    worst = 0.0
    for seed in range(75):  # 4 × 75 = 300 random chains
        chain = random_chain(seed, cyclic=cyclic, home=home)
        worst = max(worst, _compare(chain, random_scenario(chain, seed)))
    assert worst <= 1e-9


# -- invariants ------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), cyclic=st.booleans(), home=st.sampled_from(["CN", None]))
def test_availability_in_unit_interval_and_zero_cut_is_one(seed: int, cyclic: bool,
                                                           home: str | None) -> None:
    chain = random_chain(seed, cyclic=cyclic, home=home)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    assert np.allclose(engine.static(c, p, engine.CutSpec.none()), 1.0)
    dyn = engine.dynamic(c, p, cut_spec(chain, [random_scenario(chain, seed)], p), 6,
                         record=True)
    assert dyn.availability.min() >= -1e-12 and dyn.availability.max() <= 1 + 1e-12


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), cyclic=st.booleans(), home=st.sampled_from(["CN", None]),
       extra=st.floats(0, 1), longer=st.integers(0, 4))
def test_cutting_more_never_raises_availability(seed: int, cyclic: bool, home: str | None,
                                                extra: float, longer: int) -> None:
    chain = random_chain(seed, cyclic=cyclic, home=home)
    base = random_scenario(chain, seed)
    first = base.cuts[0]
    bigger_cut = Cut(first.country, first.nodes, min(1.0, first.fraction + extra), first.start,
                     None if first.duration is None else first.duration + longer, first.to)
    another = Cut(chain.compiled.countries[seed % len(chain.compiled.countries)])
    more = Scenario([bigger_cut, *base.cuts[1:], another], months=base.months)
    # a larger fraction over the same months: every supply keeps its ramp
    larger = Scenario([Cut(first.country, first.nodes, bigger_cut.fraction, first.start,
                           first.duration, first.to), *base.cuts[1:]], months=base.months)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    # an earlier or longer cut may start a later cut's substitution sooner (docs/model.md
    # §1.5: a second cut continues the ramp), so in the dynamics more cuts and longer cuts
    # never raise availability without substitution, and larger fractions never do
    no_subst = dataclasses.replace(p, subst=np.zeros_like(p.subst))
    spec = cut_spec(chain, [base, more, larger], p)
    for backend in BACKENDS:
        for mode in ("immediate", "long_run"):
            A = engine.static(c, p, spec, mode=mode, backend=backend)
            assert (A[:, 1:] <= A[:, :1] + 1e-12).all()
        dyn = engine.dynamic(c, no_subst, spec, base.months, record=True, backend=backend)
        assert (dyn.availability[:, :, 1] <= dyn.availability[:, :, 0] + 1e-12).all()
        dyn = engine.dynamic(c, p, spec, base.months, record=True, backend=backend)
        assert (dyn.availability[:, :, 2] <= dyn.availability[:, :, 0] + 1e-12).all()


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_shuffled_node_order_gives_identical_results(seed: int, perm_seed: int) -> None:
    chain = random_chain(seed, cyclic=bool(seed % 2))
    g = chain.graph
    rng = np.random.default_rng(perm_seed)
    nodes = list(g.nodes(data=True))
    edges = list(g.edges(data=True))
    h = nx.DiGraph()
    h.add_nodes_from([nodes[i] for i in rng.permutation(len(nodes))])
    h.add_edges_from([edges[i] for i in rng.permutation(len(edges))])
    shuffled = rm.Chain(h, name="s", perspective=chain.perspective)
    sc = random_scenario(chain, seed)
    a = rm.simulate(chain, sc)
    b = rm.simulate(shuffled, sc)
    pd_a = a.availability.sort_index()
    pd_b = b.availability.sort_index()
    assert np.abs(pd_a.to_numpy() - pd_b.to_numpy()).max() <= 1e-12
    assert np.abs(a.end_use_loss.to_numpy() - b.end_use_loss.to_numpy()).max() <= 1e-12


def test_monte_carlo_is_reproducible_and_varies() -> None:
    bike = rm.load("bicycle")
    a = rm.monte_carlo(bike, "china_cut", draws=50, seed=7, months=12)
    b = rm.monte_carlo(bike, "china_cut", draws=50, seed=7, months=12)
    c = rm.monte_carlo(bike, "china_cut", draws=50, seed=8, months=12)
    assert a.draws.equals(b.draws)
    assert not a.draws.equals(c.draws)
    q = a.percentiles
    assert (q.loc["P5"] <= q.loc["P50"]).all() and (q.loc["P50"] <= q.loc["P95"]).all()
    assert a.ranged_values > 50
    assert a.draws["immediate_loss"].std() > 0


def test_monte_carlo_keeps_shares_consistent() -> None:
    from riskmodel.uncertainty import sample_params

    bike = rm.load("bicycle")
    p, _ = sample_params(bike, 200, np.random.default_rng(3))
    totals = p.dep0 + p.ind0
    assert totals.max() <= 1 + 1e-12 and totals.min() >= 0.5
    assert (p.row_share >= 0).all()


def test_backends_agree_on_a_large_batch() -> None:
    chain = synthetic_chain(3000, seed=4)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    scs = [Scenario([Cut(c.countries[i % len(c.countries)], fraction=0.3 + 0.01 * i,
                         start=i % 3, duration=None if i % 2 else 4)]) for i in range(60)]
    spec = cut_spec(chain, scs, p)
    a = engine.dynamic(c, p, spec, 8, record=True, backend="numpy")
    b = engine.dynamic(c, p, spec, 8, record=True, backend="numba")
    assert np.abs(a.availability - b.availability).max() <= 1e-12
    assert (a.loss.max(axis=0) > 0).mean() > 0.5  # most scenarios bite


def test_chunked_batch_equals_one_chunk() -> None:
    bike = rm.load("bicycle")
    scs = [Scenario([Cut(c)], name=c, months=12) for c in bike.compiled.countries]
    whole = rm.simulate_many(bike, scs)
    chunked = rm.simulate_many(bike, scs, chunk=3)
    assert np.allclose(whole.to_numpy(), chunked.to_numpy(), equal_nan=True)
    single = rm.simulate(bike, scs[0]).summary
    assert np.allclose(whole.iloc[0].to_numpy(), single.to_numpy(), equal_nan=True)


def test_cone_kernel_is_used_for_small_cuts_and_falls_back_when_they_reach_far(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from riskmodel.scoring.cuts import single_cuts as _single_cuts

    chain = synthetic_chain(3000, seed=4)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    nodes = np.flatnonzero(np.diff(c.supply.indptr) > 0)[::10]
    countries = [c.countries[c.supply.indices[c.supply.indptr[j]]] for j in nodes]
    spec = _single_cuts(c, p, nodes, countries)
    results = []
    real = cones.cone_losses

    def counted(*args, **kw):
        res = real(*args, **kw)
        results.append(res is not None)
        return res

    monkeypatch.setattr(cones, "cone_losses", counted)
    dense = engine.dynamic(c, p, spec, 8, backend="numba").loss
    assert results == []  # a named backend runs the column-block kernel
    cone = engine.dynamic(c, p, spec, 8).loss
    imm = engine.static_loss(c, p, spec)
    assert results == [True, True]
    assert np.abs(cone - dense).max() <= 1e-12 and dense.max() > 0
    assert np.abs(imm - engine.end_use_loss(p, engine.static(c, p, spec, backend="numba"))
                  ).max() <= 1e-12
    # no work allowed: the cone kernel gives up and the block kernel answers
    monkeypatch.setattr(engine_settings, "CONE_WORK_SHARE", 0.0)
    again = engine.dynamic(c, p, spec, 8).loss
    assert results[-1] is False
    assert np.abs(again - dense).max() <= 1e-12


def test_chunks_fit_the_memory_budget_with_monte_carlo_parameters() -> None:
    from riskmodel.limits import MEMORY_BUDGET
    from riskmodel.simulation import chunk_size

    n, extra = 1_000_000, 2 * (2_500_000 + 3 * 4_500_000 + 10 * 1_000_000)
    plain, mc = chunk_size(n, 1000), chunk_size(n, 1000, extra=extra)
    assert plain * 8 * 2 * n <= MEMORY_BUDGET
    assert mc * 8 * (2 * n + extra) <= MEMORY_BUDGET and 1 <= mc < plain


def test_monte_carlo_draws_only_the_ranged_numbers() -> None:
    """Numbers without a range stay one column for all draws (industrial_robots gives
    no range to any `covers`), and the engine answers as if they were repeated."""
    from riskmodel.engine import Params
    from riskmodel.uncertainty import sample_params

    chain = rm.load("industrial_robots")
    k = 7
    p, _ = sample_params(chain, k, np.random.default_rng(5))
    assert p.covers.shape[1] == 1 and p.subst.shape[1] == k
    wide = Params(**{**p.__dict__, "coef_cache": None, **{
        f: np.repeat(getattr(p, f), k // getattr(p, f).shape[1], axis=1)
        for f in ("row_share", "dep0", "ind0", "covers", "ne_share", "subst", "lead",
                  "inventory", "weight")}})
    assert wide.covers.shape[1] == k
    c = chain.compiled
    spec = cut_spec(chain, [Scenario.from_chain(chain, "japan_core_component_cut")] * k, p)
    for backend in BACKENDS:
        a = engine.dynamic(c, p, spec, 12, record=True, backend=backend)
        b = engine.dynamic(c, wide, spec, 12, record=True, backend=backend)
        assert np.array_equal(a.availability, b.availability)
        assert a.loss[-1].std() > 0
