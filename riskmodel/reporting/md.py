"""The Markdown renderer of reports: GitHub-flavoured Markdown, figures as PNG files
beside it.

Every string from a chain is escaped with :func:`riskmodel.io.render.md_escape` (the one
Markdown escaper, shared with ``riskmodel diff``): ``<`` and ``>`` (and an
``&`` that would start an entity) become entities, so no raw HTML gets through;
brackets, pipes, backticks, emphasis and math marks are backslash-escaped, so
``](javascript:...)`` cannot make a link nor a name break a table; and newlines are
folded, with a leading ``#``, ``-`` or ``1.`` escaped, so a name cannot start a
heading or a list.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskmodel._version import __version__
from riskmodel.io.render import md_escape
from riskmodel.reporting.data import ReportData, Section, Table
from riskmodel.reporting.html import table_rows


def _cell(v: str | tuple[str, str]) -> str:
    return f"{md_escape(v[0])} — {md_escape(v[1])}" if isinstance(v, tuple) else md_escape(v)


def _table(t: Table) -> str:
    header, rows, numeric = table_rows(t)
    if not header:
        return ""
    lines = [f"**{md_escape(t.title)}**" + (f" ({len(t.frame):,} rows)" if t.collapsed else ""),
             "",
             "| " + " | ".join(md_escape(h) or " " for h in header) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
    if not rows:
        lines.append("| " + " | ".join(["none", *[""] * (len(header) - 1)]) + " |")
    note = " ".join(x for x in (t.note, t.long_note()) if x)
    if note:
        lines += ["", f"*{md_escape(note)}*"]
    return "\n".join(lines)


def _section(i: int, s: Section, figures: Mapping[str, str], counter: list[int]) -> str:
    out = [f"## {i}. {md_escape(s.title)}", ""]
    paras = s.paragraphs
    if s.id == "summary" and paras:
        out += [md_escape(paras[0]), ""]
        paras = paras[1:]
        out += [f"- {md_escape(b)}" for b in s.bullets] + [""]
    for p in paras:
        out += [md_escape(p), ""]
    for f in s.figures:
        if f.name not in figures:
            continue
        counter[0] += 1
        out += [f"![{md_escape(f.caption)}]({figures[f.name]})", "",
                f"*Figure {counter[0]}. {md_escape(f.caption)}*", ""]
    for t in s.tables:
        out += [_table(t), ""]
    if s.bullets and s.id != "summary":
        title = {"choke_points": "Why each ranks where it does",
                 "scenarios": "The scenarios"}.get(s.id, "Notes")
        out += [f"**{title}**", ""] + [f"- {md_escape(b)}" for b in s.bullets] + [""]
    return "\n".join(out)


def render_md(data: ReportData, figures: Mapping[str, str]) -> str:
    """The report as Markdown; ``figures`` maps figure names to their relative paths."""
    counter = [0]
    head = [f"# {md_escape(data.title)}: choke-point report", "",
            f"Chain `{md_escape(data.chain).replace('`', '')}` · riskmodel {__version__}"
            + (f" · generated {data.generated}" if data.generated else ""), ""]
    if data.description:
        head += [md_escape(data.description), ""]
    body = [_section(i, s, figures, counter) for i, s in enumerate(data.sections, 1)]
    return "\n".join(head + body).rstrip() + "\n"
