"""Calibration: Japan's July 2019 export controls on Korea, replayed on `korea_chip_materials`.

Observed (chains/README.md, "Calibration: Japan's 2019 controls on Korea"): no production loss.
Korea's top four chip and display makers reported "no significant damages in their production
lines" and none "failed to meet their production targets" (Yonhap, 24 November 2019); chip
production in Q3 2019 was 8.3% above a year before (KBS World, 23 October 2019). The replay is
the chain's history scenario `japan_2019_korea_controls` (month 0 = July 2019, six months, every
cut Japan's and to Korea only), read as its worst month of value-weighted end-use loss, against
"no loss" with a tolerance of 5 points. No number of the chain was changed to make these pass:
with its sourced stock of one month the model misses, and the tests record that it does.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import riskmodel as rm
from riskmodel.io import builtin_names
from riskmodel.provenance import provenance, summary

ROOT = Path(__file__).resolve().parents[1]
NAME = "korea_chip_materials"
SCENARIO = "japan_2019_korea_controls"
#: observed: no production loss reported in July-December 2019
OBSERVED_LOSS = 0.0
TOLERANCE = 0.05
#: the materials whose stock the sources give (one month, Yomiuri; three for Samsung's HF, Nikkei)
CONTROLLED = ("semiconductor_hf", "display_hf", "euv_photoresist", "fluorinated_polyimide")


@pytest.fixture(scope="module")
def chain() -> rm.Chain:
    return rm.load(NAME)


@pytest.fixture(scope="module")
def replay(chain: rm.Chain) -> rm.Result:
    return rm.simulate(chain, SCENARIO)


def _with_stock(tmp: Path, months: float) -> rm.Chain:
    """The chain with `months` of stock of the four controlled materials, nothing else changed."""
    doc = yaml.safe_load((ROOT / "chains" / f"{NAME}.yaml").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    for node in doc["nodes"]:
        if node["id"] in CONTROLLED:
            node["inventory_months"]["value"] = months
    path = tmp / f"stock_{months}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return rm.load(path)


def test_chain_is_builtin_valid_and_sourced(chain: rm.Chain) -> None:
    report = rm.validate(NAME, strict=True, require_sources=True)
    assert not report.errors and not report.warnings
    assert NAME in builtin_names()
    assert chain.home == "KR" and len(chain) == 15
    table = provenance(chain)
    assert (table["class"] != "unsourced").all(), table[table["class"] == "unsourced"]
    est = table[table["class"] == "estimate"]
    assert est["note"].notna().all() and est["low"].notna().all() and est["high"].notna().all()
    cited = table[table["class"] == "sourced"]
    assert cited["ref"].str.match(r"para\. \d+").all()
    assert all(chain.sources[s].get("url") for s in cited["source"])
    s, head = summary(chain), chain.header["provenance"]
    assert (head["values"], head["sourced"], head["estimated"]) == (s["values"], s["sourced"],
                                                                     s["estimated"])
    assert (s["values"], s["sourced"]) == (30, 0.3)


@pytest.mark.slow
def test_riskmodel_chains_lists_it() -> None:
    listed = rm.builtin_chains()  # what `riskmodel chains` prints
    assert listed.loc[NAME, ["nodes", "edges", "perspective"]].tolist() == [15, 15, "home KR"]


def test_the_cuts_follow_the_licence_timeline(replay: rm.Result) -> None:
    """Japan's HF to Korea: 529 t in July against about 3,000 t a month before (0.82 withheld),
    zero in August, no liquid HF until November, then half; EUV resist stopped in July, half
    until bulk licences from January 2020; FPI stopped in July and August. Without stocks and
    substitution (the immediate bound) the output loses 0.71 of its value in July and 0.86
    from August to October."""
    assert replay.bounds["immediate_loss"].round(3).tolist() == [0.706, 0.856, 0.856, 0.856,
                                                                 0.429, 0.429]


def test_the_replay_with_one_month_of_stock_misses(replay: rm.Result) -> None:
    """With the sourced month of stock (Yomiuri), the purest HF runs out in August: the model
    loses 44% of Korea's chip and display output in August and 54% in September, against no
    loss observed. It misses."""
    loss = replay.end_use_loss
    assert loss.round(3).tolist() == [0.0, 0.441, 0.542, 0.407, 0.204, 0.204]
    assert loss.max() - OBSERVED_LOSS > TOLERANCE  # the miss chains/README.md reports
    hf = replay.availability.loc["semiconductor_hf"]
    assert hf.round(3).tolist() == [1.0, 0.512, 0.4, 0.55, 0.775, 0.775]


def test_the_check_fails_without_stocks_or_substitution(replay: rm.Result) -> None:
    """The tolerance can fail: with no stock and no substitution every month but July loses
    0.43 to 0.86, far outside it."""
    assert (replay.bounds["immediate_loss"] - OBSERVED_LOSS > TOLERANCE).all()


def test_samsungs_three_month_stock_meets_the_observation(tmp_path: Path) -> None:
    """With the high end of the stock range (Samsung's "roughly three-month supply" of HF,
    Nikkei), the model loses nothing in July-December 2019, within the tolerance. The stock
    is spent in January 2020; with half of Japan's flow still withheld, the model then loses
    0.19-0.20 a month, which 2020 did not see (Korea's chip exports rose 5.6%)."""
    three = _with_stock(tmp_path, 3)
    r = rm.simulate(three, SCENARIO)
    assert r.end_use_loss.max() - OBSERVED_LOSS <= TOLERANCE
    later = rm.simulate(three, SCENARIO, months=12).end_use_loss
    assert later.round(3).tolist() == [0.0] * 6 + [0.192] + [0.203] * 5
    two = rm.simulate(_with_stock(tmp_path, 2), SCENARIO).end_use_loss
    assert round(float(two.max()), 3) == 0.407  # two months are not enough


@pytest.mark.slow
def test_few_draws_of_the_ranges_meet_the_observation(chain: rm.Chain) -> None:
    """Over the ranges of every number (1,000 draws), the worst month's loss has P5 0.11 and
    P50 0.46; 3.6% of draws stay within the tolerance."""
    mc = rm.monte_carlo(chain, SCENARIO, draws=1000, seed=0)
    q = mc.percentiles["peak_loss"]
    assert (round(q["P5"], 2), round(q["P50"], 2)) == (0.11, 0.46)
    assert round(float((mc.draws["peak_loss"] <= OBSERVED_LOSS + TOLERANCE).mean()), 3) == 0.036


@pytest.mark.slow
def test_the_uncontrolled_resists_lead_the_choke_points(chain: rm.Chain) -> None:
    """README: scored as a chain, ArF/KrF resist (not controlled in 2019) ranks first, the
    purest HF second; the other three controlled items cost under 1%."""
    s = rm.score(chain, top=0)
    assert list(s.index[:5]) == ["arf_krf_photoresist", "semiconductor_hf", "euv_photoresist",
                                 "display_hf", "fluorinated_polyimide"]
    assert s["choke_score"].iloc[:5].round(4).tolist() == [0.4997, 0.4026, 0.0087, 0.0035,
                                                           0.0003]


def test_readme_reports_the_korea_calibration() -> None:
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    head = text.index("## Calibration: Japan's 2019 controls on Korea")
    section = text[head:text.index("\n## ", head + 1)]
    for figure in ("0.82", "44%", "54%", "0.86", "misses", "three-month", "3.6%",
                   "tests/test_calibration_korea.py", "P5 0.11", "choke score\n0.50", "(0.40)",
                   "(0.009)", "(0.004)", "(0.0003)"):
        assert figure in section, figure
    assert f"`{NAME}.yaml`" in text[:text.index("## Conventions")]
    s = summary(rm.load(NAME))
    row = next(line for line in text.splitlines() if line.startswith(f"| {NAME} | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[1]) == s["values"], row
    assert float(cells[2].split()[0]) == pytest.approx(s["sourced"], abs=0.001), row
    assert float(cells[3].split()[0]) == pytest.approx(s["estimated"], abs=0.001), row
    top = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"| `{NAME}` |" in top
