"""The checks of a chain's tables: nodes, suppliers and edges, then the graph they make.

:func:`check_tables` checks the three tables of a :class:`~riskmodel.io.tables.ChainData`
in a fixed order (nodes, suppliers, edges, structure); :func:`check_nodes`,
:func:`check_suppliers` and :func:`check_edges` each check one table.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from riskmodel import schema
from riskmodel.io.collect import OTHER, SHARE_TOLERANCE, Collector, did_you_mean, short
from riskmodel.io.parse import edge_where
from riskmodel.io.tables import EDGE_NUMBERS, NODE_NUMBERS, ChainData
from riskmodel.validation.controllers import check_controllers
from riskmodel.validation.graph import check_structure
from riskmodel.validation.header import slugify
from riskmodel.validation.listed import listed, room, unlisted
from riskmodel.validation.numbers import check_magnitudes, check_numbers

__all__ = ["check_edges", "check_nodes", "check_suppliers", "check_tables"]

#: the rows whose cell of a column is empty, given the column and a fallback mask
Blank = Callable[[str, np.ndarray], np.ndarray]


def check_tables(c: Collector, data: ChainData) -> None:
    """Check a chain's tables (its header checked already); problems go to ``c``.

    Nodes first (an empty table ends the check), then suppliers, edges, and the
    structure of the graph they make (:func:`~riskmodel.validation.graph.check_structure`).
    """
    h, nodes = data.header, data.nodes
    sources = h.get("sources", {})
    stages = h.get("stages", list(schema.DEFAULT_STAGES))
    if len(nodes) == 0:
        c.add("error", "empty", "the chain has no nodes", table="nodes",
              path=("nodes",) if c.doc else None,
              field="nodes", expected="at least one node", found="none",
              fix="add nodes: `nodes: [{id: ..., stage: ...}]`")
        return
    nwhere = node_where(nodes["id"])
    dup = check_nodes(c, nodes, stages, sources, nwhere)
    if len(data.suppliers):
        check_suppliers(c, data, dup)
    if len(data.edges):
        check_edges(c, data.edges, [str(x) for x in nodes["id"] if isinstance(x, str)],
                    sources)
    check_structure(c, nodes, data.edges, stages[-1], nwhere)


def node_where(ids: pd.Series) -> Callable[[int], str]:
    """A function naming the node of a row: ``node 'id'``, or ``node #n`` with no id."""
    values = ids.to_numpy(dtype=object)

    def nwhere(r: int) -> str:
        v = values[r]
        return f"node '{v}'" if isinstance(v, str) else f"node #{r + 1}"
    return nwhere


# ---------------------------------------------------------------------------
# nodes
# ---------------------------------------------------------------------------

def check_nodes(c: Collector, nodes: pd.DataFrame, stages: list[str], sources: dict,
                nwhere: Callable[[int], str]) -> np.ndarray:
    """Check the node table: ids, stages, numbers; return which rows repeat an id."""
    n = len(nodes)
    bad_id = nodes["_bad_id"].fillna(False).astype(bool).to_numpy() if "_bad_id" in nodes \
        else np.zeros(n, dtype=bool)
    dup = _check_node_ids(c, nodes["id"], bad_id, nwhere)
    _check_node_stages(c, nodes["stage"], stages, nwhere)
    check_numbers(c, nodes, "nodes", "node", NODE_NUMBERS, nwhere, sources)
    check_magnitudes(c, nodes, stages[-1], nwhere)
    _check_capital_stock(c, nodes, nwhere)
    return dup


def _check_capital_stock(c: Collector, nodes: pd.DataFrame, nwhere: Callable[[int], str]
                         ) -> None:
    """A warning for a ``capital`` node that also gives ``inventory_months``: its
    installed base is its buffer, and the stock is not used (docs/model.md §1.5)."""
    life, stock = "capital.service_life_months", "inventory_months"
    if life not in nodes.columns or stock not in nodes.columns:
        return
    both = (nodes[life].notna() & nodes[stock].notna()).to_numpy()
    for r in listed(c, "capital-stock", np.flatnonzero(both)):
        c.add("warning", "capital-stock", "`inventory_months` is not used on a `capital` node",
              table="nodes", row=int(r), field=stock, where=nwhere(int(r)),
              expected="`capital` or `inventory_months`, not both",
              found=f"inventory_months {short(float(nodes[stock].iloc[r]))}",
              fix="remove `inventory_months`: the installed base replaces the stock "
                  "as this node's buffer")


