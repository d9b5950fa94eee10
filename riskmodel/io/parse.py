"""From a read document to chain tables: type conversion with every problem collected.

YAML and JSON documents are walked value by value (they are small); a CSV bundle is
converted column by column, vectorised, so that a million-row bundle stays fast. Bad
cells become problems at their place, never exceptions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel._errors import Problem
from riskmodel.io.collect import (
    FALSE_WORDS,
    TRUE_WORDS,
    VALUE_KEYS,
    Collector,
    percent_fix,
    short,
    suggest,
    type_name,
    unknown_keys,
)
from riskmodel.io.csvtable import blank_cells, strip_cells
from riskmodel.io.document import Document
from riskmodel.io.tables import (
    EDGE_NUMBERS,
    NODE_NESTED,
    NODE_NUMBERS,
    NODE_TEXT,
    PROV_KEYS,
    complete,
    empty_edges,
    empty_nodes,
    empty_suppliers,
)
from riskmodel.io.yaml import is_plain_number


def _number(c: Collector, cell: Any, path: tuple[Any, ...], where: str, name: str,
            sources: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """A bare or sourced number from a YAML/JSON cell."""
    prov: dict[str, Any] = {}

    def plain(x: Any, p: tuple[Any, ...], label: str) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            fix = "write a plain number (e.g. 0.28)"
            if isinstance(x, str) and x.strip().endswith("%"):
                fix = percent_fix(x)
            elif isinstance(x, str) and c.doc is not None and p in c.doc.unquoted_text:
                # not quoted: a YAML 1.1 number form that YAML 1.2 reads as text
                if re.fullmatch(r"[-+]?[0-9]+(:[0-5]?[0-9])+", x.strip()):
                    fix = ("write one plain number (`1:30` is text; YAML 1.1 read it as "
                           "90, in base 60)")
                elif "_" in x and is_plain_number(x.replace("_", "")):
                    fix = f"write the number without `_` separators ({x.replace('_', '')})"
            elif isinstance(x, str):
                fix = "remove the quotes: write a plain number"
            c.add("error", "type", "not a number", path=p, where=where, field=label,
                  expected="a number", found=type_name(x), fix=fix)
            return math.nan
        try:
            v = float(x)
        except OverflowError:  # an integer too large for a float
            v = math.inf
        if not math.isfinite(v):
            c.add("error", "type", "not a finite number", path=p, where=where, field=label,
                  expected="a finite number", found=short(x), fix="write a finite number")
            return math.nan
        return v

    if isinstance(cell, dict):
        unknown_keys(c, cell, list(VALUE_KEYS), where, path)
        if "value" not in cell:
            c.add("error", "required", "a sourced value needs `value`", path=path, where=where,
                  field=name, expected="{value: ..., source: ..., ref: ...}",
                  found="no `value` key", fix="add `value:` with the number")
            value = math.nan
        else:
            value = plain(cell["value"], (*path, "value"), name)
        for key in ("low", "high"):
            if key in cell:
                prov[key] = plain(cell[key], (*path, key), f"{name}.{key}")
        for key in ("source", "ref", "note"):
            if key in cell and cell[key] is not None:
                v = cell[key]
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    v = str(v)
                if not isinstance(v, str):
                    c.add("error", "type", f"`{key}` must be text", path=(*path, key),
                          where=where, field=f"{name}.{key}", expected="text",
                          found=type_name(v), fix="write it as text")
                    continue
                prov[key] = v
        if "dist" in cell:
            if cell["dist"] not in ("triangular", "uniform"):
                c.add("error", "choice", "unknown distribution", path=(*path, "dist"),
                      where=where, field=f"{name}.dist", expected="triangular or uniform",
                      found=short(cell["dist"]), fix="use `triangular` or `uniform`")
            else:
                prov["dist"] = cell["dist"]
        if "estimate" in cell:
            if not isinstance(cell["estimate"], bool):
                c.add("error", "type", "`estimate` must be true or false",
                      path=(*path, "estimate"), where=where, field=f"{name}.estimate",
                      expected="true or false", found=type_name(cell["estimate"]),
                      fix="write `estimate: true`")
            else:
                prov["estimate"] = cell["estimate"]
        return value, prov
    return plain(cell, path, name), prov


def edge_where(u: Any, v: Any) -> str:
    """``edge 'a' -> 'b'``; an end that is missing shows as ``?``."""
    def end(x: Any) -> str:
        return "?" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
    return f"edge '{end(u)}' -> '{end(v)}'"


def text_value(c: Collector, item: dict, key: str, path: tuple[Any, ...], where: str) -> Any:
    v = item.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and key not in ("id",):
        return str(v)
    if not isinstance(v, str):
        c.add("error", "type", f"`{key}` must be text", path=(*path, key), where=where,
              field=key, expected="text", found=type_name(v), fix=f"write `{key}` as text")
        return None
    return v


def from_mapping(doc: Document, c: Collector, header: dict[str, Any]) -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The node, supplier and edge tables of a YAML or JSON chain document.

    Every value is checked for type; a bad one is a problem in ``c`` at its place, and
    its cell is left empty. ``c.rows`` records the document path of each table row.
    """
    sources = header.get("sources") if isinstance(header.get("sources"), dict) else {}
    c.rows = {"nodes": [], "suppliers": [], "edges": []}
    node_rows: list[dict[str, Any]] = []
    sup_rows: list[dict[str, Any]] = []
    for i, item in enumerate(_items(c, header, "nodes")):
        row = _node_row(c, item, ("nodes", i), sources)
        if row is not None:
            node_rows.append(row)
            sup_rows += _supplier_rows(c, item, ("nodes", i), row, sources)
    edge_rows = [row for i, item in enumerate(_items(c, header, "edges"))
                 if (row := _edge_row(c, item, ("edges", i), sources)) is not None]
    nodes = complete(pd.DataFrame(node_rows), empty_nodes()) if node_rows else empty_nodes()
    suppliers = complete(pd.DataFrame(sup_rows), empty_suppliers()) if sup_rows \
        else empty_suppliers()
    edges = complete(pd.DataFrame(edge_rows), empty_edges()) if edge_rows else empty_edges()
    return nodes, suppliers, edges


