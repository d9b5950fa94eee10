"""The report's renderers driven together: JSON (:func:`render_json`), the figures as
PNG (:func:`render_figures`, drawn by :mod:`riskmodel.plot`), HTML
(:mod:`riskmodel.reporting.html`) and Markdown (:mod:`riskmodel.reporting.md`), each
turned into the bytes of the report's files (:func:`render_files`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmodel._version import __version__
from riskmodel.reporting.folder import REPORT_MARKER, REPORT_SCHEMA, marker, safe_name

if TYPE_CHECKING:
    from riskmodel.reporting.data import ReportData, Table

__all__ = ["FORMATS", "csv_table", "place_tables", "render_figures", "render_files",
           "render_json", "report_formats"]

FORMATS = ("html", "md", "json")
#: gzip level of a long table's CSV file: 1 (fastest) packs a 10^5-node report's
#: tables about as tightly as 6, in a fraction of the time
CSV_GZIP_LEVEL = 1


def report_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, in order and each once (``"all"`` stands for every one).

    >>> report_formats(["md", "all"])
    ('md', 'html', 'json')
    """
    items = [formats] if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for f in items:
        for x in (FORMATS if f == "all" else (f,)):
            if x not in FORMATS:
                raise ValueError(f"unknown report format {x!r}; valid formats: "
                                 f"{', '.join(FORMATS)}, all")
            if x not in out:
                out.append(x)
    if not out:
        raise ValueError(f"no report format given; valid formats: {', '.join(FORMATS)}, all")
    return tuple(out)


def place_tables(data: ReportData) -> dict[str, Table]:
    """Give each long table of the report its CSV file, ``tables/<name>.csv.gz`` (the
    name made file-safe, and unique); the files and their tables, in report order."""
    out: dict[str, Table] = {}
    for t in (t for s in data.sections for t in s.tables if t.long):
        stem, i = safe_name(t.name), 1
        name = f"tables/{stem}.csv.gz"
        while name in out:
            i += 1
            name = f"tables/{stem}_{i}.csv.gz"
        t.file = name
        out[name] = t
    return out


def _json_table(t: Table) -> Any:
    """A table in the JSON: its rows, or for a long table (more than
    :data:`~riskmodel.reporting.data.LONG_ROWS`) its CSV file, row count and columns."""
    from riskmodel.io.render import to_jsonable

    if t.long:
        columns = ([str(t.frame.index.name or "")] if t.index else []) + [
            str(c) for c in t.frame.columns]
        return {"file": t.file, "rows": len(t.frame), "columns": columns}
    return to_jsonable(t.frame) if t.index else [to_jsonable(r) for r in
                                                 t.frame.to_dict("records")]


def _csv_cells(col: Any) -> Any:
    """A text column as its CSV file writes it: lists joined by ``|``, text made inert
    for spreadsheets (:func:`~riskmodel.io.terminal.inert_cell`), each distinct value
    converted once."""
    import numpy as np
    import pandas as pd

    from riskmodel.io.terminal import inert_cell

    def cell(v: Any) -> Any:
        return inert_cell("|".join(str(x) for x in v) if isinstance(v, (list, tuple)) else v)
    try:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): one by one
        return pd.Series([cell(v) for v in col], index=col.index, dtype=object)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = [cell(v) for v in uniques]
    values[-1] = None  # a missing cell (code -1) stays empty
    return pd.Series(values[codes], index=col.index, dtype=object)


def csv_table(t: Table) -> bytes:
    """A long table as the bytes of its gzipped CSV file: every row and column, numbers
    as Python writes them (no rounding), lists joined by ``|``, text cells made inert for
    spreadsheets as :func:`riskmodel.io.render.spreadsheet_safe` makes them; the gzip
    header holds no time, so reports stay byte-identical."""
    import gzip

    import pandas as pd

    from riskmodel.io.terminal import inert_cell

    frame = t.frame.copy()
    for c in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[c]):
            frame[c] = _csv_cells(frame[c])
    if t.index:
        index = frame.index.rename(frame.index.name or "id")
        frame.index = index if pd.api.types.is_numeric_dtype(index) else _csv_cells(
            index.to_series()).rename(index.name)
    frame.columns = [inert_cell(str(c)) for c in frame.columns]
    text = frame.to_csv(index=t.index, lineterminator="\n")
    return gzip.compress(text.encode("utf-8"), compresslevel=CSV_GZIP_LEVEL, mtime=0)


def render_json(data: ReportData) -> str:
    """The report's tables and texts as JSON (no timestamps, so reports diff cleanly)."""
    from riskmodel.io.render import to_jsonable

    place_tables(data)
    sections = []
    for i, s in enumerate(data.sections, 1):
        sections.append({
            "number": i, "id": s.id, "title": s.title, "paragraphs": s.paragraphs,
            "bullets": s.bullets, "figures": [f.name for f in s.figures],
            "tables": {t.name: _json_table(t) for t in s.tables},
        })
    doc = {"schema": REPORT_SCHEMA, "riskmodel_version": __version__, "chain": data.chain,
           "title": data.title, "settings": data.settings, "sections": sections}
    return json.dumps(to_jsonable(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_figures(data: ReportData) -> dict[str, bytes]:
    """Every figure of the report as PNG bytes (drawn by :mod:`riskmodel.plot`)."""
    import warnings

    from riskmodel import plot

    out = {}
    for s in data.sections:
        for f in s.figures:
            with warnings.catch_warnings():
                # a label in a script the font lacks is drawn as boxes; not an error here
                warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
                warnings.filterwarnings("ignore", message=r"Matplotlib currently does not "
                                        "support")
                out[f.name] = plot.to_png(getattr(plot, f.func), *f.args, **f.kwargs)
    return out


def render_files(data: ReportData, formats: tuple[str, ...], stem: str
                 ) -> tuple[dict[str, bytes], dict[str, Path]]:
    """Every file of the report (relative path to bytes, the marker last) and the main
    file of each format."""
    from riskmodel.reporting.html import render_html
    from riskmodel.reporting.md import render_md

    files: dict[str, bytes] = {name: csv_table(t) for name, t in place_tables(data).items()}
    written: dict[str, Path] = {}
    pngs = render_figures(data) if ("html" in formats or "md" in formats) else {}
    if "json" in formats:
        files[f"{stem}.json"] = render_json(data).encode("utf-8")
        written["json"] = Path(f"{stem}.json")
    if "md" in formats:
        paths = {}
        for name, png in pngs.items():
            files[f"figures/{name}.png"] = png
            paths[name] = f"figures/{name}.png"
        files[f"{stem}.md"] = render_md(data, paths).encode("utf-8")
        written["md"] = Path(f"{stem}.md")
    if "html" in formats:
        files[f"{stem}.html"] = render_html(data, pngs).encode("utf-8")
        written["html"] = Path(f"{stem}.html")
    files[REPORT_MARKER] = marker(data.chain, files)
    return files, written
