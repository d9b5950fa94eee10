"""Figures of computed results: one function per figure, ``(fig, ax)`` out.

Every function takes results computed elsewhere (scores, leverage, cut sets, simulation
results, policy alignment, uncertainty, or the chain itself), draws into ``ax`` when
given one (or a new figure), returns ``(fig, ax)`` and never calls ``show()``. This is
the only module that imports matplotlib, and only inside functions, so that
``import riskmodel`` stays light.

Colours are consistent across figures and colour-blind safe: one colour per country
(Paul Tol's *muted* palette, fixed for the common codes), one per stage (Okabe–Ito),
and a sequential map (``YlOrBr``) for the choke score.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> import riskmodel as rm
>>> bike = rm.load("bicycle")
>>> scores = rm.score(bike)
>>> fig, ax = rm.plot.choke_factors(scores, top=5)
>>> [t.get_text() for t in ax.get_yticklabels()][:2]
['Gears and drivetrain (JP)', 'Battery cells (CN)']
>>> plt.close(fig)
"""

from __future__ import annotations

import contextvars
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from riskmodel.model import Chain
    from riskmodel.scoring import PolicyAlignment
    from riskmodel.simulation import Result

__all__ = ["CHOKE_CMAP", "chain_diagram", "choke_factors", "country_colour", "cutsets",
           "leverage", "provenance", "rank_intervals", "scenario_losses", "smile_curve",
           "stage_colour", "support_vs_choke", "to_png"]

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
EDGE_GREY = "#7F7F7F"

_DETACHED: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "riskmodel_plot_detached", default=None)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _txt(x: Any, width: int = 40, *, tail: bool = False) -> str:
    """Text from a chain, safe for matplotlib: one line, no mathtext, bounded length
    (``tail``: keep the end, for qualified ids like ``chain.node``)."""
    s = _CONTROL.sub(" ", "" if x is None else str(x)).strip()
    if len(s) > width:
        s = "…" + s[1 - width:].lstrip() if tail else s[: width - 1].rstrip() + "…"
    return s.replace("$", r"\$")


def _pct(ax: Axes, axis: str = "x", decimals: int | None = None) -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(
        PercentFormatter(1.0, decimals=decimals))


