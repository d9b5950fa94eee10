"""The choke score, knockouts and score uncertainty on top of restrictions in force
(docs/model.md §1.5, §2.2–2.4, §2.7): hand-computed tiny chains, the pruned search with
a baseline, and every path against simulate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import chain_of, random_baseline, random_chain

import riskmodel as rm

#: two end uses of equal value: ``chips`` needs EUV or DUV lithography (either covers
#: all of it); ``tools`` needs DUV alone
LITHO = {
    "euv": {"stage": "upstream", "suppliers": {"NL": 0.8, "US": 0.2},
            "substitutability": 0.5, "lead_time_months": 6},
    "duv": {"stage": "upstream", "suppliers": {"JP": 1.0}},
    "chips": {"stage": "end_use", "value": 1.0},
    "tools": {"stage": "end_use", "value": 1.0},
}
LITHO_EDGES = [("euv", "chips", {"group": "litho"}), ("duv", "chips", {"group": "litho"}),
               ("duv", "tools", {})]


def test_an_alternative_cut_by_the_baseline_makes_the_other_critical() -> None:
    ch = chain_of(LITHO, LITHO_EDGES)
    free = rm.score(ch)
    # DUV covers chips: cutting EUV costs nothing, and losing it stops nothing
    assert free.loc["euv", ["choke_score", "choke_immediate", "knockout_loss"]].tolist() == [
        0.0, 0.0, 0.0]
    assert free.loc["euv", "spof"] == [] and free.attrs["realised_loss"] == 0.0
    held = rm.score(ch, baseline=[rm.Cut("JP")])
    # Japan's DUV is withheld: tools stop (realised 0.5); chips rest on EUV alone
    assert held.attrs["realised_loss"] == pytest.approx(0.5)
    assert held.attrs["baseline"] == [{"country": "JP"}]
    euv = held.loc["euv"]
    # the Dutch cut leaves 0.2 of EUV at once (chips lose 0.8 of weight 0.5) and
    # 1 − 0.8·(1 − 0.5) = 0.6 once substitution has ramped (6 < 24 months): month t
    # loses 0.4·(1 − t/12) for t < 6 (1.9 in all), then 0.2 for 18 months (3.6)
    assert euv["choke_immediate"] == pytest.approx(0.4)
    assert euv["choke_long_run"] == pytest.approx(0.2)
    assert euv["choke_score"] == pytest.approx(5.5 / 24)
    assert euv["choke_month"] == pytest.approx(0.2) and euv["time_to_impact"] == 0
    assert euv["relief_substitution"] == pytest.approx(0.4 - 5.5 / 24)
    assert euv["relief_stock"] == pytest.approx(0.0)
    assert euv["rank"] == 1 and euv["transmission"] == pytest.approx(0.5)
    # losing EUV now stops chips: a single point of failure on top of the baseline
    assert euv["knockout_loss"] == pytest.approx(0.5) and euv["spof"] == ["chips"]
    assert euv["downstream_reach"] == pytest.approx(0.5)


def test_a_node_the_baseline_already_cuts_adds_nothing() -> None:
    held = rm.score(chain_of(LITHO, LITHO_EDGES), baseline=[rm.Cut("JP")])
    duv = held.loc["duv"]
    assert duv["cut_country"] == "JP" and duv["exposure"] == 1.0
    # nothing more to cut: every figure marginal 0, the loss is in the realised loss
    assert duv[["choke_score", "choke_immediate", "choke_long_run", "knockout_loss",
                "downstream_reach"]].tolist() == [0.0] * 5
    assert duv["spof"] == []  # tools stopped already
    assert held.attrs["realised_loss"] == pytest.approx(0.5)


#: ``fab`` feeds ``m1`` and ``m2``, each enough alone for ``chips`` and for ``phones``;
#: the coatings ``c0`` to ``c3`` are needed by both products too
SHARED = {"fab": {"stage": "upstream", "suppliers": {"JP": 0.48, "NL": 0.52}},
          "m1": {"stage": "midstream"}, "m2": {"stage": "midstream"},
          "chips": {"stage": "end_use", "value": 1.0},
          "phones": {"stage": "end_use", "value": 1.0}}
SHARED_EDGES = [("fab", "m1", {}), ("fab", "m2", {})] + [
    (m, end, {"group": f"of_{end}"}) for m in ("m1", "m2") for end in ("chips", "phones")]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pruned search in batches of ``4 × top`` nodes, so that it prunes tiny chains."""
    monkeypatch.setattr("riskmodel.scoring.choke.PRUNE_BATCH", 1)


