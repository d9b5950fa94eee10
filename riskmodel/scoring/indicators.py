"""Classic indicators of each node: import share, top suppliers, HHI, countries to 75%
and betweenness (docs/model.md §2.1)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.model import Chain, Compiled

__all__ = ["BETWEENNESS_EXACT", "BETWEENNESS_SOURCES", "EC_HHI_THRESHOLD", "HHI_THRESHOLD",
           "classic_indicators", "node_betweenness"]

#: The HHI above which a node's supply is flagged as concentrated (``hhi_flag``):
#: riskmodel's threshold. CEPII's GeoDep import-dependency screen uses the same value
#: for a concentrated product (:data:`riskmodel.sources.references.REFERENCES`,
#: ``cepii_geodep_2024``, quoted there); no European Commission text stating it was
#: found, so none is cited.
HHI_THRESHOLD = 0.4
#: The former name of :data:`HHI_THRESHOLD` (kept for code that imports it).
EC_HHI_THRESHOLD = HHI_THRESHOLD


def classic_indicators(c: Compiled) -> pd.DataFrame:
    """Import share, top suppliers, HHI and countries-to-75%, per node (vectorised).

    Parameters
    ----------
    c : Compiled
        The chain's compiled arrays (``chain.compiled``).

    Returns
    -------
    DataFrame
        One row per node (index: node id), with the columns of docs/model.md §2.1 but
        betweenness: ``import_share``, ``top_supplier``, ``top_share``,
        ``top_foreign_supplier``, ``top_foreign_share``, ``hhi``, ``hhi_flag`` and
        ``countries_to_75``.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring import classic_indicators
    >>> ind = classic_indicators(rm.load("bicycle").compiled)
    >>> r = ind.loc["drivetrain"]
    >>> r["top_foreign_supplier"], float(r["top_share"]), float(r["hhi"]), bool(r["hhi_flag"])
    ('JP', 0.7, 0.5325, True)
    """
    sup = c.supply
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(sup.indptr))
    cols = sup.indices
    data = np.asarray(sup.data, dtype=float)
    countries = np.array(c.countries, dtype=object)
    home_col = c.countries.index(c.home) if c.home is not None else -1
    hhi = np.bincount(rows, weights=data**2, minlength=n)
    # sort each row's shares, largest first
    o = np.lexsort((-data, rows))
    r_sorted, d_sorted, c_sorted = rows[o], data[o], cols[o]
    first = np.r_[True, r_sorted[1:] != r_sorted[:-1]] if len(o) else np.zeros(0, bool)
    top_share = np.full(n, np.nan)
    top_sup = np.full(n, None, dtype=object)
    top_share[r_sorted[first]] = d_sorted[first]
    top_sup[r_sorted[first]] = countries[c_sorted[first]]
    # cumulative shares within each row → countries to reach 75%
    csum = np.r_[0.0, np.cumsum(d_sorted)]  # csum[i]: the shares before entry i
    row_start = np.searchsorted(r_sorted, np.arange(n))
    within = csum[1:] - csum[row_start[r_sorted]]
    rank_in_row = np.arange(len(o)) - row_start[r_sorted] + 1 if len(o) else np.zeros(0)
    reach = within >= 0.75 - 1e-12
    c75 = np.full(n, np.nan)
    if reach.any():
        hit_rows, idx = np.unique(r_sorted[reach], return_index=True)
        c75[hit_rows] = rank_in_row[reach][idx]
    # foreign suppliers
    foreign = c_sorted != home_col
    fr, fd, fc = r_sorted[foreign], d_sorted[foreign], c_sorted[foreign]
    ffirst = np.r_[True, fr[1:] != fr[:-1]] if len(fr) else np.zeros(0, bool)
    tf_share = np.zeros(n)
    tf_sup = np.full(n, None, dtype=object)
    tf_share[fr[ffirst]] = fd[ffirst]
    tf_sup[fr[ffirst]] = countries[fc[ffirst]]
    if home_col >= 0:
        home_share = np.zeros(n)
        hm = cols == home_col
        home_share[rows[hm]] = data[hm]
        import_share = 1.0 - home_share
    else:
        import_share = np.full(n, np.nan)
    has_rows = np.diff(sup.indptr) > 0
    hhi = np.where(has_rows, hhi, np.nan)
    return pd.DataFrame({
        "import_share": import_share, "top_supplier": top_sup, "top_share": top_share,
        "top_foreign_supplier": tf_sup, "top_foreign_share": tf_share, "hhi": hhi,
        "hhi_flag": hhi > HHI_THRESHOLD, "countries_to_75": c75,
    }, index=pd.Index(c.ids, name="node"))


#: Chains up to this many nodes get exact betweenness; larger ones a sampled estimate.
BETWEENNESS_EXACT = 5_000
#: Sources sampled for the estimate.
BETWEENNESS_SOURCES = 512


def node_betweenness(chain: Chain, limit: int) -> tuple[np.ndarray, str]:
    """Normalised betweenness of the chain's graph, per node in compiled order.

    Exact up to ``BETWEENNESS_EXACT`` nodes, else estimated from
    ``BETWEENNESS_SOURCES`` sampled sources (as networkx's
    ``betweenness_centrality(k=...)``); not computed (NaN) above ``limit`` nodes.

    Returns
    -------
    (ndarray, str)
        The betweenness of each node, and a note saying how it was computed (the
        ``betweenness`` entry of :func:`~riskmodel.scoring.score`'s ``.attrs``).
    """
    c = chain.compiled
    if c.n > limit:
        return np.full(c.n, np.nan), f"not computed (chain larger than {limit} nodes)"
    k = None if c.n <= BETWEENNESS_EXACT else BETWEENNESS_SOURCES
    if c.n <= 1000:  # networkx: no compilation for small chains
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(range(c.n))
        g.add_edges_from(zip(c.in_src.tolist(), c.in_dst.tolist(), strict=True))
        d = nx.betweenness_centrality(g)
        bc = np.array([d[i] for i in range(c.n)])
    else:
        from riskmodel.engine.centrality import betweenness

        plan = engine.plan_for(c)
        bc = betweenness(plan.optr, plan.o_dst, c.in_ptr, c.in_src, k, seed=0)
    note = "exact" if k is None else f"sampled from {k} sources (approximate)"
    return bc, note


