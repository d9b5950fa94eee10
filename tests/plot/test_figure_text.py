"""Figures checked: no title drawn over another text, nothing cut off at the figure's
edge (:func:`riskmodel.plot.text_problems`), for every plot function on built-in
chains, and one title each that a caller can replace or leave out."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from test_plot import _calls

import riskmodel as rm
from riskmodel import plot

matplotlib.use("Agg")

CALLER = "A title the caller sets, long enough to reach well across the figure's width"


def _results(name: str) -> dict:
    chain = rm.load(name)
    scores = rm.score(chain)
    return {
        "chain": chain, "scores": scores, "lev": rm.leverage(chain),
        "cs": rm.cutsets(chain, max_size=2, threshold=0.25),
        "sims": [rm.simulate(chain, d["id"]) for d in chain.scenarios],
        "pa": rm.policy_alignment(chain, scores),
        "unc": rm.score_uncertainty(chain, draws=10, seed=1, scores=scores),
    }


@pytest.fixture(scope="module", params=["bicycle", "industrial_robots"])
def results(request):
    return _results(request.param)


@pytest.fixture(scope="module")
def bicycle_results():
    """One chain is enough for the caller's titles."""
    return _results("bicycle")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _titles(ax):
    return [ax.get_title(loc=loc) for loc in ("left", "center", "right")]


def test_every_figure_has_its_text_in_place(results):
    for func, args, kw in _calls(results):
        fig, ax = func(*args, **kw)
        assert plot.text_problems(fig) == [], func.__name__
        left, centre, right = _titles(ax)
        assert left and not centre and not right, func.__name__  # one title, at the left
        plt.close(fig)


@pytest.mark.parametrize("title", [CALLER, ""])
def test_a_callers_title_replaces_the_default(bicycle_results, title):
    for func, args, kw in _calls(bicycle_results):
        fig, ax = func(*args, title=title, **kw)
        assert _titles(ax) == [title, "", ""], func.__name__
        assert plot.text_problems(fig) == [], func.__name__
        plt.close(fig)


def test_a_title_set_on_the_callers_axes_is_kept_alone():
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    ax.set_title(CALLER)
    plot.choke_factors(rm.score(rm.load("bicycle")), top=3, ax=ax)
    assert _titles(ax) == ["", CALLER, ""]
    assert plot.text_problems(fig) == []


def test_overlapping_titles_and_cut_off_text_are_found():
    scores = rm.score(rm.load("bicycle"))
    fig, ax = plot.choke_factors(scores, top=3)
    ax.set_title(CALLER)  # the notebook's old way: a second title over the first
    problems = plot.text_problems(fig)
    assert problems == [f"text overlaps: {CALLER!r} and "
                        "'Choke points and what relieves them'"]
    fig2, ax2 = plot.choke_factors(scores, top=3)
    ax2.text(0.9, 0.5, "a note running off the right edge of the figure",
             transform=ax2.transAxes, in_layout=False)  # the layout makes no room for it
    (problem,) = plot.text_problems(fig2)
    assert problem.startswith("text cut off at the figure's edge: 'a note running off")


def test_long_carrier_names_stay_within_the_leverage_figure():
    # the combined chain's qualified ids (chain.node) once ran past the right edge
    lev = pd.DataFrame({"leverage": [0.7, 0.4], "immediate": [0.8, 0.5],
                        "long_run": [0.6, 0.3], "nodes_supplied": [5, 3],
                        "carriers": [["industrial_robots.wafer_handling_automation",
                                      "semiconductors.mature_ics",
                                      "industrial_robots.servo_mechanisms"],
                                     ["semiconductors.mature_foundry"]]},
                       index=["JP", "US"])
    fig, ax = plot.leverage(lev)
    assert plot.text_problems(fig) == []
    # as many carriers as fit, each shortened from the left
    assert [t.get_text() for t in ax.texts] == [" 70%  via …wafer_handling_automation",
                                                " 40%  via …conductors.mature_foundry"]
