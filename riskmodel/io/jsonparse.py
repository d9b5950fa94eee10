"""JSON chain files: the standard library's decoder, walked so that each value keeps its place.

Objects and arrays are walked here, every scalar (string, number, literal) is decoded by
:class:`json.JSONDecoder`, and every value's line and column is recorded in the
:class:`~riskmodel.io.document.Document` being read. ``NaN`` and ``Infinity`` are refused
(they are not JSON), a key that appears twice is a problem at the repeat, nesting is
bounded by ``MAX_DEPTH``, and syntax errors are said plainly at their place. JSON has no
aliases, so the number of values is bounded by the file's size alone.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, MutableMapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from riskmodel._errors import ChainValidationError
from riskmodel.io.files import MAX_DEPTH, first_at, read_error
from riskmodel.io.yamlfast import json_positions

if TYPE_CHECKING:  # the document module imports this one: only hints come from it
    from riskmodel.io.document import Document, Position

__all__ = ["parse_json"]

_WS = re.compile(r"[ \t\n\r]*")
_DIGITS = re.compile(r"-?[0-9]+")
_DECODER = json.JSONDecoder(parse_constant=lambda c: _reject_constant(c))

#: the standard library's messages, said plainly
_JSON_MESSAGES = {
    "Unterminated string starting at": "a quoted string is not closed before the end of the "
                                       "file (is the file truncated?)",
    "Invalid control character at": "a quoted string holds a line break or control character "
                                    "(write a line break as \\n)",
    "Expecting value": "expected a value (a number, \"text\", true, false, null, [...] or "
                       "{...})",
}


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number in JSON")


def parse_json(text: str, doc: Document) -> Any:
    """Decode JSON with the standard library, recording each value's position in ``doc``.

    Raises :class:`~riskmodel.ChainValidationError` at the place of a syntax error.

    >>> from riskmodel.io.document import Document
    >>> doc = Document("c.json", "json")
    >>> parse_json('{"name": "x",\\n "nodes": [{"id": "a"}]}', doc), doc.at("nodes", 0, "id")
    ({'name': 'x', 'nodes': [{'id': 'a'}]}, (2, 13))
    """
    data = _read_fast(text)
    if data is _SLOW:
        return _JsonReader(text, doc).read()
    doc.positions = _LazyPositions(text, doc.path)
    return data


#: what :func:`_read_fast` returns for a text it leaves to the walking reader
_SLOW = object()


class _RepeatedKeyError(ValueError):
    """A key appears twice in an object: the walking reader says where."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _RepeatedKeyError
    return out


