"""What a report holds: computed results arranged into ten sections of plain data (an
eleventh, "Restrictions in force", goes after the summary when the chain has any:
:func:`riskmodel.reporting.held.add_held`).

:func:`build` turns the results :func:`riskmodel.reporting.collect` computed (scores,
leverage, cut sets, scenario results, policy alignment, uncertainty, provenance) into a
:class:`ReportData`: per section, paragraphs and bullets as plain text, tables as
DataFrames, and figures as references to :mod:`riskmodel.plot` functions with their
inputs. Nothing here formats for a medium or escapes anything: the renderers do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.reporting.enduses import (
    END_USE_FORMATS,
    END_USE_HEADERS,
    choke_points_only,
    end_use_table,
)
from riskmodel.reporting.graph import explorer_data
from riskmodel.reporting.plausibility import (
    by_plausibility,
    cut_warnings,
    level_text,
    plausibility_note,
)

SECTIONS = (("summary", "Summary"), ("diagram", "Chain diagram"),
            ("choke_points", "Choke points"), ("leverage", "Country leverage"),
            ("cutsets", "Minimum cut sets"), ("scenarios", "Standard scenarios"),
            ("policy", "Policy alignment"), ("uncertainty", "Uncertainty"),
            ("provenance", "Data provenance"), ("method", "Method and settings"))
TOP_ROWS = 20
DIAGRAM_MAX_NODES = 100
DIAGRAM_TOP = 30
#: a table of more rows is long: it goes whole to a gzipped CSV file beside the report
#: (``tables/<name>.csv.gz``, :mod:`riskmodel.reporting.render`), the JSON names that
#: file instead of holding the rows, and HTML and Markdown show its top rows and say
#: where the rest is
LONG_ROWS = 500
#: the rows HTML and Markdown show of a long table that has no top of its own
LONG_SHOWN = 50


@dataclass
class Table:
    """A table: ``frame`` goes whole to JSON; HTML and Markdown show the ``show``
    columns of the first ``rows`` rows, headed by ``headers`` and formatted by
    ``formats`` (``pct``, ``num``, ``int``, ``months``, ``list``, ``set``, ``text``);
    ``index_note`` names a column shown beside the index rather than in a column."""

    name: str
    title: str
    frame: pd.DataFrame
    show: list[str] | None = None
    formats: dict[str, str] = field(default_factory=dict)
    rows: int | None = None
    index: bool = True
    note: str = ""
    collapsed: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    index_note: str | None = None  #: a column shown with the index (a node's label)
    #: a long table's CSV file in the report folder
    #: (:func:`riskmodel.reporting.render.place_tables`)
    file: str = ""

    @property
    def long(self) -> bool:
        """More than :data:`LONG_ROWS` rows: the full table is a CSV file of its own."""
        return len(self.frame) > LONG_ROWS

    def shown(self) -> int | None:
        """The rows HTML and Markdown show (None: all)."""
        return self.rows if self.rows is not None else LONG_SHOWN if self.long else None

    def long_note(self) -> str:
        """Where the rest of a long table is ("" for a table shown whole or held whole
        by the JSON)."""
        if not self.long:
            return ""
        n = len(self.frame)
        return (f"Showing {min(self.shown() or n, n):,} of {n:,} rows; every row and column "
                f"is in {self.file or 'the folder tables/'}.")


@dataclass
class FigureSpec:
    """A figure to draw: ``riskmodel.plot.<func>(*args, **kwargs)``."""

    name: str
    caption: str
    func: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    """One numbered section: text, figures and tables."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)


@dataclass
class ReportData:
    """Everything a report shows, computed once; renderers only format it."""

    chain: str
    title: str
    description: str
    sections: list[Section]
    settings: dict[str, Any]
    generated: str = ""
    #: the explorable diagram's data (:func:`riskmodel.reporting.graph.explorer_data`)
    graph: dict[str, Any] | None = None


@dataclass
class Computed:
    """The results a report is made of (see :func:`riskmodel.reporting.collect`)."""

    chain: Any
    scores: pd.DataFrame
    leverage: pd.DataFrame
    cutsets: pd.DataFrame
    cutset_settings: dict[str, Any]
    results: list[Any]
    policy: Any
    uncertainty: pd.DataFrame
    provenance: pd.DataFrame
    settings: dict[str, Any]
    #: the restrictions in force (:class:`riskmodel.reporting.held.HeldInfo`; None: none)
    held: Any = None


