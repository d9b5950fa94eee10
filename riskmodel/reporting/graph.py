"""The data of the report's explorable diagram: every node with its place, colour,
scores and sources, and every edge, as plain JSON-ready values.

:func:`explorer_data` lays the chain out as the static diagram does (one column band
per stage, upstream to end use; :func:`riskmodel.plot.layout.layered_layout`), and
gives each node the facts the HTML page shows when it is hovered or clicked (rank,
choke score and its bounds, the country cut, exposure, suppliers) and the provenance of
its values (field, value, source title, year, URL, place and note). Chains with more
than :data:`EXPLORE_MAX_NODES` nodes get no explorable diagram: the data then says why,
and the page shows the static figure. Nothing here escapes text: the renderer does
(:mod:`riskmodel.reporting.explore`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskmodel.plot.layout import layered_layout
from riskmodel.plot.style import choke_colours, stage_colour

if TYPE_CHECKING:
    from riskmodel.model import Chain

__all__ = ["EXPLORE_MAX_NODES", "explorer_data"]

#: Above this many nodes a browser lays the diagram out too slowly to explore it; the
#: HTML report then shows the static figure.
EXPLORE_MAX_NODES = 2000
#: Layout units to pixels of the explorable diagram (x: one stage column; y: one row).
X_SCALE, Y_SCALE = 260.0, 44.0


def _pct(x: Any) -> str:
    return "" if _missing(x) else ("<0.1%" if 0 < abs(float(x)) < 0.0005 else f"{float(x):.1%}")


def _missing(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _text(x: Any) -> str:
    return "" if _missing(x) else str(x)


def _num(x: Any) -> str:
    return "" if _missing(x) else f"{float(x):.4g}"


def _facts(row: Mapping[str, Any], n: int, horizon: int, value: float,
           currency: str) -> list[list[str]]:
    """A node's scores as ``[name, text]`` pairs, in the order the page lists them."""
    exact = row.get("choke_exact")
    score = _pct(row.get("choke_score"))
    if score and exact is not None and not _missing(exact) and not bool(exact):
        score += " (upper bound: not scored exactly)"
    elif not score and not _missing(row.get("choke_immediate")):
        score = f"≤ {_pct(row.get('choke_immediate'))} (not scored exactly)"
    rank = row.get("rank")
    top = row.get("top_supplier")
    facts = [
        ("rank", "" if _missing(rank) else f"{int(rank)} of {n}"),
        (f"choke score (share lost over {horizon} months)", score),
        ("immediate loss", _pct(row.get("choke_immediate"))),
        ("long-run loss", _pct(row.get("choke_long_run"))),
        ("cut by", "" if _missing(row.get("cut_country")) else str(row.get("cut_country"))),
        ("exposure", _pct(row.get("exposure"))),
        ("given back by substitution", _pct(row.get("relief_substitution"))),
        ("given back by stocks", _pct(row.get("relief_stock"))),
        ("HHI", _num(row.get("hhi"))),
        ("end-use products stopped", "" if _missing(row.get("spof_count"))
         else f"{int(row['spof_count'])}"),
        ("top supplier", "" if _missing(top) else f"{top} {_pct(row.get('top_share'))}"),
        ("value", "" if not math.isfinite(value) else
         f"{value:.4g}" + (f" {currency}" if currency else "")),
    ]
    return [[k, v] for k, v in facts if v]


