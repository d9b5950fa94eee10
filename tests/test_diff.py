"""`riskmodel diff` on hand-made before/after chains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import write_text

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.diff import diff, render

BEFORE = """\
schema: riskmodel/chain@1
name: gears
perspective: {home: CN}
nodes:
  - {id: steel, stage: upstream, suppliers: {CN: 0.8, KR: 0.2}}
  - {id: gears, stage: upstream, suppliers: {JP: 0.6, CN: 0.4}, substitutability: 0.2}
  - {id: motors, stage: upstream, suppliers: {DE: 0.5, CN: 0.5}}
  - {id: robots, stage: midstream, suppliers: {CN: 0.7, JP: 0.3}}
  - {id: cars, stage: end_use, value: 10}
edges:
  - {from: steel, to: gears}
  - {from: gears, to: robots, share: 0.3}
  - {from: motors, to: robots}
  - {from: robots, to: cars}
"""


def _after(edit) -> str:
    doc = yaml.safe_load(BEFORE)
    edit(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def test_identical_chains_have_no_differences(tmp_path: Path) -> None:
    a = rm.load(write_text(tmp_path, "a.yaml", BEFORE))
    d = diff(a, a.copy())
    assert d.empty and d.values.empty
    assert (d.ranking["rank_move"] == 0).all()
    assert "No differences in nodes, edges or values." in render(d)


def test_structure_and_values(tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        doc["nodes"][1]["suppliers"] = {"JP": 0.3, "CN": 0.4, "TW": 0.3}  # diversify gears
        doc["nodes"][2]["substitutability"] = 0.5                          # value added
        doc["nodes"].append({"id": "sensors", "stage": "upstream", "suppliers": {"US": 1.0}})
        doc["edges"].append({"from": "sensors", "to": "robots"})
        doc["edges"] = [e for e in doc["edges"] if e["from"] != "steel"]
        doc["nodes"] = [n for n in doc["nodes"] if n["id"] != "steel"]
    old = rm.load(write_text(tmp_path, "a.yaml", BEFORE))
    new = rm.load(write_text(tmp_path, "b.yaml", _after(edit)))
    d = diff(old, new)
    assert d.nodes_added == ["sensors"] and d.nodes_removed == ["steel"]
    assert d.edges_added == [("sensors", "robots")]
    assert d.edges_removed == [("steel", "gears")]
    changes = {(r.id, r.field): (r.status, None if pd_isna(r.old) else r.old, r.new)
               for r in d.values.itertuples()}
    assert changes == {
        ("gears", "suppliers.JP"): ("changed", 0.6, 0.3),
        ("gears", "suppliers.TW"): ("added", None, 0.3),
        ("motors", "substitutability"): ("added", None, 0.5),
    }
    # motors (DE 50%, nothing substitutes) led with 0.5: every robot maker, at home or
    # in JP, needs motors; with half of a DE cut now substitutable it halves (0.5 ->
    # 0.25); diversified gears halve too; the new sensors node (US 100%, needed by every
    # robot maker) takes the top spot with 1.0
    r = d.ranking
    assert r.loc["motors", "old_rank"] == 1 and r.loc["gears", "old_rank"] == 2
    assert r.loc["sensors", "new_rank"] == 1
    assert r.loc["sensors", "new_choke"] == pytest.approx(1.0)
    assert r.loc["motors", "choke_move"] == pytest.approx(-0.25)
    assert r.loc["gears", "choke_move"] < 0
    assert pd_isna(d.ranking.loc["sensors", "old_rank"])
    assert d.leverage.loc["US", "new_leverage"] == pytest.approx(1.0)
    assert pd_isna(d.leverage.loc["US", "old_leverage"])
    text = render(d)
    assert "Nodes added (1)\n- sensors" in text and "Edges removed (1)\n- steel -> gears" in text
    assert "Country leverage moves" in text


def test_world_shares_changed(tmp_path: Path) -> None:
    def edit(doc: dict) -> None:  # the world's motors: 90% German, then 60%
        doc["nodes"][2]["world_suppliers"] = {"DE": 0.9, "KR": 0.1}

    def edit2(doc: dict) -> None:
        doc["nodes"][2]["world_suppliers"] = {"DE": 0.6, "US": 0.4}
    old = rm.load(write_text(tmp_path, "a.yaml", _after(edit)))
    new = rm.load(write_text(tmp_path, "b.yaml", _after(edit2)))
    changes = {(r.id, r.field): (r.status, None if pd_isna(r.old) else r.old,
                                 None if pd_isna(r.new) else r.new)
               for r in diff(old, new, scores=False).values.itertuples()}
    assert changes == {
        ("motors", "world_suppliers.DE"): ("changed", 0.9, 0.6),
        ("motors", "world_suppliers.KR"): ("removed", 0.1, None),
        ("motors", "world_suppliers.US"): ("added", None, 0.4),
    }


def pd_isna(x: object) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


def test_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_text(tmp_path, "a.yaml", BEFORE)
    b = write_text(tmp_path, "b.yaml", BEFORE.replace("{JP: 0.6, CN: 0.4}", "{JP: 0.9, CN: 0.1}"))
    assert main(["diff", str(a), str(b), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"] == [{"kind": "node", "id": "gears", "field": "suppliers.CN",
                               "status": "changed", "old": 0.4, "new": 0.1,
                               "change": pytest.approx(-0.3)},
                              {"kind": "node", "id": "gears", "field": "suppliers.JP",
                               "status": "changed", "old": 0.6, "new": 0.9,
                               "change": pytest.approx(0.3)}]
    gears = next(r for r in data["ranking"] if r["node"] == "gears")
    assert gears["new_choke"] > gears["old_choke"]
    assert main(["diff", str(a), str(b), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Changes from ") and "## Values changed (2)" in md
    assert "| node | gears | suppliers.CN | changed | 0.4 | 0.1 |" in md


def test_markdown_escapes_chain_strings(tmp_path: Path) -> None:
    a = rm.load(write_text(tmp_path, "a.yaml", BEFORE))
    b = a.copy()
    b.graph.add_node("x_<b>", stage="upstream", suppliers={"US": 1.0})
    b.graph.add_edge("x_<b>", "robots")
    md = render(diff(a, b, scores=False), "md")
    assert "- x\\_&lt;b&gt;" in md and "<b>" not in md  # the report's escaper


def test_builtin_before_and_after_an_edit(tmp_path: Path) -> None:
    old = rm.load("industrial_robots")
    new = old.copy()
    new.graph.nodes["reduction_gears"]["suppliers"]["CN"] = 0.7
    new.graph.nodes["reduction_gears"]["suppliers"]["JP"] = 0.2
    out = tmp_path / "robots_edited.yaml"
    rm.save(new, out)
    d = diff(old, rm.load(out))
    assert set(d.values["field"]) == {"suppliers.CN", "suppliers.JP"}
    assert d.ranking.loc["reduction_gears", "choke_move"] < 0
    assert d.ranking.loc["reduction_gears", "new_rank"] > 1


def test_diff_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "bicycle", "nope_chain"]) == 1
    assert "no built-in chain" in capsys.readouterr().err
    assert main(["diff", "bicycle"]) == 2
