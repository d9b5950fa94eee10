"""The Chain: a supply-chain graph, its metadata, and its compilation to arrays.

A :class:`Chain` wraps a :class:`networkx.DiGraph` that users inspect and edit: nodes
are segments carrying the attributes of the file format (``stage``, ``suppliers``,
``substitutability`` ...), and an edge ``u → v`` means "u is an input to v". For
computation the chain compiles itself into arrays (:class:`Compiled`): a CSR list of
each node's inputs with their edge attributes, node attribute vectors, a node ×
country supplier-share matrix, topological levels, and strongly connected components
where there are cycles. Compilation is cached and redone when the graph changes.

A large CSV bundle compiles straight from its tables; the networkx graph is built
only when :attr:`Chain.graph` is first asked for.

Examples
--------
>>> import riskmodel as rm
>>> bike = rm.load("bicycle")
>>> bike
<Chain 'bicycle': 13 nodes, 15 edges, perspective home DE>
>>> bike.graph.nodes["frames"]["stage"]
'midstream'
>>> c = bike.compiled
>>> c.n, c.countries[:3]
(13, ['CN', 'DE', 'ID'])
>>> bike.graph.nodes["frames"]["substitutability"] = 0.9   # edits invalidate the cache
>>> bike.compiled is c
False
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from . import schema
from ._errors import ChainValidationError, Problem
from ._tables import (
    ChainData,
)
from .io import _format_for, builtin_names, read_document, resolve_path, write_document
from .validation import OTHER, build, split

__all__ = ["Chain", "ChainGraph", "Compiled", "builtin_chains", "load", "save"]


from ._convert import (
    _bundle_tables,
    _data_from_graph,
    _graph_from_data,
    document_from_data,
)
from ._graph import ChainGraph, _rebuild_graph

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
    rd_intensity: np.ndarray
    subsidy_intensity: np.ndarray
    profit_margin: np.ndarray
    countries: list[str]            #: supplier countries/groups, sorted (no "other")
    supply: Any                     #: scipy.sparse CSR, n × len(countries): shares
    other: np.ndarray               #: share from "other" producers (remainder)
    other_dependent: np.ndarray     #: bool: does node j's "other" share depend on P?
    home: str | None                #: home country, or None for a global view
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


def compile_data(data: ChainData) -> Compiled:
    """Compile chain tables into :class:`Compiled` arrays (vectorised)."""
    from scipy.sparse import csr_matrix

    nodes, sups, edges = data.nodes, data.suppliers, data.edges
    h = data.header
    stages = tuple(h.get("stages") or schema.DEFAULT_STAGES)
    ids = nodes["id"].to_numpy(dtype=object)
    index = pd.Index(ids)
    n = len(ids)
    stage_no = pd.Categorical(nodes["stage"], categories=list(stages)).codes.astype(np.int8)
    end_use = stage_no == len(stages) - 1

    def col(name: str, default: float) -> np.ndarray:
        if name not in nodes:
            return np.full(n, default)
        v = nodes[name].to_numpy(dtype=float)
        return np.where(np.isnan(v), default, v) if not math.isnan(default) else v.copy()

    value = col("value", math.nan)
    w = np.where(end_use, np.nan_to_num(value, nan=0.0), 0.0)
    if end_use.any() and not (w > 0).any():
        w = end_use.astype(float)
    if (w > 0).any():
        w = w / w.max()  # first to at most 1: values near the largest float add up
    weight = w / w.sum() if w.sum() > 0 else w

    persp = h.get("perspective", "global")
    home = persp["home"] if isinstance(persp, Mapping) else None
    sup = sups[sups["country"] != OTHER]
    explicit_other = sups[sups["country"] == OTHER].groupby("node")["share"].sum()
    countries = sorted(set(sup["country"].astype(str)) | ({home} if home else set()))
    cindex = pd.Index(countries)
    rows = index.get_indexer(sup["node"])
    cols = cindex.get_indexer(sup["country"])
    shares = sup["share"].to_numpy(dtype=float)
    ok = (rows >= 0) & (cols >= 0) & ~np.isnan(shares)
    rows, cols, shares = rows[ok], cols[ok], shares[ok]
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
    supply = csr_matrix((shares, (rows, cols)), shape=(n, len(countries)))
    supply.sum_duplicates()
    total = np.asarray(supply.sum(axis=1)).ravel()
    other = np.clip(1.0 - total, 0.0, None)
    if home is None:
        # global view: every producer, "other" included, draws on the world market
        other[~has_sup] = 1.0
        other_dep = np.ones(n, dtype=bool)
    else:
        other_dep = np.zeros(n, dtype=bool)

    src = index.get_indexer(edges["from"]) if len(edges) else np.zeros(0, dtype=np.int64)
    dst = index.get_indexer(edges["to"]) if len(edges) else np.zeros(0, dtype=np.int64)
    keep = (src >= 0) & (dst >= 0)
    order = np.lexsort((src[keep], dst[keep]))
    src, dst = src[keep][order], dst[keep][order]
    e = edges[keep].iloc[order] if len(edges) else edges
    in_ptr = np.searchsorted(dst, np.arange(n + 1)).astype(np.int64)
    share = e["share"].to_numpy(dtype=float) if len(e) else np.zeros(0)
    essential = e["essential"].fillna(True).to_numpy(dtype=bool) if len(e) else np.zeros(
        0, dtype=bool)
    gcodes = pd.factorize(e["group"])[0] if len(e) else np.zeros(0, dtype=np.int64)
    # covers only means something for an alternative in a group
    covers = np.where(gcodes >= 0, np.nan_to_num(e["covers"].to_numpy(dtype=float), nan=1.0),
                      1.0) if len(e) else np.zeros(0)
    ng = int(gcodes.max()) + 1 if len(gcodes) and gcodes.max() >= 0 else 0
    key = np.where(gcodes >= 0, dst.astype(np.int64) * (ng + 1) + gcodes + 1,
                   -(np.arange(len(dst), dtype=np.int64) + 1))
    key = np.where(essential, key, np.iinfo(np.int64).min)
    uniq, inv = np.unique(key, return_inverse=True)
    first_ess = 1 if (len(uniq) and uniq[0] == np.iinfo(np.int64).min) else 0
    edge_group = np.where(essential, inv - first_ess, -1).astype(np.int64)
    group_node = np.full(len(uniq) - first_ess, -1, dtype=np.int64)
    group_node[edge_group[essential]] = dst[essential]
    level, scc, cyclic = _levels(n, src, dst)
    order_nodes = np.argsort(level, kind="stable")
    level_ptr = np.searchsorted(level[order_nodes], np.arange(level.max() + 2 if n else 1))
    return Compiled(
        ids=ids, index=index, stages=stages, stage=stage_no, end_use=end_use, weight=weight,
        value=value, substitutability=col("substitutability", 0.0),
        lead_time=col("lead_time_months", 0.0), inventory=col("inventory_months", 0.0),
        rd_intensity=col("rd_intensity", math.nan),
        subsidy_intensity=col("subsidy_intensity", math.nan),
        profit_margin=col("profit_margin", math.nan), countries=countries, supply=supply,
        other=other, other_dependent=other_dep, home=home, in_ptr=in_ptr,
        in_src=src.astype(np.int64), edge_share=share, edge_essential=essential,
        edge_covers=covers, edge_group=edge_group, group_node=group_node, level=level,
        order=order_nodes, level_ptr=level_ptr, scc=scc, cyclic=cyclic)


# ---------------------------------------------------------------------------
# the Chain
# ---------------------------------------------------------------------------

class Chain:
    """A supply chain: a networkx graph plus metadata, compiled to arrays on demand.

    Parameters
    ----------
    graph : networkx.DiGraph, optional
        Nodes with the attributes of the file format; an edge ``u → v`` means "u is
        an input to v". It is copied into a :class:`ChainGraph`.
    name, title, description, currency : str
        Metadata.
    perspective : ``"global"`` or ``{"home": "CN"}``
        Whose supply the chain describes (see docs/model.md §1.3).
    stages : sequence of str
        Ordered stages; the last holds the end uses.
    groups, sources : mapping
        Declared country groups and sources.
    scenarios : list of mapping
        Named standard scenarios.

    Examples
    --------
    >>> import networkx as nx, riskmodel as rm
    >>> g = nx.DiGraph()
    >>> g.add_node("ore", stage="upstream", suppliers={"AU": 0.7, "BR": 0.3})
    >>> g.add_node("steel", stage="end_use", value=10.0)
    >>> g.add_edge("ore", "steel")
    >>> chain = rm.Chain(g, name="steel", perspective={"home": "DE"})
    >>> chain.compiled.countries
    ['AU', 'BR', 'DE']
    """

    def __init__(self, graph: nx.DiGraph | None = None, *, name: str = "chain",
                 title: str = "", description: str = "",
                 perspective: str | Mapping[str, str] = "global", currency: str = "",
                 stages: Iterable[str] = schema.DEFAULT_STAGES,
                 groups: Mapping[str, Any] | None = None,
                 sources: Mapping[str, Any] | None = None,
                 scenarios: list[Mapping[str, Any]] | None = None,
                 provenance: Mapping[str, Any] | None = None):
        self._header: dict[str, Any] = {
            "schema": schema.SCHEMA_ID, "name": name, "title": title,
            "description": description,
            "perspective": dict(perspective) if isinstance(perspective, Mapping) else perspective,
            "currency": currency, "stages": list(stages),
            "groups": copy.deepcopy(dict(groups or {})),
            "sources": copy.deepcopy(dict(sources or {})),
            "scenarios": copy.deepcopy(list(scenarios or [])),
        }
        if provenance:
            self._header["provenance"] = dict(provenance)
        self._graph: ChainGraph | None = _rebuild_graph(graph) if graph is not None else \
            ChainGraph()
        self._data: ChainData | None = None
        self._data_version = -1
        self._compiled: Compiled | None = None
        self._compiled_key: tuple[Any, ...] | None = None
        self._checked_key: tuple[Any, ...] | None = None
        self.path: str | None = None

    # construction ------------------------------------------------------------
    @classmethod
    def from_data(cls, data: ChainData, *, checked: bool = False) -> Chain:
        """A chain over tables; the graph is built only when first asked for.

        The tables are checked when the chain is first compiled, unless ``checked``
        says they were already (read and validated, or valid by construction).
        """
        self = cls.__new__(cls)
        self._header = copy.deepcopy(data.header)
        self._header.setdefault("stages", list(schema.DEFAULT_STAGES))
        self._graph = None
        self._data = data
        self._data_version = 0
        self._compiled = None
        self._compiled_key = None
        self._checked_key = self._key() if checked else None
        self.path = data.path
        return self

    # metadata ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self._header.get("name") or "chain")

    @property
    def title(self) -> str:
        return str(self._header.get("title") or self.name)

    @property
    def description(self) -> str:
        return str(self._header.get("description") or "")

    @property
    def currency(self) -> str:
        return str(self._header.get("currency") or "")

    @property
    def stages(self) -> list[str]:
        return list(self._header.get("stages") or schema.DEFAULT_STAGES)

    @property
    def perspective(self) -> str | dict[str, str]:
        """``"global"`` or ``{"home": CC}``; settable."""
        return copy.deepcopy(self._header.get("perspective", "global"))

    @perspective.setter
    def perspective(self, value: str | Mapping[str, str]) -> None:
        self._header["perspective"] = dict(value) if isinstance(value, Mapping) else value
        if self._data is not None and self._graph is None:
            self._data.header["perspective"] = self._header["perspective"]

    @property
    def home(self) -> str | None:
        p = self._header.get("perspective")
        return p["home"] if isinstance(p, Mapping) else None

    @property
    def groups(self) -> dict[str, Any]:
        return self._header.setdefault("groups", {})

    @property
    def sources(self) -> dict[str, Any]:
        return self._header.setdefault("sources", {})

    @property
    def scenarios(self) -> list[dict[str, Any]]:
        """The chain's standard scenarios, as mappings."""
        return self._header.setdefault("scenarios", [])

    @property
    def header(self) -> dict[str, Any]:
        """A copy of the chain's metadata."""
        return copy.deepcopy(self._header)

    # graph and tables ---------------------------------------------------------
    @property
    def graph(self) -> ChainGraph:
        """The networkx graph (built from the tables on first access)."""
        if self._graph is None:
            assert self._data is not None
            self._graph = _graph_from_data(self._data)
            self._data_version = self._graph.version
        return self._graph

    def to_data(self) -> ChainData:
        """The chain as tables (a fresh view; do not edit it)."""
        if self._graph is None:
            assert self._data is not None
            data = self._data
            data.header = copy.deepcopy(self._header)
            return data
        if self._data is None or self._data_version != self._graph.version:
            self._data = _data_from_graph(self._graph, self._header, self.path)
            self._data_version = self._graph.version
        self._data.header = copy.deepcopy(self._header)
        return self._data

    @property
    def nodes(self) -> pd.DataFrame:
        """Node attributes as a DataFrame indexed by node id."""
        return self.to_data().nodes.set_index("id", drop=False)

    @property
    def edges(self) -> pd.DataFrame:
        """Edges as a DataFrame (``from``, ``to``, ``share``, ``essential`` ...)."""
        return self.to_data().edges.copy()

    @property
    def suppliers(self) -> pd.DataFrame:
        """Supplier shares in long form (``node``, ``country``, ``share``)."""
        return self.to_data().suppliers.copy()

    def __len__(self) -> int:
        return self.graph.number_of_nodes() if self._graph is not None else len(
            self._data.nodes if self._data is not None else [])

    def number_of_edges(self) -> int:
        return self.graph.number_of_edges() if self._graph is not None else len(
            self._data.edges if self._data is not None else [])

    def __repr__(self) -> str:
        p = self._header.get("perspective", "global")
        persp = f"home {p['home']}" if isinstance(p, Mapping) else "global"
        return (f"<Chain '{self.name}': {len(self)} nodes, {self.number_of_edges()} edges, "
                f"perspective {persp}>")

    # compilation ----------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (self._graph.version if self._graph is not None else -1,
                repr(self._header.get("perspective")), tuple(self.stages))

    @property
    def compiled(self) -> Compiled:
        """The chain as arrays; cached, and recompiled after any edit.

        A chain that was edited since it was loaded (or was built in Python) is
        checked first, as :func:`load` checks a file: its errors raise
        :class:`~riskmodel.ChainValidationError`, so no computation runs on NaN, text
        where a number belongs, or shares out of range.
        """
        key = self._key()
        if self._compiled is None or self._compiled_key != key:
            if self._checked_key != key:
                errors = [p for p in self.check() if p.severity == "error"]
                if errors:
                    raise ChainValidationError(errors)
                self._checked_key = key
            self._compiled = compile_data(self.to_data())
            self._compiled_key = key
        return self._compiled

    def check(self, *, require_sources: bool = False) -> list[Problem]:
        """Every problem in the chain as it stands (edits in Python included).

        >>> import riskmodel as rm
        >>> bike = rm.load("bicycle")
        >>> bike.graph.nodes["frames"]["substitutability"] = float("nan")
        >>> [(p.where, p.field, p.message) for p in bike.check()]
        [("node 'frames'", 'substitutability', 'not a finite number')]
        """
        from .validation import check_data, check_graph

        if self._graph is not None:
            problems = check_graph(self._graph)
            if any(p.severity == "error" for p in problems):
                return problems  # the graph cannot become tables
        return check_data(self.to_data(), require_sources=require_sources)

    def compile(self) -> Compiled:
        """Same as :attr:`compiled`."""
        return self.compiled

    # copying and saving ---------------------------------------------------------
    def copy(self) -> Chain:
        """An independent copy (graph, tables and metadata)."""
        if self._graph is None:
            assert self._data is not None
            new = Chain.from_data(self._data.copy())
            new._header = copy.deepcopy(self._header)
            return new
        new = Chain.__new__(Chain)
        new._header = copy.deepcopy(self._header)
        new._graph = _rebuild_graph(self._graph)
        new._data = None
        new._data_version = -1
        new._compiled = None
        new._compiled_key = None
        new._checked_key = None
        new.path = self.path
        return new

    def to_dict(self) -> dict[str, Any]:
        """The chain in the file format, as plain data (what YAML/JSON files hold)."""
        return document_from_data(self.to_data())

    def save(self, path: str | os.PathLike[str], *, format: str | None = None,
             force: bool = False) -> Path:
        """Write the chain to ``path``; see :func:`save`."""
        return save(self, path, format=format, force=force)


