"""Reading and checking the five tables of the ETO semiconductor supply chain dataset.

Private to :mod:`riskmodel.eto`. :func:`read_tables` reads the CSV files (a quoted
cell may span lines; each row keeps the line it starts on) and reports every missing
file and missing column at once; :func:`check_rows` reports every bad row with its
file, line and column, and maps providers to supplier keys.
"""

from __future__ import annotations

import csv
import io as _io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel import schema
from riskmodel._errors import ChainValidationError, Problem
from riskmodel.io.files import read_file_bytes

FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "inputs.csv": (("input_id", "input_name", "type", "stage_id"),
                   ("description", "year", "market_share_chart_global_market_size_info",
                    "market_share_chart_source")),
    "stages.csv": (("stage_id", "stage_name"),
                   ("description", "market_share_chart_global_market_size_info",
                    "market_share_chart_caption", "market_share_chart_source")),
    "sequence.csv": (("input_id", "goes_into_id", "is_type_of_id"), ()),
    "providers.csv": (("provider_id", "provider_name", "provider_type", "country"), ()),
    "provision.csv": (("provider_id", "provided_id", "share_provided", "year"),
                      ("provider_name", "source")),
}
#: pseudo-providers (upper case) → (group key, label)
PSEUDO = {
    "EUR": ("EUROPE", "Europe (ETO pseudo-provider EUR, a regional aggregate)"),
    "VARIOUS COUNTRIES": ("ROW", "Various countries (ETO pseudo-provider: the rest of the "
                                 "world, not attributed to a country)"),
}
EUROPE = ("AD", "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES",
          "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC",
          "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM",
          "UA", "VA")


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The five tables as text DataFrames with a ``_line`` column; raise once if bad."""
    problems: list[Problem] = []
    out: dict[str, pd.DataFrame] = {}
    for name, (required, optional) in FILES.items():
        df = _read_table(folder, name, required, optional, problems)
        if df is not None:
            out[name] = df
    if problems:
        raise ChainValidationError(problems)
    return out


def _read_table(folder: Path, name: str, required: Sequence[str], optional: Sequence[str],
                problems: list[Problem]) -> pd.DataFrame | None:
    """The table ``name`` (an optional column missing is added empty), or None once
    its problems are added to ``problems``."""
    p = folder / name
    shown = str(p)
    if not p.exists():
        problems.append(Problem(
            "error", "file missing", file=shown, where=f"ETO folder {folder}",
            expected=f"the five ETO tables ({', '.join(FILES)})", found="no such file",
            fix=f"put {name} from the ETO dataset download into {folder}", code="eto-file"))
        return None
    try:  # bounded, and only a regular file (a FIFO or device is refused)
        text = read_file_bytes(p).decode("utf-8-sig")
    except ChainValidationError as e:
        problems += e.problems
        return None
    except UnicodeDecodeError as e:
        problems.append(Problem("error", "file is not UTF-8 text", file=shown,
                                found=str(e), fix="save it as UTF-8 CSV", code="eto-file"))
        return None
    parsed = _parse_csv(text, shown, problems)
    if parsed is None:
        return None
    header, rows, lines = parsed
    if header is None:
        problems.append(Problem("error", "file is empty", file=shown,
                                expected="a header row", found="nothing",
                                fix=f"use {name} from the ETO dataset", code="eto-file"))
        return None
    if not _header_ok(header, required, shown, name, problems):
        return None
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in header})
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    df["_line"] = lines
    return df


def _parse_csv(text: str, shown: str, problems: list[Problem]
               ) -> tuple[list[str] | None, list[list[str]], list[int]] | None:
    """The header (None for a file without one), the rows of the header's length and
    the line each starts on (a quoted cell may span lines); blank rows are skipped.
    A row of another length is a problem; bad CSV syntax is one too, and gives None."""
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    last = 0
    try:
        for rec in reader:
            start, last = last + 1, reader.line_num
            if not any(c.strip() for c in rec):
                continue
            if header is None:
                header = [c.strip() for c in rec]
            elif len(rec) != len(header):
                problems.append(Problem(
                    "error", f"row has {len(rec)} fields but the header has {len(header)}",
                    file=shown, line=start, expected=f"{len(header)} fields",
                    found=str(len(rec)), fix="quote cells that hold commas", code="eto-row"))
            else:
                rows.append([c.strip() for c in rec])
                lines.append(start)
    except csv.Error as e:
        problems.append(Problem("error", f"CSV syntax error: {e}", file=shown,
                                line=reader.line_num, fix="close every quoted cell",
                                code="eto-file"))
        return None
    return header, rows, lines


def _header_ok(header: list[str], required: Sequence[str], shown: str, name: str,
               problems: list[Problem]) -> bool:
    """Whether the header has every required column, each once; add a problem for each
    missing or repeated column."""
    missing = [c for c in required if c not in header]
    for c in missing:
        problems.append(Problem(
            "error", f"column '{c}' is missing", file=shown, line=1, field=c,
            expected="columns " + ", ".join(required), found="header " + ", ".join(header),
            fix=f"add the column `{c}` (is this the ETO {name}?)", code="eto-column"))
    dupes = sorted({c for c in header if header.count(c) > 1})
    for c in dupes:
        problems.append(Problem("error", f"column '{c}' appears twice", file=shown, line=1,
                                field=c, fix="keep one of them", code="eto-column"))
    return not (missing or dupes)


class _Rows:
    """Collects row problems with file, line and column."""

    def __init__(self, folder: Path, tables: dict[str, pd.DataFrame]):
        self.folder, self.tables, self.problems = folder, tables, []

    def bad(self, name: str, row: Any, col: str, message: str, *, expected: str,
            fix: str, found: str | None = None) -> None:
        df = self.tables[name]
        cols = [c for c in df.columns if c != "_line"]
        value = str(df.at[row, col])
        self.problems.append(Problem(
            "error", message, file=str(self.folder / name), line=int(df.at[row, "_line"]),
            column=cols.index(col) + 1, field=col, expected=expected,
            found=repr(value) if found is None else found, fix=fix, code="eto-row"))


def year(cell: str) -> int | None:
    return int(float(cell)) if cell else None


def is_year(cell: str) -> bool:
    try:
        return not cell or (float(cell).is_integer() and 1900 <= float(cell) <= 2100)
    except ValueError:
        return False


def _country_key(code: str, alpha3: Mapping[str, str]) -> str | None:
    """ISO alpha-2 code or group key for an ETO country code, None if unknown."""
    c = code.strip()
    if c.upper() in PSEUDO:
        return PSEUDO[c.upper()][0]
    if c.upper() in alpha3:
        return alpha3[c.upper()]
    if c.upper() in schema.countries():
        return c.upper()
    return None


def check_rows(folder: Path, t: dict[str, pd.DataFrame]) -> tuple[list[Problem], dict]:
    """Row-level checks of the tables :func:`read_tables` returned.

    Returns every problem (file, line, column and fix; in file order: inputs and
    stages, sequence, providers, provision) and the lookups the conversion needs:
    ``{"key": provider id → supplier key, "kind": provider id → provider type}``.
    """
    r = _Rows(folder, t)
    ids = set(t["inputs.csv"]["input_id"]) - {""}
    stage_ids = set(t["stages.csv"]["stage_id"]) - {""}
    _check_ids(r)
    _check_inputs(r, stage_ids)
    _check_sequence(r, ids)
    key, kinds = _provider_keys(r)
    _check_provision(r, ids | stage_ids)
    return r.problems, {"key": key, "kind": kinds}


def _check_ids(r: _Rows) -> None:
    """Every input and stage has an id, given once; there is at least one stage."""
    inputs, stages = r.tables["inputs.csv"], r.tables["stages.csv"]
    for name, df, col in (("inputs.csv", inputs, "input_id"), ("stages.csv", stages, "stage_id")):
        for i in df.index[df[col] == ""]:
            r.bad(name, i, col, "id is empty", expected="an id like N20", fix="fill in the id")
        for i in df.index[df[col].duplicated() & (df[col] != "")]:
            r.bad(name, i, col, "id given twice", expected="each id once",
                  fix="remove or renumber the second row")
    if not len(stages):
        r.problems.append(Problem("error", "no stages", file=str(r.folder / "stages.csv"),
                                  expected="at least one stage row", found="none",
                                  fix="use stages.csv from the ETO dataset", code="eto-row"))


def _check_inputs(r: _Rows, stage_ids: set[str]) -> None:
    """Every input has a name, every process a known stage, every year is a year; some
    input is the finished product (``ultimate_output``)."""
    inputs = r.tables["inputs.csv"]
    for i in inputs.index[inputs["input_name"] == ""]:
        r.bad("inputs.csv", i, "input_name", "input has no name", expected="a name",
              fix="fill in the name")
    proc = inputs["type"] == "process"
    for i in inputs.index[proc & ~inputs["stage_id"].isin(stage_ids)]:
        r.bad("inputs.csv", i, "stage_id", "process names no known stage",
              expected="one of " + ", ".join(sorted(stage_ids)), fix="give the stage id")
    if not (inputs["type"] == "ultimate_output").any():
        r.problems.append(Problem(
            "error", "no input of type ultimate_output", file=str(r.folder / "inputs.csv"),
            field="type", expected="the finished product (type ultimate_output)",
            found="none", fix="mark the chain's final product ultimate_output", code="eto-row"))
    for i in inputs.index[~inputs["year"].map(is_year)]:
        r.bad("inputs.csv", i, "year", "year is not a year", expected="a year like 2025",
              fix="write the year as four digits or leave it empty")


def _check_sequence(r: _Rows, ids: set[str]) -> None:
    """Every sequence row links a known input to another known input, through exactly
    one of ``goes_into_id`` and ``is_type_of_id``."""
    seq = r.tables["sequence.csv"]
    for col in ("input_id", "goes_into_id", "is_type_of_id"):
        for i in seq.index[(seq[col] != "") & ~seq[col].isin(ids)]:
            r.bad("sequence.csv", i, col, "unknown input id",
                  expected="an input_id of inputs.csv", fix="correct the id")
    for i in seq.index[(seq["input_id"] == "")]:
        r.bad("sequence.csv", i, "input_id", "row names no input",
              expected="an input_id of inputs.csv", fix="fill in the id")
    both = (seq["goes_into_id"] != "") == (seq["is_type_of_id"] != "")
    for i in seq.index[both]:
        r.bad("sequence.csv", i, "goes_into_id", "row needs exactly one of goes_into_id and "
              "is_type_of_id", expected="one of the two filled in",
              found="both" if seq.at[i, "goes_into_id"] else "neither",
              fix="split it into two rows, or fill in the missing one")
    for i in seq.index[(seq["input_id"] == seq["goes_into_id"]) |
                       (seq["input_id"] == seq["is_type_of_id"])]:
        r.bad("sequence.csv", i, "input_id", "input refers to itself",
              expected="two different inputs", fix="remove the row")


def _provider_keys(r: _Rows) -> tuple[dict[str, str], dict[str, str]]:
    """The supplier key (ISO alpha-2 code or group) and the type of each provider; a
    country provider counts for itself, an organisation for its headquarters country
    (none given: ``ROW``)."""
    providers = r.tables["providers.csv"]
    alpha3 = schema.country_alpha3()
    key: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for i in providers.index:
        pid, ptype = providers.at[i, "provider_id"], providers.at[i, "provider_type"]
        if not pid:
            r.bad("providers.csv", i, "provider_id", "id is empty", expected="an id like P1",
                  fix="fill in the id")
            continue
        if ptype not in ("country", "organization"):
            r.bad("providers.csv", i, "provider_type", "unknown provider type",
                  expected="country or organization", fix="write country or organization")
            continue
        col = "provider_name" if ptype == "country" else "country"
        code = providers.at[i, col]
        if ptype == "country":
            k = _country_key(code, alpha3) or _country_key(providers.at[i, "country"], alpha3)
        else:  # an organisation without a headquarters country is unattributed: ROW
            k = _country_key(code or "Various countries", alpha3)
        if k is None:
            r.bad("providers.csv", i, col, "unknown country code",
                  expected="an ISO 3166-1 alpha-3 code (USA, CHN, TWN) or EUR or "
                           "'Various countries'", fix="correct the code")
            continue
        if pid in key and key[pid] != k:
            r.bad("providers.csv", i, col, f"provider {pid} is given two countries",
                  expected=f"the same country as its first row ({key[pid]})",
                  fix="correct one of the rows")
            continue
        key[pid], kinds[pid] = k, ptype
    return key, kinds


def _check_provision(r: _Rows, known_targets: set[str]) -> None:
    """Every provision row names a known provider and a known input or stage, once,
    with a share (a percentage, ``Major``, ``negligible`` or empty) and a year."""
    providers, prov = r.tables["providers.csv"], r.tables["provision.csv"]
    for i in prov.index[~prov["provider_id"].isin(set(providers["provider_id"]))]:
        r.bad("provision.csv", i, "provider_id", "unknown provider",
              expected="a provider_id of providers.csv", fix="correct the id or add the provider")
    for i in prov.index[~prov["provided_id"].isin(known_targets)]:
        r.bad("provision.csv", i, "provided_id", "unknown input or stage",
              expected="an input_id of inputs.csv or a stage_id of stages.csv",
              fix="correct the id")
    share = prov["share_provided"]
    pct = pd.to_numeric(share, errors="coerce")
    token = share.str.lower()
    bad = pct.isna() & ~token.isin(["", "major", "negligible"])
    for i in prov.index[bad]:
        r.bad("provision.csv", i, "share_provided", "share is not a number",
              expected="a percentage like 12.5, or Major, negligible, or empty",
              fix="write the percentage as a plain number (no % sign)")
    for i in prov.index[(pct < 0) | (pct > 100)]:
        r.bad("provision.csv", i, "share_provided", "share out of range",
              expected="a percentage in [0, 100]", fix="correct the percentage")
    for i in prov.index[~prov["year"].map(is_year)]:
        r.bad("provision.csv", i, "year", "year is not a year", expected="a year like 2025",
              fix="write the year as four digits or leave it empty")
    dup = prov.duplicated(["provider_id", "provided_id"])
    for i in prov.index[dup]:
        r.bad("provision.csv", i, "provider_id", "provider listed twice for the same input",
              expected="one row per provider and input", fix="merge the two rows")


# ---------------------------------------------------------------------------
# formatting helpers shared with the importer
# ---------------------------------------------------------------------------

def plain(text: str) -> str:
    """Source text with markdown links reduced to their labels."""
    return re.sub(r"\s+", " ", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)).strip()


def lines_ref(name: str, lines: Sequence[int]) -> str:
    """``inputs.csv line 3`` or ``provision.csv lines 4, 9``."""
    ls = sorted(set(int(x) for x in lines))
    return f"{name} line{'s' if len(ls) > 1 else ''} " + ", ".join(map(str, ls))


def pct_text(x: float) -> str:
    return f"{x:.4g}%"


def r4(x: float) -> float:
    return round(float(x) + 0.0, 4)