def _check_node_ids(c: Collector, ids: pd.Series, bad_id: np.ndarray,
                    nwhere: Callable[[int], str]) -> np.ndarray:
    """Each node has an id, a slug, used once (``bad_id``: reported as read)."""
    missing = ids.isna().to_numpy() & ~bad_id
    for r in listed(c, "required", np.flatnonzero(missing)):
        c.add("error", "required", "node has no id", table="nodes", row=int(r), field="id",
              where=nwhere(int(r)), expected="a slug like `reduction_gears`", found="nothing",
              fix="add `id:`")
    pat = ids.fillna("").astype(str).str.fullmatch(schema.NODE_ID_PATTERN).to_numpy()
    for r in listed(c, "pattern", np.flatnonzero(~pat & ~missing & ~bad_id)):
        c.add("error", "pattern", "node id is not a slug", table="nodes", row=int(r), field="id",
              where=nwhere(int(r)), expected="lowercase letters, digits and _",
              found=short(ids.iloc[r]), fix=f"write `{slugify(str(ids.iloc[r]))}`")
    dup = ids.duplicated(keep="first").to_numpy() & ~missing & ~bad_id
    if dup.any():
        first = {}
        for r, v in enumerate(ids):
            first.setdefault(v, r)
        for r in listed(c, "duplicate", np.flatnonzero(dup)):
            f0 = first[ids.iloc[r]]
            _, line0, _ = c.at("nodes", f0, "id", None)
            c.add("error", "duplicate", f"node id '{ids.iloc[r]}' is used twice", table="nodes",
                  row=int(r), field="id", where=nwhere(int(r)), expected="unique ids",
                  found=f"also at node #{f0 + 1}" + (f" (line {line0})" if line0 else ""),
                  fix="rename one of them or merge the two nodes")
    return dup


def _check_node_stages(c: Collector, st: pd.Series, stages: list[str],
                       nwhere: Callable[[int], str]) -> None:
    """Each node has a stage, one of the declared ``stages``."""
    for r in listed(c, "required", np.flatnonzero(st.isna().to_numpy())):
        c.add("error", "required", "node has no stage", table="nodes", row=int(r), field="stage",
              where=nwhere(int(r)), expected="one of " + ", ".join(stages), found="nothing",
              fix=f"add `stage: {stages[0]}` (or another stage)")
    bad = (st.notna() & ~st.isin(stages)).to_numpy()
    for r in listed(c, "stage", np.flatnonzero(bad)):
        c.add("error", "stage", "unknown stage", table="nodes", row=int(r), field="stage",
              where=nwhere(int(r)), expected="one of " + ", ".join(stages),
              found=short(st.iloc[r]),
              fix=did_you_mean(st.iloc[r], stages, "use a declared stage, or declare it "
                                                    "under `stages:`"))


# ---------------------------------------------------------------------------
# suppliers
# ---------------------------------------------------------------------------

