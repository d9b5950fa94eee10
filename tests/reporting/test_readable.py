"""A report a reader can follow: glossary, caveats, end uses apart from the ranking,
sources by title/year/link, the section "Sensitivity", and the cited HHI threshold."""

from __future__ import annotations

import json
import re

import networkx as nx
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel._errors import ArgumentError
from riskmodel.reporting import collect
from riskmodel.reporting.caveats import rho_caveat, smile_caveat, tied
from riskmodel.reporting.enduses import choke_points_only, end_use_table
from riskmodel.reporting.glossary import TERMS, country_codes, report_text, terms_used
from riskmodel.scoring import HHI_THRESHOLD
from riskmodel.sources.references import REFERENCES, cite


def _ore_chain(**ore) -> rm.Chain:
    """Ore from JP and CN (home CN) into one end use, ``widget``, bought from the US."""
    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"JP": 0.5, "CN": 0.5}, **ore)
    g.add_node("widget", stage="end_use", value=1.0, suppliers={"US": 1.0})
    g.add_edge("ore", "widget")
    return rm.Chain(g, name="ore", perspective={"home": "CN"})


def _section(data, sid):
    return next(s for s in data.sections if s.id == sid)


def _frame(data, sid, name):
    return next(t for t in _section(data, sid).tables if t.name == name).frame


# ---------------------------------------------------------------------------
# end uses: their own table, not ranked as choke points
# ---------------------------------------------------------------------------

