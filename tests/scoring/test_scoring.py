"""Choke-point scoring: hand-built chains with known answers, properties, explanations."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from helpers import chain_of, random_chain
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel.synthetic import synthetic_chain


def test_central_node_is_not_the_choke_point() -> None:
    # `hub` feeds everything but has three interchangeable foreign suppliers;
    # `dye`, a low-centrality input of one product, comes only from JP.
    nodes = {
        "ore": {"stage": "upstream", "suppliers": {"AU": 1.0}, "substitutability": 1.0},
        "hub": {"stage": "midstream", "suppliers": {"US": 0.34, "DE": 0.33, "KR": 0.33},
                "substitutability": 0.9, "lead_time_months": 1},
        "dye": {"stage": "upstream", "suppliers": {"JP": 1.0}},
        "cloth": {"stage": "downstream"},
        "a": {"stage": "end_use", "value": 1.0}, "b": {"stage": "end_use", "value": 1.0},
        "c": {"stage": "end_use", "value": 1.0},
    }
    edges = [("ore", "hub", {}), ("hub", "a", {}), ("hub", "b", {}), ("hub", "cloth", {}),
             ("dye", "cloth", {}), ("cloth", "c", {})]
    s = rm.score(chain_of(nodes, edges))
    assert s["betweenness"].idxmax() == "hub"      # the most central node ...
    assert s.index[0] == "dye"                     # ... is not the choke point
    assert s.loc["dye", "choke_score"] == pytest.approx(1 / 3)   # product c stops
    assert s.loc["hub", "choke_immediate"] == pytest.approx(0.34)
    # 90% substituted after a month: 0.34 in month 0, then 0.034 for 23 months
    assert s.loc["hub", "choke_score"] == pytest.approx((0.34 + 23 * 0.034) / 24)
    assert s.loc["hub", "choke_month"] == pytest.approx(0.034)
    # losing the hub entirely would stop everything: structurally critical, yet not a
    # choke point, because no one country can take its supply away
    assert s.loc["hub", "spof"] == ["a", "b", "c"] and s.loc["hub", "knockout_loss"] == 1.0
    assert s.loc["dye", "spof"] == ["c"]
    assert s.loc["hub", "countries_to_75"] == 3 and s.loc["dye", "countries_to_75"] == 1
    assert bool(s.loc["dye", "hhi_flag"]) and not bool(s.loc["hub", "hhi_flag"])


def test_alternatives_group_removes_a_would_be_choke_point() -> None:
    nodes = {
        "euv": {"stage": "upstream", "suppliers": {"NL": 1.0}},
        "duv": {"stage": "upstream", "suppliers": {"JP": 1.0}},
        "chips": {"stage": "end_use", "value": 1.0},
    }
    alone = chain_of(nodes, [("euv", "chips", {})])
    assert rm.score(alone).loc["euv", "choke_score"] == pytest.approx(1.0)
    alts = chain_of(nodes, [("euv", "chips", {"group": "litho"}),
                            ("duv", "chips", {"group": "litho"})])
    s = rm.score(alts)
    assert s.loc["euv", "choke_score"] == pytest.approx(0.0)
    assert s.loc["euv", "spof"] == []
    # partial cover: DUV covers 40% of the need alone
    partial = chain_of(nodes, [("euv", "chips", {"group": "litho"}),
                               ("duv", "chips", {"group": "litho", "covers": 0.4})])
    assert rm.score(partial).loc["euv", "choke_score"] == pytest.approx(0.6)


def test_known_minimum_cut_set_of_size_two() -> None:
    nodes = {
        "a": {"stage": "upstream", "suppliers": {"US": 0.5, "JP": 0.5}},
        "b": {"stage": "upstream", "suppliers": {"NL": 0.7, "KR": 0.3}},
        "p": {"stage": "end_use", "value": 1.0},
        "q": {"stage": "end_use", "value": 1.0},
    }
    ch = chain_of(nodes, [("a", "p", {}), ("b", "q", {})])
    cs = rm.cutsets(ch, target="p", max_size=3)
    assert [tuple(x) for x in cs["countries"]] == [("JP", "US")]
    # 4 singles, 6 pairs, and of the 4 triples only the 2 without {JP, US}
    assert cs["size"].tolist() == [2] and cs.attrs["evaluated"] == 4 + 6 + 2
    # supersets of {JP, US} are pruned; all end use needs both products cut
    all_use = rm.cutsets(ch, max_size=4)
    assert [tuple(x) for x in all_use["countries"]] == [("JP", "KR", "NL", "US")]
    assert rm.coalition(ch, ["US", "JP"], target="p") == pytest.approx(0.0)
    assert rm.coalition(ch, ["US"]) == pytest.approx(0.75)
    with pytest.raises(KeyError, match="did you mean 'p'"):
        rm.cutsets(ch, target="pp")


def test_decomposition_adds_up_and_explains() -> None:
    s = rm.score(rm.load("bicycle"))
    lhs = s["choke_score"]
    rhs = s["choke_immediate"] - s["relief_substitution"] - s["relief_stock"]
    assert np.allclose(lhs, rhs)
    assert np.allclose(s["choke_immediate"], s["exposure"] * s["transmission"])
    assert (s["choke_score"] <= s["choke_immediate"] + 1e-12).all()
    assert (s["relief_substitution"] >= 0).all() and (s["relief_stock"] >= 0).all()
    text = rm.explain(s, "drivetrain")
    assert text.startswith("drivetrain ranks 1st of 13: a full stop by JP to all "
                           "destinations costs 49% of end-use value on average over 24 "
                           "months (felt from month 4; 56% in month 24).")
    assert ("70% of its supply comes from JP (HHI 0.53: flagged as concentrated, above "
            "riskmodel's threshold of 0.4)") in text
    assert "substitution (up to 20% of the lost supply, ramping over 18 months) gives back 8%"\
        in text
    assert "2 end-use products cannot be made at all without it (bicycles, e_bikes)" in text
    with pytest.raises(KeyError, match="did you mean 'drivetrain'"):
        rm.explain(s, "drivetrian")


def test_stock_relief_is_reported() -> None:
    nodes = {"gears": {"stage": "upstream", "suppliers": {"JP": 1.0}, "inventory_months": 4},
             "robots": {"stage": "end_use", "value": 1.0}}
    ch = chain_of(nodes, [("gears", "robots", {})])
    s = rm.score(ch, horizon=3, month=2)
    assert s.loc["gears", "choke_score"] == pytest.approx(0.0)
    assert s.loc["gears", "relief_stock"] == pytest.approx(1.0)
    assert np.isnan(s.loc["gears", "time_to_impact"])
    assert "stocks along the chain give back 100%" in rm.explain(s, "gears")
    # the four months' stock runs out in month 4: one month of five lost
    five = rm.score(ch, horizon=5).loc["gears"]
    assert five["choke_score"] == pytest.approx(1 / 5)
    assert five["time_to_impact"] == 4 and five["choke_month"] == pytest.approx(1.0)


def test_leverage_and_carriers() -> None:
    lev = rm.leverage(rm.load("bicycle"))
    assert lev.index[0] == "JP"
    assert lev.loc["JP", "carriers"][0] == "drivetrain"
    assert (lev["leverage"] <= lev["immediate"] + 1e-12).all()
    assert lev.loc["NO", "leverage"] == pytest.approx(0.0)  # aluminium has steel beside it


def test_policy_alignment_excludes_missing_figures() -> None:
    nodes = {
        "x": {"stage": "upstream", "suppliers": {"JP": 1.0}, "subsidy_intensity": 0.01,
              "rd_intensity": 0.02},
        "y": {"stage": "upstream", "suppliers": {"US": 0.5, "CN": 0.5},
              "subsidy_intensity": 0.05, "rd_intensity": 0.08},
        "z": {"stage": "midstream", "suppliers": {"CN": 1.0}, "subsidy_intensity": 0.10,
              "rd_intensity": 0.10},
        "w": {"stage": "midstream", "suppliers": {"KR": 0.2, "CN": 0.8}},
        "e": {"stage": "end_use", "value": 1.0},
    }
    ch = chain_of(nodes, [("x", "z", {}), ("y", "z", {}), ("z", "e", {}), ("w", "e", {})])
    pa = rm.policy_alignment(ch)
    assert pa.by_stage.loc["midstream", "subsidy_intensity"] == pytest.approx(0.10)
    assert pa.by_stage.loc["midstream", "subsidy_intensity_n"] == 1
    assert pa.excluded["subsidy_intensity"] == 2  # w and e: excluded, not zero
    assert pa.correlation.loc["subsidy_intensity", "nodes"] == 3
    assert pa.correlation.loc["subsidy_intensity", "spearman"] == pytest.approx(-1.0)
    assert pa.nodes.index[0] == "x"  # the least supported relative to its choke score
    assert "Nodes without figures (excluded, not zero)" in str(pa)


def test_uncertainty_reports_intervals_and_robustness() -> None:
    u = rm.score_uncertainty(rm.load("bicycle"), draws=60, seed=2, top=2)
    assert (u["p5"] <= u["p50"]).all() and (u["p50"] <= u["p95"]).all()
    assert u.loc["drivetrain", "p_top"] > 0.9
    assert "robust" in u.attrs["note"]
    again = rm.score_uncertainty(rm.load("bicycle"), draws=60, seed=2, top=2)
    assert u.equals(again)
    # nodes that score 0 in every draw tie, and a tie at 0 is never "in the top"
    zero = u[u["p95"] == 0]
    assert len(zero) > 2 and (zero["p_top"] == 0).all()
    assert zero["rank_p5"].nunique() == 1


def test_pruned_scoring_is_exact_for_the_top() -> None:
    chain = random_chain(11, n=13)
    full = rm.score(chain)
    pruned = rm.score(chain, exact_limit=5, top=3)
    top = full.index[:3]
    assert list(pruned.index[:3]) == list(top)
    assert np.allclose(pruned.loc[top, "choke_score"], full.loc[top, "choke_score"])
    assert pruned["choke_exact"].sum() >= 3
    # every unscored node's bound is below the third-best exact score
    third = pruned.loc[top[-1], "choke_score"]
    # every node left unscored has a bound below the third-best exact score
    rest = pruned.loc[~pruned["choke_exact"]]
    assert (rest["choke_immediate"].dropna() <= third + 1e-12).all()
    assert (full.loc[rest.index, "choke_score"] <= third + 1e-12).all()
    # on large chains the knockout indicators and long-run bound cover the exact nodes only
    exact = pruned["choke_exact"]
    assert pruned.loc[exact, "knockout_loss"].notna().all()
    assert pruned.loc[~exact, ["knockout_loss", "choke_long_run"]].isna().all().all()
    assert np.allclose(pruned.loc[top, "knockout_loss"], full.loc[top, "knockout_loss"])
    assert "knockout indicators" in pruned.attrs["exact"]


# -- properties ------------------------------------------------------------------

def _case(seed: int, to: str = "all"
          ) -> tuple[rm.Chain, str, pd.DataFrame, dict[str, float]] | None:
    """A random chain, one of its nodes with a foreign supplier to cut, the chain's
    scores (cuts withholding from ``to``) and that node's suppliers (None if no node
    has one)."""
    chain = random_chain(seed, home="CN")
    before = rm.score(chain, to=to)
    nodes = [i for i in before.index if isinstance(before.loc[i, "cut_country"], str)]
    if not nodes:
        return None
    node = nodes[seed % len(nodes)]
    return chain, node, before, dict(chain.graph.nodes[node]["suppliers"])


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 5000), delta=st.floats(0.01, 0.3))
def test_raising_top_share_never_lowers_its_score(seed: int, delta: float) -> None:
    case = _case(seed)
    assume(case is not None)  # a chain whose nodes are all supplied from home
    chain, node, before, sup = case
    top = before.loc[node, "cut_country"]
    others = [c for c in sup if c not in (top, "other")]
    room = max(0.0, 1.0 - sum(sup.values()))
    take = min(delta, room + sum(sup[c] for c in others))
    new = dict(sup)
    new[top] = sup[top] + take
    rest = take - min(take, room)
    for c in others:  # take what the remainder cannot give from the other suppliers
        cut = min(rest, new[c])
        new[c] -= cut
        rest -= cut
    edited = chain.copy()
    edited.graph.nodes[node]["suppliers"] = new
    after = rm.score(edited)
    assert after.loc[node, "cut_country"] == top
    assert after.loc[node, "choke_score"] >= before.loc[node, "choke_score"] - 1e-12


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 5000), frac=st.floats(0.05, 0.9))
def test_adding_an_alternative_supplier_never_raises_a_score(seed: int, frac: float) -> None:
    # read with stops to the home: a stop to all spares the cutting country's own
    # producers, so moving a share of a node from a country to a newcomer can raise the
    # score of a node that country cuts (fewer of the node's producers spared), and a
    # node's own score where its dominant key changes to one whose producers lie
    # elsewhere; a stop to the home hits the home alone, by the share withheld
    case = _case(seed, to="home")
    assume(case is not None)  # a chain whose nodes are all supplied from home
    chain, node, before, sup = case
    top = before.loc[node, "cut_country"]
    moved = sup[top] * frac
    sup[top] -= moved
    sup["BR"] = moved  # a new supplier country takes part of the top supplier's share
    edited = chain.copy()
    edited.graph.nodes[node]["suppliers"] = sup
    after = rm.score(edited, to="home")
    assert (after["choke_score"].reindex(before.index) <= before["choke_score"] + 1e-12).all()


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 5000), perm=st.integers(0, 5000))
def test_scores_do_not_depend_on_node_order(seed: int, perm: int) -> None:
    chain = random_chain(seed, cyclic=bool(seed % 2))
    g = chain.graph
    rng = np.random.default_rng(perm)
    nodes, edges = list(g.nodes(data=True)), list(g.edges(data=True))
    h = nx.DiGraph()
    h.add_nodes_from([nodes[i] for i in rng.permutation(len(nodes))])
    h.add_edges_from([edges[i] for i in rng.permutation(len(edges))])
    a = rm.score(chain)
    b = rm.score(rm.Chain(h, name="s", perspective=chain.perspective))
    cols = ["choke_score", "choke_immediate", "knockout_loss", "downstream_reach", "hhi"]
    assert np.allclose(a[cols].sort_index().to_numpy(dtype=float),
                       b[cols].sort_index().to_numpy(dtype=float), equal_nan=True)
    assert list(a.index) == list(b.index)  # ties broken by id, not by input order


@pytest.mark.parametrize("case", ["synthetic", "cyclic"])
def test_pruning_bounds_keep_the_exact_top(case: str) -> None:
    """The reach bound and the immediate bound never drop a node of the true top."""
    if case == "synthetic":
        chains = [synthetic_chain(400, seed=s) for s in (1, 2)]
    else:
        chains = [random_chain(s, cyclic=True, n=12) for s in range(6)]
    for chain in chains:
        full = rm.score(chain)
        pruned = rm.score(chain, exact_limit=0, top=5)
        assert pruned["choke_exact"].sum() < len(full) or case == "cyclic"
        k = min(5, int((full["choke_score"] > 0).sum()))
        assert list(pruned.index[:k]) == list(full.index[:k])
        assert np.allclose(pruned["choke_score"].iloc[:k], full["choke_score"].iloc[:k])


@pytest.mark.parametrize("cyclic", [False, True])
def test_cone_kernel_scores_like_the_block_kernels(cyclic: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Scores (choke scores, bounds, knockouts, reach, single points of failure) from
    the cone kernel equal those of the numpy backend."""
    from riskmodel.engine import settings as engine_settings

    stops = 0
    for seed in range(12):
        chain = random_chain(seed, cyclic=cyclic, home="CN" if seed % 2 else None)
        monkeypatch.setattr(engine_settings, "BACKEND", "numpy")
        dense = rm.score(chain)
        monkeypatch.setattr(engine_settings, "BACKEND", "cone")
        cone = rm.score(chain).loc[dense.index]
        num = dense.select_dtypes("number").columns
        assert np.allclose(cone[num].to_numpy(dtype=float), dense[num].to_numpy(dtype=float),
                           atol=1e-9, equal_nan=True)
        assert list(cone["spof"]) == list(dense["spof"])
        stops += int(dense["spof_count"].sum())
    assert stops > 0  # the chains do have single points of failure


