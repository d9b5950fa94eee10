"""The chain diagram: the chain laid out by stage (:mod:`riskmodel.plot.layout`), nodes
coloured by choke score and sized by value, and a fallback for large chains that draws
only the top nodes and sums up each stage in its header."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.layout import layered_layout
from riskmodel.plot.style import (
    CHOKE_CMAP,
    EDGE_GREY,
    percent_axis,
    safe_text,
    set_title,
    stage_colour,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskmodel.engine.compiled import Compiled
    from riskmodel.model import Chain

__all__ = ["chain_diagram"]


def chain_diagram(chain: Chain, scores: pd.DataFrame | None = None, *, ax: Axes | None = None,
                  max_nodes: int = 100, top: int = 30, title: str | None = None
                  ) -> tuple[Figure, Axes]:
    """The chain laid out by stage, nodes coloured by choke score and sized by value.

    Inputs flow left to right, one column band per stage; edges within a stage, and
    edges that run backwards (cycles), are drawn as arcs. A node's marker area grows
    with its ``value`` where the chain gives one. Non-essential inputs are dashed.

    Parameters
    ----------
    chain : Chain
    scores : DataFrame, optional
        :func:`riskmodel.score` of the chain; nodes are coloured by ``choke_score``
        (its upper bound ``choke_immediate`` where it was not scored exactly). Without
        scores nodes take their stage colour.
    max_nodes : int
        Chains with more nodes are drawn as a fallback: each stage's header gives its
        aggregate (nodes, value, edges, worst choke score), and only the ``top`` nodes
        by choke score (by number of connections without scores) are drawn.
    top : int
        How many nodes the fallback draws.
    title : str, optional
        The figure's title (default: the chain's title; ``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> fig, ax = rm.plot.chain_diagram(bike, rm.score(bike))
    >>> ax.get_title(loc="left")
    'Bicycles and e-bikes (illustrative example, not data)'
    >>> fig2, ax2 = rm.plot.chain_diagram(bike, max_nodes=5, top=4)   # the fallback
    >>> [t.get_text().splitlines()[1] for t in ax2.texts if t.get_text().startswith("Mid")]
    ['6 nodes, 2 shown']
    >>> plt.close(fig); plt.close(fig2)
    """
    c = chain.compiled
    ids = [str(x) for x in c.ids]
    stages = list(c.stages)
    src = np.asarray(c.in_src, dtype=np.int64)
    dst = np.asarray(c.in_dst, dtype=np.int64)
    stage_of = np.asarray(c.stage, dtype=np.int64)
    choke = _node_choke(scores, ids)
    aggregate = c.n > max_nodes
    shown = _top_nodes(c.n, src, dst, choke, top) if aggregate else np.arange(c.n)
    keep = np.zeros(c.n, dtype=bool)
    keep[shown] = True
    ekeep = keep[src] & keep[dst]
    layers, xy, bands, n_rows, width = layered_layout(stage_of, len(stages), shown,
                                                       src[ekeep], dst[ekeep])
    fig, ax = figure_axes(ax, (min(24.0, 2.1 * width + 1.6), max(4.0, 0.36 * n_rows + 2.4)))
    _draw_edges(ax, xy, src[ekeep], dst[ekeep], np.asarray(c.edge_essential, dtype=bool)[ekeep])
    order = [v for layer in layers for v in layer]
    horizon = scores.attrs.get("horizon", 12) if scores is not None else 12
    worst = _draw_nodes(fig, ax, c, order, xy, choke, horizon)
    names = _labels(chain)
    _draw_labels(ax, order, xy, [names.get(i, i) for i in ids], worst)
    top_y = -(n_rows - 1) / 2 - (1.0 if not aggregate else 0.8)
    for s, (a, _) in enumerate(bands):
        ax.text(a + 0.05, top_y, _stage_header(c, s, len(layers[s]), choke, aggregate),
                fontsize=9, fontweight="bold", color=stage_colour(stages[s], stages),
                va="bottom", ha="left")
    ax.set_xlim(-0.3, width + 0.9)
    ax.set_ylim((n_rows - 1) / 2 + 0.8, top_y - (2.6 if aggregate else 0.6))
    ax.axis("off")
    set_title(ax, title, safe_text(chain.title, 90))
    if aggregate:
        ax.text(0.0, -0.02, f"{c.n:,} nodes: showing the {len(shown)} "
                + ("with the highest choke scores" if choke is not None
                   else "with the most connections") + " and the edges among them",
                transform=ax.transAxes, fontsize=8, va="top", color="#444444")
    return fig, ax


def _node_choke(scores: pd.DataFrame | None, ids: list[str]) -> np.ndarray | None:
    """Each node's choke score (its upper bound ``choke_immediate`` where it was not
    scored exactly, 0 where neither is known), in the order of ``ids``; ``None``
    without scores."""
    if scores is None:
        return None
    sc = scores.reindex(ids)
    return sc["choke_score"].fillna(sc["choke_immediate"]).fillna(0.0).to_numpy(float)


def _top_nodes(n: int, src: np.ndarray, dst: np.ndarray, choke: np.ndarray | None,
               top: int) -> np.ndarray:
    """The ``top`` nodes the fallback draws, in index order: those with the highest
    choke scores, or without scores those with the most connections."""
    if choke is not None:
        key = choke
    else:
        key = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    return np.sort(np.argsort(-np.asarray(key, dtype=float), kind="stable")[:top])


def _draw_edges(ax: Axes, xy: dict[int, tuple[float, float]], src: np.ndarray,
                dst: np.ndarray, essential: np.ndarray) -> None:
    """Draw the edges: straight lines where they run forward, arcs within a stage or
    backwards (cycles); non-essential inputs dashed."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import FancyArrowPatch

    straight, dashed, arcs = [], [], []
    for u, v, ess in zip(src, dst, essential, strict=True):
        (xu, yu), (xv, yv) = xy[int(u)], xy[int(v)]
        if xv > xu + 0.5:
            (straight if ess else dashed).append([(xu, yu), (xv, yv)])
        else:
            arcs.append(((xu, yu), (xv, yv), ess))
    ax.add_collection(LineCollection(straight, colors=EDGE_GREY, linewidths=0.7, alpha=0.45,
                                     zorder=1))
    ax.add_collection(LineCollection(dashed, colors=EDGE_GREY, linewidths=0.7, alpha=0.45,
                                     linestyles="--", zorder=1))
    for a, b, ess in arcs:
        ax.add_patch(FancyArrowPatch(a, b, connectionstyle="arc3,rad=0.35", arrowstyle="-|>",
                                     mutation_scale=7, color=EDGE_GREY, alpha=0.6, lw=0.7,
                                     linestyle="-" if ess else "--", zorder=1))