@pytest.mark.usefixtures("small_batches")
def test_pruning_keeps_a_node_the_baseline_makes_critical() -> None:
    coats = {f"c{i}": {"stage": "upstream", "suppliers": {"KR": 0.6, "US": 0.4}}
             for i in range(4)}
    ch = chain_of({**coats, **SHARED}, [(c, end, {}) for c in coats
                                        for end in ("chips", "phones")] + SHARED_EDGES)
    base = [rm.Cut("JP", nodes=("fab",))]
    # unrestricted, the Dutch cut leaves 0.48 of fab: m1 + m2 = 0.96 of each product
    # (loss 0.04); a coating cut leaves 0.4 of both products (0.6)
    free = rm.score(ch)
    assert free.loc["fab", "choke_score"] == pytest.approx(0.04)
    assert free.loc["c0", "choke_score"] == pytest.approx(0.6)
    # with Japan's share withheld, m1 = m2 = 0.52 still cover both products (realised
    # 0); the Dutch cut then takes all of fab and stops both: 1.0, though the
    # unrestricted bound exposure × reach allows only 0.52 × 1
    exact = rm.score(ch, baseline=base)
    assert exact.attrs["realised_loss"] == 0.0
    assert exact.loc["fab", "choke_score"] == pytest.approx(1.0)
    assert exact.loc["fab", "spof"] == ["chips", "phones"]
    assert exact.loc["c0", "choke_score"] == pytest.approx(0.6)
    # searching for the top 1 in batches of 4: the coatings come first (listed first,
    # equal bounds), and the search must go on to fab
    pruned = rm.score(ch, exact_limit=3, top=1, baseline=base)
    assert pruned.index[0] == "fab" and bool(pruned.loc["fab", "choke_exact"])
    assert pruned.loc["fab", "choke_score"] == pytest.approx(1.0)
    assert pruned.loc["fab", "spof"] == ["chips", "phones"]
    assert "against the availability the restrictions in force leave" in (
        pruned.attrs["exact"])
    # unrestricted, the pruned search stops after the coatings, rightly
    free_pruned = rm.score(ch, exact_limit=3, top=1)
    assert free_pruned.index[0] == "c0" and not bool(free_pruned.loc["fab", "choke_exact"])


def test_no_baseline_is_the_unrestricted_table() -> None:
    bike = rm.load("bicycle")
    today = rm.score(bike)
    held_bike = bike.copy()
    held_bike.baseline = [rm.Restriction(rm.Cut("JP", nodes=("drivetrain",)), "jp",
                                         since="2024")]
    for other in (rm.score(bike, baseline=False), rm.score(bike, baseline=[]),
                  rm.score(held_bike, baseline=False)):
        pd.testing.assert_frame_equal(other, today)
        assert other.attrs["realised_loss"] == 0.0 and other.attrs["baseline"] == []
    own = rm.score(held_bike)  # the chain's own restrictions
    assert own.attrs["realised_loss"] == pytest.approx(0.56)
    assert own.attrs["baseline"] == [{"id": "jp", "since": "2024", "country": "JP",
                                      "nodes": ["drivetrain"]}]
    assert own.loc["drivetrain", "choke_score"] == 0.0


