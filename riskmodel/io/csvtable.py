"""The CSV tables of a bundle: read as text cells, with the line of every row.

Every cell is read as text by pandas (nothing is converted yet). Before that, the
standard library's ``csv`` module walks the text to find the header and the line each
row starts on (blank lines and quoted line breaks move them), and to refuse what
pandas would silently accept: a row with more or fewer fields than the header, a
header naming a column twice, an unclosed quote.

Tables are read as spreadsheets write them: the separator is the comma, semicolon or
tab the header line uses most (a European spreadsheet's default is the semicolon), a
byte-order mark is accepted, and rows whose every cell is empty (``,,,,``, as a
spreadsheet leaves below a table) are skipped like blank lines.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskmodel._errors import ChainValidationError, Problem
from riskmodel.io.files import MAX_LISTED_ROWS, read_error, read_text
from riskmodel.io.textcheck import CONTROL, check_table_texts

if TYPE_CHECKING:  # the document module imports this one: only hints come from it
    from riskmodel.io.document import Document

__all__ = ["blank_cells", "read_csv_table", "strip_cells"]

#: the separators a table may use, in the order that breaks a tie
SEPARATORS = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def separator(text: str) -> str:
    """The separator of a CSV text: the one of :data:`SEPARATORS` its first non-blank
    line (the header) uses most; the comma when it uses none.

    >>> separator("id;stage;value\\na;upstream;1,5\\n"), separator("id,stage\\n")
    (';', ',')
    >>> separator("\\n\\nid\\tstage\\n")
    '\\t'
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = [header.count(s) for s in SEPARATORS]
    return SEPARATORS[counts.index(max(counts))] if max(counts) else ","


def _ragged_fix(sep: str) -> str:
    return ("make every row have as many fields as the header; quote a cell that holds a "
            + _NAMES[sep])


def _empty(record: list[str]) -> bool:
    """A blank line, or a row whose every cell is empty (``,,,,``): its cells joined are
    whitespace at most (one call a row, not one a cell)."""
    return not "".join(record).strip()


def strip_cells(cells: Any) -> Any:
    """The text cells of a column (a Series or array of str) without whitespace at
    either end, as an object array: ``str.strip`` mapped in C (``map``), not a Python
    function called per cell as ``Series.str.strip`` does (a million cells: a fifth of
    the time).

    >>> strip_cells(["  a ", "b", " "]).tolist()
    ['a', 'b', '']
    """
    import numpy as np

    values = np.asarray(cells, dtype=object)
    out = np.empty(len(values), dtype=object)
    out[:] = list(map(str.strip, values))
    return out


def blank_cells(stripped: Any) -> Any:
    """Which of the stripped cells (from :func:`strip_cells`) are empty, as booleans.

    >>> blank_cells(strip_cells(["a", " ", ""])).tolist()
    [False, True, True]
    """
    import numpy as np

    return np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped)) == 0


def _csv_layout(text: str, shown: str, sep: str = ",") -> tuple[list[str], list[int]]:
    """The header of a CSV text and the line of the header and of each row.

    Rows with more or fewer fields than the header are errors (pandas would silently
    pad them, or take a longer first row's extra field as an index), and so is a
    header that names a column twice (pandas would rename it ``name.1``).
    """
    # the csv module refuses a cell over 131,072 characters by default; a cell cannot
    # be longer than the (bounded) file, so the limit is lifted to the file's length
    # here and restored after, leaving the process-wide setting as it was
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        return _csv_rows(csv.reader(io.StringIO(text, newline=""), delimiter=sep,
                                    strict=True), shown, sep)
    finally:
        csv.field_size_limit(old_limit)