#: what a document's `nodes` and `edges` must be, for the problem when they are not
_LIST_OF = {
    "nodes": ("a list of node mappings (`- id: ...`)",
              "write each node as a list item starting with `- id:`"),
    "edges": ("a list of `{from: ..., to: ...}`",
              "write each edge as a list item `- {from: a, to: b}`"),
}


def _items(c: Collector, header: dict[str, Any], key: str) -> list[Any]:
    """The items of the document's ``nodes`` or ``edges`` list (none when not a list)."""
    raw = header.get(key)
    if raw is not None and not isinstance(raw, list):
        expected, fix = _LIST_OF[key]
        c.add("error", "type", f"`{key}` must be a list", path=(key,), field=key,
              expected=expected, found=type_name(raw), fix=fix)
        return []
    return raw or []


def _numbers(c: Collector, item: dict, fields: Any, path: tuple[Any, ...], where: str,
             sources: dict[str, Any], row: dict[str, Any]) -> None:
    """The bare or sourced numbers of ``item`` into ``row`` (``field``, ``field.low`` ...)."""
    for f in fields:
        if f in item:
            v, prov = _number(c, item[f], (*path, f), where, f, sources)
            row[f] = v
            row.update({f"{f}.{k}": x for k, x in prov.items()})


def _node_where(item: dict, i: int) -> str:
    """``node 'id'``, or ``node #3`` (counted from 1) when the id is not text."""
    nid = item.get("id")
    return f"node '{nid}'" if isinstance(nid, str) else f"node #{i + 1}"


