"""Exports for graph tools (riskmodel/exporting.py, ``riskmodel export``): each format
opens in networkx's own reader with every node, edge, share, score and source."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest
from helpers import chain_of, random_chain

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.exporting import export_graph, render_export


def _read(fmt: str, files: dict[str, bytes]) -> nx.DiGraph:
    data = files["graph"]
    if fmt == "graphml":
        return nx.read_graphml(io.BytesIO(data))
    if fmt == "gexf":
        return nx.read_gexf(io.BytesIO(data))
    return nx.node_link_graph(json.loads(data), edges="edges")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
@pytest.mark.parametrize("name", ["bicycle", "industrial_robots"])
def test_each_format_reads_back_whole(name: str, fmt: str) -> None:
    chain = rm.load(name)
    g = _read(fmt, render_export(chain, fmt))
    assert set(g.nodes) == set(chain.graph.nodes)
    assert set(g.edges) == set(chain.graph.edges)
    scores = rm.score(chain)
    top = scores.index[0]
    assert g.nodes[top]["rank"] == 1
    assert g.nodes[top]["choke_score"] == pytest.approx(scores.loc[top, "choke_score"])
    for node, attrs in chain.graph.nodes(data=True):
        for country, share in attrs.get("suppliers", {}).items():
            assert g.nodes[node][f"share_{country}"] == pytest.approx(share)
        for fld in attrs.get("provenance", {}):
            assert g.nodes[node][f"source_{fld}"]  # every sourced value keeps its source


def test_flattening_by_hand() -> None:
    chain = chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"CN": 0.7, "AU": 0.3},
                 "provenance": {"suppliers.CN": {"value": 0.7, "source": "usgs", "ref": "p. 4"},
                                "substitutability": {"value": 0.2, "estimate": True,
                                                     "low": 0.1, "high": 0.4,
                                                     "note": "few plants"}},
                 "substitutability": 0.2},
         "car": {"stage": "end_use", "value": 10}},
        [("ore", "car", {})], sources={"usgs": {"title": "USGS Mineral Commodity Summaries"}})
    g = export_graph(chain, scores=False)
    ore = g.nodes["ore"]
    assert ore["suppliers"] == "CN 70%; AU 30%"
    assert (ore["share_CN"], ore["share_AU"]) == (0.7, 0.3)
    assert ore["source_suppliers.CN"] == "usgs p. 4"
    assert ore["source_substitutability"] == "estimate 0.1–0.4: few plants"
    assert g.nodes["car"]["value"] == 10.0 and isinstance(g.nodes["car"]["value"], float)
    assert "rank" not in ore  # scores=False
    assert export_graph(chain).nodes["ore"]["cut_country"] == "AU"  # home CN: AU is foreign


def test_world_shares_are_exported() -> None:
    # German plants buy anode from Japan; the world's, 90% Chinese (Taiwan's share held
    # by the US): each world share is a number beside the focal market's
    chain = chain_of(
        {"anode": {"stage": "upstream", "suppliers": {"JP": 1.0},
                   "world_suppliers": {"CN": 0.9, "TW": 0.1},
                   "world_controlled_by": {"TW": ("US",)},
                   "provenance": {"world_suppliers.CN": {"value": 0.9, "source": "usgs"}}},
         "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5}},
         "cars": {"stage": "end_use", "value": 1}},
        [("anode", "cells", {}), ("cells", "cars", {})], perspective={"home": "DE"},
        sources={"usgs": {"title": "USGS Mineral Commodity Summaries"}})
    a = export_graph(chain, scores=False).nodes["anode"]
    assert (a["suppliers"], a["share_JP"]) == ("JP 100%", 1.0)
    assert a["world_suppliers"] == "CN 90%; TW 10%"
    assert (a["world_share_CN"], a["world_share_TW"]) == (0.9, 0.1)
    assert "share_CN" not in a and "world_share_JP" not in a
    assert a["world_controlled_by_TW"] == "US" and "controlled_by_TW" not in a
    assert a["source_world_suppliers.CN"] == "usgs"
    for fmt in ("graphml", "gexf", "json"):
        g = _read(fmt, render_export(chain, fmt))
        assert g.nodes["anode"]["world_share_CN"] == pytest.approx(0.9)
        assert g.nodes["anode"]["world_suppliers"] == "CN 90%; TW 10%"
    text = render_export(chain, "csv")["nodes.csv"].decode().splitlines()
    header = text[0].split(",")
    row = next(r for r in text if r.startswith("anode,"))
    assert row.split(",")[header.index("world_share_CN")] == "0.9"


@pytest.mark.parametrize("seed", range(6))
def test_random_chains_export_in_every_format(seed: int, tmp_path: Path) -> None:
    chain = random_chain(seed, cyclic=seed % 2 == 1, home=None if seed % 3 == 0 else "CN",
                         world=seed % 3 == 1)
    for fmt in ("graphml", "gexf", "json"):
        g = _read(fmt, render_export(chain, fmt))
        assert (g.number_of_nodes(), g.number_of_edges()) == (
            chain.graph.number_of_nodes(), chain.graph.number_of_edges())
    out = rm.export(chain, tmp_path / "tables")
    assert sorted(p.name for p in out.iterdir()) == ["edges.csv", "nodes.csv"]


def test_csv_tables_are_spreadsheet_safe(tmp_path: Path) -> None:
    chain = chain_of({"a": {"stage": "upstream", "label": "=HYPERLINK(\"x\")"},
                      "b": {"stage": "end_use", "value": 1}}, [("a", "b", {})])
    files = render_export(chain, "csv")
    text = files["nodes.csv"].decode()
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text
    assert files["edges.csv"].decode().splitlines()[0].startswith("from,to")


def test_cli_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gexf = tmp_path / "bike.gexf"
    assert main(["export", "bicycle", "-o", str(gexf)]) == 0
    assert nx.read_gexf(gexf).number_of_nodes() == 13
    assert main(["export", "bicycle", "--no-scores"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["graph"]["name"] == "bicycle" and "rank" not in data["nodes"][0]
    assert main(["export", "bicycle", "-o", str(tmp_path / "tables")]) == 0
    assert (tmp_path / "tables" / "nodes.csv").exists()


@pytest.mark.parametrize("argv, message", [
    (["-o", "x.txt"], "names no export format"),
    (["--format", "csv"], "give a folder name with --out"),
])
def test_cli_export_refuses_clearly(argv: list[str], message: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "bicycle", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_cli_export_never_replaces_its_input(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    chain_file = tmp_path / "chain.json"
    rm.save(rm.load("bicycle"), chain_file)
    before = chain_file.read_bytes()
    assert main(["export", str(chain_file), "-o", str(chain_file)]) == 1
    assert chain_file.read_bytes() == before
    assert "riskmodel: error:" in capsys.readouterr().err
