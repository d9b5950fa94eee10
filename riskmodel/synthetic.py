"""Generators of synthetic chains, for benchmarks and tests.

:func:`synthetic_chain` draws a chain of any size that looks like a real supply chain
to the engine and to scoring: nodes in layers (upstream first, end uses last), about
five inputs per node drawn from earlier layers with a few popular (hub) inputs, some
non-essential inputs and alternatives groups, and one to four supplier countries per
node with a few popular countries. The same arguments give the same chain, table for
table, so a benchmark or a test can name a chain by its size and seed.
:func:`linear_chain` is the opposite case, a deep path where every cut reaches far.

Both build the tables directly with numpy (no networkx), so that a million-node chain
takes seconds. Their tables are valid by construction, so the chains come from
:meth:`~riskmodel.model.Chain.from_data` with ``checked=True`` and compiling it skips
the table checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.io.tables import ChainData, complete, empty_edges, empty_nodes, empty_suppliers
from riskmodel.model import Chain

__all__ = ["linear_chain", "synthetic_chain"]

COUNTRIES = ["US", "CN", "JP", "DE", "KR", "TW", "NL", "FR", "GB", "IT", "IN", "BR", "CA", "MX",
             "AU", "SG", "MY", "TH", "VN", "ID", "PH", "CH", "SE", "ES", "PL", "IL", "SA", "AE",
             "ZA", "TR", "AT", "BE", "CZ", "DK", "FI", "HU", "IE", "NO", "PT", "RO", "CL", "AR"]


def synthetic_chain(n: int, *, inputs: float = 5.0, layers: int = 10, seed: int = 0,
                    home: str | None = "CN", countries: int = 30) -> Chain:
    """A layered synthetic chain of ``n`` nodes, drawn at random from ``seed``.

    Parameters
    ----------
    n : int
        The number of nodes, ``n0`` to ``n{n-1}``. Node ids are numbered in layer
        order, so every edge goes from a lower number to a higher one.
    inputs : float
        The mean number of inputs of a node past the first layer (at least one each;
        repeated draws of the same input merge, so the chain has somewhat fewer than
        ``inputs × n`` edges). About 8% of inputs are non-essential (with a cost
        ``share``); about a sixth are essential alternatives, grouped per node as ``alt``
        when a node has two or more, the first covering the whole need.
    layers : int
        The number of layers. Layer 0 holds the raw inputs (no inputs of their own)
        and the last layer the end uses (with a ``value``); the layers between map to
        the ``upstream``, ``midstream`` and ``downstream`` stages.
    seed : int
        The seed of the random generator; the same arguments give the same tables.
    home : str or None
        The home country of the chain's perspective; None for a global view.
    countries : int
        How many supplier countries to draw from (at most 42), the first ones
        (``US``, ``CN``, ``JP``, ...) more often.

    Returns
    -------
    Chain
        A chain named ``synthetic_<n>`` with no sources, groups or scenarios, whose
        nodes carry ``substitutability``, ``lead_time_months`` and
        ``inventory_months``.

    Examples
    --------
    >>> from riskmodel.synthetic import synthetic_chain
    >>> chain = synthetic_chain(1000, seed=3)
    >>> len(chain), chain.name, chain.perspective
    (1000, 'synthetic_1000', {'home': 'CN'})
    >>> sorted(chain.nodes["stage"].unique())
    ['downstream', 'end_use', 'midstream', 'upstream']
    >>> 3 < chain.number_of_edges() / len(chain) < 5
    True
    >>> again = synthetic_chain(1000, seed=3).to_data()
    >>> again.edges.equals(chain.to_data().edges)  # same seed, same tables
    True
    """
    rng = np.random.default_rng(seed)
    layer, stage = _layers(rng, n, layers)
    src, dst = _inputs(rng, layer, layers, inputs)
    ids = np.char.add("n", np.arange(n).astype(str)).astype(object)
    edges = _edge_table(rng, ids, src, dst)
    nodes = _node_table(rng, ids, stage)
    suppliers = _supplier_table(rng, ids, COUNTRIES[:countries])
    return Chain.from_data(ChainData(_header(f"synthetic_{n}", home), nodes, suppliers, edges),
                           checked=True)


# The helpers below draw from ``rng`` in the order synthetic_chain calls them, which is
# the order of the draws before they were split out: keep it, so that a seed keeps its
# chain (the benchmarks name chains by size and seed).

def _layers(rng: np.random.Generator, n: int, layers: int) -> tuple[np.ndarray, np.ndarray]:
    """Each node's layer (sorted, the first node in layer 0 and the last in the last
    layer) and stage (the layers between map to upstream, midstream and downstream)."""
    layer = np.sort(rng.integers(0, layers, size=n))
    layer[0] = 0
    layer[-1] = layers - 1
    stages = np.array(["upstream", "midstream", "downstream", "end_use"], dtype=object)
    stage = stages[np.minimum(layer * 3 // max(layers - 1, 1), 3)]
    stage[layer == layers - 1] = "end_use"
    stage[layer < layers - 1] = np.where(stage[layer < layers - 1] == "end_use", "downstream",
                                         stage[layer < layers - 1])
    return layer, stage


def _inputs(rng: np.random.Generator, layer: np.ndarray, layers: int, inputs: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """The edges ``(src, dst)``, sorted by ``dst``: each node past layer 0 takes about
    ``inputs`` inputs from earlier layers; popular (hub) suppliers are drawn more often
    (Zipf-like weights), and repeated draws merge."""
    n = len(layer)
    starts = np.searchsorted(layer, np.arange(layers))
    k = rng.poisson(inputs - 1, size=n) + 1
    k[layer == 0] = 0
    dst = np.repeat(np.arange(n), k)
    hi = starts[layer[dst]]  # inputs come from nodes before this node's layer
    u = rng.random(len(dst)) ** 3  # skew towards low indices (hubs)
    src = np.minimum((u * hi).astype(np.int64), np.maximum(hi - 1, 0))
    keep = hi > 0
    src, dst = src[keep], dst[keep]
    pair = _sorted_unique(dst * n + src)  # sorted by the node that uses the input
    return pair % n, pair // n


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """The distinct values of ``x``, sorted: what ``np.unique`` gives, by a sort (numpy 2.3+
    finds them by hashing first, 20 times slower on the 10^7 integers of a big chain).

    >>> _sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _edge_table(rng: np.random.Generator, ids: np.ndarray, src: np.ndarray, dst: np.ndarray
                ) -> pd.DataFrame:
    """The edges table: about 8% of inputs non-essential (with a cost ``share``), and
    essential alternatives grouped per node as ``alt`` (the first covering the whole
    need) where a node has two or more."""
    m = len(src)
    kind = rng.random(m)
    essential = kind > 0.08
    # alternatives: consecutive essential inputs of the same node, 15% of them
    is_alt = essential & (kind < 0.25)
    per_node = np.bincount(dst[is_alt], minlength=len(ids))
    is_alt &= per_node[dst] >= 2  # a group needs two alternatives
    group = np.where(is_alt, "alt", None).astype(object)
    covers = np.where(is_alt, rng.uniform(0.3, 1.0, m), np.nan)
    # the first alternative of each group (edges are sorted by dst) covers the whole need
    alt_idx = np.flatnonzero(is_alt)
    first = alt_idx[np.r_[True, dst[alt_idx][1:] != dst[alt_idx][:-1]]] if len(alt_idx) else \
        alt_idx
    covers[first] = 1.0
    share = np.where(~essential, rng.uniform(0.01, 0.1, m), np.nan)
    return complete(pd.DataFrame({"from": ids[src], "to": ids[dst], "share": share,
                                  "essential": essential, "group": group, "covers": covers}),
                    empty_edges())