def _node_row(c: Collector, item: Any, path: tuple[Any, ...],
              sources: dict[str, Any]) -> dict[str, Any] | None:
    """The nodes-table row of one node mapping; ``None`` when it is not a mapping."""
    i = path[-1]
    if not isinstance(item, dict):
        c.add("error", "type", "a node must be a mapping", path=path, where=f"node #{i + 1}",
              expected="a mapping with `id` and `stage`", found=type_name(item),
              fix="write the node as `- {id: ..., stage: ...}`")
        return None
    nid = item.get("id")
    where = _node_where(item, i)
    unknown_keys(c, item, schema.names("node"), where, path)
    row: dict[str, Any] = {k: text_value(c, item, k, path, where) if k != "id" else None
                           for k in NODE_TEXT}
    if nid is None or isinstance(nid, str):
        row["id"] = text_value(c, item, "id", path, where)
    else:
        c.add("error", "type", "node id must be text", path=(*path, "id"), where=where,
              field="id", expected="a slug like `reduction_gears`", found=type_name(nid),
              fix="write the id as lowercase letters, digits and underscores")
        row["_bad_id"] = True
    _numbers(c, item, NODE_NUMBERS, path, where, sources, row)
    for outer in NODE_NESTED:
        _nested(c, item, outer, path, where, sources, row)
    c.rows["nodes"].append(path)
    return row


def _nested(c: Collector, item: dict, outer: str, path: tuple[Any, ...], where: str,
            sources: dict[str, Any], row: dict[str, Any]) -> None:
    """The numbers of a nested node attribute (``capital: {service_life_months: 84}``)
    into ``row`` as ``capital.service_life_months`` (and its ``.low`` ...)."""
    cell = item.get(outer)
    if cell is None:
        return
    inner = schema.names(outer)
    example = "{" + ", ".join(f"{a}: ..." for a in inner) + "}"
    if not isinstance(cell, dict):
        c.add("error", "type", f"`{outer}` must be a mapping", path=(*path, outer),
              where=where, field=outer, expected=example, found=type_name(cell),
              fix=f"write `{outer}: {example}`, or remove it")
        return
    unknown_keys(c, cell, inner, where, (*path, outer))
    for a in inner:
        if a not in cell and schema.attribute(outer, a).required:
            c.add("error", "required", f"`{outer}` needs `{a}`", path=(*path, outer),
                  where=where, field=f"{outer}.{a}", expected=example, found=f"no `{a}` key",
                  fix=f"add `{a}:` inside `{outer}`")
    for a in inner:
        if a in cell and schema.attribute(outer, a).type == "number":
            name = f"{outer}.{a}"
            v, prov = _number(c, cell[a], (*path, outer, a), where, name, sources)
            row[name] = v
            row.update({f"{name}.{k}": x for k, x in prov.items()})


def _supplier_rows(c: Collector, item: dict, path: tuple[Any, ...], row: dict[str, Any],
                   sources: dict[str, Any], key: str = "suppliers") -> list[dict[str, Any]]:
    """The suppliers-table rows of one node mapping (its ``suppliers: {CC: share}``, or
    the ``key`` of the same form: ``world_suppliers``)."""
    sup = item.get(key)
    if sup is None:
        return []
    where = _node_where(item, path[-1])
    if not isinstance(sup, dict):
        c.add("error", "type", f"`{key}` must be a mapping of country to share",
              path=(*path, key), where=where, field=key,
              expected="{JP: 0.6, CN: 0.3}", found=type_name(sup),
              fix=f"write {key} as `{{CC: share, ...}}`")
        return []
    rows = []
    kind = "supplier" if key == "suppliers" else "world supplier"
    for country, cell in sup.items():
        spath = (*path, key, country)
        swhere = f"{where}, {kind} '{country}'"
        controllers = None
        if is_controlled_form(cell):
            controllers = _controllers(c, cell, spath, swhere)
            v, prov = (_number(c, cell["share"], (*spath, "share"), swhere, "share", sources)
                       if "share" in cell else (math.nan, {}))
        else:
            v, prov = _number(c, cell, spath, swhere, "share", sources)
        rows.append({"node": row["id"], "country": str(country), "share": v,
                     "controlled_by": controllers,
                     **{f"share.{k}": x for k, x in prov.items()}})
        c.rows.setdefault(key, []).append(spath)
    return rows


