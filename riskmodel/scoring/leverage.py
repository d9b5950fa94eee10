"""Country leverage: the end-use loss when a country cuts everything it supplies, and
the nodes that carry it (docs/model.md §2.5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from riskmodel import engine
from riskmodel.model import Chain, Compiled, require_chain
from riskmodel.realised import marginal
from riskmodel.scoring.cuts import (
    choke_losses,
    cut_shares,
    expansion,
    horizon_reading,
    months_read,
)
from riskmodel.scoring.held import restrictions
from riskmodel.scoring.horizon import HORIZON
from riskmodel.targets import resolve, target_attrs, with_target

__all__ = ["leverage"]


def leverage(chain: Chain, *, horizon: int = HORIZON, carriers: int = 3,
             to: str | tuple[str, ...] = "all", baseline: Any = None,
             target: Any = None) -> pd.DataFrame:
    """End-use loss if a country cuts everything it supplies or controls, per country.

    Parameters
    ----------
    chain : Chain
    horizon : int
        Months over which ``leverage`` averages the loss (default 24), as a choke score.
    carriers : int
        How many carrier nodes to list per country.
    to : str or tuple of str
        Whom each country's cut withholds from (docs/model.md §1.3): ``"all"`` (every
        destination but itself, the default), ``"home"``, or named destinations.
    baseline : None, False or list of Cut (or restrictions)
        Restrictions in force, as for :func:`riskmodel.simulate`: every loss is then a
        country's marginal effect on top of them (``.attrs["realised_loss"]``: theirs).
    target : str or list of str, optional
        Measure the shortfall of these nodes (a node id, a list, or a declared target;
        :mod:`riskmodel.targets`), named in ``.attrs["target"]``, not end-use value.

    Returns
    -------
    DataFrame
        One row per supplier key other than the home country that supplies something,
        and per jurisdiction that controls a share (``controlled_by``; index:
        ``country``), sorted by leverage. Columns: ``leverage`` (the share of end-use
        value lost over ``horizon`` months, with stocks and substitution: value-months
        lost ÷ value × ``horizon``), ``time_to_impact`` (the first month the loss
        exceeds 0.1%, NaN if none), ``immediate``, ``long_run``,
        ``nodes_supplied`` (made or controlled), and ``carriers``: the nodes whose
        single cut by that country costs most (immediate), which carry the leverage.

    Examples
    --------
    >>> import riskmodel as rm
    >>> lev = rm.leverage(rm.load("bicycle"))
    >>> lev.index[0], round(float(lev.loc["CN", "leverage"]), 3)
    ('JP', 0.35)
    >>> lev.loc["JP", "carriers"]
    ['drivetrain', 'motors', 'battery_cells']
    >>> held = rm.leverage(rm.load("bicycle"), baseline=[rm.Cut("JP", nodes=("drivetrain",))])
    >>> held.index[0], float(held.loc["JP", "leverage"])  # Japan's cut is already in force
    ('TW', 0.0)
    """
    require_chain(chain, "leverage")
    from riskmodel.scenario import Cut, Scenario
    from riskmodel.simulation import chunk_size, cut_spec

    c, tgt = chain.compiled, resolve(chain, target)
    p = with_target(c, engine.params_from_compiled(c), tgt)
    held = restrictions(chain, p, baseline)
    realised = held.realised
    attrs = {"horizon": horizon, "chain": chain.name, "realised_loss": realised,
             "baseline": len(held.cuts), **target_attrs(tgt)}
    expand = expansion(chain)
    shares, cands = _candidates(c, expand)
    cols = ["leverage", "time_to_impact", "immediate", "long_run", "nodes_supplied", "carriers"]
    if not cands:
        return _with_attrs(pd.DataFrame(columns=cols, index=pd.Index([], name="country")),
                           attrs)
    # one column per candidate: the cone kernel follows each where cuts are small,
    # else memory-bounded chunks of columns
    size = chunk_size(c.n, len(cands))
    months = months_read(horizon, None)
    spec = cut_spec(chain, [Scenario([Cut(x, to=to)], name=x, months=months)
                            for x in cands], p, baseline=held.cuts)
    imm, lr, monthly = (np.maximum(0.0, marginal(x, realised)) for x in (
        engine.static_loss(c, p, spec, chunk=size),
        engine.static_loss(c, p, spec, mode="long_run", chunk=size),
        engine.dynamic(c, p, spec, months, chunk=size).loss))
    dyn, _, impact = horizon_reading(monthly, horizon)
    tops, supplied_nodes = _carriers(c, p, shares, cands, horizon, carriers, expand,
                                     held.spec, realised)
    out = pd.DataFrame({"leverage": dyn, "time_to_impact": impact, "immediate": imm,
                        "long_run": lr, "nodes_supplied": supplied_nodes, "carriers": tops},
                       index=pd.Index(cands, name="country"))
    return _with_attrs(out.sort_values(["leverage", "immediate"], ascending=False,
                                       kind="stable"), attrs)


def _with_attrs(out: pd.DataFrame, attrs: dict[str, Any]) -> pd.DataFrame:
    out.attrs = attrs
    return out

def _candidates(c: Compiled, expand: sparse.csr_matrix) -> tuple[sparse.csc_matrix, list[str]]:
    """Node × key shares a full cut by each key withholds, and the candidates: the keys
    that withhold something (a country named only with a zero share supplies nothing; one
    that supplies only the world can cut its producers), then the jurisdictions that
    control a share."""
    shares = cut_shares(c, expand)
    if c.world is not None:
        shares = shares + (c.world @ expand.T)
    shares = shares.tocsc()
    shares.eliminate_zeros()
    supplied = np.diff(shares.indptr)
    cands = [x for i, x in enumerate(c.countries) if x != c.home and supplied[i] > 0]
    cands += sorted(x for x in c.controls if x != c.home and x not in cands)
    return shares, cands


def _carriers(c: Compiled, p: engine.Params, shares: sparse.csc_matrix, cands: list[str],
              horizon: int, carriers: int, expand: sparse.csr_matrix,
              held: engine.CutSpec | None = None, realised: float = 0.0
              ) -> tuple[list[list[str]], list[int]]:
    """Per candidate, the ``carriers`` nodes whose single cut by it costs most
    (immediate; every (node, key) cut at once, one column each; on top of the
    restrictions in force ``held``, whose loss is ``realised``), and how many nodes it
    makes or controls."""
    code = pd.Index(c.countries).get_indexer(cands)  # -1: controls, makes nothing
    starts = np.where(code >= 0, shares.indptr[code], 0)
    ends = np.where(code >= 0, shares.indptr[code + 1], 0)
    cnt = ends - starts
    idx = np.repeat(starts - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
    pair_node = shares.indices[idx].astype(np.int64)
    pair_key = np.repeat(np.arange(len(cands)), cnt)
    single = marginal(choke_losses(c, p, pair_node, [cands[i] for i in pair_key], horizon,
                                   what=("immediate",), expand=expand, held=held).immediate,
                      realised)
    o = np.lexsort((np.arange(len(single)), -single, pair_key))
    ptr = np.r_[0, np.cumsum(cnt)]
    tops, counts = [], []
    for i, x in enumerate(cands):
        mine = o[ptr[i]:ptr[i + 1]][:carriers]
        tops.append([str(c.ids[pair_node[j]]) for j in mine if single[j] > 0])
        own = set(pair_node[ptr[i]:ptr[i + 1]].tolist())
        held = set(p.row_node[c.controls.get(x, np.zeros(0, dtype=np.int64))].tolist())
        counts.append(len(own | held))
    return tops, counts