def _perspective(p: Any) -> str:
    return f"home {p['home']}" if isinstance(p, Mapping) else str(p)


def _cut_text(cut: Any) -> str:
    nodes = ", ".join(cut.nodes) if cut.nodes else "everything it supplies"
    span = f" for {cut.duration} months" if cut.duration is not None else " permanently"
    start = f" from month {cut.start}" if cut.start else ""
    return f"{cut.country} withholds {cut.fraction:.0%} of {nodes}{start}{span}"


def build(r: Computed, explain: Callable[[pd.DataFrame, str], str]) -> ReportData:
    """Arrange computed results into the ten sections."""
    sections = {sid: Section(sid, title) for sid, title in SECTIONS}
    _diagram(sections["diagram"], r)
    _choke_points(sections["choke_points"], r, explain)
    _leverage(sections["leverage"], r)
    _cutsets(sections["cutsets"], r)
    _scenarios(sections["scenarios"], r)
    _policy(sections["policy"], r)
    _uncertainty(sections["uncertainty"], r)
    _provenance(sections["provenance"], r)
    _method(sections["method"], r.settings)
    _summary(sections["summary"], r, explain)
    ch = r.chain
    return ReportData(ch.name, ch.title, ch.description, [sections[s] for s, _ in SECTIONS],
                      r.settings,
                      graph=explorer_data(ch, choke_points_only(ch, r.scores), r.provenance))


def _diagram(d: Section, r: Computed) -> None:
    c = r.chain.compiled
    src, dst = np.asarray(c.in_src), np.asarray(c.in_dst)
    choke = r.scores["choke_score"].reindex(c.ids).to_numpy(float)
    value = np.asarray(c.value, dtype=float)
    rows = []
    for s, name in enumerate(c.stages):
        members = np.asarray(c.stage) == s
        if not members.any():
            continue
        vals = value[members]
        rows.append({"stage": name, "nodes": int(members.sum()),
                     "input_edges": int(members[dst].sum()),
                     "value": float(np.nansum(vals)) if np.isfinite(vals).any() else np.nan,
                     "max_choke_score": float(np.nanmax(choke[members]))
                     if np.isfinite(choke[members]).any() else np.nan})
    stages = pd.DataFrame(rows).set_index("stage") if rows else pd.DataFrame()
    big = c.n > DIAGRAM_MAX_NODES
    d.paragraphs.append(
        f"{c.n:,} nodes and {len(src):,} edges in {len(rows)} stages. Inputs flow left to "
        "right, one column per stage; a node's colour is its choke score and its area grows "
        "with its value where the chain gives one; dashed edges are non-essential inputs, "
        "arcs run within a stage or back up the chain (cycles).")
    # the static figure's own limits go in its caption: the HTML report's explorable
    # diagram, which replaces it there, draws every node
    caption = "The chain by stage, coloured by choke score" + (
        f". The chain has more than {DIAGRAM_MAX_NODES} nodes, too many to draw whole: the "
        f"figure shows the {DIAGRAM_TOP} nodes with the highest choke scores and the edges "
        "among them, and each stage's header gives its totals" if big else "")
    d.figures.append(FigureSpec("chain_diagram", caption,
                                "chain_diagram", (r.chain, r.scores),
                                {"max_nodes": DIAGRAM_MAX_NODES, "top": DIAGRAM_TOP}))
    d.tables.append(Table("stages", "Stages", stages, formats={
        "nodes": "int", "input_edges": "int", "value": "num", "max_choke_score": "pct"},
        headers={"input_edges": "input edges", "max_choke_score": "worst choke score",
                 "value": f"value ({r.chain.currency})" if r.chain.currency else "value"}))


SCORE_HEADERS = {
    "rank": "rank", "stage": "stage", "cut_country": "cut by", "exposure": "exposure",
    "choke_immediate": "immediate loss", "relief_substitution": "− substitution",
    "relief_stock": "− stocks", "choke_score": "choke score", "choke_long_run": "long run",
    "hhi": "HHI", "spof_count": "products stopped"}