def world_from_mapping(c: Collector, header: dict[str, Any]) -> pd.DataFrame:
    """The ``world_suppliers`` table of a YAML or JSON chain document (docs/model.md
    §1.3): every node's ``world_suppliers``, read as ``suppliers`` are (after
    :func:`from_mapping`, which reports the nodes' own problems)."""
    sources = header.get("sources") if isinstance(header.get("sources"), dict) else {}
    c.rows["world_suppliers"] = []
    rows: list[dict[str, Any]] = []
    items = header.get("nodes")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            nid = item.get("id") if isinstance(item.get("id"), str) else None
            rows += _supplier_rows(c, item, ("nodes", i), {"id": nid}, sources,
                                   "world_suppliers")
    return complete(pd.DataFrame(rows), empty_suppliers()) if rows else empty_suppliers()


def is_controlled_form(cell: Any) -> bool:
    """Is a supplier cell the form ``{share: ..., controlled_by: [...]}`` (rather than a
    bare or sourced number)? A mapping that names ``share`` or ``controlled_by`` is, and
    so is one that names none of a sourced value's keys (its keys are misspelt).

    >>> is_controlled_form({"share": 0.6, "controlled_by": ["US"]})
    True
    >>> is_controlled_form({"low": 0.5, "high": 0.7}), is_controlled_form(0.6)
    (False, False)
    """
    return isinstance(cell, dict) and (
        "share" in cell or "controlled_by" in cell or not any(k in VALUE_KEYS for k in cell))


def _controllers(c: Collector, cell: dict, spath: tuple[Any, ...], where: str
                 ) -> tuple[str, ...] | None:
    """The controllers of a supplier written ``{share: ..., controlled_by: [...]}``;
    bad keys and forms, and a missing ``share``, become problems."""
    unknown_keys(c, cell, ["share", "controlled_by"], where, spath)
    if "share" not in cell:
        c.add("error", "required", "a supplier written as a mapping needs `share`",
              path=spath, where=where, field="share",
              expected="{share: 0.6, controlled_by: [US]}", found="no `share` key",
              fix="add `share:` with the country's share of the node's supply")
    if "controlled_by" not in cell:
        return None
    return codes_of(c, cell["controlled_by"], (*spath, "controlled_by"), where)


def codes_of(c: Collector, raw: Any, path: tuple[Any, ...] | None, where: str, *,
             table: str | None = None, row: int | None = None) -> tuple[str, ...] | None:
    """A ``controlled_by`` value as a tuple of codes (a single code stands for a list of
    one; repeats are dropped); ``None`` with a problem when it is not text codes or is
    empty. The codes themselves are checked with the chain's groups
    (:mod:`riskmodel.validation.controllers`).

    >>> codes_of(Collector(None, None), ["US", "NL", "US"], None, "here")
    ('US', 'NL')
    """
    items = [raw] if isinstance(raw, str) else raw
    example = "[US] or [US, NL]"
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        c.add("error", "type", "`controlled_by` must be a list of country codes", path=path,
              table=table, row=row, where=where, field="controlled_by", expected=example,
              found=short(raw) if isinstance(raw, list) else type_name(raw),
              fix="list the codes of the jurisdictions whose cuts reach this share")
        return None
    codes = tuple(dict.fromkeys(x.strip() for x in items if x.strip()))
    if not codes:
        c.add("error", "required", "`controlled_by` names no jurisdiction", path=path,
              table=table, row=row, where=where, field="controlled_by", expected=example,
              found=short(raw), fix="name the jurisdictions (e.g. [US]), or remove "
              "`controlled_by`: the producing country controls its own share anyway")
        return None
    return codes


def _edge_row(c: Collector, item: Any, path: tuple[Any, ...],
              sources: dict[str, Any]) -> dict[str, Any] | None:
    """The edges-table row of one edge mapping; ``None`` when it is not a mapping."""
    if not isinstance(item, dict):
        c.add("error", "type", "an edge must be a mapping", path=path,
              where=f"edge #{path[-1] + 1}", expected="{from: a, to: b}",
              found=type_name(item), fix="write the edge as `- {from: a, to: b}`")
        return None
    where = edge_where(item.get("from"), item.get("to"))
    unknown_keys(c, item, schema.names("edge"), where, path)
    row = {k: text_value(c, item, k, path, where) for k in ("from", "to", "group", "note")}
    ess = item.get("essential", True)
    if not isinstance(ess, bool):
        c.add("error", "type", "`essential` must be true or false",
              path=(*path, "essential"), where=where, field="essential",
              expected="true or false", found=type_name(ess), fix="write true or false")
        ess = True
    row["essential"] = ess
    _numbers(c, item, EDGE_NUMBERS, path, where, sources, row)
    c.rows["edges"].append(path)
    return row


