"""Writing a chain as one YAML or JSON file from its tables, a column at a time.

A chain's document (:func:`riskmodel.io.convert.document_from_data`) holds one mapping
per node and per edge; built and written a value at a time, a chain of 10^5 nodes
(half a million items) took several seconds. Here the items that are simple are
written from the table columns directly: each column is turned into text once (texts
per distinct value, numbers by ``repr`` over the column) and an item is the
concatenation of its columns' pieces, done on whole arrays. An item that is not simple
(provenance, jurisdictions, a nested number, a text YAML must quote, a line PyYAML
would fold, a value of an unexpected type) is built as a mapping and written by the
per-item writers, as before. Either way the text is the same, byte for byte, as
:func:`riskmodel.io.yaml.dump_yaml` or ``json.dumps(indent=2)`` of the whole document
(tests compare them on random chains).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.io.convert import WORLD, document_from_data
from riskmodel.io.tables import EDGE_NUMBERS, NODE_NUMBERS, PROV_KEYS, ChainData
from riskmodel.io.yaml import (
    dump_yaml,
    dump_yaml_items,
    yaml_float_text,
    yaml_plain_text,
    yaml_unusual,
)
from riskmodel.io.yamlwrite import FLOAT, WIDTH

__all__ = ["chain_text"]

#: a mapping whose Python text is shorter than this is written on one line in YAML
#: (:func:`riskmodel.io.yaml._flowify`)
FLOW_REPR = 160
#: JSON indentation of an item's keys and of a supplier's country
_KEY_PAD, _SUB_PAD = " " * 6, " " * 8


class _UnsureError(Exception):
    """The tables hold something this module does not write: the whole chain is
    written item by item."""


@dataclass
class _Column:
    """One key of the items, over all rows: its text ("" where absent), the length of
    that text and of the value's Python ``repr``, and the rows written item by item."""

    key: str
    present: np.ndarray
    text: np.ndarray
    length: np.ndarray
    rlen: np.ndarray
    bad: np.ndarray
    #: in a YAML mapping written on one line (``{US: 0.5, CN: 0.3}``), the place in
    #: the text of its last comma or opening brace, after which PyYAML may break the line
    brk: np.ndarray | None = None


def chain_text(data: ChainData, fmt: str) -> str:
    """The YAML (``fmt="yaml"``) or JSON text of the chain ``data``, as the document
    of :func:`~riskmodel.io.convert.document_from_data` is written.

    >>> import riskmodel as rm
    >>> print(chain_text(rm.load("bicycle").to_data(), "yaml")[:40])
    schema: riskmodel/chain@1
    name: bicycle
    """
    if fmt not in ("yaml", "json"):
        raise ValueError(f"unknown format {fmt!r}; valid formats: yaml, json")
    try:
        if len(data.nodes) < 2 or len(data.edges) < 2:
            raise _UnsureError
        return _by_columns(data, fmt)
    except _UnsureError:
        doc = document_from_data(data)
        return dump_yaml(doc) if fmt == "yaml" else _json(doc)


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _by_columns(data: ChainData, fmt: str) -> str:
    nodes, edges = data.nodes, data.edges
    cache: dict[bool, dict] = {}  # the texts met, by column kind
    parts = {"nodes": _node_columns(data, fmt, cache), "edges": _edge_columns(edges, fmt, cache)}
    rows = {k: (_yaml_rows if fmt == "yaml" else _json_rows)(cols)
            for k, cols in parts.items()}
    bad_nodes, bad_edges = (np.flatnonzero(rows[k][1]) for k in ("nodes", "edges"))
    bare = dataclasses.replace(
        data, nodes=nodes.iloc[bad_nodes], edges=edges.iloc[bad_edges],
        suppliers=_of_nodes(data.suppliers, nodes["id"].iloc[bad_nodes]),
        world_suppliers=_of_nodes(data.world_suppliers, nodes["id"].iloc[bad_nodes]))
    doc = document_from_data(bare)  # the header, and the items written one by one
    slow = {"nodes": doc["nodes"], "edges": doc["edges"]}
    doc["nodes"], doc["edges"] = [], []
    unusual = fmt == "yaml" and (yaml_unusual(doc) or yaml_unusual(slow))
    texts = {}
    for k, (text, bad) in rows.items():
        if bad.any():
            text[bad] = (dump_yaml_items(slow[k], unusual) if fmt == "yaml" else
                         ["    " + _json(item)[:-1].replace("\n", "\n    ")
                          for item in slow[k]])
        texts[k] = text.tolist()
    if fmt == "yaml":
        return dump_yaml(doc, unusual=unusual, written={
            k: (lambda _dump, t=t: "".join(t)) for k, t in texts.items()})
    marks = {k: f"riskmodel-{k}-{secrets.token_hex(16)}" for k in texts}
    out = _json({k: marks.get(k, v) for k, v in doc.items()})
    for k, t in texts.items():
        out = out.replace(json.dumps(marks[k]), "[\n" + ",\n".join(t) + "\n  ]", 1)
    return out


