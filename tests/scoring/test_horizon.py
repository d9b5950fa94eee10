"""The choke score over the horizon (docs/model.md §2.3): hand-computed averages on
small chains, its continuity as a stock crosses the month it runs out, stops to all
against stops to the home, the controlling key, bound (3) averaged, and the one tie rule
of the score and its uncertainty."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import chain_of, random_chain, write_text

import riskmodel as rm
from riskmodel.scoring.cuts import control_shares, expansion, keys_of
from riskmodel.scoring.horizon import bound_exposure, left_on_average


def _gears(inventory: float, **extra: float) -> rm.Chain:
    """``gears`` (JP 1.0, a stock of ``inventory`` months) → ``robots`` (end use)."""
    return chain_of({"gears": {"stage": "upstream", "suppliers": {"JP": 1.0},
                               "inventory_months": inventory, **extra},
                     "robots": {"stage": "end_use", "value": 1.0}},
                    [("gears", "robots", {})])


def test_a_three_month_stock_in_a_twelve_month_horizon() -> None:
    g = rm.score(_gears(3.0), horizon=12).loc["gears"]
    # months 0-2 drawn from stock, months 3-11 lost: 9 of 12 value-months
    assert g["choke_score"] == pytest.approx(9 / 12)
    assert g["time_to_impact"] == 3 and g["choke_month"] == pytest.approx(1.0)
    assert g["choke_immediate"] == pytest.approx(1.0)
    assert g["relief_stock"] == pytest.approx(3 / 12)
    # 2.5 months: half of month 2 is covered
    assert rm.score(_gears(2.5), horizon=12).loc["gears", "choke_score"] == pytest.approx(
        9.5 / 12)
    # the default horizon is 24 months: 21 of 24 lost
    assert rm.score(_gears(3.0)).loc["gears", "choke_score"] == pytest.approx(21 / 24)
    # a stock that outlasts the horizon: nothing lost, no time to impact
    long = rm.score(_gears(30.0), horizon=12, month=6).loc["gears"]
    assert long["choke_score"] == 0.0 and np.isnan(long["time_to_impact"])


def test_a_substitution_ramp_averaged_by_hand() -> None:
    g = rm.score(_gears(0.0, substitutability=0.6, lead_time_months=4), horizon=12,
                 month=2).loc["gears"]
    # 1, 0.85, 0.7, 0.55, then 0.4 for eight months: 6.3 of 12
    assert g["choke_score"] == pytest.approx(6.3 / 12)
    assert g["choke_month"] == pytest.approx(0.7) and g["time_to_impact"] == 0
    assert g["relief_substitution"] == pytest.approx(1 - 6.3 / 12)
    assert left_on_average(np.array([0.6]), np.array([4.0]), 12)[0] == pytest.approx(
        6.3 / 12)


def test_a_stock_downstream_of_the_cut() -> None:
    # ore (KR 0.5, no stock) → parts (a stock of 2 months) → robots
    ch = chain_of({"ore": {"stage": "upstream", "suppliers": {"KR": 0.5, "CN": 0.5}},
                   "parts": {"stage": "midstream", "inventory_months": 2.0},
                   "robots": {"stage": "end_use", "value": 1.0}},
                  [("ore", "parts", {}), ("parts", "robots", {})])
    ore = rm.score(ch, horizon=6).loc["ore"]
    # a shortfall of 0.5 a month: the 2 months of stock last 4 months, then 0.5 for 2
    assert ore["choke_score"] == pytest.approx(2 * 0.5 / 6)
    assert ore["time_to_impact"] == 4


def test_the_horizon_score_moves_continuously_as_a_stock_runs_out() -> None:
    # a sweep of the stock across the month it runs out in: the month-12 reading falls
    # from 1 to 0 as the stock goes from 12 to 13 months (a node can go from first to
    # nothing within an inventory's range), the horizon average by 1/24 a month of stock
    stocks = np.round(np.arange(10.0, 14.01, 0.1), 10)
    rows = [rm.score(_gears(x), horizon=24, month=12).loc["gears"] for x in stocks]
    avg = np.array([r["choke_score"] for r in rows])
    month = np.array([r["choke_month"] for r in rows])
    assert np.allclose(avg, (24 - stocks) / 24)
    assert month[stocks <= 12].min() == 1.0 and month[stocks >= 13].max() == 0.0
    assert np.abs(np.diff(month)).max() == pytest.approx(0.1)
    assert np.all(np.abs(np.diff(avg)) <= 0.1 / 24 + 1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_horizon_score_is_lipschitz_in_a_stock_on_random_chains(seed: int) -> None:
    # more stock at the cut node covers at most that many node-months of shortfall,
    # and a node's shortfall reaches end use at most one for one (bound (2) with no
    # cycle): |Δ score| ≤ |Δ stock| / horizon, whichever month the stock runs out in
    ch = random_chain(seed)
    base = rm.score(ch, horizon=12, baseline=False)
    node = base.index[base["cut_country"].notna()][0]
    values = []
    stocks = np.arange(0.0, 6.01, 0.25)
    for x in stocks:
        edited = ch.copy()
        edited.graph.nodes[node]["inventory_months"] = float(x)
        values.append(rm.score(edited, horizon=12, baseline=False).loc[node, "choke_score"])
    steps = np.abs(np.diff(values))
    assert np.all(steps <= 0.25 / 12 + 1e-9)
    assert np.all(np.diff(values) <= 1e-12)  # more stock never costs more


#: the battery example of docs/model.md §1.3 (home DE): China makes the anode, Polish
#: and German plants the cells, German makers the cars
BATTERY = {
    "anode": {"stage": "upstream", "suppliers": {"CN": 1.0}},
    "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5}},
    "cars": {"stage": "end_use", "value": 1.0},
}
BATTERY_EDGES = [("anode", "cells", {}), ("cells", "cars", {})]


def test_a_stop_to_all_reaches_third_country_producers_a_stop_to_home_does_not() -> None:
    ch = chain_of(BATTERY, BATTERY_EDGES, perspective={"home": "DE"})
    every = rm.score(ch, horizon=12)
    home = rm.score(ch, horizon=12, to="home")
    # to all: neither the Polish nor the German cell plants get anode (loss 1.0); to
    # the home: the Polish plants do, and half the cells reach the car makers
    assert every.loc["anode", "choke_score"] == pytest.approx(1.0)
    assert home.loc["anode", "choke_score"] == pytest.approx(0.5)
    # Poland's stop of its cells: half the cells, either way
    assert every.loc["cells", ["cut_country", "choke_score"]].tolist() == ["PL", 0.5]
    assert home.loc["cells", "choke_score"] == pytest.approx(0.5)
    assert every.attrs["to"] == "all" and home.attrs["to"] == "home"
    # both read as the simulation of the same stop
    for to, table in (("all", every), ("home", home)):
        res = rm.simulate(ch, [rm.Cut("CN", nodes=("anode",), to=to)], months=12)
        assert res.summary["cumulative_loss"] / 12 == pytest.approx(
            table.loc["anode", "choke_score"])


def test_a_stop_to_home_needs_a_home_view() -> None:
    ch = chain_of(BATTERY, BATTERY_EDGES, perspective="global")
    with pytest.raises(ValueError, match="to='home' needs a home view"):
        rm.score(ch, to="home")
    with pytest.raises(ValueError, match="to must be one of all, home"):
        rm.score(ch, to="world")
    with pytest.raises(ValueError, match="horizon must be a whole number of months"):
        rm.score(ch, horizon=0)


def test_the_cut_is_the_dominant_controlling_key() -> None:
    # Taiwan makes 60% of the chips under US rules, the US 30%: the US controls 90%
    ch = chain_of({"chips": {"stage": "upstream", "suppliers": {"TW": 0.6, "US": 0.3},
                             "controlled_by": {"TW": ("US",)}},
                   "phones": {"stage": "end_use", "value": 1.0}},
                  [("chips", "phones", {})])
    s = rm.score(ch, horizon=6)
    assert s.loc["chips", "cut_country"] == "US"
    assert s.loc["chips", "exposure"] == pytest.approx(0.9)
    assert s.loc["chips", "choke_score"] == pytest.approx(0.9)
    res = rm.simulate(ch, [rm.Cut("US", nodes=("chips",))], months=6)
    assert res.summary["cumulative_loss"] / 6 == pytest.approx(0.9)


@pytest.mark.parametrize("seed", range(8))
def test_bound_three_averaged_holds_on_random_chains(seed: int) -> None:
    # no cycle, no capital, no restrictions: the horizon average is at most the
    # exposure (the most any destination class loses) times the average of what each
    # month's ramp leaves; and at most the immediate bound (bound (1))
    ch = random_chain(seed, world=seed % 2 == 0, controlled=True)
    s = rm.score(ch, horizon=9, baseline=False).reindex(ch.compiled.ids)
    c = ch.compiled
    keys = keys_of(c)
    _, most = control_shares(c, expand := expansion(ch))
    assert expand.shape[0] == len(c.countries)
    exposure = bound_exposure(most, keys, [x if isinstance(x, str) else None
                                           for x in s["cut_country"]])
    bound3 = exposure * left_on_average(c.substitutability, c.lead_time, 9)
    assert np.all(s["choke_score"].to_numpy() <= bound3 + 1e-9)
    assert np.all(s["choke_score"] <= s["choke_immediate"] + 1e-12)


def test_one_tie_rule_in_the_score_and_its_uncertainty() -> None:
    bike = rm.load("bicycle")
    s = rm.score(bike)
    # equal scores share the best rank of their tie: the six nodes at 0 rank 8th
    zero = s[s["choke_score"] == 0]
    assert len(zero) == 6 and (zero["rank"] == 8).all()
    assert s["rank"].tolist()[:7] == [1, 2, 3, 4, 5, 6, 7]
    u = rm.score_uncertainty(bike, draws=30, seed=3, top=5)
    # a node whose score never moves keeps its baseline rank in every draw, so every
    # baseline rank lies within its own P5-P95 bar where the score is fixed
    fixed = u[u["p5"] == u["p95"]]
    assert len(fixed) >= 5 and (fixed["baseline"] == 0).all()
    assert (fixed["rank_p5"] <= fixed["baseline_rank"]).all()
    assert (fixed["baseline_rank"] <= fixed["rank_p95"]).all()
    assert (u.loc[u["p95"] == 0, "p_top"] == 0).all()


def test_no_robustness_warning_names_a_node_at_zero(tmp_path: Path) -> None:
    # two nodes score; the top 5 would include three nodes at 0
    path = write_text(tmp_path, "zeros.yaml", """\