def _draw_nodes(fig: Figure, ax: Axes, c: Compiled, order: list[int],
                xy: dict[int, tuple[float, float]], choke: np.ndarray | None,
                horizon: int) -> set[int]:
    """Draw the nodes in ``order``, sized by value and coloured by choke score (with a
    colour bar) or else by stage; return the five worst choke points, to name in bold."""
    from matplotlib.colors import Normalize

    stages = list(c.stages)
    stage_of = np.asarray(c.stage, dtype=np.int64)
    value = np.nan_to_num(np.asarray(c.value, dtype=float), nan=0.0)
    vmax = float(value[order].max()) if order and value[order].max() > 0 else 1.0
    sizes = 40 + 560 * value[order] / vmax
    pts = np.array([xy[v] for v in order]) if order else np.zeros((0, 2))
    if choke is None:
        ax.scatter(pts[:, 0], pts[:, 1], s=sizes, edgecolors="#333333", linewidths=0.8,
                   c=[stage_colour(stages[stage_of[v]], stages) for v in order], zorder=3)
        return set()
    norm = Normalize(0.0, max(0.05, float(np.nanmax(choke)) if c.n else 0.05))
    art = ax.scatter(pts[:, 0], pts[:, 1], s=sizes, c=choke[order], cmap=CHOKE_CMAP,
                     norm=norm, edgecolors="#333333", linewidths=0.8, zorder=3)
    cb = fig.colorbar(art, ax=ax, shrink=0.6, pad=0.01, fraction=0.03)
    cb.set_label(f"choke score (end-use loss at month {horizon})", fontsize=8)
    percent_axis(cb.ax, "y", decimals=0)
    cb.ax.tick_params(labelsize=7)
    return {order[i] for i in np.argsort(-choke[order], kind="stable")[:5]
            if choke[order][i] > 0}


def _draw_labels(ax: Axes, order: list[int], xy: dict[int, tuple[float, float]],
                 labels: list[str], worst: set[int]) -> None:
    """Write each drawn node's label right of it, the ``worst`` in bold."""
    for v in order:
        x, y = xy[v]
        ax.text(x + 0.09, y, safe_text(labels[v], 30), fontsize=8, va="center", ha="left",
                zorder=4, fontweight="bold" if v in worst else "normal",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                      "alpha": 0.8})


def _stage_header(c: Compiled, s: int, n_shown: int, choke: np.ndarray | None,
                  aggregate: bool) -> str:
    """The header of stage ``s``: its name and node count, and in the fallback its
    aggregate (nodes shown, edges to other stages, value, worst choke score)."""
    name = safe_text(list(c.stages)[s].replace("_", " ").capitalize(), 24)
    stage_of = np.asarray(c.stage, dtype=np.int64)
    members = stage_of == s
    if not aggregate:
        return f"{name} ({int(members.sum())})"
    src = np.asarray(c.in_src, dtype=np.int64)
    dst = np.asarray(c.in_dst, dtype=np.int64)
    out_edges = int(((stage_of[src] == s) & (stage_of[dst] != s)).sum())
    total = float(np.nansum(np.asarray(c.value, dtype=float)[members]))
    lines = [name, f"{int(members.sum()):,} nodes, {n_shown} shown",
             f"{out_edges:,} edges to other stages"]
    if total > 0:
        lines.append(f"value {total:,.4g}")
    if choke is not None and members.any():
        lines.append(f"worst choke score {np.max(choke[members]):.0%}")
    return "\n".join(lines)


def _labels(chain: Chain) -> dict[str, str]:
    """Each node's label (its id where it has none), by node id."""
    nodes = chain.nodes
    out = {}
    for i, lb in zip(nodes["id"], nodes["label"], strict=True):
        out[str(i)] = lb if isinstance(lb, str) and lb else str(i)
    return out
