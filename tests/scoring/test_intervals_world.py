"""Score intervals on a chain whose nodes carry the world's shares (``world_suppliers``).

The Monte Carlo of :func:`riskmodel.score_uncertainty` runs one column per (draw, node);
the world's shares must be widened with the other numbers, or the draws crash (the
industrial-robot report did).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import riskmodel as rm

BATTERY = """\
schema: riskmodel/chain@1
name: battery_world
perspective: {home: DE}
nodes:
  - id: anode
    stage: upstream
    suppliers: {JP: 1.0}
    world_suppliers: {CN: 0.9, JP: 0.1}
    lead_time_months: {value: 6, low: 5, high: 7}
  - {id: cells, stage: midstream, suppliers: {PL: 0.5, DE: 0.5}}
  - {id: cars, stage: end_use, value: 1}
edges:
  - {from: anode, to: cells}
  - {from: cells, to: cars}
"""


def test_score_intervals_read_the_world_shares(tmp_path: Path) -> None:
    """By hand (docs/model.md §1.3): Japan stops anode to all. German cell plants draw on
    Japan alone and stop; Polish ones draw on the world's shares and lose Japan's 0.1, so
    cells keep 0.5·0 + 0.5·0.9 = 0.45 and the loss is 0.55 in every draw (the ranged lead
    time has no substitution to ramp). Poland's cut of cells loses 0.5."""
    path = tmp_path / "battery.yaml"
    path.write_text(BATTERY, encoding="utf-8")
    chain = rm.load(path)
    s = rm.score(chain)
    assert s.loc["anode", "choke_score"] == pytest.approx(0.55)
    u = rm.score_uncertainty(chain, draws=4, seed=0)
    assert u.loc["anode", "p5"] == pytest.approx(0.55)
    assert u.loc["anode", "p95"] == pytest.approx(0.55)
    assert u.loc["cells", "p50"] == pytest.approx(0.5)


def test_ranged_world_shares_are_drawn_per_draw(tmp_path: Path) -> None:
    """Japan's world share drawn in 0.05–0.15: the anode cut loses 0.5 + 0.5·JP in each
    draw, so every percentile sits in [0.525, 0.575] and the draws differ."""
    path = tmp_path / "battery.yaml"
    path.write_text(BATTERY.replace("world_suppliers: {CN: 0.9, JP: 0.1}",
                                    "world_suppliers: {CN: 0.85, "
                                    "JP: {value: 0.1, low: 0.05, high: 0.15}}"),
                    encoding="utf-8")
    u = rm.score_uncertainty(rm.load(path), draws=20, seed=1)
    lo, hi = u.loc["anode", "p5"], u.loc["anode", "p95"]
    assert 0.525 - 1e-9 <= lo < hi <= 0.575 + 1e-9
