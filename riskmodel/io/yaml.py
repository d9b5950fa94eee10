"""YAML chain files: the YAML 1.2 loader that keeps positions, and the house-style dumper.

Reading is safe: YAML is composed with PyYAML's safe loader and built into plain Python
values here (a ``!!python/object`` tag is reported as a problem, never constructed).
Plain scalars follow the YAML 1.2 core schema (``1:30``, ``1_0`` and ``yes`` are text;
``010`` is 10; ``6e-1`` is 0.6). Nesting is bounded by ``MAX_DEPTH``, alias expansion
by ``MAX_VALUES``, and every value keeps the line and column it came from in the
:class:`~riskmodel.io.document.Document` being read.

Writing (:func:`dump_yaml`) quotes any text that a YAML 1.1 or 1.2 reader would take
for something else, so what riskmodel writes reads back the same elsewhere.

This module is ``riskmodel.io.yaml``; its ``import yaml`` is absolute and gets PyYAML.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import yaml

from riskmodel._errors import ChainValidationError
from riskmodel.io.files import MAX_DEPTH, first_at, read_error
from riskmodel.io.yamlfast import FallbackError, parse_events
from riskmodel.io.yamlwrite import FLOAT, PLAIN, SIMPLE_KEY, fast_items, item_texts

if TYPE_CHECKING:  # the document module imports this one: only hints come from it
    from riskmodel.io.document import Document

__all__ = ["MAX_VALUES", "dump_yaml", "dump_yaml_items", "is_plain_number", "parse_yaml",
           "yaml_float_text", "yaml_plain_text", "yaml_unusual"]

#: Most values one YAML file may build into (alias expansion); a file always may hold
#: as many values as it has characters.
MAX_VALUES = 2_000_000


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, resolving plain scalars by the YAML 1.2 core schema.

    YAML 1.1 (PyYAML's default) reads ``1:30`` as 90 (base 60), ``1_0`` as 10,
    ``010`` as 8, and ``yes``/``no``/``on``/``off`` as booleans, silently. By the
    1.2 core schema those are text (``010`` is 10), only ``true``/``false`` are
    booleans, and ``6e-1`` is a number. The ``<<`` merge key is still recognised,
    only to be refused with a clear message.
    """


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag in ("tag:yaml.org,2002:merge",)]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN")
for _tag, _rx, _first in (
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:int", f"^(?:{_CORE_INT.pattern})$", list("-+0123456789")),
        ("tag:yaml.org,2002:float", f"^(?:{_CORE_FLOAT.pattern})$", list("-+.0123456789"))):
    _Loader.add_implicit_resolver(_tag, re.compile(_rx), _first)


def _core_scalar(tag: str, text: str) -> Any:
    """A scalar of the YAML 1.2 core schema (``!!null``, ``!!bool``, ``!!int``,
    ``!!float``) from its text; ``ValueError`` when the text is not one."""
    if tag == "tag:yaml.org,2002:null":
        if text in ("~", "null", "Null", "NULL", ""):
            return None
    elif tag == "tag:yaml.org,2002:bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
    elif tag == "tag:yaml.org,2002:int":
        if _CORE_INT.fullmatch(text):
            if text.startswith(("0o", "0x")):
                return int(text[2:], 8 if text[1] == "o" else 16)
            return int(text, 10)
    elif tag == "tag:yaml.org,2002:float" and _CORE_FLOAT.fullmatch(text):
        low = text.lower()
        if low.endswith((".inf", ".nan")):
            return float(low.replace(".", ""))
        return float(text)
    raise ValueError(f"not a YAML 1.2 {tag}")


