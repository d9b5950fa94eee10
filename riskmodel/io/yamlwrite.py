"""The fast YAML writer: a chain's ``nodes`` and ``edges`` lines written directly.

:func:`riskmodel.io.yaml.dump_yaml` writes the house style through PyYAML, whose
representer costs tens of microseconds per value. A chain's long lists are made of
small mappings of names and numbers, so this module writes each such item as text
itself — the exact text PyYAML would write — and gives back to PyYAML every item it is
not sure of: a text that would need quotes or could read as another type, a number
PyYAML would write otherwise, a line that PyYAML would fold (longer than its width), a
nested list. The result is the same text, item for item (tests compare both writers
on random chains).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

__all__ = ["FLOAT", "PLAIN", "SIMPLE_KEY", "WIDTH", "fast_items", "item_texts"]

#: plain text that PyYAML writes as it is in block and flow context alike (the
#: resolvers decide separately whether it could read as a number, boolean or null)
PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./()-]*")
#: the text of most floats (``repr``), which PyYAML writes unquoted: YAML 1.1 and 1.2
#: both read it as a float (other shapes, such as ``1e-05``, are asked of the resolver)
FLOAT = re.compile(r"-?[0-9]+\.[0-9]+(e[-+][0-9]+)?")
#: PyYAML's line width in :func:`riskmodel.io.yaml.dump_yaml`
WIDTH = 100
#: PyYAML writes a key this long or longer as a complex key (``? key``): such texts are
#: left to it
SIMPLE_KEY = 128


class _UnsureError(Exception):
    """This item is left to PyYAML."""


def fast_items(items: list[Any], is_text: Callable[[str], bool],
               is_float: Callable[[str], bool], flow: type,
               slow: Callable[[Any], str]) -> str:
    """The lines of ``items`` (a top-level list of a document, after ``_flowify``),
    each written directly when it is simple, else by ``slow`` (PyYAML).

    ``is_text(s)`` says whether plain ``s`` reads back as text, ``is_float(s)`` whether
    it reads back as a number; ``flow`` is the type of a mapping written on one line.
    """
    return "".join(item_texts(items, is_text, is_float, flow, slow))


def item_texts(items: list[Any], is_text: Callable[[str], bool],
               is_float: Callable[[str], bool], flow: type,
               slow: Callable[[Any], str]) -> list[str]:
    """The text of each item of ``items``, as :func:`fast_items` writes it."""
    out = []
    writer = _Writer(is_text, is_float, flow)
    for item in items:
        try:
            out.append(writer.item(item))
        except _UnsureError:
            out.append(slow(item))
    return out


class _Writer:
    def __init__(self, is_text: Callable[[str], bool], is_float: Callable[[str], bool],
                 flow: type):
        self.is_text = is_text
        self.is_float = is_float
        self.flow = flow
        self.texts: dict[str, bool] = {}

    def item(self, item: Any) -> str:
        if type(item) is self.flow:
            out: list[str] = ["- "]
            self._emit_flow(item, 2, 2, out)
            return "".join(out) + "\n"
        if type(item) is not dict or not item:
            raise _UnsureError
        lines = self._block(item, 2)
        return "- " + "".join(lines)[2:]

    def _block(self, d: dict, indent: int) -> list[str]:
        pad = " " * indent
        lines = []
        for k, v in d.items():
            key = self._text(k)
            if type(v) is dict:
                if not v:
                    raise _UnsureError
                lines.append(f"{pad}{key}:\n")
                lines += self._block(v, indent + 2)
            elif type(v) is self.flow:
                out = [f"{pad}{key}: "]
                self._emit_flow(v, indent + len(key) + 2, indent + 2, out)
                lines.append("".join(out) + "\n")
            else:
                lines.append(f"{pad}{key}: {self._scalar(v)}\n")
        return lines

    def _emit_flow(self, d: dict, column: int, indent: int, out: list[str]) -> int:
        """Write the flow mapping ``d`` starting at ``column`` as PyYAML's emitter does:
        after a comma (or the opening brace) that ends beyond the line width, the next
        key goes on a new line at ``indent`` (the mapping's indentation); the column
        after the closing brace is returned."""
        if not d:
            raise _UnsureError
        out.append("{")
        column += 1
        first = True
        for k, v in d.items():
            if not first:
                out.append(",")
                column += 1
            if column > WIDTH:
                out.append("\n" + " " * indent)
                column = indent
            elif not first:
                out.append(" ")
                column += 1
            first = False
            key = self._text(k)
            out.append(key + ": ")
            column += len(key) + 2
            if type(v) is self.flow:
                column = self._emit_flow(v, column, indent + 2, out)
            else:
                text = self._scalar(v)
                out.append(text)
                column += len(text)
        out.append("}")
        return column + 1

    def _text(self, s: Any) -> str:
        if type(s) is not str:
            raise _UnsureError
        ok = self.texts.get(s)
        if ok is None:
            ok = self.texts[s] = (len(s) < SIMPLE_KEY and bool(PLAIN.fullmatch(s))
                                   and self.is_text(s))
        if not ok:
            raise _UnsureError
        return s

    def _scalar(self, v: Any) -> str:
        t = type(v)
        if t is str:
            return self._text(v)
        if t is bool:
            return "true" if v else "false"
        if t is int:
            return str(v)
        if t is float and math.isfinite(v):
            text = repr(v)
            if FLOAT.fullmatch(text) or self.is_float(text):
                return text
        if v is None:
            return "null"
        raise _UnsureError
