"""The checks of a chain's numbers: ranges, uncertainty bounds, magnitudes, sources.

:func:`check_numbers` checks each number of a table against the attribute schema (its
range, its ``low``/``high`` bounds, its declared ``source``); :func:`check_magnitudes`
keeps unbounded numbers far from float overflow; :func:`check_sources` asks that every
number be sourced or a marked estimate (``require_sources``, as the built-in chains
must be).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel.io.collect import Collector, did_you_mean, short
from riskmodel.io.tables import EDGE_NUMBERS, NODE_NUMBERS, ChainData
from riskmodel.validation.listed import listed

__all__ = ["MAX_MAGNITUDE", "check_magnitudes", "check_numbers", "check_provenance",
           "check_sources"]

#: the largest number a chain may hold in an unbounded field: values are added up
#: (losses, totals, Monte Carlo draws), and near 1.8e308 a sum overflows to infinity
MAX_MAGNITUDE = 1e300


def check_numbers(c: Collector, df: pd.DataFrame, table: str, part: str,
                  fields: Iterable[str], where: Callable[[int], str], sources: dict) -> None:
    """Check the numbers ``fields`` of table ``df`` (rows of a ``part``, e.g. ``node``).

    For each field, in turn: the value's range, the ranges of its ``low`` and
    ``high``, their order around the value, and that its ``source`` is declared in
    ``sources``. ``where(row)`` names the row's node or edge.
    """
    for f in fields:
        if f not in df.columns:
            continue
        spec = schema.attribute(part, f)
        v = df[f].to_numpy(dtype=float)
        _check_range(c, v, spec, table, f, where)
        lo = df[f"{f}.low"].to_numpy(dtype=float) if f"{f}.low" in df.columns else None
        hi = df[f"{f}.high"].to_numpy(dtype=float) if f"{f}.high" in df.columns else None
        _check_bounds(c, lo, hi, v, spec, table, f, where)
        if f"{f}.source" in df.columns:
            _check_source_ids(c, df[f"{f}.source"], sources, table, f, where)


def _outside(v: np.ndarray, spec: schema.Attribute) -> np.ndarray:
    """Which of ``v`` lie outside the attribute's range (NaN does not)."""
    bad = np.zeros(len(v), dtype=bool)
    if spec.min is not None:
        bad |= (v <= spec.min) if spec.min_exclusive else (v < spec.min)
    if spec.max is not None:
        bad |= v > spec.max
    return bad


def _check_range(c: Collector, v: np.ndarray, spec: schema.Attribute, table: str, f: str,
                 where: Callable[[int], str]) -> None:
    """Each value within its attribute's range (a percentage gets its own fix)."""
    for r in listed(c, "range", np.flatnonzero(_outside(v, spec))):
        fix = "give a value in range"
        if spec.min_exclusive and v[r] == spec.min:
            fix = f"give a number above {spec.min:g}"
        if spec.max == 1 and 2 <= v[r] <= 100:
            fix = (f"if it is a percentage, write it as a fraction "
                   f"({short(float(v[r]))} → {float(v[r]) / 100:g})")
        c.add("error", "range", "value out of range", table=table, row=int(r), field=f,
              where=where(int(r)), expected=spec.range_text(), found=short(float(v[r])),
              fix=fix)


def _check_bounds(c: Collector, lo: np.ndarray | None, hi: np.ndarray | None,
                  v: np.ndarray, spec: schema.Attribute, table: str, f: str,
                  where: Callable[[int], str]) -> None:
    """``low`` and ``high`` within the range, and ``low ≤ value ≤ high``."""
    for key, arr in (("low", lo), ("high", hi)):
        if arr is None:
            continue
        for r in listed(c, "range", np.flatnonzero(_outside(arr, spec))):
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
    for r in listed(c, "range-order", np.flatnonzero(order_bad)):
        lo_t = short(float(lo[r])) if lo is not None else "-"
        hi_t = short(float(hi[r])) if hi is not None else "-"
        c.add("error", "range-order", "the range does not hold the value", table=table,
              row=int(r), field=f, where=where(int(r)), expected="low ≤ value ≤ high",
              found=f"low {lo_t}, value {short(float(v[r]))}, high {hi_t}",
              fix="correct low, value or high")