#: the core-schema tags, built by :func:`_core_scalar`; other scalars by PyYAML's
#: safe constructor (str, and tagged values that are refused or turned into text)
_CORE_TAGS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
              "tag:yaml.org,2002:float")


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a number as YAML 1.2 and JSON would read it unquoted.

    >>> is_plain_number("0.28"), is_plain_number("6e-1"), is_plain_number("1:30")
    (True, True, False)
    """
    t = text.strip()
    return bool(_CORE_INT.fullmatch(t) or _CORE_FLOAT.fullmatch(t)) and "nan" not in t.lower()


class _YamlBuilder:
    """Builds plain Python data from a composed YAML node tree, recording positions."""

    def __init__(self, doc: Document, limit: int = MAX_VALUES):
        self.doc = doc
        self.limit = limit
        self.count = 0
        self.done: dict[int, Any] = {}
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: tuple[Any, ...], depth: int = 0) -> Any:
        self.doc.positions.setdefault(path, (node.start_mark.line + 1,
                                             node.start_mark.column + 1))
        key = id(node)
        if key in self.done:
            return self.done[key]
        if key in self.active:
            raise self._error(node, "a YAML alias refers to itself (a recursive structure)",
                              "remove the recursive alias")
        if depth > MAX_DEPTH:
            raise self._error(node, f"nested more than {MAX_DEPTH} levels deep",
                              "flatten the structure")
        self.count += 1
        if self.count > self.limit:
            raise self._error(node, f"more than {self.limit} values (alias expansion?)",
                              "write the file without deeply shared aliases")
        self.active.add(key)
        try:
            if isinstance(node, yaml.MappingNode):
                value = self._mapping(node, path, depth)
            elif isinstance(node, yaml.SequenceNode):
                self._check_tag(node, "tag:yaml.org,2002:seq")
                value = [self.build(n, (*path, i), depth + 1) for i, n in enumerate(node.value)]
            else:
                value = self._scalar_value(node)
                if (isinstance(value, str) and node.style is None
                        and value[:1] in "+-.0123456789" and value):
                    self.doc.unquoted_text.add(path)
        finally:
            self.active.discard(key)
        self.done[key] = value
        return value

    def _check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            raise self._error(node, f"YAML tag {_tag_text(node.tag)} is not allowed",
                              "remove the tag: chain files hold plain data only")

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...], depth: int) -> dict:
        self._check_tag(node, "tag:yaml.org,2002:map")
        out: dict[Any, Any] = {}
        for k_node, v_node in node.value:
            if not isinstance(k_node, yaml.ScalarNode):
                raise self._error(k_node, "a mapping key must be a plain value",
                                  "use a name as the key")
            if k_node.tag == "tag:yaml.org,2002:merge":
                # checked before the key is built: PyYAML has no constructor for it
                raise self._error(k_node, "YAML merge keys (<<) are not supported",
                                  "write the merged keys out in this mapping")
            k = self._scalar_value(k_node)
            if isinstance(k, (int, float, bool)) or k is None:
                k = str(k_node.value)
            first = self.doc.positions.get((*path, k)) if k in out else None
            # the repeat wins (its value is kept), so the key's place is the repeat's
            self.doc.positions[(*path, k)] = (k_node.start_mark.line + 1,
                                              k_node.start_mark.column + 1)
            if k in out:
                self.doc.problems.append(self.doc.problem(
                    "error", f"key '{k}' appears twice in the same mapping"
                    + first_at(first, k_node.start_mark.line + 1), (*path, k),
                    fix="keep one of the two", code="duplicate-key"))
            out[k] = self.build(v_node, (*path, k), depth + 1)
        return out

    def _scalar_value(self, node: yaml.Node) -> Any:
        try:
            if node.tag in _CORE_TAGS and isinstance(node, yaml.ScalarNode):
                return _core_scalar(node.tag, str(node.value))
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as e:
            raise self._error(node, f"YAML tag {_tag_text(node.tag)} cannot be loaded "
                              f"({e.problem})",
                              "remove the tag: chain files hold plain data only") from None
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as e:
            # a tagged scalar that does not parse (`!!int x`, `!!bool maybe`), or an
            # integer too long for Python to convert
            text = str(node.value)
            shown = repr(text if len(text) <= 40 else text[:39] + "…")
            if "digits" in str(e):
                raise self._error(node, f"the number {shown} has too many digits to read",
                                  "write a number of ordinary size") from None
            raise self._error(node, f"the value {shown} is not a valid {_tag_text(node.tag)}",
                              "write a plain number or text, without a tag") from None
        if not isinstance(value, (str, int, float, bool, type(None))):
            # dates, binary and sets become text: chain files hold plain values only
            value = str(node.value)
        return value

    def _error(self, node: yaml.Node, message: str, fix: str) -> ChainValidationError:
        return read_error(self.doc.path, message, line=node.start_mark.line + 1,
                          column=node.start_mark.column + 1, fix=fix, code="yaml")


def _tag_text(tag: str | None) -> str:
    """A YAML tag as written in a file: ``!!python/object:os.system``."""
    tag = str(tag)
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") \
        else tag if tag.startswith("!") else f"!<{tag}>"


def parse_yaml(text: str, doc: Document) -> Any:
    """The data of a YAML text, its positions and duplicate keys recorded in ``doc``.

    Raises :class:`~riskmodel.ChainValidationError` at the place of a syntax error, a
    refused tag or merge key, too deep a nesting or too many values, and for a text
    holding no document or several.

    >>> from riskmodel.io.document import Document
    >>> doc = Document("c.yaml", "yaml")
    >>> parse_yaml("name: x\\nshare: 6e-1\\nat: 1:30\\n", doc), doc.at("share")
    ({'name': 'x', 'share': 0.6, 'at': '1:30'}, (2, 1))
    """
    limit = max(MAX_VALUES, len(text))
    kept = (dict(doc.positions), len(doc.problems), set(doc.unquoted_text))
    try:
        return parse_events(text, doc, limit, _resolve, _fast_scalar)
    except FallbackError:
        # read again by the pure-Python reader, from the state before: it says what
        # is wrong (or reads what the fast reader leaves to it) exactly as before
        doc.positions.clear()
        doc.positions.update(kept[0])
        del doc.problems[kept[1]:]
        doc.unquoted_text.clear()
        doc.unquoted_text.update(kept[2])
    return _parse_slow(text, doc, limit)


def _parse_slow(text: str, doc: Document, limit: int) -> Any:
    """:func:`parse_yaml` by PyYAML's pure-Python reader and composer."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or e.context or "cannot be parsed"
        if e.context and e.problem:
            # "expected ',' or '}' (while parsing a flow mapping that starts at line 6)"
            ctx = e.context
            if e.context_mark is not None and (mark is None
                                               or e.context_mark.line != mark.line):
                ctx += f" that starts at line {e.context_mark.line + 1}"
            what = f"{e.problem} ({ctx})"
        raise read_error(doc.path, f"YAML syntax error: {what}",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    fix="correct the YAML syntax at this place (indentation, quotes, colons)",
                    code="yaml") from None
    except yaml.YAMLError as e:
        raise read_error(doc.path, f"YAML error: {e}", code="yaml") from None
    except RecursionError:
        raise read_error(doc.path, "YAML is nested too deeply to read",
                    fix="flatten the structure", code="yaml") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise read_error(doc.path, "file holds no YAML document", code="empty",
                    fix="write a chain: see `riskmodel schema`")
    if len(nodes) > 1:
        raise read_error(doc.path, "file holds several YAML documents (---)", code="yaml",
                    line=nodes[1].start_mark.line + 1, fix="keep one chain per file")
    # a file cannot hold more values than it has characters: only alias expansion can
    # exceed that, and that is what the limit is for
    return _YamlBuilder(doc, limit).build(nodes[0], ())


