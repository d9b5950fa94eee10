"""What changed between two versions of a chain.

:func:`diff` compares two chains (say, a built-in chain before and after an edit, or
the ETO import under two conversion rules) and reports nodes, edges and values added,
removed or changed, and how the choke ranking and the country leverage moved.
Changes to the header (the chain's name and currency, its perspective, stages, country
groups, restrictions in force and named targets) are reported first: a new perspective,
new groups or a new baseline move every ranking, so the ranking moves below them are
read in that light. Detection returns a
:class:`ChainDiff` of DataFrames; :func:`render` formats it as a text table, JSON or
Markdown.

Examples
--------
>>> import riskmodel as rm
>>> old = rm.load("bicycle")
>>> new = old.copy()
>>> new.graph.nodes["drivetrain"]["suppliers"]["JP"] = 0.5
>>> new.graph.nodes["drivetrain"]["suppliers"]["TW"] = 0.4
>>> d = diff(old, new)
>>> [(r.id, r.field, r.old, r.new) for r in d.values.itertuples()]
[('drivetrain', 'suppliers.JP', 0.7, 0.5), ('drivetrain', 'suppliers.TW', 0.2, 0.4)]
>>> d.ranking.loc["drivetrain", ["old_choke", "new_choke"]].round(3).tolist()
[0.407, 0.219]

A change of perspective is a header change, reported before everything else:

>>> glob = old.copy()
>>> glob.perspective = "global"
>>> d = diff(old, glob)
>>> [(r.field, r.old, r.new) for r in d.header.itertuples()]
[('perspective', {'home': 'DE'}, 'global')]
>>> d.perspective_changed
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from riskmodel.io.tables import EDGE_NUMBERS, NODE_NUMBERS
from riskmodel.io.terminal import one_line
from riskmodel.model import Chain

__all__ = ["ChainDiff", "diff", "render"]

TEXT_FIELDS = ("label", "stage", "description", "note")
#: header fields compared by :func:`diff`, in the order they are reported (groups last,
#: one row per group)
HEADER_FIELDS = ("name", "title", "currency", "perspective", "stages")


@dataclass
class ChainDiff:
    """The differences between two chains (``old`` → ``new``)."""

    old_name: str
    new_name: str
    nodes_added: list[str]
    nodes_removed: list[str]
    edges_added: list[tuple[str, str]]
    edges_removed: list[tuple[str, str]]
    values: pd.DataFrame         #: kind, id, field, old, new, change
    ranking: pd.DataFrame        #: per node: old/new rank and choke score, their moves
    leverage: pd.DataFrame       #: per country: old/new leverage and its move
    settings: dict[str, Any] = field(default_factory=dict)
    #: header changes: field (``name``, ``title``, ``currency``, ``perspective``,
    #: ``stages``, ``groups.<ID>``, ``baseline.<id>``, ``targets.<name>``,
    #: ``scenarios.<id>.plausibility``), status, old, new
    header: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["field", "status", "old", "new"]))

    @property
    def perspective_changed(self) -> bool:
        """Whether the perspective changed (so every ranking moves with it)."""
        return bool(len(self.header)) and "perspective" in set(self.header["field"])

    @property
    def empty(self) -> bool:
        return not (self.nodes_added or self.nodes_removed or self.edges_added
                    or self.edges_removed or len(self.values) or len(self.header))


def _node_values(chain: Chain) -> dict[tuple[str, str, str], Any]:
    data = chain.to_data()
    out: dict[tuple[str, str, str], Any] = {}
    for r in data.nodes.to_dict("records"):
        for f in (*TEXT_FIELDS, *NODE_NUMBERS):
            v = r.get(f)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                out["node", r["id"], f] = v
    for table, sups in (("suppliers", data.suppliers), ("world_suppliers",
                                                        data.world_suppliers)):
        for r in sups.to_dict("records"):
            out["node", r["node"], f"{table}.{r['country']}"] = float(r["share"])
    for r in data.edges.to_dict("records"):
        key = f"{r['from']} -> {r['to']}"
        for f in (*EDGE_NUMBERS, "essential", "group"):
            v = r.get(f)
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                out["edge", key, f] = v
    return out


def _header_values(chain: Chain) -> dict[str, Any]:
    h = chain.header
    out: dict[str, Any] = {"name": chain.name, "title": str(h.get("title") or ""),
                           "currency": chain.currency, "perspective": chain.perspective,
                           "stages": chain.stages}
    for gid, g in sorted((h.get("groups") or {}).items()):
        out[f"groups.{gid}"] = g
    for r in chain.baseline:  # the restrictions in force move every result
        out[f"baseline.{r.id}"] = r.as_dict()
    for name, nodes in sorted(chain.targets.items()):  # named targets (riskmodel.targets)
        out[f"targets.{name}"] = nodes
    for sc in chain.scenarios:  # how plausible each scenario is said to be
        if sc.get("plausibility"):
            out[f"scenarios.{sc.get('id')}.plausibility"] = sc["plausibility"]
    return out


def _header_changes(old: Chain, new: Chain) -> pd.DataFrame:
    a, b = _header_values(old), _header_values(new)
    rows = []
    for key in [*HEADER_FIELDS, *sorted(k for k in set(a) | set(b)
                                         if k.startswith(("groups.", "baseline.",
                                                          "targets.", "scenarios.")))]:
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        status = "added" if va is None else "removed" if vb is None else "changed"
        rows.append({"field": key, "status": status, "old": va, "new": vb})
    return pd.DataFrame(rows, columns=["field", "status", "old", "new"])


def _value_changes(old: Chain, new: Chain, common_nodes: set[str],
                   common_edges: set[str]) -> pd.DataFrame:
    a, b = _node_values(old), _node_values(new)
    rows = []
    for key in sorted(set(a) | set(b)):
        kind, ident, fld = key
        if (kind == "node" and ident not in common_nodes) or (
                kind == "edge" and ident not in common_edges):
            continue  # reported as an added or removed node/edge
        va, vb = a.get(key), b.get(key)
        if va == vb:
            continue
        if isinstance(va, float) and isinstance(vb, float) and math.isclose(va, vb,
                                                                             abs_tol=1e-12):
            continue
        change = vb - va if isinstance(va, float) and isinstance(vb, float) else None
        status = "added" if va is None else "removed" if vb is None else "changed"
        rows.append({"kind": kind, "id": ident, "field": fld, "status": status, "old": va,
                     "new": vb, "change": change})
    return pd.DataFrame(rows, columns=["kind", "id", "field", "status", "old", "new",
                                       "change"])


def diff(old: Chain, new: Chain, *, scores: bool = True, horizon: int = 12) -> ChainDiff:
    """Compare two chains: header, structure, values, and (``scores=True``) how the choke
    ranking and the country leverage moved.

    The header rows (``ChainDiff.header``) cover the name, title, currency, perspective,
    stages, each country group, each restriction in force and each scenario's
    ``plausibility`` (a row ``scenarios.<id>.plausibility`` when it is set, changed or
    dropped); a changed perspective or
    group moves the rankings by itself, which ``ChainDiff.perspective_changed`` flags."""
    from riskmodel.scoring import leverage, score

    on, nn = set(old.graph.nodes), set(new.graph.nodes)
    oe, ne = set(old.graph.edges), set(new.graph.edges)
    values = _value_changes(old, new, on & nn, {f"{u} -> {v}" for u, v in oe & ne})
    ranking = pd.DataFrame(columns=["old_rank", "new_rank", "rank_move", "old_choke",
                                    "new_choke", "choke_move"])
    lev = pd.DataFrame(columns=["old_leverage", "new_leverage", "move"])
    if scores:
        so, sn = score(old, horizon=horizon), score(new, horizon=horizon)
        ranking = pd.DataFrame({"old_rank": so["rank"], "old_choke": so["choke_score"]}).join(
            pd.DataFrame({"new_rank": sn["rank"], "new_choke": sn["choke_score"]}), how="outer")
        ranking["rank_move"] = ranking["old_rank"] - ranking["new_rank"]  # + = rose
        ranking["choke_move"] = ranking["new_choke"] - ranking["old_choke"]
        ranking = ranking[["old_rank", "new_rank", "rank_move", "old_choke", "new_choke",
                           "choke_move"]]
        ranking = ranking.sort_values("new_rank", na_position="last", kind="stable")
        for col in ("old_rank", "new_rank", "rank_move"):
            ranking[col] = ranking[col].astype("Int64")
        lo, ln = leverage(old, horizon=horizon), leverage(new, horizon=horizon)
        lev = pd.DataFrame({"old_leverage": lo["leverage"]}).join(
            pd.DataFrame({"new_leverage": ln["leverage"]}), how="outer")
        lev["move"] = lev["new_leverage"] - lev["old_leverage"]
        lev = lev.sort_values("new_leverage", ascending=False, na_position="last",
                              kind="stable")
    return ChainDiff(old.name, new.name, sorted(nn - on), sorted(on - nn), sorted(ne - oe),
                     sorted(oe - ne), values, ranking, lev,
                     settings={"horizon": horizon, "scores": scores,
                               "old": old.path or old.name, "new": new.path or new.name},
                     header=_header_changes(old, new))


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------

def _moved(d: ChainDiff, top: int) -> pd.DataFrame:
    r = d.ranking
    if r.empty:
        return r
    both_zero = (r["old_choke"].fillna(-1) == 0) & (r["new_choke"].fillna(-1) == 0)
    moved = r[((r["rank_move"].fillna(1) != 0) & ~both_zero) | (r["choke_move"].abs() > 1e-9)
              | r["old_rank"].isna() | r["new_rank"].isna()]
    return moved.head(top)


def _show_header_value(fld: str, v: Any) -> str:
    """A header value on one line: ``home CN``, ``upstream, end_use``, a group's members."""
    return " ".join(_header_value_text(fld, v).splitlines())


