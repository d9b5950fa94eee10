"""Reading and writing chain files: one YAML file, one JSON file, or a CSV bundle.

Reading is safe: YAML is composed with PyYAML's safe loader and built into plain
Python values here (a ``!!python/object`` tag is reported as a problem, never
constructed), JSON goes through the standard library decoder, and CSV through pandas
with every cell read as text. Nothing is executed, nothing is unpickled, nesting is
bounded, and every value keeps the line and column it came from so that validation
can name its place.

Reading is bounded: only regular files are read (a FIFO, device or socket is refused
before it can block or run forever), at most ``MAX_FILE_BYTES`` of them, and a file
that cannot be read is a :class:`~riskmodel.ChainValidationError` naming it, never an
``OSError``. A bundle's files must be regular files in its folder: a member that is a
symbolic link is refused unread. YAML plain scalars follow the YAML 1.2 core schema
(``1:30``, ``1_0`` and ``yes`` are text; ``010`` is 10; ``6e-1`` is 0.6), and a text
that cannot be written as UTF-8 (a lone surrogate) is an error at its place.

A *bundle* is a folder holding ``chain.yaml`` (the header: name, perspective,
sources, groups, scenarios), ``nodes.csv`` (one row per node), ``suppliers.csv``
(long form: ``node, country, share``) and ``edges.csv``. A sourced value spreads over
columns named ``<field>.<key>``: ``substitutability``, ``substitutability.low``,
``substitutability.source`` ...
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from riskmodel._errors import ChainValidationError, OutputFormatError, Problem
from riskmodel.io.terminal import one_line
from riskmodel.io.write import write_file, write_folder

__all__ = [
    "BUNDLE_HEADER",
    "BUNDLE_TABLES",
    "Document",
    "read_document",
    "read_file_bytes",
    "write_document",
]

BUNDLE_HEADER = "chain.yaml"
BUNDLE_TABLES = ("nodes", "suppliers", "edges")
MAX_DEPTH = 64
MAX_VALUES = 2_000_000
MAX_FILE_BYTES = 512 * 1024 * 1024

Position = tuple[int, int]


@dataclass
class Document:
    """A chain file as read: plain data plus where each value came from.

    ``data`` is the parsed mapping (for a bundle, the header). ``positions`` maps a
    key path such as ``("nodes", 3, "substitutability")`` to ``(line, column)``.
    ``tables`` holds a bundle's CSV tables as text DataFrames, and ``files`` the file
    each part came from, and ``lines`` where a table's rows are when they are not
    simply on lines 2, 3, ... ``problems`` are the problems met while reading.
    """

    path: str
    format: str
    data: Any = None
    positions: dict[tuple[Any, ...], Position] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: for a bundle table whose rows are not simply on lines 2, 3, ... (blank lines,
    #: quoted line breaks): the line of its header, then the line each row starts on
    lines: dict[str, list[int]] = field(default_factory=dict)
    #: the paths of YAML values written unquoted that read as text although they
    #: start like a number (``1:30``, ``1_000``): "remove the quotes" would not help
    unquoted_text: set[tuple[Any, ...]] = field(default_factory=set)

    def at(self, *path: Any) -> Position | None:
        """The (line, column) of ``path``, or of its nearest located parent.

        The document itself (``at()``) is where its top-level mapping starts.
        """
        p = tuple(path)
        while True:
            if p in self.positions:
                return self.positions[p]
            if not p:
                return None
            p = p[:-1]

    def problem(self, severity: str, message: str, path: tuple[Any, ...] = (), *,
                file: str | None = None, **kw: Any) -> Problem:
        pos = self.at(*path) if path else None
        return Problem(severity, message, file=file or self.path,
                       line=pos[0] if pos else None, column=pos[1] if pos else None, **kw)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

def _fail(path: str, message: str, *, line: int | None = None, column: int | None = None,
          fix: str | None = None, code: str = "read") -> ChainValidationError:
    return ChainValidationError(
        [Problem("error", message, file=path, line=line, column=column, fix=fix, code=code)])


_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def _unreadable(shown: str, e: OSError) -> ChainValidationError:
    """A file that exists but cannot be read, said plainly (no traceback)."""
    if isinstance(e, IsADirectoryError):
        return _fail(shown, "is a folder, but a file was expected here",
                     fix="give a chain file, or a bundle folder holding chain.yaml")
    why = e.strerror or type(e).__name__
    fix = ("give yourself read permission on it (chmod u+r)"
           if isinstance(e, PermissionError) else
           "check that the disk and the file are readable, or restore the file from a copy")
    return _fail(shown, f"cannot be read ({why})", fix=fix, code="unreadable")


def _read_bytes(path: Path, shown: str, *, follow: bool = True) -> bytes:
    """The bytes of a regular file, read with a bound.

    Only a regular file is opened: a FIFO, device or socket is refused (reading
    ``/dev/zero`` never ends, a FIFO with no writer blocks). The file is opened
    without blocking and checked again once open, so a path swapped for a FIFO in
    between cannot hang the reader, and at most ``MAX_FILE_BYTES`` are read, so a
    file that grows while being read cannot run away. With ``follow=False`` a
    symbolic link is refused rather than followed.
    """
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{shown}: no such file or folder") from None
    except OSError as e:
        raise _unreadable(shown, e) from None
    _check_kind(st.st_mode, shown)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(f"{shown}: no such file or folder") from None
    except OSError as e:
        if not follow and os.path.islink(path):
            _check_kind(stat.S_IFLNK, shown)
        raise _unreadable(shown, e) from None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            _check_kind(st.st_mode, shown)
            if st.st_size > MAX_FILE_BYTES:
                raise _too_large(shown, st.st_size)
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise _unreadable(shown, e) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(shown, len(raw))
    return raw


def read_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file, read with the bound of chain files.

    Raises :class:`~riskmodel.ChainValidationError` naming the path for a FIFO, a
    device, a socket, a folder, a file larger than ``MAX_FILE_BYTES`` or one that
    cannot be read, and ``FileNotFoundError`` for a missing one.

    >>> from riskmodel import ChainValidationError
    >>> try:
    ...     read_file_bytes("/dev/zero")  # would never end
    ... except ChainValidationError as e:
    ...     print(e.problems[0].message)
    is a character device, not a regular file
    """
    return _read_bytes(Path(path), str(path))


