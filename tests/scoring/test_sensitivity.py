"""rm.sensitivity: the tornado over ranged numbers and the horizon sweep, checked by hand
on small chains; the choice of numbers checked on random chains (no number left out
moves a score)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import chain_of, random_chain

import riskmodel as rm
from riskmodel.scoring.sensitivity import (
    HORIZONS,
    ranged_numbers,
    relevant,
    sensitivity_rows,
    swings,
)


def _ranged(value: float, low: float, high: float) -> dict:
    return {"value": value, "low": low, "high": high}


def ore_gas() -> rm.Chain:
    """Ore half from Japan with a month of stock (ranged: none to 100 months, enough for
    any horizon; drawn at half a month's demand a month it lasts two months, so Japan's
    stop costs 22/24 of 0.5 = 45.8% over 24 months), no substitute; gas 30% from Korea,
    no stock; both essential to widgets."""
    return chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"JP": 0.5, "CN": 0.5},
                 "inventory_months": 1.0,
                 "provenance": {"inventory_months": _ranged(1.0, 0.0, 100.0)}},
         "gas": {"stage": "upstream", "suppliers": {"KR": 0.3, "CN": 0.7}},
         "widget": {"stage": "end_use", "value": 1.0}},
        [("ore", "widget", {}), ("gas", "widget", {})])


def test_zero_at_inventory_high_positive_at_low():
    s = rm.sensitivity(ore_gas(), top=2)
    ore = s[(s["node"] == "ore") & (s["kind"] == "tornado")].set_index("setting")
    # by hand: no stock, Japan's half is lost every month; 100 months of stock drawn at
    # half a month's demand a month last 200 months, past any horizon
    assert ore.loc["low", "choke_score"] == pytest.approx(0.5)
    assert ore.loc["high", "choke_score"] == pytest.approx(0.0, abs=1e-12)
    assert ore.loc["low", "rank"] == 1 and ore.loc["high", "rank"] > 1
    assert list(ore["field"]) == ["inventory_months", "inventory_months"]
    assert ore.loc["high", "value"] == 100.0 and ore.loc["high", "base_value"] == 1.0
    assert not s.attrs["robust"]["ore"]
    assert s.attrs["verdicts"]["ore"] == ("not robust: falls to 0 at inventory_months of "
                                          "ore high (100)")
    # gas: no stock anywhere below it, so 30% in every run and never below ore's... rank
    gas = s[s["node"] == "gas"]
    assert np.allclose(gas["choke_score"], 0.3)
    # ore's stock cannot move gas's score: gas's tornado does not run it
    assert (gas["kind"] != "tornado").all()
    assert s.attrs["robust"]["gas"]


def test_horizon_sweep_rows():
    s = rm.sensitivity(ore_gas(), top=1)
    sweep = s[s["kind"] == "horizon"]
    assert list(sweep["horizon"]) == list(HORIZONS)
    assert (sweep["node"] == "ore").all()
    base = s[s["kind"] == "base"].iloc[0]
    direct = rm.score(ore_gas())
    assert base["choke_score"] == direct.loc["ore", "choke_score"]
    for _, r in sweep.iterrows():
        assert r["choke_score"] == pytest.approx(
            rm.score(ore_gas(), horizon=int(r["horizon"])).loc["ore", "choke_score"])
        assert r["change"] == pytest.approx(r["choke_score"] - base["choke_score"])


def test_zero_node_is_robust_when_it_stays_zero():
    # ore's stock (12 to 100 months at a cut of 50%) lasts past every horizon
    chain = chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"JP": 0.5, "CN": 0.5},
                 "inventory_months": 50.0,
                 "provenance": {"inventory_months": _ranged(50.0, 40.0, 100.0)}},
         "widget": {"stage": "end_use", "value": 1.0}}, [("ore", "widget", {})])
    s = rm.sensitivity(chain, nodes=["ore"], top=1)
    assert (s["choke_score"] == 0).all()
    assert s.attrs["robust"]["ore"]
    assert s.attrs["verdicts"]["ore"].startswith("robust: scores 0 in all")


def test_a_share_above_the_room_left_takes_it_from_the_others():
    # Japan 60% (40–90%), the US 40%: at 90% the US keeps 10%, and a full Japanese
    # cut (no stock, no substitute) costs 90%
    chain = chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"JP": 0.6, "US": 0.4},
                 "provenance": {"suppliers.JP": _ranged(0.6, 0.4, 0.9)}},
         "widget": {"stage": "end_use", "value": 1.0}}, [("ore", "widget", {})])
    s = rm.sensitivity(chain, nodes=["ore"], horizons=())
    t = s[s["kind"] == "tornado"].set_index("setting")
    assert t.loc["high", "choke_score"] == pytest.approx(0.9)
    assert t.loc["low", "choke_score"] == pytest.approx(0.4)
    assert t.loc["high", "field"] == "supplier share" and t.loc["high", "where"] == "ore/JP"


def test_inputs_not_mutated_and_errors():
    chain = ore_gas()
    before = chain.to_data().nodes.copy()
    rm.sensitivity(chain, top=1, horizons=(6,))
    pd.testing.assert_frame_equal(chain.to_data().nodes, before)
    with pytest.raises(rm.NodeNotFoundError, match="did you mean 'ore'"):
        rm.sensitivity(chain, nodes=["oer"])
    with pytest.raises(rm.ArgumentError, match="top must be a whole number"):
        rm.sensitivity(chain, top=0)
    with pytest.raises(rm.ArgumentError, match="horizons must be a whole number ≥ 1 and ≤ 600"):
        rm.sensitivity(chain, horizons=(0,))
    with pytest.raises(rm.ArgumentError, match="needs 7 rescorings, more than max_runs=3"):
        rm.sensitivity(chain, top=1, max_runs=3)
    with pytest.raises(rm.ArgumentError, match="scope must be"):
        rm.sensitivity(chain, scope="some")


def test_report_rows():
    s = rm.sensitivity(ore_gas(), top=2)
    rows = {r["node"]: r for r in sensitivity_rows(s)}
    ore = rows["ore"]
    assert ore["swings"] == [{"field": "inventory_months", "where": "ore", "low": 0.5,
                              "high": 0.0}]
    assert set(ore["sweep"]) == set(HORIZONS) and not ore["robust"]
    assert ore["verdict"].startswith("not robust")
    assert rows["gas"]["swings"] == [] and rows["gas"]["rank_range"][1] <= 2
    # with the Monte Carlo rank intervals: gas has no range, so it stays put in every draw
    u = rm.score_uncertainty(ore_gas(), draws=20, seed=1, top=2)
    both = {r["node"]: r for r in sensitivity_rows(s, uncertainty=u)}
    assert both["gas"]["p_top"] == 1.0 and both["gas"]["robust_overall"]
    assert not both["ore"]["robust_overall"]  # not robust to its stock already


def test_swings_table():
    s = rm.sensitivity(ore_gas(), top=1)
    base = s.loc[s["kind"] == "base", "choke_score"].item()
    w = swings(s, "ore")
    assert w.to_dict("records") == [{
        "field": "inventory_months", "where": "ore", "low": 0.0, "high": 100.0,
        "score_low": 0.5, "score_high": 0.0, "rank_low": 1, "rank_high": 2,
        "swing": pytest.approx(max(0.5 - base, base))}]
    assert swings(s, "gas").empty


# --- the numbers left out move nothing (random chains) ------------------------------

def with_ranges(chain: rm.Chain, seed: int) -> rm.Chain:
    """``chain`` with a range on every number the Monte Carlo can draw."""
    rng = np.random.default_rng(seed + 50_000)
    g = chain.graph.copy()
    for _, a in g.nodes(data=True):
        prov = {}
        for f in ("inventory_months", "lead_time_months"):
            if f in a:
                prov[f] = _ranged(a[f], 0.0, a[f] * 2 + float(rng.integers(1, 30)))
        if "substitutability" in a:
            prov["substitutability"] = _ranged(a["substitutability"],
                                               a["substitutability"] * rng.random(),
                                               min(1.0, a["substitutability"] + 0.3))
        if "value" in a:
            prov["value"] = _ranged(a["value"], a["value"] / 3, a["value"] * 3)
        if "capital" in a:
            life = a["capital"]["service_life_months"]
            prov["capital.service_life_months"] = _ranged(life, 0.5, life * 3)
        for c, x in (a.get("suppliers") or {}).items():
            if c != "other":
                prov[f"suppliers.{c}"] = _ranged(x, x * rng.random(), min(1.0, x + 0.4))
        a["provenance"] = prov
    for _, _, d in g.edges(data=True):
        prov = {}
        if "share" in d:
            prov["share"] = _ranged(d["share"], d["share"] / 2, min(1.0, d["share"] + 0.3))
        if d.get("group") and "covers" in d:
            prov["covers"] = _ranged(d["covers"], d["covers"] / 2, 1.0)
        d["provenance"] = prov
    out = rm.Chain(g, name=chain.name, perspective=chain.perspective)
    out.baseline = chain.baseline
    return out


CASES = [(0, "plain"), (1, "plain"), (2, "baseline"), (3, "baseline"), (4, "cyclic"),
         (5, "capital"), (6, "baseline"), (7, "plain")]


def random_ranged(seed: int, kind: str) -> rm.Chain:
    return with_ranges(random_chain(seed, n=8, baseline=kind == "baseline",
                                    cyclic=kind == "cyclic", capital=kind == "capital",
                                    world=seed % 2 == 1), seed)


@pytest.mark.parametrize(("seed", "kind"), CASES)
def test_no_number_left_out_moves_a_score(seed, kind):
    chain = random_ranged(seed, kind)
    numbers = ranged_numbers(chain)
    s = rm.sensitivity(chain, top=3, scope="all", horizons=(), max_runs=10_000)
    held = bool(s.attrs["baseline"])
    assert held == (kind == "baseline")
    assert s.attrs["ranged"] == len(numbers) == s.attrs["run"]
    for node, rows in s[s["kind"] == "tornado"].groupby("node"):
        mask = relevant(chain, node, numbers, held=held)
        keys = set(zip(numbers.loc[~mask, "field"], numbers.loc[~mask, "where"],
                       strict=True))
        left_out = rows[[k in keys for k in zip(rows["field"], rows["where"], strict=True)]]
        assert np.allclose(left_out["change"], 0.0, atol=1e-9), (
            left_out[left_out["change"].abs() > 1e-9][["field", "where", "setting", "change"]])


@pytest.mark.parametrize(("seed", "kind"), [(2, "baseline"), (7, "plain")])
def test_the_default_runs_the_relevant_numbers_alone(seed, kind):
    chain = random_ranged(seed, kind)
    numbers = ranged_numbers(chain)
    r = rm.sensitivity(chain, top=2, horizons=(), max_runs=10_000)
    held = bool(r.attrs["baseline"])
    for node, rows in r[r["kind"] == "tornado"].groupby("node"):
        mask = relevant(chain, node, numbers, held=held)
        want = sorted(zip(numbers.loc[mask, "field"], numbers.loc[mask, "where"],
                          strict=True))
        got = sorted(set(zip(rows["field"], rows["where"], strict=True)))
        assert got == sorted(set(want))
        assert (rows.groupby(["field", "where"]).size() == 2).all()  # low and high
    if not held:
        assert r.attrs["run"] < r.attrs["ranged"]  # some were left out


def test_covers_too_low_for_its_group_is_raised():
    # `a` covers the whole need of `w` (down to 0.5), `b` 0.3: below 0.7 the group
    # could not cover the need, so the tornado's low uses 0.7
    chain = chain_of(
        {"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
         "b": {"stage": "upstream", "suppliers": {"KR": 1.0}},
         "w": {"stage": "end_use", "value": 1.0}},
        [("a", "w", {"group": "g", "covers": 1.0,
                     "provenance": {"covers": _ranged(1.0, 0.5, 1.0)}}),
         ("b", "w", {"group": "g", "covers": 0.3})])
    s = rm.sensitivity(chain, nodes=["b"], horizons=())
    low = s[(s["kind"] == "tornado") & (s["setting"] == "low")].iloc[0]
    assert low["value"] == pytest.approx(0.7)
    # by hand: cut b, a alone covers 0.7 of the need
    assert low["choke_score"] == pytest.approx(0.3)
