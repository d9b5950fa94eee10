"""Text that is safe to show: nothing hostile reaches a terminal or a spreadsheet.

A chain file is data written by someone else. Its titles, labels and country keys
are shown on the terminal (tables, validation messages) and written into CSV files
that analysts open in spreadsheets, so two kinds of text are made inert here:

- **Control characters** (C0 but tab and line feed, DEL, C1, the bidirectional
  overrides, and lone surrogates) could drive a terminal: move the cursor, rewrite
  what was printed, retitle the window or, through OSC 52, write the clipboard.
  :func:`escape` shows each as a visible ``\\u001b``-style escape; the command line
  writes everything through :class:`SafeStream`, so no message, table or JSON text
  can carry one raw. (The escape is also valid inside a JSON string.)
- **Spreadsheet formulas**: a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is read as a formula by spreadsheet programs
  (``=cmd|'/c calc'!A1``). :func:`inert_cell` puts the usual apostrophe in front of
  such a text cell, which spreadsheets show as plain text. Numbers are left alone.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from riskmodel._errors import RiskmodelError

__all__ = ["SafeStream", "StreamError", "escape", "inert_cell", "one_line"]

#: C0 controls but tab and line feed, DEL, C1 controls, bidi embeddings/overrides and
#: isolates, and lone surrogates (which cannot even be encoded)
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def escape(text: str) -> str:
    """``text`` with every control character shown as a visible escape.

    Tab and line feed stay as they are.

    >>> escape("JP\\x1b]52;c;aGk=\\x07 ok\\tdone")
    'JP\\\\u001b]52;c;aGk=\\\\u0007 ok\\tdone'
    >>> escape("plain text, ünïcode") == "plain text, ünïcode"
    True
    """
    return _UNSAFE.sub(_visible, text)


_LINE_BREAKS = {"\n": "\\n", "\t": "\\t", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line(text: object) -> str:
    r"""``text`` (a user's file name, say) shown on one line: control characters, line
    breaks and tabs all as visible escapes.

    >>> print(one_line("a\nb.csv"), one_line("x\x1b[2Jy\tz"))
    a\nb.csv x\u001b[2Jy\tz
    """
    out = escape(str(text))
    for ch, shown in _LINE_BREAKS.items():
        out = out.replace(ch, shown)
    return out


def inert_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula.

    >>> inert_cell("=cmd|'/c calc'!A1"), inert_cell("-x"), inert_cell(-0.5), inert_cell("a")
    ("'=cmd|'/c calc'!A1", "'-x", -0.5, 'a')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class StreamError(RiskmodelError):
    """Standard output or error is closed or cannot take the text (a full disk)."""


class SafeStream:
    """A text stream that escapes control characters on their way to ``stream``.

    ``write_control`` writes as is, for riskmodel's own carriage returns (the
    progress bar). Everything else is delegated to the wrapped stream.
    """

    def __init__(self, stream: TextIO | None, name: str = "output"):
        self._stream = stream
        self._name = name

    def _failed(self, e: OSError | None) -> StreamError:
        why = "it is closed" if e is None else (e.strerror or str(e))
        return StreamError(f"cannot write to the standard {self._name}: {why}; "
                           "give it a file or a pipe that can take the text")

    def write(self, text: str) -> int:
        if self._stream is None:
            if self._name == "error":  # diagnostics are best effort: never fail a run
                return len(text)
            raise self._failed(None)
        try:
            self._stream.write(escape(text))
        except BrokenPipeError:
            raise
        except OSError as e:
            if self._name != "error":
                raise self._failed(e) from None
        return len(text)

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            if self._name != "error":
                raise self._failed(e) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def write_control(self, text: str) -> int:
        if self._stream is None:
            raise self._failed(None)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
