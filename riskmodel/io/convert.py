"""Converting a chain between its tables, its networkx graph and its file document."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import pandas as pd

from riskmodel import schema
from riskmodel.io.graph import ChainGraph
from riskmodel.io.tables import (
    EDGE_NUMBERS,
    NODE_NUMBERS,
    PROV_KEYS,
    ChainData,
    empty_edges,
    empty_nodes,
    empty_suppliers,
    nested_get,
    nested_set,
    prov_columns,
)

# ---------------------------------------------------------------------------
# tables ↔ graph ↔ document
# ---------------------------------------------------------------------------

def _isnull(x: Any) -> bool:
    """Absent: None, NaN, or text that is empty or blank (the same in every format)."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or (
        isinstance(x, str) and not x.strip())


def _prov_of(row: Mapping[str, Any], field: str) -> dict[str, Any]:
    out = {}
    for k in PROV_KEYS:
        v = row.get(f"{field}.{k}")
        if not _isnull(v) and not (k == "estimate" and v is False):
            out[k] = float(v) if k in ("low", "high") else (bool(v) if k == "estimate" else v)
    return out


def graph_from_data(data: ChainData) -> ChainGraph:
    g = ChainGraph()
    sup_by_node = _by_node(data.suppliers)
    world_by_node = _by_node(data.world_suppliers)
    for r in data.nodes.to_dict("records"):
        attrs: dict[str, Any] = {}
        for k in ("label", "stage", "description", "note"):
            if not _isnull(r.get(k)):
                attrs[k] = r[k]
        prov: dict[str, Any] = {}
        for f in NODE_NUMBERS:
            if not _isnull(r.get(f)):
                nested_set(attrs, f, float(r[f]))  # capital.service_life_months nests
                p = _prov_of(r, f)
                if p:
                    prov[f] = {"value": float(r[f]), **p}
        for key, by_node in (("suppliers", sup_by_node), (WORLD, world_by_node)):
            if r["id"] in by_node:
                _shares_to_graph(by_node[r["id"]], key, attrs, prov)
        if prov:
            attrs["provenance"] = prov
        g.add_node(r["id"], **attrs)
    for r in data.edges.to_dict("records"):
        attrs = {}
        prov = {}
        for f in EDGE_NUMBERS:
            if not _isnull(r.get(f)):
                attrs[f] = float(r[f])
                p = _prov_of(r, f)
                if p:
                    prov[f] = {"value": float(r[f]), **p}
        attrs["essential"] = bool(r.get("essential", True)) if not _isnull(
            r.get("essential")) else True
        for k in ("group", "note"):
            if not _isnull(r.get(k)):
                attrs[k] = r[k]
        if prov:
            attrs["provenance"] = prov
        g.add_edge(r["from"], r["to"], **attrs)
    return g


WORLD = "world_suppliers"
#: the graph attribute holding the jurisdictions of each table's shares
CONTROL_ATTR = {"suppliers": "controlled_by", WORLD: "world_controlled_by"}


