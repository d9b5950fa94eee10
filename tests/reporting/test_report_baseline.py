"""Reports of a chain with restrictions in force (docs/model.md §1.5).

The chain below, seen from the US: ``t`` needs ``a`` (60% JP, 40% KR) and ``u`` needs
``b`` (50% KR, 50% DE), each half the end-use value. In force: KR withholding ``a``
(realised loss 0.5 · 0.4 = 0.2) and KR withholding everything (0.5 · 0.4 + 0.5 · 0.5 =
0.45; together also 0.45). The scenario ``jp`` (JP stops) adds 0.5 · 0.6 = 0.3 on top.
"""

from __future__ import annotations

import json
import re

import pytest
from helpers import write_text

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.scenario import Cut

CHAIN = """\
schema: riskmodel/chain@1
name: shared
perspective: {home: US}
sources:
  bis: {title: "Rule <b>x</b>", year: 2023, url: "https://example.org/rule"}
  bad: {title: "Evil <svg onload=alert(1)>", url: "javascript:alert(1)"}
nodes:
  - {id: a, stage: upstream, suppliers: {JP: 0.6, KR: 0.4}}
  - {id: b, stage: upstream, suppliers: {KR: 0.5, DE: 0.5}}
  - {id: t, stage: end_use, value: 1}
  - {id: u, stage: end_use, value: 1}
edges:
  - {from: a, to: t}
  - {from: b, to: u}
scenarios:
  - {id: jp, title: JP stops, cuts: [{country: JP}]}
baseline:
  - {id: kr_a, title: "KR <script>alert(1)</script>", country: KR, nodes: [a],
     since: 2023-05, source: bis, ref: "p. <i>3</i>"}
  - {id: kr_all, title: "KR stops all", country: KR, since: 2024, source: bad,
     ref: "[x](javascript:alert(2))"}
"""
MARGINAL = "what each further cut adds on top of the restrictions in force"


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory):
    return write_text(tmp_path_factory.mktemp("chain"), "shared.yaml", CHAIN)


@pytest.fixture(scope="module")
def held(chain_file, tmp_path_factory):
    """The report with the restrictions in force, as JSON (no figures: fast)."""
    out = tmp_path_factory.mktemp("held") / "report"
    return rm.report(chain_file, out, formats="json", mc=5)


def _doc(paths) -> dict:
    return json.loads(paths["json"].read_text(encoding="utf-8"))


def _section(doc: dict, sid: str) -> dict:
    return next(s for s in doc["sections"] if s["id"] == sid)


def test_the_section_lists_each_restriction_with_its_realised_loss(held) -> None:
    doc = _doc(held)
    assert [s["title"] for s in doc["sections"]][:3] == [
        "Summary", "Restrictions in force", "Chain diagram"]
    assert len(doc["sections"]) == 13
    sec = _section(doc, "restrictions")
    rows = {r["id"]: r for r in sec["tables"]["restrictions"]}
    assert list(rows) == ["kr_a", "kr_all"]
    assert rows["kr_a"]["realised_loss"] == pytest.approx(0.2)
    assert rows["kr_all"]["realised_loss"] == pytest.approx(0.45)
    assert {k: rows["kr_a"][k] for k in ("title", "country", "nodes", "to", "since", "source",
                                         "url", "ref")} == {
        "title": "KR <script>alert(1)</script>", "country": "KR", "nodes": ["a"], "to": "all",
        "since": "2023-05", "source": "Rule <b>x</b> (2023)", "url": "https://example.org/rule",
        "ref": "p. <i>3</i>"}
    assert rows["kr_all"]["nodes"] == "everything it supplies or controls"
    assert "together they cost 45.0% of end-use value" in sec["paragraphs"][0]
    assert MARGINAL in sec["paragraphs"][0]
    assert doc["settings"]["baseline"]["realised_loss"] == pytest.approx(0.45)
    assert [r["id"] for r in doc["settings"]["baseline"]["restrictions"]] == ["kr_a", "kr_all"]
    summary = " ".join(_section(doc, "summary")["paragraphs"])
    assert "2 restrictions in force; together they cost 45.0%" in summary and MARGINAL in summary


def test_figures_elsewhere_are_marginal_with_the_realised_loss_beside(held, chain_file) -> None:
    doc = _doc(held)
    (row,) = _section(doc, "scenarios")["tables"]["scenarios"]
    assert row["realised_loss"] == pytest.approx(0.45)  # the restrictions alone
    assert row["peak_loss"] == pytest.approx(0.3)  # JP's cut on top of them
    assert row["realised_loss"] == pytest.approx(
        rm.simulate(rm.load(chain_file), "jp").summary["realised_loss"])
    # on top of KR's cuts, JP stops t and DE stops u: together all end use
    sets = {(r["target"], tuple(r["countries"])) for r in
            _section(doc, "cutsets")["tables"]["cutsets"]}
    assert sets == {("all end use", ("DE", "JP")), ("t", ("JP",)), ("u", ("DE",))}


