"""rm.plot.tornado: the bars are the tornado's scores, on a hand-computed chain."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
from helpers import chain_of

import riskmodel as rm

matplotlib.use("Agg")


def ore_gas() -> rm.Chain:
    """The chain of tests/scoring/test_sensitivity.py: ore half from Japan with a month
    of stock (none to 100 months), gas 30% from Korea, both essential to widgets."""
    return chain_of(
        {"ore": {"stage": "upstream", "suppliers": {"JP": 0.5, "CN": 0.5},
                 "inventory_months": 1.0, "provenance": {"inventory_months": {
                     "value": 1.0, "low": 0.0, "high": 100.0}}},
         "gas": {"stage": "upstream", "suppliers": {"KR": 0.3, "CN": 0.7}},
         "widget": {"stage": "end_use", "value": 1.0}},
        [("ore", "widget", {}), ("gas", "widget", {})])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sens():
    return rm.sensitivity(ore_gas(), top=2)


def test_bars_run_from_the_base_to_the_low_and_high_scores(sens):
    fig, ax = rm.plot.tornado(sens, "ore")
    # by hand (tests/scoring/test_sensitivity.py): base 50% (a month of stock runs out
    # by month 2), 50% with no stock, 0 with 100 months
    base = float(sens.loc[(sens["node"] == "ore") & (sens["kind"] == "base"),
                          "choke_score"].iloc[0])
    low, high = (p for p in ax.patches if p.get_height() == pytest.approx(0.36))
    assert low.get_x() == pytest.approx(base) and low.get_width() == pytest.approx(0.5 - base)
    assert high.get_x() + high.get_width() == pytest.approx(0.0, abs=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["inventory_months: ore"]
    assert rm.plot.text_problems(fig) == []


def test_nothing_to_show_and_a_node_not_tested(sens):
    fig, ax = rm.plot.tornado(sens, "gas")  # no ranged number can move it
    assert "no ranged number can move its score" in [t.get_text() for t in ax.texts]
    assert rm.plot.text_problems(fig) == []
    with pytest.raises(KeyError, match="did not test 'widget'; it tested: ore, gas"):
        rm.plot.tornado(sens, "widget")


def test_draws_into_a_given_ax_on_a_built_in_chain():
    s = rm.sensitivity(rm.load("industrial_robots"), top=2, baseline=False, horizons=())
    fig, axes = plt.subplots(1, 2, figsize=(16, 5), layout="constrained")
    for node, ax in zip(s.attrs["robust"], axes, strict=True):
        got_fig, got_ax = rm.plot.tornado(s, node, ax=ax, title=f"tornado of {node}")
        assert got_fig is fig and got_ax is ax
    assert rm.plot.text_problems(fig) == []
