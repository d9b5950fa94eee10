"""The HTML renderer of reports: one self-contained page, figures embedded as PNG.

Every string (chain names, labels, notes, sources) is escaped with
:func:`html.escape`; the page loads nothing (a Content-Security-Policy forbids any
fetch), so it opens from disk with no network. Its only scripts are those of the
explorable chain diagram (:mod:`riskmodel.reporting.explore`), inlined and allowed by
their SHA-256 alone.
"""

from __future__ import annotations

import base64
import html
import math
import struct
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from riskmodel._version import __version__
from riskmodel.reporting.data import ReportData, Section, Table
from riskmodel.reporting.explore import EXPLORE_CSS, render_explorer, too_large_note

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
       "form-action 'none'")


def csp(script_hashes: list[str]) -> str:
    """The page's Content-Security-Policy: nothing loads, and only the scripts with
    these hash sources run (none without)."""
    return CSP + (f"; script-src {' '.join(script_hashes)}" if script_hashes else "")

CSS = """
:root { --ink: #1d2433; --muted: #5b6475; --rule: #d9dde5; --band: #f4f6f9;
        --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; }
header.top { background: var(--band); border-bottom: 1px solid var(--rule); }
header.top .wrap { padding: 28px 24px 20px; }
.wrap { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
          color: var(--accent); margin: 0 0 4px; font-weight: 600; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 10px; }
.desc { max-width: 80ch; margin: 0; }
nav.toc { border-bottom: 1px solid var(--rule); padding: 10px 0; font-size: 14px; }
nav.toc ol { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; padding: 0;
             list-style: none; counter-reset: toc; }
nav.toc li { counter-increment: toc; }
nav.toc li::before { content: counter(toc) ". "; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; }
section { padding: 8px 0 18px; border-bottom: 1px solid var(--rule); }
h2 { font-size: 21px; margin: 26px 0 10px; }
h2 .n { color: var(--muted); font-weight: 500; margin-right: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { max-width: 90ch; }
ul.findings { padding-left: 20px; max-width: 95ch; }
ul.findings li { margin: 6px 0; }
#summary ul.findings li { background: #fff7ec; border-left: 3px solid var(--warn);
                          list-style: none; margin-left: -20px; padding: 6px 10px; }
figure { margin: 14px 0 18px; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.table-wrap { overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 13px; min-width: 40%; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--rule); text-align: left;
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td .sub { display: block; color: var(--muted); font-size: 12px; max-width: 34ch; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.note { color: var(--muted); font-size: 13px; }
details { margin: 8px 0 12px; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       font-size: 0.92em; background: var(--band); padding: 0 3px; border-radius: 3px; }
footer { color: var(--muted); font-size: 12px; padding: 18px 0 40px; }
@media print {
  nav.toc { display: none; }
  section { break-inside: auto; }
  figure { break-inside: avoid; }
  details { display: block; }
}
"""


def esc(x: Any) -> str:
    """Escape text for HTML (quotes too, so it is safe in attributes)."""
    return html.escape("" if x is None else str(x), quote=True)


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v)) if not isinstance(v, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def format_cell(v: Any, kind: str = "") -> str:
    """A table cell as plain text (the renderers escape it)."""
    if isinstance(v, (list, tuple)):
        return (" + " if kind == "set" else ", ").join(str(x) for x in v)
    if _is_missing(v):
        return ""
    if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
        return "yes" if v else "no"
    if isinstance(v, Mapping):
        return ", ".join(f"{k}: {x}" for k, x in v.items())
    if isinstance(v, (int, float)) or hasattr(v, "dtype"):
        x = float(v)
        if kind == "months" or math.isinf(x):
            return "∞" if math.isinf(x) else f"{x:g}"
        if kind == "pct":
            return "<0.1%" if 0 < abs(x) < 0.0005 else f"{x:.1%}"
        if kind == "int":
            return f"{round(x):,}"
        if kind == "text":
            return f"{int(x)}" if x.is_integer() else f"{x:g}"
        return f"{x:.3g}" if kind == "num" else f"{x:.4g}"
    return str(v)


def table_rows(t: Table) -> tuple[list[str], list[list[Any]], list[bool]]:
    """Header, formatted rows and which columns are numeric, for display; an index cell
    with an ``index_note`` is a pair ``(index, note)``."""
    frame = t.frame
    cols = [c for c in (t.show or list(frame.columns)) if c in frame.columns]
    rows = t.shown()
    shown = frame if rows is None else frame.head(rows)
    header = ([str(frame.index.name or "")] if t.index else []) + [
        t.headers.get(str(c), str(c)) for c in cols]
    numeric = ([False] if t.index else []) + [
        t.formats.get(c, "") in ("pct", "num", "int", "months")
        or (pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool
            and t.formats.get(c) != "text") for c in cols]
    rows = []
    notes = (shown[t.index_note] if t.index_note in shown.columns
             else pd.Series("", index=shown.index))
    for idx, note, r in zip(shown.index, notes, shown[cols].itertuples(index=False),
                            strict=True):
        cells = [format_cell(v, t.formats.get(c, "")) for c, v in zip(cols, r, strict=True)]
        key, extra = format_cell(idx), format_cell(note)
        first: str | tuple[str, str] = (key, extra) if extra and extra != key else key
        rows.append(([first] if t.index else []) + cells)
    return header, rows, numeric


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        w, h = struct.unpack(">II", png[16:24])
        return int(w), int(h)
    return 0, 0


def _table(t: Table) -> str:
    header, rows, numeric = table_rows(t)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(
        f'<td class="num">{esc(v)}</td>' if num else f"<td>{_cell_html(v, h)}</td>"
        for v, num, h in zip(r, numeric, header, strict=True)) + "</tr>" for r in rows)
    if not rows:
        body = f'<tr><td colspan="{max(len(header), 1)}" class="note">none</td></tr>'
    inner = (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
             f"<tbody>\n{body}\n</tbody></table></div>")
    text = " ".join(x for x in (t.note, t.long_note()) if x)
    note = f'<p class="note">{esc(text)}</p>' if text else ""
    if t.collapsed:
        return (f"<details><summary>{esc(t.title)} ({len(t.frame):,} rows)</summary>"
                f"{inner}{note}</details>")
    return f"<h3>{esc(t.title)}</h3>{inner}{note}"


