"""Checks on the texts read from a chain file: lone surrogates and control characters.

A lone UTF-16 surrogate (an escape such as ``"\\ud800"``) reads as text but cannot be
written as UTF-8, so it is an error at its place; a control character (a terminal
escape, a stray byte) is a warning. The checks add problems to the
:class:`~riskmodel.io.document.Document` being read; they never raise.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from riskmodel._errors import Problem
from riskmodel.io.files import MAX_LISTED_ROWS

if TYPE_CHECKING:  # the document module imports this one: only hints come from it
    from riskmodel.io.document import Document

__all__ = ["CONTROL", "check_table_texts", "check_texts"]

#: control characters other than tab, line feed and carriage return (C0, DEL, C1)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_texts(doc: Document, text: str) -> None:
    r"""Every text must be writable as UTF-8; control characters are worth a warning.

    A lone UTF-16 surrogate (JSON ``"\ud800"``, YAML ``"\ud800"``) reads as text but
    cannot be written out as UTF-8, so every output would fail later: it is an error
    here, at its place. Each shared (aliased) value is looked at once. Both can only
    come from an escape (a backslash) or, for control characters, be in the file's
    ``text`` as they are: a file with neither is not walked.
    """
    if "\\" not in text and not CONTROL.search(text):
        return
    seen: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc.data, ())]
    while stack:
        x, path = stack.pop()
        if isinstance(x, (dict, list)):
            if id(x) in seen:
                continue
            seen.add(id(x))
            items = x.items() if isinstance(x, dict) else enumerate(x)
            for k, v in items:
                if isinstance(k, str):
                    _check_text(doc, k, (*path, k), key=True)
                stack.append((v, (*path, k)))
        elif isinstance(x, str):
            _check_text(doc, x, path)


def check_table_texts(doc: Document, name: str, df: Any) -> None:
    """Control characters in a bundle table's cells (a warning each, the first 20)."""
    for col in df.columns:
        bad = df[col].str.contains(CONTROL.pattern, regex=True)
        for r in bad.to_numpy().nonzero()[0][:MAX_LISTED_ROWS]:
            lines = doc.lines.get(name)
            doc.problems.append(Problem(
                "warning", "text holds a control character", file=doc.files[name],
                line=lines[r + 1] if lines else int(r) + 2,
                column=list(df.columns).index(col) + 1, field=str(col),
                found=repr(CONTROL.search(df[col].iloc[r]).group()), code="control",
                fix="remove the control character (terminal escapes, stray bytes)"))


def _check_text(doc: Document, text: str, path: tuple[Any, ...], *, key: bool = False) -> None:
    what = "key" if key else "text"
    field_ = str(path[-1]) if path else None
    m = _SURROGATE.search(text)
    if m:
        doc.problems.append(doc.problem(
            "error", f"{what} holds a lone UTF-16 surrogate (\\u{ord(m.group()):04x}), "
            "which is not a character and cannot be written as UTF-8", path, field=field_,
            found=repr(text if len(text) <= 40 else text[:39] + "…"), code="encoding",
            fix="remove the \\u escape, or write the pair of surrogates of one character "
                "(or the character itself)"))
        return
    m = CONTROL.search(text)
    if m:
        doc.problems.append(doc.problem(
            "warning", f"{what} holds a control character ({m.group()!r})", path,
            field=field_, code="control",
            fix="remove the control character (terminal escapes, stray bytes)"))
