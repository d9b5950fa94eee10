"""The ETO conversion: :func:`from_eto`, following the rules stated in :mod:`riskmodel.eto`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from riskmodel._errors import ChainValidationError, Problem
from riskmodel.io.terminal import one_line
from riskmodel.sources.eto.options import COVERS, QUALITATIVE, VARIANTS
from riskmodel.sources.eto.read import (
    EUROPE,
    FILES,
    PSEUDO,
    check_rows,
    lines_ref,
    r4,
    read_tables,
    year,
)
from riskmodel.sources.eto.shares import DATASET, Shares, supplier_shares, unused_note

__all__ = ["from_eto"]

GROUP = "types"
LICENCE = "CC BY-NC 4.0 (https://creativecommons.org/licenses/by-nc/4.0/)"

_SIZE = re.compile(r"\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(trillion|billion|million|thousand)?",
                   re.I)
_SCALE = {"trillion": 1e3, "billion": 1.0, "million": 1e-3, "thousand": 1e-6, None: 1.0}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _stage_slug(name: str) -> str:
    m = re.search(r"\(([^()]+)\)\s*$", name)
    return _slug(m.group(1) if m else name) or "stage"


def _market_size(text: str, year_cell: str) -> tuple[float, str] | None:
    """USD bn and the year (text) of a market-size cell like ``$13 billion (2025)``."""
    m = _SIZE.search(text or "")
    if not m:
        return None
    value = float(m.group(1).replace(",", "")) * _SCALE[(m.group(2) or "").lower() or None]
    y = re.findall(r"\((\d{4})\)", text)
    return value, (y[-1] if y else (str(year(year_cell)) if year_cell else "year not given"))


def _check_option(name: str, value: Any, valid: Sequence[str]) -> None:
    if value not in valid:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, valid))}; "
                         f"found {value!r}")


# ---------------------------------------------------------------------------
# the importer
# ---------------------------------------------------------------------------

def from_eto(path: str | Path, *, variants: str = "any",
             variant_overrides: Mapping[str, str] | None = None, qualitative: str = "range",
             covers: str = "market", stage_nodes: bool = True,
             name: str = "eto_semiconductors") -> tuple[Any, list[Problem]]:
    """Convert the ETO Advanced Semiconductor Supply Chain Dataset into a chain.

    The rules are in the module docstring (:mod:`riskmodel.eto`).

    Parameters
    ----------
    path : str or Path
        The folder holding ``inputs.csv``, ``stages.csv``, ``sequence.csv``,
        ``providers.csv`` and ``provision.csv``.
    variants : {"any", "all"}
        How a category (``is_type_of``) needs its children: alternatives (``any``,
        except categories whose children each go into a step of their own) or all.
    variant_overrides : mapping, optional
        Per-category reading, ``{"N19": "all"}``; keys are ETO ids or node ids.
    qualitative : {"range", "midpoint", "zero"}
        The value of a provider named without a number.
    covers : {"market", "full"}
        What an alternative covers: its share of the category's market, or all of it.
    stage_nodes : bool
        Add a node per stage that has provision rows (design, fab and ATP capacity).
    name : str
        The chain's name.

    Returns
    -------
    chain : Chain
        The chain, ``perspective="global"``; it validates strictly.
    problems : list of Problem
        Warnings (normalised totals) and information (qualitative estimates, category
        shares not used, mixed vintages) about the import.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a folder.
    ChainValidationError
        Listing every missing file, missing column and bad row (file, line, column).
    ValueError
        For an unknown option value; an unknown category in ``variant_overrides`` is a
        ChainValidationError listing the categories.

    Examples
    --------
    >>> import tempfile
    >>> from riskmodel.eto import example_folder
    >>> folder = example_folder(tempfile.mkdtemp())
    >>> chain, problems = from_eto(folder)
    >>> chain.graph.nodes["euv_scanners"]["suppliers"]
    {'NL': 1.0}
    >>> chain.graph.edges["euv_scanners", "lithography_tools"]["covers"]
    0.8
    >>> [p.severity for p in problems]
    ['warning', 'info']
    >>> chain, _ = from_eto(folder, variants="all")
    >>> "group" in chain.graph.edges["euv_scanners", "lithography_tools"]
    False
    """
    from riskmodel.model import Chain

    _check_option("variants", variants, VARIANTS)
    _check_option("qualitative", qualitative, QUALITATIVE)
    _check_option("covers", covers, COVERS)
    d = _read_dataset(Path(path))
    readings = _readings(d.children, set(d.goes["input_id"]), d.node_id, variants,
                         variant_overrides)
    sh = _shares(d, qualitative)
    g = _graph(d, sh, readings, covers=covers, stage_nodes=stage_nodes)
    header = _header(g, readings, sh.sources, variants=variants, qualitative=qualitative,
                     covers=covers, stage_nodes=stage_nodes,
                     variant_overrides=variant_overrides)
    chain = Chain(g, name=name, title=f"{DATASET} (imported)", perspective="global",
                  currency="USD bn", stages=d.stage_list, **header)
    return chain, sh.problems


# ---------------------------------------------------------------------------
# the dataset: checked tables, stages, node ids, taxonomy, category readings
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Dataset:
    """The checked tables and what the conversion first derives from them."""

    folder: Path
    tables: dict[str, pd.DataFrame]     #: file name → table (with ``_line``)
    lookups: dict[str, dict[str, str]]  #: provider id → supplier key, and → kind
    inp: pd.DataFrame                   #: inputs.csv indexed by ``input_id``
    stage_slug: dict[str, str]          #: ETO stage id → the chain's stage
    stage_list: list[str]               #: the chain's stages, ``end_use`` last
    node_id: dict[str, str]             #: ETO input id → node id
    goes: pd.DataFrame                  #: the ``goes_into`` rows, one per pair
    typ: pd.DataFrame                   #: the ``is_type_of`` rows not also ``goes_into``
    children: dict[str, list[str]]      #: category → its types
    parents: dict[str, list[str]]       #: type → its categories
    stage_of: dict[str, str]            #: ETO input id → the chain's stage


def _read_dataset(folder: Path) -> _Dataset:
    """Read and check the five tables (raising once, listing every problem), then
    derive the stages, the node ids, the taxonomy and each input's stage."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{one_line(folder)}: no such folder (expected the ETO "
                                f"dataset folder holding {', '.join(FILES)})")
    t = read_tables(folder)
    errors, lookups = check_rows(folder, t)
    if errors:
        raise ChainValidationError(errors)
    _check_usable(folder, t)
    stage_slug = _stage_slugs(t["stages.csv"])
    stage_list = [*stage_slug.values(), "end_use"]
    inp = t["inputs.csv"].set_index("input_id")
    goes, typ = _links(t["sequence.csv"])
    children: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for c, p in zip(typ["input_id"], typ["is_type_of_id"], strict=True):
        children.setdefault(p, []).append(c)
        parents.setdefault(c, []).append(p)
    up: dict[str, list[str]] = {}
    for u, v in [*zip(goes["input_id"], goes["goes_into_id"], strict=True),
                 *zip(typ["input_id"], typ["is_type_of_id"], strict=True)]:
        up.setdefault(u, []).append(v)
    return _Dataset(folder, t, lookups, inp, stage_slug, stage_list,
                    _node_ids(t["inputs.csv"]), goes, typ, children, parents,
                    _node_stages(inp, up, stage_slug, stage_list))