def _read_fast(text: str) -> Any:
    """The data of a JSON text decoded in one call of the C decoder, or ``_SLOW`` when
    the walking reader must read it: a syntax error, a repeated key, ``NaN``, a number
    too long, or nesting deeper than ``MAX_DEPTH`` (each said by that reader, at its
    place)."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _SLOW
    stack = [(data, 0)] if isinstance(data, (dict, list)) else []
    while stack:
        x, depth = stack.pop()
        items = x.values() if isinstance(x, dict) else x
        if items and depth >= MAX_DEPTH:
            return _SLOW
        stack.extend((v, depth + 1) for v in items if isinstance(v, (dict, list)))
    return data


class _LazyPositions(MutableMapping):
    """The places of a JSON file's values, found only when first asked for.

    A file the C decoder read whole needs its places only to report a problem; then
    the walking reader reads it once more and keeps every value's line and column.
    """

    def __init__(self, text: str, path: str):
        self._text: str | None = text
        self._path = path
        self._found: dict[tuple[Any, ...], Position] = {}

    def _all(self) -> dict[tuple[Any, ...], Position]:
        if self._text is not None:
            found = json_positions(self._text)
            if found is not None:
                found.update(self._found)
                self._found, self._text = found, None
                return found
            # what the walking reader records (the C decoder found no repeated key,
            # so it adds no problem)
            scratch = SimpleNamespace(path=self._path, positions={}, problems=[])
            _JsonReader(self._text, scratch).read()  # type: ignore[arg-type]
            self._text = None
            scratch.positions.update(self._found)
            self._found = scratch.positions
        return self._found

    def __getitem__(self, key: tuple[Any, ...]) -> Position:
        return self._all()[key]

    def __setitem__(self, key: tuple[Any, ...], value: Position) -> None:
        self._all()[key] = value

    def __delitem__(self, key: tuple[Any, ...]) -> None:
        del self._all()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._all()

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _JsonReader:
    """One JSON text being read: the walk over objects and arrays, and each value's place.

    Each ``_value``, ``_object`` and ``_array`` takes the index where it starts and
    returns what it read with the index just after it.
    """

    def __init__(self, text: str, doc: Document):
        self.text = text
        self.doc = doc
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))

    def read(self) -> Any:
        data, end = self._value(0, (), 0)
        end = self._skip(end)
        if end != len(self.text):
            raise self._error(end, "extra data after the end of the JSON value")
        return data

    def _pos(self, i: int) -> Position:
        line = bisect.bisect_right(self.starts, i)
        return line, i - self.starts[line - 1] + 1

    def _skip(self, i: int) -> int:
        """The index of the first character at or after ``i`` that is not white space."""
        m = _WS.match(self.text, i)
        assert m is not None  # the pattern matches the empty string
        return m.end()

    def _error(self, i: int, message: str) -> ChainValidationError:
        line, col = self._pos(i)
        message = _JSON_MESSAGES.get(message, message)
        if i >= len(self.text):
            message = "unexpected end of file (is the file truncated?)"
        return read_error(self.doc.path, f"JSON syntax error: {message}", line=line,
                          column=col, fix="correct the JSON syntax at this place", code="json")

    def _value(self, i: int, path: tuple[Any, ...], depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise self._error(i, f"nested more than {MAX_DEPTH} levels deep")
        i = self._skip(i)
        self.doc.positions.setdefault(path, self._pos(i))
        if i >= len(self.text):
            raise self._error(i, "unexpected end of file (is the file truncated?)")
        if self.text[i] == "{":
            return self._object(i, path, depth)
        if self.text[i] == "[":
            return self._array(i, path, depth)
        return self._scalar(i)

    def _object(self, i: int, path: tuple[Any, ...], depth: int) -> tuple[dict, int]:
        text = self.text
        out: dict[str, Any] = {}
        i = self._skip(i + 1)
        if text.startswith("}", i):
            return out, i + 1
        while True:
            i = self._skip(i)
            key, j = self._key(i, path, out)
            j = self._skip(j)
            if not text.startswith(":", j):
                raise self._error(j, "expected ':' after the key")
            out[key], i = self._value(j + 1, (*path, key), depth + 1)
            i = self._skip(i)
            if text.startswith(",", i):
                i += 1
            elif text.startswith("}", i):
                return out, i + 1
            else:
                raise self._error(i, "expected ',' or '}'")

    def _key(self, i: int, path: tuple[Any, ...], out: dict[str, Any]) -> tuple[str, int]:
        """The key of ``out`` starting at ``i``; a repeated key is a problem at the repeat."""
        if not self.text.startswith('"', i):
            raise self._error(i, "expected a quoted key")
        try:
            key, j = _DECODER.raw_decode(self.text, i)
        except json.JSONDecodeError as e:
            raise self._error(e.pos, e.msg) from None
        doc = self.doc
        first = doc.positions.get((*path, key)) if key in out else None
        doc.positions[(*path, key)] = self._pos(i)  # the repeat's value is kept
        if key in out:
            doc.problems.append(doc.problem(
                "error", f"key '{key}' appears twice in the same object"
                + first_at(first, self._pos(i)[0]),
                (*path, key), fix="keep one of the two", code="duplicate-key"))
        return key, j

    def _array(self, i: int, path: tuple[Any, ...], depth: int) -> tuple[list, int]:
        items: list[Any] = []
        i = self._skip(i + 1)
        if self.text.startswith("]", i):
            return items, i + 1
        while True:
            item, i = self._value(i, (*path, len(items)), depth + 1)
            items.append(item)
            i = self._skip(i)
            if self.text.startswith(",", i):
                i += 1
            elif self.text.startswith("]", i):
                return items, i + 1
            else:
                raise self._error(i, "expected ',' or ']'")

    def _scalar(self, i: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, i)
        except json.JSONDecodeError as e:
            raise self._error(e.pos, e.msg) from None
        except ValueError as e:
            if "digits" in str(e):  # an integer beyond Python's int-from-text limit
                line, col = self._pos(i)
                digits = _DIGITS.match(self.text, i)
                n = len(digits.group().lstrip("-")) if digits else 0
                raise read_error(self.doc.path, f"the number has too many digits ({n}) to "
                                 "read", line=line, column=col, code="json",
                                 fix="write a number of ordinary size (e.g. 1.5e20)") from None
            raise self._error(i, str(e)) from None