def _header_value_text(fld: str, v: Any) -> str:
    if v is None:
        return "(none)"
    if fld == "perspective":
        return f"home {v['home']}" if isinstance(v, dict) and "home" in v else str(v)
    if fld == "stages" and isinstance(v, list):
        return ", ".join(map(str, v))
    if fld.startswith("baseline.") and isinstance(v, dict):
        return "; ".join(f"{k} {', '.join(map(str, x)) if isinstance(x, list) else x}"
                         for k, x in v.items() if k != "id")
    if fld.startswith("groups.") and isinstance(v, dict):
        parts = []
        if "members" in v:
            parts.append("members " + (", ".join(map(str, v["members"] or [])) or "none"))
        parts += [f"{k} {val}" for k, val in v.items() if k != "members"]
        return "; ".join(parts) or "(no fields)"
    return repr(v) if v == "" else str(v)


def _notes(d: ChainDiff) -> list[str]:
    """Plain warnings about header changes that move the rankings by themselves."""
    out = []
    if d.perspective_changed:
        r = d.header.set_index("field").loc["perspective"]
        out.append(f"The perspective changed ({_show_header_value('perspective', r['old'])} "
                   f"-> {_show_header_value('perspective', r['new'])}): the choke ranking "
                   "and leverage moves below partly come from that change, not only from "
                   "the edits to nodes, edges and values.")
    if len(d.header) and d.header["field"].str.startswith("groups.").any():
        out.append("The country groups changed: the leverage moves below partly come from "
                   "that change.")
    if len(d.header) and d.header["field"].str.startswith("baseline.").any():
        out.append("The restrictions in force (baseline) changed: every result is read on "
                   "top of them, so the moves below partly come from that change.")
    return out


