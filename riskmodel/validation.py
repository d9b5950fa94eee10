"""Checking chain files and chains.

:func:`validate` collects every problem in a chain file (or an in-memory chain) and
raises one :class:`~riskmodel.ChainValidationError` that lists them all. Each problem
names the file, the line and column, the node or edge, the field, what was expected,
what was found, and the fix. Warnings (shares that leave an undeclared remainder, a
node that reaches no end use) are reported separately and become errors under
``strict``; information (cycles) never fails.

Examples
--------
>>> import riskmodel as rm
>>> report = rm.validate("bicycle")
>>> report.ok, len(report.errors)
(True, 0)
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from ._errors import ChainValidationError, Problem
from ._tables import (
    EDGE_NUMBERS,
    NODE_NUMBERS,
    NODE_TEXT,
    PROV_KEYS,
    ChainData,
    complete,
    empty_edges,
    empty_nodes,
    empty_suppliers,
)
from .io import Document, read_document, resolve_path

__all__ = ["ValidationReport", "build", "check_scenarios", "suggest", "validate"]

SHARE_TOLERANCE = 0.02
MAX_PER_CODE = 100
OTHER = "other"
_SLUG = re.compile(schema.SLUG_PATTERN)
_NODE_ID = re.compile(schema.NODE_ID_PATTERN)
_COUNTRY = re.compile(schema.COUNTRY_PATTERN)
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_VALUE_KEYS = tuple(schema.names("value"))


@dataclass
class ValidationReport:
    """What :func:`validate` found: errors, warnings and information, each a Problem."""

    path: str | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    info: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def all(self) -> list[Problem]:
        return [*self.errors, *self.warnings, *self.info]


def suggest(word: str, candidates: Iterable[str], *, limit: int = 50_000) -> str | None:
    """The closest candidate to ``word``, for "did you mean" fixes.

    >>> suggest("servo_motor", ["servo_motors", "controllers"])
    'servo_motors'
    """
    cands = candidates if isinstance(candidates, (list, tuple)) else list(candidates)
    if len(cands) > limit:
        return None
    m = difflib.get_close_matches(str(word), [str(c) for c in cands], n=1, cutoff=0.6)
    return m[0] if m else None


def _did_you_mean(word: Any, candidates: Iterable[str], fallback: str) -> str:
    s = suggest(str(word), list(candidates))
    return f"did you mean `{s}`?" if s else fallback


def _short(x: Any, n: int = 60) -> str:
    if isinstance(x, str):
        t = repr(x)
    elif isinstance(x, float):
        t = repr(x) if not x.is_integer() else str(x)
    elif isinstance(x, (dict, list)):
        kind = "mapping" if isinstance(x, dict) else "list"
        items = list(x.items() if isinstance(x, dict) else enumerate(x))
        scalar = (str, int, float, bool, type(None))
        if not items:
            return f"an empty {kind}"
        if len(items) > 6 or not all(isinstance(v, scalar) for _, v in items):
            return f"a {kind}"
        shown = ", ".join(f"{k}: {_short(v, n)}" if kind == "mapping" else _short(v, n)
                          for k, v in items)
        t = f"the {kind} " + ("{" + shown + "}" if kind == "mapping" else f"[{shown}]")
    elif x is None:
        t = "nothing"
    else:
        t = repr(x)
    return t if len(t) <= n else t[: n - 1] + "…"


def _percent_fix(text: str) -> str:
    """The fix for a percentage written where a fraction belongs: ``28% → 0.28``."""
    t = text.strip()
    try:
        v = float(t[:-1])
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        return "write the percentage as a fraction (28% → 0.28)"
    return f"write the percentage as a fraction ({t} → {v / 100:g})"


def _type_name(x: Any) -> str:
    if isinstance(x, bool):
        return f"true/false ({str(x).lower()})"
    if isinstance(x, (int, float)):
        return f"the number {_short(x)}"
    if isinstance(x, str):
        return f"the text {_short(x)}"
    return _short(x)


class _Collector:
    """Collects problems with their places; caps repeats of one kind."""

    def __init__(self, doc: Document | None, path: str | None):
        self.doc = doc
        self.path = path or (doc.path if doc else None)
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.csv: dict[str, tuple[str, list[str]]] = {}

    def at(self, table: str | None, row: int | None, field_: str | None,
           path: tuple[Any, ...] | None) -> tuple[str | None, int | None, int | None]:
        if table is not None and row is None and table in self.csv:
            return self.csv[table][0], None, None
        if path is not None and self.doc is not None:
            pos = self.doc.at(*path)
            return self.doc.files.get("header", self.path), *(pos or (None, None))
        if table is not None and row is not None:
            if table in self.csv:
                file, cols = self.csv[table]
                col = None
                if field_ is not None:
                    base = field_ if field_ in cols else field_.split(".")[0]
                    col = cols.index(base) + 1 if base in cols else None
                return file, self.line(table, row), col
            if (table in self.rows and self.doc is not None and row < len(self.rows[table])
                    and self.rows[table][row] is not None):
                prefix = self.rows[table][row]
                sub: tuple[Any, ...] = ()
                if field_ is not None:
                    sub = tuple(field_.split(".")) if table != "suppliers" else tuple(
                        field_.split(".")[1:])
                pos = self.doc.at(*prefix, *sub)
                return self.doc.files.get("header", self.path), *(pos or (None, None))
        return self.path, None, None

    def line(self, table: str, row: int | None) -> int:
        """The line of a bundle table's row (``None``: its header)."""
        lines = self.doc.lines.get(table) if self.doc is not None else None
        if lines:
            return lines[0 if row is None else row + 1]
        return 1 if row is None else row + 2

    def add(self, severity: str, code: str, message: str, *, table: str | None = None,
            row: int | None = None, field: str | None = None,
            path: tuple[Any, ...] | None = None, where: str | None = None,
            expected: str | None = None, found: str | None = None,
            fix: str | None = None) -> None:
        n = self.counts.get(code, 0) + 1
        self.counts[code] = n
        if n > MAX_PER_CODE:
            return
        file, line, col = self.at(table, row, field, path)
        self.problems.append(Problem(severity, message, file=file, line=line, column=col,
                                     where=where, field=field, expected=expected, found=found,
                                     fix=fix, code=code))

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for code, n in self.counts.items():
            if n > MAX_PER_CODE:
                sev = next(p.severity for p in self.problems if p.code == code)
                out.append(Problem(sev, f"... and {n - MAX_PER_CODE} more problems like "
                                        f"'{code}' (not listed)", file=self.path, code=code))
        return out


# ---------------------------------------------------------------------------
# document → tables
# ---------------------------------------------------------------------------

def _unknown_keys(c: _Collector, item: dict, valid: list[str], where: str,
                  path: tuple[Any, ...]) -> None:
    for k in item:
        if k not in valid:
            s = suggest(str(k), valid)
            c.add("error", "unknown-key", f"unknown key '{k}'", path=(*path, k), where=where,
                  expected="one of " + ", ".join(valid), found=_short(k),
                  fix=f"did you mean `{s}`?" if s else "remove it or use one of the valid names")