@pytest.mark.parametrize("cyclic", [False, True])
def test_compiled_betweenness_matches_networkx(cyclic: bool) -> None:
    """Exact betweenness equals networkx's; the sampled estimate is networkx's estimator
    (Σ over sampled sources, scaled as ``betweenness_centrality(k=...)`` scales it)."""
    from riskmodel import engine
    from riskmodel.engine.centrality import betweenness

    for seed in range(6):
        c = random_chain(seed, cyclic=cyclic, n=40).compiled
        plan = engine.plan_for(c)
        g = nx.DiGraph()
        g.add_nodes_from(range(c.n))
        g.add_edges_from(zip(c.in_src.tolist(), c.in_dst.tolist(), strict=True))
        ref = nx.betweenness_centrality(g)
        exact = betweenness(plan.optr, plan.o_dst, c.in_ptr, c.in_src, None)
        assert np.allclose(exact, [ref[i] for i in range(c.n)], atol=1e-12)
        k = 9
        est = betweenness(plan.optr, plan.o_dst, c.in_ptr, c.in_src, k, seed=seed)
        sources = np.random.default_rng(seed).choice(c.n, size=k, replace=False)
        raw = nx.betweenness_centrality_subset(g, sources.tolist(), list(g), normalized=False)
        scale = np.where(np.isin(np.arange(c.n), sources), 1 / ((k - 1) * (c.n - 2)),
                         1 / (k * (c.n - 2)))
        assert np.allclose(est, [raw[i] * scale[i] for i in range(c.n)], atol=1e-12)
        assert exact.max() > 0
