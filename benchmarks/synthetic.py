"""Layered synthetic chains for benchmarks: ~5 inputs per node, hub suppliers, 30 countries.

Built straight as tables (no networkx) so that a million-node chain takes seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel._tables import ChainData, complete, empty_edges, empty_nodes, empty_suppliers
from riskmodel.model import Chain

COUNTRIES = ["US", "CN", "JP", "DE", "KR", "TW", "NL", "FR", "GB", "IT", "IN", "BR", "CA", "MX",
             "AU", "SG", "MY", "TH", "VN", "ID", "PH", "CH", "SE", "ES", "PL", "IL", "SA", "AE",
             "ZA", "TR", "AT", "BE", "CZ", "DK", "FI", "HU", "IE", "NO", "PT", "RO", "CL", "AR"]


def synthetic_chain(n: int, *, inputs: float = 5.0, layers: int = 10, seed: int = 0,
                    home: str | None = "CN", countries: int = 30) -> Chain:
    """A layered chain of ``n`` nodes, about ``inputs × n`` edges and ``countries``
    supplier countries (at most 42)."""
    rng = np.random.default_rng(seed)
    layer = np.sort(rng.integers(0, layers, size=n))
    layer[0] = 0
    layer[-1] = layers - 1
    ids = np.char.add("n", np.arange(n).astype(str)).astype(object)
    stages = np.array(["upstream", "midstream", "downstream", "end_use"], dtype=object)
    stage = stages[np.minimum(layer * 3 // max(layers - 1, 1), 3)]
    stage[layer == layers - 1] = "end_use"
    stage[layer < layers - 1] = np.where(stage[layer < layers - 1] == "end_use", "downstream",
                                         stage[layer < layers - 1])
    # edges: each node past layer 0 takes ~inputs inputs from earlier layers; popular
    # (hub) suppliers are drawn more often (Zipf-like weights)
    starts = np.searchsorted(layer, np.arange(layers))
    k = rng.poisson(inputs - 1, size=n) + 1
    k[layer == 0] = 0
    dst = np.repeat(np.arange(n), k)
    hi = starts[layer[dst]]  # inputs come from nodes before this node's layer
    u = rng.random(len(dst)) ** 3  # skew towards low indices (hubs)
    src = np.minimum((u * hi).astype(np.int64), np.maximum(hi - 1, 0))
    keep = hi > 0
    src, dst = src[keep], dst[keep]
    pair = np.unique(dst * n + src)  # sorted by the node that uses the input
    dst, src = pair // n, pair % n
    m = len(src)
    kind = rng.random(m)
    essential = kind > 0.08
    # alternatives: consecutive essential inputs of the same node, 15% of them
    is_alt = essential & (kind < 0.25)
    per_node = np.bincount(dst[is_alt], minlength=n)
    is_alt &= per_node[dst] >= 2  # a group needs two alternatives
    group = np.where(is_alt, "alt", None).astype(object)
    covers = np.where(is_alt, rng.uniform(0.3, 1.0, m), np.nan)
    # the first alternative of each group (edges are sorted by dst) covers the whole need
    alt_idx = np.flatnonzero(is_alt)
    first = alt_idx[np.r_[True, dst[alt_idx][1:] != dst[alt_idx][:-1]]] if len(alt_idx) else \
        alt_idx
    covers[first] = 1.0
    share = np.where(~essential, rng.uniform(0.01, 0.1, m), np.nan)
    nodes = complete(pd.DataFrame({
        "id": ids, "stage": stage,
        "value": np.where(stage == "end_use", rng.uniform(1, 100, n), np.nan),
        "substitutability": rng.uniform(0, 0.8, n),
        "lead_time_months": rng.integers(0, 24, n).astype(float),
        "inventory_months": rng.choice([0.0, 1.0, 2.0, 3.0], n),
    }), empty_nodes())
    # suppliers: 1-4 countries per node, popular countries favoured
    ns = rng.integers(1, 5, size=n)
    names = COUNTRIES[:countries]
    pop = 1.0 / np.arange(1, len(names) + 1)
    pop /= pop.sum()
    sn = np.repeat(np.arange(n), ns)
    sc = rng.choice(len(names), size=len(sn), p=pop)
    sp = np.unique(sn * len(names) + sc)
    sn, sc = sp // len(names), sp % len(names)
    w = rng.random(len(sn))
    totals = np.bincount(sn, weights=w, minlength=n)
    shares = w / totals[sn] * rng.uniform(0.9, 1.0, len(sn))
    suppliers = complete(pd.DataFrame({"node": ids[sn], "country": np.array(names)[sc],
                                       "share": shares}), empty_suppliers())
    edges = complete(pd.DataFrame({"from": ids[src], "to": ids[dst], "share": share,
                                   "essential": essential, "group": group, "covers": covers}),
                     empty_edges())
    header = {"schema": "riskmodel/chain@1", "name": f"synthetic_{n}",
              "perspective": {"home": home} if home else "global",
              "stages": ["upstream", "midstream", "downstream", "end_use"],
              "groups": {}, "sources": {}, "scenarios": []}
    return Chain.from_data(ChainData(header, nodes, suppliers, edges), checked=True)
