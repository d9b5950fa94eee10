"""Long computations are bounded before they start, and group cuts mean one thing.

- cut sets count their candidates first and refuse a search over the limit, with the
  numbers and the fix, before building any combination;
- Monte Carlo draws and horizons are checked against documented limits;
- a deep (linear) chain scores in bounded work, and says honestly what is exact;
- a group listed beside its own member: a cut by the group withholds its row and its
  members' rows, a cut by the member its own row only; score and simulate agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel._errors import ArgumentError
from riskmodel.coalitions import MAX_CANDIDATES, candidate_sets
from riskmodel.scenario import Cut, Scenario
from riskmodel.scoring import choke
from riskmodel.synthetic import linear_chain
from riskmodel.uncertainty import MAX_DRAWS, MAX_MONTHS


def _many_countries(k: int) -> rm.Chain:
    """``k`` declared groups, each the sole supplier of one input of one end use."""
    import networkx as nx

    g = nx.DiGraph()
    names = [f"G{i}" for i in range(k)]
    for i, x in enumerate(names):
        g.add_node(f"n{i}", stage="upstream", suppliers={x: 1.0})
        g.add_edge(f"n{i}", "end")
    g.add_node("end", stage="end_use", value=1.0)
    return rm.Chain(g, name="many", groups={x: {"label": x, "members": []} for x in names})


def test_cutsets_refuse_a_search_over_the_limit_before_building_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chain = _many_countries(200)

    def boom(*args, **kw):  # nothing may be evaluated
        raise AssertionError("evaluated candidate sets")

    monkeypatch.setattr("riskmodel.coalitions._target_availability", boom)
    with pytest.raises(ArgumentError) as err:
        rm.cutsets(chain, max_size=50)
    text = str(err.value)
    assert "200 countries" in text and f"{MAX_CANDIDATES:,}" in text
    assert "at most 3 fits" in text and "--coalition" in text
    assert candidate_sets(200, 2, MAX_CANDIDATES) <= MAX_CANDIDATES
    assert candidate_sets(200, 3, MAX_CANDIDATES) == 200 + 19900 + 1313400


def test_cutsets_search_in_chunks_finds_the_minimal_sets() -> None:
    chain = _many_countries(30)  # every input essential: any one country stops it
    cs = rm.cutsets(chain, max_size=2)
    assert len(cs) == 30 and (cs["size"] == 1).all()  # no superset of a found set
    assert cs.attrs["evaluated"] == 30


@pytest.mark.parametrize("bad", [0, -3, MAX_DRAWS + 1, 2.5])
def test_draws_are_checked_before_any_work(bad) -> None:
    bike = rm.load("bicycle")
    with pytest.raises(ArgumentError, match="draws must"):
        rm.monte_carlo(bike, "china_cut", draws=bad)
    with pytest.raises(ArgumentError, match="draws must"):
        rm.score_uncertainty(bike, draws=bad)


def test_horizons_are_checked() -> None:
    bike = rm.load("bicycle")
    with pytest.raises(ArgumentError, match=f"months must be at most {MAX_MONTHS}"):
        rm.score_uncertainty(bike, draws=2, horizon=MAX_MONTHS + 1)
    with pytest.raises((ArgumentError, rm.ScenarioError)):
        rm.monte_carlo(bike, "china_cut", draws=2, months=MAX_MONTHS + 1)


def test_coalition_errors_speak_of_the_coalition() -> None:
    bike = rm.load("bicycle")
    with pytest.raises(ArgumentError) as err:
        rm.coalition(bike, ["XX", "JP"])
    text = str(err.value)
    assert "coalition member XX supplies nothing" in text
    assert "JP" in text and "scenario" not in text


@pytest.mark.slow
def test_deep_linear_chain_is_scored_within_the_work_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chain = linear_chain(2000, home=None)
    full = rm.score(chain)
    assert full["choke_exact"].all() and full.attrs["exact"] == "all nodes"
    # as if the chain were far deeper: the work of 3,000,000 steps at a 12-month reading
    # (15 steps a node and month: 12 + 3), at the default 24 months (24 + 3)
    monkeypatch.setattr(choke, "SCORE_WORK", 3_000_000 * 27 // 15)
    cut = rm.score(chain, top=5)
    assert "cuts reach too far" in cut.attrs["exact"]
    exact = cut["choke_exact"]
    assert 0 < exact.sum() < len(cut)
    # what is marked exact is exact
    assert np.allclose(cut.loc[exact, "choke_score"], full.loc[exact[exact].index, "choke_score"])
    assert cut.loc[~exact, "choke_score"].isna().all()


def test_deep_linear_chain_keeps_the_top_when_the_bounds_allow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chain = linear_chain(200, home="CN")
    full = rm.score(chain)
    monkeypatch.setattr(choke, "SCORE_WORK", 10**12)
    monkeypatch.setattr(choke, "_immediate_within", lambda *a, **k: False)  # force pruning
    pruned = rm.score(chain, top=5)
    assert "top 5 guaranteed exact" in pruned.attrs["exact"]
    assert np.allclose(pruned["choke_score"].iloc[:5], full["choke_score"].iloc[:5])


GROUPED = """\
schema: riskmodel/chain@1
name: grouped
perspective: {home: CN}
groups:
  EU: {label: European Union, members: [DE, FR]}
