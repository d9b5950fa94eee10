"""The model's properties over the fields of issue 13 (docs/model.md §1.3–1.5): a cut's
`to`, `controlled_by` on supplier and world shares, `world_suppliers`, `capital` and the
chain's `baseline:`.

- every availability and loss lies in [0, 1] (realised and marginal too);
- cutting more (a larger fraction, one more country, more destinations) never raises
  an availability, with or without a baseline; a larger baseline never lowers the
  realised loss; a longer service life never lowers an availability while the cuts
  only grow;
- the order of nodes, edges, supplier keys, jurisdictions and baseline entries changes
  no number;
- load∘save keeps every new field in YAML, JSON and a bundle folder.

The chains are drawn by :func:`helpers.random_chain` with every new field switched on.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from helpers import COUNTRIES, chain_of, random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine
from riskmodel.restrictions import Restriction
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

TOL = 1e-12
#: a few seeds with chains of 4 to 13 nodes; every third one has back edges
SEEDS = [1, 3, 6, 10, 17, 24]


def full_chain(seed: int, home: str | None = "CN") -> rm.Chain:
    """A random chain with world shares (in a home view), jurisdictions on supplier and
    world shares, capital nodes and a baseline of one to three restrictions."""
    return random_chain(seed, cyclic=seed % 3 == 0, home=home, world=home is not None,
                        controlled=True, capital=True, baseline=True)


def test_the_drawn_chains_have_every_new_field() -> None:
    seen: set[str] = set()
    for seed in SEEDS:
        chain = full_chain(seed)
        for _, d in chain.graph.nodes(data=True):
            seen |= {k for k in ("world_suppliers", "controlled_by", "world_controlled_by",
                                 "capital") if d.get(k)}
        seen |= {"baseline"} if chain.baseline else set()
        seen |= {f"to-{'list' if isinstance(r.cut.to, tuple) else r.cut.to}"
                 for r in chain.baseline}
        seen |= {f"to-{'list' if isinstance(c.to, tuple) else c.to}"
                 for c in random_scenario(chain, seed).cuts}
    assert seen == {"world_suppliers", "controlled_by", "world_controlled_by", "capital",
                    "baseline", "to-all", "to-world", "to-home", "to-list"}
    # the new fields are drawn apart: the chain of a seed is otherwise the same
    plain, full = random_chain(5).to_dict(), full_chain(5).to_dict()
    assert [n["id"] for n in plain["nodes"]] == [n["id"] for n in full["nodes"]]
    assert plain["edges"] == full["edges"]


# -- [0, 1] ----------------------------------------------------------------------

def _in_unit(x, what: str) -> None:
    x = np.asarray(x, dtype=float)
    assert np.isfinite(x).all() and x.min() >= -TOL and x.max() <= 1 + TOL, what


@pytest.mark.parametrize("home", ["CN", None])
def test_every_availability_and_loss_is_in_the_unit_interval(home: str | None) -> None:
    for seed in SEEDS:
        chain = full_chain(seed, home)
        sc = random_scenario(chain, seed, months=8)
        res = rm.simulate(chain, sc)
        assert res.baseline, "every drawn chain has restrictions in force"
        _in_unit(res.availability, f"availability, seed {seed}")
        for name in ("end_use_loss", "realised_loss", "total_loss"):
            _in_unit(getattr(res, name), f"{name}, seed {seed}")
        _in_unit(res.bounds, f"bounds, seed {seed}")
        cols = ["immediate_loss", "long_run_loss", "peak_loss", "final_loss",
                "realised_loss"]
        _in_unit(res.summary[cols].to_numpy(dtype=float), f"summary, seed {seed}")
        again = Scenario([chain.baseline[0].cut], name="again", months=4)
        many = rm.simulate_many(chain, [sc, again])
        _in_unit(many[cols].to_numpy(dtype=float), f"simulate_many, seed {seed}")
        # the unrestricted reading, and a cut of nothing on top of the baseline
        _in_unit(rm.simulate(chain, sc, baseline=False).end_use_loss, f"no baseline {seed}")
        none = rm.simulate(chain, Scenario([dataclasses.replace(sc.cuts[0], fraction=0.0)],
                                           months=3))
        assert np.abs(none.end_use_loss.to_numpy()).max() <= TOL, seed


@pytest.mark.slow
def test_monte_carlo_and_scores_are_in_the_unit_interval() -> None:
    for seed in (1, 6, 10):
        chain = full_chain(seed)
        sc = random_scenario(chain, seed, months=6)
        mc = rm.monte_carlo(chain, sc, draws=6, seed=seed, months=6)
        _in_unit(mc.draws[["immediate_loss", "long_run_loss", "peak_loss",
                           "realised_loss"]].to_numpy(dtype=float), f"monte carlo {seed}")
        s = rm.score(chain)
        _in_unit(s[["choke_score", "choke_immediate", "knockout_loss"]]
                 .to_numpy(dtype=float), f"score {seed}")


# -- monotonicity ----------------------------------------------------------------

def _wider(to, chain: rm.Chain, country: str):
    """Destinations that hold ``to``'s and more: `world` holds every other."""
    if isinstance(to, tuple):
        more = [c for c in COUNTRIES if c not in to and c != country]
        return (*to, more[0]) if more else "world"
    return "world"


