"""End uses in their own table, out of the choke-point ranking.

An end-use node is what the loss is measured on (docs/model.md §1.4): it is not a
choke point of the chain, and ranking it among them, tied at the bottom with a score
of 0, reads as a finding. :func:`choke_points_only` is the ranking the report shows:
the other nodes, ranked again among themselves by the one tie rule
(:func:`riskmodel.scoring.horizon.competition_ranks`); :func:`end_use_table` lists the
end uses with their value, their share of end-use value and, for an end use bought
abroad, what a stop by its dominant foreign supplier costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from riskmodel.model import Chain

__all__ = ["END_USE_FORMATS", "END_USE_HEADERS", "choke_points_only", "end_use_table",
           "end_uses", "hide_end_uses"]

END_USE_HEADERS = {"value": "value", "value_share": "share of end-use value",
                   "import_share": "import share", "top_supplier": "top supplier",
                   "cut_country": "cut by", "choke_score": "loss if cut"}
END_USE_FORMATS = {"value": "num", "value_share": "pct", "import_share": "pct",
                   "choke_score": "pct"}


def end_uses(chain: Chain) -> list[str]:
    """The ids of the chain's end-use nodes, in compiled order.

    >>> import riskmodel as rm
    >>> end_uses(rm.load("bicycle"))
    ['bicycles', 'e_bikes']
    """
    c = chain.compiled
    return [str(x) for x in np.asarray(c.ids)[np.asarray(c.end_use, dtype=bool)]]


def choke_points_only(chain: Chain, scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` without the end-use nodes, ``rank`` taken again among the rest (the
    one tie rule); the order and every other column kept, and ``.attrs``.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> table = choke_points_only(bike, rm.score(bike))
    >>> len(table), "bicycles" in table.index, int(table["rank"].max())
    (11, False, 8)
    """
    from riskmodel.scoring.horizon import competition_ranks

    out = scores.drop(index=[x for x in end_uses(chain) if x in scores.index])
    if len(out):
        out = out.copy()
        out["rank"] = competition_ranks(out["choke_score"].fillna(0.0).to_numpy(float))
        out = out.sort_values("rank", kind="stable")
    out.attrs = dict(scores.attrs)
    return out


def end_use_table(chain: Chain, scores: pd.DataFrame) -> pd.DataFrame:
    """One row per end use: its label, value and share of end-use value (largest first),
    import share and top supplier, and the loss if its dominant foreign supplier stops it
    (``choke_score``; blank for an end use made at home).

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> t = end_use_table(bike, rm.score(bike))
    >>> list(t.index), round(float(t["value_share"].sum()), 6)
    (['e_bikes', 'bicycles'], 1.0)
    """
    c = chain.compiled
    ids = end_uses(chain)
    value = pd.Series(np.asarray(c.value, dtype=float), index=[str(x) for x in c.ids]
                      ).reindex(ids)
    total = float(np.nansum(value.to_numpy()))
    cols = ["label", "import_share", "top_supplier", "cut_country", "choke_score"]
    rows = scores.reindex(ids)[[x for x in cols if x in scores.columns]].copy()
    rows.insert(1, "value", value)
    rows.insert(2, "value_share", value / total if total > 0 else np.nan)
    foreign = rows["cut_country"].map(lambda x: isinstance(x, str))
    rows["choke_score"] = rows["choke_score"].where(foreign)
    rows.index.name = "end use"
    return rows.sort_values("value", ascending=False, kind="stable")


def hide_end_uses(data: Any, chain: Chain) -> None:
    """Leave the end uses out of the section "Uncertainty" of the report ``data``: its
    table of ranks over the draws and the figure of rank intervals (the draws rank every
    node; an end use, scored 0 unless bought abroad, sits at the bottom)."""
    ends = set(end_uses(chain))
    for section in data.sections:
        if section.id != "uncertainty":
            continue
        for t in section.tables:
            if t.name == "uncertainty":
                attrs = dict(t.frame.attrs)
                t.frame = t.frame.drop(index=[x for x in t.frame.index if x in ends])
                t.frame.attrs = attrs
        for f in section.figures:
            if f.name == "rank_intervals" and f.args:
                unc = f.args[0]
                kept = unc.drop(index=[x for x in unc.index if x in ends])
                kept.attrs = dict(unc.attrs)
                f.args = (kept, *f.args[1:])
