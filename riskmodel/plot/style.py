"""The look shared by every figure: the colour palettes, the colour of a country and of
a stage, chain text made safe for matplotlib, and small axes helpers.

Colours are consistent across figures and colour-blind safe: one colour per country
(Paul Tol's *muted* palette, fixed for the common codes), one per stage (Okabe–Ito),
and a sequential map (``YlOrBr``) for the choke score. matplotlib is imported only
inside the helpers that draw.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CHOKE_CMAP", "COUNTRY_COLOURS", "EDGE_GREY", "OKABE_ITO", "SCORE_COLOUR",
           "STOCK_COLOUR", "SUBST_COLOUR", "TITLE_SIZE", "TOL_MUTED", "choke_colours",
           "clean_spines", "country_colour", "empty_axes", "line_handle", "percent_axis",
           "safe_text", "set_title", "stage_colour"]

#: Okabe–Ito, the colour-blind-safe qualitative palette (stages, scenarios, factors).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
#: Paul Tol's *muted* palette (countries).
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
             "#999933", "#AA4499")
#: Fixed country colours, so that a country looks the same in every figure and report.
COUNTRY_COLOURS = {
    "JP": "#CC6677", "US": "#332288", "EU": "#88CCEE", "CN": "#DDCC77", "KR": "#117733",
    "TW": "#44AA99", "DE": "#999933", "NL": "#AA4499", "GB": "#882255", "ROW": "#BBBBBB",
    "other": "#DDDDDD",
}
#: The sequential colour map of the choke score.
CHOKE_CMAP = "YlOrBr"
SCORE_COLOUR, SUBST_COLOUR, STOCK_COLOUR = "#D55E00", "#0072B2", "#56B4E9"
#: Font size of every figure's title (one line, at the left of its axes).
TITLE_SIZE = 10
EDGE_GREY = "#7F7F7F"


def country_colour(code: str) -> str:
    """The colour of a country (or group) code, the same in every figure.

    >>> country_colour("JP"), country_colour("JP") == country_colour("JP")
    ('#CC6677', True)
    """
    if code in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[code]
    return TOL_MUTED[zlib.crc32(str(code).encode("utf-8")) % len(TOL_MUTED)]


def stage_colour(stage: str, stages: Sequence[str]) -> str:
    """The colour of ``stage`` given the chain's ordered ``stages``.

    >>> stage_colour("upstream", ["upstream", "midstream", "downstream", "end_use"])
    '#0072B2'
    """
    try:
        i = list(stages).index(stage)
    except ValueError:
        i = len(stages)
    return OKABE_ITO[i % len(OKABE_ITO)]


def choke_colours(values: Sequence[float] | Any, vmax: float) -> list[str]:
    """Hex colours of choke scores on the choke colour map, scaled from 0 to ``vmax``
    (as the chain diagram colours its nodes; for the HTML report's explorable diagram).

    >>> choke_colours([0.0, 0.5, 1.0], 1.0)
    ['#ffffe5', '#fe9829', '#662506']
    """
    import matplotlib
    from matplotlib.colors import Normalize, to_hex

    cmap = matplotlib.colormaps[CHOKE_CMAP]
    norm = Normalize(0.0, vmax if vmax > 0 else 1.0)
    return [to_hex(cmap(norm(float(v)))) for v in values]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def safe_text(x: Any, width: int = 40, *, tail: bool = False) -> str:
    """Text from a chain, safe for matplotlib: one line, no mathtext, bounded length
    (``tail``: keep the end, for qualified ids like ``chain.node``)."""
    s = _CONTROL.sub(" ", "" if x is None else str(x)).strip()
    if len(s) > width:
        s = "…" + s[1 - width:].lstrip() if tail else s[: width - 1].rstrip() + "…"
    return s.replace("$", r"\$")


def percent_axis(ax: Axes, axis: str = "x", decimals: int | None = None) -> None:
    """Label ``axis`` (``"x"`` or ``"y"``) of ``ax`` in percent of 1."""
    from matplotlib.ticker import PercentFormatter

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(
        PercentFormatter(1.0, decimals=decimals))


def empty_axes(ax: Axes, message: str) -> None:
    """Show ``message`` in place of a figure that has nothing to draw."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=10,
            color="#444444", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def clean_spines(ax: Axes) -> None:
    """Hide the top and right spines of ``ax``."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def set_title(ax: Axes, title: str | None, default: str, *, pad: float | None = None
              ) -> None:
    """Give ``ax`` its one title, at the left: the caller's ``title`` (``""`` for none),
    else ``default`` unless the caller's axes already carry a title of their own.

    Every plot function titles its figure here, so that a title a caller sets never
    lands on top of the function's own (titles at the centre and right are cleared).

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> set_title(ax, None, "Default")
    >>> set_title(ax, "Mine", "Default")
    >>> ax.get_title(loc="left"), ax.get_title()
    ('Mine', '')
    >>> set_title(ax, "", "Default")
    >>> ax.get_title(loc="left")
    ''
    >>> _ = ax.set_title("Set before the call")
    >>> set_title(ax, None, "Default")  # the caller's own title stays, alone
    >>> ax.get_title(), ax.get_title(loc="left")
    ('Set before the call', '')
    >>> plt.close(fig)
    """
    if title is None:
        own = [ax.get_title(loc=loc) for loc in ("center", "right")]
        if any(own):
            ax.set_title("", loc="left")
            return
        title = default
    for loc in ("center", "right"):
        ax.set_title("", loc=loc)
    kw = {"pad": pad} if pad is not None else {}
    ax.set_title(title, loc="left", fontsize=TITLE_SIZE, **kw)


def line_handle(marker: str, label: str, **kw: Any) -> Any:
    """A legend entry of a marker (or line) drawn nowhere else."""
    from matplotlib.lines import Line2D

    style = {"color": "black", "ms": 10, "mew": 1.6, "ls": "none", **kw}
    return Line2D([], [], marker=marker, label=label, **style)