def _choke_points(d: Section, r: Computed, explain: Callable[[pd.DataFrame, str], str]
                  ) -> None:
    scores = choke_points_only(r.chain, r.scores)  # end uses go to their own table
    h = int(scores.attrs.get("horizon", 12))
    d.paragraphs.append(
        f"The choke score of a node is the share of end-use value lost over {h} months "
        "(value-months lost ÷ value × months) when the node's dominant foreign controlling "
        "country stops it to all destinations, with stocks and substitution at work: an "
        "average over the months, so it does not flip with the month a stock runs out. "
        "Each bar splits the immediate loss into the choke score and what substitution "
        "and stocks give back over the months: choke score + relief by "
        "substitution + relief by stocks = immediate loss. 'Products stopped' counts the "
        "end-use products that cannot be made at all without the node.")
    d.figures.append(FigureSpec("choke_factors", "Top choke points and their factors",
                                "choke_factors", (scores,), {"top": 10}))
    fmt = dict.fromkeys(("exposure", "choke_immediate", "relief_substitution",
                         "relief_stock", "choke_score", "choke_long_run"), "pct")
    fmt.update({"hhi": "num", "rank": "int", "spof_count": "int"})
    d.tables.append(Table(
        "choke_points", "Ranked choke points", scores, list(SCORE_HEADERS), fmt, TOP_ROWS,
        headers=SCORE_HEADERS, index_note="label",
        note=("" if len(scores) > LONG_ROWS else  # then the table's CSV file has them
              f"Top {TOP_ROWS} of {len(scores)} shown; the JSON has every node and "
              "indicator." if len(scores) > TOP_ROWS else "The JSON has every indicator.")))
    d.bullets += [explain(scores, node) for node in scores.index[:10]]
    d.tables.append(Table("end_uses", "End uses (what the loss is measured on; not ranked)",
                          end_use_table(r.chain, r.scores), list(END_USE_HEADERS),
                          formats=END_USE_FORMATS,
                          headers=END_USE_HEADERS, index_note="label"))


def _leverage(d: Section, r: Computed) -> None:
    h = int(r.scores.attrs.get("horizon", 12))
    d.paragraphs.append(
        "Country leverage is the end-use loss if one country cuts everything it supplies to "
        f"the chain: the share lost over {h} months (with stocks and substitution), "
        "immediately, and in the long run. The carriers are the nodes whose single cut by "
        "that country costs most.")
    if len(r.leverage):
        d.figures.append(FigureSpec("leverage", "Country leverage", "leverage", (r.leverage,),
                                    {"top": 10}))
    d.tables.append(Table("leverage", "Country leverage", r.leverage, formats={
        "leverage": "pct", "immediate": "pct", "long_run": "pct", "nodes_supplied": "int",
        "carriers": "list"}, headers={"leverage": f"at month {h}", "long_run": "long run",
                                     "nodes_supplied": "nodes supplied"}))


def _cutsets(d: Section, r: Computed) -> None:
    cs, st = r.cutsets, r.cutset_settings
    d.paragraphs.append(
        f"A minimum cut set is a smallest set of countries whose joint, full cut of everything "
        f"they supply leaves a target below {st['threshold']:.0%} of its normal supply at "
        f"once (no stocks, no substitution). Sets of up to {st['max_size']} countries are "
        "searched, and supersets of a set found are not listed."
        + (" Each set stops its target on top of the restrictions in force: it is what a "
           "further cut needs." if r.held is not None and r.held.count else ""))
    bounds = []
    if st["candidates_dropped"]:
        bounds.append(f"only the {len(st['candidates'])} countries with the most immediate "
                      f"leverage are candidates ({st['candidates_dropped']} left out)")
    if st["targets_dropped"]:
        bounds.append(f"only the {len(st['targets']) - 1} largest end uses by value are "
                      f"targets ({st['targets_dropped']} left out)")
    d.paragraphs.append(
        f"Targets: all end use together, and each end-use product; {st['evaluated']:,} "
        "country sets evaluated" + (f"; to bound the work, {' and '.join(bounds)}"
                                    if bounds else "") + ".")
    stopped = st.get("stopped_by_baseline") or {}
    if stopped:
        d.paragraphs.append("The restrictions in force already stop " + ", ".join(
            f"{t} (availability {a:.1%})" for t, a in stopped.items())
            + ": no further cut is needed, so no set is listed for "
            + ("it." if len(stopped) == 1 else "them."))
    found = set(cs["target"]) if len(cs) else set()
    none = [t for t in st["targets"] if t not in found and t not in stopped]
    if none:
        d.paragraphs.append(f"No set of up to {st['max_size']} countries stops: "
                            f"{', '.join(none)}.")
    by_target = {}
    for t, g in cs.groupby("target", sort=False):
        g = g.drop(columns="target")
        g.attrs = {"threshold": st["threshold"], "max_size": st["max_size"], "target": t}
        by_target[str(t)] = g
    if by_target:
        d.figures.append(FigureSpec("cutsets", "Minimum country cut sets by target",
                                    "cutsets", (by_target,)))
    d.tables.append(Table("cutsets", "Minimum cut sets", cs, index=False, formats={
        "size": "int", "availability": "pct", "countries": "set"},
        headers={"availability": "target supply left"}))