def _csv_rows(reader: Any, shown: str, sep: str = ",") -> tuple[list[str], list[int]]:
    """The header and the line of the header and of each row, from a ``csv.reader``
    (rows that are empty in every cell are skipped)."""
    header: list[str] | None = None
    lines: list[int] = []
    ragged: list[Problem] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            # a blank line, or a spreadsheet's empty row (dropped below too); a row with a
            # first cell is neither, and most rows have one
            if not (record and record[0].strip()) and _empty(record):
                continue
            if header is None:
                header = [c.strip() for c in record]
                _check_one_field(header, shown, sep, start)
            elif len(record) != len(header):
                ragged.append(Problem(
                    "error", f"row has {len(record)} field{'s' if len(record) != 1 else ''}, "
                    f"but the header has {len(header)}", file=shown, line=start,
                    expected=f"{len(header)} field{'s' if len(header) != 1 else ''} "
                             f"({', '.join(header)})",
                    found=f"{len(record)}", fix=_ragged_fix(sep), code="csv"))
            lines.append(start)
    except csv.Error as e:
        raise read_error(shown, f"CSV syntax error: {e}", line=reader.line_num,
                         code="csv", fix=f"close every quoted cell, and put a {_NAMES[sep]} "
                                         "right after its closing quote") from None
    if header is None:
        raise read_error(shown, "CSV file has no header row", code="csv",
                         fix="give a header row and one row per record")
    if ragged:
        more = len(ragged) - MAX_LISTED_ROWS
        listed = ragged[:MAX_LISTED_ROWS]
        if more > 0:
            listed.append(Problem("error", f"... and {more} more rows with the wrong number "
                                  "of fields (not listed)", file=shown, code="csv"))
        raise ChainValidationError(listed)
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            raise read_error(shown, f"CSV header repeats column '{name}' (columns "
                             f"{seen[name] + 1} and {i + 1})", line=lines[0], column=i + 1,
                             fix="give each column once", code="csv")
        seen[name] = i
    return header, lines


def _check_one_field(header: list[str], shown: str, sep: str, line: int) -> None:
    """A header of one field that holds another separator (``id|stage``) is a file
    written with a separator riskmodel does not read: say so, naming it."""
    if len(header) != 1:
        return
    other = next((ch for ch in "|:/" if ch in header[0]), None)
    if other is not None:
        raise read_error(
            shown, f"the header has one field, {header[0][:60]!r}: the file looks separated "
                   f"by {other!r}, which riskmodel does not read", line=line, code="csv",
            fix=f"save the table with commas, semicolons or tabs between fields (read as "
                f"{_NAMES[sep]}-separated now)")


def read_csv_table(path: Path, shown: str, doc: Document, name: str) -> Any:
    """The bundle table ``name`` read from ``path`` as a DataFrame of text cells.

    The table's file is recorded in ``doc.files``, the lines of its rows in
    ``doc.lines`` when they are not simply 2, 3, ..., and control characters in its
    cells as warnings in ``doc.problems``. A symbolic link is refused unread.

    Raises :class:`~riskmodel.ChainValidationError` naming the file, with the line
    where there is one, for a file that cannot be read or parsed as CSV.

    >>> import pathlib, tempfile
    >>> from riskmodel.io.document import Document
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "edges.csv"
    >>> _ = p.write_text("from,to\\n\\na,b\\n")
    >>> doc = Document("chain.yaml", "bundle")
    >>> read_csv_table(p, str(p), doc, "edges").to_dict("records"), doc.lines["edges"]
    ([{'from': 'a', 'to': 'b'}], [1, 3])
    """
    import warnings

    import numpy as np
    import pandas as pd

    text = read_text(path, shown, follow=False)
    sep = separator(text)
    header, lines = _csv_layout(text, shown, sep)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                             na_filter=False, engine="c", index_col=False, sep=sep)
    except pd.errors.ParserError as e:
        m = re.search(r"line (\d+)", str(e))
        raise read_error(shown, f"CSV syntax error: {str(e).strip()}",
                         line=int(m.group(1)) if m else None, fix=_ragged_fix(sep),
                         code="csv") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserWarning, ValueError) as e:
        raise read_error(shown, f"CSV file could not be read: {e}", code="csv",
                         fix="give a header row and one row per record") from None
    if len(df.columns) != len(header):
        raise read_error(shown, "CSV file could not be read: the rows do not match the "
                         "header", code="csv", fix=_ragged_fix(sep))
    df.columns = header
    if len(df) != len(lines) - 1:
        # pandas kept rows the layout skipped: a spreadsheet's empty rows (``,,,,``);
        # pandas skips only blank lines, so equal counts mean the same rows
        keep = np.zeros(len(df), dtype=bool)
        for col in df.columns:
            keep |= ~blank_cells(strip_cells(df[col]))
        df = df[keep].reset_index(drop=True)
    if len(lines) == len(df) + 1 and lines[-1] != len(lines):
        doc.lines[name] = lines
    doc.files[name] = shown
    if CONTROL.search(text):
        check_table_texts(doc, name, df)
    return df