def load(name_or_path: str | os.PathLike[str], *, strict: bool = False) -> Chain:
    """Load a built-in chain by name, or a chain file (YAML, JSON or bundle folder).

    Raises :class:`~riskmodel.ChainValidationError` listing every problem when the
    file is invalid (warnings too, under ``strict``), and ``FileNotFoundError`` when
    neither a file nor a built-in chain of that name exists.

    Examples
    --------
    >>> import riskmodel as rm
    >>> rm.load("bicycle").name
    'bicycle'
    """
    path = resolve_path(name_or_path)
    if path is None:
        data, problems = combined_data()
    else:
        doc = read_document(path)
        from .combined import build_combined, is_combined

        # a combined view's file given by its path reads as the combined view
        data, problems = build_combined(doc) if is_combined(doc) else build(doc)
    rep = split(problems, str(path) if path else "combined")
    failing = rep.errors + (rep.warnings if strict else [])
    if failing:
        raise ChainValidationError(failing, warnings=rep.warnings)
    chain = Chain.from_data(data, checked=True)  # checked above, as read
    chain.path = str(path) if path else None
    return chain


def require_chain(obj: object, what: str) -> None:
    """Refuse, in plain words, something that is not a :class:`Chain`.

    >>> require_chain("bicycle", "score")
    Traceback (most recent call last):
    ...
    TypeError: rm.score needs a Chain (from rm.load), not str; load it first: ...
    """
    if not isinstance(obj, Chain):
        hint = (f"; load it first: rm.{what}(rm.load({obj!r:.80}))"
                if isinstance(obj, (str, os.PathLike)) else "")
        raise TypeError(f"rm.{what} needs a Chain (from rm.load), not "
                        f"{type(obj).__name__}{hint}")