def _node_table(rng: np.random.Generator, ids: np.ndarray, stage: np.ndarray) -> pd.DataFrame:
    """The nodes table: a ``value`` for end uses, and random substitutability, lead
    times and stocks."""
    n = len(ids)
    return complete(pd.DataFrame({
        "id": ids, "stage": stage,
        "value": np.where(stage == "end_use", rng.uniform(1, 100, n), np.nan),
        "substitutability": rng.uniform(0, 0.8, n),
        "lead_time_months": rng.integers(0, 24, n).astype(float),
        "inventory_months": rng.choice([0.0, 1.0, 2.0, 3.0], n),
    }), empty_nodes())


def _supplier_table(rng: np.random.Generator, ids: np.ndarray, names: list[str]
                    ) -> pd.DataFrame:
    """The suppliers table: 1-4 countries per node, popular countries (the first of
    ``names``) favoured, with shares summing to 90-100% of each node."""
    n = len(ids)
    ns = rng.integers(1, 5, size=n)
    pop = 1.0 / np.arange(1, len(names) + 1)
    pop /= pop.sum()
    sn = np.repeat(np.arange(n), ns)
    sc = rng.choice(len(names), size=len(sn), p=pop)
    sp = _sorted_unique(sn * len(names) + sc)
    sn, sc = sp // len(names), sp % len(names)
    w = rng.random(len(sn))
    totals = np.bincount(sn, weights=w, minlength=n)
    shares = w / totals[sn] * rng.uniform(0.9, 1.0, len(sn))
    return complete(pd.DataFrame({"node": ids[sn], "country": np.array(names)[sc],
                                  "share": shares}), empty_suppliers())


