"""What absorbs a cut: the alternatives, paths and stocks that keep a node's loss small
(docs/model.md §1.2, §1.4–1.5, §2.3).

A full cut of a node reaches end use along its outgoing edges. :func:`absorbers` plays
the cut with no stock and no substitution (the immediate static pass, on top of the
restrictions in force) and follows its shortfall down the chain, naming where it is
absorbed:

- **group**: an alternatives group whose other members keep more of the need than the
  cut input's shortfall leaves (``kept``: the share of the need the group still covers;
  ``members``: its other members and what each covers);
- **path**: a non-essential input, which passes on only its cost ``share`` of the
  shortfall;
- **stock**: a node the shortfall reaches that holds ``months`` of inventory, or
  (``installed base``) a capital node whose installed base wears out over ``months``
  of service life: they absorb the cut over time, which the immediate pass leaves out.

:func:`absorbed_text` says it in a sentence; :func:`~riskmodel.scoring.explain` adds it
whenever a node's choke score is small.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.model import Chain, require_chain
from riskmodel.realised import baseline_of
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

__all__ = ["COLUMNS", "SMALL", "absorbed_text", "absorbers", "explain_absorbers"]

#: the columns of :func:`absorbers`' table
COLUMNS = ["kind", "at", "via", "group", "members", "kept", "share", "months"]
#: a shortfall at most this is none
TINY = 1e-9
#: a choke score below this (5% of end-use value) is small: explain names what absorbs it
SMALL = 0.05


def absorbers(chain: Chain, node: str, country: str, *, to: Any = "all",
              baseline: Any = None) -> pd.DataFrame:
    """Where a full cut of ``node`` by ``country`` is absorbed on its way to end use.

    Parameters
    ----------
    chain : Chain
    node, country : str
        The node cut, and the supplier key that cuts it (a score's ``cut_country``).
    to : str or tuple
        The cut's destinations (as :class:`~riskmodel.Cut`; default all).
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force, as for :func:`~riskmodel.simulate`; the shortfall
        is measured on top of them.

    Returns
    -------
    DataFrame
        One row per absorber (columns :data:`COLUMNS`; module docstring): groups and
        paths in the order the shortfall meets them, then stocks.

    Examples
    --------
    >>> import riskmodel as rm
    >>> a = absorbers(rm.load("semiconductors"), "euv_lithography", "NL", baseline=False)
    >>> a.loc[a["kind"] == "group", ["at", "group", "kept"]].round(2).to_numpy().tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['domestic_advanced_logic_fab', 'critical_lithography', 0.35],
     ['advanced_processors', 'logic_fab', 1.0], ['mobile_socs', 'logic_fab', 1.0]]
    """
    require_chain(chain, "absorbers")
    c = chain.compiled
    if node not in c.index:
        from riskmodel._errors import NodeNotFoundError

        raise NodeNotFoundError(f"no node '{node}' in chain '{chain.name}'")
    before, after = _availability(chain, node, country, to, baseline)
    short = np.maximum(before - after, 0.0)
    ids = [str(x) for x in c.ids]
    A0 = dict(zip(ids, before, strict=True))
    A1 = dict(zip(ids, after, strict=True))
    hit = {x for x, d in zip(ids, short, strict=True) if d > TINY}
    level = dict(zip(ids, engine.plan_for(c).node_level, strict=True))
    rows = _edges_absorbing(chain.edges, hit, A0, A1)
    rows.sort(key=lambda r: (level[r["at"]], r["at"], r["kind"], str(r["via"])))
    rows += _stocks(chain, [x for x in sorted(hit, key=lambda x: (level[x], x))])
    return pd.DataFrame(rows, columns=COLUMNS)


def _availability(chain: Chain, node: str, country: str, to: Any,
                  baseline: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every node's immediate availability under the restrictions in force alone, and
    with the cut on top of them."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    _, held = baseline_of(chain, baseline)
    spec = cut_spec(chain, [Scenario([]), Scenario([Cut(country, (node,), to=to)])], p,
                    baseline=held)
    A = engine.static(c, p, spec, mode="immediate")
    return A[:, 0], A[:, 1]


def _edges_absorbing(edges: pd.DataFrame, hit: set[str], A0: dict[str, float],
                     A1: dict[str, float]) -> list[dict[str, Any]]:
    """The groups and non-essential inputs that absorb part of a shortfall of ``hit``."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    n = len(edges)
    src_all = edges["from"].astype(str).to_numpy()
    dst_all = edges["to"].astype(str).to_numpy()
    group = edges["group"] if "group" in edges else pd.Series([None] * n, index=edges.index)
    essential = (edges["essential"] if "essential" in edges else pd.Series(
        [True] * n, index=edges.index)).fillna(True).astype(bool).to_numpy()
    share_all = (edges["share"] if "share" in edges else pd.Series(
        [np.nan] * n, index=edges.index)).to_numpy(dtype=float)
    grouped = group.notna().to_numpy()
    for i in np.flatnonzero(np.isin(src_all, list(hit))):
        u, v, g = src_all[i], dst_all[i], group.iloc[i]
        d = A0[u] - A1[u]
        if not essential[i]:
            share = float(np.nan_to_num(share_all[i]))
            rows.append({"kind": "path", "at": v, "via": u, "share": share,
                         "kept": 1.0 - share * d})
            continue
        if not grouped[i] or (v, g) in seen:
            continue
        seen.add((v, g))
        mates = edges[grouped & (dst_all == v) & (group == g).to_numpy()]
        cov = (mates["covers"].fillna(1.0).to_numpy(float) if "covers" in mates
               else np.ones(len(mates)))
        src = mates["from"].astype(str).to_numpy()
        g0 = min(1.0, float(sum(cov * [A0[x] for x in src])))
        g1 = min(1.0, float(sum(cov * [A1[x] for x in src])))
        worst = max(A0[x] - A1[x] for x in src if x in hit)
        if g1 > g0 - worst + TINY:  # keeps more than the worst member's shortfall leaves
            others = [(x, float(k)) for x, k in zip(src, cov, strict=True) if x not in hit]
            rows.append({"kind": "group", "at": v, "via": u, "group": str(g),
                         "members": others, "kept": g1})
    return rows


