"""The explorable chain diagram of the HTML report: its data computed by hand on a tiny
chain, its JSON inert whatever the labels hold, its scripts allowed by hash alone, the
static fallback for large chains, and the vendored cytoscape.js with its licence.
(The browser test, ``test_browser.py``, drives it in Chromium.)"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel.provenance import provenance
from riskmodel.reporting import collect, graph
from riskmodel.reporting.explore import CYTOSCAPE_VERSION, library, render_explorer
from riskmodel.reporting.html import render_html

VENDOR = Path(rm.__file__).parent / "reporting" / "vendor"

TINY = """\
schema: riskmodel/chain@1
name: tiny
perspective: {home: CN}
sources:
  s: {title: "Mine survey <b>", year: 2024, url: "https://example.org/x?a=1&b=2"}
nodes:
  - {id: ore, stage: upstream, label: "</script><script>alert(1)</script>\\"'&\\u2028<!--",
     suppliers: {JP: {value: 0.6, source: s, ref: "p. 3"}, CN: 0.4}}
  - {id: parts, stage: midstream, suppliers: {CN: 1.0}}
  - {id: cars, stage: end_use, value: 10}
edges:
  - {from: ore, to: parts}
  - {from: parts, to: cars}
"""
LABEL = "</script><script>alert(1)</script>\"'&\u2028<!--"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return rm.load(path)


def test_explorer_data_by_hand(tiny):
    g = graph.explorer_data(tiny, rm.score(tiny), provenance(tiny))
    ore, parts, cars = g["nodes"]
    assert [n["id"] for n in g["nodes"]] == ["ore", "parts", "cars"]
    assert ore["label"] == LABEL and parts["label"] == "parts"  # no label: the id
    # stages left to right: a column of 1.0 and a gap of 0.35 layout units per stage,
    # the node 0.12 into its column, 260 px a unit; the empty downstream keeps its band
    assert [(n["x"], n["y"]) for n in g["nodes"]] == [(31.2, 0.0), (382.2, 0.0),
                                                       (1084.2, 0.0)]
    assert [s["label"] for s in g["stages"]] == ["Upstream (1)", "Midstream (1)",
                                                 "End use (1)"]
    # JP withholds its 60% of ore: 60% of the cars' value is lost every month, with nothing
    # to relieve it
    facts = dict(ore["facts"])
    assert facts["rank"] == "1 of 3"
    assert facts["choke score (share lost over 24 months)"] == "60.0%"
    assert facts["cut by"] == "JP" and facts["exposure"] == "60.0%"
    assert facts["HHI"] == "0.52"  # 0.6² + 0.4²
    assert dict(cars["facts"])["value"] == "10"
    assert ore["sources"][0] == {"field": "suppliers.JP", "value": "0.6", "class": "sourced",
                                 "source": "s", "title": "Mine survey <b>", "year": "2024",
                                 "url": "https://example.org/x?a=1&b=2", "ref": "p. 3"}
    assert ore["sources"][1] == {"field": "suppliers.CN", "value": "0.4",
                                 "class": "unsourced"}
    # colour: the worst choke score takes the darkest colour, a score of 0 the palest
    assert (ore["fill"], parts["fill"]) == ("#662506", "#ffffe5")
    assert g["choke_max"] == pytest.approx(0.6)
    assert cars["size"] == 42.0 and ore["size"] == 16  # area grows with value
    assert g["edges"] == [{"from": 0, "to": 1, "essential": True, "arc": False},
                          {"from": 1, "to": 2, "essential": True, "arc": False}]


def _page(chain, pngs=None):
    data = collect(chain, mc=5)
    return data, render_html(data, pngs or {})


def test_hostile_label_stays_data_in_the_embedded_json(tiny):
    data, html = _page(tiny)
    blocks = re.findall(r'<script type="application/json" id="rm-graph">(.*?)</script>', html,
                        flags=re.S)
    assert len(blocks) == 1
    block = blocks[0]
    assert not re.search(r"[<>&\u2028\u2029]", block)  # nothing can end or bend the block
    assert json.loads(block) == data.graph
    assert json.loads(block)["nodes"][0]["label"] == LABEL
    # the label in the page itself is escaped as everywhere else
    assert "<script>alert(1)</script>" not in html.replace(block, "")


def test_csp_allows_exactly_the_inlined_scripts(tiny):
    _, html = _page(tiny)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)[1]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 2 and scripts[0].startswith(
        f"/*! cytoscape.js {CYTOSCAPE_VERSION}")
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
              for s in scripts}
    assert set(directives["script-src"].split()) == hashes
    assert "unsafe" not in directives["script-src"]
    assert "connect-src" not in directives  # default-src 'none': no request at all


def test_large_chain_falls_back_to_the_static_figure(tiny, monkeypatch):
    monkeypatch.setattr(graph, "EXPLORE_MAX_NODES", 2)
    _, html = _page(tiny, {"chain_diagram": b"\x89PNG\r\n\x1a\n"})
    assert "<script" not in html and "script-src" not in html
    assert 'id="fig-chain_diagram"' in html and "rm-cy" not in html
    assert "The chain has 3 nodes, more than the 2 an explorable diagram" in html


def test_explorer_figure_is_numbered_and_escaped(tiny):
    g = graph.explorer_data(tiny, rm.score(tiny), provenance(tiny))
    fragment, scripts, hashes = render_explorer(g, 4)
    assert "Figure 4. The chain by stage" in fragment and "(3 nodes)" in fragment
    assert LABEL not in fragment and len(hashes) == 2
    assert scripts.count("<script") == 3


def test_vendored_library_is_the_recorded_one_with_its_licence():
    code = (VENDOR / "cytoscape.min.js").read_bytes()
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(code).hexdigest() in readme
    assert f"cytoscape.js {CYTOSCAPE_VERSION}" in readme
    assert "Permission is hereby granted, free of charge" in (VENDOR / "LICENSE").read_text(
        encoding="utf-8")
    inlined = library()
    assert "The Cytoscape Consortium" in inlined[:600]  # the notice ships in the page
    # nothing in it needs 'unsafe-eval', and nothing can close the script element
    assert not re.search(r"\beval\(|new Function\(", inlined)
    assert "</script" not in inlined.lower()
    assert len(code) < 600_000