def _header(name: str, home: str | None) -> dict:
    """The header of a generated chain: its name and perspective, the four stages, no
    groups, sources or scenarios."""
    return {"schema": "riskmodel/chain@1", "name": name,
            "perspective": {"home": home} if home else "global",
            "stages": ["upstream", "midstream", "downstream", "end_use"],
            "groups": {}, "sources": {}, "scenarios": []}


def linear_chain(n: int, *, home: str | None = "CN") -> Chain:
    """A deep chain: the path ``a1 → a2 → … → an``, where every cut reaches everything
    below it (so an exact score of every node costs the square of the depth).

    Parameters
    ----------
    n : int
        The number of nodes; ``a1`` is upstream, ``an`` the end use (value 10), the
        others midstream.
    home : str or None
        The home country of the chain's perspective, which supplies 40% of every node;
        None for a global view (the 40% then comes from ``US``).

    Returns
    -------
    Chain
        A chain named ``linear_<n>``: 60% of each node comes from JP (from KR every
        third node), and substitution, lead times and stocks cycle through a few
        values. Nothing in it is random.

    Examples
    --------
    >>> from riskmodel.synthetic import linear_chain
    >>> chain = linear_chain(5)
    >>> list(chain.nodes.index), chain.number_of_edges()
    (['a1', 'a2', 'a3', 'a4', 'a5'], 4)
    """
    ids = np.char.add("a", np.arange(1, n + 1).astype(str)).astype(object)
    stage = np.where(np.arange(n) < n - 1, "midstream", "end_use").astype(object)
    stage[0] = "upstream"
    nodes = complete(pd.DataFrame({
        "id": ids, "stage": stage, "value": np.where(stage == "end_use", 10.0, np.nan),
        "substitutability": np.resize([0.2, 0.5, 0.0], n),
        "lead_time_months": np.resize([6.0, 12.0, 0.0], n),
        "inventory_months": np.resize([0.0, 1.0, 3.0, 0.0], n),
    }), empty_nodes())
    foreign = np.where(np.arange(n) % 3 == 2, "KR", "JP").astype(object)
    sup = pd.DataFrame({"node": np.r_[ids, ids], "country": np.r_[foreign, [home or "US"] * n],
                        "share": np.r_[np.full(n, 0.6), np.full(n, 0.4)]})
    edges = complete(pd.DataFrame({"from": ids[:-1], "to": ids[1:]}), empty_edges())
    suppliers = complete(sup, empty_suppliers())
    return Chain.from_data(ChainData(_header(f"linear_{n}", home), nodes, suppliers, edges),
                           checked=True)