def _check_usable(folder: Path, t: dict[str, pd.DataFrame]) -> None:
    """Refuse a dataset that cannot make a chain: no inputs, no end use (no input of
    type ``ultimate_output``), or no provision rows (no supplier data)."""
    problems = []
    need = {"inputs.csv": "the inputs (one row per input)",
            "provision.csv": "who provides what (one row per provider and input)"}
    for name, what in need.items():
        if not len(t[name]):
            problems.append(Problem(
                "error", "file has a header but no rows", file=str(folder / name), line=1,
                where=f"ETO folder {folder}", expected=what, found="no rows", code="eto-empty",
                fix=f"use the {name} of the ETO dataset download (is it truncated?)"))
    inputs = t["inputs.csv"]
    if len(inputs) and not (inputs["type"] == "ultimate_output").any():
        problems.append(Problem(
            "error", "no input is an ultimate output, so the chain would have no end use",
            file=str(folder / "inputs.csv"), where=f"ETO folder {folder}", field="type",
            expected="at least one row with type `ultimate_output`", found="none",
            code="eto-empty", fix="use the inputs.csv of the ETO dataset download"))
    if problems:
        raise ChainValidationError(problems)


def _stage_slugs(stages: pd.DataFrame) -> dict[str, str]:
    """The chain's stage for each ETO stage id: its slugged name (a trailing
    abbreviation wins), made unique with the id."""
    stage_slug: dict[str, str] = {}
    for sid, sname in zip(stages["stage_id"], stages["stage_name"], strict=True):
        s = _stage_slug(sname)
        while s in stage_slug.values() or s == "end_use":
            s += "_" + _slug(sid)
        stage_slug[sid] = s
    return stage_slug


