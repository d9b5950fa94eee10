"""Figures of computed results: one function per figure, ``(fig, ax)`` out.

Every function takes results computed elsewhere (scores, leverage, cut sets, simulation
results, policy alignment, uncertainty, or the chain itself), draws into ``ax`` when
given one (or a new figure), returns ``(fig, ax)`` and never calls ``show()``. This is
the only part of the package that imports matplotlib, and only inside functions, so
that ``import riskmodel`` stays light.

Colours are consistent across figures and colour-blind safe: one colour per country
(Paul Tol's *muted* palette, fixed for the common codes), one per stage (Okabe–Ito),
and a sequential map (``YlOrBr``) for the choke score.

Modules
-------
- ``style``: the palettes, country and stage colours, safe text and axes helpers;
- ``figure``: where figures are drawn, and :func:`to_png` for reports;
- ``layout``: the layered layout of a chain (plain numbers, no drawing);
- ``diagram``: :func:`chain_diagram`;
- ``scores``: :func:`choke_factors`, :func:`leverage`, :func:`cutsets`;
- ``scenarios``: :func:`scenario_losses`;
- ``policy``: :func:`smile_curve`, :func:`support_vs_choke`;
- ``confidence``: :func:`rank_intervals`, :func:`provenance`;
- ``tornado``: :func:`tornado`, a node's choke score over the ranged numbers;
- ``check``: :func:`text_problems`, overlapping or cut-off text in a drawn figure.

Every function draws one title at the left of its axes, in one style
(:func:`riskmodel.plot.style.set_title`): ``title="..."`` replaces it, ``title=""``
leaves it out, so that a caller's title never lands on top of the function's own.

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

from riskmodel.plot.check import text_problems
from riskmodel.plot.confidence import provenance, rank_intervals
from riskmodel.plot.diagram import chain_diagram
from riskmodel.plot.figure import to_png
from riskmodel.plot.policy import smile_curve, support_vs_choke
from riskmodel.plot.scenarios import scenario_losses
from riskmodel.plot.scores import choke_factors, cutsets, leverage
from riskmodel.plot.style import (
    CHOKE_CMAP,
    COUNTRY_COLOURS,
    EDGE_GREY,
    OKABE_ITO,
    SCORE_COLOUR,
    STOCK_COLOUR,
    SUBST_COLOUR,
    TOL_MUTED,
    country_colour,
    stage_colour,
)
from riskmodel.plot.tornado import tornado

__all__ = ["CHOKE_CMAP", "COUNTRY_COLOURS", "EDGE_GREY", "OKABE_ITO", "SCORE_COLOUR",
           "STOCK_COLOUR", "SUBST_COLOUR", "TOL_MUTED", "chain_diagram", "choke_factors",
           "country_colour", "cutsets", "leverage", "provenance", "rank_intervals",
           "scenario_losses", "smile_curve", "stage_colour", "support_vs_choke", "text_problems",
           "to_png", "tornado"]