def _simulated(ch: rm.Chain, s: pd.DataFrame, base: list, horizon: int) -> dict:
    """Each cut node's choke cut (a stop to all) simulated on top of ``base``: its
    marginal loss averaged over ``horizon`` months (cumulative loss ÷ horizon), and in
    month ``horizon``."""
    out = {}
    for node, country in s["cut_country"].dropna().items():
        res = rm.simulate(ch, [rm.Cut(country, nodes=(node,), to="all")],
                          months=horizon + 1, baseline=base)
        loss = res.end_use_loss.to_numpy()
        out[node] = (float(loss[:horizon].mean()), float(loss[horizon]))
    return out


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("seed", range(8))
def test_random_chains_pruned_equals_exact_equals_simulate(seed: int) -> None:
    ch = random_chain(seed, n=10, cyclic=seed % 3 == 2)
    base = random_baseline(ch, seed)
    exact = rm.score(ch, horizon=4, baseline=base)
    pruned = rm.score(ch, horizon=4, baseline=base, exact_limit=1, top=1)
    done = pruned.index[pruned["choke_exact"].astype(bool) & pruned["cut_country"].notna()]
    cols = ["choke_score", "choke_immediate", "choke_long_run", "knockout_loss"]
    np.testing.assert_allclose(pruned.loc[done, cols].to_numpy(float),
                               exact.loc[done, cols].to_numpy(float), atol=1e-9)
    # every node that could rank first was scored (in batches of 4, some are not)
    best = exact["choke_score"].max()
    assert set(exact.index[exact["choke_score"] > best - 1e-9]) & set(done)
    assert pruned["choke_score"].max() == pytest.approx(best, abs=1e-9)
    sim = _simulated(ch, exact, base, 4)
    for node, (average, last) in sim.items():
        assert exact.loc[node, "choke_score"] == pytest.approx(average, abs=1e-9), node
        assert exact.loc[node, "choke_month"] == pytest.approx(last, abs=1e-9), node


def test_score_uncertainty_and_explain_on_top_of_the_baseline() -> None:
    ch = chain_of(LITHO, LITHO_EDGES)
    held = rm.score(ch, baseline=[rm.Cut("JP")])
    u = rm.score_uncertainty(ch, draws=3, seed=0, top=1, baseline=[rm.Cut("JP")])
    # nothing is ranged: every draw is the central marginal score
    assert u.loc["euv", ["p5", "p95"]].tolist() == pytest.approx([5.5 / 24, 5.5 / 24])
    assert u.loc["duv", "p95"] == 0.0 and u.attrs["realised_loss"] == pytest.approx(0.5)
    free = rm.score_uncertainty(ch, draws=3, seed=0, top=1)
    assert free.loc["euv", "p95"] == 0.0
    # drawn shares: each draw's marginal against its own realised loss, so a cut in
    # force adds nothing in any draw
    bike = rm.score_uncertainty(rm.load("bicycle"), draws=4, seed=1, top=3,
                                baseline=[rm.Cut("JP", nodes=("drivetrain",))])
    assert bike.loc["drivetrain", "p95"] == 0.0 and bike.loc["steel", "p95"] > 0.0
    text = rm.explain(held, "euv")
    assert text.startswith("euv ranks 1st of 4: a full stop by NL to all destinations costs "
                           "23% of end-use value on average over 24 months (felt from "
                           "month 0; 20% in month 24)")
    assert text.endswith("With 1 restriction in force (realised loss 50%), every figure is "
                         "marginal: what this cut adds on top of it.")
    assert rm.explain(ch, "euv", baseline=[rm.Cut("JP")]) == text
    assert "restriction" not in rm.explain(ch, "euv")


def test_cli_scores_on_top_of_the_chains_baseline(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    bike = rm.load("bicycle")
    bike.baseline = [rm.Restriction(rm.Cut("JP", nodes=("drivetrain",)), "jp", since="2024")]
    path = tmp_path / "bike.yaml"
    bike.save(path)
    assert main(["score", str(path), "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("restrictions in force (1): realised loss 56.0%; the scores below "
                        "are what each further cut adds")
    assert lines[3].split()[:4] == ["steel", "1", "upstream", "0.022"]
    assert main(["score", str(path), "--top", "1", "--no-baseline"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "restrictions in force" not in lines[1]
    assert lines[2].split()[:4] == ["drivetrain", "1", "midstream", "0.4904"]
    assert main(["score", str(path), "--top", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["realised_loss"] == pytest.approx(0.56)
    assert data["settings"]["baseline"][0]["country"] == "JP"
    assert main(["score", str(path), "--top", "1", "--format", "csv"]) == 0
    head, row = capsys.readouterr().out.splitlines()
    assert head.endswith(",realised_loss")
    assert float(row.split(",")[-1]) == pytest.approx(0.56)
    assert main(["score", str(path), "--explain", "steel"]) == 0
    assert "With 1 restriction in force (realised loss 56%)" in capsys.readouterr().out