_RESOLVER = _Loader("")
_STR_TAG = "tag:yaml.org,2002:str"


_IMPLICIT = _Loader.yaml_implicit_resolvers
_ANY_FIRST = _IMPLICIT.get(None, [])


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of an untagged scalar, as :class:`_Loader` resolves it (YAML 1.2 core):
    PyYAML's ``Resolver.resolve`` for a scalar, without its general machinery.

    >>> all(_resolve(v, (True, False)) == _RESOLVER.resolve(yaml.ScalarNode, v, (True, False))
    ...     for v in ("", "~", "yes", "0o17", "1:30", "6e-1", ".nan", "<<", "x"))
    True
    """
    if not implicit[0]:
        return _STR_TAG
    for tag, rx in _IMPLICIT.get(value[:1], ()):
        if rx.match(value):
            return tag
    for tag, rx in _ANY_FIRST:
        if rx.match(value):
            return tag
    return _STR_TAG


def _fast_scalar(tag: str, text: str, mark: Any, style: str | None) -> Any:
    """A scalar's value for the fast reader: text, or a core-schema value; anything
    else (another tag, a value that does not parse) is left to the pure-Python reader."""
    if tag == _STR_TAG:
        return text
    if tag not in _CORE_TAGS:
        raise FallbackError
    try:
        return _core_scalar(tag, text)
    except (ArithmeticError, ValueError):
        raise FallbackError from None


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting any text that a YAML 1.1 *or* a YAML 1.2 reader
    would take for something else (``yes`` and ``1:30`` for 1.1, ``0E0`` for 1.2), so
    what riskmodel writes reads back the same here and in other tools."""


_Dumper.yaml_implicit_resolvers = {
    k: list(v) for k, v in yaml.SafeDumper.yaml_implicit_resolvers.items()}
