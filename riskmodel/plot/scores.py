"""Figures of the country risks: the top choke points and what relieves them, country
leverage, and minimum country cut sets (:func:`riskmodel.score`,
:func:`riskmodel.leverage`, :func:`riskmodel.cutsets`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.style import (
    SCORE_COLOUR,
    STOCK_COLOUR,
    SUBST_COLOUR,
    clean_spines,
    country_colour,
    empty_axes,
    line_handle,
    percent_axis,
    safe_text,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["choke_factors", "cutsets", "leverage"]


def choke_factors(scores: pd.DataFrame, *, top: int = 10, ax: Axes | None = None,
                  title: str | None = None) -> tuple[Figure, Axes]:
    """The top choke points with their factor decomposition, as stacked bars.

    Each bar is the immediate loss of a full cut of the node by its dominant foreign
    supplier, split into what remains at the horizon (the choke score) and what
    substitution and stocks give back:
    ``choke_score + relief_substitution + relief_stock = choke_immediate``. A tick
    marks the long-run loss; nodes not scored exactly show their upper bound, hatched.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.choke_factors(rm.score(rm.load("bicycle")), top=3)
    >>> [round(float(p.get_width()), 3) for p in ax.patches[:3]]   # the choke scores
    [0.49, 0.29, 0.229]
    >>> plt.close(fig)
    """
    df = scores.sort_values("rank").head(top) if "rank" in scores else scores.head(top)
    fig, ax = figure_axes(ax, (8.0, 0.42 * len(df) + 1.6))
    if df.empty:
        empty_axes(ax, "no nodes to rank")
        set_title(ax, title, "Choke points and what relieves them")
        return fig, ax
    y = np.arange(len(df))
    exact = df["choke_exact"].to_numpy(bool) if "choke_exact" in df else np.ones(len(df), bool)
    s = df["choke_score"].fillna(0.0).to_numpy(float)
    sub = df["relief_substitution"].fillna(0.0).to_numpy(float)
    stock = df["relief_stock"].fillna(0.0).to_numpy(float)
    imm = df["choke_immediate"].fillna(0.0).to_numpy(float)
    h = scores.attrs.get("horizon", 12)
    ax.barh(y, s, color=SCORE_COLOUR, label=f"choke score (loss left at month {h})")
    ax.barh(y, sub, left=s, color=SUBST_COLOUR, label="given back by substitution")
    ax.barh(y, stock, left=s + sub, color=STOCK_COLOUR, label="given back by stocks")
    if not exact.all():
        ax.barh(y[~exact], imm[~exact], fill=False, hatch="//", edgecolor="#666666",
                label="upper bound (not scored exactly)")
    if "choke_long_run" in df:
        ax.plot(df["choke_long_run"].to_numpy(float), y, "|", color="black", ms=14, mew=1.6,
                label="long-run loss (full substitution)")
    for yi, v in zip(y, imm, strict=True):
        ax.text(v, yi, f" {v:.0%}", va="center", ha="left", fontsize=8, color="#333333")
    names = [safe_text(lb, 34) for lb in df.get("label", df.index)]
    cuts = df["cut_country"] if "cut_country" in df else [None] * len(df)
    ax.set_yticks(y, [f"{nm} ({safe_text(cc, 8)})" if isinstance(cc, str) else nm
                      for nm, cc in zip(names, cuts, strict=True)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.05, float(imm.max())) * 1.18)
    percent_axis(ax)
    ax.set_xlabel("share of end-use value lost (immediately, split by month "
                  f"{h})", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    set_title(ax, title, "Choke points and what relieves them")
    clean_spines(ax)
    return fig, ax


def leverage(lev: pd.DataFrame, *, top: int = 10, ax: Axes | None = None,
             title: str | None = None) -> tuple[Figure, Axes]:
    """Country leverage: the end-use loss if a country cuts everything it supplies.

    A solid bar is the loss at the horizon (with stocks and substitution), the pale bar
    behind it the immediate loss, and a tick the long-run loss; the text names the
    nodes that carry the leverage.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.leverage(rm.leverage(rm.load("bicycle")), top=4)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['JP', 'CN', 'TW', 'TH']
    >>> plt.close(fig)
    """
    from matplotlib.patches import Patch

    df = lev.head(top)
    fig, ax = figure_axes(ax, (8.0, 0.42 * len(df) + 1.6))
    if df.empty:
        empty_axes(ax, "no foreign supplier country to cut")
        set_title(ax, title, "Country leverage: loss if the country cuts everything it supplies")
        return fig, ax
    y = np.arange(len(df))
    colours = [country_colour(str(x)) for x in df.index]
    h = lev.attrs.get("horizon", 12)
    ax.barh(y, df["immediate"].to_numpy(float), color=colours, alpha=0.35)
    ax.barh(y, df["leverage"].to_numpy(float), color=colours, edgecolor="#333333",
            linewidth=0.5)
    ax.plot(df["long_run"].to_numpy(float), y, "|", color="black", ms=14, mew=1.6)
    right = np.maximum(df["immediate"].to_numpy(float), df["leverage"].to_numpy(float))
    xmax = max(0.05, float(right.max())) * 1.7
    # the width of the axes in characters of the notes (7 pt, about 4.2 pt a character)
    chars = ax.get_position().width * fig.get_figwidth() * 72 / 4.2
    for yi, r, v, carriers in zip(y, right, df["leverage"].to_numpy(float), df["carriers"],
                                  strict=True):
        text = f" {v:.0%}"
        names = _carriers(list(carriers or [])[:3], int(chars * (1 - r / xmax)) - len(text) - 6)
        ax.text(r, yi, text + (f"  via {names}" if names else ""), va="center",
                fontsize=7, color="#333333")
    ax.set_yticks(y, [safe_text(x, 12) for x in df.index], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, xmax)
    ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= 1.0])
    percent_axis(ax)
    ax.set_xlabel("share of end-use value lost", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(handles=[Patch(color="#555555", label=f"at month {h}"),
                       Patch(color="#555555", alpha=0.35, label="immediately"),
                       line_handle("|", "long run")], fontsize=7, loc="lower right",
              frameon=False)
    set_title(ax, title, "Country leverage: loss if the country cuts everything it supplies")
    clean_spines(ax)
    return fig, ax


def _carriers(nodes: list[str], width: int) -> str:
    """The carriers named beside a leverage bar, as many as fit in ``width`` characters
    (so that the text stays within the figure), each shortened from the left.

    >>> _carriers(["chain.a_long_qualified_node_name", "b", "c"], 30)
    '…_long_qualified_node_name, b'
    """
    out: list[str] = []
    for x in nodes:
        name = safe_text(x, max(8, min(26, width)), tail=True)
        if out and len(", ".join([*out, name])) > width:
            break
        out.append(name)
    return ", ".join(out)


def cutsets(cs: pd.DataFrame | Mapping[str, pd.DataFrame], *, ax: Axes | None = None,
            title: str | None = None) -> tuple[Figure, Axes]:
    """Minimum country cut sets as a membership matrix.

    ``cs`` is one :func:`riskmodel.cutsets` table, several in a mapping ``{target:
    table}``, or one table with a ``target`` column. Each row is a minimal set of
    countries (filled dots, in their colours) whose joint cut stops the target; the
    text gives what survives.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> cs = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25)
    >>> fig, ax = rm.plot.cutsets(cs)
    >>> [t.get_text() for t in ax.get_xticklabels()]   # the most frequent first
    ['CN', 'JP', 'KR', 'TW']
    >>> plt.close(fig)
    """
    rows: list[tuple[str, tuple[str, ...], float]] = []
    notes: list[str] = []
    if isinstance(cs, pd.DataFrame) and "target" in cs.columns:
        tables: Mapping[str, pd.DataFrame] = {str(t): g for t, g in cs.groupby("target",
                                                                             sort=False)}
    elif isinstance(cs, pd.DataFrame):
        tables = {str(cs.attrs.get("target", "all end use")): cs}
    else:
        tables = cs
    for target, t in tables.items():
        for countries, a in zip(t["countries"], t["availability"], strict=True):
            rows.append((target, tuple(countries), float(a)))
        if len(t) == 0:
            notes.append(target)
    several = len(tables) > 1
    limit = 40
    shown = rows[:limit]
    count: dict[str, int] = {}
    for _, members, _ in shown:
        for x in members:
            count[x] = count.get(x, 0) + 1
    countries = sorted(count, key=lambda x: (-count[x], x))
    fig, ax = figure_axes(ax, (max(6.0, 0.55 * len(countries) + 4.5), 0.32 * len(shown) + 1.8))
    attrs = next(iter(tables.values())).attrs if tables else {}
    thr = attrs.get("threshold", 0.05)
    if not shown:
        k = attrs.get("max_size", 3)
        what = "any target" if several else safe_text(next(iter(tables), "the target"))
        empty_axes(ax, f"No set of up to {k} countries cuts {what} below {thr:.0%} availability")
        set_title(ax, title, "Minimal country cut sets")
        return fig, ax
    y = np.arange(len(shown))
    grid_x, grid_y = np.meshgrid(np.arange(len(countries)), y)
    ax.scatter(grid_x.ravel(), grid_y.ravel(), s=18, color="#E5E5E5", zorder=1)
    for yi, (_, members, _) in zip(y, shown, strict=True):
        xs = [countries.index(x) for x in members]
        if len(xs) > 1:
            ax.plot([min(xs), max(xs)], [yi, yi], color="#555555", lw=1.2, zorder=2)
        ax.scatter(xs, [yi] * len(xs), s=110, c=[country_colour(x) for x in members],
                   edgecolors="#333333", linewidths=0.6, zorder=3)
    for yi, (_, _, a) in zip(y, shown, strict=True):
        ax.text(len(countries) - 0.4, yi, f"{a:.1%} survives", va="center", fontsize=7,
                color="#333333")
    ax.set_xticks(range(len(countries)), [safe_text(x, 10) for x in countries], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(y, [safe_text(t, 34, tail=True) if several else f"set {i + 1}"
                      for i, (t, _, _) in enumerate(shown)], fontsize=7)
    ax.set_xlim(-0.6, len(countries) + 1.6)
    ax.set_ylim(len(shown) - 0.5, -0.7)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    more = f"; {len(rows) - limit} more not drawn" if len(rows) > limit else ""
    none = (f"; none found for {len(notes)} target{'s' if len(notes) != 1 else ''}"
            if notes and several else "")
    set_title(ax, title, f"Minimal country cut sets (target below {thr:.0%} availability"
              f"{more}{none})")
    return fig, ax