def _subplots(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    size = _DETACHED.get()
    if size is not None:  # inside to_png: a figure pyplot does not know about
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout="constrained", dpi=100)
        FigureCanvasAgg(fig)
        return fig, fig.add_subplot()
    import matplotlib.pyplot as plt

    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new_ax


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=10,
            color="#444444", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def _clean(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def to_png(func: Callable[..., tuple[Any, Any]], *args: Any, dpi: int = 110,
           **kwargs: Any) -> bytes:
    """Draw ``func(*args, **kwargs)`` on a figure pyplot never sees; return PNG bytes.

    Used by reports: nothing is registered with pyplot, so nothing can open a window
    and nothing needs closing.

    >>> import riskmodel as rm
    >>> png = to_png(choke_factors, rm.score(rm.load("bicycle")), top=3)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    import io

    token = _DETACHED.set((0.0, 0.0))
    try:
        fig, _ = func(*args, **kwargs)
    finally:
        _DETACHED.reset(token)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white",
                metadata={"Software": None})
    return buf.getvalue()


# ---------------------------------------------------------------------------
# chain diagram
# ---------------------------------------------------------------------------

def _labels(chain: Chain) -> dict[str, str]:
    nodes = chain.nodes
    out = {}
    for i, lb in zip(nodes["id"], nodes["label"], strict=True):
        out[str(i)] = lb if isinstance(lb, str) and lb else str(i)
    return out


def chain_diagram(chain: Chain, scores: pd.DataFrame | None = None, *, ax: Axes | None = None,
                  max_nodes: int = 100, top: int = 30) -> tuple[Figure, Axes]:
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
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import FancyArrowPatch

    from riskmodel.plot.layout import layered_layout

    c = chain.compiled
    n = c.n
    ids = [str(x) for x in c.ids]
    stages = list(c.stages)
    labels = _labels(chain)
    src = np.asarray(c.in_src, dtype=np.int64)
    dst = np.asarray(c.in_dst, dtype=np.int64)
    essential = np.asarray(c.edge_essential, dtype=bool)
    choke = None
    if scores is not None:
        sc = scores.reindex(ids)
        choke = sc["choke_score"].fillna(sc["choke_immediate"]).fillna(0.0).to_numpy(float)
    aggregate = n > max_nodes
    if aggregate:
        if choke is not None:
            key = choke
        else:
            key = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
        shown = np.sort(np.argsort(-np.asarray(key, dtype=float), kind="stable")[:top])
    else:
        shown = np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[shown] = True
    stage_of = np.asarray(c.stage, dtype=np.int64)
    ekeep = keep[src] & keep[dst]
    layers, xy, bands, n_rows, width = layered_layout(stage_of, len(stages), shown,
                                                       src[ekeep], dst[ekeep])
    fig, ax = _subplots(ax, (min(24.0, 2.1 * width + 1.6), max(4.0, 0.36 * n_rows + 2.4)))
    # edges
    straight, dashed, arcs = [], [], []
    for u, v, ess in zip(src[ekeep], dst[ekeep], essential[ekeep], strict=True):
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
    # nodes
    order = [v for layer in layers for v in layer]
    value = np.nan_to_num(np.asarray(c.value, dtype=float), nan=0.0)
    vmax = float(value[order].max()) if order and value[order].max() > 0 else 1.0
    sizes = 40 + 560 * value[order] / vmax
    pts = np.array([xy[v] for v in order]) if order else np.zeros((0, 2))
    if choke is not None:
        norm = Normalize(0.0, max(0.05, float(np.nanmax(choke)) if n else 0.05))
        art = ax.scatter(pts[:, 0], pts[:, 1], s=sizes, c=choke[order], cmap=CHOKE_CMAP,
                         norm=norm, edgecolors="#333333", linewidths=0.8, zorder=3)
        cb = fig.colorbar(art, ax=ax, shrink=0.6, pad=0.01, fraction=0.03)
        cb.set_label(f"choke score (end-use loss at month "
                     f"{scores.attrs.get('horizon', 12) if scores is not None else 12})",
                     fontsize=8)
        _pct(cb.ax, "y", decimals=0)
        cb.ax.tick_params(labelsize=7)
        worst = {order[i] for i in np.argsort(-choke[order], kind="stable")[:5]
                 if choke[order][i] > 0}
    else:
        ax.scatter(pts[:, 0], pts[:, 1], s=sizes, edgecolors="#333333", linewidths=0.8,
                   c=[stage_colour(stages[stage_of[v]], stages) for v in order], zorder=3)
        worst = set()
    for v in order:
        x, y = xy[v]
        ax.text(x + 0.09, y, _txt(labels.get(ids[v], ids[v]), 30), fontsize=8, va="center",
                ha="left", zorder=4, fontweight="bold" if v in worst else "normal",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                      "alpha": 0.8})
    # stage headers (with the aggregate in the fallback)
    top_y = -(n_rows - 1) / 2 - (1.0 if not aggregate else 0.8)
    for s, (a, _) in enumerate(bands):
        name = _txt(stages[s].replace("_", " ").capitalize(), 24)
        members = stage_of == s
        if aggregate:
            out_edges = int(((stage_of[src] == s) & (stage_of[dst] != s)).sum())
            total = float(np.nansum(np.asarray(c.value, dtype=float)[members]))
            lines = [name, f"{int(members.sum()):,} nodes, {len(layers[s])} shown",
                     f"{out_edges:,} edges to other stages"]
            if total > 0:
                lines.append(f"value {total:,.4g}")
            if choke is not None and members.any():
                lines.append(f"worst choke score {np.max(choke[members]):.0%}")
            head = "\n".join(lines)
        else:
            head = f"{name} ({int(members.sum())})"
        ax.text(a + 0.05, top_y, head, fontsize=9, fontweight="bold",
                color=stage_colour(stages[s], stages), va="bottom", ha="left")
    ax.set_xlim(-0.3, width + 0.9)
    ax.set_ylim((n_rows - 1) / 2 + 0.8, top_y - (2.6 if aggregate else 0.6))
    ax.axis("off")
    ax.set_title(_txt(chain.title, 90), fontsize=11, loc="left")
    if aggregate:
        ax.text(0.0, -0.02, f"{n:,} nodes: showing the {len(shown)} "
                + ("with the highest choke scores" if choke is not None
                   else "with the most connections") + " and the edges among them",
                transform=ax.transAxes, fontsize=8, va="top", color="#444444")
    return fig, ax


# ---------------------------------------------------------------------------
# choke points and leverage
# ---------------------------------------------------------------------------

def choke_factors(scores: pd.DataFrame, *, top: int = 10,
                  ax: Axes | None = None) -> tuple[Figure, Axes]:
    """The top choke points with their factor decomposition, as stacked bars.

    Each bar is the immediate loss of a full cut of the node by its dominant foreign
    supplier, split into what remains at the horizon (the choke score) and what
    substitution and stocks give back:
    ``choke_score + relief_substitution + relief_stock = choke_immediate``. A tick
    marks the long-run loss; nodes not scored exactly show their upper bound, hatched.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.choke_factors(rm.score(rm.load("bicycle")), top=3)
    >>> [round(float(p.get_width()), 3) for p in ax.patches[:3]]   # the choke scores
    [0.607, 0.306, 0.2]
    >>> plt.close(fig)
    """
    df = scores.sort_values("rank").head(top) if "rank" in scores else scores.head(top)
    fig, ax = _subplots(ax, (8.0, 0.42 * len(df) + 1.6))
    if df.empty:
        _empty(ax, "no nodes to rank")
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
    names = [_txt(lb, 34) for lb in df.get("label", df.index)]
    cuts = df["cut_country"] if "cut_country" in df else [None] * len(df)
    ax.set_yticks(y, [f"{nm} ({_txt(cc, 8)})" if isinstance(cc, str) else nm
                      for nm, cc in zip(names, cuts, strict=True)], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.05, float(imm.max())) * 1.18)
    _pct(ax)
    ax.set_xlabel("share of end-use value lost (immediately, split by month "
                  f"{h})", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.set_title("Choke points and what relieves them", fontsize=10, loc="left")
    _clean(ax)
    return fig, ax


def leverage(lev: pd.DataFrame, *, top: int = 10, ax: Axes | None = None
             ) -> tuple[Figure, Axes]:
    """Country leverage: the end-use loss if a country cuts everything it supplies.

    A solid bar is the loss at the horizon (with stocks and substitution), the pale bar
    behind it the immediate loss, and a tick the long-run loss; the text names the
    nodes that carry the leverage.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.leverage(rm.leverage(rm.load("bicycle")), top=4)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['JP', 'CN', 'TW', 'KR']
    >>> plt.close(fig)
    """
    from matplotlib.patches import Patch

    df = lev.head(top)
    fig, ax = _subplots(ax, (8.0, 0.42 * len(df) + 1.6))
    if df.empty:
        _empty(ax, "no foreign supplier country to cut")
        return fig, ax
    y = np.arange(len(df))
    colours = [country_colour(str(x)) for x in df.index]
    h = lev.attrs.get("horizon", 12)
    ax.barh(y, df["immediate"].to_numpy(float), color=colours, alpha=0.35)
    ax.barh(y, df["leverage"].to_numpy(float), color=colours, edgecolor="#333333",
            linewidth=0.5)
    ax.plot(df["long_run"].to_numpy(float), y, "|", color="black", ms=14, mew=1.6)
    right = np.maximum(df["immediate"].to_numpy(float), df["leverage"].to_numpy(float))
    for yi, r, v, carriers in zip(y, right, df["leverage"].to_numpy(float), df["carriers"],
                                  strict=True):
        names = ", ".join(_txt(x, 26, tail=True) for x in list(carriers or [])[:3])
        ax.text(r, yi, f" {v:.0%}" + (f"  via {names}" if names else ""), va="center",
                fontsize=7, color="#333333")
    ax.set_yticks(y, [_txt(x, 12) for x in df.index], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.05, float(right.max())) * 1.6)
    ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= 1.0])
    _pct(ax)
    ax.set_xlabel("share of end-use value lost", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(handles=[Patch(color="#555555", label=f"at month {h}"),
                       Patch(color="#555555", alpha=0.35, label="immediately"),
                       _line_handle("|", "long run")], fontsize=7, loc="lower right",
              frameon=False)
    ax.set_title("Country leverage: loss if the country cuts everything it supplies",
                 fontsize=10, loc="left")
    _clean(ax)
    return fig, ax


def _line_handle(marker: str, label: str, **kw: Any) -> Any:
    from matplotlib.lines import Line2D

    style = {"color": "black", "ms": 10, "mew": 1.6, "ls": "none", **kw}
    return Line2D([], [], marker=marker, label=label, **style)


# ---------------------------------------------------------------------------
# cut sets
# ---------------------------------------------------------------------------

def cutsets(cs: pd.DataFrame | Mapping[str, pd.DataFrame], *, ax: Axes | None = None
            ) -> tuple[Figure, Axes]:
    """Minimum country cut sets as a membership matrix.

    ``cs`` is one :func:`riskmodel.cutsets` table, several in a mapping ``{target:
    table}``, or one table with a ``target`` column. Each row is a minimal set of
    countries (filled dots, in their colours) whose joint cut stops the target; the
    text gives what survives.

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
    fig, ax = _subplots(ax, (max(6.0, 0.55 * len(countries) + 4.5), 0.32 * len(shown) + 1.8))
    attrs = next(iter(tables.values())).attrs if tables else {}
    thr = attrs.get("threshold", 0.05)
    if not shown:
        k = attrs.get("max_size", 3)
        _empty(ax, f"No set of up to {k} countries cuts "
                   f"{'any target' if several else _txt(next(iter(tables), 'the target'))}"
                   f" below {thr:.0%} availability")
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
    ax.set_xticks(range(len(countries)), [_txt(x, 10) for x in countries], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(y, [_txt(t, 34, tail=True) if several else f"set {i + 1}"
                      for i, (t, _, _) in enumerate(shown)], fontsize=7)
    ax.set_xlim(-0.6, len(countries) + 1.6)
    ax.set_ylim(len(shown) - 0.5, -0.7)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    more = f"; {len(rows) - limit} more not drawn" if len(rows) > limit else ""
    none = (f"; none found for {len(notes)} target{'s' if len(notes) != 1 else ''}"
            if notes and several else "")
    ax.set_title(f"Minimal country cut sets (target below {thr:.0%} availability"
                 f"{more}{none})", fontsize=9, loc="left")
    return fig, ax


# ---------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------

_STYLES = ("-", "--", "-.", ":")


def scenario_losses(results: Sequence[Result], *, threshold: float = 0.05,
                    ax: Axes | None = None) -> tuple[Figure, Axes]:
    """End-use loss over time, one line per scenario, with time-to-survive (●) and
    time-to-recover (■) marked where the loss crosses ``threshold``.

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

    fig, ax = _subplots(ax, (8.5, 4.6 + 0.16 * math.ceil((len(results) + 3) / 2)))
    if not results:
        _empty(ax, "no scenarios to plot")
        return fig, ax
    handles = []
    months = 1
    recovered = False
    for i, r in enumerate(results):
        loss = r.end_use_loss
        colour = OKABE_ITO[i % (len(OKABE_ITO) - 1)]
        style = _STYLES[(i // (len(OKABE_ITO) - 1) + i) % len(_STYLES)]
        (line,) = ax.plot(loss.index, loss.to_numpy(float), color=colour, ls=style, lw=1.8,
                          label=_txt(r.scenario.label(), 60))
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
    _pct(ax, "y")
    ax.set_xlabel("month", fontsize=8)
    ax.set_ylabel("share of end-use value lost", fontsize=8)
    ax.tick_params(labelsize=8)
    handles.append(_line_handle("o", "time to survive: the loss passes the threshold",
                                color="white", mec="black", ms=7))
    if recovered:
        handles.append(_line_handle("s", "time to recover: back under it", color="white",
                                    mec="black", ms=7))
    handles.append(_line_handle("", f"threshold {threshold:.0%}", ls=":", color="#444444"))
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left",
              bbox_to_anchor=(0.0, -0.13), ncols=2)
    ax.set_title("End-use loss over time under the standard scenarios", fontsize=10,
                 loc="left")
    _clean(ax)
    return fig, ax


# ---------------------------------------------------------------------------
# policy alignment
# ---------------------------------------------------------------------------

_SUPPORT_STYLE = {"subsidy_intensity": ("subsidy / sales", "#E69F00", "o"),
                  "rd_intensity": ("R&D / sales", "#0072B2", "s"),
                  "profit_margin": ("profit / sales", "#009E73", "^")}


def smile_curve(pa: PolicyAlignment, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Subsidy, R&D and profit intensity by stage (the "smile curve"), with the number
    of nodes behind each point. Stages without any figure are left out.

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
    fig, ax = _subplots(ax, (7.0, 4.0))
    if st.empty or all(st[c].isna().all() for c in _SUPPORT_STYLE if c in st):
        _empty(ax, "no subsidy, R&D or profit figures in this chain")
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
    ax.set_xticks(x, [_txt(s, 16).replace("_", " ") for s in st.index], fontsize=8)
    ax.set_xlim(-0.4, len(st) - 0.6)
    _pct(ax, "y")
    ax.set_ylabel("mean share of sales", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("Support and profit by stage (the smile curve)", fontsize=10, loc="left")
    _clean(ax)
    return fig, ax


def support_vs_choke(pa: PolicyAlignment, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """Support (mean of subsidy and R&D intensity) against choke score, per node.

    Points take their stage colour; the nodes with the largest support gaps are named.
    Nodes without support figures are counted in the title, never plotted as zero.

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
    fig, ax = _subplots(ax, (7.0, 4.6))
    missing = max(pa.excluded.get("subsidy_intensity", 0), pa.excluded.get("rd_intensity", 0))
    if nodes.empty:
        _empty(ax, "no node has both support figures and a choke score")
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
        ax.annotate(_txt(node, 30, tail=True) + (f" +{others} more" if others else ""),
                    (r["support"], r["choke_score"]), textcoords="offset points",
                    xytext=(5, 3), fontsize=7, color="#333333")
    _pct(ax, "x")
    _pct(ax, "y")
    ax.set_xlabel("support: mean of subsidy and R&D intensity", fontsize=8)
    ax.set_ylabel("choke score", fontsize=8)
    ax.tick_params(labelsize=8)
    present = [s for s in stages if s in set(nodes["stage"])]
    ax.legend(handles=[Patch(color=stage_colour(s, stages), label=_txt(s, 16).replace("_", " "))
                       for s in present], fontsize=7, frameon=False)
    rho = pa.correlation["spearman"].dropna() if "spearman" in pa.correlation else pd.Series()
    corr = "; ".join(f"ρ({_txt(k, 20).replace('_intensity', '')}) = {v:+.2f}"
                     for k, v in rho.items())
    ax.set_title(f"Support against choke score ({len(nodes)} nodes"
                 + (f"; {missing} without support figures" if missing else "") + ")"
                 + (f"\nSpearman {corr}" if corr else ""), fontsize=9, loc="left")
    _clean(ax)
    return fig, ax


# ---------------------------------------------------------------------------
# uncertainty and provenance
# ---------------------------------------------------------------------------

def rank_intervals(unc: pd.DataFrame, *, top: int = 15, ax: Axes | None = None
                   ) -> tuple[Figure, Axes]:
    """Rank intervals (P5–P95 over the Monte Carlo draws) of the top choke points, with
    the baseline rank (◆) and the probability of staying in the top ``k``.

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
    fig, ax = _subplots(ax, (8.0, 0.36 * len(df) + 1.8))
    if df.empty:
        _empty(ax, "no nodes")
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
    ax.set_yticks(y, [_txt(x, 34, tail=True) for x in df.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0.5, right + 4.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rank (1 = worst choke point)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3)
    draws, seed = unc.attrs.get("draws"), unc.attrs.get("seed")
    ax.set_title("Rank intervals over the data's uncertainty"
                 + (f" ({draws} draws, seed {seed})" if draws else ""), fontsize=10, loc="left",
                 pad=20)
    _clean(ax)
    return fig, ax


def provenance(chain: Chain, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """How the chain's numbers are backed, per field: sourced, marked estimates, or
    neither (see :mod:`riskmodel.provenance`), with the count of values at right.

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
    fig, ax = _subplots(ax, (8.0, 0.34 * len(counts) + 1.9))
    if prov.empty:
        _empty(ax, "the chain gives no numbers")
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
    ax.set_yticks(y, [_txt(f"{names.get(k, k)} {f}", 40) for k, f in counts.index], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    _pct(ax)
    ax.set_xlabel("share of the values given", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=7, frameon=False, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0))
    n = len(prov)
    shares = prov["class"].value_counts() / n
    ax.set_title(f"Data provenance: {n:,} values, {shares.get('sourced', 0):.0%} sourced, "
                 f"{shares.get('estimate', 0):.0%} marked estimates", fontsize=10, loc="left",
                 pad=22)
    _clean(ax)
    return fig, ax
