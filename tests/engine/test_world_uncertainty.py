"""Monte Carlo draws the world's shares (``world_suppliers`` with ``low``/``high``,
docs/model.md §1.3 and §1.6) as it draws supplier shares: together per node, scaled
down above 1, in the order of their identity; a node without world shares has the world
draw on its drawn ``suppliers``. Hand-computed on the battery chain of
test_world_suppliers.py (German car makers' cells half Polish, half German)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import riskmodel as rm
from riskmodel.uncertainty import ranged_count, sample_run

HEAD = """\
schema: riskmodel/chain@1
name: battery
perspective: {home: DE}
nodes:
"""
ANODE = """\
  - id: anode
    stage: upstream
    suppliers: {JP: 1.0}
    world_suppliers:
      CN: {value: 0.9, low: 0.5, high: 1.0, dist: uniform}
      JP: {value: 0.1, low: 0.0, high: 0.2}
"""
# the same shares, their keys in the other order
ANODE_SWAPPED = """\
  - id: anode
    stage: upstream
    suppliers: {JP: 1.0}
    world_suppliers:
      JP: {value: 0.1, low: 0.0, high: 0.2}
      CN: {value: 0.9, low: 0.5, high: 1.0, dist: uniform}
"""
REST = """\
  - id: cells
    stage: midstream
    suppliers: {PL: 0.5, DE: 0.5}
  - id: cars
    stage: end_use
    value: 1
edges:
  - {from: anode, to: cells}
  - {from: cells, to: cars}
"""
# cars first: the nodes in another order
REST_FIRST = """\
  - id: cars
    stage: end_use
    value: 1
  - id: cells
    stage: midstream
    suppliers: {PL: 0.5, DE: 0.5}
"""
EDGES = """\
edges:
  - {from: cells, to: cars}
  - {from: anode, to: cells}
"""


def load(tmp_path: Path, text: str, name: str = "battery.yaml") -> rm.Chain:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return rm.load(path, strict=True)


def test_a_ranged_world_share_spreads_a_chinese_stop(tmp_path: Path) -> None:
    chain = load(tmp_path, HEAD + ANODE + REST)  # strict: a world range is valid
    assert ranged_count(chain) == 2
    # China stops anode to all: German plants draw on Japan, Polish ones on the world's
    # shares, so the loss is 0.5 · (China's drawn world share, scaled with Japan's to at
    # most 1)
    mc = rm.monte_carlo(chain, [rm.Cut("CN")], draws=200, seed=7, chunk=200)  # one batch of draws
    assert mc.ranged_values == 2
    p, _ = sample_run(chain, 200, 7)  # the run's draws, block by block
    c = chain.compiled
    rows = {c.countries[k]: i for i, k in enumerate(p.row_country)
            if c.ids[p.row_node[i]] == "anode"}
    cn, jp = p.world_share[rows["CN"]], p.world_share[rows["JP"]]
    assert np.all(cn + jp <= 1 + 1e-12) and np.any(cn + jp > 0.999)  # scaled down above 1
    loss = mc.draws["immediate_loss"].to_numpy()
    assert loss == pytest.approx(0.5 * cn, abs=1e-12)
    assert loss.max() - loss.min() > 0.15  # the spread: 0.5 · (0.5..1)
    # the focal market's shares are not drawn
    assert np.all(p.row_share[rows["JP"]] == 1.0)
    # the same seed, the same numbers; without the range, one number
    again = rm.monte_carlo(chain, [rm.Cut("CN")], draws=200, seed=7, chunk=200)
    assert np.array_equal(again.draws["immediate_loss"], mc.draws["immediate_loss"])
    fixed = load(tmp_path, HEAD + ANODE.replace(
        "{value: 0.9, low: 0.5, high: 1.0, dist: uniform}", "0.9").replace(
        "{value: 0.1, low: 0.0, high: 0.2}", "0.1") + REST, "fixed.yaml")
    assert ranged_count(fixed) == 0
    assert rm.monte_carlo(fixed, [rm.Cut("CN")], draws=20, seed=7).draws[
        "immediate_loss"].to_numpy() == pytest.approx(np.full(20, 0.45), abs=1e-12)


def test_draws_follow_identity_not_file_order(tmp_path: Path) -> None:
    a = load(tmp_path, HEAD + ANODE + REST, "a.yaml")
    b = load(tmp_path, HEAD + REST_FIRST + ANODE_SWAPPED + EDGES, "b.yaml")
    for cut in ([rm.Cut("CN")], [rm.Cut("JP", to=("PL",))]):
        da = rm.monte_carlo(a, cut, draws=50, seed=3).draws
        db = rm.monte_carlo(b, cut, draws=50, seed=3).draws
        assert np.array_equal(da["immediate_loss"], db["immediate_loss"])
        assert da["immediate_loss"].std() > 0.01


def test_the_world_draws_on_the_drawn_suppliers_of_a_node_without_world_shares(
        tmp_path: Path) -> None:
    # anode has no world shares: every producer draws on its drawn Japanese share d,
    # so Japan's stop loses d of the cells (German and Polish plants alike); cells'
    # world shares make the world a class of its own
    text = HEAD + """\
  - id: anode
    stage: upstream
    suppliers: {JP: {value: 0.6, low: 0.4, high: 0.8}, other: 0.4}
  - id: cells
    stage: midstream
    suppliers: {PL: 0.5, DE: 0.5}
    world_suppliers: {PL: 1.0}
  - id: cars
    stage: end_use
    value: 1
edges:
  - {from: anode, to: cells}
  - {from: cells, to: cars}
"""
    chain = load(tmp_path, text)
    assert chain.compiled.world is not None
    mc = rm.monte_carlo(chain, [rm.Cut("JP")], draws=100, seed=11, chunk=100)
    p, used = sample_run(chain, 100, 11)
    assert used == 1
    d = p.row_share[list(p.row_node).index(chain.compiled.index.get_loc("anode"))]
    assert mc.draws["immediate_loss"].to_numpy() == pytest.approx(d, abs=1e-12)
    assert d.std() > 0.01