def _of_nodes(sups: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    return sups[sups["node"].isin(ids)] if len(sups) else sups


# ---------------------------------------------------------------------------
# columns
# ---------------------------------------------------------------------------

def _node_columns(data: ChainData, fmt: str, cache: dict[bool, dict]) -> list[_Column]:
    nodes = data.nodes
    n = len(nodes)
    cols = [_text_column("id", nodes["id"], fmt, always=True, cache=cache)]
    cols += [_text_column(k, nodes[k], fmt, cache=cache)
             for k in ("label", "stage", "description", "note") if k in nodes]
    ids = nodes["id"].to_numpy(dtype=object)
    for key, sups in (("suppliers", data.suppliers), (WORLD, data.world_suppliers)):
        if len(sups):
            cols.append(_shares_column(key, sups, ids, fmt, cache))
    for f in NODE_NUMBERS:
        if f not in nodes:
            continue
        if "." in f:  # a nested number: such rows are written item by item
            present = nodes[f].notna().to_numpy()
            cols.append(_Column(f, np.zeros(n, bool), *_blank(n), present))
            continue
        col = _number_column(f, nodes[f], fmt, months=f.endswith("months"))
        col.bad |= col.present & _prov_present(nodes, f)
        cols.append(col)
    return cols


def _edge_columns(edges: pd.DataFrame, fmt: str, cache: dict[bool, dict]) -> list[_Column]:
    n = len(edges)
    cols = [_text_column(k, edges[k], fmt, always=True, cache=cache) for k in ("from", "to")]
    numbers = {}
    for f in EDGE_NUMBERS:
        if f in edges:
            numbers[f] = _number_column(f, edges[f], fmt, months=False)
            numbers[f].bad |= numbers[f].present & _prov_present(edges, f)
    if "share" in numbers:
        cols.append(numbers["share"])
    if "essential" in edges:
        try:
            falsy = np.array([not x for x in edges["essential"].tolist()], dtype=bool)
        except (TypeError, ValueError):
            raise _UnsureError from None
        cols.append(_Column("essential", falsy, np.where(falsy, "false", "").astype(object),
                            np.where(falsy, 5, 0), np.where(falsy, 5, 0),
                            np.zeros(n, bool)))
    if "group" in edges:
        cols.append(_text_column("group", edges["group"], fmt, cache=cache))
    if "covers" in numbers:
        cols.append(numbers["covers"])
    if "note" in edges:
        cols.append(_text_column("note", edges["note"], fmt, cache=cache))
    return cols


def _blank(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.full(n, "", dtype=object), np.zeros(n, np.int64), np.zeros(n, np.int64)


def _text_column(key: str, series: pd.Series, fmt: str, *, always: bool = False,
                 cache: dict[bool, dict] | None = None) -> _Column:
    """A text column: absent where empty or blank (``always``: the value is written
    whatever it is); a value that is not text, or a text YAML would quote, is bad."""
    values = series.to_numpy(dtype=object)
    n = len(values)
    na = pd.isna(values)
    try:
        codes, uniq = pd.factorize(values[~na])
    except TypeError:  # unhashable values
        raise _UnsureError from None
    known = ({} if cache is None else cache).setdefault(always, {})
    info = [i if (i := known.get(u)) is not None else _text_info(u, fmt, always, known)
            for u in uniq]
    u_present, u_text, u_len, u_bad = (np.array([i[j] for i in info] or [None],
                                                dtype=object) for j in range(4))
    present, bad = np.zeros(n, bool), na.copy() if always else np.zeros(n, bool)
    text, length, rlen = _blank(n)
    ok = ~na
    present[ok] = u_present[codes].astype(bool)
    text[ok] = u_text[codes]
    length[ok] = u_len[codes].astype(np.int64)
    rlen[ok] = length[ok] + (2 if fmt == "yaml" else 0)
    bad[ok] = u_bad[codes].astype(bool)
    if na.any() and not always:
        # None and NaN are absent; other missing values (pd.NA, NaT) are left to the
        # per-item writer
        bad[na] = np.array([not (x is None or type(x) is float) for x in values[na]],
                           dtype=bool)
    return _Column(key, np.ones(n, bool) if always else present, text, length, rlen, bad)


def _text_info(u: Any, fmt: str, always: bool, known: dict[Any, tuple]
               ) -> tuple[bool, str, int, bool]:
    """(present, text, its length, bad) of one distinct value of a text column, kept
    in ``known`` for the other columns."""
    if type(u) is not str:
        return True, "", 0, True
    if not always and not u.strip():
        out = (False, "", 0, False)
    elif fmt == "yaml":
        ok = yaml_plain_text(u)
        out = (True, u if ok else "", len(u), not ok)
    else:
        text = encode_basestring(u)
        out = (True, text, len(text), False)
    known[u] = out
    return out


def _number_column(key: str, series: pd.Series, fmt: str, *, months: bool) -> _Column:
    """A number column: absent where NaN; whole months written as integers; a value
    that is infinite (or, in YAML, whose text would be quoted) is bad."""
    if not (pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series)):
        raise _UnsureError
    a = series.to_numpy(dtype=float)
    n = len(a)
    present = ~np.isnan(a)
    text, length, _ = _blank(n)
    vals = a[present]
    texts = np.array(list(map(repr, vals.tolist())) or [""], dtype=object)[:len(vals)]
    finite = np.isfinite(vals)
    good = finite.copy()
    if months:
        whole = finite & (vals == np.trunc(vals)) & (np.abs(vals) < 2.0**53)
        texts[whole] = list(map(str, vals[whole].astype(np.int64).tolist()))
    else:
        whole = np.zeros(len(vals), bool)
    if fmt == "yaml":
        rest = np.flatnonzero(finite & ~whole)
        matched = np.array([m is not None for m in map(FLOAT.fullmatch, texts[rest])],
                           dtype=bool)
        for i in rest[~matched]:
            good[i] = yaml_float_text(texts[i])
    text[present] = texts
    length[present] = np.fromiter(map(len, texts), np.int64, len(texts))
    bad = np.zeros(n, bool)
    bad[present] = ~good
    return _Column(key, present, text, length, length.copy(), bad)


def _prov_present(df: pd.DataFrame, field: str) -> np.ndarray:
    """Rows where ``field`` has provenance (which nests it: written item by item)."""
    out = np.zeros(len(df), bool)
    for k in PROV_KEYS:
        c = f"{field}.{k}"
        if c not in df:
            continue
        values = df[c].to_numpy(dtype=object)
        na = pd.isna(values)
        idx = np.flatnonzero(~na)
        out[idx] |= np.array([not ((type(x) is str and not x.strip())
                                   or (k == "estimate" and x is False))
                              for x in values[idx]], dtype=bool)
        # a missing value other than None and NaN: leave the row to the item writer
        out[na] |= np.array([not (x is None or type(x) is float) for x in values[na]],
                            dtype=bool)
    return out


def _shares_column(key: str, sups: pd.DataFrame, ids: np.ndarray, fmt: str,
                   cache: dict[bool, dict]) -> _Column:
    """A node's shares (``suppliers`` or ``world_suppliers``) as one mapping of country
    to share, in table order; with jurisdictions, provenance or a repeated country the
    node is bad, and in YAML too when the mapping would not fit on one line."""
    country = _text_column("country", sups["country"], fmt, always=True, cache=cache)
    share = _number_column("share", sups["share"], fmt, months=False)
    bad = country.bad | share.bad | ~share.present | _prov_present(sups, "share")
    bad |= sups.duplicated(["node", "country"], keep=False).to_numpy()
    if "controlled_by" in sups:
        bad |= np.array([type(x) in (tuple, list) and len(x) > 0
                         for x in sups["controlled_by"].tolist()], dtype=bool)
    if fmt == "yaml":
        entry = country.text + ": " + share.text + ", "
        elen = country.length + share.length + 4
    else:
        entry = _SUB_PAD + country.text + ": " + share.text + ",\n"
        elen = country.length + share.length + len(_SUB_PAD) + 4
    erlen = country.length + 4 + share.length + 2  # 'US': 0.5, in the mapping's repr
    uniq = pd.unique(ids)
    pos = pd.Index(uniq).get_indexer(sups["node"].to_numpy(dtype=object))
    keep = np.flatnonzero(pos >= 0)
    order = keep[np.argsort(pos[keep], kind="stable")]
    counts = np.bincount(pos[keep], minlength=len(uniq))
    have = np.flatnonzero(counts)
    starts = np.concatenate([[0], np.cumsum(counts[have])[:-1]]).astype(np.intp)
    g_text, g_len, g_rlen, g_bad = (*_blank(len(uniq)), np.zeros(len(uniq), bool))
    if len(order):
        g_text[have] = np.add.reduceat(entry[order], starts)
        g_len[have] = np.add.reduceat(elen[order], starts)
        g_rlen[have] = np.add.reduceat(erlen[order], starts)
        g_bad[have] = np.logical_or.reduceat(bad[order], starts)
    rows = pd.Index(uniq).get_indexer(ids)
    present = counts[rows] > 0
    text, length, rlen = _blank(len(ids))
    body = g_text[rows][present]
    if fmt == "yaml":  # "{US: 0.5, CN: 0.3}"; the repr's trailing ", " stands for "{}"
        text[present] = "{" + np.array([t[:-2] for t in body], dtype=object) + "}"
        length[present] = g_len[rows][present]
    else:
        text[present] = "{\n" + np.array([t[:-2] for t in body], dtype=object) + \
            "\n" + _KEY_PAD + "}"
        length[present] = g_len[rows][present] + len(_KEY_PAD) + 1
    rlen[present] = g_rlen[rows][present]
    bad_rows = present & g_bad[rows]
    brk = np.zeros(len(ids), np.int64)
    if fmt == "yaml":
        bad_rows |= present & (rlen >= FLOW_REPR)
        # "{..., CN: 0.3}": the last comma is before the last entry (its ", " aside)
        last = np.zeros(len(uniq), np.int64)
        if len(order):
            last[have] = elen[order][starts + counts[have] - 1]
        brk = np.where(counts[rows] > 1, length - 1 - last[rows], 0)
    return _Column(key, present, text, length, rlen, bad_rows, brk=brk)


# ---------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------

def _yaml_rows(cols: list[_Column]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's YAML item: a one-line mapping when its ``repr`` is short (as
    ``_flowify`` decides), else a block mapping; and the rows that are bad, including
    a one-line item or a block line holding a mapping that PyYAML would fold."""
    first, rest = cols[0], cols[1:]
    flow = [_piece("- {" + first.key + ": ", first.text, None)]
    block = [_piece("- " + first.key + ": ", first.text, None, "\n")]
    flen = len(first.key) + 2 + first.length
    rlen = len(first.key) + 4 + first.rlen + 2  # "{'id': 'n0'}"
    bad = first.bad.copy()
    # PyYAML breaks a line after a comma or an opening brace past the width: the place
    # of the last one in the one-line item, and whether a block line holds one
    last = np.full(len(bad), 2)
    fold = np.zeros(len(bad), bool)
    for c in rest:
        p = c.present
        last = np.where(p, 3 + flen, last)
        if c.brk is not None:
            last = np.where(p, 3 + flen + 4 + len(c.key) + c.brk, last)
            fold |= p & (4 + len(c.key) + c.brk >= WIDTH)
        flow.append(_piece(", " + c.key + ": ", c.text, p))
        block.append(_piece("  " + c.key + ": ", c.text, p, "\n"))
        flen = flen + np.where(p, len(c.key) + 4 + c.length, 0)
        rlen = rlen + np.where(p, len(c.key) + 6 + c.rlen, 0)
        bad |= c.bad  # a column marks bad rows whether or not it writes them
    flow.append(_piece("}\n", None, None))
    one_line = rlen < FLOW_REPR
    bad |= np.where(one_line, last >= WIDTH, fold)
    return _joined(flow, block, one_line), bad


def _json_rows(cols: list[_Column]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's JSON item as ``json.dumps(indent=2)`` writes it inside a list of
    the document, without the comma after it; and the rows that are bad."""
    first, rest = cols[0], cols[1:]
    pieces = [_piece("    {\n" + _KEY_PAD + json.dumps(first.key) + ": ", first.text, None)]
    bad = first.bad.copy()
    for c in rest:
        pieces.append(_piece(",\n" + _KEY_PAD + json.dumps(c.key) + ": ", c.text, c.present))
        bad |= c.bad
    pieces.append(_piece("\n    }", None, None))
    return _joined(pieces, pieces, np.ones(len(bad), bool)), bad


def _piece(before: str, text: np.ndarray | None, present: np.ndarray | None,
           after: str = "") -> np.ndarray | str:
    """``before + text + after`` in each row (``before + after`` when ``text`` is
    None), and "" where not ``present``."""
    if text is None:
        return before + after
    if present is None:
        return before + text + after if after else before + text
    out = np.full(len(text), "", dtype=object)
    inner = text[present]
    out[present] = before + inner + after if after else before + inner
    return out


def _joined(a: list, b: list, use_a: np.ndarray) -> np.ndarray:
    """Each row's pieces joined: those of ``a`` where ``use_a``, else those of ``b``."""
    out = np.empty(len(use_a), dtype=object)
    for pieces, rows in ((a, np.flatnonzero(use_a)), (b, np.flatnonzero(~use_a))):
        if len(rows):
            cols = [p[rows] if isinstance(p, np.ndarray) else [p] * len(rows)
                    for p in pieces]
            out[rows] = list(map("".join, zip(*cols, strict=True)))
    return out