def _scenarios(d: Section, r: Computed) -> None:
    if not r.results:
        d.paragraphs.append("The chain defines no standard scenarios (and none was given).")
        return
    results = by_plausibility(r.results)
    summary = pd.DataFrame([{"scenario": x.scenario.name, "title": x.scenario.label(),
                             "plausibility": level_text(x.scenario), **x.summary.to_dict()}
                            for x in results]).set_index("scenario")
    d.paragraphs.append(
        "Each scenario is played month by month: stocks absorb the shortfall until they run "
        "out, and substitution ramps up over its lead time. 'Immediate' is the loss before "
        "stocks and substitution (a bound); 'worst month after the cut' is the largest "
        "monthly loss as played, lower while stocks last. Time to survive is the months "
        "until the end-use loss first passes 5%; time to recover, the months until it is "
        "back under 5% (∞: not within the horizon).")
    d.paragraphs.append(plausibility_note(results))
    d.figures.append(FigureSpec("scenario_losses", "End-use loss under each scenario",
                                "scenario_losses", (r.results,), {"threshold": 0.05}))
    show = ["plausibility", "immediate_loss", "peak_loss", "final_loss", "long_run_loss",
            "cumulative_loss", "time_to_survive", "time_to_recover"]
    if r.held is not None and r.held.count:
        show.insert(1, "realised_loss")
        d.paragraphs.append(
            "With the restrictions in force, 'in force' is their realised loss (the same "
            "for every scenario) and every other figure is marginal: what the scenario adds "
            "on top of them.")
    d.tables.append(Table("scenarios", "Scenario outcomes", summary, show, formats={
        "realised_loss": "pct",
        "immediate_loss": "pct", "long_run_loss": "pct", "peak_loss": "pct",
        "final_loss": "pct", "cumulative_loss": "num", "cumulative_value_loss": "num",
        "time_to_survive": "months", "time_to_recover": "months"}, headers={
        "realised_loss": "in force", "immediate_loss": "immediate",
        "peak_loss": "worst month after the cut",
        "final_loss": "final",
        "long_run_loss": "long run", "cumulative_loss": "loss-months",
        "time_to_survive": "survive (months)", "time_to_recover": "recover (months)"}))
    d.bullets += [f"{x.scenario.name} — {x.scenario.label()}: " + (
        x.scenario.description or "; ".join(_cut_text(cut) for cut in x.scenario.cuts))
        for x in results] + cut_warnings(results)
    curves = pd.DataFrame({x.scenario.name: x.end_use_loss for x in r.results})
    d.tables.append(Table("scenario_loss_by_month", "End-use loss by month", curves,
                          formats=dict.fromkeys(curves.columns, "pct"), collapsed=True))