def _row_where(table: str, df: pd.DataFrame) -> Callable[[int], str | None]:
    """Names the node, supplier or edge of a bundle row, for problems in its cells."""
    def cell(col: str, r: int) -> str | None:
        return (str(df[col].iloc[r]).strip() or None) if col in df.columns else None

    def where(r: int) -> str | None:
        if table == "nodes":
            nid = cell("id", r)
            return f"node '{nid}'" if nid else None
        if table in ("suppliers", "world_suppliers"):
            kind = "supplier" if table == "suppliers" else "world supplier"
            return f"node '{cell('node', r) or '?'}', {kind} '{cell('country', r) or '?'}'"
        return edge_where(cell("from", r), cell("to", r))
    return where


def _csv_bool(c: Collector, s: pd.Series, table: str, col: str, default: bool,
              where: Callable[[int], str | None] = lambda r: None) -> pd.Series:
    low = pd.Series(list(map(str.lower, strip_cells(s))), index=s.index, dtype=object)
    out = pd.Series(default, index=s.index, dtype=bool)
    out[low.isin(TRUE_WORDS)] = True
    out[low.isin(FALSE_WORDS)] = False
    bad = ~(low.isin(TRUE_WORDS) | low.isin(FALSE_WORDS) | (low == ""))
    for r in np.flatnonzero(bad.to_numpy()):
        c.add("error", "type", "not true or false", table=table, row=int(r), field=col,
              where=where(int(r)), expected="true or false", found=short(s.iloc[r]),
              fix="write true or false")
    return out


def _csv_number(c: Collector, s: pd.Series, table: str, col: str,
                where: Callable[[int], str | None] = lambda r: None) -> pd.Series:
    stripped = strip_cells(s)
    blank = blank_cells(stripped)
    out = pd.to_numeric(pd.Series(np.where(blank, None, stripped), index=s.index,
                                  dtype=object), errors="coerce").astype(float)
    bad = pd.Series(~blank & ~np.isfinite(out.to_numpy()), index=s.index)
    for r in np.flatnonzero(bad.to_numpy()):
        fix = "write a plain number (e.g. 0.28)"
        if str(s.iloc[r]).strip().endswith("%"):
            fix = percent_fix(str(s.iloc[r]))
        elif re.fullmatch(r"[-+]?\d*,\d+", str(s.iloc[r]).strip()):
            fix = (f"write a point as the decimal mark "
                   f"({str(s.iloc[r]).strip().replace(',', '.')}), as a spreadsheet does when "
                   "it saves CSV in English")
        c.add("error", "type", "not a number", table=table, row=int(r), field=col,
              where=where(int(r)), expected="a finite number", found=short(s.iloc[r]),
              fix=fix)
    out[bad.to_numpy()] = math.nan
    return out


def _csv_text(s: pd.Series, strip: bool) -> pd.Series:
    """A text column: its cells stripped (or as written, ``strip=False``), missing where
    blank (the column's missing value: NaN for pandas' ``str`` columns)."""
    stripped = strip_cells(s)
    missing = s.dtype.na_value if isinstance(s.dtype, pd.StringDtype) else None
    return pd.Series(np.where(blank_cells(stripped), missing,
                              stripped if strip else s.to_numpy(dtype=object)),
                     index=s.index, dtype=object)


def _csv_codes(c: Collector, s: pd.Series, where: Callable[[int], str | None],
               table: str = "suppliers") -> pd.Series:
    """A ``controlled_by`` column of ``suppliers.csv`` (or ``world_suppliers.csv``):
    codes joined by ``|``, as tuples (``None`` where the cell is empty)."""
    cells: list[tuple[str, ...] | None] = [None] * len(s)
    for r in np.flatnonzero(~blank_cells(strip_cells(s))):
        cells[r] = codes_of(c, s.iloc[r].split("|"), None, str(where(int(r))),
                            table=table, row=int(r))
    return pd.Series(cells, index=s.index, dtype=object)