def save(chain: Chain, path: str | os.PathLike[str], *, format: str | None = None,
         force: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()) -> Path:
    """Write a chain as YAML, JSON or a CSV bundle (by extension; none = bundle).

    The write is atomic: a failure leaves no half-written file, and nothing riskmodel
    did not write is destroyed. An existing file is replaced; a folder never is. A
    bundle goes into a new or empty folder; into a folder holding other files only
    with ``force=True``, and then only its four files are written. A symbolic link is
    written through only with ``force=True``. The files in ``inputs`` are never
    written. Errors raise :class:`riskmodel.OutputError` (an ``OSError``) naming
    ``path`` and the fix.

    Examples
    --------
    >>> import riskmodel as rm, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> bike = rm.load("bicycle")
    >>> for target in ("b.yaml", "b.json", "b_bundle"):
    ...     _ = rm.save(bike, out / target)
    ...     assert rm.load(out / target).to_dict() == bike.to_dict()
    >>> rm.save(bike, out)  # a folder holding other files
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputExistsError: ... is a folder that is not empty; ...
    """
    require_chain(chain, "save")
    data = chain.to_data()
    target = Path(path)
    fmt = format or _format_for(target)
    doc = document_from_data(data)
    if fmt == "bundle":
        header = {k: v for k, v in doc.items() if k not in ("nodes", "edges")}
        return write_document(header, _bundle_tables(data), target, format="bundle",
                              inputs=inputs, force=force)
    return write_document(doc, None, target, format=fmt, inputs=inputs, force=force)


def builtin_chains() -> pd.DataFrame:
    """The built-in chains: name, title, node and edge counts.

    >>> import riskmodel as rm
    >>> "bicycle" in rm.builtin_chains().index
    True
    """
    rows = []
    for name in builtin_names():
        try:
            ch = load(name)
        except (ChainValidationError, FileNotFoundError) as e:
            rows.append({"name": name, "title": f"(invalid: {str(e).splitlines()[0]})",
                         "nodes": 0, "edges": 0, "perspective": ""})
            continue
        p = ch.perspective
        rows.append({"name": name, "title": ch.title, "nodes": len(ch),
                     "edges": ch.number_of_edges(),
                     "perspective": f"home {p['home']}" if isinstance(p, Mapping) else p})
    return pd.DataFrame(rows).set_index("name")


def combined_data(*, require_sources: bool = False) -> tuple[ChainData, list]:
    """The combined view of the built-in chains (see ``chains/combined.yaml``)."""
    from .combined import build_combined

    return build_combined(require_sources=require_sources)
