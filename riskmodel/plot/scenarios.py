"""The figure of simulated scenarios: end-use loss over time, one line per scenario
(:func:`riskmodel.simulate`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from riskmodel.plot.figure import figure_axes
from riskmodel.plot.style import (
    OKABE_ITO,
    clean_spines,
    empty_axes,
    line_handle,
    percent_axis,
    safe_text,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskmodel.simulation import Result

__all__ = ["scenario_losses"]

_STYLES = ("-", "--", "-.", ":")


def scenario_losses(results: Sequence[Result], *, threshold: float = 0.05,
                    ax: Axes | None = None, title: str | None = None
                    ) -> tuple[Figure, Axes]:
    """End-use loss over time, one line per scenario, with time-to-survive (●) and
    time-to-recover (■) marked where the loss crosses ``threshold``.

    ``title`` replaces the default title (``""``: none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> res = [rm.simulate(bike, s["id"]) for s in bike.scenarios]
    >>> fig, ax = rm.plot.scenario_losses(res)
    >>> len(ax.get_lines()) >= len(res)
    True
    >>> plt.close(fig)
    """
    from riskmodel.engine import time_to

    fig, ax = figure_axes(ax, (8.5, 4.6 + 0.16 * math.ceil((len(results) + 3) / 2)))
    if not results:
        empty_axes(ax, "no scenarios to plot")
        set_title(ax, title, "End-use loss over time under the standard scenarios")
        return fig, ax
    handles = []
    months = 1
    recovered = False
    for i, r in enumerate(results):
        loss = r.end_use_loss
        colour = OKABE_ITO[i % (len(OKABE_ITO) - 1)]
        style = _STYLES[(i // (len(OKABE_ITO) - 1) + i) % len(_STYLES)]
        (line,) = ax.plot(loss.index, loss.to_numpy(float), color=colour, ls=style, lw=1.8,
                          label=safe_text(r.scenario.label(), 60))
        handles.append(line)
        months = max(months, len(loss))
        start = r.scenario.start
        vals = loss.to_numpy(float)
        tts, ttr = time_to(vals[:, None], start, threshold)
        if math.isfinite(tts[0]):
            x = int(start + tts[0])
            ax.plot(x, vals[x], "o", color=colour, ms=7, mec="black", zorder=4)
            if math.isfinite(ttr[0]) and start + ttr[0] < len(vals):
                x = int(start + ttr[0])
                ax.plot(x, vals[x], "s", color=colour, ms=7, mec="black", zorder=4)
                recovered = True
    ax.axhline(threshold, color="#444444", lw=0.8, ls=":")
    ax.set_xlim(0, months - 1)
    ax.set_ylim(0, max(0.1, max(float(r.end_use_loss.max()) for r in results) * 1.1))
    percent_axis(ax, "y")
    ax.set_xlabel("month", fontsize=8)
    ax.set_ylabel("share of end-use value lost", fontsize=8)
    ax.tick_params(labelsize=8)
    handles.append(line_handle("o", "time to survive: the loss passes the threshold",
                               color="white", mec="black", ms=7))
    if recovered:
        handles.append(line_handle("s", "time to recover: back under it", color="white",
                                   mec="black", ms=7))
    handles.append(line_handle("", f"threshold {threshold:.0%}", ls=":", color="#444444"))
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left",
              bbox_to_anchor=(0.0, -0.13), ncols=2)
    set_title(ax, title, "End-use loss over time under the standard scenarios")
    clean_spines(ax)
    return fig, ax

