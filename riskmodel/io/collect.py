"""Collecting validation problems: places, repeats, suggestions and message helpers."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any

from riskmodel import schema
from riskmodel._errors import Problem
from riskmodel.io.document import Document

SHARE_TOLERANCE = 0.02
MAX_PER_CODE = 100
OTHER = "other"
#: the table of the world's shares (a node's `world_suppliers`), placed as `suppliers`
WORLD_TABLE = "world_suppliers"
# the schema's patterns end in `$`, which also matches before a final line break
# ("abc\n"); `\Z` does not, so `.match` of these is a whole match
SLUG = re.compile(schema.SLUG_PATTERN.removesuffix("$") + r"\Z")
COUNTRY = re.compile(schema.COUNTRY_PATTERN.removesuffix("$") + r"\Z")
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
VALUE_KEYS = tuple(schema.names("value"))



def suggest(word: str, candidates: Iterable[str], *, limit: int = 50_000) -> str | None:
    """The closest candidate to ``word``, for "did you mean" fixes.

    >>> suggest("servo_motor", ["servo_motors", "controllers"])
    'servo_motors'
    """
    cands = candidates if isinstance(candidates, (list, tuple)) else list(candidates)
    if len(cands) > limit:
        return None
    m = difflib.get_close_matches(str(word), [str(c) for c in cands], n=1, cutoff=0.6)
    return m[0] if m else None


def did_you_mean(word: Any, candidates: Iterable[str], fallback: str) -> str:
    s = suggest(str(word), list(candidates))
    return f"did you mean `{s}`?" if s else fallback


def short(x: Any, n: int = 60) -> str:
    if isinstance(x, str):
        t = repr(x)
    elif isinstance(x, float):
        t = repr(x) if not x.is_integer() else str(x)
    elif isinstance(x, (dict, list)):
        kind = "mapping" if isinstance(x, dict) else "list"
        items = list(x.items() if isinstance(x, dict) else enumerate(x))
        scalar = (str, int, float, bool, type(None))
        if not items:
            return f"an empty {kind}"
        if len(items) > 6 or not all(isinstance(v, scalar) for _, v in items):
            return f"a {kind}"
        shown = ", ".join(f"{k}: {short(v, n)}" if kind == "mapping" else short(v, n)
                          for k, v in items)
        t = f"the {kind} " + ("{" + shown + "}" if kind == "mapping" else f"[{shown}]")
    elif x is None:
        t = "nothing"
    else:
        t = repr(x)
    return t if len(t) <= n else t[: n - 1] + "…"


def percent_fix(text: str) -> str:
    """The fix for a percentage written where a fraction belongs: ``28% → 0.28``."""
    t = text.strip()
    try:
        v = float(t[:-1])
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        return "write the percentage as a fraction (28% → 0.28)"
    return f"write the percentage as a fraction ({t} → {v / 100:g})"


def type_name(x: Any) -> str:
    if isinstance(x, bool):
        return f"true/false ({str(x).lower()})"
    if isinstance(x, (int, float)):
        return f"the number {short(x)}"
    if isinstance(x, str):
        return f"the text {short(x)}"
    return short(x)


class Collector:
    """Collects problems with their places; caps repeats of one kind."""

    def __init__(self, doc: Document | None, path: str | None):
        self.doc = doc
        self.path = path or (doc.path if doc else None)
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.csv: dict[str, tuple[str, list[str]]] = {}

    def at(self, table: str | None, row: int | None, field_: str | None,
           path: tuple[Any, ...] | None) -> tuple[str | None, int | None, int | None]:
        if table is not None and row is None and table in self.csv:
            return self.csv[table][0], None, None
        if path is not None and self.doc is not None:
            pos = self.doc.at(*path)
            return self.doc.files.get("header", self.path), *(pos or (None, None))
        if table is not None and row is not None:
            if table in self.csv:
                file, cols = self.csv[table]
                col = None
                if field_ is not None:
                    base = field_ if field_ in cols else field_.split(".")[0]
                    col = cols.index(base) + 1 if base in cols else None
                return file, self.line(table, row), col
            if (table in self.rows and self.doc is not None and row < len(self.rows[table])
                    and self.rows[table][row] is not None):
                prefix = self.rows[table][row]
                sub: tuple[Any, ...] = ()
                if field_ is not None:
                    sub = tuple(field_.split(".")) if table not in (
                        "suppliers", WORLD_TABLE) else tuple(field_.split(".")[1:])
                pos = self.doc.at(*prefix, *sub)
                return self.doc.files.get("header", self.path), *(pos or (None, None))
        return self.path, None, None

    def line(self, table: str, row: int | None) -> int:
        """The line of a bundle table's row (``None``: its header)."""
        lines = self.doc.lines.get(table) if self.doc is not None else None
        if lines:
            return lines[0 if row is None else row + 1]
        return 1 if row is None else row + 2

    def add(self, severity: str, code: str, message: str, *, table: str | None = None,
            row: int | None = None, field: str | None = None,
            path: tuple[Any, ...] | None = None, where: str | None = None,
            expected: str | None = None, found: str | None = None,
            fix: str | None = None) -> None:
        n = self.counts.get(code, 0) + 1
        self.counts[code] = n
        if n > MAX_PER_CODE:
            return
        file, line, col = self.at(table, row, field, path)
        self.problems.append(Problem(severity, message, file=file, line=line, column=col,
                                     where=where, field=field, expected=expected, found=found,
                                     fix=fix, code=code))

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for code, n in self.counts.items():
            if n > MAX_PER_CODE:
                sev = next(p.severity for p in self.problems if p.code == code)
                out.append(Problem(sev, f"... and {n - MAX_PER_CODE} more problems like "
                                        f"'{code}' (not listed)", file=self.path, code=code))
        return out


# ---------------------------------------------------------------------------
# document → tables
# ---------------------------------------------------------------------------

def unknown_keys(c: Collector, item: dict, valid: list[str], where: str,
                  path: tuple[Any, ...]) -> None:
    for k in item:
        if k not in valid:
            s = suggest(str(k), valid)
            c.add("error", "unknown-key", f"unknown key '{k}'", path=(*path, k), where=where,
                  expected="one of " + ", ".join(valid), found=short(k),
                  fix=f"did you mean `{s}`?" if s else "remove it or use one of the valid names")