def check_suppliers(c: Collector, data: ChainData, dup: np.ndarray) -> None:
    """Check the supplier table: countries, nodes, repeats, shares and their sums.

    ``dup`` marks the node rows that repeat an id (reported once, with the nodes).
    """
    sups, ids, csv = data.suppliers, data.nodes["id"], bool(c.csv.get("suppliers"))
    groups = data.header.get("groups", {}) or {}
    swhere = _supplier_where(sups)
    blank = _blank_cells(c, sups)
    no_ctry = sups["country"].isna().to_numpy()
    ctry = pd.Series(["" if m else str(x) for x, m in zip(sups["country"], no_ctry,
                                                          strict=True)],
                     index=sups.index, dtype=object)
    known = set(schema.countries()) | set(data.header.get("groups", {})) | {OTHER}
    _check_supplier_countries(c, ctry, no_ctry, known, blank, swhere)
    if csv:
        _check_supplier_nodes(c, sups, [str(x) for x in ids if isinstance(x, str)], blank,
                              swhere)
    # a duplicated node id is reported once, with the nodes; in a YAML/JSON file its
    # suppliers are not a second problem
    own = (sups["node"].isin(set(ids[dup])).to_numpy() if dup.any()
           and not csv else np.zeros(len(sups), dtype=bool))
    dupe = sups.duplicated(["node", "country"], keep="first").to_numpy() & ~own
    for r in listed(c, "duplicate", np.flatnonzero(dupe)):
        c.add("error", "duplicate", f"country '{ctry.iloc[r]}' is listed twice",
              table="suppliers", row=int(r), field="country",
              where=swhere(int(r)), expected="each country once per node",
              found="a second entry", fix="merge the two entries")
    if csv:
        spec = schema.attribute("supplier", "share")
        no_share = blank("share", sups["share"].isna().to_numpy())
        for r in listed(c, "required", np.flatnonzero(no_share)):
            c.add("error", "required", "supplier row has no share", table="suppliers",
                  row=int(r), field="share", where=swhere(int(r)),
                  expected=spec.range_text(), found="nothing", fix="fill in the share")
    check_numbers(c, sups, "suppliers", "supplier", ("share",), swhere,
                  data.header.get("sources", {}))
    if groups:
        _check_group_overlap(c, sups, ctry, groups, swhere)
    _check_share_sums(c, sups, ctry, own, ids)
    check_controllers(c, data, swhere)


def _supplier_where(sups: pd.DataFrame) -> Callable[[int], str]:
    """A function naming the node and supplier of a supplier row."""
    def swhere(r: int) -> str:
        node, country = sups["node"].iloc[r], sups["country"].iloc[r]
        return f"node '{node if isinstance(node, str) else '?'}'" + (
            f", supplier '{country}'" if isinstance(country, str) else "")
    return swhere


def _blank_cells(c: Collector, sups: pd.DataFrame) -> Blank:
    """A function giving the supplier rows whose cell of a column is empty.

    In a bundle's ``suppliers.csv`` that is the raw cell; elsewhere the fallback
    mask given. A missing column is reported once, as the file is read.
    """
    raw = c.doc.tables.get("suppliers") if c.doc is not None and c.csv.get(
        "suppliers") else None

    def blank(col: str, fallback: np.ndarray) -> np.ndarray:
        if raw is None:
            return fallback
        if col not in raw.columns:
            return np.zeros(len(sups), dtype=bool)
        return (raw[col].str.strip() == "").to_numpy()
    return blank


def _check_supplier_countries(c: Collector, ctry: pd.Series, no_ctry: np.ndarray,
                              known: set[str], blank: Blank,
                              swhere: Callable[[int], str]) -> None:
    """Each supplier row names a country: an ISO code, a declared group, or ``other``."""
    for r in listed(c, "required", np.flatnonzero(blank("country", no_ctry))):
        c.add("error", "required", "supplier row has no country", table="suppliers",
              row=int(r), field="country", where=swhere(int(r)),
              expected="an ISO 3166-1 alpha-2 code, a declared group, or `other`",
              found="nothing", fix="fill in the country")
    bad = ~ctry.isin(known).to_numpy() & ~no_ctry
    for r in listed(c, "country", np.flatnonzero(bad)):
        code = ctry.iloc[r]
        fix = (f"write `{code.upper()}` (country codes are upper case)"
               if code.upper() in known else did_you_mean(
                   code, sorted(known), "use an ISO 3166-1 alpha-2 code or declare a group "
                                        "under `groups:`"))
        c.add("error", "country", f"unknown country code '{code}'", table="suppliers",
              row=int(r), field="country", where=swhere(int(r)),
              expected="an ISO 3166-1 alpha-2 code, a declared group, or `other`",
              found=short(code), fix=fix)


