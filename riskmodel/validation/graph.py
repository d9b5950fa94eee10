"""The checks of a chain's structure: end uses, reachability, cycles, graph attributes.

:func:`check_structure` checks the chain as a graph, once its tables are checked: an
end-use node exists, every node reaches one, end uses carry a value when others do,
and cycles are noted. :func:`reach_to` finds the nodes with a path to the end uses.
:func:`check_graph` checks the attributes of a chain's graph as edited in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel._errors import Problem
from riskmodel.io.collect import Collector, did_you_mean, short
from riskmodel.io.tables import EDGE_NUMBERS, NODE_NESTED, NODE_NUMBERS, nested_get
from riskmodel.validation.listed import listed

__all__ = ["check_graph", "check_structure", "reach_to"]


def check_structure(c: Collector, nodes: pd.DataFrame, edges: pd.DataFrame, end: str,
                    where: Callable[[int], str]) -> None:
    """Check the chain as a graph whose end uses are the nodes at stage ``end``.

    No end-use node is an error (and ends the check); with duplicated or missing
    ids (reported already) the graph is not built. Then: nodes that reach no end use
    and end uses without a ``value`` (when others have one) are warnings, and each
    cycle is information. ``where(row)`` names a node.
    """
    ids = nodes["id"]
    end_mask = (nodes["stage"] == end).to_numpy()
    if not end_mask.any():
        c.add("error", "no-end-use", f"no node is at the end-use stage '{end}'",
              table="nodes", path=("nodes",) if c.doc else None, where="chain",
              expected=f"at least one node with `stage: {end}`", found="none",
              fix=f"add the products the chain serves with `stage: {end}`")
        return
    id_set = {str(x) for x in ids if isinstance(x, str)}
    m = len(edges)
    ok_edges = edges[edges["from"].isin(id_set) & edges["to"].isin(id_set)] if m else edges
    index = pd.Index(ids)
    if index.has_duplicates or index.hasnans:
        return
    src = index.get_indexer(ok_edges["from"]) if m else np.zeros(0, dtype=np.int64)
    dst = index.get_indexer(ok_edges["to"]) if m else np.zeros(0, dtype=np.int64)
    reach = reach_to(end_mask, np.asarray(src), np.asarray(dst))
    for r in listed(c, "unreachable", np.flatnonzero(~reach)):
        c.add("warning", "unreachable", "node reaches no end use", table="nodes", row=int(r),
              where=where(int(r)), fix=f"add an edge from it towards a `{end}` node, or "
                                       "remove it")
    if "value" in nodes:
        vals = nodes["value"].to_numpy(dtype=float)
        valued = end_mask & ~np.isnan(vals)
        if valued.any():
            for r in listed(c, "end-use-value", np.flatnonzero(end_mask & np.isnan(vals))):
                c.add("warning", "end-use-value", "end-use node has no `value`; it gets no "
                      "weight in end-use loss", table="nodes", row=int(r), field="value",
                      where=where(int(r)), fix="give its annual market value")
    if m and len(src):
        _note_cycles(c, [str(x) for x in ids if isinstance(x, str)], len(ids), src, dst)


def _note_cycles(c: Collector, id_list: list[str], n: int, src: np.ndarray,
                 dst: np.ndarray) -> None:
    """Note each cycle (strongly connected set of the ``n`` nodes), at most 20, as
    information."""
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


def reach_to(end_mask: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Which nodes have a path to a node in ``end_mask`` (edges ``src → dst``).

    Examples
    --------
    >>> import numpy as np
    >>> reach_to(np.array([False, False, True, False]), np.array([0, 1]), np.array([1, 2]))
    array([ True,  True,  True, False])
    """
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
    (not NaN, not text, not ``True``), texts must be text, ``suppliers`` (and
    ``world_suppliers``) a mapping of country to share, ``essential`` ``True`` or
    ``False``. ``None`` leaves a value unset.

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
    for n, a in graph.nodes(data=True):
        where = f"node '{n}'"
        if not isinstance(n, str):
            out.append(_bad(where, "id", "node id is not text", "a text id such as `gears`", n,
                            "name the node with a text id"))
        out += _attribute_problems(where, a, NODE_NUMBERS, _NODE_TEXT)
        out += _nested_problems(where, a)
        out += _supplier_problems(where, a.get("suppliers"))
        out += _supplier_problems(where, a.get("world_suppliers"), "world_suppliers")
    for u, v, a in graph.edges(data=True):
        where = f"edge {u} → {v}"
        out += _attribute_problems(where, a, EDGE_NUMBERS, _EDGE_TEXT)
        if "essential" in a and not isinstance(a["essential"], (bool, np.bool_)):
            out.append(_bad(where, "essential", "not true or false", "True or False",
                            a["essential"], "set True or False (a Python bool)"))
    return out


def _bad(where: str, field: str, message: str, expected: str, found: Any, fix: str
         ) -> Problem:
    """An error in a graph attribute."""
    return Problem("error", message, where=where, field=field, expected=expected,
                   found=short(found), fix=fix)


def _attribute_problems(where: str, attrs: Any, numbers: Iterable[str],
                        texts: Iterable[str]) -> list[Problem]:
    """The number attributes that are not finite numbers, then the texts not text."""
    out = [_bad(where, f, "not a finite number", "a finite number", nested_get(attrs, f),
                "set a number, or delete the attribute to leave it unset")
           for f in numbers if _bad_number(nested_get(attrs, f))]
    out += [_bad(where, f, "not text", "text", attrs.get(f), "set a text (a str)")
            for f in texts if attrs.get(f) is not None and not isinstance(attrs.get(f), str)]
    return out


def _nested_problems(where: str, attrs: Any) -> list[Problem]:
    """A nested node attribute (``capital``): a mapping of its own attributes only."""
    out = []
    for outer in NODE_NESTED:
        cell = attrs.get(outer)
        if cell is None:
            continue
        inner = schema.names(outer)
        example = "{" + ", ".join(f"'{a}': ..." for a in inner) + "}"
        if not isinstance(cell, Mapping):
            out.append(_bad(where, outer, "not a mapping", example, cell,
                            f"set a dict such as {example}, or delete the attribute"))
            continue
        for k in cell:
            if k not in inner:
                out.append(_bad(where, f"{outer}.{k}", "unknown key", "one of " + ", ".join(
                    inner), k, did_you_mean(str(k), inner, "delete it")))
        for a in inner:
            if a not in cell and schema.attribute(outer, a).required:
                out.append(_bad(where, f"{outer}.{a}", f"`{outer}` needs `{a}`", example,
                                "nothing", f"set `{a}`"))
    return out


def _supplier_problems(where: str, sup: Any, key: str = "suppliers") -> list[Problem]:
    """A node's ``suppliers`` attribute (or ``world_suppliers``, the world's shares, named
    by ``key``): a mapping of country code to finite share."""
    if sup is None:
        return []
    if not isinstance(sup, Mapping):
        return [_bad(where, key, "not a mapping", "a mapping of country to share", sup,
                     "set a dict such as {'JP': 0.6, 'CN': 0.4}")]
    out = []
    row = "supplier" if key == "suppliers" else "world supplier"
    for country, share in sup.items():
        if not isinstance(country, str):
            out.append(_bad(where, key, "a supplier key is not text", "a country code",
                            country, f"key {key} by country code, e.g. 'JP'"))
        if share is None or _bad_number(share):
            out.append(_bad(f"{where}, {row} '{country}'", "share", "not a finite number",
                            "a share in [0, 1]", share, "set a number, or delete the entry"))
    return out