def render(d: ChainDiff, fmt: str = "text", *, top: int = 20) -> str:
    """The diff as ``text``, ``json`` or ``md``; header changes come first."""
    if fmt == "json":
        from riskmodel.io.render import to_jsonable

        return json.dumps(to_jsonable({
            "old": d.settings["old"], "new": d.settings["new"], "settings": d.settings,
            "header": d.header.to_dict("records"), "notes": _notes(d),
            "nodes_added": d.nodes_added, "nodes_removed": d.nodes_removed,
            "edges_added": [list(e) for e in d.edges_added],
            "edges_removed": [list(e) for e in d.edges_removed],
            "values": d.values.to_dict("records"),
            "ranking": d.ranking.astype(object).where(d.ranking.notna(), None),
            "leverage": d.leverage}), indent=2, ensure_ascii=False)
    if fmt not in ("text", "md"):
        raise ValueError(f"unknown format {fmt!r}; valid formats: text, json, md")
    md = fmt == "md"
    from riskmodel.io.render import md_escape, table

    def tbl(df: pd.DataFrame, index: bool = True) -> str:
        if md:
            return _md_table(df, index=index)
        return table(df, index=index)

    def esc(x: object) -> str:
        return md_escape(str(x)) if md else str(x)

    def path(x: object) -> str:  # a user's file name, on one line
        return md_escape(str(x)) if md else one_line(x)

    h = "## " if md else ""
    lines = [f"{'# ' if md else ''}Changes from {path(d.settings['old'])} to "
             f"{path(d.settings['new'])}", ""]
    if len(d.header):
        lines.append(f"{h}Header changed ({len(d.header)})")
        for r in d.header.itertuples():
            lines.append(f"- {esc(r.field)}: {esc(_show_header_value(r.field, r.old))} -> "
                         f"{esc(_show_header_value(r.field, r.new))}")
        lines.append("")
        for n in _notes(d):  # in Markdown, one paragraph each
            lines += [f"**Note:** {esc(n)}", ""] if md else [f"Note: {n}"]
        if _notes(d) and not md:
            lines.append("")
    if not (d.nodes_added or d.nodes_removed or d.edges_added or d.edges_removed
            or len(d.values)):
        lines += ["No differences in nodes, edges or values.", ""]
    struct = [("Nodes added", d.nodes_added), ("Nodes removed", d.nodes_removed),
              ("Edges added", [f"{u} -> {v}" for u, v in d.edges_added]),
              ("Edges removed", [f"{u} -> {v}" for u, v in d.edges_removed])]
    for title, items in struct:
        if items:
            lines.append(f"{h}{title} ({len(items)})")
            lines += [f"- {esc(x)}" for x in items[:top]]
            if len(items) > top:
                lines.append(f"- … and {len(items) - top} more")
            lines.append("")
    if len(d.values):
        lines += [f"{h}Values changed ({len(d.values)})", tbl(d.values.head(top), False)]
        if len(d.values) > top:
            lines.append(f"… and {len(d.values) - top} more")
        lines.append("")
    moved = _moved(d, top)
    if len(moved):
        lines += [f"{h}Choke ranking moves (choke score over {d.settings['horizon']} months; "
                  "rank_move > 0 = rose)", tbl(moved), ""]
    elif d.settings.get("scores"):
        lines += [f"{h}Choke ranking", "No node moved.", ""]
    lev = d.leverage[d.leverage["move"].abs() > 1e-9] if len(d.leverage) else d.leverage
    if len(lev):
        lines += [f"{h}Country leverage moves", tbl(lev.head(top)), ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_table(df: pd.DataFrame, *, index: bool) -> str:
    frame = df.reset_index() if index else df
    from riskmodel.io.render import md_escape

    cols = [md_escape(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                cells.append("")
            elif isinstance(v, float):
                cells.append(f"{v:.4g}")
            else:
                cells.append(md_escape(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
