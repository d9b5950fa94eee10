"""Conditional criticality: pairs of cuts that cost more together than apart
(docs/model.md §1.2, §2.3).

A node whose cut is absorbed by an alternative scores little alone; so may the
alternative. Cut both and the group has nothing left: "EUV once foreign foundries are
cut". :func:`pairs` cuts each of the top nodes of :func:`~riskmodel.scoring.score`
together with every other node whose cut can meet it, each by its own ``cut_country``
and to the same destinations, and ranks the pairs by their **excess**:

``excess = joint − (single_a + single_b)``

the loss of the joint cut beyond the two single cuts together (the DESIGN's "more than
their single cuts together"); ``excess_over_max = joint − max(single_a, single_b)``,
beside it, is what the pair adds beyond its worse half. Every loss is the share of
end-use value lost over the horizon (value-months lost ÷ value × horizon), with stocks
and substitution, on top of the restrictions in force, from one
:func:`~riskmodel.simulate_many` batch (singles and pairs alike).

Only pairs whose downstream cones meet are run: where they do not, the two cuts reach
disjoint sets of nodes, end-use loss is a sum over end uses, and the joint loss is
exactly the sum (excess 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskmodel._errors import ArgumentError, NodeNotFoundError
from riskmodel.model import Chain, require_chain
from riskmodel.scenario import Cut, Scenario
from riskmodel.scoring.choke import score
from riskmodel.scoring.sensitivity import reaching
from riskmodel.simulation import simulate_many

__all__ = ["COLUMNS", "MAX_PAIRS", "pairs"]

#: Most pairs one call runs.
MAX_PAIRS = 50_000
#: the columns of :func:`pairs`' table
COLUMNS = ["node", "partner", "node_country", "partner_country", "node_loss",
           "partner_loss", "joint_loss", "excess", "excess_over_max", "node_rank"]


def pairs(chain: Chain, *, top: int = 10, among: Sequence[str] | None = None,
          per_node: int = 3, horizon: int | None = None, to: Any = "all",
          baseline: Any = None, scores: pd.DataFrame | None = None,
          max_pairs: int = MAX_PAIRS) -> pd.DataFrame:
    """For the top nodes, the partners whose joint cut costs most beyond the two single
    cuts (conditional criticality).

    Parameters
    ----------
    chain : Chain
    top : int
        How many of :func:`score`'s top nodes to pair.
    among : list of str, optional
        The candidate partners (default: every node with a supplier to cut).
    per_node : int
        The best pairs kept per top node (those with a positive excess).
    horizon : int, optional
        Months of the horizon (default: the score's).
    to : str or tuple
        The cuts' destinations (as :class:`~riskmodel.Cut`; default all).
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force, as for :func:`score`.
    scores : DataFrame, optional
        :func:`score`'s table for the chain (scored now if not given).
    max_pairs : int
        Most pairs run.

    Returns
    -------
    DataFrame
        One row per pair (columns :data:`COLUMNS`), largest ``excess`` first.

    Examples
    --------
    EUV and DUV are alternatives for a fab (each covers its whole need): either cut
    alone costs nothing, both cost the fab.

    >>> import networkx as nx, riskmodel as rm
    >>> g = nx.DiGraph()
    >>> g.add_node("euv", stage="upstream", suppliers={"NL": 1.0})
    >>> g.add_node("duv", stage="upstream", suppliers={"JP": 1.0})
    >>> g.add_node("chips", stage="end_use", value=1.0)
    >>> g.add_edge("euv", "chips", group="litho")
    >>> g.add_edge("duv", "chips", group="litho")
    >>> p = rm.pairs(rm.Chain(g, perspective={"home": "CN"}), top=1)
    >>> p[["node", "partner", "node_loss", "partner_loss", "joint_loss", "excess"]]
      node partner  node_loss  partner_loss  joint_loss  excess
    0  duv     euv        0.0           0.0         1.0     1.0
    """
    require_chain(chain, "pairs")
    for name, v, lo in (("top", top, 1), ("per_node", per_node, 1), ("max_pairs", max_pairs, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ArgumentError(f"{name} must be a whole number ≥ {lo}, found {v!r}")
    opts: dict[str, Any] = {"baseline": baseline}
    if horizon is not None:
        opts["horizon"] = horizon
    scores = scores if scores is not None else score(chain, **opts)
    h = int(horizon or scores.attrs.get("horizon", 12))
    country = {str(k): v for k, v in scores["cut_country"].items() if isinstance(v, str)}
    tops = [x for x in scores.sort_values("rank").index.astype(str) if x in country][:top]
    candidates = _candidates(chain, country, among)
    todo = _meeting(chain, tops, candidates)
    if len(todo) > max_pairs:
        raise ArgumentError(f"{len(todo):,} pairs to run, more than max_pairs="
                            f"{max_pairs:,}; give fewer top nodes or candidates (among=)")
    return _run(chain, scores, todo, country, h, to, baseline, per_node)


def _candidates(chain: Chain, country: dict[str, str], among: Sequence[str] | None
                ) -> list[str]:
    """The candidate partners: ``among`` (checked), or every node with a cut."""
    if among is None:
        return sorted(country)
    from riskmodel.io.collect import suggest

    out = []
    for x in among:
        if x not in chain.compiled.index:
            hint = suggest(str(x), list(map(str, chain.compiled.ids)))
            raise NodeNotFoundError(f"no node '{x}' in chain '{chain.name}'"
                                    + (f"; did you mean '{hint}'?" if hint else ""))
        if x in country:
            out.append(str(x))
    return out


def _meeting(chain: Chain, tops: list[str], candidates: list[str]) -> list[tuple[str, str]]:
    """The pairs (top node, partner) whose downstream cones share a node, each once: a
    partner's cone meets a top node's exactly when it reaches that cone
    (:func:`~riskmodel.scoring.sensitivity.reaching`; one search per top node)."""
    index = chain.compiled.index
    todo: dict[frozenset[str], tuple[str, str]] = {}
    for a in tops:
        meets = reaching(chain, a)
        for b in candidates:
            key = frozenset((a, b))
            if a != b and key not in todo and meets[index.get_loc(b)]:
                todo[key] = (a, b)
    return list(todo.values())


def _run(chain: Chain, scores: pd.DataFrame, todo: list[tuple[str, str]],
         country: dict[str, str], h: int, to: Any, baseline: Any,
         per_node: int) -> pd.DataFrame:
    """Singles and pairs in one batch; the table of the best pairs per top node."""
    singles = sorted({x for pair in todo for x in pair})

    def cut(x: str) -> Cut:
        return Cut(country[x], (x,), to=to)
    scs = [Scenario([cut(x)], name=f"1:{x}", months=h) for x in singles]
    scs += [Scenario([cut(a), cut(b)], name=f"2:{a}+{b}", months=h) for a, b in todo]
    if not todo:
        return pd.DataFrame(columns=COLUMNS)
    res = simulate_many(chain, scs, months=h, bounds=False, baseline=baseline)
    avg = (res["cumulative_loss"] / h).to_numpy()
    one = dict(zip(singles, avg[:len(singles)], strict=True))
    rows = []
    for (a, b), joint in zip(todo, avg[len(singles):], strict=True):
        la, lb = float(one[a]), float(one[b])
        rows.append({"node": a, "partner": b, "node_country": country[a],
                     "partner_country": country[b], "node_loss": la, "partner_loss": lb,
                     "joint_loss": float(joint), "excess": _clean(joint - la - lb),
                     "excess_over_max": _clean(joint - max(la, lb)),
                     "node_rank": int(scores.loc[a, "rank"])})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out = out[out["excess"] > 1e-9].sort_values(["excess", "node_rank", "partner"],
                                                ascending=[False, True, True], kind="stable")
    out = out.groupby("node", sort=False).head(per_node).reset_index(drop=True)
    out.attrs = {"chain": chain.name, "horizon": h, "pairs_run": len(todo),
                 "measure": "share of end-use value lost over the horizon",
                 "excess": "joint − (node + partner)", **{
                     k: scores.attrs.get(k) for k in ("realised_loss", "baseline")}}
    return out


def _clean(x: float) -> float:
    """``x`` with rounding noise (within 1e-12 of 0) set to 0."""
    return 0.0 if abs(x) <= 1e-12 else float(x)
