"""The checks behind :func:`riskmodel.validate`: header, numbers, tables and graph.

:func:`build` turns a read :class:`~riskmodel.io.Document` into chain tables and the
list of every problem found; :func:`check_data` and :func:`check_graph` check tables and
graphs built in Python. Each problem names the file, the place, the field, what was
expected, what was found and the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel._errors import Problem
from riskmodel.io.collect import (  # noqa: F401  (re-exported for other modules)
    COUNTRY,
    MAX_PER_CODE,
    OTHER,
    SHARE_TOLERANCE,
    SLUG,
    Collector,
    did_you_mean,
    short,
    suggest,
    type_name,
    unknown_keys,
)
from riskmodel.io.document import Document, read_document
from riskmodel.io.parse import edge_where, from_mapping, from_tables, text_value  # noqa: F401
from riskmodel.io.tables import (
    EDGE_NUMBERS,
    NODE_NUMBERS,
    ChainData,
)
from riskmodel.scenario import check_scenarios

# ---------------------------------------------------------------------------
# header
# ---------------------------------------------------------------------------

def _check_header(c: Collector, h: dict[str, Any], *, combined: bool = False) -> dict[str, Any]:
    """Check the header; return it normalised (defaults filled)."""
    valid = schema.names("chain")
    unknown_keys(c, h, valid, "chain header", ())
    out: dict[str, Any] = {}
    sch = h.get("schema")
    if sch is None:
        c.add("warning", "schema", "no `schema` line", path=(), where="chain header",
              field="schema", expected=f"`schema: {schema.SCHEMA_ID}`", found="nothing",
              fix=f"add `schema: {schema.SCHEMA_ID}` at the top")
    elif sch != schema.SCHEMA_ID:
        c.add("error", "schema", "unknown format identifier", path=("schema",),
              where="chain header", field="schema", expected=schema.SCHEMA_ID,
              found=short(sch), fix=f"write `schema: {schema.SCHEMA_ID}`")
    out["schema"] = schema.SCHEMA_ID
    name = h.get("name")
    if name is None:
        c.add("error", "required", "the chain has no name", path=(), where="chain header",
              field="name", expected="a slug like `industrial_robots`", found="nothing",
              fix="add `name: my_chain`")
    elif not isinstance(name, str) or not SLUG.match(name):
        c.add("error", "pattern", "the chain name is not a slug", path=("name",),
              where="chain header", field="name", expected="lowercase letters, digits, _",
              found=short(name), fix=f"write `name: {_slugify(str(name))}`")
    out["name"] = name if isinstance(name, str) else None
    for key in ("title", "description", "currency"):
        v = h.get(key)
        if v is not None and not isinstance(v, str):
            c.add("error", "type", f"`{key}` must be text", path=(key,), where="chain header",
                  field=key, expected="text", found=type_name(v), fix=f"write `{key}` as text")
            v = None
        out[key] = v or ""
    stages = h.get("stages", list(schema.DEFAULT_STAGES))
    if (not isinstance(stages, list) or not stages
            or not all(isinstance(s, str) and SLUG.match(s) for s in stages)
            or len(set(stages)) != len(stages)):
        c.add("error", "type", "`stages` must be a list of distinct stage names",
              path=("stages",), where="chain header", field="stages",
              expected="e.g. [upstream, midstream, downstream, end_use]", found=short(stages),
              fix="list each stage once, in order; the last holds the end uses")
        stages = list(schema.DEFAULT_STAGES)
    out["stages"] = stages
    groups = h.get("groups", {}) or {}
    out["groups"] = {}
    if not isinstance(groups, dict):
        c.add("error", "type", "`groups` must be a mapping", path=("groups",),
              where="chain header", field="groups", expected="{EU: {label: European Union}}",
              found=type_name(groups), fix="write groups as `NAME: {label: ..., members: [...]}`")
        groups = {}
    iso = schema.countries()
    for g, spec in groups.items():
        if not isinstance(g, str) or not COUNTRY.match(g):
            shown = str(g) if str(g).isprintable() else repr(str(g))[1:-1]
            c.add("error", "pattern", "a group name must be upper case", path=("groups", g),
                  where=f"group '{shown}'", expected="upper-case letters, e.g. EU, ROW",
                  found=short(g), fix=f"rename it `{str(g).upper()}`"
                  if COUNTRY.match(str(g).upper()) else
                  "use upper-case letters, digits and _ only (2 to 16 of them)")
            continue
        if g in iso:
            c.add("error", "group-country", f"the group has the name of a country "
                  f"({iso[g]}), which it would silently redefine", path=("groups", g),
                  where=f"group '{g}'", expected="a name that is not an ISO 3166-1 code",
                  found=short(g), fix=f"choose a name that is not a country code, "
                                        f"e.g. `{g}_GROUP`")
            continue
        spec = spec if spec is not None else {}
        if not isinstance(spec, dict):
            c.add("error", "type", "a group must be a mapping", path=("groups", g),
                  where=f"group '{g}'", expected="{label: ..., members: [...]}",
                  found=type_name(spec), fix="write `{label: ..., members: [...]}`")
            continue
        unknown_keys(c, spec, schema.names("group"), f"group '{g}'", ("groups", g))
        members = spec.get("members", []) or []
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            c.add("error", "type", "`members` must be a list of country codes",
                  path=("groups", g, "members"), where=f"group '{g}'", field="members",
                  expected="[DE, FR, NL]", found=short(members), fix="list ISO codes")
            members = []
        for m in members:
            if m not in iso:
                c.add("error", "country", f"unknown country code '{m}' in group",
                      path=("groups", g, "members"), where=f"group '{g}'", field="members",
                      expected="ISO 3166-1 alpha-2 codes", found=short(m),
                      fix=did_you_mean(m.upper(), iso, "use an ISO 3166-1 alpha-2 code"))
        label = spec.get("label")
        out["groups"][g] = {"label": label if isinstance(label, str) else g,
                            "members": list(members)}
    sources = h.get("sources", {}) or {}
    out["sources"] = {}
    if not isinstance(sources, dict):
        c.add("error", "type", "`sources` must be a mapping", path=("sources",),
              where="chain header", field="sources", expected="{id: {title: ..., year: ...}}",
              found=type_name(sources), fix="declare each source as `id: {title: ...}`")
        sources = {}
    for sid, spec in sources.items():
        where = f"source '{sid}'"
        if not isinstance(spec, dict):
            c.add("error", "type", "a source must be a mapping", path=("sources", sid),
                  where=where, expected="{title: ..., year: ...}", found=type_name(spec),
                  fix="write `{title: ..., year: ...}`")
            continue
        unknown_keys(c, spec, schema.names("source"), where, ("sources", sid))
        if not isinstance(spec.get("title"), str):
            c.add("error", "required", "a source needs a title", path=("sources", sid),
                  where=where, field="title", expected="text", found=short(spec.get("title")),
                  fix="add `title: ...`")
        year = spec.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not 1900 <= year <= 2100):
            c.add("error", "range", "a source year must be a year", path=("sources", sid, "year"),
                  where=where, field="year", expected="a whole number in [1900, 2100]",
                  found=short(year), fix="write the publication year, e.g. 2025")
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
                  expected="an ISO 3166-1 alpha-2 code", found=short(home),
                  fix=did_you_mean(home.upper(), iso, "use e.g. `{home: CN}`"))
        else:
            out["perspective"] = {"home": home}
    else:
        c.add("error", "type", "unknown perspective", path=("perspective",), where="chain header",
              field="perspective", expected="`global` or `{home: CC}`", found=short(persp),
              fix="write `perspective: global` or `perspective: {home: CN}`")
    prov = h.get("provenance")
    if prov is not None:
        if not isinstance(prov, dict):
            c.add("error", "type", "`provenance` must be a mapping", path=("provenance",),
                  where="chain header", field="provenance", expected="{sourced: 0.8, ...}",
                  found=type_name(prov), fix="write it as a mapping or remove it")
        else:
            out["provenance"] = prov
    out["scenarios"] = h.get("scenarios", []) or []
    return out


def _slugify(s: str) -> str:
    """A slug to suggest for ``s``: at most 60 characters; ``x_1`` when ``s`` has no
    ASCII letter or digit to keep (``а``, Cyrillic, is not ``a``)."""
    return re.sub(r"[^a-z0-9_]+", "_", s.strip().lower()).strip("_")[:60].strip("_") or "x_1"


# ---------------------------------------------------------------------------
# semantic checks on the tables
# ---------------------------------------------------------------------------

def _check_numbers(c: Collector, df: pd.DataFrame, table: str, part: str,
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
                       f"({short(float(v[r]))} → {float(v[r]) / 100:g})")
            c.add("error", "range", "value out of range", table=table, row=int(r), field=f,
                  where=where(int(r)), expected=spec.range_text(), found=short(float(v[r])),
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
                      found=short(float(arr[r])), fix=f"give a `{key}` in range")
        with np.errstate(invalid="ignore"):
            order_bad = np.zeros(len(v), dtype=bool)
            if lo is not None:
                order_bad |= lo > v
            if hi is not None:
                order_bad |= v > hi
            if lo is not None and hi is not None:
                order_bad |= lo > hi
        for r in np.flatnonzero(order_bad):
            lo_t = short(float(lo[r])) if lo is not None else "-"
            hi_t = short(float(hi[r])) if hi is not None else "-"
            c.add("error", "range-order", "the range does not hold the value", table=table,
                  row=int(r), field=f, where=where(int(r)), expected="low ≤ value ≤ high",
                  found=f"low {lo_t}, value {short(float(v[r]))}, high {hi_t}",
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
                      found=short(sid),
                      fix=did_you_mean(sid, list(sources),
                                        f"declare it: `sources: {{{sid}: {{title: ...}}}}`"))


def _provenance(c: Collector, df: pd.DataFrame, table: str, fields: Iterable[str],
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


#: the largest number a chain may hold in an unbounded field: values are added up
#: (losses, totals, Monte Carlo draws), and near 1.8e308 a sum overflows to infinity
MAX_MAGNITUDE = 1e300


def _check_magnitudes(c: Collector, nodes: pd.DataFrame, end: str,
                      where: Callable[[int], str]) -> None:
    """Numbers without an upper bound must stay far from float overflow, and so must
    the chain's total end-use value."""
    for f in NODE_NUMBERS:
        spec = schema.attribute("node", f)
        if spec.max is not None:
            continue
        for col in (f, f"{f}.low", f"{f}.high"):
            if col not in nodes.columns:
                continue
            v = nodes[col].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                big = np.abs(v) > MAX_MAGNITUDE
            for r in np.flatnonzero(big):
                c.add("error", "too-large", "number too large to add up", table="nodes",
                      row=int(r), field=col, where=where(int(r)),
                      expected=f"a number ≤ {MAX_MAGNITUDE:g}", found=f"{v[r]:g}",
                      fix="write it in a larger unit (e.g. USD bn instead of USD)"
                      if f == "value" else "give a realistic number of months")
    if "value" in nodes.columns:
        v = nodes["value"].to_numpy(dtype=float)
        use = (nodes["stage"] == end).to_numpy() & np.isfinite(v) & (np.abs(v) <= MAX_MAGNITUDE)
        try:
            total = math.fsum(v[use])
        except OverflowError:
            total = math.inf
        if not abs(total) <= MAX_MAGNITUDE and use.any():
            r = int(np.flatnonzero(use)[np.argmax(np.abs(v[use]))])
            c.add("error", "too-large", "the end-use values add up to more than can be "
                  "computed with", table="nodes", row=r, field="value", where=where(r),
                  expected=f"a total ≤ {MAX_MAGNITUDE:g}", found=f"{total:g}",
                  fix="write the values in a larger unit (e.g. USD bn instead of USD)")