def policy_finding(pa: Any, scores: pd.DataFrame) -> str:
    """Where support concentrates and where the choke points sit, in one sentence."""
    st = pa.by_stage
    sub = st["subsidy_intensity"].dropna() if "subsidy_intensity" in st else pd.Series()
    top = scores[scores["choke_score"].fillna(0) > 0].head(5)
    parts = []
    if len(sub):
        parts.append(f"subsidy intensity is highest {str(sub.idxmax()).replace('_', ' ')} "
                     f"({sub.max():.1%} of sales)")
    if len(top):
        where = top["stage"].value_counts()
        parts.append(f"the top {len(top)} choke points are " + " and ".join(
            f"{n} {str(s).replace('_', ' ')}" for s, n in where.items()))
    rho = pa.correlation["spearman"].dropna()
    if len(rho):
        parts.append("support correlates with the choke score at " + ", ".join(
            f"{v:+.2f} ({str(k).replace('_intensity', '')}, "
            f"{int(pa.correlation.loc[k, 'nodes'])} nodes)" for k, v in rho.items()))
    if not parts:
        return "The chain gives no support figures."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _policy(d: Section, r: Computed) -> None:
    pa = r.policy
    missing = pa.excluded
    d.paragraphs.append(
        "Support (subsidy and R&D intensity) by stage, and support against choke score "
        "across nodes: a positive support gap means a node gets less support than its choke "
        f"importance. Of {r.chain.compiled.n} nodes, {missing.get('subsidy_intensity', 0)} "
        f"lack a subsidy figure, {missing.get('rd_intensity', 0)} an R&D figure and "
        f"{missing.get('profit_margin', 0)} a profit figure; they are left out, never "
        "counted as zero.")
    d.paragraphs.append(policy_finding(pa, r.scores))
    d.figures.append(FigureSpec("smile_curve", "Support and profit by stage", "smile_curve",
                                (pa,)))
    d.figures.append(FigureSpec("support_vs_choke", "Support against choke score",
                                "support_vs_choke", (pa,)))
    cols = ("subsidy_intensity", "rd_intensity", "profit_margin")
    d.tables.append(Table("support_by_stage", "Support by stage", pa.by_stage, formats={
        **dict.fromkeys(cols, "pct"), **{f"{x}_n": "int" for x in cols}}, headers={
        "subsidy_intensity": "subsidy / sales", "subsidy_intensity_n": "nodes",
        "rd_intensity": "R&D / sales", "rd_intensity_n": "nodes",
        "profit_margin": "profit / sales", "profit_margin_n": "nodes"}))
    d.tables.append(Table("support_correlation", "Rank correlation with the choke score",
                          pa.correlation, formats={"spearman": "num", "nodes": "int"},
                          headers={"spearman": "Spearman ρ"}))
    d.tables.append(Table("support_gap", "Support gap by node", pa.nodes, formats={
        "support": "pct", "choke_score": "pct", "support_pct": "num", "choke_pct": "num",
        "support_gap": "num"}, rows=TOP_ROWS, headers={
        "choke_score": "choke score", "support_pct": "support percentile",
        "choke_pct": "choke percentile", "support_gap": "support gap"}))


def _uncertainty(d: Section, r: Computed) -> None:
    unc, mc = r.uncertainty, r.settings["monte_carlo"]
    k = unc.attrs.get("top", 5)
    # at scale only some nodes are drawn (score_uncertainty); the verdict says which
    who = ("every node" if "drawn" not in unc.columns else
           f"each of the {int(unc['drawn'].sum()):,} drawn nodes")
    d.paragraphs.append(
        f"{mc['draws']} Monte Carlo draws (seed {mc['seed']}) over the chain's "
        f"{mc['ranged_values']} ranged values: in each draw {who} is cut by its dominant "
        "foreign supplier and scored again. Rank intervals are the 5th to 95th percentiles "
        f"of each node's rank; P(top {k}) is the share of draws in which it ranks in the top "
        f"{k}. Verdict: {unc.attrs.get('note', '')}.")
    d.figures.append(FigureSpec("rank_intervals", "Rank intervals of the top choke points",
                                "rank_intervals", (unc,), {"top": 15}))
    d.tables.append(Table("uncertainty", "Choke score and rank over the draws", unc, formats={
        "baseline": "pct", "p5": "pct", "p50": "pct", "p95": "pct", "rank_p5": "int",
        "rank_p95": "int", "p_top": "pct", "baseline_rank": "int"}, rows=TOP_ROWS, headers={
        "baseline": "choke score", "p5": "P5", "p50": "P50", "p95": "P95",
        "rank_p5": "rank P5", "rank_p95": "rank P95", "p_top": f"P(top {k})",
        "baseline_rank": "rank"}))


