"""Conditional criticality: rm.pairs, and what absorbs a cut (rm.explain, absorbers),
checked by hand on small chains; the pairs left out checked on random chains."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from helpers import chain_of, random_chain

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.scenario import Cut, Scenario
from riskmodel.scoring import absorbers
from riskmodel.scoring.sensitivity import cone


def litho(duv_covers: float = 1.0) -> rm.Chain:
    """EUV (NL) and DUV (JP) are alternatives for chips; no stock, no substitute."""
    return chain_of(
        {"euv": {"stage": "upstream", "suppliers": {"NL": 1.0}},
         "duv": {"stage": "upstream", "suppliers": {"JP": 1.0}},
         "chips": {"stage": "end_use", "value": 1.0}},
        [("euv", "chips", {"group": "litho", "covers": 1.0}),
         ("duv", "chips", {"group": "litho", "covers": duv_covers})])


def test_alternatives_each_absorbing_the_other():
    p = rm.pairs(litho(), top=2)
    # by hand: either alone leaves the other covering the whole need (loss 0); both
    # cut leave nothing, every month (no stock, no substitute): loss 1
    assert len(p) == 1
    r = p.iloc[0]
    assert {r["node"], r["partner"]} == {"euv", "duv"}
    assert (r["node_loss"], r["partner_loss"], r["joint_loss"]) == (0.0, 0.0, 1.0)
    assert r["excess"] == 1.0 and r["excess_over_max"] == 1.0
    assert {r["node_country"], r["partner_country"]} == {"NL", "JP"}
    assert p.attrs["pairs_run"] == 1


def test_partial_cover_hand_computed():
    # DUV covers 40% alone: cutting EUV costs 60%, DUV alone 0, both 100%
    p = rm.pairs(litho(0.4), top=1)
    r = p.iloc[0]
    assert r["node"] == "euv" and r["partner"] == "duv"
    assert r["node_loss"] == pytest.approx(0.6) and r["partner_loss"] == 0.0
    assert r["joint_loss"] == pytest.approx(1.0)
    assert r["excess"] == pytest.approx(0.4) and r["excess_over_max"] == pytest.approx(0.4)


def test_disjoint_cones_are_not_run_and_additive_pairs_are_dropped():
    chain = chain_of(
        {"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
         "b": {"stage": "upstream", "suppliers": {"KR": 1.0}},
         "c": {"stage": "upstream", "suppliers": {"US": 0.5, "CN": 0.5}},
         "x": {"stage": "end_use", "value": 1.0},
         "y": {"stage": "end_use", "value": 1.0}},
        [("a", "x", {}), ("c", "x", {}), ("b", "y", {})])
    p = rm.pairs(chain, top=3)
    # a-b and b-c reach disjoint end uses; a-c meet at x, where a's cut alone stops it
    # (loss 0.5) and c's costs half of it (0.25): together 0.5, less than the sum
    assert p.attrs["pairs_run"] == 1 and p.empty


@pytest.mark.parametrize(("seed", "baseline"), [(0, False), (1, False), (2, True),
                                                (3, False), (4, True)])
def test_pairs_left_out_have_no_excess(seed, baseline):
    chain = random_chain(seed, n=12, baseline=baseline, cyclic=seed == 3)
    s = rm.score(chain)
    country = {str(k): v for k, v in s["cut_country"].items() if isinstance(v, str)}
    cut = sorted(country)
    out = [(a, b) for a, b in itertools.combinations(cut, 2)
           if not (cone(chain, a) & cone(chain, b)).any()]
    if not out:
        pytest.skip("every pair meets")  # not on the seeds listed (n=12)
    h = 12

    def sc(*xs):
        return Scenario([Cut(country[x], (x,)) for x in xs], months=h)
    res = rm.simulate_many(chain, [sc(x) for x in cut] + [sc(a, b) for a, b in out],
                           months=h, bounds=False)["cumulative_loss"].to_numpy() / h
    one = dict(zip(cut, res[:len(cut)], strict=True))
    for (a, b), joint in zip(out, res[len(cut):], strict=True):
        assert joint == pytest.approx(one[a] + one[b], abs=1e-9)
    # and rm.pairs runs only the meeting ones
    p = rm.pairs(chain, top=len(cut), scores=s, per_node=100)
    assert not {frozenset(x) for x in out} & {frozenset(x) for x in zip(
        p["node"], p["partner"], strict=True)}


def test_errors():
    with pytest.raises(rm.ArgumentError, match="top must be"):
        rm.pairs(litho(), top=0)
    with pytest.raises(rm.NodeNotFoundError, match="did you mean 'euv'"):
        rm.pairs(litho(), among=["evu"])
    with pytest.raises(rm.ArgumentError, match="max_pairs must be a whole number"):
        rm.pairs(litho(), max_pairs=0)


# --- what absorbs a cut ------------------------------------------------------------

def test_explain_names_the_absorbing_group():
    text = rm.explain(litho(), "euv")
    assert "costs 0% of end-use value" in text
    assert ("What absorbs the cut: at chips, the alternatives group litho (duv, covering "
            "100%) keeps all of it.") in text
    # a table without its chain explains as before
    assert "What absorbs" not in rm.explain(rm.score(litho()), "euv")
    assert "What absorbs" in rm.explain(rm.score(litho()), "euv", chain=litho())


def test_explain_names_the_path_and_the_stock():
    chain = chain_of(
        {"paint": {"stage": "upstream", "suppliers": {"JP": 1.0}},
         "ore": {"stage": "upstream", "suppliers": {"AU": 0.5, "CN": 0.5},
                 "inventory_months": 100.0},
         "car": {"stage": "end_use", "value": 1.0}},
        [("paint", "car", {"essential": False, "share": 0.02}), ("ore", "car", {})])
    s = rm.score(chain)
    # by hand: losing all paint costs its 2% cost share; 100 months of ore last 200
    assert s.loc["paint", "choke_score"] == pytest.approx(0.02)
    assert s.loc["ore", "choke_score"] == 0.0
    paint = rm.explain(chain, "paint")
    assert ("What absorbs the cut: at car, paint is a non-essential input (2% of its "
            "cost), so only that share of its shortfall passes on.") in paint
    assert "What absorbs the cut: stocks: ore (100 months)." in rm.explain(chain, "ore")
    a = absorbers(chain, "paint", "JP")
    assert a[["kind", "at", "via", "share"]].to_numpy().tolist() == [
        ["path", "car", "paint", 0.02]]
    assert a.loc[0, "kept"] == pytest.approx(0.98)


def test_installed_base_is_named():
    chain = chain_of(
        {"tool": {"stage": "upstream", "suppliers": {"NL": 1.0},
                  "capital": {"service_life_months": 120.0}},
         "chips": {"stage": "end_use", "value": 1.0}}, [("tool", "chips", {})])
    a = absorbers(chain, "tool", "NL")
    assert a[["kind", "at", "months"]].to_numpy().tolist() == [
        ["installed base", "tool", 120.0]]


def test_cli_explain_on_semiconductors(capsys):
    """Unrestricted, DUV and foreign foundries absorb a Dutch EUV stop; with the
    restrictions in force, EUV never shipped, so the explanation names that restriction."""
    assert main(["score", "semiconductors", "--explain", "euv_lithography",
                 "--no-baseline"]) == 0
    out = capsys.readouterr().out
    assert "What absorbs the cut" in out and "the alternatives group" in out
    assert main(["score", "semiconductors", "--explain", "euv_lithography"]) == 0
    out = capsys.readouterr().out
    assert "The restrictions in force already withhold it (euv_never_shipped)" in out


def test_cli_pairs(tmp_path, capsys):
    path = tmp_path / "litho.yaml"
    rm.save(litho(), path)
    assert main(["score", str(path), "--pairs"]) == 0
    out = capsys.readouterr().out
    assert "conditional criticality (1 pairs of cuts run" in out
    assert main(["score", str(path), "--pairs", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pairs"][0]["excess"] == 1.0
    assert np.isclose(data["pairs"][0]["joint_loss"], 1.0)
