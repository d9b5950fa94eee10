"""The world's shares in the file formats: load∘save in YAML, JSON and a bundle, checks
with place and fix, and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import riskmodel as rm

DOC = """schema: riskmodel/chain@1
name: bat
perspective: {home: DE}
nodes:
  - id: anode
    stage: upstream
    suppliers: {JP: 1.0}
    world_suppliers: {CN: {share: 0.9, controlled_by: [US]}, JP: {value: 0.1, source: s1}}
  - {id: cells, stage: midstream, suppliers: {PL: 0.5, DE: 0.5}}
  - {id: cars, stage: end_use}
edges:
  - {from: anode, to: cells}
  - {from: cells, to: cars}
sources:
  s1: {title: a source}
"""


def test_load_save_keeps_world_shares_in_every_format(tmp_path: Path) -> None:
    src = tmp_path / "bat.yaml"
    src.write_text(DOC)
    chain = rm.load(src)
    assert chain.graph.nodes["anode"]["world_suppliers"] == {"CN": 0.9, "JP": 0.1}
    assert chain.graph.nodes["anode"]["world_controlled_by"] == {"CN": ("US",)}
    for name in ("b.yaml", "b.json", "b_bundle"):
        rm.save(chain, tmp_path / name)
        assert rm.load(tmp_path / name).to_dict() == chain.to_dict(), name
    table = (tmp_path / "b_bundle" / "world_suppliers.csv").read_text()
    assert table.splitlines()[0].startswith("node,country,share")
    assert "US" in table


def test_bad_world_shares_are_placed_and_fixed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(DOC.replace("JP: {value: 0.1, source: s1}", "XX: 0.3"))
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(bad)
    errors = e.value.problems
    assert any(p.code == "share-sum" and "world_suppliers" in p.message and p.line == 8
               for p in errors)
    assert any(p.code == "country" and p.where == "node 'anode', world supplier 'XX'"
               and p.line == 8 for p in errors)


def test_a_global_view_warns(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    f.write_text(DOC.replace("perspective: {home: DE}", "perspective: global"))
    w = [p for p in rm.validate(f).warnings if p.code == "world-global"]
    assert [(p.where, p.line) for p in w] == [("node 'anode'", 8)]


def test_cli_simulate_and_validate(tmp_path: Path) -> None:
    f = tmp_path / "bat.yaml"
    f.write_text(DOC)
    run = subprocess.run([sys.executable, "-m", "riskmodel", "simulate", str(f), "--cut", "CN"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "immediate 45.0%" in run.stdout
    ok = subprocess.run([sys.executable, "-m", "riskmodel", "validate", str(f)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_require_sources_reaches_the_world_shares(tmp_path: Path) -> None:
    path = tmp_path / "bat.yaml"
    path.write_text(DOC, encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as info:
        rm.validate(path, require_sources=True)
    world = [p for p in info.value.problems if "world supplier" in (p.where or "")]
    # CN's world share is a bare number; JP's names its source but no line
    assert [(p.where, p.field, p.line, p.found) for p in world] == [
        ("node 'anode', world supplier 'CN'", "share", 8, "a bare value"),
        ("node 'anode', world supplier 'JP'", "share", 8, "no `ref`")]
    assert all("has no source" in p.message for p in world)
