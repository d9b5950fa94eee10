"""A combined view (``riskmodel/combined@1``) keeps its chains' world shares
(``world_suppliers``, docs/model.md §1.3): qualified with the chain's name, in the
engine's numbers, and known to the view's scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

import riskmodel as rm

ANODE = """\
schema: riskmodel/chain@1
name: anode
perspective: {home: DE}
nodes:
  - id: anode
    stage: upstream
    suppliers: {JP: 1.0}
    world_suppliers: {CN: 0.9, TW: {share: 0.1, controlled_by: [US]}}
  - id: cells
    stage: midstream
    suppliers: {PL: 0.5, DE: 0.5}
  - id: packs
    stage: end_use
    value: 1
edges:
  - {from: anode, to: cells}
  - {from: cells, to: packs}
"""
CARS = """\
schema: riskmodel/chain@1
name: cars
perspective: {home: DE}
nodes:
  - id: body
    stage: upstream
    suppliers: {DE: 1.0}
  - id: car
    stage: end_use
    value: 1
edges:
  - {from: body, to: car}
"""


def view(tmp_path: Path) -> Path:
    (tmp_path / "anode.yaml").write_text(ANODE, encoding="utf-8")
    (tmp_path / "cars.yaml").write_text(CARS, encoding="utf-8")
    path = tmp_path / "view.yaml"
    path.write_text(f"""\
schema: riskmodel/combined@1
name: view
chains: [{tmp_path / 'anode.yaml'}, {tmp_path / 'cars.yaml'}]
links:
  - {{from: anode.cells, to: cars.car}}
scenarios:
  - id: china
    cuts: [{{country: CN}}]
""", encoding="utf-8")
    return path


def test_a_combined_view_keeps_the_world_shares(tmp_path: Path) -> None:
    chain = rm.load(view(tmp_path), strict=True)  # CN, named only by the world, is known
    attrs = chain.graph.nodes["anode.anode"]
    assert attrs["world_suppliers"] == {"CN": 0.9, "TW": 0.1}
    assert attrs["world_controlled_by"] == {"TW": ("US",)}
    assert attrs["suppliers"] == {"JP": 1.0}
    assert chain.compiled.world is not None
    # China stops anode to all: German cell plants draw on Japan, Polish ones on the
    # world's shares, A_cells = 0.5·1 + 0.5·0.1 = 0.55; the car needs the cells and its
    # German body: loss 0.45 on the car and on the packs alike
    res = rm.simulate(chain, "china", months=1)
    assert float(res.summary["immediate_loss"]) == pytest.approx(0.45, abs=1e-12)
    # the US controls Taiwan's share of the world's anode: its stop reaches it
    us = rm.simulate(chain, [rm.Cut("US")], months=1)
    assert float(us.summary["immediate_loss"]) == pytest.approx(0.05, abs=1e-12)
