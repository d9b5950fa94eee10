"""rm.plot: every figure on real results (bicycle and robot chains), ``(fig, ax)`` out."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import riskmodel as rm
from riskmodel import plot

matplotlib.use("Agg")


@pytest.fixture(scope="module", params=["bicycle", "industrial_robots"])
def results(request):
    chain = rm.load(request.param)
    scores = rm.score(chain)
    return {
        "chain": chain, "scores": scores, "lev": rm.leverage(chain),
        "cs": rm.cutsets(chain, max_size=2, threshold=0.25),
        "sims": [rm.simulate(chain, d["id"]) for d in chain.scenarios],
        "pa": rm.policy_alignment(chain, scores),
        "unc": rm.score_uncertainty(chain, draws=10, seed=1, scores=scores),
    }


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _calls(r):
    return [
        (plot.chain_diagram, (r["chain"], r["scores"]), {}),
        (plot.chain_diagram, (r["chain"],), {}),
        (plot.choke_factors, (r["scores"],), {"top": 5}),
        (plot.leverage, (r["lev"],), {"top": 5}),
        (plot.cutsets, (r["cs"],), {}),
        (plot.scenario_losses, (r["sims"],), {"threshold": 0.05}),
        (plot.smile_curve, (r["pa"],), {}),
        (plot.support_vs_choke, (r["pa"],), {}),
        (plot.rank_intervals, (r["unc"],), {"top": 8}),
        (plot.provenance, (r["chain"],), {}),
    ]


def test_every_figure_returns_fig_and_ax(results):
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    before = set(plt.get_fignums())
    for func, args, kw in _calls(results):
        fig, ax = func(*args, **kw)
        assert isinstance(fig, Figure) and isinstance(ax, Axes), func.__name__
        assert ax.figure is fig
        fig.canvas.draw()  # layout and text render without warnings (warnings are errors)
    assert len(set(plt.get_fignums()) - before) == len(_calls(results))


def test_draws_into_a_given_ax(results):
    fig, axes = plt.subplots(2, 5, figsize=(20, 8))
    for (func, args, kw), ax in zip(_calls(results), axes.ravel(), strict=True):
        got_fig, got_ax = func(*args, ax=ax, **kw)
        assert got_fig is fig and got_ax is ax
    fig.canvas.draw()


def test_to_png_leaves_pyplot_alone(results):
    before = plt.get_fignums()
    png = plot.to_png(plot.chain_diagram, results["chain"], results["scores"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert plt.get_fignums() == before


def test_choke_factors_stack_to_the_immediate_loss(results):
    s = results["scores"]
    _, ax = plot.choke_factors(s, top=4)
    top = s.sort_values("rank").head(4)
    widths = np.array([p.get_width() for p in ax.patches[:12]]).reshape(3, 4)
    np.testing.assert_allclose(widths.sum(axis=0), top["choke_immediate"], atol=1e-9)
    np.testing.assert_allclose(widths[0], top["choke_score"].fillna(0), atol=1e-12)


def test_one_colour_per_country_across_figures(results):
    lev = results["lev"].head(4)
    _, ax = plot.leverage(lev)
    bars = ax.patches[len(lev):2 * len(lev)]
    assert [to_hex(b.get_facecolor()) for b in bars] == [
        plot.country_colour(x).lower() for x in lev.index]
    cs = pd.DataFrame({"size": [2], "countries": [tuple(lev.index[:2])],
                       "availability": [0.01]})
    _, ax2 = plot.cutsets(cs)
    dots = ax2.collections[1].get_facecolors()
    assert [to_hex(c) for c in dots] == [plot.country_colour(x).lower()
                                         for x in lev.index[:2]]


def test_stage_colours_follow_the_stage_order():
    stages = ["upstream", "midstream", "downstream", "end_use"]
    colours = [plot.stage_colour(s, stages) for s in stages]
    assert len(set(colours)) == 4
    assert colours[0] == plot.OKABE_ITO[0]


def test_empty_inputs_draw_a_message():
    empty_lev = pd.DataFrame(columns=["leverage", "immediate", "long_run", "nodes_supplied",
                                      "carriers"])
    for func, arg in ((plot.leverage, empty_lev), (plot.scenario_losses, []),
                      (plot.cutsets, pd.DataFrame(columns=["size", "countries",
                                                           "availability"]))):
        fig, ax = func(arg)
        assert ax.texts, func.__name__
        fig.canvas.draw()


def test_large_chain_falls_back_to_stage_aggregate_and_top_nodes():
    g = nx.DiGraph()
    rng = np.random.default_rng(0)
    for i in range(150):
        g.add_node(f"u{i}", stage="upstream",
                   suppliers={"JP": float(rng.uniform(0.1, 0.9)), "CN": 0.05})
    for j in range(20):
        g.add_node(f"m{j}", stage="midstream")
        for i in range(j, 150, 20):
            g.add_edge(f"u{i}", f"m{j}")
    g.add_node("end", stage="end_use", value=1.0)
    for j in range(20):
        g.add_edge(f"m{j}", "end", essential=False, share=0.05)
    chain = rm.Chain(g, name="big", perspective={"home": "CN"})
    scores = rm.score(chain)
    fig, ax = plot.chain_diagram(chain, scores, max_nodes=100, top=12)
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Upstream\n150 nodes, ") for t in texts)
    assert any("showing the 12 with the highest choke scores" in t for t in texts)
    node_labels = [t for t in texts if t in set(scores.index)]
    assert len(node_labels) == 12
    fig.canvas.draw()


def test_hostile_labels_are_plain_text():
    g = nx.DiGraph()
    g.add_node("a", stage="upstream", label="$\\frac{1}{0}$ <script>\n" + "x" * 200,
               suppliers={"JP": 1.0})
    g.add_node("b", stage="end_use", value=1.0, label="$$$ ^_^ $")
    g.add_edge("a", "b")
    chain = rm.Chain(g, name="h", title="$x^$ {broken", perspective={"home": "CN"})
    fig, ax = plot.chain_diagram(chain, rm.score(chain))
    fig.canvas.draw()  # mathtext would fail on these; they are escaped
    labels = [t.get_text() for t in ax.texts]
    assert any(t.startswith(r"\$\frac") and t.endswith("…") for t in labels)


def test_importing_riskmodel_does_not_import_matplotlib():
    code = ("import sys, riskmodel, riskmodel.plot, riskmodel.reporting; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
