"""The fast YAML reader: libyaml's C parser, its events built into data with positions.

:func:`riskmodel.io.yaml.parse_yaml` tries this reader first. It reads the events of
libyaml's parser (written in C, so a file is scanned many times faster than by
PyYAML's pure-Python reader) and builds plain data from them as
:class:`~riskmodel.io.yaml._YamlBuilder` builds it from composed nodes: scalars are
resolved by the same YAML 1.2 core schema (libyaml itself resolves nothing; PyYAML's
C composer would, by YAML 1.1), every value keeps the line and column of its event,
and a repeated key is the same problem at the repeat.

Anything out of the ordinary — a syntax error, a tag, an alias used as a key or one
referring to itself, a merge key, too deep a nesting, too many values, more or fewer
than one document, a character the pure-Python reader refuses — raises
:class:`FallbackError`, and the pure-Python reader reads the file again, from scratch, so
every error is said exactly as before, at its place. The events are read one at a
time (no recursion in C), so a deeply nested file cannot overflow the C stack.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml
from yaml import events as ev

from riskmodel.io.files import MAX_DEPTH, first_at

try:  # libyaml's parser; absent when PyYAML was built without it
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - libyaml is a dependency in practice
    CParser = None

if TYPE_CHECKING:
    from riskmodel.io.document import Document

__all__ = ["FallbackError", "parse_events"]

#: what PyYAML's pure-Python reader refuses as "special characters" (libyaml refuses
#: a slightly different set): a text holding one is read by the pure-Python reader
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFC"
                            "\U00010000-\U0010ffff]")
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"
_NUMERIC_START = "+-.0123456789"


class FallbackError(Exception):
    """The fast reader leaves this file to the pure-Python reader."""


def parse_events(text: str, doc: Document, limit: int, resolve: Any, scalar: Any) -> Any:
    """The data of a YAML ``text`` read with libyaml, its positions recorded in ``doc``.

    ``resolve(value, implicit)`` is the tag of an untagged scalar (the YAML 1.2 core
    schema) and ``scalar(tag, value, mark, style)`` its Python value. Raises
    :class:`FallbackError` for whatever the pure-Python reader should read (see the module).
    """
    if CParser is None or "\t" in text or _NON_PRINTABLE.search(text):
        # PyYAML's scanner refuses a tab in places where libyaml takes it as space
        raise FallbackError
    parser = CParser(text)
    try:
        return _EventBuilder(parser, doc, limit, resolve, scalar).document()
    except yaml.YAMLError:
        raise FallbackError from None
    finally:
        parser.dispose()


class _EventBuilder:
    """Plain data from libyaml's events, as the node builder makes it from nodes."""

    def __init__(self, parser: Any, doc: Document, limit: int, resolve: Any,
                 scalar: Any):
        self.next = parser.get_event
        self.doc = doc
        self.limit = limit
        self.count = 0
        self.resolve = resolve
        self.scalar = scalar
        #: anchor → (value, (line, column)); None while its collection is being built
        self.anchors: dict[str, tuple[Any, tuple[int, int]] | None] = {}
        #: how many flow collections (``[...]``, ``{...}``) the event is inside
        self.flow = 0

    def document(self) -> Any:
        if not isinstance(self.next(), ev.StreamStartEvent):
            raise FallbackError
        if not isinstance(self.next(), ev.DocumentStartEvent):
            raise FallbackError  # no document: the pure-Python reader says so
        value = self.value(self.next(), (), 0)
        if not isinstance(self.next(), ev.DocumentEndEvent):
            raise FallbackError
        if not isinstance(self.next(), ev.StreamEndEvent):
            raise FallbackError  # several documents
        return value

    def value(self, event: Any, path: tuple[Any, ...], depth: int) -> Any:
        """The value starting with ``event`` at ``path`` (its position recorded)."""
        positions = self.doc.positions
        if type(event) is ev.AliasEvent:
            found = self.anchors.get(event.anchor)
            if found is None:  # undefined, or referring to itself
                raise FallbackError
            if path not in positions:
                positions[path] = found[1]
            return found[0]
        mark = event.start_mark
        pos = (mark.line + 1, mark.column + 1)
        if path not in positions:
            positions[path] = pos
        if depth > MAX_DEPTH:
            raise FallbackError
        self.count += 1
        if self.count > self.limit:
            raise FallbackError
        anchor = event.anchor
        if anchor is not None:
            if anchor in self.anchors:
                raise FallbackError  # a duplicate anchor
            self.anchors[anchor] = None
        kind = type(event)
        if kind is ev.ScalarEvent:
            value = self._scalar(event, path)
        elif kind is ev.MappingStartEvent:
            if event.tag not in (None, "!", _MAP):
                raise FallbackError
            self.flow += bool(event.flow_style)
            value = self._mapping(path, depth)
            self.flow -= bool(event.flow_style)
        elif kind is ev.SequenceStartEvent:
            if event.tag not in (None, "!", _SEQ):
                raise FallbackError
            self.flow += bool(event.flow_style)
            value = self._sequence(path, depth)
            self.flow -= bool(event.flow_style)
        else:
            raise FallbackError
        if anchor is not None:
            self.anchors[anchor] = (value, pos)
        return value

    def _scalar(self, event: Any, path: tuple[Any, ...]) -> Any:
        tag = event.tag
        text = event.value
        if tag is None or tag == "!":
            tag = self.resolve(text, event.implicit)
        style = event.style or None
        if style is None and self.flow and "?" in text:
            raise FallbackError  # PyYAML ends a plain scalar at '?' in a flow collection
        value = self.scalar(tag, text, event.start_mark, style)
        if (style is None and type(value) is str and value
                and value[0] in _NUMERIC_START):
            self.doc.unquoted_text.add(path)
        return value

    def _sequence(self, path: tuple[Any, ...], depth: int) -> list:
        out: list[Any] = []
        nxt = self.next
        event = nxt()
        while type(event) is not ev.SequenceEndEvent:
            out.append(self.value(event, (*path, len(out)), depth + 1))
            event = nxt()
        return out

    def _mapping(self, path: tuple[Any, ...], depth: int) -> dict:
        doc = self.doc
        positions = doc.positions
        out: dict[Any, Any] = {}
        nxt = self.next
        event = nxt()
        while type(event) is not ev.MappingEndEvent:
            if type(event) is not ev.ScalarEvent or event.anchor is not None:
                raise FallbackError  # a collection or alias as a key
            tag = event.tag
            raw = event.value
            if tag is None or tag == "!":
                tag = self.resolve(raw, event.implicit)
            if not event.style and self.flow and "?" in raw:
                raise FallbackError
            k = self.scalar(tag, raw, event.start_mark, event.style or None)
            if type(k) is not str:
                k = raw  # a number, boolean or null as a key is its text
            mark = event.start_mark
            key_path = (*path, k)
            first = positions.get(key_path) if k in out else None
            positions[key_path] = (mark.line + 1, mark.column + 1)
            if k in out:
                doc.problems.append(doc.problem(
                    "error", f"key '{k}' appears twice in the same mapping"
                    + first_at(first, mark.line + 1), key_path,
                    fix="keep one of the two", code="duplicate-key"))
            out[k] = self.value(nxt(), key_path, depth + 1)
            event = nxt()
        return out