def _more(chain: rm.Chain, sc: Scenario, seed: int) -> list[Scenario]:
    """``sc`` and five scenarios that cut more: its first cut larger, to more
    destinations (twice: a list grown by one, and to `world`), one more country, and
    all of these at once; then its first cut to one country, and to one more."""
    first, rest = sc.cuts[0], list(sc.cuts[1:])
    larger = dataclasses.replace(first, fraction=min(1.0, first.fraction + 0.3))
    wider = dataclasses.replace(first, to=_wider(first.to, chain, first.country))
    world = dataclasses.replace(first, to="world")
    countries = chain.compiled.countries
    another = Cut(countries[seed % len(countries)], to=("all", "home", "world")[seed % 3]
                  if chain.home else "all")
    both = dataclasses.replace(larger, to=wider.to)
    one = dataclasses.replace(first, to=(COUNTRIES[seed % len(COUNTRIES)],))
    two = dataclasses.replace(first, to=_wider(one.to, chain, first.country))
    return [sc] + [Scenario(cuts, months=sc.months) for cuts in (
        [larger, *rest], [wider, *rest], [world, *rest], [*sc.cuts, another],
        [both, *rest, another], [one, *rest], [two, *rest])]


@pytest.mark.parametrize("home", ["CN", None])
def test_cutting_more_never_raises_availability(home: str | None) -> None:
    for seed in SEEDS:
        chain = full_chain(seed, home)
        c = chain.compiled
        p = engine.params_from_compiled(c)
        cols = _more(chain, random_scenario(chain, seed, months=6), seed)
        # an earlier cut on a row may start the substitution that a later one continues
        # (docs/model.md §1.5), so the dynamics compare without substitution but for a
        # larger fraction, which keeps every cut's months
        no_subst = dataclasses.replace(p, subst=np.zeros_like(p.subst))
        for held in ((), tuple(r.cut for r in chain.baseline)):
            spec = cut_spec(chain, cols, p, baseline=held)
            for mode in ("immediate", "long_run"):
                A = engine.static(c, p, spec, mode=mode)
                assert (A[:, 1:6] <= A[:, :1] + TOL).all(), (seed, mode, held)
                assert (A[:, 5] <= A[:, 1:5].min(axis=1) + TOL).all(), (seed, mode)
                assert (A[:, 7] <= A[:, 6] + TOL).all(), (seed, mode, held)
            A = engine.dynamic(c, no_subst, spec, 6, record=True).availability
            assert (A[:, :, 1:6] <= A[:, :, :1] + TOL).all(), (seed, held)
            assert (A[:, :, 7] <= A[:, :, 6] + TOL).all(), (seed, held)
            A = engine.dynamic(c, p, spec, 6, record=True).availability
            assert (A[:, :, 1] <= A[:, :, 0] + TOL).all(), (seed, held)


def _realised(chain: rm.Chain, held: list) -> np.ndarray:
    nothing = Cut(chain.compiled.countries[0], fraction=0.0)  # the baseline alone
    res = rm.simulate(chain, Scenario([nothing], months=3), baseline=held)
    return np.append(res.availability.to_numpy()[:, 0], res.realised_loss.iloc[0])


@pytest.mark.parametrize("home", ["CN", None])
def test_a_larger_baseline_never_lowers_the_realised_loss(home: str | None) -> None:
    costly = 0
    for seed in SEEDS:
        chain = full_chain(seed, home)
        held = [r.cut for r in chain.baseline]
        first, rest = held[0], held[1:]
        countries = chain.compiled.countries
        smaller = [rest, [dataclasses.replace(first, fraction=0.5 * first.fraction), *rest]]
        larger = [[dataclasses.replace(first, nodes=None), *rest],
                  [*held, Cut(countries[seed % len(countries)], fraction=0.7,
                              to=("all", "world")[seed % 2])]]
        if first.to != "world":
            larger.append([dataclasses.replace(
                first, to=_wider(first.to, chain, first.country)), *rest])
        base = _realised(chain, held)
        costly += base[-1] > 1e-9
        for less, more in [(s, held) for s in smaller] + [(held, m) for m in larger]:
            a, b = (base if x is held else _realised(chain, x) for x in (less, more))
            # availability (all but the last number) falls, the realised loss (last) rises
            assert (b[:-1] <= a[:-1] + TOL).all(), (seed, less, more)
            assert b[-1] >= a[-1] - TOL, (seed, less, more)
    assert costly >= len(SEEDS) // 2  # most drawn baselines cost something


