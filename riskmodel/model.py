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
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from riskmodel import schema
from riskmodel._errors import ChainValidationError, Problem
from riskmodel.engine.compiled import Compiled, compile_data
from riskmodel.io.document import (
    builtin_names,
    format_for,
    resolve_path,
    write_document,
)
from riskmodel.io.tables import (
    ChainData,
)
from riskmodel.restrictions import Restriction, baseline_entries
from riskmodel.validation import read_checked

__all__ = ["Chain", "ChainGraph", "Compiled", "builtin_chains", "load", "save"]


from riskmodel.io.chainwrite import chain_text
from riskmodel.io.convert import (
    bundle_tables,
    data_from_graph,
    document_from_data,
    graph_from_data,
    header_from_data,
)
from riskmodel.io.graph import ChainGraph, rebuild_graph
from riskmodel.io.write import check_file, write_file

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
    baseline : sequence of Restriction or mapping
        The restrictions in force (:class:`~riskmodel.Restriction`, or mappings in
        the file form of a ``baseline:`` entry).
    targets : mapping of str to list of str
        Named targets, each a list of node ids (:attr:`targets`).

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
                 provenance: Mapping[str, Any] | None = None,
                 baseline: Iterable[Restriction | Mapping[str, Any]] | None = None,
                 targets: Mapping[str, Iterable[str]] | None = None):
        self._header: dict[str, Any] = {
            "schema": schema.SCHEMA_ID, "name": name, "title": title,
            "description": description,
            "perspective": dict(perspective) if isinstance(perspective, Mapping) else perspective,
            "currency": currency, "stages": list(stages),
            "groups": copy.deepcopy(dict(groups or {})),
            "sources": copy.deepcopy(dict(sources or {})),
            "scenarios": copy.deepcopy(list(scenarios or [])),
            "baseline": baseline_entries(baseline or ()),
        }
        if targets:
            self._header["targets"] = _target_entries(targets)
        if provenance:
            self._header["provenance"] = dict(provenance)
        self._graph: ChainGraph | None = rebuild_graph(graph) if graph is not None else \
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
    def baseline(self) -> tuple[Restriction, ...]:
        """The restrictions in force (empty when the chain has none); settable.

        Set it to a sequence of :class:`~riskmodel.Restriction` (or mappings in the
        file form): a malformed one raises :class:`~riskmodel.ChainValidationError`,
        and names the chain does not know are reported when it is next checked or
        computed with.

        >>> import riskmodel as rm
        >>> bike = rm.load("bicycle")
        >>> bike.baseline
        ()
        >>> bike.baseline = [rm.Restriction(rm.Cut("JP", nodes=("drivetrain",)),
        ...                                 "jp_drivetrain", since="2025-04")]
        >>> bike.baseline[0].cut.country, bike.to_dict()["baseline"][0]["since"]
        ('JP', '2025-04')
        """
        return tuple(Restriction.from_dict(d) for d in self._header.get("baseline") or ())

    @baseline.setter
    def baseline(self, value: Iterable[Restriction | Mapping[str, Any]]) -> None:
        self._header["baseline"] = baseline_entries(value)
        if self._data is not None and self._graph is None:
            self._data.header["baseline"] = copy.deepcopy(self._header["baseline"])
        self._compiled = self._compiled_key = self._checked_key = None

    @property
    def targets(self) -> dict[str, list[str]]:
        """The chain's named targets, ``{name: [node id, ...]}`` (empty when it declares
        none); settable. A target names nodes whose shortfall a score, simulation or
        report may measure instead of end-use value (``target=``,
        :mod:`riskmodel.targets`). A run given a target naming a node the chain does
        not have refuses it; :meth:`check` lists every such name.

        >>> import riskmodel as rm
        >>> bike = rm.load("bicycle")
        >>> bike.targets
        {}
        >>> bike.targets = {"frame_supply": ["frames"]}
        >>> bike.to_dict()["targets"]
        {'frame_supply': ['frames']}
        """
        return copy.deepcopy(dict(self._header.get("targets") or {}))

    @targets.setter
    def targets(self, value: Mapping[str, Iterable[str]] | None) -> None:
        self._header["targets"] = _target_entries(value or {})
        if not self._header["targets"]:
            del self._header["targets"]

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
            self._graph = graph_from_data(self._data)
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
            self._data = data_from_graph(self._graph, self._header, self.path)
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
        from riskmodel.validation.checks import check_data
        from riskmodel.validation.graph import check_graph

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
        new._graph = rebuild_graph(self._graph)
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
    data, rep = read_checked(name_or_path)
    failing = rep.errors + (rep.warnings if strict else [])
    if failing:
        raise ChainValidationError(failing, warnings=rep.warnings)
    chain = Chain.from_data(data, checked=True)  # checked above, as read
    chain.path = None if resolve_path(name_or_path) is None else rep.path  # None: combined
    return chain


def _target_entries(targets: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """Named targets as plain data: ``{name: [node id, ...]}``."""
    if not isinstance(targets, Mapping):
        raise TypeError(f"targets must be a mapping {{name: [node id, ...]}}, not "
                        f"{type(targets).__name__}")
    return {str(k): [v] if isinstance(v, str) else list(v) for k, v in targets.items()}


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
    fmt = format or format_for(target)
    if fmt == "bundle":  # the rows go to CSV: only the header is built as a mapping
        return write_document(header_from_data(data), bundle_tables(data), target,
                              format="bundle", inputs=inputs, force=force)
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unknown format {fmt!r}; valid formats: yaml, json, bundle")
    # YAML and JSON are written from the tables, the simple items column by column;
    # a target that would be refused is refused before that work
    check_file(target, inputs=inputs, force=force)
    return write_file(target, chain_text(data, fmt), inputs=inputs, force=force)


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