def _provenance(d: Section, r: Computed) -> None:
    prov, chain = r.provenance, r.chain
    n = len(prov)
    share = prov["class"].value_counts() if n else pd.Series(dtype=int)

    def part(key: str) -> str:
        return f"{int(share.get(key, 0)):,} ({share.get(key, 0) / max(n, 1):.0%})"
    d.paragraphs.append(
        f"{n:,} numbers in the chain: {part('sourced')} cite a declared source and a place "
        f"in it, {part('estimate')} are marked estimates with a rationale, and "
        f"{part('unsourced')} are neither.")
    if n:
        d.figures.append(FigureSpec("provenance", "Provenance of the chain's numbers by field",
                                    "provenance", (chain,)))
        field_name = prov["field"].where(prov["kind"] != "supplier", "share")
        counts = pd.crosstab([prov["kind"], field_name], prov["class"]).reindex(
            columns=["sourced", "estimate", "unsourced"], fill_value=0)
        counts.index.names = ["kind", "field"]
        counts["values"] = counts.sum(axis=1)
        d.tables.append(Table("provenance_by_field", "Values by field and provenance",
                              counts.reset_index(), index=False,
                              formats=dict.fromkeys(("sourced", "estimate", "unsourced",
                                                     "values"), "int")))
    cited = prov["source"].value_counts() if n else pd.Series(dtype=int)
    rows = []
    for sid, src in (chain.sources or {}).items():
        src = src if isinstance(src, Mapping) else {}
        rows.append({"source": sid, "title": src.get("title"), "year": src.get("year"),
                     "author": src.get("author"), "file": src.get("file"),
                     "url": src.get("url"), "values_cited": int(cited.get(sid, 0))})
    sources = pd.DataFrame(rows, columns=["source", "title", "year", "author", "file", "url",
                                          "values_cited"])
    d.tables.append(Table("sources", f"Sources ({len(sources)})", sources, index=False,
                          formats={"values_cited": "int", "year": "text"},
                          headers={"values_cited": "values citing it"}))
    cols = ["kind", "id", "field", "value", "low", "high", "note"]
    est = prov.loc[prov["class"] == "estimate", cols] if n else pd.DataFrame(columns=cols)
    d.tables.append(Table("estimates", "Estimates and their rationale",
                          est.reset_index(drop=True), index=False, collapsed=True,
                          formats={"value": "num", "low": "num", "high": "num"},
                          headers={"note": "rationale"}))
    bare = prov.loc[prov["class"] == "unsourced", ["kind", "id", "field", "value"]] if n \
        else pd.DataFrame(columns=["kind", "id", "field", "value"])
    if len(bare):
        d.tables.append(Table("unsourced", "Values with neither a source nor an estimate "
                              "mark", bare.reset_index(drop=True),
                              index=False, collapsed=True, formats={"value": "num"}))