def _longer_lives(chain: rm.Chain, scale: float) -> rm.Chain:
    g = chain.graph.copy()
    for _, d in g.nodes(data=True):
        if "capital" in d:
            d["capital"] = {"service_life_months": d["capital"]["service_life_months"] * scale}
    return rm.Chain(g, name=chain.name, perspective=chain.perspective,
                    baseline=chain.baseline)


@pytest.mark.parametrize("home", ["CN", None])
def test_a_longer_service_life_never_lowers_availability_while_cuts_grow(
        home: str | None) -> None:
    # with permanent cuts and no substitution the flow into a capital node only falls,
    # and a longer life wears the base more slowly (docs/model.md §1.5); after a cut
    # ends, or as substitution raises the flow, a shorter life follows the flow back up
    # sooner (see the next test)
    for seed in SEEDS:
        chain = full_chain(seed, home)
        assert np.isfinite(chain.compiled.service_life).any(), seed
        sc = random_scenario(chain, seed, months=8)
        grow = Scenario([dataclasses.replace(k, duration=None) for k in sc.cuts], months=8)
        runs = []
        for scale in (1.0, 1.5, 4.0):
            longer = _longer_lives(chain, scale)
            c = longer.compiled
            p = engine.params_from_compiled(c)
            p = dataclasses.replace(p, subst=np.zeros_like(p.subst))
            for held in ((), tuple(r.cut for r in chain.baseline)):
                spec = cut_spec(longer, [grow], p, baseline=held)
                runs.append(engine.dynamic(c, p, spec, 8, record=True).availability)
        for short, long_ in zip(runs, runs[2:], strict=False):
            assert (long_ >= short - TOL).all(), seed


def test_after_a_cut_ends_a_longer_life_recovers_more_slowly() -> None:
    # docs/model.md §1.5: with L = 4 a stop in months 0–1 gives 1, 0.75, 0.5625,
    # 0.6719; with L = 1 the base is each month's flow: 1, 0, 0, 1. So the property
    # above holds only while the cuts grow
    def tools(life: float) -> rm.Chain:
        return chain_of({"tools": {"stage": "upstream", "suppliers": {"NL": 1.0},
                                   "capital": {"service_life_months": life}},
                         "chips": {"stage": "end_use"}}, [("tools", "chips", {})])
    stop = Scenario([Cut("NL", duration=2)], months=4)
    short = rm.simulate(tools(1), stop).availability.loc["chips"].tolist()
    long_ = rm.simulate(tools(4), stop).availability.loc["chips"].tolist()
    assert short == pytest.approx([1, 0, 0, 1])
    assert long_ == pytest.approx([1, 0.75, 0.5625, 0.671875])


# -- order invariance ------------------------------------------------------------

def _shuffled(chain: rm.Chain, seed: int) -> rm.Chain:
    """``chain`` with its nodes, edges, supplier and world-supplier keys, jurisdiction
    lists and baseline entries in another order."""
    rng = np.random.default_rng(seed)

    def perm(items: list) -> list:
        return [items[i] for i in rng.permutation(len(items))]

    def attrs(d: dict) -> dict:
        d = dict(d)
        for k in ("suppliers", "world_suppliers", "controlled_by", "world_controlled_by"):
            if k in d:
                d[k] = dict(perm(list(d[k].items())))
        for k in ("controlled_by", "world_controlled_by"):
            if k in d:
                d[k] = {c: tuple(perm(list(v))) for c, v in d[k].items()}
        return d

    h = nx.DiGraph()
    h.add_nodes_from(perm([(n, attrs(d)) for n, d in chain.graph.nodes(data=True)]))
    h.add_edges_from(perm(list(chain.graph.edges(data=True))))
    return rm.Chain(h, name=chain.name, perspective=chain.perspective,
                    baseline=perm(list(chain.baseline)))


