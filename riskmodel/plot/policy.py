"""Figures of policy alignment: support and profit by stage (the smile curve), and
support against choke score per node (:func:`riskmodel.policy_alignment`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.style import (
    clean_spines,
    empty_axes,
    percent_axis,
    safe_text,
    set_title,
    stage_colour,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskmodel.scoring import PolicyAlignment

__all__ = ["smile_curve", "support_vs_choke"]

_SUPPORT_STYLE = {"subsidy_intensity": ("subsidy / sales", "#E69F00", "o"),
                  "rd_intensity": ("R&D / sales", "#0072B2", "s"),
                  "profit_margin": ("profit / sales", "#009E73", "^")}


def smile_curve(pa: PolicyAlignment, *, ax: Axes | None = None, title: str | None = None
                ) -> tuple[Figure, Axes]:
    """Subsidy, R&D and profit intensity by stage (the "smile curve"), with the number
    of nodes behind each point. Stages without any figure are left out.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.smile_curve(rm.policy_alignment(rm.load("industrial_robots")))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['upstream', 'midstream', 'downstream']
    >>> plt.close(fig)
    """
    st = pa.by_stage
    cols = [c for c in _SUPPORT_STYLE if c in st]
    st = st[st[cols].notna().any(axis=1)] if cols else st.iloc[:0]
    fig, ax = figure_axes(ax, (7.0, 4.0))
    if st.empty or all(st[c].isna().all() for c in _SUPPORT_STYLE if c in st):
        empty_axes(ax, "no subsidy, R&D or profit figures in this chain")
        set_title(ax, title, "Support and profit by stage (the smile curve)")
        return fig, ax
    x = np.arange(len(st))
    for col, (label, colour, marker) in _SUPPORT_STYLE.items():
        if col not in st or st[col].isna().all():
            continue
        vals = st[col].to_numpy(float)
        ax.plot(x, vals, marker=marker, color=colour, lw=1.8, ms=7, label=label)
        for xi, v, k in zip(x, vals, st.get(f"{col}_n", pd.Series(0, index=st.index)),
                            strict=True):
            if np.isfinite(v):
                ax.annotate(f"n={int(k)}", (xi, v), textcoords="offset points", xytext=(5, 4),
                            fontsize=6, color=colour)
    ax.set_xticks(x, [safe_text(s, 16).replace("_", " ") for s in st.index], fontsize=8)
    ax.set_xlim(-0.4, len(st) - 0.6)
    percent_axis(ax, "y")
    ax.set_ylabel("mean share of sales", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=7, frameon=False)
    set_title(ax, title, "Support and profit by stage (the smile curve)")
    clean_spines(ax)
    return fig, ax


def support_vs_choke(pa: PolicyAlignment, *, ax: Axes | None = None, title: str | None = None
                     ) -> tuple[Figure, Axes]:
    """Support (mean of subsidy and R&D intensity) against choke score, per node.

    Points take their stage colour; the nodes with the largest support gaps are named.
    Nodes without support figures are counted in the title, never plotted as zero.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.support_vs_choke(rm.policy_alignment(rm.load("industrial_robots")))
    >>> ax.get_xlabel()
    'support: mean of subsidy and R&D intensity'
    >>> plt.close(fig)
    """
    from matplotlib.patches import Patch

    nodes = pa.nodes
    stages = [str(s) for s in pa.by_stage.index]
    fig, ax = figure_axes(ax, (7.0, 4.6))
    missing = max(pa.excluded.get("subsidy_intensity", 0), pa.excluded.get("rd_intensity", 0))
    if nodes.empty:
        empty_axes(ax, "no node has both support figures and a choke score")
        set_title(ax, title, "Support against choke score")
        return fig, ax
    colours = [stage_colour(str(s), stages) for s in nodes["stage"]]
    ax.scatter(nodes["support"].to_numpy(float), nodes["choke_score"].to_numpy(float),
               c=colours, s=50, edgecolors="#333333", linewidths=0.6, zorder=3)
    gap = nodes["support_gap"].abs().sort_values(ascending=False, kind="stable")
    at = nodes[["support", "choke_score"]].round(6).apply(tuple, axis=1)
    named: set[tuple[float, float]] = set()
    for node in gap.index:
        if len(named) >= 6:
            break
        point = at[node]
        if point in named:
            continue
        named.add(point)
        others = int((at == point).sum()) - 1
        r = nodes.loc[node]
        ax.annotate(safe_text(node, 30, tail=True) + (f" +{others} more" if others else ""),
                    (r["support"], r["choke_score"]), textcoords="offset points",
                    xytext=(5, 3), fontsize=7, color="#333333")
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_xlabel("support: mean of subsidy and R&D intensity", fontsize=8)
    ax.set_ylabel("choke score", fontsize=8)
    ax.tick_params(labelsize=8)
    present = [s for s in stages if s in set(nodes["stage"])]
    ax.legend(handles=[Patch(color=stage_colour(s, stages),
                             label=safe_text(s, 16).replace("_", " ")) for s in present],
              fontsize=7, frameon=False)
    rho = pa.correlation["spearman"].dropna() if "spearman" in pa.correlation else pd.Series()
    corr = "; ".join(f"ρ({safe_text(k, 20).replace('_intensity', '')}) = {v:+.2f}"
                     for k, v in rho.items())
    set_title(ax, title, f"Support against choke score ({len(nodes)} nodes"
              + (f"; {missing} without support figures" if missing else "") + ")"
              + (f"\nSpearman {corr}" if corr else ""))
    clean_spines(ax)
    return fig, ax

