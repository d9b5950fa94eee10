"""A chain compiled to arrays: the form every kernel reads.

:func:`compile_data` turns the three chain tables into a :class:`Compiled`: a CSR
list of each node's inputs with their edge attributes, node attribute vectors, a node
× country supplier-share matrix, topological levels, and the strongly connected
components where there are cycles (see docs/model.md §1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel.io.collect import OTHER
from riskmodel.io.tables import ChainData

__all__ = ["Compiled", "compile_data"]

# ---------------------------------------------------------------------------
# compiled arrays
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Compiled:
    """A chain as arrays, ready for the engine.

    Nodes are numbered ``0..n-1`` in the order of :attr:`ids`. Inputs are stored by
    the node that uses them (CSR): the inputs of node ``j`` are
    ``in_src[in_ptr[j]:in_ptr[j+1]]``, with the matching edge attributes.
    """

    ids: np.ndarray                 #: node ids (object array)
    index: pd.Index                 #: id → position
    stages: tuple[str, ...]         #: the chain's stage names
    stage: np.ndarray               #: stage number of each node (int8)
    end_use: np.ndarray             #: bool mask of end-use nodes
    weight: np.ndarray              #: end-use weights (value / total; 0 elsewhere)
    value: np.ndarray               #: market value (NaN if absent)
    substitutability: np.ndarray    #: 0..1 (default 0)
    lead_time: np.ndarray           #: months (default 0)
    inventory: np.ndarray           #: months (default 0)
    service_life: np.ndarray        #: months a unit of a ``capital`` node serves (NaN: not one)
    rd_intensity: np.ndarray
    subsidy_intensity: np.ndarray
    profit_margin: np.ndarray
    countries: list[str]            #: supplier countries/groups, sorted (no "other")
    supply: Any                     #: scipy.sparse CSR, n × len(countries): shares
    other: np.ndarray               #: share from "other" producers (remainder)
    home: str | None                #: home country, or None for a global view
    #: the supplier rows (entries of ``supply``, CSR order) that a key controls beyond
    #: its own: key → sorted row indices, from the shares' ``controlled_by``
    controls: Mapping[str, np.ndarray]
    in_ptr: np.ndarray              #: CSR pointer over inputs (n + 1)
    in_src: np.ndarray              #: input node of each edge (m)
    edge_share: np.ndarray          #: cost share (NaN if absent)
    edge_essential: np.ndarray      #: bool
    edge_covers: np.ndarray         #: covers (default 1)
    edge_group: np.ndarray          #: requirement group of an essential edge, else -1
    group_node: np.ndarray          #: node each requirement group belongs to
    level: np.ndarray               #: topological level (of the SCC, for cycles)
    order: np.ndarray               #: nodes sorted by level
    level_ptr: np.ndarray           #: order[level_ptr[k]:level_ptr[k+1]] is level k
    scc: np.ndarray                 #: strongly connected component label of each node
    cyclic: np.ndarray              #: bool: node lies on a cycle
    #: the shares the world draws on (a home view whose nodes give ``world_suppliers``,
    #: docs/model.md §1.3): CSR of the same pattern as ``supply`` (whose rows are the
    #: union of both tables', a row missing from one table holding 0 in it), a node
    #: without ``world_suppliers`` holding its ``supply`` shares; None: the world draws
    #: on ``supply``
    world: Any = None

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def m(self) -> int:
        return len(self.in_src)

    @property
    def has_cycles(self) -> bool:
        return bool(self.cyclic.any())

    @property
    def in_dst(self) -> np.ndarray:
        """The node that uses each input (expanded from the CSR pointer)."""
        return np.repeat(np.arange(self.n), np.diff(self.in_ptr))


def _levels(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """Topological levels of the SCC condensation; returns (level, scc, cyclic)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(src) == 0:
        z = np.zeros(n, dtype=np.int64)
        return z, np.arange(n), np.zeros(n, dtype=bool)
    adj = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    k, labels = connected_components(adj, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=k)
    cyclic = sizes[labels] > 1
    cs, cd = labels[src], labels[dst]
    keep = cs != cd
    cs, cd = cs[keep], cd[keep]
    # Kahn's algorithm, one level at a time (vectorised)
    indeg = np.bincount(cd, minlength=k)
    order_e = np.argsort(cs, kind="stable")
    cs_sorted, cd_sorted = cs[order_e], cd[order_e]
    ptr = np.searchsorted(cs_sorted, np.arange(k + 1))
    comp_level = np.zeros(k, dtype=np.int64)
    frontier = np.flatnonzero(indeg == 0)
    lvl = 0
    while len(frontier):
        comp_level[frontier] = lvl
        starts, ends = ptr[frontier], ptr[frontier + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            break
        idx = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        succ = cd_sorted[idx]
        np.subtract.at(indeg, succ, 1)
        cand = np.unique(succ)
        frontier = cand[indeg[cand] == 0]
        lvl += 1
    return comp_level[labels], labels, cyclic


def _node_column(nodes: pd.DataFrame, name: str, default: float) -> np.ndarray:
    """Node attribute ``name`` as floats, ``default`` where absent (NaN stays NaN when the
    default is NaN)."""
    n = len(nodes)
    if name not in nodes:
        return np.full(n, default)
    v = nodes[name].to_numpy(dtype=float)
    return np.where(np.isnan(v), default, v) if not math.isnan(default) else v.copy()


def _end_use_weights(end_use: np.ndarray, value: np.ndarray) -> np.ndarray:
    """End-use weights ``value / Σ value`` (docs/model.md §1.5): equal when no end-use
    node has a value, 0 off the end uses."""
    w = np.where(end_use, np.nan_to_num(value, nan=0.0), 0.0)
    if end_use.any() and not (w > 0).any():
        w = end_use.astype(float)
    if (w > 0).any():
        w = w / w.max()  # first to at most 1: values near the largest float add up
    return w / w.sum() if w.sum() > 0 else w


def _entries(sups: pd.DataFrame, index: pd.Index, cindex: pd.Index
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, cols, shares)`` of a supplier table's named shares."""
    sup = sups[sups["country"] != OTHER]
    rows = index.get_indexer(sup["node"])
    cols = cindex.get_indexer(sup["country"])
    shares = sup["share"].to_numpy(dtype=float)
    ok = (rows >= 0) & (cols >= 0) & ~np.isnan(shares)
    return rows[ok], cols[ok], shares[ok]


def _supply_matrix(sups: pd.DataFrame, index: pd.Index, home: str | None,
                   world: pd.DataFrame | None = None
                   ) -> tuple[list[str], Any, np.ndarray, Any]:
    """``(countries, supply, other, world)``: the node × country share
    matrix, the ``other`` remainder, and the world's shares (or None), read as
    docs/model.md §1.3 says."""
    from scipy.sparse import csr_matrix

    n = len(index)
    world = world if world is not None and home is not None and len(world) else None
    named = [sups] + ([world] if world is not None else [])
    countries = sorted(set().union(*(set(t.loc[t["country"] != OTHER, "country"].astype(str))
                                     for t in named)) | ({home} if home else set()))
    cindex = pd.Index(countries)
    explicit_other = sups[sups["country"] == OTHER].groupby("node")["share"].sum()
    rows, cols, shares = _entries(sups, index, cindex)
    has_sup = np.zeros(n, dtype=bool)
    has_sup[rows] = True
    has_sup[index.get_indexer(explicit_other.index)[index.get_indexer(explicit_other.index) >= 0]
            ] = True
    if home is not None:
        # a node without suppliers is made at home by producers that need its inputs
        lone = np.flatnonzero(~has_sup)
        rows = np.concatenate([rows, lone])
        cols = np.concatenate([cols, np.full(len(lone), cindex.get_loc(home))])
        shares = np.concatenate([shares, np.ones(len(lone))])
    wmat = None
    if world is not None:
        own = index.get_indexer(world["node"])  # a node whose world names only `other` too
        rows, cols, shares, wmat = _world_union(n, len(countries), rows, cols, shares,
                                                _entries(world, index, cindex), own[own >= 0])
    supply = csr_matrix((shares, (rows, cols)), shape=(n, len(countries)))
    supply.sum_duplicates()
    total = np.asarray(supply.sum(axis=1)).ravel()
    other = np.clip(1.0 - total, 0.0, None)
    if home is None:  # a node without suppliers is made by everyone
        other[~has_sup] = 1.0
    # every producer, "other" included, depends on the inputs available to it
    # (docs/model.md §1.3): nothing here says otherwise
    return countries, supply, other, wmat


def _world_union(n: int, nc: int, rows: np.ndarray, cols: np.ndarray, shares: np.ndarray,
                 world: tuple[np.ndarray, np.ndarray, np.ndarray], own: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """The focal market's entries over the rows of both tables (a row the focal market
    does not name holds 0), and the world's shares as a CSR of the same pattern: a node
    with ``world_suppliers`` (``own``, those naming only ``other`` too) takes them (0
    where they do not name a row), any other its focal market's shares."""
    from scipy.sparse import csr_matrix

    wr, wc, ws = world
    has_world = np.zeros(n, dtype=bool)
    has_world[own] = True
    keep = ~has_world[rows]  # the world's shares of a node without world_suppliers
    all_r = np.concatenate([rows, wr])
    all_c = np.concatenate([cols, wc])
    home_s = np.concatenate([shares, np.zeros(len(wr))])
    world_s = np.concatenate([np.where(keep, shares, 0.0), ws])
    supply = csr_matrix((home_s, (all_r, all_c)), shape=(n, nc))
    supply.sum_duplicates()
    wmat = csr_matrix((world_s, (all_r, all_c)), shape=(n, nc))
    wmat.sum_duplicates()
    assert np.array_equal(supply.indices, wmat.indices)
    coo = supply.tocoo()
    return coo.row, coo.col, coo.data, wmat


def _controls(sups: pd.DataFrame, index: pd.Index, countries: list[str], supply: Any
              ) -> dict[str, np.ndarray]:
    """Which supplier rows each key controls beyond its own (a share's
    ``controlled_by``, docs/model.md §1.3): key → sorted row indices of ``supply``."""
    if "controlled_by" not in sups or not sups["controlled_by"].notna().any():
        return {}
    given = sups[sups["controlled_by"].notna() & (sups["country"] != OTHER)]
    rows = index.get_indexer(given["node"])
    cols = pd.Index(countries).get_indexer(given["country"])
    out: dict[str, list[int]] = {}
    for j, ci, country, keys in zip(rows, cols, given["country"], given["controlled_by"],
                                    strict=True):
        if j < 0 or ci < 0:
            continue
        lo, hi = supply.indptr[j], supply.indptr[j + 1]
        at = lo + np.searchsorted(supply.indices[lo:hi], ci)
        if at >= hi or supply.indices[at] != ci:
            continue  # a zero share: nothing to control
        for key in keys:
            if key != country:
                out.setdefault(str(key), []).append(int(at))
    return {k: np.unique(np.asarray(v, dtype=np.int64)) for k, v in out.items()}


def _edge_arrays(edges: pd.DataFrame, index: pd.Index) -> dict[str, np.ndarray]:
    """Each node's inputs as CSR (sorted by the node that uses them), with their
    attributes and requirement groups (docs/model.md §1.2)."""
    n = len(index)
    src = index.get_indexer(edges["from"]) if len(edges) else np.zeros(0, dtype=np.int64)
    dst = index.get_indexer(edges["to"]) if len(edges) else np.zeros(0, dtype=np.int64)
    keep = (src >= 0) & (dst >= 0)
    order = np.lexsort((src[keep], dst[keep]))
    src, dst = src[keep][order], dst[keep][order]
    e = edges[keep].iloc[order] if len(edges) else edges
    share = e["share"].to_numpy(dtype=float) if len(e) else np.zeros(0)
    essential = e["essential"].fillna(True).to_numpy(dtype=bool) if len(e) else np.zeros(
        0, dtype=bool)
    gcodes = pd.factorize(e["group"])[0] if len(e) else np.zeros(0, dtype=np.int64)
    # covers only means something for an alternative in a group
    covers = np.where(gcodes >= 0, np.nan_to_num(e["covers"].to_numpy(dtype=float), nan=1.0),
                      1.0) if len(e) else np.zeros(0)
    edge_group, group_node = _requirement_groups(dst, essential, gcodes)
    return {"in_ptr": np.searchsorted(dst, np.arange(n + 1)).astype(np.int64),
            "in_src": src.astype(np.int64), "in_dst": dst, "edge_share": share,
            "edge_essential": essential, "edge_covers": covers, "edge_group": edge_group,
            "group_node": group_node}


def _requirement_groups(dst: np.ndarray, essential: np.ndarray, gcodes: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``(edge_group, group_node)``: the requirement group of each essential input (its
    named group at its node, or a group of its own), -1 for a non-essential one."""
    ng = int(gcodes.max()) + 1 if len(gcodes) and gcodes.max() >= 0 else 0
    key = np.where(gcodes >= 0, dst.astype(np.int64) * (ng + 1) + gcodes + 1,
                   -(np.arange(len(dst), dtype=np.int64) + 1))
    key = np.where(essential, key, np.iinfo(np.int64).min)
    uniq, inv = np.unique(key, return_inverse=True)
    first_ess = 1 if (len(uniq) and uniq[0] == np.iinfo(np.int64).min) else 0
    edge_group = np.where(essential, inv - first_ess, -1).astype(np.int64)
    group_node = np.full(len(uniq) - first_ess, -1, dtype=np.int64)
    group_node[edge_group[essential]] = dst[essential]
    return edge_group, group_node


def compile_data(data: ChainData) -> Compiled:
    """Compile chain tables into :class:`Compiled` arrays (vectorised)."""
    nodes, h = data.nodes, data.header
    stages = tuple(h.get("stages") or schema.DEFAULT_STAGES)
    ids = nodes["id"].to_numpy(dtype=object)
    index = pd.Index(ids)
    n = len(ids)
    stage_no = pd.Categorical(nodes["stage"], categories=list(stages)).codes.astype(np.int8)
    end_use = stage_no == len(stages) - 1
    value = _node_column(nodes, "value", math.nan)
    persp = h.get("perspective", "global")
    home = persp["home"] if isinstance(persp, Mapping) else None
    countries, supply, other, world = _supply_matrix(
        data.suppliers, index, home, data.world_suppliers)
    edges = _edge_arrays(data.edges, index)
    controls = _controls(data.suppliers, index, countries, supply)
    if world is not None:  # a share's jurisdictions, named in either table
        more = _controls(data.world_suppliers, index, countries, supply)
        controls = {k: np.union1d(controls.get(k, np.zeros(0, np.int64)), more.get(
            k, np.zeros(0, np.int64))).astype(np.int64) for k in {*controls, *more}}
    dst = edges.pop("in_dst")
    level, scc, cyclic = _levels(n, edges["in_src"], dst)
    order_nodes = np.argsort(level, kind="stable")
    level_ptr = np.searchsorted(level[order_nodes], np.arange(level.max() + 2 if n else 1))
    return Compiled(
        ids=ids, index=index, stages=stages, stage=stage_no, end_use=end_use,
        weight=_end_use_weights(end_use, value), value=value,
        substitutability=_node_column(nodes, "substitutability", 0.0),
        lead_time=_node_column(nodes, "lead_time_months", 0.0),
        inventory=_node_column(nodes, "inventory_months", 0.0),
        service_life=_node_column(nodes, "capital.service_life_months", math.nan),
        rd_intensity=_node_column(nodes, "rd_intensity", math.nan),
        subsidy_intensity=_node_column(nodes, "subsidy_intensity", math.nan),
        profit_margin=_node_column(nodes, "profit_margin", math.nan), countries=countries,
        supply=supply, other=other, home=home, controls=controls,
        **edges,
        level=level, order=order_nodes, level_ptr=level_ptr, scc=scc, cyclic=cyclic,
        world=world)