def test_end_uses_leave_the_ranking_which_is_ranked_again():
    chain = _ore_chain()
    scores = rm.score(chain)
    # by hand: a US stop of the imported widget costs all end-use value; a JP stop of
    # half the ore (no stock, no substitute) costs half of it, every month
    assert scores.loc["widget", "choke_score"] == pytest.approx(1.0)
    assert scores.loc["ore", "choke_score"] == pytest.approx(0.5)
    assert scores.loc["ore", "rank"] == 2
    ranked = choke_points_only(chain, scores)
    assert list(ranked.index) == ["ore"] and ranked.loc["ore", "rank"] == 1
    ends = end_use_table(chain, scores)
    assert list(ends.index) == ["widget"]
    assert ends.loc["widget", "value_share"] == pytest.approx(1.0)
    assert ends.loc["widget", "cut_country"] == "US"
    assert ends.loc["widget", "choke_score"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------
# caveats
# ---------------------------------------------------------------------------

def test_rho_caveat_states_nodes_and_ties():
    assert tied([0.1, 0.1, 0.2, 0.3, 0.3, 0.3]) == 5
    text = rho_caveat("subsidy intensity", 0.2474, [0.0425] * 7 + [0.065],
                      [0.17, 0.15, 0.085, 0.063, 0.062, 0.011, 0.105, 0.0])
    assert "(+0.25) rests on 8 nodes; 7 of them share a subsidy intensity figure" in text
    assert "and 0 a choke score" in text and "Fewer than 10 nodes and most of them tied" in text
    many = rho_caveat("R&D intensity", -0.5, list(range(12)), list(range(12)))
    assert "rests on 12 nodes; 0 of them share an R&D intensity figure" in many
    assert "read it as" not in many  # enough distinct points: no warning


def test_smile_caveat_names_stages_of_one_node():
    st = pd.DataFrame({"subsidy_intensity_n": [3, 1, 2], "rd_intensity_n": [3, 1, 2]},
                      index=["upstream", "midstream", "end_use"])
    assert smile_caveat(st) == ("Caveat: the smile curve's midstream point is one node's "
                                "figures, not an average over the stage's firms.")
    st.loc["midstream"] = 2
    assert smile_caveat(st) == ""


def test_caveats_in_the_report_sections():
    chain = rm.load("bicycle")
    data = collect(chain, mc=5, sensitivity=0)
    unc = " ".join(_section(data, "uncertainty").paragraphs)
    assert "Caveat: 5 draws are few: each of P5 and P95 rests on about 1 draw(s)" in unc
    policy = [p for p in _section(data, "policy").paragraphs if p.startswith("Caveat")]
    pa = rm.policy_alignment(chain, rm.score(chain))
    for measure, row in pa.correlation.iterrows():
        if pd.notna(row["spearman"]):
            name = str(measure).replace("_", " ").replace("rd ", "R&D ")
            assert any(f"ρ of {name} with the choke score ({row['spearman']:+.2f}) rests on "
                       f"{int(row['nodes'])} node" in p for p in policy), measure


# ---------------------------------------------------------------------------
# glossary
# ---------------------------------------------------------------------------

def test_terms_used_follow_the_text():
    assert terms_used("nothing to define") == []
    assert [t for t, _ in terms_used("HHI 0.53; P(top 5) 80%")] == ["HHI", "P(top k)"]
    assert len({t for t, _, _ in TERMS}) == len(TERMS)  # each term once


def test_glossary_section_defines_what_the_report_uses():
    chain = rm.load("industrial_robots")
    data = collect(chain, mc=5, sensitivity=0)
    assert data.sections[-1].id == "glossary"
    text = report_text(data)
    listed = _frame(data, "glossary", "glossary")
    assert list(listed["term"]) == [t for t, _ in terms_used(text)]
    for abbreviation in ("HHI", "Spearman ρ", "P5, P50, P95", "P(top k)", "realised loss",
                         "marginal", "time to impact", "horizon"):
        assert abbreviation in set(listed["term"]), abbreviation
    hhi = listed.set_index("term").loc["HHI", "meaning"]
    assert "above 0.4: riskmodel's threshold" in hhi and "European Commission" not in text
    codes = country_codes(chain).set_index("code")
    assert codes.loc["JP", "name"] == "Japan"
    assert codes.loc["ROW", "name"] == chain.groups["ROW"]["label"]
    assert codes.loc["EU", "kind"] == "a group the chain defines"
    refs = _frame(data, "glossary", "method_references")
    assert refs.loc[0, "url"] == REFERENCES["cepii_geodep_2024"].url


# ---------------------------------------------------------------------------
# the HHI threshold: riskmodel's, with the source that uses the same value
# ---------------------------------------------------------------------------

def test_hhi_threshold_is_riskmodels_and_cited():
    ref = REFERENCES["cepii_geodep_2024"]
    assert HHI_THRESHOLD == 0.4 and rm.scoring.EC_HHI_THRESHOLD == HHI_THRESHOLD
    assert "a value higher than 0.4 defines a concentrated product" in ref.quote
    assert ref.year == 2024 and ref.url.startswith("https://") and ref.title in cite(ref.id)
    text = rm.explain(rm.score(rm.load("bicycle")), "drivetrain")
    assert "HHI 0.53: flagged as concentrated, above riskmodel's threshold of 0.4" in text
    assert "EC" not in text


# ---------------------------------------------------------------------------
# sources: title, year and link, not ids and file names
# ---------------------------------------------------------------------------

SOURCED = """\
schema: riskmodel/chain@1
name: sourced
perspective: {home: CN}
sources:
  memo2024: {title: "An internal memo", year: 2024, file: "memo_1234abcd.txt",
             author: "A. Writer"}
  web2025: {title: "A web page", year: 2025, url: "https://example.org/page"}
nodes:
  - {id: ore, stage: upstream, suppliers: {JP: {value: 0.6, source: memo2024, ref: p. 3},
                                           CN: {value: 0.4, source: web2025, ref: table 1}}}
  - {id: car, stage: end_use, value: 1}
edges:
  - {from: ore, to: car}
"""


def test_sources_by_title_year_and_link(tmp_path):
    path = tmp_path / "sourced.yaml"
    path.write_text(SOURCED, encoding="utf-8")
    paths = rm.report(path, tmp_path / "rep", formats=("md", "json", "html"), mc=5,
                      sensitivity=0)
    md = paths["md"].read_text(encoding="utf-8")
    block = md[md.index("**Sources (2)**"):]
    block = block[:block.index("\n\n**", 5)] if "\n\n**" in block[5:] else block
    assert "| title | author | year | link | values citing it |" in block
    assert "| An internal memo | A. Writer | 2024 |  | 1 |" in block
    assert "https://example.org/page" in block
    assert "memo_1234abcd.txt" not in md and "memo2024" not in block
    assert "1 of 2 sources give no link" in block
    html = paths["html"].read_text(encoding="utf-8")
    assert '<a href="https://example.org/page" rel="noopener noreferrer nofollow">' in html
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    prov = next(s for s in doc["sections"] if s["id"] == "provenance")
    rows = {r["source"]: r for r in prov["tables"]["sources"]}  # the JSON keeps the ids
    assert rows["memo2024"]["file"] == "memo_1234abcd.txt"


# ---------------------------------------------------------------------------
# the section "Sensitivity"
# ---------------------------------------------------------------------------

def _stocked_chain() -> rm.Chain:
    """Ore half from JP with a month of stock (none to 100 months), as in rm.sensitivity's
    example: at 0 months of stock a JP stop costs half the widget's value every month, at
    100 months nothing within the horizon."""
    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"JP": 0.5, "CN": 0.5},
               inventory_months=1.0, provenance={"inventory_months": {
                   "value": 1.0, "low": 0.0, "high": 100.0}})
    g.add_node("widget", stage="end_use", value=1.0)
    g.add_edge("ore", "widget")
    return rm.Chain(g, name="stocked", perspective={"home": "CN"})