def _by_node(sups: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in sups.to_dict("records"):
        out.setdefault(r["node"], []).append(r)
    return out


def _shares_to_graph(rows: list[dict[str, Any]], key: str, attrs: dict[str, Any],
                     prov: dict[str, Any]) -> None:
    """A node's supplier rows (of ``suppliers`` or ``world_suppliers``) as its graph
    attributes: ``{key: {CC: share}}``, their jurisdictions and provenance."""
    attrs[key] = {}
    for s in rows:
        attrs[key][s["country"]] = float(s["share"])
        p = _prov_of(s, "share")
        if p:
            prov[f"{key}.{s['country']}"] = {"value": float(s["share"]), **p}
    controlled = {s["country"]: tuple(s["controlled_by"]) for s in rows
                  if _codes(s.get("controlled_by"))}
    if controlled:
        attrs[CONTROL_ATTR[key]] = controlled


def _prov_cells(prov: Mapping[str, Any], field: str, value: float, prefix: str) -> dict:
    """Provenance columns for a value, dropped when the value was edited since."""
    p = prov.get(field) if isinstance(prov, Mapping) else None
    if not isinstance(p, Mapping):
        return {}
    if "value" in p and not _same(p["value"], value):
        return {}
    return {f"{prefix}.{k}": p[k] for k in PROV_KEYS if k in p}


def _same(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-15)
    except (TypeError, ValueError):
        return False


def data_from_graph(g: nx.DiGraph, header: dict[str, Any], path: str | None) -> ChainData:
    node_rows, edge_rows = [], []
    sup_rows: dict[str, list[dict[str, Any]]] = {"suppliers": [], WORLD: []}
    stray: list[tuple[str, str]] = []  # controlled_by of a country that supplies nothing
    for n, a in g.nodes(data=True):
        row: dict[str, Any] = {"id": n}
        for k in ("label", "stage", "description", "note"):
            row[k] = a.get(k)
        prov = a.get("provenance", {})
        for f in NODE_NUMBERS:
            if nested_get(a, f) is not None:
                row[f] = float(nested_get(a, f))
                row.update(_prov_cells(prov, f, row[f], f))
        node_rows.append(row)
        for key, rows in sup_rows.items():
            controlled = a.get(CONTROL_ATTR[key]) or {}
            stray += [(n, k) for k in controlled if k not in (a.get(key) or {})]
            for country, share in (a.get(key) or {}).items():
                rows.append({"node": n, "country": country, "share": float(share),
                             "controlled_by": _as_codes(controlled.get(country)),
                             **_prov_cells(prov, f"{key}.{country}", share, "share")})
    for u, v, a in g.edges(data=True):
        row = {"from": u, "to": v, "essential": bool(a.get("essential", True)),
               "group": a.get("group"), "note": a.get("note")}
        prov = a.get("provenance", {})
        for f in EDGE_NUMBERS:
            if a.get(f) is not None:
                row[f] = float(a[f])
                row.update(_prov_cells(prov, f, a[f], f))
        edge_rows.append(row)
    nodes = pd.concat([empty_nodes(), pd.DataFrame(node_rows)], ignore_index=True) \
        if node_rows else empty_nodes()
    sups, world = (pd.concat([empty_suppliers(), pd.DataFrame(rows)], ignore_index=True)
                   if rows else empty_suppliers() for rows in sup_rows.values())
    edges = pd.concat([empty_edges(), pd.DataFrame(edge_rows)], ignore_index=True) \
        if edge_rows else empty_edges()
    extra = {"stray_controllers": stray} if stray else {}
    return ChainData(copy.deepcopy(header), nodes, sups, edges, path, extra, world)


def _codes(x: Any) -> bool:
    """Does a ``controlled_by`` cell hold codes (a non-empty tuple or list)?"""
    return isinstance(x, (tuple, list)) and len(x) > 0


def _as_codes(x: Any) -> Any:
    """A graph's ``controlled_by`` entry as the table holds it: a tuple of codes (a
    single code stands for a tuple of one), ``None`` when absent; anything else is kept
    as it is, for the checks to report."""
    if x is None:
        return None
    if isinstance(x, str):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return x


def _cell(value: float, row: Mapping[str, Any], field: str) -> Any:
    p = _prov_of(row, field)
    v: Any = float(value)
    if v.is_integer() and abs(v) < 2**53 and field.endswith("months"):
        v = int(v)
    return {"value": v, **p} if p else v


def header_from_data(data: ChainData) -> dict[str, Any]:
    """The chain's document mapping without its nodes and edges: a bundle's
    ``chain.yaml`` (the tables are written as CSV, so their rows are not built here)."""
    import dataclasses

    bare = dataclasses.replace(data, nodes=data.nodes.iloc[:0], edges=data.edges.iloc[:0],
                               suppliers=data.suppliers.iloc[:0],
                               world_suppliers=data.world_suppliers.iloc[:0])
    return {k: v for k, v in document_from_data(bare).items() if k not in ("nodes", "edges")}


def document_from_data(data: ChainData) -> dict[str, Any]:
    """The chain as a YAML/JSON document mapping (the file format)."""
    h = data.header
    doc: dict[str, Any] = {"schema": schema.SCHEMA_ID, "name": h.get("name")}
    for k in ("title", "description"):
        if h.get(k):
            doc[k] = h[k]
    doc["perspective"] = h.get("perspective", "global")
    if h.get("currency"):
        doc["currency"] = h["currency"]
    if list(h.get("stages", schema.DEFAULT_STAGES)) != list(schema.DEFAULT_STAGES):
        doc["stages"] = list(h["stages"])
    if h.get("groups"):
        doc["groups"] = {g: {k: v for k, v in spec.items() if v not in (None, [])}
                         for g, spec in h["groups"].items()}
    if h.get("targets"):  # named targets: {name: [node id, ...]}
        doc["targets"] = {k: list(v) for k, v in h["targets"].items()}
    if h.get("sources"):
        doc["sources"] = h["sources"]
    if h.get("provenance"):
        doc["provenance"] = h["provenance"]
    sup_by_node = _by_node(data.suppliers)
    world_by_node = _by_node(data.world_suppliers)
    nodes = []
    for r in data.nodes.to_dict("records"):
        item: dict[str, Any] = {"id": r["id"]}
        for k in ("label", "stage", "description", "note"):
            if not _isnull(r.get(k)):
                item[k] = r[k]
        for key, by_node in (("suppliers", sup_by_node), (WORLD, world_by_node)):
            if r["id"] in by_node:
                item[key] = {
                    s["country"]: {"share": _cell(s["share"], s, "share"),
                                   "controlled_by": list(s["controlled_by"])}
                    if _codes(s.get("controlled_by")) else _cell(s["share"], s, "share")
                    for s in by_node[r["id"]]}
        for f in NODE_NUMBERS:
            if not _isnull(r.get(f)):
                nested_set(item, f, _cell(r[f], r, f))
        nodes.append(item)
    doc["nodes"] = nodes
    edges = []
    for r in data.edges.to_dict("records"):
        item = {"from": r["from"], "to": r["to"]}
        for f in EDGE_NUMBERS:
            if not _isnull(r.get(f)) and f == "share":
                item[f] = _cell(r[f], r, f)
        if not r.get("essential", True):
            item["essential"] = False
        if not _isnull(r.get("group")):
            item["group"] = r["group"]
        if not _isnull(r.get("covers")):
            item["covers"] = _cell(r["covers"], r, "covers")
        if not _isnull(r.get("note")):
            item["note"] = r["note"]
        edges.append(item)
    doc["edges"] = edges
    if h.get("baseline"):  # restrictions in force, already in their file form
        doc["baseline"] = [{k: v for k, v in r.items() if v is not None}
                           for r in h["baseline"]]
    if h.get("scenarios"):
        doc["scenarios"] = [_clean_scenario(s) for s in h["scenarios"]]
    return doc


def _clean_scenario(s: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: s[k] for k in ("id", "title", "description", "source", "ref",
                                  "plausibility") if s.get(k)}
    out["months"] = s.get("months", 24)
    cuts = []
    for c in s.get("cuts", []):
        cut: dict[str, Any] = {"country": c["country"]}
        if c.get("nodes") is not None:
            cut["nodes"] = list(c["nodes"])
        if c.get("fraction", 1.0) != 1.0:
            cut["fraction"] = c["fraction"]
        if c.get("start", 0):
            cut["start"] = c["start"]
        if c.get("duration") is not None:
            cut["duration"] = c["duration"]
        to = c.get("to", "all")
        if to != "all":
            cut["to"] = to if isinstance(to, str) else list(to)
        cuts.append(cut)
    out["cuts"] = cuts
    return out


def bundle_tables(data: ChainData) -> dict[str, pd.DataFrame]:
    def text(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        out = df[cols].copy()
        for c in out.columns:
            if out[c].dtype == bool:
                out[c] = out[c].map({True: "true", False: "false"})
            elif c.endswith(".estimate"):
                out[c] = out[c].map(lambda x: "true" if x is True or x == 1 else (
                    "" if _isnull(x) else "false"))
        return out

    nodes = data.nodes
    ncols = ["id", "label", "stage", "description", "note"]
    ncols = [c for c in ncols if c in ("id", "stage") or nodes[c].notna().any()]
    for f in NODE_NUMBERS:
        if f in nodes and nodes[f].notna().any():
            ncols.append(f)
            ncols += prov_columns(nodes, (f,))
    edges = data.edges
    ecols = ["from", "to"]
    for f in EDGE_NUMBERS:
        if edges[f].notna().any():
            ecols.append(f)
            ecols += prov_columns(edges, (f,))
    ecols += ["essential"] + [c for c in ("group", "note") if edges[c].notna().any()]
    out = {"nodes": text(nodes, ncols), "suppliers": _supplier_table(data.suppliers),
           "edges": text(edges, ecols)}
    if len(data.world_suppliers):
        out[WORLD] = _supplier_table(data.world_suppliers)
    return out


def _supplier_table(sups: pd.DataFrame) -> pd.DataFrame:
    """``suppliers.csv`` (or ``world_suppliers.csv``) as written: the shares, their
    provenance, and jurisdictions joined by ``|`` where any share names some."""
    scols = ["node", "country", "share", *prov_columns(sups, ("share",))]
    if "controlled_by" in sups and sups["controlled_by"].map(_codes).any():
        scols.append("controlled_by")
        sups = sups.assign(controlled_by=sups["controlled_by"].map(
            lambda x: "|".join(x) if _codes(x) else ""))
    out = sups[scols].copy()
    for c in out.columns:
        if c.endswith(".estimate"):
            out[c] = out[c].map(lambda x: "true" if x is True or x == 1 else (
                "" if _isnull(x) else "false"))
    return out


