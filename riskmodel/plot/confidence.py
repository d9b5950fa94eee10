"""Figures of how far the results can be trusted: rank intervals over the data's
uncertainty (:func:`riskmodel.score_uncertainty`) and the data's provenance
(:mod:`riskmodel.provenance`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.style import clean_spines, empty_axes, percent_axis, safe_text, set_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskmodel.model import Chain

__all__ = ["provenance", "rank_intervals"]


def rank_intervals(unc: pd.DataFrame, *, top: int = 15, ax: Axes | None = None,
                   title: str | None = None) -> tuple[Figure, Axes]:
    """Rank intervals (P5–P95 over the Monte Carlo draws) of the top choke points, with
    the baseline rank (◆) and the probability of staying in the top ``k``.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> unc = rm.score_uncertainty(rm.load("bicycle"), draws=20, seed=1, top=3)
    >>> fig, ax = rm.plot.rank_intervals(unc, top=5)
    >>> ax.get_xlabel()
    'rank (1 = worst choke point)'
    >>> plt.close(fig)
    """
    from matplotlib.ticker import MaxNLocator

    df = unc.sort_values("baseline_rank").head(top)
    fig, ax = figure_axes(ax, (8.0, 0.36 * len(df) + 1.8))
    if df.empty:
        empty_axes(ax, "no nodes")
        set_title(ax, title, "Rank intervals over the data's uncertainty")
        return fig, ax
    y = np.arange(len(df))
    lo, hi = df["rank_p5"].to_numpy(float), df["rank_p95"].to_numpy(float)
    base = df["baseline_rank"].to_numpy(float)
    k = unc.attrs.get("top", 5)
    ax.hlines(y, lo, hi, color="#0072B2", lw=5, alpha=0.55, label="P5–P95 rank")
    ax.plot(base, y, "D", color="#D55E00", ms=6, mec="black", mew=0.5, label="baseline rank",
            ls="none")
    right = float(max(hi.max(), base.max()))
    for yi, p in zip(y, df["p_top"].to_numpy(float), strict=True):
        ax.text(right + 0.8, yi, f"P(top {k}) {p:.0%}", va="center", fontsize=7,
                color="#333333")
    ax.axvspan(0.5, k + 0.5, color="#F0E442", alpha=0.18, lw=0, label=f"top {k}")
    ax.set_yticks(y, [safe_text(x, 34, tail=True) for x in df.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0.5, right + 4.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rank (1 = worst choke point)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3)
    draws, seed = unc.attrs.get("draws"), unc.attrs.get("seed")
    set_title(ax, title, "Rank intervals over the data's uncertainty"
              + (f" ({draws} draws, seed {seed})" if draws else ""), pad=20)
    clean_spines(ax)
    return fig, ax


def provenance(chain: Chain, *, ax: Axes | None = None, title: str | None = None
               ) -> tuple[Figure, Axes]:
    """How the chain's numbers are backed, per field: sourced, marked estimates, or
    neither (see :mod:`riskmodel.provenance`), with the count of values at right.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.provenance(rm.load("industrial_robots"))
    >>> ax.get_xlabel()
    'share of the values given'
    >>> plt.close(fig)
    """
    from riskmodel.provenance import provenance as table

    prov = table(chain)
    field = prov["field"].where(prov["kind"] != "supplier", "share")
    counts = pd.crosstab([prov["kind"], field], prov["class"]) if len(prov) else pd.DataFrame()
    counts = counts.reindex(columns=["sourced", "estimate", "unsourced"], fill_value=0)
    rank = {"node": 0, "supplier": 1, "edge": 2}
    if len(counts):
        counts = counts.iloc[sorted(range(len(counts)), key=lambda i: (
            rank.get(counts.index[i][0], 3), i))]
    fig, ax = figure_axes(ax, (8.0, 0.34 * len(counts) + 1.9))
    if prov.empty:
        empty_axes(ax, "the chain gives no numbers")
        set_title(ax, title, "Data provenance")
        return fig, ax
    y = np.arange(len(counts))
    total = counts.sum(axis=1).to_numpy(float)
    left = np.zeros(len(counts))
    for col, colour, label in (("sourced", "#009E73", "sourced"),
                               ("estimate", "#E69F00", "marked estimate"),
                               ("unsourced", "#BBBBBB", "neither")):
        frac = counts[col].to_numpy(float) / np.maximum(total, 1)
        ax.barh(y, frac, left=left, color=colour, label=label, edgecolor="white", lw=0.5)
        left += frac
    for yi, t in zip(y, total, strict=True):
        ax.text(1.01, yi, f"{int(t):,}", va="center", fontsize=7, color="#333333")
    names = {"node": "node", "supplier": "supplier", "edge": "edge"}
    ax.set_yticks(y, [safe_text(f"{names.get(k, k)} {f}", 40) for k, f in counts.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    percent_axis(ax)
    ax.set_xlabel("share of the values given", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0))
    n = len(prov)
    shares = prov["class"].value_counts() / n
    set_title(ax, title, f"Data provenance: {n:,} values, {shares.get('sourced', 0):.0%} "
              f"sourced, {shares.get('estimate', 0):.0%} marked estimates", pad=22)
    clean_spines(ax)
    return fig, ax
