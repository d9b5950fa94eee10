"""The report's section "Targets": the choke points of each target beside end-use value.

A chain may declare named targets (``targets:``, :mod:`riskmodel.targets`), nodes whose
shortfall matters in its own right, such as a country's own advanced-logic fabs; a
report may be asked for more (``report(target=...)``, ``riskmodel report --target``).
For each, :func:`target_scores` scores every node by the loss **of that target**
(:func:`riskmodel.score` with ``target=``), and :func:`add_targets` puts the top choke
points of each in a section after "Choke points", beside their end-use score and rank,
so that a node that matters for a capability but little for end-use value shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # heavy modules load on use: ``riskmodel report --help`` stays instant
    import pandas as pd

    from riskmodel.model import Chain
    from riskmodel.reporting.data import ReportData
    from riskmodel.targets import Target

__all__ = ["TARGET_ROWS", "add_targets", "report_targets", "target_scores"]

#: Choke points listed per target.
TARGET_ROWS = 10

_HEADERS = {"rank": "rank", "stage": "stage", "cut_country": "cut by",
            "choke_score": "loss of the target", "choke_immediate": "immediate",
            "choke_long_run": "long run", "end_use_score": "end-use choke score",
            "end_use_rank": "end-use rank"}


def report_targets(chain: Chain, target: Any = None) -> list[Target]:
    """The targets a report scores: every target the chain declares, then ``target``:
    one target as :func:`riskmodel.score` takes it (a node id, ids joined by commas, a
    list of ids, a declared name), or several as a list of such (each item that is not
    text is its own target, e.g. ``[["fab_a", "fab_b"], "tools"]``); resolved
    (:func:`riskmodel.targets.resolve`), each set of nodes once.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> [t.name for t in report_targets(bike, [["frames"], ["tyres", "frames"]])]
    ['frames', 'tyres+frames']
    >>> [t.name for t in report_targets(bike, ["frames", "tyres"])], report_targets(bike)
    (['frames+tyres'], [])
    """
    from riskmodel.targets import resolve

    given: list[Any] = []
    if target is not None:
        several = not isinstance(target, str) and any(not isinstance(x, str) for x in target)
        given = list(target) if several else [target]
    out: dict[frozenset[str], Target] = {}
    for item in [*chain.targets, *given]:
        t = resolve(chain, item)
        if t is not None:
            out.setdefault(frozenset(t.nodes), t)
    return list(out.values())


def target_scores(chain: Chain, targets: Sequence[Target], *, horizon: int,
                  progress: Any = None) -> list[tuple[Target, pd.DataFrame]]:
    """Each target with every node's score by that target's loss (the restrictions in
    force the chain ``chain`` holds included, as in the rest of the report)."""
    from riskmodel.scoring import score

    out = []
    for t in targets:
        out.append((t, score(chain, horizon=horizon, target=list(t.nodes))))
        if progress is not None:
            progress()
    return out


def _table(t: Target, s: pd.DataFrame, end_use: pd.DataFrame) -> pd.DataFrame:
    """The top choke points of target ``t`` with their end-use score and rank."""
    top = s[s["choke_score"].fillna(0) > 0].head(TARGET_ROWS)
    cols = ["label", "rank", "stage", "cut_country", "choke_score", "choke_immediate",
            "choke_long_run"]
    out = top[cols].copy()
    out["end_use_score"] = end_use["choke_score"].reindex(out.index)
    out["end_use_rank"] = end_use["rank"].reindex(out.index)
    out.attrs = {"target": t.name, "target_nodes": list(t.nodes),
                 "target_weighting": t.weighting}
    return out


def _sentence(t: Target, table: pd.DataFrame, h: int) -> str:
    """What the target is and what stands out in its ranking."""
    how = ", weighted by value" if t.weighting == "value" else ", weighted equally"
    head = t.name if t.nodes == (t.name,) else (
        f"{t.name} ({', '.join(t.nodes)}{how if len(t.nodes) > 1 else ''})")
    if table.empty:
        return head + f": no single-supplier cut costs any of it over {h} months."
    first = table.iloc[0]
    end = first["end_use_score"]
    return (head + f": its top choke point is {table.index[0]}; a cut by "
            f"{first['cut_country']} costs {first['choke_score']:.1%} of it on average over {h} "
            f"months "
            f"({first['choke_immediate']:.1%} at once), against "
            + (f"{end:.1%} of end-use value (end-use rank {int(first['end_use_rank'])})."
               if end == end else "an end-use score not computed exactly (large chain)."))


def add_targets(data: ReportData, scored: Sequence[tuple[Target, pd.DataFrame]],
                end_use: pd.DataFrame) -> None:
    """Add the section "Targets" after "Choke points" (nothing without targets), and a
    line in the summary."""
    from riskmodel.reporting.data import Section, Table

    if not scored:
        return
    h = int(end_use.attrs.get("horizon", 12))
    d = Section("targets", "Targets")
    d.paragraphs.append(
        "A target measures the shortfall of chosen nodes (a capability) instead of end-use "
        "value. For each target, a node's score is the share of the target lost "
        f"{h} months into the same cut as in 'Choke points' (its dominant foreign "
        "supplier's full stop), with stocks and substitution at work; the target's loss "
        "weighs its nodes by value where every one has a value, else equally. The "
        "end-use columns repeat the node's end-use choke score and rank for comparison.")
    fmt = dict.fromkeys(("choke_score", "choke_immediate", "choke_long_run",
                         "end_use_score"), "pct") | {"rank": "int", "end_use_rank": "int"}
    for t, s in scored:
        table = _table(t, s, end_use)
        d.bullets.append(_sentence(t, table, h))
        d.tables.append(Table(
            f"target_{t.name}", f"Choke points of {t.name}", table, list(_HEADERS), fmt,
            headers=_HEADERS, index_note="label",
            note=f"Top {TARGET_ROWS} by the loss of {t.name} ({', '.join(t.nodes)}); nodes "
                 "whose cut costs it nothing are left out."))
    at = next(i for i, s in enumerate(data.sections) if s.id == "choke_points") + 1
    data.sections.insert(at, d)
    _method_row(data, scored)
    data.sections[0].paragraphs.append(
        f"Targets: {len(scored)} scored beside end-use value (section '{d.title}'): "
        + "; ".join(f"{t.name}, top choke point {_top(s)}" for t, s in scored) + ".")


def _method_row(data: ReportData, scored: Sequence[tuple[Target, pd.DataFrame]]) -> None:
    """Record the targets in the method section's settings table."""
    import pandas as pd

    text = "; ".join(f"{t.name} = {', '.join(t.nodes)} ({t.weighting} weights)"
                     for t, _ in scored)
    for table in (t for s in data.sections if s.id == "method" for t in s.tables):
        if table.name == "settings":
            row = pd.DataFrame([("targets", text)], columns=table.frame.columns)
            table.frame = pd.concat([table.frame, row], ignore_index=True)


def _top(s: pd.DataFrame) -> str:
    """The top choke point of a target's scores, with its loss, or 'none'."""
    top = s[s["choke_score"].fillna(0) > 0]
    if top.empty:
        return "none"
    return f"{top.index[0]} ({top['choke_score'].iloc[0]:.1%} of the target)"
