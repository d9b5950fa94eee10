"""The combined view: several chains joined by cross-chain links.

``chains/combined.yaml`` (format ``riskmodel/combined@1``) names the chains to join
and the links between them. Node ids become qualified, ``chain.node``; a link is an
edge between qualified ids, with the keys of any edge. The chains must share their
perspective, stages and currency, so that one cut can propagate through all of them
and end-use losses add up in one unit.

Examples
--------
>>> import riskmodel as rm
>>> combined = rm.load("combined")
>>> "semiconductors.euv_lithography" in combined.graph
True
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from riskmodel import schema
from riskmodel._errors import Problem
from riskmodel.io.collect import OTHER, Collector, unknown_keys
from riskmodel.io.document import Document, read_document, resolve_path
from riskmodel.io.parse import from_mapping
from riskmodel.io.suppliers import controller_codes
from riskmodel.io.tables import ChainData
from riskmodel.scenario import check_scenarios
from riskmodel.validation.checks import load_data, suppliers_of
from riskmodel.validation.numbers import check_sources
from riskmodel.validation.tables import check_tables

__all__ = ["build_combined", "is_combined"]

COMBINED_KEYS = ["schema", "name", "title", "description", "chains", "sources", "links",
                 "scenarios"]


def _qualify(data: ChainData, chain: str) -> ChainData:
    q = f"{chain}."
    nodes = data.nodes.copy()
    nodes["id"] = q + nodes["id"].astype(str)
    sups = data.suppliers.copy()
    sups["node"] = q + sups["node"].astype(str)
    world = data.world_suppliers.copy()
    world["node"] = q + world["node"].astype(str)
    edges = data.edges.copy()
    edges["from"] = q + edges["from"].astype(str)
    edges["to"] = q + edges["to"].astype(str)
    return ChainData(data.header, nodes, sups, edges, data.path, world_suppliers=world)


def _qualified_scenarios(scenarios: list[dict[str, Any]], chain: str) -> list[dict[str, Any]]:
    out = []
    for sc in scenarios:
        sc = copy.deepcopy(sc)
        sc["id"] = f"{chain}_{sc['id']}"
        sc["title"] = f"[{chain}] {sc.get('title', sc['id'])}"
        for cut in sc.get("cuts", []):
            if cut.get("nodes") is not None:
                cut["nodes"] = [f"{chain}.{n}" for n in cut["nodes"]]
        out.append(sc)
    return out


def _qualified_baseline(baseline: list[dict[str, Any]], chain: str) -> list[dict[str, Any]]:
    """A chain's restrictions in force with ids and node ids qualified by its name, as
    its scenarios are."""
    out = []
    for r in copy.deepcopy(baseline):
        r["id"] = f"{chain}_{r['id']}"
        if r.get("nodes") is not None:
            r["nodes"] = [f"{chain}.{n}" for n in r["nodes"]]
        out.append(r)
    return out


def is_combined(doc: Document) -> bool:
    """Whether a read file is a combined view (``schema: riskmodel/combined@1``) rather
    than a chain: the two formats are told apart by their content, not their name."""
    return (doc.format != "bundle" and isinstance(doc.data, dict)
            and doc.data.get("schema") == schema.COMBINED_SCHEMA_ID)


def build_combined(path: Any = None, *, require_sources: bool = False
                   ) -> tuple[ChainData, list[Problem]]:
    """Read a combined-view file (default: the built-in one) into tables and problems.

    ``path`` may also be the file already read, as a :class:`~riskmodel.io.Document`.
    The chains it names are read and checked first; their problems come first, and
    when one has an error the view is not joined. Then the chains' headers are
    joined, the links read, the joined tables checked, and the scenarios and restrictions
    in force gathered.

    Examples
    --------
    >>> data, problems = build_combined()
    >>> "semiconductors.euv_lithography" in set(data.nodes["id"])
    True
    >>> [p.severity for p in problems]  # a cycle through two chains, noted
    ['info']
    """
    if path is None:
        from importlib import resources

        path = str(resources.files("riskmodel").joinpath("chains", "combined.yaml"))
    doc: Document = path if isinstance(path, Document) else read_document(path)
    c = Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    raw = doc.data if isinstance(doc.data, dict) else {}
    names = _check_view(c, raw)
    parts, problems = _read_chains(c, names, require_sources=require_sources)
    if any(p.severity == "error" for p in problems) or not parts:
        return _empty(raw, doc.path), problems + c.finish()
    header = _join_headers(c, raw, parts)
    links = _read_links(c, doc, raw, header["sources"])
    link_rows = c.rows["edges"]
    nodes = pd.concat([p.nodes for p in parts], ignore_index=True)
    sups = pd.concat([p.suppliers for p in parts], ignore_index=True)
    world = pd.concat([p.world_suppliers for p in parts], ignore_index=True)
    chain_edges = pd.concat([p.edges for p in parts], ignore_index=True)
    edges = pd.concat([chain_edges, links], ignore_index=True) if len(links) else chain_edges
    c.rows = {"edges": [None] * len(chain_edges) + link_rows}
    data = ChainData(header, nodes, sups, edges, doc.path, world_suppliers=world)
    check_tables(c, data)
    header["scenarios"] = _join_scenarios(c, raw, parts, data, require_sources)
    header["baseline"] = [r for part in parts
                          for r in _qualified_baseline(part.header.get("baseline") or [],
                                                       str(part.header.get("name")))]
    targets = _qualified_targets(parts)
    if targets:
        header["targets"] = targets
    if require_sources:
        check_sources(c, ChainData(header, nodes.iloc[:0], sups.iloc[:0], links, doc.path))
    return data, problems + c.finish()


def _qualified_targets(parts: list[ChainData]) -> dict[str, list[str]]:
    """The member chains' named targets, as the view names them: ``<chain>_<target>``
    over the qualified node ids ``<chain>.<node>``."""
    out: dict[str, list[str]] = {}
    for part in parts:
        chain = str(part.header.get("name"))
        for name, nodes in (part.header.get("targets") or {}).items():
            out[f"{chain}_{name}"] = [f"{chain}.{n}" for n in nodes]
    return out


def _check_view(c: Collector, raw: dict[str, Any]) -> list[str]:
    """Check the view's own keys and format; return the names of the chains to join."""
    unknown_keys(c, raw, COMBINED_KEYS, "combined view", ())
    if raw.get("schema") != schema.COMBINED_SCHEMA_ID:
        c.add("error", "schema", "not a combined-view file", path=("schema",),
              where="combined view", field="schema", expected=schema.COMBINED_SCHEMA_ID,
              found=str(raw.get("schema")), fix=f"write `schema: {schema.COMBINED_SCHEMA_ID}`")
    names = raw.get("chains")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        c.add("error", "required", "`chains` must list the chains to join", path=("chains",),
              where="combined view", field="chains", expected="[chain_a, chain_b]",
              found=str(names), fix="list built-in chain names or chain files")
        names = []
    return names