@pytest.mark.slow
def test_html_and_markdown_carry_it_with_hostile_text_inert(chain_file, tmp_path) -> None:
    held = rm.report(chain_file, tmp_path / "r", formats=("html", "md"), mc=5)
    html = held["html"].read_text(encoding="utf-8")
    start = html.index('<section id="restrictions">')
    part = html[start:html.index("</section>", start)]
    assert "KR &lt;script&gt;alert(1)&lt;/script&gt;" in part and "<script" not in part
    assert "p. &lt;i&gt;3&lt;/i&gt;" in part and "<svg" not in part
    assert 'href="javascript' not in html
    assert '<a href="https://example.org/rule"' in part
    # provenance and method moved down by one (and by "Sensitivity" before them)
    assert "see sections 11 and 12" in html
    assert re.search(r"<th>scenario</th><th>plausibility</th><th>in force</th>"
                     r"<th>immediate</th>", html)
    md = held["md"].read_text(encoding="utf-8")
    assert "## 2. Restrictions in force" in md and "## 12. Method and settings" in md
    assert ("| scenario | plausibility | in force | immediate | worst month after the cut |"
            in md)
    assert "<script" not in md and r"\[x\](javascript:alert(2))" in md  # no link
    assert not re.search(r"(?<!\\)\]\(javascript", md)


def test_no_baseline_gives_the_unrestricted_report(chain_file, tmp_path, capsys) -> None:
    out = tmp_path / "free"
    assert main(["report", str(chain_file), "--out", str(out), "--format", "json", "--mc", "5",
                 "--no-baseline", "-q"]) == 0
    doc = json.loads((out / "shared.json").read_text(encoding="utf-8"))
    assert len(doc["sections"]) == 12 and "restrictions" not in [s["id"] for s in
                                                                  doc["sections"]]
    summary = " ".join(_section(doc, "summary")["paragraphs"])
    assert "restrictions in force, but they are ignored (--no-baseline)" in summary
    assert doc["settings"]["baseline"] == {"restrictions": [], "realised_loss": 0.0,
                                           "ignored": True}
    (row,) = _section(doc, "scenarios")["tables"]["scenarios"]
    assert row["peak_loss"] == pytest.approx(0.3) and row["realised_loss"] == 0.0
    # the same tables as a report of the chain with no restrictions at all
    bare = rm.load(chain_file)
    bare.baseline = []
    ref = _doc(rm.report(bare, tmp_path / "bare", formats="json", mc=5))
    for sid in ("leverage", "cutsets", "scenarios", "choke_points"):
        assert _section(doc, sid)["tables"] == _section(ref, sid)["tables"], sid
    sets = {(r["target"], tuple(r["countries"])) for r in
            _section(doc, "cutsets")["tables"]["cutsets"]}  # KR is a candidate again
    assert sets == {("all end use", ("DE", "JP", "KR")), ("t", ("JP", "KR")),
                    ("u", ("DE", "KR"))}


def test_a_baseline_given_in_python_that_stops_a_target(chain_file, tmp_path) -> None:
    chain = rm.load(chain_file)
    both = [rm.Restriction(Cut("JP", nodes=("a",)), "jp_a", since="2024"),
            {"id": "kr_a", "country": "KR", "nodes": ["a"], "since": "2024"}]  # file form
    doc = _doc(rm.report(chain, tmp_path / "r", formats="json", mc=5, baseline=both))
    rows = _section(doc, "restrictions")["tables"]["restrictions"]
    assert [(r["id"], r["realised_loss"]) for r in rows] == [
        ("jp_a", pytest.approx(0.3)), ("kr_a", pytest.approx(0.2))]
    assert doc["settings"]["baseline"]["realised_loss"] == pytest.approx(0.5)
    cut = _section(doc, "cutsets")
    assert "The restrictions in force already stop t (availability 0.0%)" in " ".join(
        cut["paragraphs"])
    assert doc["settings"]["cutsets"]["stopped_by_baseline"] == {"t": 0.0}
    assert "t" not in {r["target"] for r in cut["tables"]["cutsets"]}
    with pytest.raises(TypeError, match="bare Cut"):
        rm.report(chain, tmp_path / "x", formats="json", baseline=[Cut("JP")])
    assert chain.baseline[0].id == "kr_a"  # the caller's chain is left as it was