schema: riskmodel/chain@1
name: zeros
perspective: {home: CN}
nodes:
  - {id: a, stage: upstream, suppliers: {JP: 1.0},
     substitutability: {value: 0.5, low: 0.2, high: 0.8, note: a test range}}
  - {id: b, stage: upstream, suppliers: {US: 0.5, CN: 0.5}}
  - {id: c, stage: upstream}
  - {id: x, stage: end_use, value: 1}
  - {id: y, stage: end_use, value: 1}
edges:
  - {from: a, to: x}
  - {from: b, to: y}
  - {from: c, to: y}
""")
    u = rm.score_uncertainty(rm.load(path), draws=20, seed=0, top=5, horizon=6)
    assert u.loc[["c", "x", "y"], "p_top"].tolist() == [0.0, 0.0, 0.0]
    assert u.loc[["a", "b"], "p_top"].tolist() == [1.0, 1.0]
    assert u.loc["a", "p5"] < u.loc["a", "p95"]  # the range is drawn
    assert u.attrs["robust"] and "NOT" not in u.attrs["note"]


@pytest.mark.parametrize("seed", range(10))
def test_every_score_is_the_simulated_stop_averaged(seed: int) -> None:
    # stops to all that run as lost supplies (on the cone kernel) and the others (over
    # destination classes) both equal the simulation of the same stop, on chains with
    # world shares, jurisdictions, cycles, a global view and restrictions in force
    kind = seed % 5
    ch = random_chain(seed, n=9, world=kind == 0, controlled=kind in (0, 1),
                      cyclic=kind == 2, home=None if kind == 3 else "CN",
                      baseline=kind == 4)
    tos = ["all", "home"] if ch.compiled.home is not None else ["all"]
    for to in tos:
        s = rm.score(ch, horizon=5, month=6, to=to)
        for node, country in s["cut_country"].dropna().items():
            res = rm.simulate(ch, [rm.Cut(country, nodes=(node,), to=to)], months=7)
            loss = res.end_use_loss.to_numpy()
            assert s.loc[node, "choke_score"] == pytest.approx(loss[:5].mean(), abs=1e-9)
            assert s.loc[node, "choke_month"] == pytest.approx(loss[6], abs=1e-9)
            over = np.flatnonzero(loss > 0.001)
            first = s.loc[node, "time_to_impact"]
            assert (np.isnan(first) and not len(over)) or first == over[0]


def test_score_command_reads_the_horizon_month_and_destination(
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from riskmodel.cli import main

    assert main(["score", "bicycle", "--horizon", "12", "--month", "6", "--top", "0",
                 "--format", "json", "--no-baseline"]) == 0
    data = json.loads(capsys.readouterr().out)
    table = rm.score(rm.load("bicycle"), horizon=12, month=6, baseline=False)
    rows = {r["node"]: r for r in data["scores"]}
    assert data["settings"]["horizon"] == 12 and data["settings"]["month"] == 6
    assert data["settings"]["to"] == "all"
    for node in ("drivetrain", "steel"):
        for col in ("choke_score", "choke_month"):
            assert rows[node][col] == pytest.approx(table.loc[node, col])
    assert main(["score", "bicycle", "--to", "home", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "stops it to the home" in out and "over 24 months" in out
    assert main(["score", "generative_ai", "--to", "world"]) == 2
    assert "invalid choice: 'world'" in capsys.readouterr().err


def test_explain_says_the_horizon_the_timing_and_ties() -> None:
    s = rm.score(rm.load("bicycle"))
    text = rm.explain(s, "steel")
    assert text.startswith("steel ranks 8th of 13 (tied with 5 others): a full stop by CN to "
                           "all destinations costs 0% of end-use value on average over 24 "
                           "months (none of it felt by month 24)")
    gears = rm.explain(rm.score(_gears(3.0), horizon=12), "gears")
    assert "costs 75% of end-use value on average over 12 months (felt from month 3; 100% "\
        "in month 12)" in gears