def _numbers(chain: rm.Chain, sc: Scenario, *, scores: bool) -> list[np.ndarray]:
    res = rm.simulate(chain, sc)
    out = [res.availability.sort_index().to_numpy(), res.end_use_loss.to_numpy(),
           res.realised_loss.to_numpy(), res.bounds.to_numpy()]
    if scores:
        s = rm.score(chain).sort_index()
        out.append(s[["choke_score", "choke_immediate", "knockout_loss",
                      "downstream_reach", "hhi"]].to_numpy(dtype=float))
        lev = rm.leverage(chain).sort_index()
        out.append(lev.select_dtypes("number").to_numpy(dtype=float))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("home", ["CN", None])
def test_order_changes_no_number(home: str | None) -> None:
    for seed in SEEDS:
        chain = full_chain(seed, home)
        sc = random_scenario(chain, seed, months=6)
        scores = seed in SEEDS[:3]  # scores and leverage on a few: they cost more
        a = _numbers(chain, sc, scores=scores)
        for perm in (seed, seed + 1):
            b = _numbers(_shuffled(chain, perm), sc, scores=scores)
            for x, y in zip(a, b, strict=True):
                assert x.shape == y.shape and np.allclose(x, y, atol=1e-12, rtol=0,
                                                          equal_nan=True), (seed, perm)


# -- load∘save -------------------------------------------------------------------

def _with_ranges_and_scenarios(chain: rm.Chain, seed: int) -> list[Scenario]:
    """Give ``chain`` ranges on its world shares and service lives and two stored
    scenarios whose cuts have every kind of `to`; those scenarios."""
    rng = np.random.default_rng(seed + 50_000)
    for _, d in chain.graph.nodes(data=True):
        prov = d.setdefault("provenance", {})
        for c, v in d.get("world_suppliers", {}).items():
            if rng.random() < 0.5:
                prov[f"world_suppliers.{c}"] = {"value": v, "low": round(v * 0.8, 6),
                                                "high": min(1.0, round(v * 1.2, 6))}
        if "capital" in d and rng.random() < 0.7:
            life = d["capital"]["service_life_months"]
            prov["capital.service_life_months"] = {"value": life, "low": life / 2,
                                                   "high": life * 2}
        if not prov:
            del d["provenance"]
    sc = random_scenario(chain, seed)
    countries = chain.compiled.countries
    every = Scenario([Cut(countries[0], to="all"), Cut(countries[-1], to="world"),
                      Cut(countries[0], to=tuple(countries[:2]), start=1, duration=2)]
                     + ([Cut(countries[-1], fraction=0.5, to="home")] if chain.home else []),
                     name="every_to")
    stored = [Scenario(sc.cuts, name="drawn", months=sc.months), every]
    chain.scenarios[:] = [x.as_dict() for x in stored]
    return stored


@pytest.mark.slow
@pytest.mark.parametrize("home", ["CN", None])
def test_load_save_keeps_every_new_field(tmp_path: Path, home: str | None) -> None:
    for seed in SEEDS[:4]:
        chain = full_chain(seed, home)
        stored = _with_ranges_and_scenarios(chain, seed)
        want = chain.to_dict()
        assert any("world_suppliers" in n for n in want["nodes"]) == (home is not None)
        assert any("capital" in n for n in want["nodes"]) and want["baseline"]
        here = Path(tempfile.mkdtemp(dir=tmp_path))
        for fmt, name in (("yaml", "c.yaml"), ("json", "c.json"), ("bundle", "b")):
            again = rm.load(rm.save(chain, here / name, format=fmt))
            assert again.to_dict() == want, (seed, fmt)
            assert again.baseline == chain.baseline, (seed, fmt)
            for sc in stored:
                assert Scenario.from_chain(again, sc.name).cuts == sc.cuts, (seed, fmt)
            for attr in ("world_suppliers", "controlled_by", "world_controlled_by",
                         "capital"):
                assert dict(again.graph.nodes(data=attr)) == \
                    dict(chain.graph.nodes(data=attr)), (seed, fmt, attr)
            sc = Scenario.from_chain(again, "drawn")
            assert np.allclose(rm.simulate(again, sc).availability.to_numpy(),
                               rm.simulate(chain, sc).availability.to_numpy(),
                               atol=1e-12, rtol=0), (seed, fmt)


def test_restrictions_keep_their_place_in_a_round_trip(tmp_path: Path) -> None:
    chain = full_chain(10)
    chain.baseline = [*chain.baseline, Restriction(Cut("JP", ("n1",), 0.5, to=("KR", "US")),
                                                   "extra", since="2023-01")]
    again = rm.load(rm.save(chain, tmp_path / "c.yaml"))
    assert [r.id for r in again.baseline] == [r.id for r in chain.baseline]
    assert again.baseline[-1].cut.to == ("KR", "US")