def check_tables(c: Collector, data: ChainData) -> None:
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
              found=short(ids.iloc[r]), fix=f"write `{_slugify(str(ids.iloc[r]))}`")
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
              found=short(st.iloc[r]),
              fix=did_you_mean(st.iloc[r], stages, "use a declared stage, or declare it "
                                                    "under `stages:`"))
    _check_numbers(c, nodes, "nodes", "node", NODE_NUMBERS, nwhere, sources)
    _check_magnitudes(c, nodes, stages[-1], nwhere)
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
                   if code.upper() in known else did_you_mean(
                       code, sorted(known), "use an ISO 3166-1 alpha-2 code or declare a group "
                                            "under `groups:`"))
            c.add("error", "country", f"unknown country code '{code}'", table="suppliers",
                  row=int(r), field="country", where=swhere(int(r)),
                  expected="an ISO 3166-1 alpha-2 code, a declared group, or `other`",
                  found=short(code), fix=fix)
        if c.csv.get("suppliers"):
            bad_node = (~sups["node"].isin(id_set) & sups["node"].notna()).to_numpy()
            for r in np.flatnonzero(bad_node):
                v = sups["node"].iloc[r]
                c.add("error", "unknown-node", f"supplier row names unknown node '{v}'",
                      table="suppliers", row=int(r), field="node", where=swhere(int(r)),
                      expected="a node id from nodes.csv", found=short(v),
                      fix=did_you_mean(v, id_list, "add the node to nodes.csv"))
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
        groups = h.get("groups", {}) or {}
        if groups:
            pairs = set(zip(sups["node"], ctry, strict=True))
            for r in np.flatnonzero(ctry.isin(list(groups)).to_numpy()):
                node, g = sups["node"].iloc[r], ctry.iloc[r]
                also = [m for m in groups[g].get("members", []) if (node, m) in pairs]
                if also:
                    c.add("warning", "group-overlap", f"group '{g}' is listed with its own "
                          f"member{'s' if len(also) > 1 else ''} {', '.join(also)}: their "
                          "shares overlap", table="suppliers", row=int(r), field="country",
                          where=swhere(int(r)), expected="a group or its members, not both",
                          found=f"{g} and {', '.join(also)}",
                          fix=f"give {g}'s share without {', '.join(also)} (e.g. rename it "
                              f"`{g}_OTHER` with the other members), or list the members "
                              "alone")
        has_other = set(sups.loc[ctry == OTHER, "node"])
        first_row = {k: i for i, k in reversed(list(enumerate(sups["node"])))}
        node_row = {k: i for i, k in reversed(list(enumerate(ids)))}
        for node, total in sums.items():
            r = first_row[node]
            if total > 1 + SHARE_TOLERANCE:
                c.add("error", "share-sum", "supplier shares sum to more than 1",
                      table="nodes" if not c.csv.get("suppliers") else "suppliers",
                      row=node_row[node] if not c.csv.get("suppliers") else r,
                      field="suppliers" if not c.csv.get("suppliers") else "share",
                      where=f"node '{node}'", expected=f"a total ≤ 1 (± {SHARE_TOLERANCE})",
                      found=f"{total:.3g}", fix="correct the shares; the rest is 'other'")
            elif total < 1 - SHARE_TOLERANCE and node not in has_other:
                c.add("warning", "share-rest", f"supplier shares sum to {total:.3g} with no "
                      f"`other` declared; the remaining {1 - total:.3g} is treated as other "
                      "producers", table="nodes" if not c.csv.get("suppliers") else "suppliers",
                      row=node_row[node] if not c.csv.get("suppliers") else r,
                      field="suppliers" if not c.csv.get("suppliers") else "share",
                      where=f"node '{node}'", fix="declare the rest as `other: "
                      f"{1 - total:.3g}` or complete the shares")

    # edges
    m = len(edges)
    if m:
        def ewhere(r: int) -> str:
            return edge_where(edges["from"].iloc[r], edges["to"].iloc[r])
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
                      expected="the id of a node in this chain", found=short(v),
                      fix=did_you_mean(v, id_list, "add the node or correct the id"))
        loops = (edges["from"] == edges["to"]).to_numpy() & edges["from"].notna().to_numpy()
        for r in np.flatnonzero(loops):
            c.add("error", "self-loop", "edge goes from a node to itself", table="edges",
                  row=int(r), field="to", where=ewhere(int(r)),
                  expected="two different nodes", found=short(edges["to"].iloc[r]),
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
                  found=short(grp.iloc[r]), fix=f"write `{_slugify(str(grp.iloc[r]))}`")
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
            partial = (cov < 1 - 1e-9) & (sizes > 1)
            for r in ingroup.index[partial.to_numpy()]:
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
        to_row = {k: i for i, k in reversed(list(enumerate(edges["to"])))}
        for node, total in sums.items():
            if pd.notna(total) and total > 1 + SHARE_TOLERANCE:
                r = to_row[node]
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


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------

