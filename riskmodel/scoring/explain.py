"""Why a node ranks where it does, in sentences with numbers (docs/model.md §2.3).

:func:`explain` reads one row of :func:`~riskmodel.scoring.score`'s table: the cut,
the node's exposure to it, how much of it reaches end use at once, the relief that
substitution and stocks bring by the horizon, and what losing the node entirely costs.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

import pandas as pd

from riskmodel._errors import NodeNotFoundError
from riskmodel.model import Chain
from riskmodel.scoring.absorbers import explain_absorbers
from riskmodel.scoring.choke import ordinal, score
from riskmodel.scoring.horizon import HORIZON
from riskmodel.scoring.indicators import HHI_THRESHOLD

__all__ = ["explain"]

#: the columns of :func:`score`'s table that :func:`explain` reads
_EXPLAIN_COLUMNS = ("rank", "cut_country", "choke_exact", "choke_score", "time_to_impact",
                    "choke_month", "choke_immediate",
                    "exposure", "hhi", "hhi_flag", "transmission", "relief_substitution",
                    "relief_stock", "substitutability", "lead_time_months", "spof_count",
                    "spof")


def explain(scores: pd.DataFrame | Chain, node: str, *, horizon: int = HORIZON,
            baseline: Any = None, chain: Chain | None = None) -> str:
    """Why ``node`` ranks where it does, in sentences with numbers.

    Parameters
    ----------
    scores : DataFrame or Chain
        The table from :func:`score`; or a :class:`~riskmodel.Chain`, which is scored
        first (with ``horizon``). Scoring once and explaining several nodes from the
        table is faster.
    node : str
        A node id.
    horizon : int
        The months the choke score averages over, when ``scores`` is a Chain (a table
        keeps the horizon it was scored with).
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force, when ``scores`` is a Chain (as for :func:`score`; a
        table keeps those it was scored with). With any, the text names them and says
        that its figures are marginal, what the cut adds on top of them.
    chain : Chain, optional
        The chain a table was scored from. With it (or when ``scores`` is the chain), a
        small choke score (below 5%) is followed by what absorbs the cut: the
        alternatives group, the non-essential path or the stock
        (:mod:`riskmodel.scoring.absorbers`).

    Raises
    ------
    NodeNotFoundError
        When ``node`` is not in the chain or the table.
    TypeError
        When ``scores`` is neither a Chain nor a table from :func:`score`.

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = rm.score(rm.load("bicycle"))
    >>> text = rm.explain(s, "battery_cells")
    >>> "70% of its supply comes from CN" in text
    True

    A chain is scored first:

    >>> rm.explain(rm.load("bicycle"), "battery_cells") == text
    True

    On top of restrictions in force, the figures are marginal:

    >>> held = rm.explain(rm.load("bicycle"), "battery_cells",
    ...                   baseline=[rm.Cut("JP", nodes=("drivetrain",))])
    >>> print(held.split(". ")[-1])  # doctest: +NORMALIZE_WHITESPACE
    With 1 restriction in force (realised loss 56%), every figure is marginal: what
    this cut adds on top of it.
    """
    chain = scores if isinstance(scores, Chain) else chain
    scores = _scores_table(scores, node, horizon, baseline)
    absorbed = explain_absorbers(chain, scores, node, baseline=baseline) if chain else ""
    return _explained(scores, node) + absorbed + _held(scores)


def _explained(scores: pd.DataFrame, node: str) -> str:
    """The sentences of :func:`explain` but the restrictions in force."""
    r = scores.loc[node]
    tied = int((scores["rank"] == r["rank"]).sum()) - 1
    rank = (f"{node} ranks {ordinal(int(r['rank']))} of {len(scores)}"
            + (f" (tied with {tied} other{'s' if tied != 1 else ''})" if tied else ""))
    if not isinstance(r["cut_country"], str):
        return (f"{rank}: it has no foreign supplier to cut, so its choke score is 0"
                + _structure(r))
    if not r["choke_exact"]:
        return (f"{rank} by its upper bound: a full cut by {r['cut_country']} costs at most "
                f"{r['choke_immediate']:.0%} of end-use value (not scored exactly: it "
                "cannot reach the top)" + _structure(r))
    h = scores.attrs.get("horizon", HORIZON)
    parts = [f"{rank}: a full stop by {r['cut_country']} to "
             + ("the home" if scores.attrs.get("to") == "home" else "all destinations")
             + f" costs {r['choke_score']:.0%} of end-use value on average over {h} "
             f"months{_timing(r, scores.attrs.get('month', h))}"]
    conc = f"HHI {r['hhi']:.2f}" + (f": flagged as concentrated, above riskmodel's "
                                     f"threshold of {HHI_THRESHOLD:g}" if r["hhi_flag"]
                                     else "")
    parts.append(f"{r['exposure']:.0%} of its supply comes from {r['cut_country']} ({conc})")
    if r["choke_immediate"] > 0:
        parts.append(f"At once the cut removes {r['choke_immediate']:.0%} of end-use value "
                     f"({r['transmission']:.2f} of every unit of the node's shortfall reaches "
                     "end use)")
    relief = _relief(r)
    if relief:
        parts.append(f"Over the {h} months " + " and ".join(relief))
    return ". ".join(parts) + _structure(r)


def _held(scores: pd.DataFrame) -> str:
    """The closing sentence on the restrictions in force the table was scored on top
    of (empty without any)."""
    held = scores.attrs.get("baseline") or []
    if not held:
        return ""
    count = len(held)
    return (f" With {count} restriction{'s' if count != 1 else ''} in force (realised "
            f"loss {scores.attrs.get('realised_loss', 0.0):.0%}), every figure is marginal: "
            f"what this cut adds on top of {'them' if count != 1 else 'it'}.")


def _scores_table(scores: pd.DataFrame | Chain, node: str, horizon: int,
                  baseline: Any = None) -> pd.DataFrame:
    """The score table to explain ``node`` from: ``scores`` itself, or the chain's
    scores; raises when it is neither, or when it has no such node."""
    if isinstance(scores, Chain):
        if node not in scores.compiled.index:
            _not_found(node, list(scores.compiled.ids), f"chain '{scores.name}'")
        return score(scores, horizon=horizon, baseline=baseline)
    if not (isinstance(scores, pd.DataFrame)
            and all(c in scores.columns for c in _EXPLAIN_COLUMNS)):
        what = ("a DataFrame without the columns of rm.score's table"
                if isinstance(scores, pd.DataFrame) else type(scores).__name__)
        fix = (f"load it first: rm.explain(rm.load({scores!r:.80}), {node!r:.80})"
               if isinstance(scores, (str, os.PathLike)) else
               f"e.g. rm.explain(rm.score(chain), {node!r:.80})")
        raise TypeError(f"rm.explain needs the table from rm.score(chain), or the Chain "
                        f"itself, not {what}; {fix}")
    if node not in scores.index:
        _not_found(node, list(scores.index), "the scores")
    return scores


def _not_found(node: str, ids: list, where: str) -> NoReturn:
    """Raise :class:`NodeNotFoundError` for ``node``, with the nearest id as a hint."""
    from riskmodel.io.collect import suggest

    hint = suggest(node, ids)
    raise NodeNotFoundError(f"no node '{node}' in {where}"
                            + (f"; did you mean '{hint}'?" if hint else ""))


def _timing(r: pd.Series, month: int) -> str:
    """When the loss is first felt and what it is in the single month read."""
    if pd.isna(r["time_to_impact"]):
        return f" (none of it felt by month {month})"
    return (f" (felt from month {int(r['time_to_impact'])}; {r['choke_month']:.0%} in "
            f"month {month})")


def _relief(r: pd.Series) -> list[str]:
    """What substitution and stocks give back on average over the horizon, as
    clauses."""
    relief = []
    if pd.isna(r["relief_substitution"]):
        back = r["choke_immediate"] - r["choke_score"]
        relief.append(f"substitution and stocks give back {back:.0%} together (not split "
                      "for nodes outside the top ranks)")
    elif r["relief_substitution"] > 1e-4:
        lead = (f", ramping over {r['lead_time_months']:g} months"
                if r["lead_time_months"] > 0 else "")
        relief.append(f"substitution (up to {r['substitutability']:.0%} of the lost supply"
                      f"{lead}) gives back {r['relief_substitution']:.0%}")
    elif r["choke_immediate"] > 0:
        relief.append("substitution gives back nothing" if r["substitutability"] > 0
                      else "nothing can substitute for it")
    if not pd.isna(r["relief_stock"]) and r["relief_stock"] > 1e-4:
        relief.append(f"stocks along the chain give back {r['relief_stock']:.0%}")
    return relief


def _structure(r: pd.Series) -> str:
    """The closing sentence: the end-use products that stop without the node, or what
    losing it entirely costs (docs/model.md §2.2); just the full stop otherwise."""
    text = "."
    if pd.notna(r["spof_count"]) and r["spof_count"] > 0:
        count = int(r["spof_count"])
        names = ", ".join(r["spof"][:4]) + (" …" if count > 4 else "")
        text = (f". {count} end-use product{'s' if count != 1 else ''} "
                f"cannot be made at all without it ({names}).")
    elif r["downstream_reach"] > 0:
        text = (f". Losing it entirely would cost {r['knockout_loss']:.0%} of end-use value "
                f"and touch {r['downstream_reach']:.0%} of it.")
    return text
