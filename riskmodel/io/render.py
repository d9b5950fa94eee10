"""Renderers: the same data as a readable table, CSV or JSON. No computation here."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pandas as pd

from riskmodel.io.terminal import escape, inert_cell

FORMATS = ("table", "csv", "json")


def _cell(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, (list, tuple)):
        return escape(", ".join(map(str, x)))
    return escape(str(x))


def table(df: pd.DataFrame, *, index: bool = True, max_width: int = 60) -> str:
    """A plain-text table with aligned columns.

    >>> print(table(pd.DataFrame({"a": [1.0, 22.5]}, index=["x", "y"])))
       a
    x  1
    y  22.5
    """
    frame = df.reset_index() if index else df
    if index and frame.columns[0] == "index":
        frame = frame.rename(columns={"index": ""})
    cols = [escape(str(c)) for c in frame.columns]
    rows = [[_cell(v)[:max_width] for v in r] for r in frame.itertuples(index=False)]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines)


def to_jsonable(x: Any) -> Any:
    """Plain JSON data from pandas/numpy values (NaN becomes null)."""
    import numpy as np

    if isinstance(x, pd.DataFrame):
        return [to_jsonable(r) for r in x.reset_index().to_dict("records")]
    if isinstance(x, pd.Series):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


_PUNCT = re.compile(r"([\\`*\[\]|~$])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_SPACE = re.compile(r"[\x00-\x1f\x7f\s]+")


def md_escape(x: Any) -> str:
    """Text made inert for Markdown, on one line.

    >>> md_escape('<script>alert(1)</script>')
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> md_escape("[click](javascript:alert(1))")
    '\\\\[click\\\\](javascript:alert(1))'
    >>> md_escape("reduction_gears")
    'reduction_gears'
    """
    s = _SPACE.sub(" ", "" if x is None else str(x)).strip()
    s = re.sub(r"&(?=#?\w+;)", "&amp;", s).replace("<", "&lt;").replace(">", "&gt;")
    s = _PUNCT.sub(r"\\\1", s)
    s = _UNDERSCORE.sub(r"\\_", s)
    if s[:1] in ("-", "+", "#", "=", ":"):
        s = "\\" + s
    s = re.sub(r"^(\d+)([.)])(?=\s|$)", r"\1\\\2", s)
    return s


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, labels and column names no spreadsheet runs as
    formulas (see :func:`riskmodel.io.terminal.inert_cell`); numbers are unchanged.

    >>> df = pd.DataFrame({"label": ["=1+1", "gears"], "loss": [-0.5, 0.25]},
    ...                   index=["@x", "y"])
    >>> print(spreadsheet_safe(df).to_csv(lineterminator="\\n"), end="")
    ,label,loss
    '@x,'=1+1,-0.5
    y,gears,0.25
    """
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(inert_cell)
    if not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(inert_cell)
    out.columns = [inert_cell(c) for c in out.columns]
    return out


def render(df: pd.DataFrame, fmt: str, *, index: bool = True) -> str:
    """``df`` as ``table``, ``csv`` or ``json`` text."""
    if fmt == "table":
        return table(df, index=index)
    if fmt == "csv":
        return spreadsheet_safe(df).to_csv(index=index, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        return json.dumps(to_jsonable(df if index else df.reset_index(drop=True)), indent=2,
                          ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
