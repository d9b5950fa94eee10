"""The entry points of the chain checks: a read file or in-memory tables to problems.

:func:`build` turns a read :class:`~riskmodel.io.Document` into chain tables and the
list of every problem found; :func:`load_data` reads a file and builds it;
:func:`check_data` checks tables built in Python. The checks themselves live in
:mod:`~riskmodel.validation.header`, :mod:`~riskmodel.validation.tables`,
:mod:`~riskmodel.validation.numbers` and :mod:`~riskmodel.validation.graph`. Each
problem names the file, the place, the field, what was expected, what was found and
the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from riskmodel._errors import Problem
from riskmodel.io.collect import OTHER, Collector, type_name
from riskmodel.io.document import Document, read_document
from riskmodel.io.parse import from_mapping, from_tables, table_from_csv, world_from_mapping
from riskmodel.io.suppliers import Suppliers, controller_codes
from riskmodel.io.tables import ChainData
from riskmodel.restrictions import check_baseline
from riskmodel.scenario import check_scenarios
from riskmodel.validation.controllers import check_stray_controllers
from riskmodel.validation.header import check_header
from riskmodel.validation.numbers import check_sources
from riskmodel.validation.tables import check_tables
from riskmodel.validation.targets import check_targets
from riskmodel.validation.world import check_world

__all__ = ["build", "check_data", "load_data", "suppliers_of"]


def build(doc: Document, *, require_sources: bool = False) -> tuple[ChainData, list[Problem]]:
    """Turn a read document into tables and every problem found in it.

    The header is checked first, then the tables, then the scenarios and the baseline
    (restrictions in force), against the chain's nodes and countries.
    ``require_sources`` also checks that every number is sourced or a marked estimate
    (here, where each value's place in the file is still known), and that every
    restriction in force cites its source and the place in it.

    Examples
    --------
    >>> from riskmodel.io.document import read_document, resolve_path
    >>> data, problems = build(read_document(resolve_path("bicycle")))
    >>> len(data.nodes), problems
    (13, [])
    """
    c = Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    raw = doc.data
    if not isinstance(raw, dict):
        c.add("error", "type", "the file must hold a mapping (a chain header)", path=(),
              expected="`name:`, `nodes:`, `edges:` ...", found=type_name(raw),
              fix="start the file with `schema: riskmodel/chain@1` and `name: ...`")
        raw = {}
    header = check_header(c, raw)
    if doc.format == "bundle":
        for k in ("nodes", "edges"):
            if k in raw:
                c.add("error", "bundle", f"a bundle header must not hold `{k}`", path=(k,),
                      where="chain.yaml", field=k, fix=f"move them to {k}.csv")
        nodes, sups, edges = from_tables(doc, c)
        world = table_from_csv(doc, c, "world_suppliers")
    else:
        if "nodes" not in raw and isinstance(doc.data, dict):
            c.add("error", "required", "the chain has no `nodes`", path=(), field="nodes",
                  where="chain header", expected="a list of nodes", found="nothing",
                  fix="add `nodes:` with at least one node")
        nodes, sups, edges = from_mapping(doc, c, raw)
        world = world_from_mapping(c, raw)
    data = ChainData(header, nodes, sups, edges, path=doc.path, world_suppliers=world)
    check_tables(c, data)
    check_world(c, data)
    countries = _cut_countries(data)
    ids = [x for x in data.nodes["id"] if isinstance(x, str)]
    # who supplies each node, for the reach of cuts: only when there are cuts
    supply = suppliers_of(data) if header.get("scenarios") or header.get("baseline") \
        else None
    header["scenarios"] = check_scenarios(c, header.get("scenarios", []), ids, countries,
                                          supply=supply, groups=header["groups"],
                                          perspective=header.get("perspective"),
                                          sources=header["sources"],
                                          require_sources=require_sources)
    header["baseline"] = check_baseline(c, header.get("baseline", []), ids, countries,
                                        supply=supply, groups=header["groups"],
                                        perspective=header.get("perspective"),
                                        sources=header["sources"],
                                        require_sources=require_sources)
    if "targets" in header:
        header["targets"] = check_targets(c, header["targets"], ids)
    if "_bad_id" in data.nodes:
        data.nodes = data.nodes.drop(columns="_bad_id")
    if require_sources:
        check_sources(c, data)
    return data, c.finish()


def _cut_countries(data: ChainData) -> list[str]:
    """The countries a cut of the chain ``data`` may name: its suppliers (in the focal
    market or the world), their controlling jurisdictions, its declared groups and its
    home."""
    header = data.header
    tables = (data.suppliers, data.world_suppliers)
    countries = ({x for t in tables for x in t["country"] if isinstance(x, str)}
                 | set(header.get("groups") or {})
                 | {x for t in tables for x in controller_codes(t["controlled_by"])})
    if isinstance(header.get("perspective"), dict):
        countries |= {header["perspective"]["home"]}
    return sorted(countries - {OTHER})


def suppliers_of(data: ChainData) -> Suppliers:
    """Who supplies each node of the chain tables ``data``, as a cut reads it.

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = suppliers_of(rm.load("bicycle").to_data())
    >>> s.of("frames")
    {'DE': 0.4, 'TW': 0.4, 'CN': 0.2}
    """
    persp = data.header.get("perspective")
    home = persp.get("home") if isinstance(persp, dict) else None
    out = _rows_of(data.suppliers, [x for x in data.nodes["id"] if isinstance(x, str)],
                   home, data.header.get("groups") or {})
    world = data.world_suppliers
    if home is not None and len(world):  # a cut reaches the world's rows too
        out.world = _rows_of(world, sorted({x for x in world["node"] if isinstance(x, str)}),
                             None, data.header.get("groups") or {})
    return out


def _rows_of(sups: Any, ids: list[str], home: str | None, groups: dict) -> Suppliers:
    """:class:`Suppliers` of one supplier table."""
    held = sups["controlled_by"] if "controlled_by" in sups else [None] * len(sups)
    return Suppliers.from_rows(
        zip(sups["node"], sups["country"], sups["share"], strict=True), ids, home=home,
        groups=groups,
        controllers={(n, k): tuple(v) for n, k, v in zip(sups["node"], sups["country"], held,
                                                         strict=True)
                     if isinstance(v, tuple) and all(isinstance(x, str) for x in v)})


def check_data(data: ChainData, *, require_sources: bool = False) -> list[Problem]:
    """Problems in an in-memory chain (no file positions): its header, its tables, then
    its baseline (restrictions in force).

    Examples
    --------
    >>> import riskmodel as rm
    >>> data = rm.load("bicycle").to_data()
    >>> data.nodes.loc[0, "stage"] = "nowhere"
    >>> [(p.where, p.message) for p in check_data(data)]
    [("node 'steel'", 'unknown stage')]
    """
    c = Collector(None, data.path)
    header = check_header(c, data.header)
    data = ChainData(header, data.nodes, data.suppliers, data.edges, data.path, data.extra,
                     data.world_suppliers)
    check_tables(c, data)
    check_world(c, data)
    check_stray_controllers(c, data.extra.get("stray_controllers", ()))
    if "targets" in header:
        check_targets(c, header["targets"], [x for x in data.nodes["id"] if isinstance(x, str)])
    if header["baseline"]:
        check_baseline(c, header["baseline"], [x for x in data.nodes["id"] if isinstance(x, str)],
                       _cut_countries(data), supply=suppliers_of(data), groups=header["groups"],
                       perspective=header["perspective"], sources=header["sources"],
                       require_sources=require_sources)
    if require_sources:
        check_sources(c, data)
    return c.finish()


def load_data(path: str | Path, *, require_sources: bool = False) -> tuple[ChainData,
                                                                           list[Problem]]:
    """Read and check a chain file; return its tables and all problems.

    Examples
    --------
    >>> from riskmodel.io.document import resolve_path
    >>> data, problems = load_data(resolve_path("bicycle"), require_sources=True)
    >>> problems
    []
    """
    return build(read_document(path), require_sources=require_sources)