def _number(c: _Collector, cell: Any, path: tuple[Any, ...], where: str, name: str,
            sources: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """A bare or sourced number from a YAML/JSON cell."""
    prov: dict[str, Any] = {}

    def plain(x: Any, p: tuple[Any, ...], label: str) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            fix = "write a plain number (e.g. 0.28)"
            if isinstance(x, str) and x.strip().endswith("%"):
                fix = _percent_fix(x)
            elif isinstance(x, str):
                fix = "remove the quotes: write a plain number"
            c.add("error", "type", "not a number", path=p, where=where, field=label,
                  expected="a number", found=_type_name(x), fix=fix)
            return math.nan
        try:
            v = float(x)
        except OverflowError:  # an integer too large for a float
            v = math.inf
        if not math.isfinite(v):
            c.add("error", "type", "not a finite number", path=p, where=where, field=label,
                  expected="a finite number", found=_short(x), fix="write a finite number")
            return math.nan
        return v

    if isinstance(cell, dict):
        _unknown_keys(c, cell, list(_VALUE_KEYS), where, path)
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
                          found=_type_name(v), fix="write it as text")
                    continue
                prov[key] = v
        if "dist" in cell:
            if cell["dist"] not in ("triangular", "uniform"):
                c.add("error", "choice", "unknown distribution", path=(*path, "dist"),
                      where=where, field=f"{name}.dist", expected="triangular or uniform",
                      found=_short(cell["dist"]), fix="use `triangular` or `uniform`")
            else:
                prov["dist"] = cell["dist"]
        if "estimate" in cell:
            if not isinstance(cell["estimate"], bool):
                c.add("error", "type", "`estimate` must be true or false",
                      path=(*path, "estimate"), where=where, field=f"{name}.estimate",
                      expected="true or false", found=_type_name(cell["estimate"]),
                      fix="write `estimate: true`")
            else:
                prov["estimate"] = cell["estimate"]
        return value, prov
    return plain(cell, path, name), prov


def _edge_where(u: Any, v: Any) -> str:
    """``edge 'a' -> 'b'``; an end that is missing shows as ``?``."""
    def end(x: Any) -> str:
        return "?" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x)
    return f"edge '{end(u)}' -> '{end(v)}'"


def _text(c: _Collector, item: dict, key: str, path: tuple[Any, ...], where: str) -> Any:
    v = item.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and key not in ("id",):
        return str(v)
    if not isinstance(v, str):
        c.add("error", "type", f"`{key}` must be text", path=(*path, key), where=where,
              field=key, expected="text", found=_type_name(v), fix=f"write `{key}` as text")
        return None
    return v


def _from_mapping(doc: Document, c: _Collector, header: dict[str, Any]) -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sources = header.get("sources") if isinstance(header.get("sources"), dict) else {}
    node_rows: list[dict[str, Any]] = []
    sup_rows: list[dict[str, Any]] = []
    edge_rows: list[dict[str, Any]] = []
    c.rows = {"nodes": [], "suppliers": [], "edges": []}
    raw_nodes = header.get("nodes")
    if raw_nodes is not None and not isinstance(raw_nodes, list):
        c.add("error", "type", "`nodes` must be a list", path=("nodes",), field="nodes",
              expected="a list of node mappings (`- id: ...`)", found=_type_name(raw_nodes),
              fix="write each node as a list item starting with `- id:`")
        raw_nodes = []
    node_keys = schema.names("node")
    for i, item in enumerate(raw_nodes or []):
        path = ("nodes", i)
        if not isinstance(item, dict):
            c.add("error", "type", "a node must be a mapping", path=path, where=f"node #{i + 1}",
                  expected="a mapping with `id` and `stage`", found=_type_name(item),
                  fix="write the node as `- {id: ..., stage: ...}`")
            continue
        nid = item.get("id")
        where = f"node '{nid}'" if isinstance(nid, str) else f"node #{i + 1}"
        _unknown_keys(c, item, node_keys, where, path)
        row: dict[str, Any] = {k: _text(c, item, k, path, where) if k != "id" else None
                               for k in NODE_TEXT}
        if nid is None or isinstance(nid, str):
            row["id"] = _text(c, item, "id", path, where)
        else:
            c.add("error", "type", "node id must be text", path=(*path, "id"), where=where,
                  field="id", expected="a slug like `reduction_gears`", found=_type_name(nid),
                  fix="write the id as lowercase letters, digits and underscores")
            row["_bad_id"] = True
        for f in NODE_NUMBERS:
            if f in item:
                v, prov = _number(c, item[f], (*path, f), where, f, sources)
                row[f] = v
                row.update({f"{f}.{k}": x for k, x in prov.items()})
        c.rows["nodes"].append(path)
        node_rows.append(row)
        sup = item.get("suppliers")
        if sup is None:
            continue
        if not isinstance(sup, dict):
            c.add("error", "type", "`suppliers` must be a mapping of country to share",
                  path=(*path, "suppliers"), where=where, field="suppliers",
                  expected="{JP: 0.6, CN: 0.3}", found=_type_name(sup),
                  fix="write suppliers as `{CC: share, ...}`")
            continue
        for country, cell in sup.items():
            spath = (*path, "suppliers", country)
            v, prov = _number(c, cell, spath, f"{where}, supplier '{country}'", "share",
                              sources)
            sup_rows.append({"node": row["id"], "country": str(country), "share": v,
                             **{f"share.{k}": x for k, x in prov.items()}})
            c.rows["suppliers"].append(spath)
    raw_edges = header.get("edges")
    if raw_edges is not None and not isinstance(raw_edges, list):
        c.add("error", "type", "`edges` must be a list", path=("edges",), field="edges",
              expected="a list of `{from: ..., to: ...}`", found=_type_name(raw_edges),
              fix="write each edge as a list item `- {from: a, to: b}`")
        raw_edges = []
    edge_keys = schema.names("edge")
    for i, item in enumerate(raw_edges or []):
        path = ("edges", i)
        if not isinstance(item, dict):
            c.add("error", "type", "an edge must be a mapping", path=path, where=f"edge #{i + 1}",
                  expected="{from: a, to: b}", found=_type_name(item),
                  fix="write the edge as `- {from: a, to: b}`")
            continue
        where = _edge_where(item.get("from"), item.get("to"))
        _unknown_keys(c, item, edge_keys, where, path)
        row = {k: _text(c, item, k, path, where) for k in ("from", "to", "group", "note")}
        ess = item.get("essential", True)
        if not isinstance(ess, bool):
            c.add("error", "type", "`essential` must be true or false",
                  path=(*path, "essential"), where=where, field="essential",
                  expected="true or false", found=_type_name(ess), fix="write true or false")
            ess = True
        row["essential"] = ess
        for f in EDGE_NUMBERS:
            if f in item:
                v, prov = _number(c, item[f], (*path, f), where, f, sources)
                row[f] = v
                row.update({f"{f}.{k}": x for k, x in prov.items()})
        c.rows["edges"].append(path)
        edge_rows.append(row)
    nodes = complete(pd.DataFrame(node_rows), empty_nodes()) if node_rows else empty_nodes()
    suppliers = complete(pd.DataFrame(sup_rows), empty_suppliers()) if sup_rows \
        else empty_suppliers()
    edges = complete(pd.DataFrame(edge_rows), empty_edges()) if edge_rows else empty_edges()
    return nodes, suppliers, edges


def _row_where(table: str, df: pd.DataFrame) -> Callable[[int], str | None]:
    """Names the node, supplier or edge of a bundle row, for problems in its cells."""
    def cell(col: str, r: int) -> str | None:
        return (str(df[col].iloc[r]).strip() or None) if col in df.columns else None

    def where(r: int) -> str | None:
        if table == "nodes":
            nid = cell("id", r)
            return f"node '{nid}'" if nid else None
        if table == "suppliers":
            return f"node '{cell('node', r) or '?'}', supplier '{cell('country', r) or '?'}'"
        return _edge_where(cell("from", r), cell("to", r))
    return where