def _read_chains(c: Collector, names: list[str], *, require_sources: bool
                 ) -> tuple[list[ChainData], list[Problem]]:
    """Read and check each named chain; return them with qualified ids, and their
    problems. A name that names no chain is a problem of the view, in ``c``."""
    parts: list[ChainData] = []
    problems: list[Problem] = []
    for i, name in enumerate(names):
        try:
            sub_path = resolve_path(name)
        except FileNotFoundError as e:
            c.add("error", "unknown-chain", str(e), path=("chains", i), where="combined view",
                  field="chains", fix="name a built-in chain or a chain file")
            continue
        if sub_path is None:
            c.add("error", "unknown-chain", "a combined view cannot include itself",
                  path=("chains", i), where="combined view", field="chains",
                  fix="list the chains to join")
            continue
        data, sub_problems = load_data(sub_path, require_sources=require_sources)
        problems += sub_problems
        parts.append(_qualify(data, str(data.header.get("name") or name)))
    return parts, problems


def _join_headers(c: Collector, raw: dict[str, Any], parts: list[ChainData]
                  ) -> dict[str, Any]:
    """The view's header: its own name and texts, the chains' shared perspective,
    stages and currency, and the union of their groups and sources (and its own)."""
    header: dict[str, Any] = {"schema": schema.SCHEMA_ID, "name": raw.get("name", "combined"),
                              "title": raw.get("title", ""),
                              "description": raw.get("description", "")}
    for key in ("perspective", "stages", "currency"):
        values = {repr(p.header.get(key)) for p in parts}
        if len(values) > 1:
            c.add("error", "mismatch", f"the chains disagree on `{key}`", path=("chains",),
                  where="combined view", field=key, expected="the same in every chain",
                  found=", ".join(sorted(values)),
                  fix=f"give the joined chains one `{key}`")
        header[key] = parts[0].header.get(key)
    header["groups"], header["sources"] = {}, {}
    own_sources = raw.get("sources") if isinstance(raw.get("sources"), dict) else {}
    for part in [*parts, ChainData({"groups": {}, "sources": own_sources}, *[None] * 3)]:
        for key in ("groups", "sources"):
            for k, v in (part.header.get(key) or {}).items():
                if k in header[key] and _norm(header[key][k]) != _norm(v):
                    c.add("error", "mismatch", f"{key[:-1]} '{k}' is declared differently "
                          "in two chains", path=("chains",), where="combined view", field=key,
                          expected="one declaration", found="two",
                          fix=f"give the {key[:-1]} one id per meaning")
                header[key].setdefault(k, v)
    return header