def _check_supplier_nodes(c: Collector, sups: pd.DataFrame, id_list: list[str],
                          blank: Blank, swhere: Callable[[int], str]) -> None:
    """Each row of ``suppliers.csv`` names a node of ``nodes.csv``."""
    bad_node = (~sups["node"].isin(set(id_list)) & sups["node"].notna()).to_numpy()
    for r in listed(c, "unknown-node", np.flatnonzero(bad_node)):
        v = sups["node"].iloc[r]
        c.add("error", "unknown-node", f"supplier row names unknown node '{v}'",
              table="suppliers", row=int(r), field="node", where=swhere(int(r)),
              expected="a node id from nodes.csv", found=short(v),
              fix=did_you_mean(v, id_list, "add the node to nodes.csv"))
    for r in listed(c, "required", np.flatnonzero(blank("node", sups["node"].isna().to_numpy()))):
        c.add("error", "required", "supplier row has no node", table="suppliers",
              row=int(r), field="node", where=swhere(int(r)),
              expected="a node id", found="nothing", fix="fill in the node")


def _check_group_overlap(c: Collector, sups: pd.DataFrame, ctry: pd.Series,
                         groups: dict, swhere: Callable[[int], str]) -> None:
    """A node's suppliers list a group or its members, not both (their shares overlap)."""
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


def _check_share_sums(c: Collector, sups: pd.DataFrame, ctry: pd.Series, own: np.ndarray,
                      ids: pd.Series) -> None:
    """A node's supplier shares sum to at most 1; less, with no ``other``, is a warning.

    In a YAML/JSON file the problem is placed on the node's ``suppliers``, in a bundle
    on the node's first row of ``suppliers.csv``. ``own`` marks rows left out.
    """
    csv = bool(c.csv.get("suppliers"))
    sums = sups[~own].groupby("node", sort=False)["share"].sum()
    total = sums.to_numpy(dtype=float)
    over = np.flatnonzero(total > 1 + SHARE_TOLERANCE)
    rest = np.flatnonzero((total < 1 - SHARE_TOLERANCE)
                          & ~sums.index.isin(set(sups.loc[ctry == OTHER, "node"])))
    over_shown, rest_shown = over[:room(c, "share-sum")], rest[:room(c, "share-rest")]
    shown = np.union1d(over_shown, rest_shown)
    first_row, node_row = (_first_rows(sups["node"]), _first_rows(ids)) if len(shown) \
        else (None, None)
    for i in shown:
        node, t = sums.index[i], float(total[i])
        r = int(first_row.loc[node])
        row = int(node_row.loc[node]) if not csv else r
        if t > 1 + SHARE_TOLERANCE:
            c.add("error", "share-sum", "supplier shares sum to more than 1",
                  table="nodes" if not csv else "suppliers", row=row,
                  field="suppliers" if not csv else "share",
                  where=f"node '{node}'", expected=f"a total ≤ 1 (± {SHARE_TOLERANCE})",
                  found=f"{t:.3g}", fix="correct the shares; the rest is 'other'")
        else:
            c.add("warning", "share-rest", f"supplier shares sum to {t:.3g} with no "
                  f"`other` declared; the remaining {1 - t:.3g} is treated as other "
                  "producers", table="nodes" if not csv else "suppliers", row=row,
                  field="suppliers" if not csv else "share",
                  where=f"node '{node}'", fix="declare the rest as `other: "
                  f"{1 - t:.3g}` or complete the shares")
    unlisted(c, "share-sum", len(over) - len(over_shown))
    unlisted(c, "share-rest", len(rest) - len(rest_shown))


def _first_rows(keys: pd.Series) -> pd.Series:
    """The row of each key's first appearance in ``keys``, by key."""
    first = ~keys.duplicated(keep="first").to_numpy()
    return pd.Series(np.flatnonzero(first), index=keys.to_numpy()[first])


# ---------------------------------------------------------------------------
# edges
# ---------------------------------------------------------------------------

def check_edges(c: Collector, edges: pd.DataFrame, id_list: list[str], sources: dict
                ) -> None:
    """Check the edge table: ends, repeats, numbers, alternatives groups, input shares.

    ``id_list`` holds the chain's node ids.
    """
    def ewhere(r: int) -> str:
        return edge_where(edges["from"].iloc[r], edges["to"].iloc[r])
    _check_edge_ends(c, edges, id_list, ewhere)
    check_numbers(c, edges, "edges", "edge", EDGE_NUMBERS, ewhere, sources)
    _check_edge_groups(c, edges, ewhere)
    _check_ignored_inputs(c, edges, ewhere)
    _check_input_shares(c, edges)