def test_sensitivity_section_from_the_api():
    chain = _stocked_chain()
    data = collect(chain, mc=10, sensitivity=1)
    titles = [s.title for s in data.sections]
    assert titles.index("Sensitivity") == titles.index("Uncertainty") + 1
    swings = _frame(data, "sensitivity", "sensitivity_swings")
    assert swings[["node", "number", "low", "score_low", "high", "score_high"]].to_numpy(
        ).tolist() == [["ore", "inventory_months of ore", 0.0, 0.5, 100.0, 0.0]]
    verdict = _frame(data, "sensitivity", "sensitivity").loc["ore"]
    api = rm.sensitivity(chain, nodes=["ore"], top=5)
    assert verdict["verdict"] == api.attrs["verdicts"]["ore"] == (
        "not robust: falls to 0 at inventory_months of ore high (100)")
    assert not verdict["robust"]
    sweep = _frame(data, "sensitivity", "sensitivity_sweep")
    assert list(sweep.columns) == ["6 months", "12 months", "18 months", "24 months",
                                   "36 months"]
    by_h = api[api["kind"] == "horizon"].set_index("horizon")["choke_score"]
    assert sweep.loc["ore"].tolist() == pytest.approx(by_h.loc[[6, 12, 18, 24, 36]].tolist())
    summary = " ".join(_section(data, "summary").paragraphs)
    assert "Sensitivity: of the top 1 choke points, ore is not" in summary
    assert data.settings["sensitivity"] == {"nodes": ["ore"], "skipped": ""}


def test_sensitivity_zero_and_a_bad_count(tmp_path):
    data = collect(_stocked_chain(), mc=5, sensitivity=0)
    assert _section(data, "sensitivity").paragraphs == [
        "The tornado and the horizon sweep were not run: not asked for (sensitivity=0)."]
    with pytest.raises(ArgumentError, match="sensitivity must be a whole number"):
        rm.report(_stocked_chain(), tmp_path / "bad", sensitivity=-1)
    assert not (tmp_path / "bad").exists()  # refused before any write


def test_markdown_and_json_carry_the_new_sections(tmp_path):
    paths = rm.report(_stocked_chain(), tmp_path / "rep", formats=("md", "json"), mc=5,
                      sensitivity=1)
    md = paths["md"].read_text(encoding="utf-8")
    heads = [t for _, t in re.findall(r"^## (\d+)\. (.+)$", md, flags=re.M)]
    assert heads[-5:] == ["Uncertainty", "Sensitivity", "Data provenance",
                          "Method and settings", "Glossary"]
    assert "**Robustness of the top choke points**" in md and "**Terms**" in md
    assert "**End uses (what the loss is measured on; not ranked)**" in md
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    sections = {s["id"]: s for s in doc["sections"]}
    assert set(sections["sensitivity"]["tables"]) == {
        "sensitivity", "sensitivity_swings", "sensitivity_sweep"}
    assert {r["term"] for r in sections["glossary"]["tables"]["glossary"]} >= {
        "choke score", "tornado", "horizon sweep"}
    assert [r["end use"] for r in sections["choke_points"]["tables"]["end_uses"]] == [
        "widget"]
    # nor in the ranks over the draws
    assert [r["node"] for r in sections["uncertainty"]["tables"]["uncertainty"]] == ["ore"]


def test_sensitivity_over_the_report_budget_says_how_to_run_it(monkeypatch):
    from riskmodel.reporting import sensitivity as section

    monkeypatch.setattr(section, "REPORT_MAX_RUNS", 6)  # the stocked chain needs 2 + 5
    data = collect(_stocked_chain(), mc=5, sensitivity=1)
    text = " ".join(_section(data, "sensitivity").paragraphs)
    assert text.startswith("The tornado and the horizon sweep were not run: sensitivity of "
                           "1 node(s) needs 7 rescorings, more than max_runs=6")
    assert "(a report runs at most 6); run it with rm.sensitivity(chain, nodes=['ore']" in text
    assert data.settings["sensitivity"]["nodes"] == ["ore"]
