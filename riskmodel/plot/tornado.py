"""The tornado of one node's choke score over the chain's ranged numbers
(:func:`riskmodel.sensitivity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.style import (
    OKABE_ITO,
    clean_spines,
    empty_axes,
    percent_axis,
    safe_text,
    set_title,
)
from riskmodel.scoring.sensitivity import swings

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["tornado"]

#: colours of the score at a number's low and at its high (Okabe–Ito blue and orange)
LOW_COLOUR, HIGH_COLOUR = OKABE_ITO[0], OKABE_ITO[1]


def tornado(sens: pd.DataFrame, node: str, *, rows: int = 12, ax: Axes | None = None,
            title: str | None = None) -> tuple[Figure, Axes]:
    """The tornado of ``node``: for each ranged number that moves its choke score, a bar
    from the base score to the score at the number's low and one to the score at its
    high, largest swing on top (numbers that move nothing are left out); a line marks
    the base score, and the horizon sweep's range is a grey band.

    Parameters
    ----------
    sens : DataFrame
        The table of :func:`riskmodel.sensitivity`.
    node : str
        A node the table tested.
    rows : int
        The numbers shown, largest swing first.
    ax, title
        As every plot function (``title=""``: none).

    Raises
    ------
    KeyError
        When the table did not test ``node`` (the message lists those it did).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> s = rm.sensitivity(rm.load("bicycle"), top=1)
    >>> fig, ax = rm.plot.tornado(s, "drivetrain", rows=3)
    >>> len(ax.get_yticklabels()), rm.plot.text_problems(fig)
    (3, [])
    >>> plt.close(fig)
    """
    mine = sens[sens["node"] == node]
    if mine.empty:
        tested = ", ".join(dict.fromkeys(map(str, sens["node"]))) or "none"
        raise KeyError(f"the sensitivity table did not test {node!r}; it tested: {tested}")
    base = float(mine.loc[mine["kind"] == "base", "choke_score"].iloc[0])
    t = mine[mine["kind"] == "tornado"]
    sweep = mine.loc[mine["kind"] == "horizon", "choke_score"].to_numpy(float)
    default = f"Sensitivity of {safe_text(node, 40)}'s choke score"
    fig, ax = figure_axes(ax, (8.0, 0.36 * min(rows, max(len(t) // 2, 1)) + 1.9))
    if t.empty:
        empty_axes(ax, "no ranged number can move its score")
        set_title(ax, title, default)
        return fig, ax
    wide = swings(sens, node)
    wide = wide[wide["swing"] > 1e-9].head(rows)
    if wide.empty:
        empty_axes(ax, "no ranged number moves its score")
        set_title(ax, title, default)
        return fig, ax
    y = np.arange(len(wide))
    lo, hi = wide["score_low"].to_numpy(float), wide["score_high"].to_numpy(float)
    if len(sweep):
        ax.axvspan(float(sweep.min()), float(sweep.max()), color="#E8E8E8", zorder=0,
                   label=f"horizon sweep ({len(sweep)} horizons)")
    ax.barh(y - 0.18, lo - base, left=base, height=0.36, color=LOW_COLOUR,
            label="number at its low")
    ax.barh(y + 0.18, hi - base, left=base, height=0.36, color=HIGH_COLOUR,
            label="number at its high")
    ax.axvline(base, color="black", lw=1.0, label=f"base score ({base:.1%})")
    ax.set_yticks(y, [f"{safe_text(f, 18)}: {safe_text(w, 30, tail=True)}"
                      for f, w in zip(wide["field"], wide["where"], strict=True)], fontsize=8)
    ax.invert_yaxis()
    top = max(float(np.nanmax(np.r_[lo, hi, base, sweep])), 0.05)
    ax.set_xlim(0, top * 1.08)
    percent_axis(ax)
    ax.set_xlabel("choke score (share of end-use value lost)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    # the smallest swings are at the bottom: room for the legend at the lower right
    ax.legend(fontsize=7, loc="lower right", framealpha=0.9, edgecolor="none")
    set_title(ax, title, default)
    clean_spines(ax)
    return fig, ax
