"""Policy alignment: subsidy, R&D and profit by stage, and support against the choke
score across nodes (docs/model.md §2.8)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.model import Chain
from riskmodel.scoring.choke import score

__all__ = ["SUPPORT", "PolicyAlignment", "policy_alignment"]


@dataclass
class PolicyAlignment:
    """Support against choke points.

    ``by_stage``: mean subsidy intensity, R&D intensity and profit margin per stage (the
    "smile curve"), with the number of nodes that have each figure. ``correlation``:
    Spearman rank correlation between each support measure and the choke score across the
    nodes that have both (with the count). ``nodes``: per node, support, choke score,
    their percentile ranks and the ``support_gap`` (choke percentile − support
    percentile: positive means less support than its choke importance). ``excluded``:
    nodes without support figures, counted, never treated as zero.
    """

    by_stage: pd.DataFrame
    correlation: pd.DataFrame
    nodes: pd.DataFrame
    excluded: dict[str, int]

    def __str__(self) -> str:
        from riskmodel.io.render import table

        lines = ["Support by stage:", table(self.by_stage), "",
                 "Rank correlation with the choke score:", table(self.correlation)]
        if any(self.excluded.values()):
            lines += ["", "Nodes without figures (excluded, not zero): " + ", ".join(
                f"{k} {v}" for k, v in self.excluded.items())]
        return "\n".join(lines)


SUPPORT = ("subsidy_intensity", "rd_intensity", "profit_margin")


def policy_alignment(chain: Chain, scores: pd.DataFrame | None = None) -> PolicyAlignment:
    """Subsidy/R&D/profit by stage, and support against choke score across nodes.

    Parameters
    ----------
    chain : Chain
    scores : DataFrame, optional
        The chain's table from :func:`~riskmodel.scoring.score`; scored here if None.

    Returns
    -------
    PolicyAlignment

    Examples
    --------
    >>> import riskmodel as rm
    >>> pa = rm.policy_alignment(rm.load("industrial_robots"))
    >>> pa.by_stage["rd_intensity"].idxmax()
    'midstream'
    """
    from scipy.stats import spearmanr

    scores = scores if scores is not None else score(chain)
    c = chain.compiled
    df = pd.DataFrame({"stage": [c.stages[s] for s in c.stage],
                       "subsidy_intensity": c.subsidy_intensity, "rd_intensity": c.rd_intensity,
                       "profit_margin": c.profit_margin}, index=pd.Index(c.ids, name="node"))
    df["choke_score"] = scores["choke_score"].reindex(df.index)
    agg = {}
    for col in SUPPORT:
        agg[col] = df.groupby("stage", sort=False)[col].mean()
        agg[f"{col}_n"] = df.groupby("stage", sort=False)[col].count()
    by_stage = pd.DataFrame(agg).reindex([s for s in c.stages if s in set(df["stage"])])
    corr_rows = []
    for col in ("subsidy_intensity", "rd_intensity"):
        both = df[[col, "choke_score"]].dropna()
        rho = np.nan
        if len(both) >= 3 and both[col].nunique() > 1 and both["choke_score"].nunique() > 1:
            rho = float(spearmanr(both[col], both["choke_score"]).statistic)
        corr_rows.append({"support": col, "spearman": rho, "nodes": len(both)})
    correlation = pd.DataFrame(corr_rows).set_index("support")
    support = df[["subsidy_intensity", "rd_intensity"]].mean(axis=1, skipna=True)
    nodes = pd.DataFrame({"stage": df["stage"], "support": support,
                          "choke_score": df["choke_score"]})
    have = nodes.dropna(subset=["support", "choke_score"]).copy()
    have["support_pct"] = have["support"].rank(pct=True)
    have["choke_pct"] = have["choke_score"].rank(pct=True)
    have["support_gap"] = have["choke_pct"] - have["support_pct"]
    have = have.sort_values("support_gap", ascending=False)
    excluded = {col: int(df[col].isna().sum()) for col in SUPPORT}
    return PolicyAlignment(by_stage, correlation, have, excluded)