def _node_ids(inputs: pd.DataFrame) -> dict[str, str]:
    """The node id of each ETO input: its slugged name (or id), the id appended on a
    clash."""
    node_id: dict[str, str] = {}
    taken: set[str] = set()
    for eid, iname in zip(inputs["input_id"], inputs["input_name"], strict=True):
        s = _slug(iname) or _slug(eid)
        if s in taken:
            s = f"{s}_{_slug(eid)}"
        node_id[eid] = s
        taken.add(s)
    return node_id


def _links(seq: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``goes_into`` rows and the ``is_type_of`` rows of sequence.csv, one per
    pair; a pair given both ways counts as ``goes_into`` only."""
    goes = seq[seq["goes_into_id"] != ""].drop_duplicates(["input_id", "goes_into_id"])
    typ = seq[seq["is_type_of_id"] != ""].drop_duplicates(["input_id", "is_type_of_id"])
    typ = typ[~typ.set_index(["input_id", "is_type_of_id"]).index.isin(
        goes.set_index(["input_id", "goes_into_id"]).index)]
    return goes, typ


def _node_stages(inp: pd.DataFrame, up: dict[str, list[str]], stage_slug: dict[str, str],
                 stage_list: list[str]) -> dict[str, str]:
    """Stage of each input: its own (process), end use (ultimate output), or that of
    the nearest process it feeds (ties: the earlier stage)."""
    out = {}
    last = stage_list[-2]
    for eid, typ, sid in zip(inp.index, inp["type"], inp["stage_id"], strict=True):
        if typ == "process":
            out[eid] = stage_slug[sid]
            continue
        if typ == "ultimate_output":
            out[eid] = "end_use"
            continue
        seen, frontier, found = {eid}, [eid], None
        while frontier and found is None:
            nxt = []
            for u in frontier:
                for v in up.get(u, []):
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            hits = [stage_list.index(stage_slug[inp.at[v, "stage_id"]]) for v in nxt
                    if inp.at[v, "type"] == "process"]
            found = stage_list[min(hits)] if hits else None
            frontier = nxt
        out[eid] = found or last
    return out


def _readings(children: dict[str, list[str]], has_goes: set[str], node_id: dict[str, str],
              variants: str, overrides: Mapping[str, str] | None) -> dict[str, str]:
    """How each category needs its children: ``any`` or ``all`` (see the rules)."""
    by_slug = {v: k for k, v in node_id.items()}
    readings: dict[str, str] = {}
    for cat, kids in children.items():
        distinct = all(k in has_goes for k in kids)  # each also goes into a step itself
        readings[cat] = "all" if variants == "all" or distinct else "any"
    bad = []
    for k, v in (overrides or {}).items():
        eid = k if k in children else by_slug.get(k, k)
        if eid not in children or v not in VARIANTS:
            bad.append(Problem(
                "error", "unknown category" if eid not in children else "unknown reading",
                where="variant_overrides", field=str(k),
                expected=("a category: " + ", ".join(f"{c} ({node_id[c]})" for c in children)
                          if eid not in children else "any or all"), found=f"{k}={v}",
                fix="name a category (an input other inputs are is_type_of) as ID=any|all"))
        else:
            readings[eid] = v
    if bad:
        raise ChainValidationError(bad)
    return readings


# ---------------------------------------------------------------------------
# suppliers and the graph
# ---------------------------------------------------------------------------

def _shares(d: _Dataset, qualitative: str) -> Shares:
    """The supplier shares of every input and stage; refuse a dataset that gives none
    (no cut could reach the chain)."""
    sh = supplier_shares(d.tables, d.lookups, folder=d.folder, node_id=d.node_id,
                         stage_slug=d.stage_slug, children=d.children, parents=d.parents,
                         rule=qualitative)
    if not any(sh.shares.values()):
        raise ChainValidationError([Problem(
            "error", "no provision row gives a supplier share, so the chain would have no "
            "supplier countries and no cut could reach it",
            file=str(d.folder / "provision.csv"), where=f"ETO folder {d.folder}",
            expected="rows with a provider country and a share",
            found=f"{len(d.tables['provision.csv'])} row(s), none usable", code="eto-empty",
            fix="use the provision.csv of the ETO dataset download")])
    return sh


def _graph(d: _Dataset, sh: Shares, readings: dict[str, str], *, covers: str,
           stage_nodes: bool) -> nx.DiGraph:
    """The chain's graph: the nodes in stage order (stage nodes first), then the
    ``goes_into`` edges, the category edges and the stage nodes' edges."""
    g = nx.DiGraph()
    sizes = {eid: _market_size(d.inp.at[eid, "market_share_chart_global_market_size_info"],
                               d.inp.at[eid, "year"]) for eid in d.inp.index}
    stage_rows = [s for s in d.stage_slug if s in sh.rows_of] if stage_nodes else []
    made = [*_stage_nodes(d, sh, stage_rows), *_input_nodes(d, sh, sizes)]
    for _, nid, attrs in sorted(made, key=lambda x: x[0]):
        g.add_node(nid, **attrs)
    goes = d.goes
    for u, v, line in zip(goes["input_id"], goes["goes_into_id"], goes["_line"], strict=True):
        g.add_edge(d.node_id[u], d.node_id[v], note=f"ETO goes_into (sequence.csv line {line})")
    for cat, kids in d.children.items():
        _category_edges(g, cat, kids, readings[cat], covers, d.typ, sizes, d.node_id, d.inp)
    for sid in stage_rows:
        _stage_edges(g, d, sid)
    return g


#: a node to add: (sort key: stage, stage nodes first, file order), node id, attributes
_Made = tuple[tuple[int, int, int], str, dict[str, Any]]


def _stage_nodes(d: _Dataset, sh: Shares, stage_rows: list[str]) -> list[_Made]:
    """A node ``stage_<slug>`` for each stage in ``stage_rows``, with its shares."""
    stages = d.tables["stages.csv"]
    made: list[_Made] = []
    for j, sid in enumerate(stage_rows):
        row = stages[stages["stage_id"] == sid].iloc[0]
        attrs = {"label": f"{row['stage_name']} (stage capacity by country)",
                 "stage": d.stage_slug[sid], "note": f"ETO stage {sid}. "
                 + (row["market_share_chart_caption"] or "")}
        if row["description"]:
            attrs["description"] = row["description"]
        size = _market_size(row["market_share_chart_global_market_size_info"], "")
        _put(attrs, sh.shares.get(sid), size, sh.src_of, row["market_share_chart_source"],
             lines_ref("stages.csv", [row["_line"]]))
        made.append(((d.stage_list.index(d.stage_slug[sid]), 0, j),
                     f"stage_{d.stage_slug[sid]}", attrs))
    return made


def _input_nodes(d: _Dataset, sh: Shares, sizes: dict[str, tuple[float, str] | None]
                 ) -> list[_Made]:
    """A node for each input, with its shares and market size."""
    inputs = d.tables["inputs.csv"]
    made: list[_Made] = []
    for i in range(len(inputs)):
        eid = inputs["input_id"].iloc[i]
        row = inputs.iloc[i]
        note = f"ETO input {eid} ({row['type']})."
        if eid in sh.unused:
            note += " " + unused_note(sh.rows_of[eid], d.node_id, d.parents, sh.carriers)
        attrs = {"label": row["input_name"], "stage": d.stage_of[eid], "note": note}
        if row["description"]:
            attrs["description"] = row["description"]
        _put(attrs, sh.shares.get(eid), sizes[eid], sh.src_of, row["market_share_chart_source"],
             lines_ref("inputs.csv", [row["_line"]]))
        made.append(((d.stage_list.index(d.stage_of[eid]), 1, i), d.node_id[eid], attrs))
    return made


def _put(attrs: dict[str, Any], entries: dict[str, dict[str, Any]] | None,
         size: tuple[float, str] | None, src_of: dict[str, str], chart_source: str,
         ref: str) -> None:
    """Set a node's suppliers and market value, with their provenance."""
    prov: dict[str, Any] = {}
    if entries:
        attrs["suppliers"] = {k: e["value"] for k, e in entries.items()}
        prov.update({f"suppliers.{k}": dict(e) for k, e in entries.items()})
    if size is not None:
        v = round(size[0], 6)
        attrs["value"] = v
        prov["value"] = {"value": v, "source": src_of.get(chart_source, "eto"), "ref": ref,
                         "note": f"ETO global market size, USD bn ({size[1]})"}
    if prov:
        attrs["provenance"] = prov


def _stage_edges(g: nx.DiGraph, d: _Dataset, sid: str) -> None:
    """Edges from the node of stage ``sid`` into the steps its output goes into (a
    ``goes_into`` from one of its processes to a process of a later stage or to the end
    use; failing that, the end use)."""
    inputs, inp, goes = d.tables["inputs.csv"], d.inp, d.goes
    own = d.stage_list.index(d.stage_slug[sid])
    targets = [v for u, v in zip(goes["input_id"], goes["goes_into_id"], strict=True)
               if inp.at[u, "type"] == "process" and inp.at[u, "stage_id"] == sid
               and inp.at[v, "type"] in ("process", "ultimate_output")
               and d.stage_list.index(d.stage_of[v]) > own]
    if not targets:
        targets = list(inputs.loc[inputs["type"] == "ultimate_output", "input_id"])
    for v in dict.fromkeys(targets):
        g.add_edge(f"stage_{d.stage_slug[sid]}", d.node_id[v],
                   note=f"the output of stage {sid} goes into {inp.at[v, 'input_name']}")


def _category_edges(g: nx.DiGraph, cat: str, kids: list[str], reading: str, covers: str,
                    typ: pd.DataFrame, sizes: dict[str, tuple[float, str] | None],
                    node_id: dict[str, str], inp: pd.DataFrame) -> None:
    """Edges from the types ``kids`` into their category ``cat``: each essential
    (reading ``all``, or a single type), or alternatives of one group that each cover
    their share of the category's market (see the rules)."""
    line = dict(zip(zip(typ["input_id"], typ["is_type_of_id"], strict=True), typ["_line"],
                    strict=True))
    base = "ETO is_type_of (sequence.csv line {})"
    if reading == "all" or len(kids) == 1:
        why = "a distinct need (reading 'all')" if len(kids) > 1 else "its only type"
        for k in kids:
            g.add_edge(node_id[k], node_id[cat], note=base.format(line[k, cat]) + ": " + why)
        return

    def size(n: str, depth: int = 0) -> tuple[float, str] | None:
        if sizes.get(n) is not None:
            return sizes[n]
        kids_n = [k for k, p in line if p == n]
        got = [size(k, depth + 1) for k in kids_n] if depth < 50 else [None]
        if kids_n and all(x is not None for x in got):
            return sum(x[0] for x in got if x), "/".join(sorted({x[1] for x in got if x}))
        return None

    known = {k: s for k in kids if (s := size(k)) is not None}
    k_all = len(kids)
    total = sum(s[0] for s in known.values())
    cov: dict[str, float] = {}
    for k in kids:
        if k in known and total > 0:
            cov[k] = r4(len(known) / k_all * known[k][0] / total)
        else:
            cov[k] = r4(1 / k_all)
    top = max(kids, key=lambda k: cov[k])
    cov[top] = r4(1 - sum(v for k, v in cov.items() if k != top))
    years = "/".join(sorted({s[1] for s in known.values()}))
    for k in kids:
        attrs: dict[str, Any] = {"group": GROUP,
                                 "note": base.format(line[k, cat]) + ": an alternative "
                                         "(reading 'any')"}
        if covers == "market":
            if k in known and total > 0:
                why = (f"its share of the market of the types of {inp.at[cat, 'input_name']}: "
                       f"{known[k][0]:.4g} of {total:.4g} USD bn ({years})"
                       + (f", scaled by {len(known)}/{k_all} as {k_all - len(known)} "
                          "type(s) have no size" if len(known) < k_all else ""))
            else:
                why = f"the share of an average type, 1/{k_all} (no market size in inputs.csv)"
            attrs["covers"] = cov[k]
            attrs["provenance"] = {"covers": {
                "value": cov[k], "low": cov[k], "high": 1.0, "estimate": True, "source": "eto",
                "ref": lines_ref("inputs.csv", [inp.at[x, "_line"] for x in [k, cat]]),
                "note": f"covers {why}; it is not assumed to take over other types' work "
                        "(low); 1 would be full substitution (high)"}}
        g.add_edge(node_id[k], node_id[cat], **attrs)


# ---------------------------------------------------------------------------
# the header
# ---------------------------------------------------------------------------

def _header(g: nx.DiGraph, readings: dict[str, str], sources: dict[str, Any], *,
            variants: str, qualitative: str, covers: str, stage_nodes: bool,
            variant_overrides: Mapping[str, str] | None) -> dict[str, Any]:
    """Description, groups, sources and provenance summary of the imported chain."""
    provs = [*(d.get("provenance", {}) for _, d in g.nodes(data=True)),
             *(d.get("provenance", {}) for *_, d in g.edges(data=True))]
    values = [e for p in provs for e in p.values()]
    keys = {k for _, d in g.nodes(data=True) for k in d.get("suppliers", {})}
    groups = {code: {"label": label, "members": list(EUROPE) if code == "EUROPE" else []}
              for code, label in PSEUDO.values() if code in keys}
    settings = (f"variants={variants!r}, variant_overrides="
                f"{dict(variant_overrides or {})!r}, qualitative={qualitative!r}, "
                f"covers={covers!r}, stage_nodes={stage_nodes!r}")
    description = (
        f"The {DATASET} (Emerging Technology Observatory, CSET), converted by riskmodel.eto. "
        f"Licence of the data: {LICENCE}: attribution required, non-commercial use only. "
        f"Settings: {settings}. Category readings: "
        + ", ".join(f"{c} {r}" for c, r in readings.items()) + ". Organisations are "
        "counted for their headquarters country; stage nodes carry the dataset's "
        "stage-level shares. The dataset gives no substitutability, lead times, "
        "inventories or cost shares.")
    decl = {"eto": {"title": DATASET, "author": "Emerging Technology Observatory (ETO), "
                    "Center for Security and Emerging Technology (CSET)",
                    "url": "https://eto.tech/dataset-docs/chipexplorer",
                    "note": f"{LICENCE}. Imported by riskmodel.eto with {settings}."}}
    used = {e["source"] for e in values}
    decl.update({k: v for k, v in sources.items() if k in used})
    n_est = sum(bool(e.get("estimate")) for e in values)
    n = len(values)
    summary = {"sourced": round(1 - n_est / n, 3) if n else 0.0,
               "estimated": round(n_est / n, 3) if n else 0.0, "values": n}
    return {"description": description, "groups": groups, "sources": decl,
            "provenance": summary}