def build(doc: Document, *, require_sources: bool = False) -> tuple[ChainData, list[Problem]]:
    """Turn a read document into tables and every problem found in it.

    ``require_sources`` also checks that every number is sourced or a marked estimate
    (here, where each value's place in the file is still known).
    """
    c = Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    raw = doc.data
    if not isinstance(raw, dict):
        c.add("error", "type", "the file must hold a mapping (a chain header)", path=(),
              expected="`name:`, `nodes:`, `edges:` ...", found=type_name(raw),
              fix="start the file with `schema: riskmodel/chain@1` and `name: ...`")
        raw = {}
    header = _check_header(c, raw)
    if doc.format == "bundle":
        for k in ("nodes", "edges"):
            if k in raw:
                c.add("error", "bundle", f"a bundle header must not hold `{k}`", path=(k,),
                      where="chain.yaml", field=k, fix=f"move them to {k}.csv")
        nodes, sups, edges = from_tables(doc, c)
    else:
        if "nodes" not in raw and isinstance(doc.data, dict):
            c.add("error", "required", "the chain has no `nodes`", path=(), field="nodes",
                  where="chain header", expected="a list of nodes", found="nothing",
                  fix="add `nodes:` with at least one node")
        nodes, sups, edges = from_mapping(doc, c, raw)
    data = ChainData(header, nodes, sups, edges, path=doc.path)
    check_tables(c, data)
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
        check_sources(c, data)
    return data, c.finish()


