"""Export a chain to graph tools: GraphML (yEd, Cytoscape), GEXF (Gephi), node-link JSON
(networkx, D3) and CSV tables (spreadsheets).

A chain's attributes include mappings (``suppliers``, ``provenance``) that graph
formats cannot hold, so :func:`export_graph` first makes a plain
:class:`networkx.DiGraph` whose every attribute is a string, a number or a boolean:

- ``suppliers`` becomes the text ``"JP 70%; CN 30%"`` and one number per country,
  ``share_JP = 0.7`` (so Gephi can filter and colour by a country's share);
- ``controlled_by`` becomes one text per controlled share, ``controlled_by_TW = "US"``;
- ``world_suppliers`` (the world's shares, docs/model.md §1.3) likewise becomes text and
  ``world_share_CN = 0.9`` per country, and their jurisdictions
  ``world_controlled_by_CN``;
- ``provenance`` becomes one text per sourced value, ``source_substitutability =
  "estimate 0.3–0.7: illustrative"`` or ``"mckinsey_2023 p. 4"``;
- lists become ``"; "``-separated text; missing values are left out;
- with ``scores=True`` (the default) each node also carries its choke-point scores
  (:func:`riskmodel.score`): ``rank``, ``choke_score`` and its bounds, the cut country,
  exposure, transmission, concentration and reach.

:func:`export` writes that graph in one of :data:`FORMATS` through the one safe writer
(:mod:`riskmodel.io.write`); :func:`render_export` returns the files' contents.

Examples
--------
>>> import networkx as nx, riskmodel as rm
>>> g = export_graph(rm.load("bicycle"))
>>> g.nodes["frames"]["suppliers"], g.nodes["frames"]["share_DE"]
('DE 40%; TW 40%; CN 20%', 0.4)
>>> g.nodes["drivetrain"]["rank"], round(g.nodes["drivetrain"]["choke_score"], 3)
(1, 0.49)
>>> files = render_export(rm.load("bicycle"), "graphml")
>>> h = nx.read_graphml(__import__("io").BytesIO(files["graph"]))
>>> h.number_of_nodes(), h.nodes["frames"]["stage"]
(13, 'midstream')
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from riskmodel._errors import OutputFormatError
from riskmodel.io.render import spreadsheet_safe
from riskmodel.model import Chain, require_chain

__all__ = ["FORMATS", "export", "export_graph", "render_export"]

#: the formats :func:`export` writes, and the file name extension of each (CSV: a folder)
FORMATS: dict[str, str] = {"graphml": ".graphml", "gexf": ".gexf", "json": ".json", "csv": ""}

#: score columns added to each node (those not already node attributes)
SCORE_COLUMNS = ("rank", "choke_score", "choke_immediate", "choke_long_run", "cut_country",
                 "exposure", "transmission", "import_share", "top_supplier", "top_share",
                 "hhi", "countries_to_75", "betweenness", "knockout_loss",
                 "downstream_reach", "spof_count")


def _plain(value: Any) -> Any:
    """A value graph formats hold (str, float, bool), or None to leave it out. Whole
    numbers become floats, so that each attribute has one type in every node (GraphML
    and GEXF declare a type per attribute)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        value = float(value)
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    return str(value)


def _shares_text(suppliers: Mapping[str, float]) -> str:
    return "; ".join(f"{c} {100 * float(s):.4g}%" for c, s in suppliers.items())


def _source_text(entry: Mapping[str, Any]) -> str:
    """One provenance entry as text: its source and reference, or its estimate range."""
    if entry.get("estimate"):
        rng = (f" {entry['low']:g}–{entry['high']:g}"
               if entry.get("low") is not None and entry.get("high") is not None else "")
        note = f": {entry['note']}" if entry.get("note") else ""
        return f"estimate{rng}{note}"
    return " ".join(str(entry[k]) for k in ("source", "ref") if entry.get(k)) or "unsourced"


#: the share tables (as text and one number per country, with this prefix) and the
#: jurisdictions of their shares (one text per share, with this prefix)
_SHARES = {"suppliers": "share_", "world_suppliers": "world_share_"}
_CONTROLS = {"controlled_by": "controlled_by_", "world_controlled_by": "world_controlled_by_"}


