"""A chain edited through ``chain.graph`` is checked before anything is computed on it."""

from __future__ import annotations

import networkx as nx
import pytest

import riskmodel as rm


@pytest.fixture
def bike() -> rm.Chain:
    return rm.load("bicycle")


def _node_attr(name: str, value: object):
    def edit(chain: rm.Chain) -> None:
        chain.graph.nodes["frames"][name] = value
    return edit


def _every_edge(name: str, value: object):
    def edit(chain: rm.Chain) -> None:
        for _, _, a in chain.graph.edges(data=True):
            a[name] = value
    return edit


def _suppliers(value: object):
    def edit(chain: rm.Chain) -> None:
        chain.graph.nodes["frames"]["suppliers"] = value
    return edit


def _world(value: object):
    def edit(chain: rm.Chain) -> None:
        chain.graph.nodes["frames"]["world_suppliers"] = value
    return edit


def _remove_all(chain: rm.Chain) -> None:
    chain.graph.remove_nodes_from(list(chain.graph))


@pytest.mark.parametrize(("edit", "fragment"), [
    (_node_attr("substitutability", float("nan")), "not a finite number"),
    (_node_attr("inventory_months", float("inf")), "not a finite number"),
    (_node_attr("lead_time_months", "six"), "not a finite number"),
    (_node_attr("substitutability", True), "not a finite number"),
    (_node_attr("substitutability", 5.0), "substitutability"),
    (_node_attr("inventory_months", -1.0), "inventory_months"),
    (_node_attr("label", 42), "not text"),
    (_node_attr("stage", "bogus"), "stage"),
    (_suppliers({"TW": 5.0}), "share"),
    (_suppliers({"ZZ": 0.5}), "ZZ"),
    (_suppliers({"TW": float("nan")}), "not a finite number"),
    (_suppliers(["TW"]), "not a mapping"),
    (_world({"TW": 5.0}), "share"),
    (_world({"ZZ": 0.5}), "ZZ"),
    (_world({"TW": float("nan")}), "world supplier 'TW', field 'share': not a finite number"),
    (_world(["TW"]), "field 'world_suppliers': not a mapping"),
    (_world({7: 0.5}), "a supplier key is not text"),
    (_every_edge("essential", "no"), "not true or false"),
    (_every_edge("share", float("nan")), "not a finite number"),
    (_remove_all, "node"),
], ids=lambda x: getattr(x, "__qualname__", str(x))[:30])
def test_an_invalid_edit_is_refused_before_any_computation(bike, edit, fragment) -> None:
    edit(bike)
    for compute in (rm.score, rm.leverage,
                    lambda c: rm.simulate(c, [rm.Cut("CN")]), lambda c: c.compiled):
        with pytest.raises(rm.ChainValidationError) as info:
            compute(bike)
        assert fragment in str(info.value)
    with pytest.raises(rm.ChainValidationError) as info:
        rm.validate(bike)
    assert fragment in str(info.value)


def test_a_valid_edit_is_used(bike) -> None:
    before = rm.score(bike).loc["frames", "choke_score"]
    bike.graph.nodes["frames"]["substitutability"] = 1.0
    bike.graph.nodes["frames"]["lead_time_months"] = 0
    after = rm.score(bike).loc["frames", "choke_score"]
    assert after < before
    assert rm.validate(bike).ok


def test_an_edit_undone_runs_again(bike) -> None:
    bike.graph.nodes["frames"]["substitutability"] = float("nan")
    with pytest.raises(rm.ChainValidationError):
        rm.score(bike)
    del bike.graph.nodes["frames"]["substitutability"]
    assert len(rm.score(bike)) == bike.graph.number_of_nodes()


def test_a_chain_built_in_python_is_checked_once() -> None:
    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"AU": 0.7, "BR": 0.3})
    g.add_node("steel", stage="end_use", value=10.0)
    g.add_edge("ore", "steel")
    chain = rm.Chain(g, name="steel", perspective={"home": "DE"})
    assert chain.compiled is chain.compiled  # checked and compiled once, then cached
    g2 = nx.DiGraph(g)
    g2.nodes["ore"]["suppliers"] = {"AU": "most"}
    with pytest.raises(rm.ChainValidationError, match="not a finite number"):
        rm.Chain(g2, name="steel").compile()


def test_world_shares_edited_in_python_are_checked_as_suppliers_are() -> None:
    from riskmodel.validation.graph import check_graph

    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"AU": 1.0},
               world_suppliers={"CN": "most", 3: 0.1})
    g.add_node("steel", stage="end_use", value=10.0)
    g.add_edge("ore", "steel")
    got = [(p.where, p.field, p.message, p.found, p.fix) for p in check_graph(g)]
    assert got == [
        ("node 'ore', world supplier 'CN'", "share", "not a finite number", "'most'",
         "set a number, or delete the entry"),
        ("node 'ore'", "world_suppliers", "a supplier key is not text", "3",
         "key world_suppliers by country code, e.g. 'JP'")]
    g.nodes["ore"]["world_suppliers"] = "CN"
    ((where, field, message),) = [(p.where, p.field, p.message) for p in check_graph(g)]
    assert (where, field, message) == ("node 'ore'", "world_suppliers", "not a mapping")
    g.nodes["ore"]["world_suppliers"] = {"CN": 0.9, "AU": 0.1}
    assert check_graph(g) == []
    rm.Chain(g, name="steel", perspective={"home": "DE"}).compile()
