"""Where figures are drawn: a new pyplot figure, the caller's axes, or a figure pyplot
never sees, rendered straight to PNG bytes (:func:`to_png`, for reports)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["figure_axes", "to_png"]

#: Set while :func:`to_png` draws: new figures are then made without pyplot.
_DETACHED: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "riskmodel_plot_detached", default=None)


def figure_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax`` and its figure when given, else a new
    figure of ``figsize`` inches (one pyplot never sees when drawn by :func:`to_png`)."""
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


def to_png(func: Callable[..., tuple[Any, Any]], *args: Any, dpi: int = 110,
           **kwargs: Any) -> bytes:
    """Draw ``func(*args, **kwargs)`` on a figure pyplot never sees; return PNG bytes.

    Used by reports: nothing is registered with pyplot, so nothing can open a window
    and nothing needs closing.

    >>> import riskmodel as rm
    >>> from riskmodel.plot import choke_factors
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