def _read_links(c: Collector, doc: Document, raw: dict[str, Any], sources: dict[str, Any]
                ) -> pd.DataFrame:
    """The cross-chain links, read as edges (their places in the file kept in ``c``)."""
    link_doc = {"nodes": [], "edges": raw.get("links", [])}
    if not isinstance(raw.get("links", []), list):
        c.add("error", "type", "`links` must be a list", path=("links",), field="links",
              expected="[{from: chain.node, to: chain.node}]", found="something else",
              fix="write each link as a list item")
        link_doc["edges"] = []
    doc.positions.update({("edges", *k[1:]): v for k, v in doc.positions.items()
                          if k[:1] == ("links",)})
    _, _, links = from_mapping(doc, c, {**link_doc, "sources": sources})
    return links


def _join_scenarios(c: Collector, raw: dict[str, Any], parts: list[ChainData],
                    data: ChainData, require_sources: bool = False) -> list[dict[str, Any]]:
    """The chains' scenarios, qualified, then the view's own, checked against the
    joined chain ``data``."""
    header = data.header
    countries = sorted(({x for sups in (data.suppliers, data.world_suppliers)
                         for x in (set(sups["country"].astype(str))
                                   | controller_codes(sups["controlled_by"]))}
                        | set(header["groups"])) - {OTHER})
    persp = header.get("perspective")
    if isinstance(persp, dict):
        countries = sorted(set(countries) | {persp["home"]})
    scenarios = []
    for part in parts:
        scenarios += _qualified_scenarios(part.header.get("scenarios", []),
                                          str(part.header.get("name")))
    scenarios += check_scenarios(c, raw.get("scenarios", []) or [], list(data.nodes["id"]),
                                 countries, supply=suppliers_of(data),
                                 groups=header["groups"], perspective=persp,
                                 sources=header.get("sources"),
                                 require_sources=require_sources)
    return scenarios


def _norm(x: Any) -> Any:
    """What makes two declarations the same: a source's file and year (or title), a
    group's members. Labels and wording may differ between chains."""
    if not isinstance(x, dict):
        return x
    if "members" in x or ("label" in x and "title" not in x):
        return sorted(x.get("members") or [])
    return (x.get("file") or x.get("title"), x.get("year"))


def _empty(raw: dict[str, Any], path: str) -> ChainData:
    from riskmodel.io.tables import empty_edges, empty_nodes, empty_suppliers

    return ChainData({"name": raw.get("name", "combined"), "stages":
                      list(schema.DEFAULT_STAGES)}, empty_nodes(), empty_suppliers(),
                     empty_edges(), path)