nodes:
  - {id: parts, stage: upstream, suppliers: {EU: 0.3, DE: 0.2, CN: 0.5}}
  - {id: tools, stage: upstream, suppliers: {DE: 0.1, JP: 0.35, CN: 0.55}}
  - {id: cars, stage: end_use, value: 1}
edges:
  - {from: parts, to: cars}
  - {from: tools, to: cars}
"""


def test_a_group_with_its_member_is_counted_once(write) -> None:
    chain = rm.load(write(GROUPED))
    s = rm.score(chain)
    # a cut by EU withholds its row and DE's: 0.5 of parts, scored as simulated
    assert s.loc["parts", "cut_country"] == "EU"
    assert s.loc["parts", "exposure"] == pytest.approx(0.5)
    sim = rm.simulate(chain, [Cut("EU", nodes=("parts",))], months=13)
    assert s.loc["parts", "choke_immediate"] == pytest.approx(sim.summary["immediate_loss"])
    assert s.loc["parts", "choke_score"] == pytest.approx(sim.end_use_loss.iloc[12])
    # a cut by DE withholds DE's own rows only, never a part of the EU row
    de = rm.simulate(chain, [Cut("DE", nodes=("parts",))], months=1)
    assert de.summary["immediate_loss"] == pytest.approx(0.2)
    lev = rm.leverage(chain)
    assert lev.loc["EU", "nodes_supplied"] == 2  # through its member DE on tools
    assert lev.loc["DE", "nodes_supplied"] == 2
    both = rm.simulate_many(chain, [Scenario([Cut("EU")], name="eu", months=2),
                                    Scenario([Cut("EU"), Cut("DE")], name="eu+de",
                                             months=2)])
    assert both.loc["eu", "immediate_loss"] == pytest.approx(both.loc["eu+de",
                                                                      "immediate_loss"])
    assert lev.loc["EU", "immediate"] == pytest.approx(both.loc["eu", "immediate_loss"])
    cs = rm.cutsets(chain, max_size=2, threshold=0.6)
    assert all(not {"EU", "DE"} <= set(x) for x in cs["countries"])  # EU alone covers DE


def test_monte_carlo_does_not_depend_on_the_order_of_the_file(write) -> None:
    import json
    import random

    doc = rm.load("bicycle").to_dict()
    shuffled = dict(doc)
    rnd = random.Random(3)
    nodes = [dict(x) for x in doc["nodes"]]
    for x in nodes:
        if isinstance(x.get("suppliers"), dict):
            items = list(x["suppliers"].items())
            rnd.shuffle(items)
            x["suppliers"] = dict(items)
    rnd.shuffle(nodes)
    edges = list(doc["edges"])
    rnd.shuffle(edges)
    shuffled["nodes"], shuffled["edges"] = nodes, edges
    a = rm.load(write(json.dumps(doc), "a.json"))
    b = rm.load(write(json.dumps(shuffled), "b.json"))
    assert list(a.compiled.ids) != list(b.compiled.ids)
    ma = rm.monte_carlo(a, "china_cut", draws=40, seed=7)
    mb = rm.monte_carlo(b, "china_cut", draws=40, seed=7)
    assert ma.ranged_values > 0
    pd.testing.assert_frame_equal(ma.percentiles, mb.percentiles)
    pd.testing.assert_frame_equal(ma.draws, mb.draws)
    ua = rm.score_uncertainty(a, draws=20, seed=7)
    ub = rm.score_uncertainty(b, draws=20, seed=7).loc[ua.index]
    pd.testing.assert_frame_equal(ua, ub)