def _csv_bool(c: _Collector, s: pd.Series, table: str, col: str, default: bool,
              where: Callable[[int], str | None] = lambda r: None) -> pd.Series:
    low = s.str.strip().str.lower()
    out = pd.Series(default, index=s.index, dtype=bool)
    out[low.isin(_TRUE)] = True
    out[low.isin(_FALSE)] = False
    bad = ~(low.isin(_TRUE) | low.isin(_FALSE) | (low == ""))
    for r in np.flatnonzero(bad.to_numpy()):
        c.add("error", "type", "not true or false", table=table, row=int(r), field=col,
              where=where(int(r)), expected="true or false", found=_short(s.iloc[r]),
              fix="write true or false")
    return out


def _csv_number(c: _Collector, s: pd.Series, table: str, col: str,
                where: Callable[[int], str | None] = lambda r: None) -> pd.Series:
    stripped = s.str.strip()
    out = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce").astype(float)
    bad = (stripped != "") & ~np.isfinite(out.to_numpy())
    for r in np.flatnonzero(bad.to_numpy()):
        fix = "write a plain number (e.g. 0.28)"
        if str(s.iloc[r]).strip().endswith("%"):
            fix = _percent_fix(str(s.iloc[r]))
        c.add("error", "type", "not a number", table=table, row=int(r), field=col,
              where=where(int(r)), expected="a finite number", found=_short(s.iloc[r]),
              fix=fix)
    out[bad.to_numpy()] = math.nan
    return out