def _cell_html(v: str | tuple[str, str], column: str) -> str:
    """A text cell; an http(s) address in a ``url`` or ``link`` column becomes a link."""
    if isinstance(v, tuple):
        return f'{esc(v[0])}<span class="sub">{esc(v[1])}</span>'
    if column in ("url", "link") and v:
        parts = urlsplit(v)
        if parts.scheme in ("http", "https") and parts.netloc:
            return (f'<a href="{esc(v)}" rel="noopener noreferrer nofollow">{esc(v)}</a>')
    return esc(v)


def _section(i: int, s: Section, pngs: Mapping[str, bytes], counter: list[int],
             graph: Mapping[str, Any] | None = None,
             scripts: list[tuple[str, list[str]]] | None = None) -> str:
    """One section; in the diagram section, the explorable diagram (from ``graph``)
    takes the static figure's place; its scripts and their hash sources go to
    ``scripts``."""
    out = [f'<section id="{esc(s.id)}"><h2><span class="n">{i}.</span> {esc(s.title)}</h2>']
    paras = s.paragraphs
    if s.id == "summary" and paras:
        out.append(f"<p>{esc(paras[0])}</p>")
        paras = paras[1:]
    if s.bullets and s.id == "summary":
        out.append('<ul class="findings">' + "".join(f"<li>{esc(b)}</li>" for b in s.bullets)
                   + "</ul>")
    out += [f"<p>{esc(p)}</p>" for p in paras]
    for f in s.figures:
        if f.name == "chain_diagram" and graph is not None and scripts is not None:
            if "too_large" not in graph:
                counter[0] += 1
                fragment, code, hashes = render_explorer(graph, counter[0])
                out.append(fragment)
                scripts.append((code, hashes))
                continue
            out.append(f'<p class="note">{esc(too_large_note(graph))}</p>')
        png = pngs.get(f.name)
        if png is None:
            continue
        counter[0] += 1
        w, h = _png_size(png)
        size = f' width="{w}" height="{h}"' if w else ""
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure id="fig-{esc(f.name)}"><img src="data:image/png;base64,{data}" '
                   f'alt="{esc(f.caption)}"{size}><figcaption>Figure {counter[0]}. '
                   f"{esc(f.caption)}</figcaption></figure>")
    for t in s.tables:
        out.append(_table(t))
    if s.bullets and s.id != "summary":
        title = {"choke_points": "Why each ranks where it does",
                 "scenarios": "The scenarios"}.get(s.id, "Notes")
        out.append(f"<h3>{esc(title)}</h3><ul class=\"findings\">"
                   + "".join(f"<li>{esc(b)}</li>" for b in s.bullets) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def render_html(data: ReportData, pngs: Mapping[str, bytes]) -> str:
    """The report as one self-contained HTML page."""
    toc = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in data.sections)
    counter = [0]
    found: list[tuple[str, list[str]]] = []  # the explorable diagram's scripts and hashes
    body = "\n".join(_section(i, s, pngs, counter, data.graph, found)
                     for i, s in enumerate(data.sections, 1))
    scripts = [code for code, _ in found]
    hashes = [h for _, hs in found for h in hs]
    desc = f'<p class="desc">{esc(data.description)}</p>' if data.description else ""
    number = {s.id: i for i, s in enumerate(data.sections, 1)}
    see = f"sections {number.get('provenance', 9)} and {number.get('method', 10)}"
    generated = f" · generated {esc(data.generated)}" if data.generated else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp(hashes)}">
<meta name="generator" content="riskmodel {esc(__version__)}">
<title>{esc(data.title)} — choke-point report</title>
<style>{CSS}{EXPLORE_CSS if scripts else ""}</style>
</head>
<body>
<header class="top"><div class="wrap">
<p class="kicker">Choke-point report</p>
<h1>{esc(data.title)}</h1>
<p class="meta">chain <code>{esc(data.chain)}</code> · riskmodel {esc(__version__)}{generated}</p>
{desc}
</div></header>
<div class="wrap">
<nav class="toc"><ol>{toc}</ol></nav>
<main>
{body}
</main>
<footer>Made with riskmodel {esc(__version__)}. Scores are model outputs from the chain's data
and assumptions (see {see}), not forecasts.</footer>
</div>
{"".join(scripts)}
</body>
</html>
"""
