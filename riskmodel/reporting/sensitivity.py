"""The report's section "Sensitivity": does each top choke point survive its numbers'
ranges, the horizon, and the Monte Carlo draws?

For the top choke points (:data:`SENSITIVITY_NODES`, the report's ``sensitivity=``),
:func:`report_sensitivity` runs :func:`riskmodel.scoring.sensitivity`: a **tornado**
(each ranged number that can move the node's score at its low and at its high, one at a
time) and a **horizon sweep** (6, 12, 18, 24 and 36 months). :func:`add_sensitivity`
puts in the section the biggest swings of each node, its sweep, and a verdict: a
finding is called **robust** only if the node survives the tornado and the sweep (its
score stays above 0 and it stays in the top ``k`` in every run) and the Monte Carlo
rank intervals (in the top ``k`` in at least 80% of the draws), ``k`` being the
uncertainty section's (:func:`riskmodel.scoring.sensitivity_rows`).

A chain whose test would need more than :data:`REPORT_MAX_RUNS` rescorings gets the
section with the reason and the call that runs it, not the test: a report stays a
matter of minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData

__all__ = ["REPORT_MAX_RUNS", "SENSITIVITY_NODES", "SensitivityInfo", "add_sensitivity", "and_list",
           "check_count", "report_sensitivity"]

#: Top choke points the report tests by default.
SENSITIVITY_NODES = 3
#: Most rescorings the report's test may take (two per ranged number, one per horizon).
REPORT_MAX_RUNS = 500


class SensitivityInfo:
    """What :func:`report_sensitivity` found: the table of
    :func:`~riskmodel.scoring.sensitivity` (``table``; None when not run), the nodes
    tested, and why not run (``skipped``)."""

    def __init__(self, table: pd.DataFrame | None, nodes: list[str], skipped: str = ""):
        self.table, self.nodes, self.skipped = table, nodes, skipped


def check_count(count: Any) -> int:
    """The count of top choke points to test: ``count``, or :data:`SENSITIVITY_NODES`
    when None; an ArgumentError unless a whole number ≥ 0.

    >>> check_count(None), check_count(0)
    (3, 0)
    """
    from riskmodel._errors import ArgumentError

    if count is None:
        return SENSITIVITY_NODES
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ArgumentError(f"sensitivity must be a whole number ≥ 0 (the top choke points "
                            f"to test; 0: none), found {count!r}")
    return int(count)


def _top_nodes(chain: Chain, scores: pd.DataFrame, count: int) -> list[str]:
    """The ``count`` best-ranked choke points (end uses left out) with a positive score
    and a foreign supplier to cut."""
    from riskmodel.reporting.enduses import choke_points_only

    table = choke_points_only(chain, scores)
    cut = table["cut_country"].map(lambda x: isinstance(x, str))
    ok = cut & (table["choke_score"].fillna(0.0) > 0)
    return [str(x) for x in table.index[ok.to_numpy(bool)][:count]]


def report_sensitivity(chain: Chain, scores: pd.DataFrame, *, count: int, k: int
                       ) -> SensitivityInfo:
    """Run the tornado and the sweep for the top ``count`` choke points of ``scores``
    (the chain ``chain`` as the report reads it, restrictions in force included), with
    ``k`` the top of the robustness rule.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> info = report_sensitivity(bike, rm.score(bike), count=1, k=5)
    >>> info.nodes, bool(info.table["robust"].iloc[0])
    (['drivetrain'], True)
    """
    from riskmodel._errors import ArgumentError
    from riskmodel.scoring import sensitivity

    nodes = _top_nodes(chain, scores, count) if count > 0 else []
    if not nodes:
        return SensitivityInfo(None, [], "not asked for (sensitivity=0)" if count <= 0
                               else "no node has a positive choke score to test")
    h = int(scores.attrs.get("horizon", 24))
    try:
        table = sensitivity(chain, nodes=nodes, top=k, horizon=h,
                            max_runs=REPORT_MAX_RUNS)
    except ArgumentError as e:
        if "max_runs" not in str(e):
            raise
        return SensitivityInfo(None, nodes, str(e).split(";")[0] + (
            f" (a report runs at most {REPORT_MAX_RUNS:,}); run it with "
            f"rm.sensitivity(chain, nodes={nodes!r}, max_runs=...)"))
    return SensitivityInfo(table, nodes)


def add_sensitivity(data: ReportData, info: SensitivityInfo, unc: pd.DataFrame,
                    scores: pd.DataFrame) -> None:
    """Add the section "Sensitivity" after "Uncertainty" and its verdicts to the
    summary."""
    from riskmodel.reporting.data import Section

    sec = Section("sensitivity", "Sensitivity")
    k = int(unc.attrs.get("top", 5))
    if info.table is None:
        sec.paragraphs.append(f"The tornado and the horizon sweep were not run: "
                              f"{info.skipped}.")
    else:
        _fill(sec, info.table, unc, scores, k)
    at = next((i for i, s in enumerate(data.sections) if s.id == "uncertainty"),
              len(data.sections) - 1)
    data.sections.insert(at + 1, sec)
    summary = next((s for s in data.sections if s.id == "summary"), None)
    if summary is not None and info.table is not None:
        summary.paragraphs.append("Sensitivity: " + _summary_text(info.table, unc) + ".")


def _rows(sens: pd.DataFrame, unc: pd.DataFrame) -> list[dict[str, Any]]:
    from riskmodel.scoring import sensitivity_rows

    return sensitivity_rows(sens, uncertainty=unc)


def _summary_text(sens: pd.DataFrame, unc: pd.DataFrame) -> str:
    rows = _rows(sens, unc)
    good = [r["node"] for r in rows if r.get("robust_overall", r["robust"])]
    bad = [r["node"] for r in rows if r["node"] not in good]
    parts = []
    if good:
        parts.append(f"{and_list(good)} {'is' if len(good) == 1 else 'are'} robust "
                     "(the tornado, the horizon sweep and the Monte Carlo draws agree)")
    if bad:
        parts.append(f"{and_list(bad)} {'is' if len(bad) == 1 else 'are'} not: "
                     "see section Sensitivity for what moves "
                     + ("it" if len(bad) == 1 else "them"))
    return f"of the top {len(rows)} choke points, " + "; ".join(parts)


def _fill(sec: Any, sens: pd.DataFrame, unc: pd.DataFrame, scores: pd.DataFrame,
          k: int) -> None:
    """The section's text and tables from the sensitivity table."""
    from riskmodel.reporting.data import Table

    a = sens.attrs
    rows = _rows(sens, unc)
    horizons = ", ".join(str(x) for x in a.get("horizons", []))
    sec.paragraphs.append(
        f"Each of the top {len(rows)} choke points is tested three ways. The tornado sets "
        f"each ranged number that can move its score (inventory, service life, "
        f"substitutability, lead time, supplier shares, cost shares, end-use values; "
        f"{a.get('run', 0)} of the chain's {a.get('ranged', 0)} ranged numbers) at its "
        f"low and then at its high, one at a time, and scores the chain again at "
        f"{a.get('horizon')} months. The horizon sweep scores it over {horizons} months. "
        f"The Monte Carlo draws of section Uncertainty move every number at once.")
    sec.paragraphs.append(
        f"A finding is called robust only if it survives all three: in every tornado and "
        f"sweep run the node's score stays above 0 and it stays in the top {k}, and it "
        f"ranks in the top {k} in at least 80% of the Monte Carlo draws.")
    label = scores["label"] if "label" in scores else pd.Series(dtype=object)
    verdicts = pd.DataFrame([{
        "node": r["node"], "label": label.get(r["node"], ""), "score": r["score"],
        "rank": r["rank"], "rank_range": _span(r["rank_range"]),
        "mc_ranks": _span(r["mc_rank"]) if "mc_rank" in r else "",
        "p_top": r.get("p_top"), "verdict": r["verdict"],
        "robust": bool(r.get("robust_overall", r["robust"]))} for r in rows]
        ).set_index("node")
    sec.tables.append(Table(
        "sensitivity", "Robustness of the top choke points", verdicts,
        [c for c in verdicts.columns if c != "label"], formats={
            "score": "pct", "rank": "int", "p_top": "pct", "rank_range": "text",
            "mc_ranks": "text"}, index_note="label", headers={
            "score": "choke score", "rank_range": "ranks over the runs",
            "mc_ranks": "Monte Carlo ranks P5–P95", "p_top": f"P(top {k})",
            "verdict": "tornado and sweep", "robust": "robust"}))
    sec.tables.append(Table("sensitivity_swings", "The biggest swings",
                            _swings(sens, [r["node"] for r in rows]), index=False,
                            formats={"low": "num", "high": "num", "score_low": "pct",
                                     "score_high": "pct", "swing": "pct"},
                            headers={"score_low": "score at low", "score_high":
                                     "score at high", "swing": "largest move"}))
    sweep = pd.DataFrame({f"{h} months": {r["node"]: r["sweep"].get(h) for r in rows}
                          for h in a.get("horizons", [])})
    sweep.index.name = "node"
    sec.tables.append(Table("sensitivity_sweep", "Choke score by horizon", sweep,
                            formats=dict.fromkeys(sweep.columns, "pct")))
    sec.bullets += [f"{r['node']}: {r['verdict']}" + (
        f"; in the top {k} in {r['p_top']:.0%} of the Monte Carlo draws"
        if r.get("p_top") is not None else "") + (
        " — robust overall." if r.get("robust_overall", r["robust"]) else
        " — not robust overall.") for r in rows]


def and_list(items: list[str]) -> str:
    """``items`` as an English list: ``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _span(pair: Any) -> str:
    lo, hi = (round(float(x)) for x in pair)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _swings(sens: pd.DataFrame, nodes: list[str], shown: int = 3) -> pd.DataFrame:
    """The ``shown`` numbers that move each node's score most, with their low and high
    and the score at each."""
    from riskmodel.scoring.sensitivity import ZERO, swings

    frames = []
    for x in nodes:
        w = swings(sens, x)
        w = w[w["swing"] > ZERO].head(shown)
        frames.append(pd.DataFrame({
            "node": x, "number": w["field"] + " of " + w["where"], "low": w["low"],
            "score_low": w["score_low"], "high": w["high"], "score_high": w["score_high"],
            "swing": w["swing"]}))
    cols = ["node", "number", "low", "score_low", "high", "score_high", "swing"]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
            )[cols]