def _stocks(chain: Chain, hit: list[str]) -> list[dict[str, Any]]:
    """The stocks and installed bases of the nodes the shortfall reaches."""
    c = chain.compiled
    rows = []
    for x in hit:
        j = c.index.get_loc(x)
        life = float(c.service_life[j]) if c.service_life is not None else np.nan
        if np.isfinite(life) and life > 0:
            rows.append({"kind": "installed base", "at": x, "months": life})
        elif c.inventory[j] > 0:
            rows.append({"kind": "stock", "at": x, "months": float(c.inventory[j])})
    return rows


def absorbed_text(table: pd.DataFrame, *, limit: int = 4) -> str:
    """:func:`absorbers`' table in a sentence (empty when nothing absorbs the cut).

    Examples
    --------
    >>> import riskmodel as rm
    >>> a = absorbers(rm.load("semiconductors"), "euv_lithography", "NL", baseline=False)
    >>> print(absorbed_text(a))  # doctest: +NORMALIZE_WHITESPACE
    What absorbs the cut: at domestic_advanced_logic_fab, the alternatives group
    critical_lithography (duv_lithography, covering 35%) keeps 35% of the need; at
    advanced_processors, the alternatives group logic_fab (foreign_leading_edge_foundry,
    covering 100%; mature_foundry, covering 20%) keeps all of it; at mobile_socs, the
    alternatives group logic_fab (foreign_leading_edge_foundry, covering 100%;
    mature_foundry, covering 40%) keeps all of it; installed bases: euv_lithography (84
    months' service life).
    """
    parts = []
    flows = table[table["kind"].isin(["group", "path"])]
    for r in flows.head(limit).itertuples(index=False):
        if r.kind == "group":
            names = "; ".join(f"{x}, covering {k:.0%}" for x, k in r.members) or "none"
            keeps = "all of it" if r.kept >= 1 - TINY else f"{r.kept:.0%} of the need"
            parts.append(f"at {r.at}, the alternatives group {r.group} ({names}) keeps "
                         f"{keeps}")
        else:
            parts.append(f"at {r.at}, {r.via} is a non-essential input ({r.share:.0%} of "
                         "its cost), so only that share of its shortfall passes on")
    if len(flows) > limit:
        parts.append(f"and {len(flows) - limit} more")
    buffers = table[table["kind"].isin(["stock", "installed base"])]
    stock = [f"{r.at} ({_months(r.months)})" for r in buffers.itertuples(index=False)
             if r.kind == "stock"]
    base = [f"{r.at} ({_months(r.months)}' service life)"
            for r in buffers.itertuples(index=False) if r.kind == "installed base"]
    if stock:
        parts.append("stocks: " + ", ".join(stock[:limit]))
    if base:
        parts.append("installed bases: " + ", ".join(base[:limit]))
    return ("What absorbs the cut: " + "; ".join(parts) + ".") if parts else ""


def _months(m: float) -> str:
    return f"{m:g} month{'' if m == 1 else 's'}"


def explain_absorbers(chain: Chain, scores: pd.DataFrame, node: str, *,
                      baseline: Any = None) -> str:
    """The sentence :func:`~riskmodel.scoring.explain` adds for ``node`` (a row of
    :func:`~riskmodel.scoring.score`'s table ``scores``) when its choke score is small
    (below :data:`SMALL`) and it has a supplier to cut: what absorbs the cut, or that
    nothing along the chain does. Empty otherwise.

    Examples
    --------
    >>> import riskmodel as rm
    >>> semis = rm.load("semiconductors")
    >>> free = rm.score(semis, baseline=False)
    >>> explain_absorbers(semis, free, "euv_lithography", baseline=False)[:60]
    ' What absorbs the cut: at domestic_advanced_logic_fab, the a'
    """
    r = scores.loc[node]
    if not isinstance(r["cut_country"], str) or not (
            pd.notna(r["choke_score"]) and r["choke_score"] < SMALL):
        return ""
    text = absorbed_text(absorbers(chain, node, r["cut_country"], baseline=baseline))
    if text:
        return " " + text
    held = already_held(chain, node, r["cut_country"], baseline)
    if held:
        return (" The restrictions in force already withhold it ("
                + ", ".join(held) + "), so a further stop has little left to cut; "
                "--no-baseline (baseline=False) gives what the stop costs on its own.")
    return " Nothing along the chain absorbs it: the cut withholds little."


def already_held(chain: Chain, node: str, country: str, baseline: Any = None) -> list[str]:
    """The restrictions in force (their ids, or the cut's country where a plain
    :class:`~riskmodel.Cut` was given) by ``country`` that cut ``node``.

    Examples
    --------
    >>> import riskmodel as rm
    >>> already_held(rm.load("semiconductors"), "euv_lithography", "NL")[:1]
    ['euv_never_shipped']
    """
    items, cuts = baseline_of(chain, baseline)
    return [str(getattr(item, "id", None) or cut.country) for item, cut in zip(items, cuts,
                                                                               strict=True)
            if cut.country == country and (cut.nodes is None or node in cut.nodes)]