def _from_tables(doc: Document, c: _Collector) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    specs = {
        "nodes": (list(NODE_TEXT), list(NODE_NUMBERS), [], ["id"]),
        "suppliers": (["node", "country"], ["share"], [], ["node", "country", "share"]),
        "edges": (["from", "to", "group", "note"], list(EDGE_NUMBERS), ["essential"],
                  ["from", "to"]),
    }
    out = {}
    for table, (texts, numbers, bools, required) in specs.items():
        df = doc.tables.get(table)
        file = doc.files.get(table, doc.path)
        if df is None:
            out[table] = {"nodes": empty_nodes, "suppliers": empty_suppliers,
                          "edges": empty_edges}[table]()
            continue
        c.csv[table] = (file, list(df.columns))
        valid = [*texts, *numbers, *bools] + [f"{f}.{k}" for f in numbers for k in PROV_KEYS]
        for col in df.columns:
            if col not in valid:
                s = suggest(col, valid)
                c.problems.append(Problem(
                    "error", f"unknown column '{col}'", file=file, line=c.line(table, None),
                    column=list(df.columns).index(col) + 1, code="unknown-key",
                    expected="columns from " + ", ".join(
                        valid[: len(texts) + len(numbers) + len(bools)]) + " and <field>.low …",
                    found=_short(col),
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
                s = df[col] if col in ("label", "description", "note") else df[col].str.strip()
                res[col] = s.where(s.str.strip() != "", None).astype(object)
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
                    s = df[name] if k == "note" else df[name].str.strip()
                    res[name] = s.where(s.str.strip() != "", None).astype(object)
                    if k == "dist":
                        bad = res[name].notna() & ~res[name].isin(["triangular", "uniform"])
                        for r in np.flatnonzero(bad.to_numpy()):
                            c.add("error", "choice", "unknown distribution", table=table,
                                  row=int(r), field=name, where=where(int(r)),
                                  expected="triangular or uniform",
                                  found=_short(df[name].iloc[r]),
                                  fix="use `triangular` or `uniform`")
        for col in bools:
            res[col] = (_csv_bool(c, df[col], table, col, True, where) if col in df.columns
                        else True)
        out[table] = complete(res, {"nodes": empty_nodes, "suppliers": empty_suppliers,
                                    "edges": empty_edges}[table]())
    return out["nodes"], out["suppliers"], out["edges"]


# ---------------------------------------------------------------------------
# header
# ---------------------------------------------------------------------------

def _check_header(c: _Collector, h: dict[str, Any], *, combined: bool = False) -> dict[str, Any]:
    """Check the header; return it normalised (defaults filled)."""
    valid = schema.names("chain")
    _unknown_keys(c, h, valid, "chain header", ())
    out: dict[str, Any] = {}
    sch = h.get("schema")
    if sch is None:
        c.add("warning", "schema", "no `schema` line", path=(), where="chain header",
              field="schema", expected=f"`schema: {schema.SCHEMA_ID}`", found="nothing",
              fix=f"add `schema: {schema.SCHEMA_ID}` at the top")
    elif sch != schema.SCHEMA_ID:
        c.add("error", "schema", "unknown format identifier", path=("schema",),
              where="chain header", field="schema", expected=schema.SCHEMA_ID,
              found=_short(sch), fix=f"write `schema: {schema.SCHEMA_ID}`")
    out["schema"] = schema.SCHEMA_ID
    name = h.get("name")
    if name is None:
        c.add("error", "required", "the chain has no name", path=(), where="chain header",
              field="name", expected="a slug like `industrial_robots`", found="nothing",
              fix="add `name: my_chain`")
    elif not isinstance(name, str) or not _SLUG.match(name):
        c.add("error", "pattern", "the chain name is not a slug", path=("name",),
              where="chain header", field="name", expected="lowercase letters, digits, _",
              found=_short(name), fix=f"write `name: {_slugify(str(name))}`")
    out["name"] = name if isinstance(name, str) else None
    for key in ("title", "description", "currency"):
        v = h.get(key)
        if v is not None and not isinstance(v, str):
            c.add("error", "type", f"`{key}` must be text", path=(key,), where="chain header",
                  field=key, expected="text", found=_type_name(v), fix=f"write `{key}` as text")
            v = None
        out[key] = v or ""
    stages = h.get("stages", list(schema.DEFAULT_STAGES))
    if (not isinstance(stages, list) or not stages
            or not all(isinstance(s, str) and _SLUG.match(s) for s in stages)
            or len(set(stages)) != len(stages)):
        c.add("error", "type", "`stages` must be a list of distinct stage names",
              path=("stages",), where="chain header", field="stages",
              expected="e.g. [upstream, midstream, downstream, end_use]", found=_short(stages),
              fix="list each stage once, in order; the last holds the end uses")
        stages = list(schema.DEFAULT_STAGES)
    out["stages"] = stages
    groups = h.get("groups", {}) or {}
    out["groups"] = {}
    if not isinstance(groups, dict):
        c.add("error", "type", "`groups` must be a mapping", path=("groups",),
              where="chain header", field="groups", expected="{EU: {label: European Union}}",
              found=_type_name(groups), fix="write groups as `NAME: {label: ..., members: [...]}`")
        groups = {}
    iso = schema.countries()
    for g, spec in groups.items():
        if not isinstance(g, str) or not _COUNTRY.match(g):
            c.add("error", "pattern", "a group name must be upper case", path=("groups", g),
                  where=f"group '{g}'", expected="upper-case letters, e.g. EU, ROW",
                  found=_short(g), fix=f"rename it `{str(g).upper()}`")
            continue
        spec = spec if spec is not None else {}
        if not isinstance(spec, dict):
            c.add("error", "type", "a group must be a mapping", path=("groups", g),
                  where=f"group '{g}'", expected="{label: ..., members: [...]}",
                  found=_type_name(spec), fix="write `{label: ..., members: [...]}`")
            continue
        _unknown_keys(c, spec, schema.names("group"), f"group '{g}'", ("groups", g))
        members = spec.get("members", []) or []
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            c.add("error", "type", "`members` must be a list of country codes",
                  path=("groups", g, "members"), where=f"group '{g}'", field="members",
                  expected="[DE, FR, NL]", found=_short(members), fix="list ISO codes")
            members = []
        for m in members:
            if m not in iso:
                c.add("error", "country", f"unknown country code '{m}' in group",
                      path=("groups", g, "members"), where=f"group '{g}'", field="members",
                      expected="ISO 3166-1 alpha-2 codes", found=_short(m),
                      fix=_did_you_mean(m.upper(), iso, "use an ISO 3166-1 alpha-2 code"))
        label = spec.get("label")
        out["groups"][g] = {"label": label if isinstance(label, str) else g,
                            "members": list(members)}
    sources = h.get("sources", {}) or {}
    out["sources"] = {}
    if not isinstance(sources, dict):
        c.add("error", "type", "`sources` must be a mapping", path=("sources",),
              where="chain header", field="sources", expected="{id: {title: ..., year: ...}}",
              found=_type_name(sources), fix="declare each source as `id: {title: ...}`")
        sources = {}
    for sid, spec in sources.items():
        where = f"source '{sid}'"
        if not isinstance(spec, dict):
            c.add("error", "type", "a source must be a mapping", path=("sources", sid),
                  where=where, expected="{title: ..., year: ...}", found=_type_name(spec),
                  fix="write `{title: ..., year: ...}`")
            continue
        _unknown_keys(c, spec, schema.names("source"), where, ("sources", sid))
        if not isinstance(spec.get("title"), str):
            c.add("error", "required", "a source needs a title", path=("sources", sid),
                  where=where, field="title", expected="text", found=_short(spec.get("title")),
                  fix="add `title: ...`")
        year = spec.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not 1900 <= year <= 2100):
            c.add("error", "range", "a source year must be a year", path=("sources", sid, "year"),
                  where=where, field="year", expected="a whole number in [1900, 2100]",
                  found=_short(year), fix="write the publication year, e.g. 2025")
        out["sources"][str(sid)] = {k: v for k, v in spec.items()
                                    if k in schema.names("source")}
    persp = h.get("perspective", "global")
    out["perspective"] = "global"
    if persp == "global":
        pass
    elif isinstance(persp, dict) and set(persp) == {"home"} and isinstance(persp["home"], str):
        home = persp["home"]
        if home not in iso and home not in out["groups"]:
            c.add("error", "country", "unknown home country", path=("perspective", "home"),
                  where="chain header", field="perspective",
                  expected="an ISO 3166-1 alpha-2 code", found=_short(home),
                  fix=_did_you_mean(home.upper(), iso, "use e.g. `{home: CN}`"))
        else:
            out["perspective"] = {"home": home}
    else:
        c.add("error", "type", "unknown perspective", path=("perspective",), where="chain header",
              field="perspective", expected="`global` or `{home: CC}`", found=_short(persp),
              fix="write `perspective: global` or `perspective: {home: CN}`")
    prov = h.get("provenance")
    if prov is not None:
        if not isinstance(prov, dict):
            c.add("error", "type", "`provenance` must be a mapping", path=("provenance",),
                  where="chain header", field="provenance", expected="{sourced: 0.8, ...}",
                  found=_type_name(prov), fix="write it as a mapping or remove it")
        else:
            out["provenance"] = prov
    out["scenarios"] = h.get("scenarios", []) or []
    return out


def _slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", s.strip().lower()).strip("_") or "x"


# ---------------------------------------------------------------------------
# semantic checks on the tables
# ---------------------------------------------------------------------------

def _check_numbers(c: _Collector, df: pd.DataFrame, table: str, part: str,
                   fields: Iterable[str], where: Callable[[int], str], sources: dict) -> None:
    for f in fields:
        if f not in df.columns:
            continue
        spec = schema.attribute(part, f)
        v = df[f].to_numpy(dtype=float)
        bad = np.zeros(len(v), dtype=bool)
        if spec.min is not None:
            bad |= v < spec.min
        if spec.max is not None:
            bad |= v > spec.max
        for r in np.flatnonzero(bad):
            fix = "give a value in range"
            if spec.max == 1 and 2 <= v[r] <= 100:
                fix = (f"if it is a percentage, write it as a fraction "
                       f"({_short(float(v[r]))} → {float(v[r]) / 100:g})")
            c.add("error", "range", "value out of range", table=table, row=int(r), field=f,
                  where=where(int(r)), expected=spec.range_text(), found=_short(float(v[r])),
                  fix=fix)
        lo = df[f"{f}.low"].to_numpy(dtype=float) if f"{f}.low" in df.columns else None
        hi = df[f"{f}.high"].to_numpy(dtype=float) if f"{f}.high" in df.columns else None
        for key, arr in (("low", lo), ("high", hi)):
            if arr is None:
                continue
            bad = np.zeros(len(arr), dtype=bool)
            if spec.min is not None:
                bad |= arr < spec.min
            if spec.max is not None:
                bad |= arr > spec.max
            for r in np.flatnonzero(bad):
                c.add("error", "range", f"`{key}` out of range", table=table, row=int(r),
                      field=f"{f}.{key}", where=where(int(r)), expected=spec.range_text(),
                      found=_short(float(arr[r])), fix=f"give a `{key}` in range")
        with np.errstate(invalid="ignore"):
            order_bad = np.zeros(len(v), dtype=bool)
            if lo is not None:
                order_bad |= lo > v
            if hi is not None:
                order_bad |= v > hi
            if lo is not None and hi is not None:
                order_bad |= lo > hi
        for r in np.flatnonzero(order_bad):
            lo_t = _short(float(lo[r])) if lo is not None else "-"
            hi_t = _short(float(hi[r])) if hi is not None else "-"
            c.add("error", "range-order", "the range does not hold the value", table=table,
                  row=int(r), field=f, where=where(int(r)), expected="low ≤ value ≤ high",
                  found=f"low {lo_t}, value {_short(float(v[r]))}, high {hi_t}",
                  fix="correct low, value or high")
        if f"{f}.source" in df.columns:
            src = df[f"{f}.source"]
            bad = src.notna() & ~src.isin(list(sources))
            for r in np.flatnonzero(bad.to_numpy()):
                sid = src.iloc[r]
                c.add("error", "source", f"source '{sid}' is not declared", table=table,
                      row=int(r), field=f"{f}.source", where=where(int(r)),
                      expected="an id declared under `sources:`" + (
                          f" ({', '.join(sorted(sources))})" if sources else ""),
                      found=_short(sid),
                      fix=_did_you_mean(sid, list(sources),
                                        f"declare it: `sources: {{{sid}: {{title: ...}}}}`"))


def _provenance(c: _Collector, df: pd.DataFrame, table: str, fields: Iterable[str],
                where: Callable[[int], str]) -> None:
    """Every value must be sourced (source + ref) or a marked estimate with a range."""
    for f in fields:
        if f not in df.columns:
            continue
        present = df[f].notna().to_numpy()

        def col(k: str, frame: pd.DataFrame = df, name: str = f) -> pd.Series:
            return frame[f"{name}.{k}"] if f"{name}.{k}" in frame.columns else pd.Series(
                None, index=frame.index, dtype=object)
        sourced = (col("source").notna() & col("ref").notna()).to_numpy()
        est = col("estimate").fillna(False).astype(bool).to_numpy()
        has_note = col("note").notna().to_numpy()
        has_range = (col("low").notna() & col("high").notna()).to_numpy()
        for r in np.flatnonzero(present & ~sourced & ~est):
            c.add("error", "provenance", "value has no source and is not marked as an estimate",
                  table=table, row=int(r), field=f, where=where(int(r)),
                  expected="{value, source, ref, note} or {value, estimate: true, low, high, note}",
                  found="a bare value" if not col("source").notna().iloc[r] else "no `ref`",
                  fix="cite the source line, or mark it `estimate: true` with a rationale")
        for r in np.flatnonzero(present & ~sourced & est & ~(has_note & has_range)):
            c.add("error", "provenance", "an estimate needs a rationale and a range",
                  table=table, row=int(r), field=f, where=where(int(r)),
                  expected="`note`, `low` and `high`", found="some missing",
                  fix="add a one-line rationale in `note` and a `low`/`high` range")


def _reach_to(end_mask: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Which nodes have a path to a node in ``end_mask`` (edges src → dst)."""
    n = len(end_mask)
    reach = end_mask.copy()
    if len(src) == 0:
        return reach
    order = np.argsort(dst, kind="stable")
    s_sorted, d_sorted = src[order], dst[order]
    indptr = np.searchsorted(d_sorted, np.arange(n + 1))
    frontier = np.flatnonzero(reach)
    while len(frontier):
        starts, ends = indptr[frontier], indptr[frontier + 1]
        counts = ends - starts
        if counts.sum() == 0:
            break
        idx = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        preds = np.unique(s_sorted[idx])
        frontier = preds[~reach[preds]]
        reach[frontier] = True
    return reach


def _check_tables(c: _Collector, data: ChainData) -> None:
    h, nodes, sups, edges = data.header, data.nodes, data.suppliers, data.edges
    sources = h.get("sources", {})
    stages = h.get("stages", list(schema.DEFAULT_STAGES))
    n = len(nodes)
    if n == 0:
        c.add("error", "empty", "the chain has no nodes", table="nodes",
              path=("nodes",) if c.doc else None,
              field="nodes", expected="at least one node", found="none",
              fix="add nodes: `nodes: [{id: ..., stage: ...}]`")
        return
    ids = nodes["id"]
    id_list = [str(x) for x in ids if isinstance(x, str)]

    def nwhere(r: int) -> str:
        v = ids.iloc[r]
        return f"node '{v}'" if isinstance(v, str) else f"node #{r + 1}"
    bad_id = nodes["_bad_id"].fillna(False).astype(bool).to_numpy() if "_bad_id" in nodes \
        else np.zeros(n, dtype=bool)
    missing = ids.isna().to_numpy() & ~bad_id
    for r in np.flatnonzero(missing):
        c.add("error", "required", "node has no id", table="nodes", row=int(r), field="id",
              where=nwhere(int(r)), expected="a slug like `reduction_gears`", found="nothing",
              fix="add `id:`")
    pat = ids.fillna("").astype(str).str.fullmatch(schema.NODE_ID_PATTERN).to_numpy()
    for r in np.flatnonzero(~pat & ~missing & ~bad_id):
        c.add("error", "pattern", "node id is not a slug", table="nodes", row=int(r), field="id",
              where=nwhere(int(r)), expected="lowercase letters, digits and _",
              found=_short(ids.iloc[r]), fix=f"write `{_slugify(str(ids.iloc[r]))}`")
    dup = ids.duplicated(keep="first").to_numpy() & ~missing & ~bad_id
    if dup.any():
        first = {}
        for r, v in enumerate(ids):
            first.setdefault(v, r)
        for r in np.flatnonzero(dup):
            f0 = first[ids.iloc[r]]
            _, line0, _ = c.at("nodes", f0, "id", None)
            c.add("error", "duplicate", f"node id '{ids.iloc[r]}' is used twice", table="nodes",
                  row=int(r), field="id", where=nwhere(int(r)), expected="unique ids",
                  found=f"also at node #{f0 + 1}" + (f" (line {line0})" if line0 else ""),
                  fix="rename one of them or merge the two nodes")
    st = nodes["stage"]
    for r in np.flatnonzero(st.isna().to_numpy()):
        c.add("error", "required", "node has no stage", table="nodes", row=int(r), field="stage",
              where=nwhere(int(r)), expected="one of " + ", ".join(stages), found="nothing",
              fix=f"add `stage: {stages[0]}` (or another stage)")
    bad = (st.notna() & ~st.isin(stages)).to_numpy()
    for r in np.flatnonzero(bad):
        c.add("error", "stage", "unknown stage", table="nodes", row=int(r), field="stage",
              where=nwhere(int(r)), expected="one of " + ", ".join(stages),
              found=_short(st.iloc[r]),
              fix=_did_you_mean(st.iloc[r], stages, "use a declared stage, or declare it "
                                                    "under `stages:`"))
    _check_numbers(c, nodes, "nodes", "node", NODE_NUMBERS, nwhere, sources)
    id_set = set(id_list)

    # suppliers
    iso = schema.countries()
    known = set(iso) | set(h.get("groups", {})) | {OTHER}
    if len(sups):
        def swhere(r: int) -> str:
            node, country = sups["node"].iloc[r], sups["country"].iloc[r]
            return f"node '{node if isinstance(node, str) else '?'}'" + (
                f", supplier '{country}'" if isinstance(country, str) else "")
        raw = c.doc.tables.get("suppliers") if c.doc is not None and c.csv.get(
            "suppliers") else None

        def blank(col: str, fallback: np.ndarray) -> np.ndarray:
            """Rows whose cell is empty (a missing column is reported once, above)."""
            if raw is None:
                return fallback
            if col not in raw.columns:
                return np.zeros(len(sups), dtype=bool)
            return (raw[col].str.strip() == "").to_numpy()

        no_ctry = sups["country"].isna().to_numpy()
        ctry = pd.Series(["" if m else str(x) for x, m in zip(sups["country"], no_ctry,
                                                              strict=True)],
                         index=sups.index, dtype=object)
        for r in np.flatnonzero(blank("country", no_ctry)):
            c.add("error", "required", "supplier row has no country", table="suppliers",
                  row=int(r), field="country", where=swhere(int(r)),
                  expected="an ISO 3166-1 alpha-2 code, a declared group, or `other`",
                  found="nothing", fix="fill in the country")
        bad = ~ctry.isin(known).to_numpy() & ~no_ctry
        for r in np.flatnonzero(bad):
            code = ctry.iloc[r]
            fix = (f"write `{code.upper()}` (country codes are upper case)"
                   if code.upper() in known else _did_you_mean(
                       code, sorted(known), "use an ISO 3166-1 alpha-2 code or declare a group "
                                            "under `groups:`"))
            c.add("error", "country", f"unknown country code '{code}'", table="suppliers",
                  row=int(r), field="country", where=swhere(int(r)),
                  expected="an ISO 3166-1 alpha-2 code, a declared group, or `other`",
                  found=_short(code), fix=fix)
        if c.csv.get("suppliers"):
            bad_node = (~sups["node"].isin(id_set) & sups["node"].notna()).to_numpy()
            for r in np.flatnonzero(bad_node):
                v = sups["node"].iloc[r]
                c.add("error", "unknown-node", f"supplier row names unknown node '{v}'",
                      table="suppliers", row=int(r), field="node", where=swhere(int(r)),
                      expected="a node id from nodes.csv", found=_short(v),
                      fix=_did_you_mean(v, id_list, "add the node to nodes.csv"))
            for r in np.flatnonzero(blank("node", sups["node"].isna().to_numpy())):
                c.add("error", "required", "supplier row has no node", table="suppliers",
                      row=int(r), field="node", where=swhere(int(r)),
                      expected="a node id", found="nothing", fix="fill in the node")
        # a duplicated node id is reported once, above; in a YAML/JSON file its
        # suppliers are not a second problem
        own = (sups["node"].isin(set(ids[dup])).to_numpy() if dup.any()
               and not c.csv.get("suppliers") else np.zeros(len(sups), dtype=bool))
        dupe = sups.duplicated(["node", "country"], keep="first").to_numpy() & ~own
        for r in np.flatnonzero(dupe):
            c.add("error", "duplicate", f"country '{ctry.iloc[r]}' is listed twice",
                  table="suppliers", row=int(r), field="country",
                  where=swhere(int(r)), expected="each country once per node",
                  found="a second entry", fix="merge the two entries")
        spec = schema.attribute("supplier", "share")
        v = sups["share"].to_numpy(dtype=float)
        if c.csv.get("suppliers"):
            for r in np.flatnonzero(blank("share", sups["share"].isna().to_numpy())):
                c.add("error", "required", "supplier row has no share", table="suppliers",
                      row=int(r), field="share", where=swhere(int(r)),
                      expected=spec.range_text(), found="nothing", fix="fill in the share")
        _check_numbers(c, sups, "suppliers", "supplier", ("share",), swhere, sources)
        sums = sups[~own].groupby("node", sort=False)["share"].sum()
        has_other = set(sups.loc[ctry == OTHER, "node"])
        first_row = {k: i for i, k in reversed(list(enumerate(sups["node"])))}
        for node, total in sums.items():
            r = first_row[node]
            if total > 1 + SHARE_TOLERANCE:
                c.add("error", "share-sum", "supplier shares sum to more than 1",
                      table="nodes" if not c.csv.get("suppliers") else "suppliers",
                      row=(int(np.flatnonzero((ids == node).to_numpy())[0])
                           if not c.csv.get("suppliers") else r),
                      field="suppliers" if not c.csv.get("suppliers") else "share",
                      where=f"node '{node}'", expected=f"a total ≤ 1 (± {SHARE_TOLERANCE})",
                      found=f"{total:.3g}", fix="correct the shares; the rest is 'other'")
            elif total < 1 - SHARE_TOLERANCE and node not in has_other:
                c.add("warning", "share-rest", f"supplier shares sum to {total:.3g} with no "
                      f"`other` declared; the remaining {1 - total:.3g} is treated as other "
                      "producers", table="nodes" if not c.csv.get("suppliers") else "suppliers",
                      row=(int(np.flatnonzero((ids == node).to_numpy())[0])
                           if not c.csv.get("suppliers") else r),
                      field="suppliers" if not c.csv.get("suppliers") else "share",
                      where=f"node '{node}'", fix="declare the rest as `other: "
                      f"{1 - total:.3g}` or complete the shares")

    # edges
    m = len(edges)
    if m:
        def ewhere(r: int) -> str:
            return _edge_where(edges["from"].iloc[r], edges["to"].iloc[r])
        for end in ("from", "to"):
            col = edges[end]
            for r in np.flatnonzero(col.isna().to_numpy()):
                c.add("error", "required", f"edge has no `{end}`", table="edges", row=int(r),
                      field=end, where=ewhere(int(r)), expected="a node id", found="nothing",
                      fix=f"add `{end}:`")
            bad = (col.notna() & ~col.isin(id_set)).to_numpy()
            for r in np.flatnonzero(bad):
                v = col.iloc[r]
                c.add("error", "unknown-node", f"edge refers to unknown node '{v}'",
                      table="edges", row=int(r), field=end, where=ewhere(int(r)),
                      expected="the id of a node in this chain", found=_short(v),
                      fix=_did_you_mean(v, id_list, "add the node or correct the id"))
        loops = (edges["from"] == edges["to"]).to_numpy() & edges["from"].notna().to_numpy()
        for r in np.flatnonzero(loops):
            c.add("error", "self-loop", "edge goes from a node to itself", table="edges",
                  row=int(r), field="to", where=ewhere(int(r)),
                  expected="two different nodes", found=_short(edges["to"].iloc[r]),
                  fix="remove the edge")
        dupe = edges.duplicated(["from", "to"], keep="first").to_numpy()
        for r in np.flatnonzero(dupe):
            c.add("error", "duplicate", "the same edge is given twice", table="edges",
                  row=int(r), field="to", where=ewhere(int(r)), expected="each edge once",
                  found="a second copy", fix="remove one copy")
        _check_numbers(c, edges, "edges", "edge", EDGE_NUMBERS, ewhere, sources)
        grp = edges["group"]
        gpat = grp.notna() & ~grp.fillna("").astype(str).str.fullmatch(schema.SLUG_PATTERN)
        for r in np.flatnonzero(gpat.to_numpy()):
            c.add("error", "pattern", "group name is not a slug", table="edges", row=int(r),
                  field="group", where=ewhere(int(r)), expected="lowercase letters, digits, _",
                  found=_short(grp.iloc[r]), fix=f"write `{_slugify(str(grp.iloc[r]))}`")
        given = edges["covers"].notna().to_numpy()
        for r in np.flatnonzero(given & grp.isna().to_numpy()):
            c.add("warning", "covers-alone", "`covers` has no effect without a `group`",
                  table="edges", row=int(r), field="covers", where=ewhere(int(r)),
                  fix="put the alternatives in one `group`, or remove `covers`")
        ingroup = edges[grp.notna()]
        if len(ingroup):
            sizes = ingroup.groupby(["to", "group"], sort=False)["from"].transform("size")
            for r in ingroup.index[(sizes == 1).to_numpy()]:
                c.add("error", "group-single", f"alternatives group '{grp.loc[r]}' has one "
                      "member", table="edges", row=int(r), field="group", where=ewhere(int(r)),
                      expected="two or more alternatives in a group", found="one",
                      fix="add the other alternatives to the group, or remove `group`")
            cov = ingroup["covers"].fillna(1.0).groupby(
                [ingroup["to"], ingroup["group"]], sort=False).transform("sum")
            short = (cov < 1 - 1e-9) & (sizes > 1)
            for r in ingroup.index[short.to_numpy()]:
                c.add("error", "group-covers", f"the alternatives of group '{grp.loc[r]}' "
                      "together cover less than the whole need", table="edges", row=int(r),
                      field="covers", where=ewhere(int(r)),
                      expected="covers summing to at least 1 over the group",
                      found=f"{cov.loc[r]:.3g}",
                      fix="raise `covers` of the alternative that can serve the whole need "
                          "(default 1), or add the missing alternative")
            mixed = ingroup.groupby(["to", "group"], sort=False)["essential"].transform("nunique")
            for r in ingroup.index[(mixed > 1).to_numpy()]:
                c.add("error", "group-mixed", "alternatives in one group mix essential and "
                      "non-essential inputs", table="edges", row=int(r), field="essential",
                      where=ewhere(int(r)), expected="the same `essential` for the group",
                      found=str(edges["essential"].loc[r]).lower(),
                      fix="make every member of the group essential, or none")
        sums = edges.groupby("to", sort=False)["share"].sum(min_count=1)
        for node, total in sums.items():
            if pd.notna(total) and total > 1 + SHARE_TOLERANCE:
                r = int(np.flatnonzero((edges["to"] == node).to_numpy())[0])
                c.add("error", "input-share-sum", f"input shares of '{node}' sum to more than 1",
                      table="edges", row=r, field="share", where=f"node '{node}'",
                      expected=f"a total ≤ 1 (± {SHARE_TOLERANCE})", found=f"{total:.3g}",
                      fix="correct the input cost shares")

    # graph-level
    end = stages[-1]
    end_mask = (st == end).to_numpy()
    if not end_mask.any():
        c.add("error", "no-end-use", f"no node is at the end-use stage '{end}'",
              table="nodes", path=("nodes",) if c.doc else None, where="chain",
              expected=f"at least one node with `stage: {end}`", found="none",
              fix=f"add the products the chain serves with `stage: {end}`")
        return
    ok_edges = edges[edges["from"].isin(id_set) & edges["to"].isin(id_set)] if m else edges
    index = pd.Index(ids)
    if index.has_duplicates or index.hasnans:
        return
    src = index.get_indexer(ok_edges["from"]) if m else np.zeros(0, dtype=np.int64)
    dst = index.get_indexer(ok_edges["to"]) if m else np.zeros(0, dtype=np.int64)
    reach = _reach_to(end_mask, np.asarray(src), np.asarray(dst))
    for r in np.flatnonzero(~reach):
        c.add("warning", "unreachable", "node reaches no end use", table="nodes", row=int(r),
              where=nwhere(int(r)), fix=f"add an edge from it towards a `{end}` node, or "
                                        "remove it")
    if "value" in nodes:
        vals = nodes["value"].to_numpy(dtype=float)
        valued = end_mask & ~np.isnan(vals)
        if valued.any():
            for r in np.flatnonzero(end_mask & np.isnan(vals)):
                c.add("warning", "end-use-value", "end-use node has no `value`; it gets no "
                      "weight in end-use loss", table="nodes", row=int(r), field="value",
                      where=nwhere(int(r)), fix="give its annual market value")
    if m and len(src):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        adj = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)).tocsr()
        k, labels = connected_components(adj, directed=True, connection="strong")
        if k < n:
            sizes = np.bincount(labels)
            for comp in np.flatnonzero(sizes > 1)[:20]:
                members = [id_list[i] for i in np.flatnonzero(labels == comp)[:6]]
                more = "" if sizes[comp] <= 6 else f" and {sizes[comp] - 6} more"
                c.add("info", "cycle", f"cycle through {', '.join(members)}{more}; "
                      "availability is the greatest fixed point (allowed)", where="chain")


def check_scenarios(c: _Collector | None, scenarios: Any, node_ids: Iterable[str] | None,
                    countries: Iterable[str] | None, *,
                    base_path: tuple[Any, ...] = ("scenarios",),
                    path: str | None = None) -> list[dict[str, Any]]:
    """Check scenario mappings; return them normalised. Problems go to ``c``.

    ``node_ids`` or ``countries`` of ``None`` leave those names unchecked (a scenario
    file read before the chain it applies to is known)."""
    own = c is None
    if c is None:
        c = _Collector(None, path)
    out: list[dict[str, Any]] = []
    ids = list(node_ids) if node_ids is not None else None
    id_set = set(ids) if ids is not None else None
    known = list(countries) if countries is not None else None
    known_set = set(known) if known is not None else None
    if not isinstance(scenarios, list):
        c.add("error", "type", "`scenarios` must be a list", path=base_path, field="scenarios",
              expected="a list of `{id, cuts: [...]}`", found=_type_name(scenarios),
              fix="write each scenario as a list item")
        scenarios = []
    seen: set[str] = set()
    for i, sc in enumerate(scenarios):
        p = (*base_path, i)
        if not isinstance(sc, dict):
            c.add("error", "type", "a scenario must be a mapping", path=p,
                  where=f"scenario #{i + 1}", expected="{id: ..., cuts: [...]}",
                  found=_type_name(sc), fix="write `- {id: ..., cuts: [...]}`")
            continue
        sid = sc.get("id")
        where = f"scenario '{sid}'" if isinstance(sid, str) else f"scenario #{i + 1}"
        _unknown_keys(c, sc, schema.names("scenario"), where, p)
        if not isinstance(sid, str) or not _SLUG.match(sid):
            c.add("error", "pattern", "scenario id is missing or not a slug", path=(*p, "id"),
                  where=where, field="id", expected="a slug like `japan_cut`",
                  found=_short(sid), fix="add `id:` with lowercase letters, digits and _")
        elif sid in seen:
            c.add("error", "duplicate", f"scenario id '{sid}' is used twice", path=(*p, "id"),
                  where=where, field="id", fix="rename one of them")
        seen.add(str(sid))
        months = sc.get("months", 24)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 600:
            c.add("error", "range", "`months` must be a whole number of months",
                  path=(*p, "months"), where=where, field="months",
                  expected="a whole number in [1, 600]", found=_short(months),
                  fix="write e.g. `months: 24`")
            months = 24
        cuts_out = []
        cuts = sc.get("cuts")
        if not isinstance(cuts, list) or not cuts:
            c.add("error", "required", "a scenario needs a non-empty list of cuts",
                  path=(*p, "cuts"), where=where, field="cuts",
                  expected="[{country: JP, nodes: [...]}]", found=_short(cuts),
                  fix="add `cuts: [{country: XX}]`")
            cuts = []
        for j, cut in enumerate(cuts):
            cp = (*p, "cuts", j)
            cw = f"{where}, cut #{j + 1}"
            if not isinstance(cut, dict):
                c.add("error", "type", "a cut must be a mapping", path=cp, where=cw,
                      expected="{country: JP}", found=_type_name(cut),
                      fix="write `{country: XX, nodes: [...]}`")
                continue
            _unknown_keys(c, cut, schema.names("cut"), cw, cp)
            country = cut.get("country")
            if not isinstance(country, str) or (known_set is not None
                                                and country not in known_set):
                c.add("error", "country", "unknown country in cut", path=(*cp, "country"),
                      where=cw, field="country",
                      expected="a country that supplies this chain (" + ", ".join(
                          sorted(known or [])[:30]) + ("…" if len(known or []) > 30 else "")
                      + ")" if known is not None else "a country code",
                      found=_short(country),
                      fix=_did_you_mean(str(country).upper(), known or [],
                                        "use a country that appears in the suppliers"))
            nodes = cut.get("nodes")
            if nodes is not None:
                if not isinstance(nodes, list) or not all(isinstance(x, str) for x in nodes):
                    c.add("error", "type", "`nodes` must be a list of node ids",
                          path=(*cp, "nodes"), where=cw, field="nodes",
                          expected="[node_a, node_b]", found=_short(nodes),
                          fix="list node ids")
                    nodes = None
                else:
                    for x in nodes:
                        if id_set is not None and x not in id_set:
                            c.add("error", "unknown-node", f"cut names unknown node '{x}'",
                                  path=(*cp, "nodes"), where=cw, field="nodes",
                                  expected="a node id of the chain", found=_short(x),
                                  fix=_did_you_mean(x, ids or [],
                                                    "use a node id of the chain"))
            frac = cut.get("fraction", 1.0)
            if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not (
                    0 <= frac <= 1):
                c.add("error", "range", "cut fraction out of range", path=(*cp, "fraction"),
                      where=cw, field="fraction", expected="a number in [0, 1]",
                      found=_short(frac), fix="write the share withheld, e.g. 0.9")
                frac = 1.0
            start = cut.get("start", 0)
            if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= 600:
                c.add("error", "range", "cut start must be a month", path=(*cp, "start"),
                      where=cw, field="start", expected="a whole number in [0, 600]",
                      found=_short(start), fix="write the starting month, e.g. 0")
                start = 0
            dur = cut.get("duration")
            if dur is not None and (isinstance(dur, bool) or not isinstance(dur, int)
                                    or not 0 <= dur <= 600):
                c.add("error", "range", "cut duration must be whole months",
                      path=(*cp, "duration"), where=cw, field="duration",
                      expected="a whole number in [0, 600], or omitted for permanent",
                      found=_short(dur), fix="write e.g. `duration: 12`")
                dur = None
            cuts_out.append({"country": country, "nodes": nodes, "fraction": float(frac),
                             "start": start, "duration": dur})
        entry = {k: sc.get(k) for k in ("id", "title", "description", "source", "ref")
                 if sc.get(k) is not None}
        entry.update(months=months, cuts=cuts_out)
        out.append(entry)
    if own and any(p.severity == "error" for p in c.problems):
        from ._errors import ScenarioError

        raise ScenarioError([p for p in c.finish() if p.severity == "error"])
    return out


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------

def build(doc: Document, *, require_sources: bool = False) -> tuple[ChainData, list[Problem]]:
    """Turn a read document into tables and every problem found in it.

    ``require_sources`` also checks that every number is sourced or a marked estimate
    (here, where each value's place in the file is still known).
    """
    c = _Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    raw = doc.data
    if not isinstance(raw, dict):
        c.add("error", "type", "the file must hold a mapping (a chain header)", path=(),
              expected="`name:`, `nodes:`, `edges:` ...", found=_type_name(raw),
              fix="start the file with `schema: riskmodel/chain@1` and `name: ...`")
        raw = {}
    header = _check_header(c, raw)
    if doc.format == "bundle":
        for k in ("nodes", "edges"):
            if k in raw:
                c.add("error", "bundle", f"a bundle header must not hold `{k}`", path=(k,),
                      where="chain.yaml", field=k, fix=f"move them to {k}.csv")
        nodes, sups, edges = _from_tables(doc, c)
    else:
        if "nodes" not in raw and isinstance(doc.data, dict):
            c.add("error", "required", "the chain has no `nodes`", path=(), field="nodes",
                  where="chain header", expected="a list of nodes", found="nothing",
                  fix="add `nodes:` with at least one node")
        nodes, sups, edges = _from_mapping(doc, c, raw)
    data = ChainData(header, nodes, sups, edges, path=doc.path)
    _check_tables(c, data)
    countries = sorted({x for x in data.suppliers["country"] if isinstance(x, str)}
                       | set(header["groups"]))
    if data.header.get("perspective") != "global":
        countries = sorted(set(countries) | {header["perspective"]["home"]})
    ids = [x for x in data.nodes["id"] if isinstance(x, str)]
    header["scenarios"] = check_scenarios(c, header.get("scenarios", []), ids,
                                          [x for x in countries if x != OTHER])
    if "_bad_id" in data.nodes:
        data.nodes = data.nodes.drop(columns="_bad_id")
    if require_sources:
        _require_sources(c, data)
    return data, c.finish()


def check_data(data: ChainData, *, require_sources: bool = False) -> list[Problem]:
    """Problems in an in-memory chain (no file positions)."""
    c = _Collector(None, data.path)
    header = _check_header(c, data.header)
    data = ChainData(header, data.nodes, data.suppliers, data.edges, data.path)
    _check_tables(c, data)
    if require_sources:
        _require_sources(c, data)
    return c.finish()


def _require_sources(c: _Collector, data: ChainData) -> None:
    ids = data.nodes["id"]
    _provenance(c, data.nodes, "nodes", NODE_NUMBERS, lambda r: f"node '{ids.iloc[r]}'")
    _provenance(c, data.suppliers, "suppliers", ("share",),
                lambda r: f"node '{data.suppliers['node'].iloc[r]}', supplier "
                          f"'{data.suppliers['country'].iloc[r]}'")
    _provenance(c, data.edges, "edges", EDGE_NUMBERS,
                lambda r: f"edge '{data.edges['from'].iloc[r]}' -> '{data.edges['to'].iloc[r]}'")


def load_data(path: str | Path, *, require_sources: bool = False) -> tuple[ChainData,
                                                                           list[Problem]]:
    """Read and check a chain file; return its tables and all problems."""
    return build(read_document(path), require_sources=require_sources)


def split(problems: list[Problem], path: str | None) -> ValidationReport:
    rep = ValidationReport(path)
    for p in problems:
        {"error": rep.errors, "warning": rep.warnings}.get(p.severity, rep.info).append(p)
    return rep


def validate(chain_or_path: Any, *, strict: bool = False,
             require_sources: bool = False) -> ValidationReport:
    """Check a chain file, a built-in chain name, or a :class:`~riskmodel.Chain`.

    Parameters
    ----------
    chain_or_path : str, path or Chain
        A file path (YAML, JSON, or bundle folder), a built-in chain name, or a chain.
    strict : bool
        Treat warnings as errors.
    require_sources : bool
        Every number must be sourced (``source`` and ``ref``) or marked
        ``estimate: true`` with a rationale (``note``) and a ``low``/``high`` range,
        as the built-in chains must be.

    Returns
    -------
    ValidationReport
        The warnings and information found, when there is no error.

    Raises
    ------
    ChainValidationError
        Listing every error (and under ``strict`` every warning) found.
    FileNotFoundError
        When the path does not exist.

    Examples
    --------
    >>> import riskmodel as rm, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> _ = p.write_text('''
    ... name: demo
    ... nodes:
    ...   - {id: gears, stage: upstream, substitutability: 1.3}
    ...   - {id: robots, stage: end_use}
    ... edges:
    ...   - {from: gear, to: robots}
    ... ''')
    >>> try:
    ...     rm.validate(p)
    ... except rm.ChainValidationError as e:
    ...     for prob in e.problems: print(prob.line, prob.message, "|", prob.fix)
    4 value out of range | give a value in range
    7 edge refers to unknown node 'gear' | did you mean `gears`?
    """
    if hasattr(chain_or_path, "to_data"):
        data = chain_or_path.to_data()
        problems = check_data(data, require_sources=require_sources)
        path = data.path
    else:
        path_obj = resolve_path(chain_or_path)
        if path_obj is None:
            from .model import combined_data

            data, problems = combined_data(require_sources=require_sources)
            path = "combined"
        else:
            data, problems = load_data(path_obj, require_sources=require_sources)
            path = str(path_obj)
    rep = split(problems, path)
    failing = rep.errors + (rep.warnings if strict else [])
    if failing:
        raise ChainValidationError(failing, warnings=[] if strict else rep.warnings)
    return rep