_TABLE_SPECS = {
    "nodes": (list(NODE_TEXT), list(NODE_NUMBERS), [], ["id"]),
    "suppliers": (["node", "country"], ["share"], [], ["node", "country", "share"]),
    "edges": (["from", "to", "group", "note"], list(EDGE_NUMBERS), ["essential"],
              ["from", "to"]),
}
_TABLE_SPECS["world_suppliers"] = _TABLE_SPECS["suppliers"]
_EMPTY = {"nodes": empty_nodes, "suppliers": empty_suppliers, "edges": empty_edges,
          "world_suppliers": empty_suppliers}


def from_tables(doc: Document, c: Collector) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The node, supplier and edge tables of a CSV bundle (``world_suppliers.csv``:
    :func:`table_from_csv`)."""
    out = {table: table_from_csv(doc, c, table) for table in ("nodes", "suppliers", "edges")}
    return out["nodes"], out["suppliers"], out["edges"]


def table_from_csv(doc: Document, c: Collector, table: str) -> pd.DataFrame:
    """One table of a CSV bundle, its cells converted; problems go to ``c``."""
    texts, numbers, bools, required = _TABLE_SPECS[table]
    df = doc.tables.get(table)
    file = doc.files.get(table, doc.path)
    if df is None:
        return _EMPTY[table]()
    sup = table in ("suppliers", "world_suppliers")
    c.csv[table] = (file, list(df.columns))
    more = ["controlled_by"] if sup else []
    valid = [*texts, *numbers, *bools, *more] + [f"{f}.{k}" for f in numbers
                                                 for k in PROV_KEYS]
    for col in df.columns:
        if col not in valid:
            s = suggest(col, valid)
            c.problems.append(Problem(
                "error", f"unknown column '{col}'", file=file, line=c.line(table, None),
                column=list(df.columns).index(col) + 1, code="unknown-key",
                expected="columns from " + ", ".join(
                    valid[: len(texts) + len(numbers) + len(bools) + len(more)])
                + " and <field>.low …",
                found=short(col),
                fix=f"did you mean `{s}`?" if s else "remove the column or rename it"))
    for col in required:
        if col not in df.columns:
            c.problems.append(Problem("error", f"missing required column '{col}'", file=file,
                                      line=c.line(table, None), code="required",
                                      fix=f"add a `{col}` column"))
    res = pd.DataFrame(index=df.index)
    where = _row_where(table, df)
    for col in texts:
        if col in df.columns:
            res[col] = _csv_text(df[col], col not in ("label", "description", "note"))
        else:
            res[col] = pd.Series(None, index=df.index, dtype=object)
    for col in numbers:
        res[col] = (_csv_number(c, df[col], table, col, where) if col in df.columns
                    else math.nan)
        for k in PROV_KEYS:
            name = f"{col}.{k}"
            if name not in df.columns:
                continue
            if k in ("low", "high"):
                res[name] = _csv_number(c, df[name], table, name, where)
            elif k == "estimate":
                res[name] = _csv_bool(c, df[name], table, name, False, where)
            else:
                res[name] = _csv_text(df[name], k != "note")
                if k == "dist":
                    bad = res[name].notna() & ~res[name].isin(["triangular", "uniform"])
                    for r in np.flatnonzero(bad.to_numpy()):
                        c.add("error", "choice", "unknown distribution", table=table,
                              row=int(r), field=name, where=where(int(r)),
                              expected="triangular or uniform",
                              found=short(df[name].iloc[r]),
                              fix="use `triangular` or `uniform`")
    for col in bools:
        res[col] = (_csv_bool(c, df[col], table, col, True, where) if col in df.columns
                    else True)
    if sup and "controlled_by" in df.columns:
        res["controlled_by"] = _csv_codes(c, df["controlled_by"], where, table)
    return complete(res, _EMPTY[table]())