def _check_source_ids(c: Collector, src: pd.Series, sources: dict, table: str, f: str,
                      where: Callable[[int], str]) -> None:
    """Each cited source declared under ``sources:``."""
    bad = src.notna() & ~src.isin(list(sources))
    for r in listed(c, "source", np.flatnonzero(bad.to_numpy())):
        sid = src.iloc[r]
        c.add("error", "source", f"source '{sid}' is not declared", table=table,
              row=int(r), field=f"{f}.source", where=where(int(r)),
              expected="an id declared under `sources:`" + (
                  f" ({', '.join(sorted(sources))})" if sources else ""),
              found=short(sid),
              fix=did_you_mean(sid, list(sources),
                                f"declare it: `sources: {{{sid}: {{title: ...}}}}`"))


def check_magnitudes(c: Collector, nodes: pd.DataFrame, end: str,
                     where: Callable[[int], str]) -> None:
    """Numbers without an upper bound must stay far from float overflow, and so must
    the chain's total end-use value (the nodes at stage ``end``)."""
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
            for r in listed(c, "too-large", np.flatnonzero(big)):
                c.add("error", "too-large", "number too large to add up", table="nodes",
                      row=int(r), field=col, where=where(int(r)),
                      expected=f"a number ≤ {MAX_MAGNITUDE:g}", found=f"{v[r]:g}",
                      fix="write it in a larger unit (e.g. USD bn instead of USD)"
                      if f == "value" else "give a realistic number of months")
    if "value" in nodes.columns:
        _check_total_value(c, nodes, end, where)


def _check_total_value(c: Collector, nodes: pd.DataFrame, end: str,
                       where: Callable[[int], str]) -> None:
    """The end-use values, added up, must stay within :data:`MAX_MAGNITUDE`."""
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


def check_provenance(c: Collector, df: pd.DataFrame, table: str, fields: Iterable[str],
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
        for r in listed(c, "provenance", np.flatnonzero(present & ~sourced & ~est)):
            c.add("error", "provenance", "value has no source and is not marked as an estimate",
                  table=table, row=int(r), field=f, where=where(int(r)),
                  expected="{value, source, ref, note} or {value, estimate: true, low, high, note}",
                  found="a bare value" if not col("source").notna().iloc[r] else "no `ref`",
                  fix="cite the source line, or mark it `estimate: true` with a rationale")
        unready = present & ~sourced & est & ~(has_note & has_range)
        for r in listed(c, "provenance", np.flatnonzero(unready)):
            c.add("error", "provenance", "an estimate needs a rationale and a range",
                  table=table, row=int(r), field=f, where=where(int(r)),
                  expected="`note`, `low` and `high`", found="some missing",
                  fix="add a one-line rationale in `note` and a `low`/`high` range")


def check_sources(c: Collector, data: ChainData) -> None:
    """Every number of the chain's nodes, suppliers (and world suppliers) and edges
    sourced or a marked estimate (:func:`check_provenance` on each table)."""
    ids = data.nodes["id"]
    check_provenance(c, data.nodes, "nodes", NODE_NUMBERS, lambda r: f"node '{ids.iloc[r]}'")
    check_provenance(c, data.suppliers, "suppliers", ("share",),
                     lambda r: f"node '{data.suppliers['node'].iloc[r]}', supplier "
                               f"'{data.suppliers['country'].iloc[r]}'")
    world = data.world_suppliers
    if len(world):  # the world's shares (docs/model.md §1.3)
        check_provenance(c, world, "world_suppliers", ("share",),
                         lambda r: f"node '{world['node'].iloc[r]}', world supplier "
                                   f"'{world['country'].iloc[r]}'")
    check_provenance(c, data.edges, "edges", EDGE_NUMBERS,
                     lambda r: f"edge '{data.edges['from'].iloc[r]}' -> "
                               f"'{data.edges['to'].iloc[r]}'")