def _check_kind(mode: int, shown: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise _fail(shown, "is a folder, but a file was expected here",
                    fix="give a chain file, or a bundle folder holding chain.yaml")
    if stat.S_ISLNK(mode):
        raise _fail(shown, "is a symbolic link; a bundle's files must be regular files "
                    "inside its folder", code="special-file",
                    fix="replace the link with a copy of the file it points to")
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    raise _fail(shown, f"is {kind}, not a regular file", code="special-file",
                fix="save the chain to a regular file and give that file")


def _too_large(shown: str, size: int) -> ChainValidationError:
    return _fail(shown, f"file is {size} bytes or more, larger than the {MAX_FILE_BYTES} "
                 "allowed", fix="split the chain, or give a smaller file", code="too-large")


def _wide_unicode(raw: bytes) -> bool:
    r"""Whether ``raw`` is UTF-16 or UTF-32 text: a byte-order mark before text with a
    chain file's punctuation, or NUL bytes where those encodings put them (the high
    bytes of every ASCII character).

    >>> _wide_unicode("name: x\n".encode("utf-16-le"))
    True
    >>> _wide_unicode("\ufeff名: 値".encode("utf-16-be"))  # a mark, then text
    True
    >>> _wide_unicode("name: x\n".encode("utf-32-be")), _wide_unicode(b"\x00\x01\x02binary")
    (True, False)
    >>> _wide_unicode(b"\xff\xfe garbage")  # a mark, but no UTF-16 text after it
    False
    """
    for bom, enc, width in ((codecs.BOM_UTF32_LE, "utf-32-le", 4),
                            (codecs.BOM_UTF32_BE, "utf-32-be", 4),
                            (codecs.BOM_UTF16_LE, "utf-16-le", 2),
                            (codecs.BOM_UTF16_BE, "utf-16-be", 2)):
        if raw.startswith(bom):
            body = raw[len(bom):len(bom) + 4096]
            text = body[:len(body) // width * width].decode(enc, errors="replace")
            if any(c in text for c in ":\n{[,"):
                return True
    n = min(len(raw), 4096) // 4 * 4
    if n < 8:
        return False
    for width, low, high in ((2, (0,), (1,)), (2, (1,), (0,)),
                             (4, (0,), (2, 3)), (4, (3,), (0, 1))):
        nul = [raw[i:n:width].count(0) / (n // width) for i in range(width)]
        # the byte carrying an ASCII character is (almost) never NUL; the high ones are
        if all(nul[i] <= 0.05 for i in low) and all(nul[i] >= 0.7 for i in high):
            return True
    return False


def _read_text(path: Path, shown: str, *, follow: bool = True) -> str:
    """Read a file as UTF-8 text, with clear errors for binary or mis-encoded files."""
    raw = _read_bytes(path, shown, follow=follow)
    if _wide_unicode(raw):
        raise _fail(shown, "the file is UTF-16 (or UTF-32); save it as UTF-8",
                    fix="save it again choosing the UTF-8 encoding (most editors and "
                        "spreadsheets offer it under 'Save as')")
    if b"\x00" in raw[:65536]:
        raise _fail(shown, "file is binary (it contains NUL bytes), not a text chain file",
                    fix="give a YAML, JSON or CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise _fail(shown, f"file is not valid UTF-8 (byte 0x{raw[e.start]:02x})",
                    line=line, column=col, fix="save the file as UTF-8") from None
    if not text.strip():
        raise _fail(shown, "file is empty", fix="write a chain: see `riskmodel schema`")
    return text


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


def _first_at(first: Position | None, line: int) -> str:
    """Where a repeated key first appeared, for its message (the column on one line)."""
    if first is None:
        return ""
    return (f" (first at column {first[1]} of this line)" if first[0] == line
            else f" (first on line {first[0]})")


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
                    + _first_at(first, k_node.start_mark.line + 1), (*path, k),
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
        return _fail(self.doc.path, message, line=node.start_mark.line + 1,
                     column=node.start_mark.column + 1, fix=fix, code="yaml")


def _tag_text(tag: str | None) -> str:
    """A YAML tag as written in a file: ``!!python/object:os.system``."""
    tag = str(tag)
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") \
        else tag if tag.startswith("!") else f"!<{tag}>"


def _parse_yaml(text: str, doc: Document) -> Any:
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
        raise _fail(doc.path, f"YAML syntax error: {what}",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    fix="correct the YAML syntax at this place (indentation, quotes, colons)",
                    code="yaml") from None
    except yaml.YAMLError as e:
        raise _fail(doc.path, f"YAML error: {e}", code="yaml") from None
    except RecursionError:
        raise _fail(doc.path, "YAML is nested too deeply to read",
                    fix="flatten the structure", code="yaml") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise _fail(doc.path, "file holds no YAML document", code="empty",
                    fix="write a chain: see `riskmodel schema`")
    if len(nodes) > 1:
        raise _fail(doc.path, "file holds several YAML documents (---)", code="yaml",
                    line=nodes[1].start_mark.line + 1, fix="keep one chain per file")
    # a file cannot hold more values than it has characters: only alias expansion can
    # exceed that, and that is what the limit is for
    return _YamlBuilder(doc, max(MAX_VALUES, len(text))).build(nodes[0], ())


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


def _parse_json(text: str, doc: Document) -> Any:
    """Decode JSON with the standard library, recording each value's position."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))

    def pos(i: int) -> Position:
        import bisect
        line = bisect.bisect_right(starts, i)
        return line, i - starts[line - 1] + 1

    def err(i: int, message: str) -> ChainValidationError:
        line, col = pos(i)
        message = _JSON_MESSAGES.get(message, message)
        if i >= len(text):
            message = "unexpected end of file (is the file truncated?)"
        return _fail(doc.path, f"JSON syntax error: {message}", line=line, column=col,
                     fix="correct the JSON syntax at this place", code="json")

    # no count limit: JSON has no aliases, so the values are bounded by the file's size
    def value(i: int, path: tuple[Any, ...], depth: int) -> tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise err(i, f"nested more than {MAX_DEPTH} levels deep")
        i = _WS.match(text, i).end()
        doc.positions.setdefault(path, pos(i))
        if i >= len(text):
            raise err(i, "unexpected end of file (is the file truncated?)")
        c = text[i]
        if c == "{":
            out: dict[str, Any] = {}
            i = _WS.match(text, i + 1).end()
            if text.startswith("}", i):
                return out, i + 1
            while True:
                i = _WS.match(text, i).end()
                if not text.startswith('"', i):
                    raise err(i, "expected a quoted key")
                try:
                    key, j = _DECODER.raw_decode(text, i)
                except json.JSONDecodeError as e:
                    raise err(e.pos, e.msg) from None
                first = doc.positions.get((*path, key)) if key in out else None
                doc.positions[(*path, key)] = pos(i)  # the repeat's value is kept
                if key in out:
                    doc.problems.append(doc.problem(
                        "error", f"key '{key}' appears twice in the same object"
                        + _first_at(first, pos(i)[0]),
                        (*path, key), fix="keep one of the two", code="duplicate-key"))
                j = _WS.match(text, j).end()
                if not text.startswith(":", j):
                    raise err(j, "expected ':' after the key")
                out[key], i = value(j + 1, (*path, key), depth + 1)
                i = _WS.match(text, i).end()
                if text.startswith(",", i):
                    i += 1
                elif text.startswith("}", i):
                    return out, i + 1
                else:
                    raise err(i, "expected ',' or '}'")
        if c == "[":
            items: list[Any] = []
            i = _WS.match(text, i + 1).end()
            if text.startswith("]", i):
                return items, i + 1
            while True:
                item, i = value(i, (*path, len(items)), depth + 1)
                items.append(item)
                i = _WS.match(text, i).end()
                if text.startswith(",", i):
                    i += 1
                elif text.startswith("]", i):
                    return items, i + 1
                else:
                    raise err(i, "expected ',' or ']'")
        try:
            return _DECODER.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise err(e.pos, e.msg) from None
        except ValueError as e:
            if "digits" in str(e):  # an integer beyond Python's int-from-text limit
                line, col = pos(i)
                digits = _DIGITS.match(text, i)
                n = len(digits.group().lstrip("-")) if digits else 0
                raise _fail(doc.path, f"the number has too many digits ({n}) to read",
                            line=line, column=col, code="json",
                            fix="write a number of ordinary size (e.g. 1.5e20)") from None
            raise err(i, str(e)) from None

    data, end = value(0, (), 0)
    end = _WS.match(text, end).end()
    if end != len(text):
        raise err(end, "extra data after the end of the JSON value")
    return data


#: control characters other than tab, line feed and carriage return (C0, DEL, C1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _check_texts(doc: Document, text: str) -> None:
    """Every text must be writable as UTF-8; control characters are worth a warning.

    A lone UTF-16 surrogate (JSON ``"\ud800"``, YAML ``"\ud800"``) reads as text but
    cannot be written out as UTF-8, so every output would fail later: it is an error
    here, at its place. Each shared (aliased) value is looked at once. Both can only
    come from an escape (a backslash) or, for control characters, be in the file's
    ``text`` as they are: a file with neither is not walked.
    """
    if "\\" not in text and not _CONTROL.search(text):
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


def _check_table_texts(doc: Document, name: str, df: Any) -> None:
    """Control characters in a bundle table's cells (a warning each, the first 20)."""
    for col in df.columns:
        bad = df[col].str.contains(_CONTROL.pattern, regex=True)
        for r in bad.to_numpy().nonzero()[0][:MAX_LISTED_ROWS]:
            lines = doc.lines.get(name)
            doc.problems.append(Problem(
                "warning", "text holds a control character", file=doc.files[name],
                line=lines[r + 1] if lines else int(r) + 2,
                column=list(df.columns).index(col) + 1, field=str(col),
                found=repr(_CONTROL.search(df[col].iloc[r]).group()), code="control",
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
    m = _CONTROL.search(text)
    if m:
        doc.problems.append(doc.problem(
            "warning", f"{what} holds a control character ({m.group()!r})", path,
            field=field_, code="control",
            fix="remove the control character (terminal escapes, stray bytes)"))


_RAGGED_FIX = "make every row have as many fields as the header; quote a cell that holds a comma"
MAX_LISTED_ROWS = 20


def _csv_layout(text: str, shown: str) -> tuple[list[str], list[int]]:
    """The header of a CSV text and the line of the header and of each row.

    Rows with more or fewer fields than the header are errors (pandas would silently
    pad them, or take a longer first row's extra field as an index), and so is a
    header that names a column twice (pandas would rename it ``name.1``).
    """
    import csv
    import io as _io

    # the csv module refuses a cell over 131,072 characters by default; a cell cannot
    # be longer than the (bounded) file, so the limit is lifted to the file's length
    # here and restored after, leaving the process-wide setting as it was
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        return _csv_rows(csv.reader(_io.StringIO(text, newline=""), strict=True), shown)
    finally:
        csv.field_size_limit(old_limit)


def _csv_rows(reader: Any, shown: str) -> tuple[list[str], list[int]]:
    import csv

    header: list[str] | None = None
    lines: list[int] = []
    ragged: list[Problem] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record or (len(record) == 1 and record[0] != "" and not record[0].strip()):
                continue  # a blank line, which pandas skips too
            if header is None:
                header = [c.strip() for c in record]
            elif len(record) != len(header):
                ragged.append(Problem(
                    "error", f"row has {len(record)} field{'s' if len(record) != 1 else ''}, "
                    f"but the header has {len(header)}", file=shown, line=start,
                    expected=f"{len(header)} field{'s' if len(header) != 1 else ''} "
                             f"({', '.join(header)})",
                    found=f"{len(record)}", fix=_RAGGED_FIX, code="csv"))
            lines.append(start)
    except csv.Error as e:
        raise _fail(shown, f"CSV syntax error: {e}", line=reader.line_num, code="csv",
                    fix="close every quoted cell, and put a comma right after its closing "
                        "quote") from None
    if header is None:
        raise _fail(shown, "CSV file has no header row", code="csv",
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
            raise _fail(shown, f"CSV header repeats column '{name}' (columns {seen[name] + 1} "
                        f"and {i + 1})", line=lines[0], column=i + 1,
                        fix="give each column once", code="csv")
        seen[name] = i
    return header, lines


def _read_csv(path: Path, shown: str, doc: Document, name: str) -> Any:
    import warnings

    import pandas as pd

    text = _read_text(path, shown, follow=False)
    header, lines = _csv_layout(text, shown)
    try:
        import io as _io

        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False,
                             na_filter=False, engine="c", index_col=False)
    except pd.errors.ParserError as e:
        m = re.search(r"line (\d+)", str(e))
        raise _fail(shown, f"CSV syntax error: {str(e).strip()}",
                    line=int(m.group(1)) if m else None, fix=_RAGGED_FIX,
                    code="csv") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserWarning, ValueError) as e:
        raise _fail(shown, f"CSV file could not be read: {e}", code="csv",
                    fix="give a header row and one row per record") from None
    if len(df.columns) != len(header):
        raise _fail(shown, "CSV file could not be read: the rows do not match the header",
                    code="csv", fix=_RAGGED_FIX)
    df.columns = header
    if len(lines) == len(df) + 1 and lines[-1] != len(lines):
        doc.lines[name] = lines
    doc.files[name] = shown
    if _CONTROL.search(text):
        _check_table_texts(doc, name, df)
    return df


def read_document(path: str | os.PathLike[str]) -> Document:
    """Read a chain file or bundle folder into a :class:`Document` (no validation).

    Raises ``FileNotFoundError`` for a missing path and
    :class:`~riskmodel.ChainValidationError` for a file that cannot be read (not a
    regular file, too large, unreadable, a symbolic link inside a bundle) or parsed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_text("name: demo\\nnodes:\\n  - id: a\\n")
    >>> doc = read_document(p)
    >>> doc.format, doc.data["nodes"][0]["id"], doc.at("nodes", 0, "id")
    ('yaml', 'a', (3, 5))
    """
    p = Path(path)
    shown = str(path)
    try:
        st = os.stat(p)  # a chain file named directly may be a symbolic link: followed
    except FileNotFoundError:
        raise FileNotFoundError(f"{one_line(shown)}: no such file or folder") from None
    except OSError as e:
        raise _unreadable(shown, e) from None
    if stat.S_ISDIR(st.st_mode):
        return _read_bundle(p, shown)
    suffix = p.suffix.lower()
    text = _read_text(p, shown)
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        doc = Document(shown, "json")
        doc.data = _parse_json(text.lstrip("\ufeff"), doc)
    elif suffix in (".yaml", ".yml", ""):
        doc = Document(shown, "yaml")
        doc.data = _parse_yaml(text, doc)
    elif suffix == ".csv":
        raise _fail(shown, "a single CSV file is not a chain",
                    fix="give the bundle folder that holds chain.yaml, nodes.csv and edges.csv")
    else:
        doc = Document(shown, "yaml")
        doc.data = _parse_yaml(text, doc)
    doc.files["header"] = shown
    _check_texts(doc, text)
    return doc


_MISSING_TABLE = {
    "suppliers": "the chain is read with no supplier countries, so no country cut "
                 "can reach it",
    "edges": "the chain is read with no edges, so no node feeds another",
}


def _read_bundle(p: Path, shown: str) -> Document:
    """Read a bundle folder. Its files must be regular files in the folder: a member
    that is a symbolic link is refused, and nothing of what it points to is read."""
    header = p / BUNDLE_HEADER
    if not os.path.lexists(header):
        raise _fail(shown, f"folder has no {BUNDLE_HEADER}",
                    fix=f"a bundle is a folder with {BUNDLE_HEADER}, nodes.csv, "
                        "suppliers.csv and edges.csv")
    doc = Document(str(header), "bundle")
    problems: list[Problem] = []
    text = ""
    try:
        text = _read_text(header, str(header), follow=False)
        doc.data = _parse_yaml(text, doc)
    except ChainValidationError as e:
        problems += e.problems
    doc.files["header"] = str(header)
    for name in BUNDLE_TABLES:
        f = p / f"{name}.csv"
        if os.path.lexists(f):
            try:
                doc.tables[name] = _read_csv(f, str(f), doc, name)
            except ChainValidationError as e:
                problems += e.problems
            doc.files[name] = str(f)
        elif name == "nodes":
            problems.append(Problem("error", "bundle has no nodes.csv", file=shown,
                                    fix="add nodes.csv with a header row `id,stage,...`",
                                    code="read"))
        else:
            doc.problems.append(Problem(
                "warning", f"bundle has no {name}.csv: {_MISSING_TABLE[name]}", file=str(f),
                code="bundle-missing", fix=f"add {name}.csv (a header row alone if the chain "
                                           f"truly has none: `{_TABLE_HEADERS[name]}`)"))
    if problems:
        raise ChainValidationError(problems)
    _check_texts(doc, text)
    return doc


_TABLE_HEADERS = {"suppliers": "node,country,share", "edges": "from,to"}


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


def dump_yaml(data: Any) -> str:
    """Data as YAML text, in the house style."""
    return yaml.dump(_flowify(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100)


def write_document(header: dict[str, Any], tables: dict[str, Any] | None,
                   path: str | os.PathLike[str], *, format: str | None = None,
                   inputs: Iterable[str | os.PathLike[str]] = (), force: bool = False) -> Path:
    """Write a chain given as a document mapping (YAML/JSON) or header + tables (bundle).

    ``format`` is ``yaml``, ``json`` or ``bundle``; by default it follows the file
    extension, and a path without one is a bundle folder. Writing follows the policy of
    :mod:`riskmodel._write`: a file is replaced atomically, never a folder, a symbolic
    link only with ``force``, never one of ``inputs``; a bundle goes into a missing or
    empty folder, or (with ``force``) writes only its own four files into a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> write_document({"name": "x"}, None, out).read_text(encoding="utf-8")
    'name: x\\n'
    >>> write_document({"name": "x"}, None, out.parent)
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputExistsError: ... is a folder that is not empty; ...
    """
    target = Path(path)
    fmt = format or format_for(target)
    if fmt == "yaml":
        write_file(target, dump_yaml(header), inputs=inputs, force=force)
    elif fmt == "json":
        write_file(target, json.dumps(header, indent=2, ensure_ascii=False, allow_nan=False)
                   + "\n", inputs=inputs, force=force)
    elif fmt == "bundle":
        files = {BUNDLE_HEADER: dump_yaml(header)}
        for name, df in (tables or {}).items():
            files[f"{name}.csv"] = df.to_csv(index=False, lineterminator="\n")
        write_folder(target, files, inputs=inputs, force=force)
    else:
        raise ValueError(f"unknown format {fmt!r}; valid formats: yaml, json, bundle")
    return target


def format_for(target: Path) -> str:
    """The format a file name asks for: ``yaml``, ``json``, or ``bundle`` (no extension).

    >>> format_for(Path("out.txt"))
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputFormatError: out.txt: cannot tell the format from the extension ...
    """
    suffix = target.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if suffix == "":
        return "bundle"
    raise OutputFormatError(
        f"{target}: cannot tell the format from the extension {suffix!r}; give a name "
        "ending in .yaml, .yml or .json, or a folder name without extension (a CSV "
        "bundle), or pass --format yaml|json|bundle")


def builtin_names() -> list[str]:
    """The names of the built-in chains shipped in the package (``combined`` included).

    >>> "bicycle" in builtin_names()
    True
    """
    root = resources.files("riskmodel").joinpath("chains")
    names = sorted(p.name.rsplit(".", 1)[0] for p in root.iterdir()
                   if p.name.endswith(".yaml") and not p.name.startswith("_"))
    return names


def resolve_path(name_or_path: str | os.PathLike[str]) -> Path | None:
    """The file of a path or built-in chain name; ``None`` for the combined view.

    Raises ``FileNotFoundError`` naming the built-in chains when neither exists.
    """
    p = Path(name_or_path)
    if p.exists():
        return p
    name = str(name_or_path)
    if re.fullmatch(r"[a-z0-9_]+", name):
        names = builtin_names()
        if name in names:
            if name == "combined":
                return None
            root = resources.files("riskmodel").joinpath("chains")
            return Path(str(root.joinpath(f"{name}.yaml")))
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise FileNotFoundError(f"{name}: no such file, and no built-in chain of that name "
                                f"(built-in chains: {', '.join(names)}).{hint}")
    raise FileNotFoundError(f"{one_line(name)}: no such file or folder")
