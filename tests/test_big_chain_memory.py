"""What a big chain needs stays in its tables: loading a bundle, validating, scoring and
simulating never build the networkx graph (for 10^7 edges it holds several GB;
benchmarks/bench_big.py), and the scenario checks read controlled_by from the tables
with the graph's results."""

from __future__ import annotations

from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel import model
from riskmodel.scenario import Cut, Scenario, scenario_warnings
from riskmodel.synthetic import synthetic_chain


def _no_graph(data):
    raise AssertionError("the networkx graph was built")


def test_load_validate_score_simulate_build_no_graph(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = rm.save(synthetic_chain(300, seed=4), tmp_path / "chain")
    monkeypatch.setattr(model, "graph_from_data", _no_graph)
    chain = rm.load(path)
    assert rm.validate(chain).ok
    country = chain.compiled.countries[0]
    res = rm.simulate(chain, Scenario([Cut(country, fraction=0.6)], months=12))
    assert 0 < res.summary["immediate_loss"] <= 1
    assert len(rm.score(chain)) == 300


def test_scenario_checks_read_controllers_from_the_tables() -> None:
    """A cut naming a jurisdiction that only controls shares (controlled_by) is known,
    and a cut of a node's non-supplier still warns, with or without the graph built."""
    for build_graph in (False, True):
        semis = rm.load("semiconductors")
        if build_graph:
            assert semis.graph.number_of_nodes() > 0
        sups = semis.to_data().suppliers
        held = sups[sups["controlled_by"].notna()].iloc[0]
        code = held["controlled_by"][0]
        assert scenario_warnings(semis, Scenario([Cut(code, nodes=(held["node"],))])) == []
        stranger = next(k for k in semis.compiled.countries
                        if k not in set(sups.loc[sups["node"] == held["node"], "country"])
                        and k != code and not (sups["controlled_by"].dropna()
                                               .map(lambda t, k=k: k in t).any()))
        warned = scenario_warnings(semis, Scenario([Cut(stranger, nodes=(held["node"],))]))
        assert [w.message for w in warned] and "changes nothing" in warned[0].message
