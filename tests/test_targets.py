"""Targets (riskmodel.targets): losses measured as the shortfall of chosen nodes.

The hand-computed chain: a home (CN) fab that needs a Dutch tool, and a Taiwanese import,
both alternatives for the devices the home uses (the fab covers 30% of the need, imports
all of it). A Dutch stop halts the fab but costs no end-use value (imports cover the
devices); a Taiwanese stop costs end-use value but not the fab:

- NL stops:   fab 0 → loss of ``fab`` 1.0;   devices min(1, 0.3·0 + 1) = 1 → end use 0.
- TW stops:   imports 0 → loss of ``fab`` 0; devices min(1, 0.3·1 + 0) = 0.3 → 0.7.
- NL stops half: tool 0.5 → fab 0.5 → loss of ``fab`` 0.5.
- target [fab, imports] (no values: equal weights): NL 0.5, TW 0.5; with values 30 and
  10 on them (by value): NL 0.75, TW 0.25.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import write_text

import riskmodel as rm
from riskmodel.scenario import Cut, Scenario
from riskmodel.targets import END_USE, resolve, target_weights

FAB_YAML = """\
schema: riskmodel/chain@1
name: fab_chain
perspective: {home: CN}
currency: USD bn
targets:
  logic_capacity: [fab]
  chip_supply: [fab, imports]
nodes:
  - {id: tool, stage: upstream, suppliers: {NL: 1.0}}
  - {id: fab, stage: midstream, suppliers: {CN: 1.0}}
  - {id: imports, stage: midstream, suppliers: {TW: 1.0}}
  - {id: devices, stage: end_use, value: 100}
edges:
  - {from: tool, to: fab}
  - {from: fab, to: devices, group: chips, covers: 0.3}
  - {from: imports, to: devices, group: chips, covers: 1.0}
"""


@pytest.fixture
def fab(tmp_path) -> rm.Chain:
    return rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))


def _loss(chain: rm.Chain, cut: Cut, target=None) -> float:
    res = rm.simulate(chain, Scenario([cut], months=3), target=target)
    return float(res.summary["immediate_loss"])


# -- hand-computed losses -----------------------------------------------------------

def test_a_mid_chain_target_loses_what_end_use_value_does_not(fab: rm.Chain) -> None:
    assert _loss(fab, Cut("NL")) == pytest.approx(0.0)
    assert _loss(fab, Cut("NL"), "fab") == pytest.approx(1.0)
    assert _loss(fab, Cut("NL", fraction=0.5), "fab") == pytest.approx(0.5)
    assert _loss(fab, Cut("TW")) == pytest.approx(0.7)
    assert _loss(fab, Cut("TW"), "fab") == pytest.approx(0.0)


def test_several_nodes_weigh_equally_without_values_and_by_value_with_them(
        fab: rm.Chain) -> None:
    assert resolve(fab, ["fab", "imports"]).weighting == "equal"
    assert _loss(fab, Cut("NL"), ["fab", "imports"]) == pytest.approx(0.5)
    assert _loss(fab, Cut("TW"), "fab,imports") == pytest.approx(0.5)
    valued = fab.copy()
    valued.graph.nodes["fab"]["value"] = 30.0
    valued.graph.nodes["imports"]["value"] = 10.0
    t = resolve(valued, ["fab", "imports"])
    assert t.weighting == "value"
    w = target_weights(valued.compiled, t)
    assert w[valued.compiled.index.get_loc("fab")] == pytest.approx(0.75)
    assert _loss(valued, Cut("NL"), ["fab", "imports"]) == pytest.approx(0.75)
    assert _loss(valued, Cut("TW"), ["fab", "imports"]) == pytest.approx(0.25)
    # value-months of a value-weighted target: 3 months × 0.25 × 40
    res = rm.simulate(valued, Scenario([Cut("TW")], months=3), target=["fab", "imports"])
    assert res.summary["cumulative_value_loss"] == pytest.approx(30.0)
    # one node of the two without a value: equal weights
    half = fab.copy()
    half.graph.nodes["fab"]["value"] = 30.0
    assert resolve(half, ["fab", "imports"]).weighting == "equal"


def test_a_declared_target_is_used_by_name(fab: rm.Chain) -> None:
    assert fab.targets == {"logic_capacity": ["fab"], "chip_supply": ["fab", "imports"]}
    res = rm.simulate(fab, Scenario([Cut("NL")], months=3), target="logic_capacity")
    assert res.target == "logic_capacity"
    assert res.end_use_loss.tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert "loss of logic_capacity: immediate 100.0%" in str(res)
    assert rm.simulate(fab, Scenario([Cut("NL")], months=3)).target == END_USE
    # a declared name inside a list stands for its nodes
    assert resolve(fab, ["chip_supply"]).nodes == ("fab", "imports")


def test_score_leverage_cutsets_and_coalition_by_target(fab: rm.Chain) -> None:
    end = rm.score(fab, horizon=2)
    by_fab = rm.score(fab, horizon=2, target="logic_capacity")
    assert end.loc["tool", "choke_score"] == pytest.approx(0.0)
    assert by_fab.loc["tool", "choke_score"] == pytest.approx(1.0)
    assert by_fab.loc["tool", "choke_immediate"] == pytest.approx(1.0)
    assert by_fab.loc["imports", "choke_score"] == pytest.approx(0.0)
    assert end.loc["imports", "choke_score"] == pytest.approx(0.7)
    assert by_fab.index[0] == "tool" and by_fab.loc["tool", "rank"] == 1
    assert by_fab.loc["tool", "spof"] == ["fab"]  # the target stops with the tool
    assert by_fab.attrs["target"] == "logic_capacity"
    assert by_fab.attrs["target_nodes"] == ["fab"] and end.attrs["target"] == END_USE
    lev = rm.leverage(fab, target="fab")
    assert lev.loc["NL", "leverage"] == pytest.approx(1.0)
    assert lev.loc["TW", "leverage"] == pytest.approx(0.0)
    assert lev.attrs["target"] == "fab"
    assert rm.leverage(fab).loc["NL", "leverage"] == pytest.approx(0.0)
    cs = rm.cutsets(fab, target="logic_capacity", max_size=2)
    assert [tuple(x) for x in cs["countries"]] == [("NL",)]
    assert cs.attrs["target"] == "logic_capacity" and cs.attrs["target_nodes"] == ["fab"]
    both = rm.cutsets(fab, target="chip_supply", max_size=2)
    assert [tuple(x) for x in both["countries"]] == [("NL", "TW")]
    assert rm.coalition(fab, ["TW"], target="chip_supply") == pytest.approx(0.5)
    assert rm.coalition(fab, ["TW"], target="fab") == pytest.approx(1.0)


def test_simulate_many_and_monte_carlo_name_their_target(fab: rm.Chain) -> None:
    many = rm.simulate_many(fab, [Scenario([Cut(c)], name=c, months=3) for c in ("NL", "TW")],
                            target="fab")
    assert many.attrs["target"] == "fab"
    assert many["peak_loss"].tolist() == pytest.approx([1.0, 0.0])
    assert rm.simulate_many(fab, [], target="fab").attrs["target"] == "fab"
    mc = rm.monte_carlo(fab, Scenario([Cut("NL")], months=3), draws=5, target="fab")
    assert mc.target == "fab" and mc.draws.attrs["target"] == "fab"
    assert mc.percentiles["immediate_loss"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert "loss of fab" in str(mc)


def test_a_target_holds_with_restrictions_in_force(fab: rm.Chain) -> None:
    """With half of the tool withheld already, the fab has lost half; a further Dutch
    stop adds the other half, and the realised loss is the target's."""
    held = [Cut("NL", fraction=0.5)]
    res = rm.simulate(fab, Scenario([Cut("NL")], months=3), target="fab", baseline=held)
    assert res.summary["realised_loss"] == pytest.approx(0.5)
    assert res.summary["immediate_loss"] == pytest.approx(0.5)
    s = rm.score(fab, target="fab", baseline=held, horizon=2)
    assert s.attrs["realised_loss"] == pytest.approx(0.5)
    assert s.loc["tool", "choke_score"] == pytest.approx(0.5)


