"""Caveats where a statistic of the report rests on few points.

A rank correlation over eight nodes, seven of which share one subsidy figure, or a
stage of the smile curve that is one node's figures, reads as a finding unless the
report says what it rests on. :func:`add_caveats` adds a paragraph beginning
"Caveat:" to the section that shows such a statistic, stating the count it rests on:

- **Spearman ρ** (section "Policy alignment"): over how many nodes, how many of them
  share a support figure and a choke score with another node (ties), and a warning when
  fewer than :data:`FEW_POINTS` nodes or most of them are tied;
- **smile curve**: the stages whose point is one node's figures, or none;
- **Monte Carlo** (section "Uncertainty"): fewer than :data:`FEW_DRAWS` draws, and the
  nodes tied at a score of 0 in the baseline;
- **choke ranking**: the nodes that share the last rank at 0;
- **sensitivity**: a tested node whose tornado ran no number (its verdict rests on the
  horizon sweep and the draws alone);
- **data**: most of the chain's numbers are estimates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskmodel.reporting.sensitivity import and_list

if TYPE_CHECKING:
    from riskmodel.reporting.data import ReportData

__all__ = ["FEW_DRAWS", "FEW_POINTS", "add_caveats", "rho_caveat", "smile_caveat",
           "tied"]

#: A correlation over fewer nodes than this is flagged as resting on few points.
FEW_POINTS = 10
#: Monte Carlo percentiles from fewer draws than this are flagged.
FEW_DRAWS = 100


def tied(values: Any) -> int:
    """How many of ``values`` share their value with another (rounded to 12 decimals).

    >>> tied([0.1, 0.1, 0.1, 0.3, 0.0])
    3
    """
    v = pd.Series(np.round(np.asarray(values, dtype=float), 12))
    return int(v.duplicated(keep=False).sum())


def rho_caveat(measure: str, rho: float, support: Any, choke: Any) -> str:
    """The caveat of one Spearman ρ: its count of nodes and of ties, and a warning when
    they are few or most are tied.

    >>> print(rho_caveat("subsidy intensity", 0.25, [1, 1, 1, 1, 1, 1, 1, 2],
    ...                  [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.0]))
    ... # doctest: +NORMALIZE_WHITESPACE
    Caveat: the Spearman ρ of subsidy intensity with the choke score (+0.25) rests on 8
    nodes; 7 of them share a subsidy intensity figure with another node, and 0 a choke
    score. Fewer than 10 nodes and most of them tied: read it as a description of these
    few nodes, not as a relationship.
    """
    n, ts, tc = len(support), tied(support), tied(choke)
    text = (f"Caveat: the Spearman ρ of {measure} with the choke score ({rho:+.2f}) rests "
            f"on {n} node{'s' if n != 1 else ''}; {ts} of them share "
            f"{'an' if measure.startswith(('R&D', *'aeiou')) else 'a'} {measure} figure "
            f"with another node, and {tc} a choke score.")
    few, most = n < FEW_POINTS, max(ts, tc) > n / 2
    if few or most:
        why = " and ".join(x for x, on in ((f"Fewer than {FEW_POINTS} nodes", few),
                                           ("most of them tied", most)) if on)
        why = why[0].upper() + why[1:]
        text += (f" {why}: read it as a description of these few nodes, not as a "
                 "relationship.")
    return text


def smile_caveat(by_stage: pd.DataFrame) -> str:
    """The caveat of the smile curve: the stages whose point is one node's figures, or
    that have none (empty when every stage averages two or more).

    >>> st = pd.DataFrame({"subsidy_intensity_n": [6, 1, 1, 0]},
    ...                   index=["upstream", "midstream", "downstream", "end_use"])
    >>> print(smile_caveat(st))  # doctest: +NORMALIZE_WHITESPACE
    Caveat: the smile curve's midstream and downstream points are each one node's
    figures, not an average over the stage's firms; end use has no figure and no point.
    """
    col = next((c for c in ("subsidy_intensity_n", "rd_intensity_n", "profit_margin_n")
                if c in by_stage), None)
    if col is None:
        return ""
    counts = by_stage[[c for c in by_stage.columns if c.endswith("_n")]].max(axis=1)
    one = [str(s).replace("_", " ") for s, n in counts.items() if n == 1]
    none = [str(s).replace("_", " ") for s, n in counts.items() if n == 0]
    parts = []
    if one:
        are = "s are each" if len(one) > 1 else " is"
        parts.append(f"the smile curve's {and_list(one)} point{are} one node's figures, "
                     "not an average over the stage's firms")
    if none:
        parts.append(f"{and_list(none)} {'has' if len(none) == 1 else 'have'} no figure and "
                     "no point")
    return ("Caveat: " + "; ".join(parts) + ".") if parts else ""


def add_caveats(data: ReportData, r: Any, choke: pd.DataFrame, sens: Any = None) -> None:
    """Add the caveats to the sections of ``data``, from the computed results ``r``
    (:class:`~riskmodel.reporting.data.Computed`), the choke ranking shown (``choke``:
    :func:`~riskmodel.reporting.enduses.choke_points_only`) and the sensitivity
    (:class:`~riskmodel.reporting.sensitivity.SensitivityInfo`)."""
    by_id = {s.id: s for s in data.sections}
    texts = {"policy": _policy(r), "uncertainty": _uncertainty(r, choke),
             "choke_points": [_zeros(choke)], "provenance": [_estimates(r.provenance)],
             "sensitivity": _sensitivity(sens)}
    for sid, found in texts.items():
        if sid in by_id:
            by_id[sid].paragraphs += [t for t in found if t]


def _policy(r: Any) -> list[str]:
    pa, c = r.policy, r.chain.compiled
    out = []
    choke = r.scores["choke_score"].reindex(c.ids).to_numpy(float)
    for measure, rho in pa.correlation["spearman"].items():
        values = np.asarray(getattr(c, str(measure)), dtype=float)
        both = ~np.isnan(values) & ~np.isnan(choke)
        name = str(measure).replace("_", " ").replace("rd ", "R&D ")
        if np.isnan(rho):
            if both.sum():
                out.append(f"Caveat: no Spearman ρ of {name}: it needs at least 3 nodes "
                           f"with a {name} figure, not all equal, and choke scores not all "
                           f"equal; {int(both.sum())} node(s) have both.")
            continue
        out.append(rho_caveat(name, float(rho), values[both], choke[both]))
    out.append(smile_caveat(pa.by_stage))
    return out


def _uncertainty(r: Any, choke: pd.DataFrame) -> list[str]:
    draws = int(r.settings["monte_carlo"]["draws"])
    unc = r.uncertainty[r.uncertainty.index.isin(choke.index)]  # end uses left out
    out = []
    if draws < FEW_DRAWS:
        out.append(f"Caveat: {draws} draws are few: each of P5 and P95 rests on about "
                   f"{max(1, round(draws * 0.05))} draw(s), so the intervals and P(top "
                   f"{r.uncertainty.attrs.get('top', 5)}) move from one seed to another; "
                   f"{FEW_DRAWS} or more give steadier figures.")
    if "baseline" in unc and len(unc):
        zero = int((unc["baseline"].fillna(0.0) <= 0).sum())
        if zero > 1:
            out.append(f"Caveat: {zero} of the {len(unc)} nodes score 0 at the baseline and "
                       "share its last rank; their rank intervals say only that they stay "
                       "at or near 0.")
    return out


def _zeros(choke: pd.DataFrame) -> str:
    zero = int((choke["choke_score"].fillna(0.0) <= 0).sum())
    if zero < 2:
        return ""
    return (f"Caveat: {zero} of the {len(choke)} choke-point candidates score 0 and share "
            "the last rank; their order in the table means nothing.")


def _estimates(prov: pd.DataFrame) -> str:
    if not len(prov):
        return ""
    est = float((prov["class"] == "estimate").mean())
    if est <= 0.5:
        return ""
    return (f"Caveat: {est:.0%} of the chain's numbers are estimates, not sourced figures: "
            "read the scores as the consequences of these estimates (their ranges are "
            "what sections Uncertainty and Sensitivity vary).")


def _sensitivity(sens: Any) -> list[str]:
    if sens is None or sens.table is None:
        return []
    t = sens.table
    tornado = t[t["kind"] == "tornado"].groupby("node").size()
    bare = [x for x in sens.nodes if int(tornado.get(x, 0)) == 0]
    if not bare:
        return []
    return [f"Caveat: no ranged number can move the score of {and_list(bare)}: "
            f"{'its' if len(bare) == 1 else 'their'} verdict rests on the horizon sweep and "
            "the Monte Carlo draws alone."]