for _first, _entries in _Loader.yaml_implicit_resolvers.items():
    _Dumper.yaml_implicit_resolvers.setdefault(_first, []).extend(
        e for e in _entries if e[0] != "tag:yaml.org,2002:merge")


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _float_presenter(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
    if math.isfinite(data):
        return dumper.represent_scalar("tag:yaml.org,2002:float", repr(data))
    return dumper.represent_float(data)


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(float, _float_presenter)


class _FlowDict(dict):
    """A mapping written on one line in YAML."""


_Dumper.add_representer(_FlowDict, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def _flowify(data: Any, depth: int = 0) -> Any:
    """Write edges, cuts and sourced values as one-line mappings for readability."""
    if isinstance(data, dict):
        inner = {k: _flowify(v, depth + 1) for k, v in data.items()}
        scalar_only = all(not isinstance(v, (dict, list)) or isinstance(v, _FlowDict)
                          for v in inner.values())
        if depth >= 2 and scalar_only and len(str(inner)) < 160:
            return _FlowDict(inner)
        return inner
    if isinstance(data, list):
        return [_flowify(v, depth + 1) for v in data]
    return data


def dump_yaml(data: Any, *, written: Mapping[str, Callable[[Callable[[Any], str]], str]]
              | None = None, unusual: bool = False) -> str:
    """Data as YAML text, in the house style.

    ``written`` gives, for top-level keys whose lists (of more than one item) the
    caller writes itself, a function of the one-item dumper returning the list's lines;
    ``unusual`` says that those lists hold texts :func:`yaml_unusual` finds.

    >>> print(dump_yaml({"name": "x", "at": "1:30", "edges": [{"from": "a", "to": "b"}]}))
    name: x
    at: '1:30'
    edges:
    - {from: a, to: b}
    <BLANKLINE>
    """
    dump = _dumper(unusual or yaml_unusual(data))
    written = written or {}
    flowed = _flowify(data)
    if not isinstance(flowed, dict):
        return dump(flowed)
    # a top-level mapping in block style is the concatenation of its entries; long
    # lists of simple items are written directly, each item as PyYAML would
    out, part = [], {}
    for k, v in flowed.items():
        if k in written or (isinstance(v, list) and len(v) > 1 and isinstance(k, str)
                            and _plain_text(k)):
            if part:
                out.append(dump(part))
                part = {}
            lines = written[k](lambda item: dump([item])) if k in written else fast_items(
                v, _plain_text, _plain_float, _FlowDict, lambda item: dump([item]))
            out.append(f"{k}:\n" + lines)
        else:
            part[k] = v
    if part or not out:
        out.append(dump(part))
    return "".join(out)


def _dumper(unusual: bool) -> Callable[[Any], str]:
    """PyYAML's dump in the house style: by the pure-Python emitter when ``unusual``."""
    dumper = _Dumper if unusual else _CDumper

    def dump(x: Any) -> str:
        return yaml.dump(x, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return dump


def yaml_unusual(data: Any) -> bool:
    """Whether ``data`` holds a text that libyaml's emitter writes otherwise than
    PyYAML's (then :func:`dump_yaml` writes by the pure-Python emitter)."""
    return bool(_UNUSUAL.search(json.dumps(data, ensure_ascii=False, default=str)))


def dump_yaml_items(items: list[Any], unusual: bool) -> list[str]:
    """The lines of each item of a top-level list of a document, as :func:`dump_yaml`
    writes them (``unusual``: as for :func:`dump_yaml`).

    >>> dump_yaml_items([{"from": "a", "to": "b"}, {"id": "yes"}], False)
    ['- {from: a, to: b}\\n', "- {id: 'yes'}\\n"]
    """
    dump = _dumper(unusual)
    return item_texts([_flowify(item, 2) for item in items], _plain_text, _plain_float,
                      _FlowDict, lambda item: dump([item]))


def yaml_plain_text(s: str) -> bool:
    """Whether the fast writer writes the text ``s`` as it is (unquoted, as PyYAML does).

    >>> yaml_plain_text("n_1"), yaml_plain_text("yes"), yaml_plain_text("a b")
    (True, False, False)
    """
    return len(s) < SIMPLE_KEY and bool(PLAIN.fullmatch(s)) and _plain_text(s)


def yaml_float_text(text: str) -> bool:
    """Whether the float text ``text`` (a ``repr``) is written unquoted as a float."""
    return bool(FLOAT.fullmatch(text)) or _plain_float(text)


def _plain_text(s: str) -> bool:
    """Whether the dumper writes ``s`` unquoted as text: it reads as nothing else."""
    return _Dumper.resolve(_Dumper, yaml.ScalarNode, s, (True, False)) == _STR_TAG


def _plain_float(s: str) -> bool:
    """Whether the dumper writes the float text ``s`` unquoted (it reads as a float)."""
    return _Dumper.resolve(_Dumper, yaml.ScalarNode, s, (True, False)) == \
        "tag:yaml.org,2002:float"


class _CDumper(yaml.CSafeDumper):
    """:class:`_Dumper` with libyaml's emitter (the same text, written many times faster)."""


_CDumper.yaml_implicit_resolvers = _Dumper.yaml_implicit_resolvers
_CDumper.yaml_representers = dict(_Dumper.yaml_representers)
#: characters libyaml's emitter writes otherwise than PyYAML's (a NEL as ``"\N"``,
#: control characters): data holding one is written by the pure-Python emitter
_UNUSUAL = re.compile(r"[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]|\\u")