def _flat(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes of one node or edge as plain values (module docstring)."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if key in _SHARES and isinstance(value, Mapping):
            out[key] = _shares_text(value)
            out.update({f"{_SHARES[key]}{c}": float(s) for c, s in value.items()})
        elif key in _CONTROLS and isinstance(value, Mapping):
            out.update({f"{_CONTROLS[key]}{c}": "; ".join(codes)
                        for c, codes in value.items()})
        elif key == "provenance" and isinstance(value, Mapping):
            out.update({f"source_{field}": _source_text(entry)
                        for field, entry in value.items() if isinstance(entry, Mapping)})
        elif (plain := _plain(value)) is not None:
            out[key] = plain
    return out


def export_graph(chain: Chain, *, scores: bool = True) -> nx.DiGraph:
    """The chain as a plain :class:`networkx.DiGraph` of plain attribute values.

    Parameters
    ----------
    chain : Chain
    scores : bool
        Add each node's choke-point scores (:data:`SCORE_COLUMNS`).

    Returns
    -------
    networkx.DiGraph
        Nodes and edges with their attributes flattened (module docstring); the graph's
        own attributes are the chain's name, title, currency and perspective.

    Examples
    --------
    >>> import riskmodel as rm
    >>> g = export_graph(rm.load("bicycle"), scores=False)
    >>> g.graph["name"], g.edges["aluminium", "frames"]["source_covers"]
    ('bicycle', 'estimate 0.6–1: illustrative: some frames need steel')
    """
    require_chain(chain, "export")
    src = chain.graph
    g = nx.DiGraph()
    p = chain.perspective
    g.graph.update({"name": chain.name, "title": chain.title, "currency": chain.currency,
                    "perspective": f"home {p['home']}" if isinstance(p, Mapping) else str(p)})
    g.add_nodes_from((n, _flat(d)) for n, d in src.nodes(data=True))
    g.add_edges_from((u, v, _flat(d)) for u, v, d in src.edges(data=True))
    if scores and len(src):
        from riskmodel.scoring import score

        table = score(chain)
        for column in SCORE_COLUMNS:
            if column not in table.columns:
                continue
            whole = column in ("rank", "spof_count")
            for node, value in table[column].items():
                if (plain := int(value) if whole else _plain(value)) is not None:
                    g.nodes[node].setdefault(column, plain)
    return g


def _node_link(g: nx.DiGraph) -> str:
    """Node-link JSON that ``networkx.node_link_graph(data, edges="edges")`` reads."""
    data = {"directed": True, "multigraph": False, "graph": dict(g.graph),
            "nodes": [{"id": n, **d} for n, d in g.nodes(data=True)],
            "edges": [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]}
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _tables(g: nx.DiGraph) -> dict[str, bytes]:
    """``nodes.csv`` and ``edges.csv``, text that would run as a formula made inert."""
    nodes = pd.DataFrame([{"id": n, **d} for n, d in g.nodes(data=True)])
    edges = pd.DataFrame([{"from": u, "to": v, **d} for u, v, d in g.edges(data=True)],
                         columns=None if g.number_of_edges() else ["from", "to"])
    return {f"{name}.csv": spreadsheet_safe(frame).to_csv(index=False,
                                                          lineterminator="\n").encode()
            for name, frame in (("nodes", nodes), ("edges", edges))}


def render_export(chain: Chain, format: str, *, scores: bool = True) -> dict[str, bytes]:
    """The contents of an export: ``{"graph": bytes}`` for one file, or CSV file names
    and their bytes (``nodes.csv``, ``edges.csv``)."""
    if format not in FORMATS:
        raise OutputFormatError(f"unknown export format {format!r}; valid formats: "
                                f"{', '.join(FORMATS)}")
    g = export_graph(chain, scores=scores)
    if format == "csv":
        return _tables(g)
    if format == "json":
        return {"graph": _node_link(g).encode()}
    buffer = io.BytesIO()
    if format == "graphml":
        nx.write_graphml(g, buffer, encoding="utf-8", infer_numeric_types=True)
    else:
        nx.write_gexf(g, buffer, encoding="utf-8")
    return {"graph": buffer.getvalue()}


def format_of(target: str | Path, format: str | None = None) -> str:
    """The export format: ``format`` if given, else from ``target``'s extension (a name
    without one is a CSV folder).

    >>> format_of("robots.gexf"), format_of("robots_tables"), format_of("x.txt", "json")
    ('gexf', 'csv', 'json')
    """
    if format is not None:
        return format
    suffix = Path(target).suffix.lower()
    for name, ext in FORMATS.items():
        if ext and suffix == ext:
            return name
    if not suffix:
        return "csv"
    raise OutputFormatError(f"{target}: the extension {suffix!r} names no export format; "
                            "use .graphml, .gexf or .json, a folder name for CSV, or "
                            "give the format")


def export(chain: Chain, path: str | Path, *, format: str | None = None,
           scores: bool = True, force: bool = False, inputs: Any = ()) -> Path:
    """Write the chain for a graph tool; return the path written.

    Parameters
    ----------
    chain : Chain
    path : path
        ``.graphml`` (yEd, Cytoscape), ``.gexf`` (Gephi), ``.json`` (node-link, for
        networkx and D3), or a folder name for CSV tables (``nodes.csv``, ``edges.csv``).
    format : {"graphml", "gexf", "json", "csv"}, optional
        Overrides the extension.
    scores : bool
        Add each node's choke-point scores.
    force, inputs
        As for every output (:mod:`riskmodel.io.write`): write through a symbolic link;
        never replace one of ``inputs``.

    Examples
    --------
    >>> import riskmodel as rm, tempfile, pathlib
    >>> out = rm.export(rm.load("bicycle"), pathlib.Path(tempfile.mkdtemp()) / "b.gexf")
    >>> out.suffix, out.stat().st_size > 1000
    ('.gexf', True)
    """
    from riskmodel.io.write import check_file, check_folder, write_file, write_folder

    fmt = format_of(path, format)
    if fmt == "csv":
        check_folder(path, inputs=inputs, force=force)
        return write_folder(path, render_export(chain, fmt, scores=scores), inputs=inputs,
                            force=force)
    check_file(path, inputs=inputs, force=force)
    return write_file(path, render_export(chain, fmt, scores=scores)["graph"],
                      inputs=inputs, force=force)