def _sources(prov: pd.DataFrame, sources: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each node's values with their provenance: its own fields, its supplier shares,
    and the shares and covers of its input edges (listed under the node they feed)."""
    out: dict[str, list[dict[str, Any]]] = {}
    if prov.empty:
        return out
    node = prov["id"].astype(str).where(prov["kind"] != "edge",
                                        prov["id"].astype(str).str.rpartition(" -> ")[2])
    cols = [prov[c].tolist() for c in ("kind", "id", "field", "value", "class", "source",
                                       "ref", "note")]
    for key, kind, ident, field, value, klass, source, ref, note in zip(node, *cols,
                                                                         strict=True):
        sid = "" if _missing(source) else str(source)
        src = sources.get(sid) if sid else None
        src = src if isinstance(src, Mapping) else {}
        row = {"field": str(field) if kind != "edge" else f"{ident} {field}",
               "value": _num(value), "class": str(klass), "source": sid,
               "title": _text(src.get("title")), "year": _text(src.get("year")),
               "url": _text(src.get("url")), "ref": _text(ref), "note": _text(note)}
        out.setdefault(key, []).append({k: v for k, v in row.items() if v or k == "value"})
    return out


def explorer_data(chain: Chain, scores: pd.DataFrame, prov: pd.DataFrame, *,
                  max_nodes: int | None = None) -> dict[str, Any]:
    """The explorable diagram's data: nodes, edges, stage headers and colour scale.

    Parameters
    ----------
    chain : Chain
    scores : DataFrame
        :func:`riskmodel.score` of the chain (the report gives it without the end uses,
        which then show no rank: "rank k of n" counts the nodes ranked).
    prov : DataFrame
        :func:`riskmodel.provenance.provenance` of the chain.
    max_nodes : int, optional
        A larger chain gets ``{"nodes": n, "too_large": max_nodes}`` only (default
        :data:`EXPLORE_MAX_NODES`).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.provenance import provenance
    >>> bike = rm.load("bicycle")
    >>> g = explorer_data(bike, rm.score(bike), provenance(bike))
    >>> len(g["nodes"]), len(g["edges"]), [s["label"] for s in g["stages"]][:2]
    (13, 15, ['Upstream (3)', 'Midstream (6)'])
    >>> top = min(g["nodes"], key=lambda x: x["rank"])
    >>> top["id"], top["facts"][1]
    ('drivetrain', ['choke score (share lost over 24 months)', '49.0%'])
    >>> explorer_data(bike, rm.score(bike), provenance(bike), max_nodes=5)
    {'nodes': 13, 'too_large': 5}
    """
    c = chain.compiled
    max_nodes = EXPLORE_MAX_NODES if max_nodes is None else max_nodes
    if c.n > max_nodes:
        return {"nodes": int(c.n), "too_large": int(max_nodes)}
    ids = [str(x) for x in c.ids]
    stages = [str(s) for s in c.stages]
    src = np.asarray(c.in_src, dtype=np.int64)
    dst = np.asarray(c.in_dst, dtype=np.int64)
    stage_of = np.asarray(c.stage, dtype=np.int64)
    layers, xy, bands, n_rows, _ = layered_layout(stage_of, len(stages), np.arange(c.n),
                                                  src, dst)
    sc = scores.reindex(ids)
    choke = sc["choke_score"].fillna(sc["choke_immediate"]).fillna(0.0).to_numpy(float)
    vmax = max(0.05, float(np.nanmax(choke)) if c.n else 0.05)
    fills = choke_colours(choke, vmax)
    value = np.asarray(c.value, dtype=float)
    vtop = float(np.nanmax(value)) if np.isfinite(value).any() else 0.0
    horizon = int(scores.attrs.get("horizon", 12))
    by_node = _sources(prov, chain.sources or {})
    labels = dict(zip(chain.nodes["id"].astype(str), chain.nodes["label"], strict=True))
    rank = sc["rank"] if "rank" in sc else pd.Series(np.nan, index=ids)
    nodes = []
    for i, key in enumerate(ids):
        v = float(value[i])
        label = labels.get(key)
        row = sc.iloc[i].to_dict()
        nodes.append({
            "id": key, "label": label if isinstance(label, str) and label else key,
            "stage": stages[stage_of[i]], "x": round(xy[i][0] * X_SCALE, 1),
            "y": round(xy[i][1] * Y_SCALE, 1), "fill": fills[i],
            "stage_fill": stage_colour(stages[stage_of[i]], stages),
            "size": round(16 + 26 * math.sqrt(v / vtop), 1) if vtop > 0 and v > 0 else 16,
            "rank": None if _missing(rank.iloc[i]) else int(rank.iloc[i]),
            "facts": _facts(row, int(rank.notna().sum()), horizon, v, chain.currency or ""),
            "sources": by_node.get(key, [])})
    essential = np.asarray(c.edge_essential, dtype=bool)
    edges = [{"from": int(u), "to": int(v), "essential": bool(e),
              "arc": bool(xy[int(v)][0] <= xy[int(u)][0] + 0.5)}
             for u, v, e in zip(src, dst, essential, strict=True)]
    top_y = (-(n_rows - 1) / 2 - 1.2) * Y_SCALE
    heads = [{"label": f"{stages[s].replace('_', ' ').capitalize()} ({len(layers[s])})",
              "x": round(a * X_SCALE, 1), "y": round(top_y, 1),
              "fill": stage_colour(stages[s], stages)} for s, (a, _) in enumerate(bands)
             if layers[s]]
    return {"nodes": nodes, "edges": edges, "stages": heads, "rows": int(n_rows),
            "horizon": horizon, "choke_max": vmax,
            "scale": choke_colours(np.linspace(0, vmax, 6), vmax)}
