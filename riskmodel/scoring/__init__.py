"""Choke-point scoring: indicators, an explainable choke score, country leverage,
policy alignment and uncertainty (see docs/model.md §2).

:func:`score` returns one row per node, sorted by choke score, with:

- classic indicators (docs/model.md §2.1): ``import_share`` (1 − home share; NaN in a
  global view), ``top_supplier``/``top_share``,
  ``top_foreign_supplier``/``top_foreign_share``, ``hhi`` of the supplier shares and
  ``hhi_flag`` (above 0.4, riskmodel's threshold for concentrated supply: ``HHI_THRESHOLD``),
  ``countries_to_75`` (countries needed to reach 75% of supply, the ETO/CSET metric;
  NaN when the named suppliers never reach it), ``betweenness`` (reference only;
  sampled on large chains, see ``.attrs``);
- structural indicators from the AND/OR model (docs/model.md §2.2): ``knockout_loss``
  (end-use loss when the node's supply falls to 0), ``downstream_reach`` (share of
  end-use value that loses anything then), ``spof`` (the end-use products that fall to
  0 with it) and ``spof_count``;
- the choke score (docs/model.md §2.3): ``choke_score``, the share of end-use value
  lost over ``horizon`` months (default 24; value-months lost ÷ value × horizon) when
  ``cut_country`` (the node's dominant foreign controlling key) stops it to all
  destinations (``to="home"``: to the home alone), with stocks and substitution;
  ``time_to_impact`` (the first month the loss exceeds 0.1%, NaN if none),
  ``choke_month`` (the loss in month ``month``, default ``horizon``), and
  ``choke_immediate`` and ``choke_long_run`` beside it;
- its decomposition: ``exposure`` (the cut supplier's share of the node), ``transmission``
  (``choke_immediate / exposure``: how much of that shortfall reaches end use), and the
  relief that substitution (``relief_substitution``) and stocks (``relief_stock``) bring by
  the horizon (on average), so that ``choke_score = choke_immediate −
  relief_substitution − relief_stock``; and ``substitutability``, ``lead_time_months``,
  ``inventory_months``;
- ``rank`` (1 = worst choke point; equal scores share the best rank of their tie, the
  one tie rule of :func:`score_uncertainty` too) and ``choke_exact``: on large or deep
  chains only the nodes that can reach the top are scored exactly (docs/model.md §2.4;
  the bounds are in :mod:`riskmodel.scoring.choke`).

With restrictions in force (a chain's ``baseline``, or ``baseline=``; docs/model.md
§1.5, §2.3) every cut and knockout runs on top of them and every loss is marginal;
``.attrs["realised_loss"]`` and ``.attrs["baseline"]`` say what they cost and which
they are.

Modules (each cites its section of docs/model.md):

- ``indicators``: classic indicators and betweenness;
- ``cuts``: batched single-node cuts, their supplier keys, losses and knockouts;
- ``held``: the restrictions in force a score takes, and the losses and knockouts on
  top of them;
- ``choke``: :func:`score` and the pruning bounds for large chains;
- ``horizon``: the reading over the horizon, bound (3)'s factor and the tie rule;
- ``explain``: :func:`explain`, a node's score in sentences;
- ``absorbers``: :func:`absorbers`, the alternatives, paths and stocks that absorb a
  cut (what :func:`explain` names when a score is small);
- ``pairs``: :func:`pairs`, conditional criticality: pairs of cuts that cost more
  together than apart;
- ``leverage``: :func:`leverage`, the loss when a country cuts all it supplies;
- ``intervals``: :func:`score_uncertainty`, choke-score intervals over the data's
  uncertainty;
- ``policy``: :func:`policy_alignment` and :class:`PolicyAlignment`;
- ``sensitivity``: :func:`sensitivity`, a tornado over the ranged numbers and a horizon
  sweep for the top nodes, with a robustness verdict.

Examples
--------
>>> import riskmodel as rm
>>> s = rm.score(rm.load("bicycle"))
>>> s.index[0], s.loc["drivetrain", "cut_country"]
('drivetrain', 'JP')
>>> print(rm.explain(s, "drivetrain"))  # doctest: +ELLIPSIS
drivetrain ranks 1st of 13: a full stop by JP to all destinations costs 49% of end-use value...
"""

from __future__ import annotations

from riskmodel.scoring.absorbers import absorbed_text, absorbers
from riskmodel.scoring.choke import SCORE_WORK, score
from riskmodel.scoring.cuts import cut_shares, expansion
from riskmodel.scoring.explain import explain
from riskmodel.scoring.indicators import (
    BETWEENNESS_EXACT,
    BETWEENNESS_SOURCES,
    EC_HHI_THRESHOLD,
    HHI_THRESHOLD,
    classic_indicators,
)
from riskmodel.scoring.intervals import score_uncertainty
from riskmodel.scoring.leverage import leverage
from riskmodel.scoring.pairs import pairs
from riskmodel.scoring.policy import SUPPORT, PolicyAlignment, policy_alignment
from riskmodel.scoring.sensitivity import sensitivity, sensitivity_rows

__all__ = [
    "BETWEENNESS_EXACT",
    "BETWEENNESS_SOURCES",
    "EC_HHI_THRESHOLD",
    "HHI_THRESHOLD",
    "SCORE_WORK",
    "SUPPORT",
    "PolicyAlignment",
    "absorbed_text",
    "absorbers",
    "classic_indicators",
    "cut_shares",
    "expansion",
    "explain",
    "leverage",
    "pairs",
    "policy_alignment",
    "score",
    "score_uncertainty",
    "sensitivity",
    "sensitivity_rows",
]
