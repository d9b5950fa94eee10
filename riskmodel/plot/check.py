"""Checks of a drawn figure's text: no title, suptitle or axis label drawn over
another text, and no text cut off at the figure's edge.

:func:`text_problems` draws the figure, takes the window extent of every visible text
and lists what overlaps or leaves the figure, in words. The tests run it on every plot
function and on every figure of the notebooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = ["text_problems"]

#: Pixels two extents may share, or a text may pass the figure's edge, before it counts.
TOLERANCE = 1.0


def _shown(t: Text) -> bool:
    return bool(t.get_visible() and t.get_text().strip())


def _headings(fig: Figure, ax: Axes) -> list[Text]:
    """The axes' titles (left, centre, right) and axis labels."""
    from matplotlib.text import Text

    titles = [c for c in ax.get_children() if isinstance(c, Text) and c not in ax.texts
              and c is not ax.xaxis.label and c is not ax.yaxis.label]
    labels = (ax.xaxis.label, ax.yaxis.label) if ax.axison else ()
    return [t for t in (*titles, *labels) if _shown(t)]


def _tick_labels(ax: Axes) -> list[Text]:
    """The tick labels drawn: those of ticks within the view (matplotlib keeps, and
    does not draw, the labels of ticks beyond it), none when the axes are off."""
    if not ax.axison:
        return []
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        lo, hi = sorted(axis.get_view_interval())
        span = (hi - lo) * 1e-9
        for tick in axis.get_major_ticks():
            if lo - span <= tick.get_loc() <= hi + span:
                out += [x for x in (tick.label1, tick.label2) if _shown(x)]
    return out


def _others(ax: Axes) -> list[Text]:
    """The axes' tick labels and legend entries: headings must not cover them."""
    ticks = _tick_labels(ax)
    legend = ax.get_legend()
    entries = [*legend.get_texts(), legend.get_title()] if legend is not None else []
    return [t for t in (*ticks, *entries) if _shown(t)]


def text_problems(fig: Figure) -> list[str]:
    """What is wrong with the text of ``fig``: headings (titles, suptitle, axis labels)
    overlapping each other, a tick label or a legend entry, and any text (tick labels,
    annotations and legends too) reaching past the figure's edge. Empty when all is well.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import riskmodel as rm
    >>> fig, ax = rm.plot.choke_factors(rm.score(rm.load("bicycle")), top=3)
    >>> text_problems(fig)
    []
    >>> _ = ax.set_title("A caller's title, set after the call, at the centre")
    >>> print(*text_problems(fig))  # doctest: +ELLIPSIS
    text overlaps: "A caller's title, ..." and 'Choke points and what relieves them'
    >>> plt.close(fig)
    >>> fig, ax = rm.plot.choke_factors(rm.score(rm.load("bicycle")), top=3,
    ...                                 title="A caller's title")
    >>> text_problems(fig)  # the caller's title replaces the function's own
    []
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = fig.bbox
    heads: list[Text] = []
    others: list[Text] = []
    notes: list[Text] = []  # annotations: checked only against the figure's edge
    for ax in fig.axes:
        if ax.get_visible():
            heads += _headings(fig, ax)
            others += _others(ax)
            notes += [t for t in ax.texts if _shown(t)]
    heads += [t for t in fig.texts if _shown(t)]
    sup = fig.get_suptitle()
    if sup:
        heads += [t for t in fig.findobj(Text) if t.get_text() == sup and _shown(t)
                  and t not in heads]
    problems = []
    box = {id(t): t.get_window_extent(renderer) for t in [*heads, *others, *notes]}
    for i, a in enumerate(heads):
        for b in [*heads[i + 1:], *others]:
            if _overlap(box[id(a)], box[id(b)]):
                problems.append(f"text overlaps: {a.get_text()!r} and {b.get_text()!r}")
    for t in [*heads, *others, *notes]:
        e = box[id(t)]
        if (e.x0 < frame.x0 - TOLERANCE or e.y0 < frame.y0 - TOLERANCE
                or e.x1 > frame.x1 + TOLERANCE or e.y1 > frame.y1 + TOLERANCE):
            problems.append(f"text cut off at the figure's edge: {t.get_text()!r} at "
                            f"x {e.x0:.0f}–{e.x1:.0f}, y {e.y0:.0f}–{e.y1:.0f} of "
                            f"{frame.width:.0f}×{frame.height:.0f} pixels")
    return problems


def _overlap(a: object, b: object) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > TOLERANCE  # type: ignore[attr-defined]
            and min(a.y1, b.y1) - max(a.y0, b.y0) > TOLERANCE)  # type: ignore[attr-defined]
