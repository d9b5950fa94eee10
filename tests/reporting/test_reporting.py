"""rm.report and ``riskmodel report``: sections, golden numbers, safety, atomic writes."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel import reporting
from riskmodel._errors import ScenarioError
from riskmodel.cli.report import add_report_parser
from riskmodel.reporting.enduses import choke_points_only, end_use_table

SECTION_TITLES = ["Summary", "Chain diagram", "Choke points", "Country leverage",
                  "Minimum cut sets", "Standard scenarios", "Policy alignment", "Uncertainty",
                  "Sensitivity", "Data provenance", "Method and settings", "Glossary"]
#: the robot chain lists restrictions in force (chains/industrial_robots.yaml `baseline:`),
#: so its report has the section on them after the summary, and declares a named target
#: (`targets:` robot_output), so it has the section "Targets" after the choke points
ROBOT_TITLES = [SECTION_TITLES[0], "Restrictions in force", *SECTION_TITLES[1:3], "Targets",
                *SECTION_TITLES[3:]]
FIVE_MB = 5 * 1024 * 1024

HOSTILE_YAML = """\
schema: riskmodel/chain@1
name: hostile
title: "<script>alert(1)</script> \\"><img src=x onerror=alert(2)>"
description: "# heading\\n[click](javascript:alert(3)) | pipe | <b>bold</b> $x$ &lt;"
perspective: {home: CN}
currency: "<i>USD</i>"
sources:
  evil: {title: "<script>alert(4)</script>", year: 2024, url: "javascript:alert(5)",
         author: "](javascript:alert(6))", note: "\\"><svg onload=alert(7)>"}
  good: {title: "A real source", url: "https://example.org/r?a=1&b=<2>"}
nodes:
  - id: gears
    label: "<script>alert(1)</script>"
    stage: upstream
    note: "<img src=x onerror=alert(8)>"
    suppliers:
      JP: {value: 0.6, low: 0.5, high: 0.7, estimate: true,
           note: "<script>alert(9)</script> ](javascript:alert(10))"}
      CN: {value: 0.4, source: evil, ref: "\\"><img src=x onerror=alert(11)>"}
    substitutability: 0.2
    lead_time_months: 12
    inventory_months: 2
  - id: motors
    label: "\\"><img src=x onerror=alert(12)>"
    stage: upstream
    suppliers: {US: 0.5, CN: 0.5}
  - id: arms
    label: "[x](javascript:alert(13)) ${\\\\frac{1}{0}}$ `code`"
    stage: midstream
    suppliers: {CN: 0.8, KR: 0.2}
    subsidy_intensity: 0.05
    rd_intensity: 0.04
  - id: cars
    label: "# not a heading\\n- not a list | cell"
    stage: end_use
    value: 10
edges:
  - {from: gears, to: arms, note: "<script>alert(14)</script>"}
  - {from: motors, to: arms}
  - {from: arms, to: cars}
scenarios:
  - id: cut
    title: "<script>alert(15)</script>"
    description: "](javascript:alert(16)) <img src=x onerror=alert(17)>"
    cuts: [{country: JP, nodes: [gears], duration: 6}]
"""


@pytest.fixture(scope="module")
def robots(tmp_path_factory):
    """One full report of the robot chain, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("reports") / "robots"
    paths = rm.report("industrial_robots", out, mc=20, seed=3)
    return paths, json.loads(paths["json"].read_text(encoding="utf-8"))


def _table(doc, section, name):
    sec = next(s for s in doc["sections"] if s["id"] == section)
    return sec["tables"][name]


def _same(a, b):
    if isinstance(b, float) and math.isnan(b):
        return a is None
    if isinstance(b, float) and math.isinf(b):
        return a is None
    if isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _assert_frame_equal_json(rows, frame, key):
    assert [r[key] for r in rows] == list(frame.index)
    for r, (idx, expected) in zip(rows, frame.iterrows(), strict=True):
        for col, value in expected.items():
            v = value.item() if hasattr(value, "item") else value
            assert _same(r[col], v), (idx, col, r[col], v)


# ---------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_writes_three_formats_with_a_marker(robots):
    paths, _ = robots
    out = paths["dir"]
    assert {p.name for p in out.iterdir()} == {
        "industrial_robots.html", "industrial_robots.md", "industrial_robots.json",
        "figures", reporting.REPORT_MARKER}
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        f"{n}.png" for n in ("chain_diagram", "choke_factors", "leverage", "cutsets",
                             "scenario_losses", "smile_curve", "support_vs_choke",
                             "rank_intervals", "provenance"))
    assert paths["html"].stat().st_size < FIVE_MB


@pytest.mark.slow
def test_markdown_has_the_sections_in_order(robots):
    paths, _ = robots
    md = paths["md"].read_text(encoding="utf-8")
    heads = re.findall(r"^## (\d+)\. (.+)$", md, flags=re.M)
    assert heads == [(str(i), t) for i, t in enumerate(ROBOT_TITLES, 1)]
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (paths["dir"] / target).is_file()


@pytest.mark.slow
def test_json_tables_equal_the_scoring_api(robots):
    _, doc = robots
    chain = rm.load("industrial_robots")
    scores = rm.score(chain)
    assert [s["title"] for s in doc["sections"]] == ROBOT_TITLES
    _assert_frame_equal_json(_table(doc, "choke_points", "choke_points"),
                             choke_points_only(chain, scores), "node")
    _assert_frame_equal_json(_table(doc, "choke_points", "end_uses"),
                             end_use_table(chain, scores), "end use")
    _assert_frame_equal_json(_table(doc, "leverage", "leverage"), rm.leverage(chain),
                             "country")
    unc = rm.score_uncertainty(chain, draws=20, seed=3, scores=scores)
    ends = list(chain.compiled.ids[chain.compiled.end_use])  # not ranked as choke points
    _assert_frame_equal_json(_table(doc, "uncertainty", "uncertainty"), unc.drop(index=ends),
                             "node")
    pa = rm.policy_alignment(chain, scores)
    _assert_frame_equal_json(_table(doc, "policy", "support_by_stage"), pa.by_stage, "stage")
    res = rm.simulate(chain, chain.scenarios[0]["id"])
    row = _table(doc, "scenarios", "scenarios")[0]
    assert row["scenario"] == res.scenario.name
    for k, v in res.summary.items():
        assert _same(row[k], float(v)), k
    cs = _table(doc, "cutsets", "cutsets")
    target = cs[0]["target"]
    api = rm.cutsets(chain, target=None if target == "all end use" else target, max_size=3)
    assert [(tuple(r["countries"]), r["availability"]) for r in cs if r["target"] == target] \
        == [(tuple(c), a) for c, a in zip(api["countries"], api["availability"], strict=True)]
    assert doc["settings"]["monte_carlo"] == {"draws": 20, "seed": 3,
                                              "ranged_values": 164, "top": 5}


@pytest.mark.slow
def test_summary_explains_the_top_choke_points(robots):
    _, doc = robots
    chain = rm.load("industrial_robots")
    scores = rm.score(chain)
    summary = doc["sections"][0]
    ranked = choke_points_only(chain, scores)  # end uses are not choke points
    assert summary["bullets"] == [rm.explain(ranked, n) for n in ranked.index[:3]]
    assert any(p.startswith("Country leverage: if JP cut everything")
               for p in summary["paragraphs"])


@pytest.mark.slow
def test_method_records_version_and_file_hash(robots):
    _, doc = robots
    s = doc["settings"]
    assert s["riskmodel_version"] == rm.__version__
    path = Path(rm.load("industrial_robots").path)
    assert s["chain_files"] == [{"file": path.name,
                                 "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    method = _table(doc, "method", "settings")
    assert {"setting": "riskmodel version", "value": rm.__version__} in method


@pytest.mark.slow
def test_provenance_section_counts_sourced_and_estimated(robots):
    _, doc = robots
    from riskmodel.provenance import provenance

    prov = provenance(rm.load("industrial_robots"))
    by_field = _table(doc, "provenance", "provenance_by_field")
    assert sum(r["values"] for r in by_field) == len(prov)
    assert sum(r["sourced"] for r in by_field) == int((prov["class"] == "sourced").sum())
    estimates = _table(doc, "provenance", "estimates")
    assert len(estimates) == int((prov["class"] == "estimate").sum())
    assert all(r["note"] for r in estimates)  # each estimate with its rationale
    sources = _table(doc, "provenance", "sources")
    assert {r["source"] for r in sources} == set(rm.load("industrial_robots").sources)


@pytest.mark.slow
def test_html_is_self_contained(robots):
    paths, _ = robots
    html = paths["html"].read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html
    srcs = re.findall(r'<img [^>]*src="([^"]*)"', html)
    # eight figures; the chain diagram is the explorable one, drawn by the page's scripts
    assert len(srcs) == 8 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert 'id="fig-chain_diagram"' not in html and 'id="fig-chain-explorer"' in html
    # nothing loads from outside; sources' addresses are plain links (no fetch)
    assert not re.search(r"src=\"(https?:)?//", html)
    external = re.findall(r"<[^>]*href=\"(?:https?:)?//[^>]*>", html)
    assert all(t.startswith("<a ") and 'rel="noopener noreferrer nofollow"' in t
               for t in external)
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="application/json" id="rm-graph">', "<script>", "<script>"]
    assert "<link" not in html
    assert html.count("<section ") == len(ROBOT_TITLES) == 14


# ---------------------------------------------------------------------------
# hostile chain files
# ---------------------------------------------------------------------------

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "div", "p", "h1",
                "h2", "h3", "code", "nav", "ol", "li", "a", "main", "section", "span", "ul",
                "figure", "img", "figcaption", "table", "thead", "tbody", "tr", "th", "td",
                "details", "summary", "footer",
                # the explorable diagram: its controls and its three scripts
                "label", "input", "select", "option", "button", "aside", "script",
                "noscript"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_YAML, encoding="utf-8")
    return rm.load(path)


@pytest.mark.slow
def test_hostile_strings_are_escaped_in_html(hostile, tmp_path):
    out = tmp_path / "out" / "rep"
    paths = rm.report(hostile, out, mc=5)
    html = paths["html"].read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    assert {t for t, _ in parser.tags} <= ALLOWED_TAGS
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name == "src":
                assert value.startswith("data:image/png;base64,")
            assert not (tag == "script" and name == "src"), value
            if name == "href":
                assert value.startswith(("#", "https://")), value
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown, as text
    assert '"><img src=x onerror=alert(12)>' in text
    assert "javascript:alert(5)" in text  # not a link
    assert '<a href="https://example.org/r?a=1&amp;b=&lt;2&gt;"' in html


@pytest.mark.slow
def test_hostile_strings_are_inert_in_markdown(hostile, tmp_path):
    paths = rm.report(hostile, tmp_path / "rep", formats="md", mc=5)
    md = paths["md"].read_text(encoding="utf-8")
    assert "<" not in md and ">" not in md  # no raw HTML at all
    assert not re.search(r"(?<!\\)\]\(javascript", md)
    assert "\\# not a heading" not in md.splitlines()[0]
    heads = re.findall(r"^## (\d+)\. (.+)$", md, flags=re.M)
    assert [t for _, t in heads] == SECTION_TITLES
    assert not re.search(r"^#+ (?!\d+\. |.*choke-point report)", md, flags=re.M)
    assert any(ln.startswith("| cars — \\# not a heading - not a list \\| cell |")
               for ln in md.splitlines())
    tables, current = [], []
    for ln in [*md.splitlines(), ""]:
        if ln.startswith("|"):
            current.append(len(re.findall(r"(?<!\\)\|", ln)))
        elif current:
            tables.append(current)
            current = []
    assert len(tables) > 10 and all(len(set(t)) == 1 for t in tables)  # no table broken


def test_hostile_chain_name_is_refused_before_anything_is_written(hostile, tmp_path):
    # a name no file may carry, set in Python: checked before any work, as a file is
    # (and were it let through, safe_name would still keep it in the report folder)
    chain = rm.Chain(hostile.graph, name="../../etc/passwd<x>", title=hostile.title,
                     perspective=hostile.perspective, stages=hostile.stages,
                     sources=hostile.sources)
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(rm.ChainValidationError, match="the chain name is not a slug"):
        rm.report(chain, tmp_path / "rep", mc=5, sensitivity=0)
    assert set(tmp_path.parent.iterdir()) == before
    assert set(tmp_path.iterdir()) == {tmp_path / "hostile.yaml"}
    assert reporting.safe_name(chain.name) == "etc_passwd_x"


def test_safe_name():
    assert reporting.safe_name("../../etc") == "etc"
    assert reporting.safe_name("a b/c\\d:e") == "a_b_c_d_e"
    assert reporting.safe_name("") == "chain"
    assert len(reporting.safe_name("x" * 500)) == 64


# ---------------------------------------------------------------------------
# writing: refusal, force, replacement, atomicity
# ---------------------------------------------------------------------------

def test_refuses_a_non_empty_folder_that_is_not_a_report(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"not a riskmodel report.*--force"):
        rm.report("bicycle", out, formats="json", mc=5, sensitivity=0)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]
    paths = rm.report("bicycle", out, formats="json", mc=5, force=True, sensitivity=0)
    # force adds the report's files; it never deletes the user's
    assert {p.name for p in out.iterdir()} == {"bicycle.json", reporting.REPORT_MARKER,
                                              "thesis.tex"}
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "precious"
    assert paths["json"].is_file()


def test_refuses_a_file(tmp_path):
    out = tmp_path / "afile"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not a folder"):
        rm.report("bicycle", out, formats="json", mc=5, force=True, sensitivity=0)


def test_an_empty_folder_is_fine(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert rm.report("bicycle", out, formats="json", mc=5, sensitivity=0)["json"].is_file()


@pytest.mark.slow
def test_a_previous_report_is_replaced(tmp_path):
    out = tmp_path / "rep"
    rm.report("bicycle", out, formats=("json", "md"), mc=5, sensitivity=0)
    assert (out / "figures").is_dir()
    rm.report("bicycle", out, formats="json", mc=5, sensitivity=0)
    assert {p.name for p in out.iterdir()} == {"bicycle.json", reporting.REPORT_MARKER}
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary folder left


@pytest.mark.slow
def test_a_failure_mid_write_leaves_no_partial_folder(tmp_path, monkeypatch):
    import riskmodel.reporting.md as md

    def boom(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(md, "render_md", boom)
    out = tmp_path / "rep"
    with pytest.raises(RuntimeError, match="renderer failed"):
        rm.report("bicycle", out, formats=("json", "md", "html"), mc=5, sensitivity=0)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_keeps_the_previous_report(tmp_path, monkeypatch):
    import riskmodel.reporting.render as render

    out = tmp_path / "rep"
    rm.report("bicycle", out, formats="json", mc=5, sensitivity=0)
    before = (out / "bicycle.json").read_bytes()
    monkeypatch.setattr(render, "render_json", lambda data: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        rm.report("bicycle", out, formats="json", mc=5, sensitivity=0)
    assert (out / "bicycle.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_unknown_format_lists_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="valid formats: html, md, json, all"):
        rm.report("bicycle", tmp_path / "x", formats="pdf")


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def _cli(argv):
    parser = argparse.ArgumentParser(prog="riskmodel")
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", *argv])
    return args.func(args)


@pytest.mark.slow
def test_cli_default_out_and_printed_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _cli(["bicycle", "--format", "json", "--format", "md", "--mc", "5"]) == 0
    printed = capsys.readouterr().out.split()
    out = tmp_path / "report_bicycle"
    assert printed == [str(out / "bicycle.md"), str(out / "bicycle.json")]


def test_cli_refusal_is_an_error_line(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    assert _cli(["bicycle", "--out", str(out), "--format", "json", "--mc", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("riskmodel: error: ") and "--force" in err
    assert _cli(["bicycle", "--out", str(out), "--format", "json", "--mc", "5",
                 "--force"]) == 0


def test_cli_scenarios_and_seed(tmp_path, capsys):
    out = tmp_path / "r"
    assert _cli(["bicycle", "--out", str(out), "--format", "json", "--scenario",
                 "china_cut", "--mc", "7", "--seed", "11"]) == 0
    doc = json.loads((out / "bicycle.json").read_text(encoding="utf-8"))
    assert doc["settings"]["scenarios"] == ["china_cut"]
    assert doc["settings"]["monte_carlo"]["draws"] == 7
    assert doc["settings"]["monte_carlo"]["seed"] == 11
    with pytest.raises(ScenarioError, match="no scenario 'chnia_cut'"):
        _cli(["bicycle", "--out", str(out), "--scenario", "chnia_cut"])


def test_cli_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        _cli(["bicycle", "--format", "pdf"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        _cli(["bicycle", "--mc", "0"])


# ---------------------------------------------------------------------------
# every built-in chain, the combined view, and a user file
# ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["bicycle", "semiconductors", "generative_ai"])
def test_builtin_chains(name, tmp_path):
    paths = rm.report(name, tmp_path / name, formats=("html", "json"), mc=5, sensitivity=0)
    assert paths["html"].stat().st_size < FIVE_MB
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    chain = rm.load(name)
    # a chain with restrictions in force has the section "Restrictions in force" too, and
    # a chain with named targets (`targets:`) the section "Targets"
    assert len(doc["sections"]) == 12 + bool(chain.baseline) + bool(chain.targets)
    assert ("targets" in [s["id"] for s in doc["sections"]]) == bool(chain.targets)
    assert ("restrictions" in [s["id"] for s in doc["sections"]]) == bool(chain.baseline)
    # end uses in their own table, not in the ranking
    end = set(chain.compiled.ids[chain.compiled.end_use])
    assert {r["node"] for r in _table(doc, "choke_points", "choke_points")} == set(
        chain.compiled.ids) - end
    assert {r["end use"] for r in _table(doc, "choke_points", "end_uses")} == end


@pytest.mark.slow
def test_combined_view_hashes_every_member_file(tmp_path):
    paths = rm.report("combined", tmp_path / "c", formats=("html", "json"), mc=5,
                      sensitivity=0)
    assert paths["html"].stat().st_size < FIVE_MB
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    files = [f["file"] for f in doc["settings"]["chain_files"]]
    assert files == ["combined.yaml", "semiconductors.yaml", "industrial_robots.yaml",
                     "generative_ai.yaml"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in doc["settings"]
               ["chain_files"])


@pytest.mark.slow
def test_user_file_and_edited_chain(tmp_path, valid_yaml):
    path = tmp_path / "tiny.yaml"
    path.write_text(valid_yaml, encoding="utf-8")
    paths = rm.report(str(path), tmp_path / "r", formats=("html", "json"), mc=5,
                      sensitivity=0)
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["settings"]["chain_files"][0]["sha256"] == hashlib.sha256(
        path.read_bytes()).hexdigest()
    chain = rm.load(path)
    chain.graph.nodes["gears"]["substitutability"] = 0.9  # an edited assumption
    doc2 = json.loads(rm.report(chain, tmp_path / "r2", formats="json", mc=5,
                                sensitivity=0)["json"]
                      .read_text(encoding="utf-8"))
    assert doc2["settings"]["chain_data_sha256"] != doc["settings"]["chain_data_sha256"]


def test_chain_without_scenarios_or_support(tmp_path):
    import networkx as nx

    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"AU": 0.7, "BR": 0.3})
    g.add_node("steel", stage="end_use", value=10.0)
    g.add_edge("ore", "steel")
    chain = rm.Chain(g, name="steel", perspective={"home": "DE"})
    paths = rm.report(chain, tmp_path / "s", mc=5)
    md = paths["md"].read_text(encoding="utf-8")
    assert "defines no standard scenarios" in md
    assert len(re.findall(r"^## \d+\. ", md, flags=re.M)) == 12
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["chain"] == "steel" and doc["settings"]["scenarios"] == []
    # the JSON report has the markdown's sections and says the same things
    assert [s["title"] for s in doc["sections"]] == re.findall(r"^## \d+\. (.*)$", md,
                                                                flags=re.M)
    sections = {s["id"]: s for s in doc["sections"]}
    assert any("defines no standard scenarios" in x for x in sections["scenarios"]["paragraphs"])
    summary = " ".join(sections["summary"]["paragraphs"])
    assert "if AU cut everything it supplies, 70% of end-use value" in summary


def test_the_cli_hook_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, argparse; from riskmodel.cli.report import add_report_parser; "
            "add_report_parser(argparse.ArgumentParser().add_subparsers()); "
            "print([m for m in ('numpy', 'pandas', 'networkx', 'matplotlib') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"  # so that `riskmodel --help` stays instant
