"""Degenerate but valid chains run through every computation.

A chain may carry no supplier data at all, only ``other``, only the home country, a
zero share, a single node that is itself an end use, end uses worth nothing, end uses
without inputs, or values near the largest float. Each must score, explain, simulate,
run Monte Carlo, find cut sets and write a report, with finite results (losses in
[0, 1], no NaN where a number is promised) and no numpy warning.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import riskmodel as rm
from riskmodel._errors import ArgumentError
from riskmodel.diff import diff
from riskmodel.scenario import Cut, Scenario

LINE = [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]


def _nodes(sup_a: dict | None, *, value: float = 1.0) -> list[dict]:
    a = {"id": "a", "stage": "upstream"}
    if sup_a is not None:
        a["suppliers"] = sup_a
    return [a, {"id": "b", "stage": "midstream"},
            {"id": "c", "stage": "end_use", "value": value}]


#: name -> (nodes, edges); each is run in a global and a home (CN) view
SHAPES = {
    "no_suppliers": (_nodes(None), LINE),
    "only_other": (_nodes({"other": 1.0}), LINE),
    "only_home": (_nodes({"CN": 1.0}), LINE),
    "zero_share": (_nodes({"CN": 1.0, "JP": 0}), LINE),
    "zero_foreign_only": (_nodes({"JP": 0, "other": 1.0}), LINE),
    "single_end_use": ([{"id": "c", "stage": "end_use", "value": 1}], []),
    "single_end_use_supplied": (
        [{"id": "c", "stage": "end_use", "value": 1, "suppliers": {"JP": 0.6}}], []),
    "end_use_value_zero": (
        [*_nodes({"JP": 0.5}), {"id": "d", "stage": "end_use", "value": 0}],
        [*LINE, {"from": "b", "to": "d"}]),
    "all_values_zero": (_nodes({"JP": 0.5}, value=0.0), LINE),
    "huge_values": (  # the largest that validation accepts: a total of at most 1e300
        [*_nodes({"JP": 0.5}, value=3e299), {"id": "d", "stage": "end_use", "value": 3e299},
         {"id": "e", "stage": "end_use", "value": 3e299}],
        [*LINE, {"from": "b", "to": "d"}, {"from": "a", "to": "e"}]),
    "end_uses_without_inputs": (
        [{"id": "a", "stage": "upstream", "suppliers": {"JP": 0.5}},
         {"id": "c", "stage": "end_use", "value": 1},
         {"id": "d", "stage": "end_use", "value": 2, "suppliers": {"KR": 0.3}}], []),
}


def _chain(tmp_path, name: str, perspective) -> rm.Chain:
    nodes, edges = SHAPES[name]
    doc = {"schema": "riskmodel/chain@1", "name": name, "perspective": perspective,
           "nodes": nodes, "edges": edges}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return rm.load(path)


def _unit(x) -> None:
    arr = np.asarray(x, dtype=float)
    assert np.all(np.isfinite(arr)), arr
    assert np.all((arr >= -1e-12) & (arr <= 1 + 1e-12)), arr


@pytest.fixture(params=[(s, p) for s in SHAPES for p in ("global", "home")],
                ids=lambda x: f"{x[0]}-{x[1]}")
def chain(request, tmp_path) -> rm.Chain:
    shape, persp = request.param
    return _chain(tmp_path, shape, "global" if persp == "global" else {"home": "CN"})


def test_every_computation_runs(chain: rm.Chain, tmp_path) -> None:
    s = rm.score(chain)
    assert len(s) == len(chain)
    _unit(s["choke_score"])
    _unit(s["choke_immediate"])
    _unit(s["knockout_loss"])
    assert (s["choke_score"] <= s["choke_immediate"] + 1e-12).all()
    for node in s.index:
        assert node in rm.explain(s, node)

    lev = rm.leverage(chain)
    for col in ("leverage", "immediate", "long_run"):
        _unit(lev[col])
    assert (lev["nodes_supplied"] >= 1).all()  # a country that supplies nothing is no candidate

    cs = rm.cutsets(chain, max_size=2)
    _unit(cs["availability"])
    if len(lev):
        assert 0 <= rm.coalition(chain, list(lev.index[:2])) <= 1
    else:  # no foreign supplier to ask: an empty coalition is refused
        with pytest.raises(ArgumentError, match="a coalition needs at least one country"):
            rm.coalition(chain, [])

    # every country the chain names (suppliers, a zero share, the home one), together
    countries = chain.compiled.countries
    if not countries:  # nothing to cut: a scenario is refused with a clear message
        with pytest.raises(rm.ScenarioError, match="unknown country"):
            rm.simulate(chain, [Cut("JP")])
    else:
        sc = Scenario([Cut(x) for x in countries], name="all", months=6)
        res = rm.simulate(chain, sc)
        _unit(res.availability.to_numpy())
        _unit(res.end_use_loss)
        one = Scenario([Cut(countries[0], fraction=0.5)], name="one", months=3)
        many = rm.simulate_many(chain, [sc, one])
        _unit(many[["immediate_loss", "long_run_loss", "peak_loss", "final_loss"]])
        assert (many.loc["one", "peak_loss"] <= many.loc["all", "peak_loss"] + 1e-12)

        mc = rm.monte_carlo(chain, sc, draws=3, seed=1)
        _unit(mc.percentiles[["immediate_loss", "peak_loss", "final_loss"]])
        _unit(mc.loss)
    u = rm.score_uncertainty(chain, draws=3, seed=1, scores=s)
    _unit(u[["p5", "p50", "p95", "p_top"]])

    pa = rm.policy_alignment(chain, s)
    assert set(pa.excluded) == {"subsidy_intensity", "rd_intensity", "profit_margin"}

    d = diff(chain, chain)
    assert d.empty
    assert (d.ranking["rank_move"].fillna(0) == 0).all()

    paths = rm.report(chain, tmp_path / "report", formats="json", mc=3)
    payload = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert payload


@pytest.mark.parametrize("draws", [0, -1])
def test_draws_must_be_positive(draws: int) -> None:
    bike = rm.load("bicycle")
    with pytest.raises(ValueError, match="draws must be at least 1"):
        rm.monte_carlo(bike, "china_cut", draws=draws)
    with pytest.raises(ValueError, match="draws must be at least 1"):
        rm.score_uncertainty(bike, draws=draws)
