"""Supplier shares from the ETO dataset's provision table.

Private to :mod:`riskmodel.eto` (whose docstring states the rules): organisations
counted for their headquarters country, country-level rows preferred, totals above
100% scaled down, providers named without a number turned into ranged estimates,
and supply kept at one level of the taxonomy.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel._errors import Problem
from riskmodel.sources.eto.read import lines_ref, pct_text, plain, r4

DATASET = "ETO Advanced Semiconductor Supply Chain Dataset"
NEGLIGIBLE = 0.025  # "2% or less (rounded value)" in the dataset's technical notes
ROOM = 0.005  # less unattributed than this is rounding: unquantified providers get no share


def by(rows: list[dict[str, Any]], field: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows grouped by ``field``, in order of first appearance."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[field], []).append(r)
    return out


def _years(rows: list[dict[str, Any]]) -> str:
    return "/".join(sorted({r["year"] for r in rows} - {""})) or "year not given"


def _who(rows: list[dict[str, Any]]) -> str:
    return ", ".join(dict.fromkeys(r["provider_name"] for r in rows))


def _qualitative(entries: list[tuple[str, str]], rest: float, rule: str
                 ) -> dict[str, tuple[float, float, float]]:
    """(value, low, high) for each qualitative ``(key, kind)``; kind major/negligible/
    unknown; ``rest`` is what the numeric shares leave."""
    rng = {}
    for k, kind in entries:
        if kind == "negligible":
            lo, hi = 0.0, min(NEGLIGIBLE, rest)
        elif kind == "major" and rule != "zero":
            lo, hi = min(NEGLIGIBLE, rest), rest
        else:
            lo, hi = 0.0, rest
        rng[k] = [lo, hi]
    val: dict[str, float] = {}
    if rule == "zero":
        val = {k: 0.0 for k in rng}
    elif rule == "midpoint":
        val = {k: (lo + hi) / 2 for k, (lo, hi) in rng.items()}
        total = sum(val.values())
        if total > rest > 0:
            val = {k: v * rest / total for k, v in val.items()}
    else:
        neg = [k for k, kind in entries if kind == "negligible"]
        other = [k for k, kind in entries if kind != "negligible"]
        for k in neg:
            val[k] = min(NEGLIGIBLE / 2, rest / len(entries))
        left = max(0.0, rest - sum(val.values()))
        for k in other:
            val[k] = left / len(other)
    out = {}
    for k, (lo, hi) in rng.items():
        v = r4(val[k])
        lo, hi = r4(min(lo, v)), r4(max(hi, v))
        out[k] = (v, lo, hi)
    return out


def node_shares(rows: list[dict[str, Any]], *, rule: str, src: Any, label: str
                ) -> tuple[dict[str, dict[str, Any]], float | None, set[str]]:
    """Supplier entries ``key → provenance`` (with ``value``) from one node's rows.

    Returns the entries, the numeric total in percent when above 100 (else None), and
    the years seen."""
    num = [r for r in rows if r["pct"] is not None]
    basis = [r for r in num if r["level"] == "country"] or num
    entries: dict[str, dict[str, Any]] = {}
    total = sum(r["pct"] for r in basis)
    scale = 100.0 / total if total > 100 + 1e-9 else 1.0
    whole = bool(basis) and all(r["pct"] % 1 == 0 for r in basis)
    for k, g in by(basis, "key").items():
        given = sum(r["pct"] for r in g)
        v = r4(given / 100 * scale)
        if all(r["level"] == "country" for r in g):
            what = f"ETO: {_who(g)} {pct_text(given)} ({_years(g)})"
        else:
            what = ("ETO: " + ", ".join(f"{r['provider_name']} {pct_text(r['pct'])}" for r in g)
                    + f" ({_years(g)}; headquartered in {k})")
        if scale != 1.0:
            what += f"; scaled by {scale:.4g} as the shares total {pct_text(total)}"
        sid, snote = src(g)
        e: dict[str, Any] = {"value": v, "source": sid, "ref": lines_ref(
            "provision.csv", [r["line"] for r in g]), "note": what + snote}
        if whole and given == 1.0:
            e.update(low=0.0, high=v)
            e["note"] += "; may be a share between 0 and 1% rounded up (technical notes)"
        entries[k] = e
    rest = max(0.0, 1.0 - sum(e["value"] for e in entries.values()))
    unnamed = by([r for r in rows if r["key"] not in entries], "key")
    if rest < ROOM and unnamed:  # the numbers leave no room: noted, not added
        also = "; ".join(f"{k} ({_who(g)})" for k, g in unnamed.items())
        unnamed = {}
        for e in entries.values():
            e["note"] += f"; ETO also names {also} without a share within this total"
    qual: list[tuple[str, str]] = []
    for k, g in unnamed.items():
        tok = [r["token"] for r in g if r["level"] == "country" and r["token"]]
        orgs = {r["token"] for r in g if r["level"] == "organization"}
        kind = (tok[0] if tok and tok[0] in ("major", "negligible") else "major"
                if "major" in orgs else "negligible" if orgs == {"negligible"} else "unknown")
        qual.append((str(k), kind))
    values = _qualitative(qual, rest, rule)
    n_unq = len(qual)
    for k, kind in qual:
        g = unnamed[k]
        v, lo, hi = values[k]
        sid, snote = src(g)
        what = {"negligible": "with a negligible share (2% or less)",
                "major": "as a major provider", "unknown": "without a share"}[kind]
        entries[k] = {
            "value": v, "low": lo, "high": hi, "dist": "uniform", "estimate": True,
            "source": sid, "ref": lines_ref("provision.csv", [r["line"] for r in g]),
            "note": (f"ETO names {k} ({_who(g)}) {what} ({_years(g)}); rule '{rule}' over the "
                     f"unattributed {pct_text(rest * 100)} and {n_unq} unquantified provider"
                     f"{'s' if n_unq > 1 else ''}{snote}")}
    left = r4(1.0 - sum(e["value"] for e in entries.values()))
    if left >= 0.001:
        entries["other"] = {"value": left, "source": "eto",
                            "ref": f"provision.csv rows for {label}",
                            "note": "the rest: 1 minus the shares ETO attributes"}
    return entries, (total if scale != 1.0 else None), {r["year"] for r in rows} - {""}


def carriers(nodes: list[str], children: dict[str, list[str]], parents: dict[str, list[str]],
             numeric: set[str], has_rows: set[str]) -> tuple[set[str], list[str]]:
    """Nodes whose own shares are used, and nodes whose shares are not (one level of the
    taxonomy carries a subtree's supply)."""
    covered: dict[str, bool] = {}

    def cov(n: str, depth: int = 0) -> bool:
        if n not in covered:
            covered[n] = n in numeric or (bool(children.get(n)) and depth < 50 and all(
                cov(c, depth + 1) for c in children[n]))
        return covered[n]

    def data(n: str, depth: int = 0) -> bool:
        return n in has_rows or (depth < 50 and any(data(c, depth + 1)
                                                    for c in children.get(n, [])))

    carry = set(nodes)
    stripped: set[str] = set()

    def strip(n: str, depth: int = 0) -> None:
        for c in children.get(n, []):
            if c not in stripped and depth < 50:
                stripped.add(c)
                strip(c, depth + 1)

    for cat in [n for n in nodes if children.get(n)]:
        kids = children[cat]
        if all(cov(c) for c in kids):      # its types all have numbers: they carry
            carry.discard(cat)
        elif cat in numeric:                # it has numbers, they do not: it carries
            strip(cat)
        elif any(data(c) for c in kids):    # neither has numbers: the types carry
            carry.discard(cat)
    carry -= stripped
    unused = [n for n in nodes if n in has_rows and n not in carry]
    return carry, unused


def unused_note(rows: list[dict[str, Any]], node_id: dict[str, str],
                parents: dict[str, list[str]], carry: set[str]) -> str:
    """The note of an input whose ETO shares are not used as suppliers."""
    num = [r for r in rows if r["pct"] is not None]
    num = [r for r in num if r["level"] == "country"] or num
    listed = ", ".join(f"{k} {pct_text(sum(r['pct'] for r in g))}" for k, g in by(
        num, "key").items()) if num else ", ".join(by(rows, "key"))
    ref = lines_ref("provision.csv", [r["line"] for r in rows])
    above = [p for p in parents.get(rows[0]["provided_id"], []) if p in carry]
    if above:
        return (f"ETO also lists providers here ({listed}; {ref}); not used as suppliers: "
                f"its category {node_id[above[0]]} carries the numeric shares.")
    return (f"ETO also gives shares for the category as a whole ({listed}; {ref}); not used "
            "as suppliers: they sum up its types, which carry the supply.")


def declare_sources(prov: pd.DataFrame, inputs: pd.DataFrame, stages: pd.DataFrame
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """One declared source per distinct source text, in order of first appearance."""
    texts = [*prov["source"], *inputs["market_share_chart_source"],
             *stages["market_share_chart_source"]]
    decl: dict[str, Any] = {}
    ids: dict[str, str] = {}
    for text in dict.fromkeys(x for x in texts if x):
        sid = f"eto_{len(ids) + 1}"
        ids[text] = sid
        entry: dict[str, Any] = {"title": plain(text)[:200] or DATASET,
                                 "note": f"source text in the {DATASET}: {text}"}
        url = re.search(r"https?://[^\s)\],]+", text)
        if url:
            entry["url"] = url.group(0)
        decl[sid] = entry
    return decl, ids


@dataclass
class Shares:
    """What :func:`supplier_shares` finds."""

    shares: dict[str, dict[str, dict[str, Any]]]   #: ETO id → key → value with provenance
    rows_of: dict[str, list[dict[str, Any]]]       #: ETO id → its provision rows
    carriers: set[str]                              #: inputs whose own shares are used
    unused: list[str]                               #: inputs whose shares are not
    problems: list[Problem]                         #: warnings and notes of the import
    sources: dict[str, Any]                         #: declared sources (all texts)
    src_of: dict[str, str]                          #: source text → source id


def supplier_shares(t: dict[str, pd.DataFrame], lookups: dict[str, dict[str, str]], *,
                    folder: Path, node_id: dict[str, str], stage_slug: dict[str, str],
                    children: dict[str, list[str]], parents: dict[str, list[str]],
                    rule: str) -> Shares:
    """Supplier entries of every input and stage from the provision table."""
    inputs, stages = t["inputs.csv"], t["stages.csv"]
    prov = t["provision.csv"].copy()
    prov["key"] = prov["provider_id"].map(lookups["key"])
    prov["level"] = prov["provider_id"].map(lookups["kind"])
    prov["pct"] = pd.to_numeric(prov["share_provided"], errors="coerce")
    prov["token"] = prov["share_provided"].str.lower().where(prov["pct"].isna(), "number")
    prov["line"] = prov["_line"]
    pnames = t["providers.csv"].drop_duplicates("provider_id").set_index("provider_id")
    prov["provider_name"] = prov["provider_id"].map(pnames["provider_name"])
    sources, src_of = declare_sources(prov, inputs, stages)
    chart = {**dict(zip(inputs["input_id"], zip(inputs["market_share_chart_source"],
                                                  inputs["_line"], strict=True), strict=True)),
             **dict(zip(stages["stage_id"], zip(stages["market_share_chart_source"],
                                                  stages["_line"], strict=True), strict=True))}
    records = prov[["provided_id", "provider_name", "key", "level", "pct", "token", "year",
                    "source", "line"]].to_dict("records")
    for r in records:
        r["pct"] = None if r["pct"] != r["pct"] else float(r["pct"])  # NaN → None
    rows_of = by(records, "provided_id")
    numeric = {k for k, g in rows_of.items() if any(r["pct"] is not None for r in g)}
    carry, unused = carriers(list(node_id), children, parents, numeric, set(rows_of))

    def src(g: list[dict[str, Any]]) -> tuple[str, str]:
        texts = [r["source"] for r in g if r["source"]]
        if texts:
            return src_of[Counter(texts).most_common(1)[0][0]], ""
        text, line = chart.get(g[0]["provided_id"], ("", 0))
        if text:
            file = "stages.csv" if g[0]["provided_id"] in stage_slug else "inputs.csv"
            return src_of[text], f" (no source in provision.csv; chart source, {file} line {line})"
        return "eto", ""

    shares: dict[str, dict[str, dict[str, Any]]] = {}
    over: list[str] = []
    mixed: list[str] = []
    qual_nodes: list[str] = []
    for eid, g in rows_of.items():
        if eid in node_id and eid not in carry:
            continue
        label = node_id.get(eid) or f"stage_{stage_slug[eid]}"
        entries, total, years = node_shares(g, rule=rule, src=src, label=label)
        shares[eid] = entries
        if total is not None:
            over.append(f"{eid} {label} ({pct_text(total)})")
        if len(years) > 1:
            mixed.append(f"{eid} {label} ({'/'.join(sorted(years))})")
        if any(e.get("estimate") for e in entries.values()):
            qual_nodes.append(f"{eid} {label}")
    f_prov = str(folder / "provision.csv")
    problems: list[Problem] = []
    if over:
        problems.append(Problem(
            "warning", f"supplier shares above 100% scaled down to 100% in {len(over)} "
            "node(s) (ETO rounds shares; those between 0 and 1% are rounded up to 1%)",
            file=f_prov, field="share_provided", where=", ".join(over),
            fix="none needed; the original percentages are in each value's note",
            code="eto-normalised"))
    if qual_nodes:
        problems.append(Problem(
            "info", f"providers named without a share are estimates (rule '{rule}') "
            f"in {len(qual_nodes)} node(s)", file=f_prov, where=", ".join(qual_nodes),
            code="eto-qualitative"))
    if unused:
        problems.append(Problem(
            "info", f"shares of {len(unused)} node(s) not used as suppliers, as another "
            "level of the taxonomy carries the supply (see each node's note)", file=f_prov,
            where=", ".join(f"{e} {node_id[e]}" for e in unused), code="eto-taxonomy"))
    if mixed:
        problems.append(Problem(
            "info", "shares of different years within one node (each value keeps its year)",
            file=f_prov, where=", ".join(mixed), code="eto-vintage"))
    return Shares(shares, rows_of, carry, unused, problems, sources, src_of)