#: node and edge attributes that hold text (None leaves them unset)
_NODE_TEXT = ("label", "stage", "description", "note")
_EDGE_TEXT = ("group", "note")


def _bad_number(x: Any) -> bool:
    """Whether a graph attribute that must be a number is not a finite real number."""
    if x is None:
        return False
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer,
                                                            np.floating)):
        return True
    return not np.isfinite(x)


def check_graph(graph: Any) -> list[Problem]:
    """Problems in the attributes of a chain's graph, as edited in Python.

    A file's values are checked as they are read; values set on ``chain.graph`` are
    checked here before the graph becomes tables: numbers must be finite real numbers
    (not NaN, not text, not ``True``), texts must be text, ``suppliers`` a mapping of
    country to share, ``essential`` ``True`` or ``False``. ``None`` leaves a value unset.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_node("ore", stage="upstream", substitutability=float("nan"))
    >>> g.add_node("steel", stage="end_use", value=10.0)
    >>> g.add_edge("ore", "steel", essential="no")
    >>> for p in check_graph(g): print(p.where, p.field, "|", p.message, "| found", p.found)
    node 'ore' substitutability | not a finite number | found nan
    edge ore → steel essential | not true or false | found 'no'
    """
    out: list[Problem] = []

    def bad(where: str, field: str, message: str, expected: str, found: Any, fix: str
            ) -> None:
        out.append(Problem("error", message, where=where, field=field, expected=expected,
                           found=short(found), fix=fix))

    def numbers(where: str, attrs: Any, fields: Iterable[str]) -> None:
        for f in fields:
            if _bad_number(attrs.get(f)):
                bad(where, f, "not a finite number", "a finite number", attrs.get(f),
                    "set a number, or delete the attribute to leave it unset")

    def texts(where: str, attrs: Any, fields: Iterable[str]) -> None:
        for f in fields:
            if attrs.get(f) is not None and not isinstance(attrs.get(f), str):
                bad(where, f, "not text", "text", attrs.get(f), "set a text (a str)")

    for n, a in graph.nodes(data=True):
        where = f"node '{n}'"
        if not isinstance(n, str):
            bad(where, "id", "node id is not text", "a text id such as `gears`", n,
                "name the node with a text id")
        numbers(where, a, NODE_NUMBERS)
        texts(where, a, _NODE_TEXT)
        sup = a.get("suppliers")
        if sup is None:
            continue
        if not isinstance(sup, Mapping):
            bad(where, "suppliers", "not a mapping", "a mapping of country to share", sup,
                "set a dict such as {'JP': 0.6, 'CN': 0.4}")
            continue
        for country, share in sup.items():
            if not isinstance(country, str):
                bad(where, "suppliers", "a supplier key is not text", "a country code",
                    country, "key suppliers by country code, e.g. 'JP'")
            if share is None or _bad_number(share):
                bad(f"{where}, supplier '{country}'", "share", "not a finite number",
                    "a share in [0, 1]", share, "set a number, or delete the entry")
    for u, v, a in graph.edges(data=True):
        where = f"edge {u} → {v}"
        numbers(where, a, EDGE_NUMBERS)
        texts(where, a, _EDGE_TEXT)
        if "essential" in a and not isinstance(a["essential"], (bool, np.bool_)):
            bad(where, "essential", "not true or false", "True or False", a["essential"],
                "set True or False (a Python bool)")
    return out


def check_data(data: ChainData, *, require_sources: bool = False) -> list[Problem]:
    """Problems in an in-memory chain (no file positions)."""
    c = Collector(None, data.path)
    header = _check_header(c, data.header)
    data = ChainData(header, data.nodes, data.suppliers, data.edges, data.path)
    check_tables(c, data)
    if require_sources:
        check_sources(c, data)
    return c.finish()


def check_sources(c: Collector, data: ChainData) -> None:
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