#: characters libyaml counts as line breaks but the JSON reader does not
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def json_positions(text: str) -> dict[tuple[Any, ...], tuple[int, int]] | None:
    """The place of every value of a JSON ``text`` that the C decoder read whole, as the
    walking JSON reader records them, found by libyaml (JSON is YAML); None when libyaml
    cannot say (then the walking reader reads the file again)."""
    if CParser is None or _OTHER_BREAKS.search(text) or _NON_PRINTABLE.search(text):
        return None
    parser = CParser(text)
    found: dict[tuple[Any, ...], tuple[int, int]] = {}
    try:
        nxt = parser.get_event
        nxt()
        nxt()
        _json_walk(nxt, nxt(), (), found)
    except (yaml.YAMLError, FallbackError):
        return None
    finally:
        parser.dispose()
    return found


def _json_walk(nxt: Any, event: Any, path: tuple[Any, ...],
               found: dict[tuple[Any, ...], tuple[int, int]]) -> None:
    """Record the place of the value starting with ``event`` and of all inside it."""
    mark = event.start_mark
    if path not in found:
        found[path] = (mark.line + 1, mark.column + 1)
    kind = type(event)
    if kind is ev.MappingStartEvent:
        event = nxt()
        while type(event) is not ev.MappingEndEvent:
            if type(event) is not ev.ScalarEvent or event.style != '"':
                raise FallbackError
            key = (*path, event.value)
            found[key] = (event.start_mark.line + 1, event.start_mark.column + 1)
            _json_walk(nxt, nxt(), key, found)
            event = nxt()
    elif kind is ev.SequenceStartEvent:
        i = 0
        event = nxt()
        while type(event) is not ev.SequenceEndEvent:
            _json_walk(nxt, event, (*path, i), found)
            i += 1
            event = nxt()
    elif kind is not ev.ScalarEvent:
        raise FallbackError