def _check_edge_ends(c: Collector, edges: pd.DataFrame, id_list: list[str],
                     ewhere: Callable[[int], str]) -> None:
    """Each edge joins two different known nodes, and is given once."""
    id_set = set(id_list)
    for end in ("from", "to"):
        col = edges[end]
        for r in listed(c, "required", np.flatnonzero(col.isna().to_numpy())):
            c.add("error", "required", f"edge has no `{end}`", table="edges", row=int(r),
                  field=end, where=ewhere(int(r)), expected="a node id", found="nothing",
                  fix=f"add `{end}:`")
        bad = (col.notna() & ~col.isin(id_set)).to_numpy()
        for r in listed(c, "unknown-node", np.flatnonzero(bad)):
            v = col.iloc[r]
            c.add("error", "unknown-node", f"edge refers to unknown node '{v}'",
                  table="edges", row=int(r), field=end, where=ewhere(int(r)),
                  expected="the id of a node in this chain", found=short(v),
                  fix=did_you_mean(v, id_list, "add the node or correct the id"))
    loops = (edges["from"] == edges["to"]).to_numpy() & edges["from"].notna().to_numpy()
    for r in listed(c, "self-loop", np.flatnonzero(loops)):
        c.add("error", "self-loop", "edge goes from a node to itself", table="edges",
              row=int(r), field="to", where=ewhere(int(r)),
              expected="two different nodes", found=short(edges["to"].iloc[r]),
              fix="remove the edge")
    dupe = edges.duplicated(["from", "to"], keep="first").to_numpy()
    for r in listed(c, "duplicate", np.flatnonzero(dupe)):
        c.add("error", "duplicate", "the same edge is given twice", table="edges",
              row=int(r), field="to", where=ewhere(int(r)), expected="each edge once",
              found="a second copy", fix="remove one copy")


def _check_edge_groups(c: Collector, edges: pd.DataFrame,
                       ewhere: Callable[[int], str]) -> None:
    """Alternatives groups: slug names, ``covers`` only in a group, then each group
    (:func:`_check_group_members`)."""
    grp = edges["group"]
    for r in listed(c, "pattern", np.flatnonzero(_not_slugs(grp))):
        c.add("error", "pattern", "group name is not a slug", table="edges", row=int(r),
              field="group", where=ewhere(int(r)), expected="lowercase letters, digits, _",
              found=short(grp.iloc[r]), fix=f"write `{slugify(str(grp.iloc[r]))}`")
    given = edges["covers"].notna().to_numpy()
    for r in listed(c, "covers-alone", np.flatnonzero(given & grp.isna().to_numpy())):
        c.add("warning", "covers-alone", "`covers` has no effect without a `group`",
              table="edges", row=int(r), field="covers", where=ewhere(int(r)),
              fix="put the alternatives in one `group`, or remove `covers`")
    if grp.notna().any():
        _check_group_members(c, edges, ewhere)


def _not_slugs(names: pd.Series) -> np.ndarray:
    """The rows holding a name that is not a slug (each distinct name matched once)."""
    values = names.to_numpy(dtype=object)
    given = ~pd.isna(values)
    out = np.zeros(len(values), dtype=bool)
    try:
        codes, uniq = pd.factorize(values[given])
    except TypeError:  # unhashable values: matched one by one
        codes, uniq = np.arange(given.sum()), values[given]
    slug = re.compile(schema.SLUG_PATTERN)
    bad = np.array([slug.fullmatch(str(u)) is None for u in uniq], dtype=bool)
    out[given] = bad[codes] if len(codes) else False
    return out