# -- refusals ---------------------------------------------------------------------

def test_bad_targets_are_refused_with_the_fix(fab: rm.Chain) -> None:
    with pytest.raises(rm.NodeNotFoundError, match="did you mean 'fab'"):
        rm.simulate(fab, Scenario([Cut("NL")]), target="fabb")
    with pytest.raises(rm.NodeNotFoundError, match="did you mean 'logic_capacity'"):
        rm.score(fab, target="logic_capacty")
    with pytest.raises(rm.NodeNotFoundError, match="no node or declared target 'x'"):
        rm.cutsets(fab, target=["fab", "x"])
    with pytest.raises(rm.ArgumentError, match="names no node"):
        rm.leverage(fab, target=[])
    with pytest.raises(rm.ArgumentError, match="names no node"):
        rm.score(fab, target=" , ")
    with pytest.raises(TypeError, match="node id"):
        rm.simulate(fab, Scenario([Cut("NL")]), target=3)
    with pytest.raises(TypeError, match="text"):
        rm.coalition(fab, ["NL"], target=["fab", 3])


def test_chain_targets_are_settable_and_kept_by_copy(fab: rm.Chain) -> None:
    c = fab.copy()
    c.targets = {"tools": ["tool"]}
    assert c.targets == {"tools": ["tool"]} and fab.targets["logic_capacity"] == ["fab"]
    c.targets = {}
    assert c.targets == {} and "targets" not in c.to_dict()
    t = c.targets
    t["x"] = ["fab"]  # a copy: the chain is not changed through it
    assert c.targets == {}
    with pytest.raises(TypeError, match="mapping"):
        c.targets = ["fab"]


def test_weights_sum_to_one_on_random_targets() -> None:
    from helpers import random_chain

    for seed in range(10):
        chain = random_chain(seed)
        ids = list(chain.compiled.ids)
        rng = np.random.default_rng(seed)
        nodes = [str(x) for x in rng.choice(ids, size=min(3, len(ids)), replace=False)]
        w = target_weights(chain.compiled, resolve(chain, nodes))
        assert w.sum() == pytest.approx(1.0)
        assert set(np.flatnonzero(w)) == set(chain.compiled.index.get_indexer(nodes))