def _method(d: Section, s: dict[str, Any]) -> None:
    d.paragraphs += [
        "The chain is a graph of nodes (segments) and edges (u is an input to v). A node "
        "needs all its essential inputs (AND), any of a group of alternatives (OR), and any "
        "of its supplier countries (OR); availability propagates downstream as the greatest "
        "fixed point of these equations, and end-use loss weighs the end uses by value.",
        "Over time, a node's stock (inventory months of demand) absorbs a shortfall until it "
        "runs out, and substitution replaces the substitutable share of the lost supply, "
        "ramping linearly over the lead time. The immediate bound has neither; the long-run "
        "bound has full substitution.",
        "Uncertainty draws every ranged number (triangular around the value, or uniform) "
        "from the seed below; supplier shares are drawn together and kept to at most 1.",
    ]
    mc, cs = s["monte_carlo"], s["cutsets"]
    rows = [("riskmodel version", s["riskmodel_version"]),
            ("chain", f"{s['chain']} ({s['nodes']} nodes, {s['edges']} edges)"),
            ("perspective", _perspective(s["perspective"]))]
    rows += [(f"chain file {f['file']}", f"sha256 {f['sha256']}") for f in s["chain_files"]]
    rows += [("chain data as scored", f"sha256 {s['chain_data_sha256']}"),
             ("choke-score horizon", f"{s['horizon_months']} months"),
             ("loss threshold (time to survive and recover)", f"{s['threshold']:.0%}"),
             ("choke scores", str(s["choke_score_exact"])),
             ("betweenness", str(s["betweenness"])),
             ("scenarios", ", ".join(s["scenarios"]) or "none"),
             ("Monte Carlo", f"{mc['draws']} draws, seed {mc['seed']}, "
                             f"{mc['ranged_values']} ranged values"),
             ("cut sets", f"up to {cs['max_size']} countries, target below "
                          f"{cs['threshold']:.0%} ({cs['mode']}), "
                          f"{len(cs['candidates'])} candidate countries, "
                          f"{cs['evaluated']:,} sets evaluated")]
    d.tables.append(Table("settings", "Settings", pd.DataFrame(rows, columns=["setting",
                                                                              "value"]),
                          index=False))


def _summary(d: Section, r: Computed, explain: Callable[[pd.DataFrame, str], str]) -> None:
    chain, scores, lev, cs = r.chain, r.scores, r.leverage, r.cutsets
    h = int(scores.attrs.get("horizon", 12))
    d.paragraphs.append(
        f"{chain.title}: {chain.compiled.n:,} nodes, seen from the "
        f"{_perspective(chain.perspective)} perspective. A node's choke score is the share of "
        f"end-use value lost over {h} months when its dominant foreign controlling country "
        "stops it to all destinations. The top choke points:")
    ranked = choke_points_only(chain, scores)
    top = ranked[ranked["choke_score"].fillna(0) > 0].head(3)
    d.bullets += [explain(ranked, node) for node in top.index]
    if top.empty:
        d.bullets.append(f"No single-supplier cut costs any end-use value by month {h}: the "
                         "chain has no choke point by this measure.")
    if len(lev):
        x = lev.iloc[0]
        via = ", ".join(x["carriers"][:3]) if x["carriers"] else ""
        d.paragraphs.append(
            f"Country leverage: if {lev.index[0]} cut everything it supplies, "
            f"{x['leverage']:.0%} of end-use value would be lost at month {h} "
            f"({x['immediate']:.0%} at once)" + (f", carried by {via}" if via else "") + ".")
    all_end = cs[cs["target"] == "all end use"] if len(cs) else cs
    if len(all_end):
        first = all_end.iloc[0]
        d.paragraphs.append(
            f"Cut sets: {' + '.join(first['countries'])} together would stop all end use "
            f"({first['availability']:.1%} survives); {len(all_end)} minimal "
            f"set{'s' if len(all_end) != 1 else ''} of up to 3 countries found.")
    else:
        stopped = cs["target"].nunique() if len(cs) else 0
        d.paragraphs.append(
            "Cut sets: no set of up to 3 countries stops all end use"
            + (f"; {stopped} end-use product{'s' if stopped != 1 else ''} can be stopped by "
               "such a set." if stopped else "."))
    if r.results:
        worst = max(r.results, key=lambda x: x.summary["peak_loss"])
        s = worst.summary
        tts = s["time_to_survive"]
        d.paragraphs.append(
            f"Worst standard scenario: {worst.scenario.label()}, whose worst month after "
            f"the cut loses {s['peak_loss']:.0%}" + (f" and the loss above 5% after {tts:g} months"
                                       if math.isfinite(tts) else "") + ".")
    d.paragraphs.append("Policy alignment: " + policy_finding(r.policy, scores))
    unc = r.uncertainty
    d.paragraphs.append(f"Uncertainty ({unc.attrs.get('draws')} draws): "
                        f"{unc.attrs.get('note', '')}.")
    prov = r.provenance
    if len(prov):
        srcd = float((prov["class"] == "sourced").mean())
        est = float((prov["class"] == "estimate").mean())
        d.paragraphs.append(f"Data: {srcd:.0%} of the chain's {len(prov):,} numbers are "
                            f"sourced and {est:.0%} are marked estimates.")