def _check_group_members(c: Collector, edges: pd.DataFrame,
                         ewhere: Callable[[int], str]) -> None:
    """Each alternatives group has two or more members that together cover the whole
    need and are all essential or all not. A group of non-essential inputs alone is
    ignored by the engine (a warning, :func:`_check_ignored_inputs`), not checked here."""
    grp = edges["group"]
    ingroup = edges[grp.notna()][_group_has_essential(edges).to_numpy()]
    sizes = ingroup.groupby(["to", "group"], sort=False)["from"].transform("size")
    for r in listed(c, "group-single", ingroup.index[(sizes == 1).to_numpy()]):
        c.add("error", "group-single", f"alternatives group '{grp.loc[r]}' has one "
              "member", table="edges", row=int(r), field="group", where=ewhere(int(r)),
              expected="two or more alternatives in a group", found="one",
              fix="add the other alternatives to the group, or remove `group`")
    cov = ingroup["covers"].fillna(1.0).groupby(
        [ingroup["to"], ingroup["group"]], sort=False).transform("sum")
    partial = (cov < 1 - 1e-9) & (sizes > 1)
    for r in listed(c, "group-covers", ingroup.index[partial.to_numpy()]):
        c.add("error", "group-covers", f"the alternatives of group '{grp.loc[r]}' "
              "together cover less than the whole need", table="edges", row=int(r),
              field="covers", where=ewhere(int(r)),
              expected="covers summing to at least 1 over the group",
              found=f"{cov.loc[r]:.3g}",
              fix="raise `covers` of the alternative that can serve the whole need "
                  "(default 1), or add the missing alternative")
    mixed = ingroup.groupby(["to", "group"], sort=False)["essential"].transform("nunique")
    for r in listed(c, "group-mixed", ingroup.index[(mixed > 1).to_numpy()]):
        c.add("error", "group-mixed", "alternatives in one group mix essential and "
              "non-essential inputs", table="edges", row=int(r), field="essential",
              where=ewhere(int(r)), expected="the same `essential` for the group",
              found=str(edges["essential"].loc[r]).lower(),
              fix="make every member of the group essential, or none")


def _group_has_essential(edges: pd.DataFrame) -> pd.Series:
    """For each edge in a ``group``: does its group (at its node) have an essential
    member?"""
    essential = edges["essential"].fillna(True).astype(bool)
    grp = edges["group"]
    return essential[grp.notna()].groupby([edges["to"], grp], sort=False,
                                          dropna=False).transform("any").astype(bool)


def _check_ignored_inputs(c: Collector, edges: pd.DataFrame,
                          ewhere: Callable[[int], str]) -> None:
    """What the engine ignores on a non-essential input: a ``group`` (when no member of
    the group is essential; a mixed group is an error already) and a missing ``share``
    (it counts as 0)."""
    essential = edges["essential"].fillna(True).astype(bool)
    grp = edges["group"]
    ignored = pd.Series(False, index=edges.index)
    ignored[grp.notna()] = ~_group_has_essential(edges).to_numpy()
    for r in listed(c, "ignored-group", np.flatnonzero(ignored.to_numpy())):
        c.add("warning", "ignored-group", "`group` on a non-essential input is ignored: "
              "each non-essential input counts on its own, by its cost `share`",
              table="edges", row=int(r), field="group", where=ewhere(int(r)),
              expected="`group` only on essential inputs (alternatives)",
              found=f"group {short(grp.iloc[r])} with `essential: false`",
              fix="remove `group`, or make the edge essential (`essential: true`) if its "
                  "group's inputs are alternatives")
    for r in listed(c, "no-share", np.flatnonzero((~essential & edges["share"].isna()).to_numpy())):
        c.add("warning", "no-share", "non-essential input has no `share`, so it counts as "
              "0: its shortfall never lowers its user's output", table="edges",
              row=int(r), field="share", where=ewhere(int(r)),
              expected="the input's cost share, in [0, 1]", found="nothing",
              fix="give the edge a `share` (the fraction of the node's cost it is); "
                  "without one it counts as 0")


def _check_input_shares(c: Collector, edges: pd.DataFrame) -> None:
    """The input cost shares of a node sum to at most 1."""
    sums = edges.groupby("to", sort=False)["share"].sum(min_count=1)
    total = sums.to_numpy(dtype=float)
    over = np.flatnonzero(total > 1 + SHARE_TOLERANCE)
    to_row = _first_rows(edges["to"]) if len(over) else None
    for i in listed(c, "input-share-sum", over):
        node, t = sums.index[i], float(total[i])
        c.add("error", "input-share-sum", f"input shares of '{node}' sum to more than 1",
              table="edges", row=int(to_row.loc[node]), field="share", where=f"node '{node}'",
              expected=f"a total ≤ 1 (± {SHARE_TOLERANCE})", found=f"{t:.3g}",
              fix="correct the input cost shares")
