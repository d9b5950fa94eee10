"""Reading and writing chain files: one YAML file, one JSON file, or a CSV bundle.

Reading is safe: YAML is composed with PyYAML's safe loader and built into plain
Python values here (a ``!!python/object`` tag is reported as a problem, never
constructed), JSON goes through the standard library decoder, and CSV through pandas
with every cell read as text. Nothing is executed, nothing is unpickled, nesting is
bounded, and every value keeps the line and column it came from so that validation
can name its place.

A *bundle* is a folder holding ``chain.yaml`` (the header: name, perspective,
sources, groups, scenarios), ``nodes.csv`` (one row per node), ``suppliers.csv``
(long form: ``node, country, share``) and ``edges.csv``. A sourced value spreads over
columns named ``<field>.<key>``: ``substitutability``, ``substitutability.low``,
``substitutability.source`` ...
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ._errors import ChainValidationError, Problem
from ._write import OutputFormatError, write_file, write_folder

__all__ = [
    "BUNDLE_HEADER",
    "BUNDLE_TABLES",
    "Document",
    "read_document",
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


def _read_text(path: Path, shown: str) -> str:
    """Read a file as UTF-8 text, with clear errors for binary or mis-encoded files."""
    if not path.exists():
        raise FileNotFoundError(f"{shown}: no such file or folder")
    if path.is_dir():
        raise _fail(shown, "is a folder, but a file was expected here")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _fail(shown, f"file is {size} bytes, larger than the {MAX_FILE_BYTES} allowed")
    raw = path.read_bytes()
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


class _YamlBuilder:
    """Builds plain Python data from a composed YAML node tree, recording positions."""

    def __init__(self, doc: Document):
        self.doc = doc
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
        if self.count > MAX_VALUES:
            raise self._error(node, f"more than {MAX_VALUES} values (alias expansion?)",
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
            k = self._scalar_value(k_node)
            if k_node.tag == "tag:yaml.org,2002:merge":
                raise self._error(k_node, "YAML merge keys (<<) are not supported",
                                  "write the keys out")
            if isinstance(k, (int, float, bool)) or k is None:
                k = str(k_node.value)
            if k in out:
                self.doc.problems.append(self.doc.problem(
                    "error", f"key '{k}' appears twice in the same mapping", (*path, k),
                    fix="keep one of the two", code="duplicate-key"))
            self.doc.positions[(*path, k)] = (k_node.start_mark.line + 1,
                                              k_node.start_mark.column + 1)
            out[k] = self.build(v_node, (*path, k), depth + 1)
        return out

    def _scalar_value(self, node: yaml.Node) -> Any:
        try:
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
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
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
    return _YamlBuilder(doc).build(nodes[0], ())


_WS = re.compile(r"[ \t\n\r]*")
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

    count = 0

    def value(i: int, path: tuple[Any, ...], depth: int) -> tuple[Any, int]:
        nonlocal count
        count += 1
        if depth > MAX_DEPTH:
            raise err(i, f"nested more than {MAX_DEPTH} levels deep")
        if count > MAX_VALUES:
            raise err(i, f"more than {MAX_VALUES} values")
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
                if key in out:
                    doc.problems.append(doc.problem(
                        "error", f"key '{key}' appears twice in the same object",
                        (*path, key), fix="keep one of the two", code="duplicate-key"))
                doc.positions[(*path, key)] = pos(i)
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
            raise err(i, str(e)) from None

    data, end = value(0, (), 0)
    end = _WS.match(text, end).end()
    if end != len(text):
        raise err(end, "extra data after the end of the JSON value")
    return data


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

    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
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

    text = _read_text(path, shown)
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
    return df


def read_document(path: str | os.PathLike[str]) -> Document:
    """Read a chain file or bundle folder into a :class:`Document` (no validation).

    Raises ``FileNotFoundError`` for a missing path and
    :class:`~riskmodel.ChainValidationError` for a file that cannot be parsed.

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
    if not p.exists():
        raise FileNotFoundError(f"{shown}: no such file or folder")
    if p.is_dir():
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
    return doc


def _read_bundle(p: Path, shown: str) -> Document:
    header = p / BUNDLE_HEADER
    if not header.exists():
        raise _fail(shown, f"folder has no {BUNDLE_HEADER}",
                    fix=f"a bundle is a folder with {BUNDLE_HEADER}, nodes.csv, "
                        "suppliers.csv and edges.csv")
    doc = Document(str(header), "bundle")
    doc.data = _parse_yaml(_read_text(header, str(header)), doc)
    doc.files["header"] = str(header)
    for name in BUNDLE_TABLES:
        f = p / f"{name}.csv"
        if f.exists():
            doc.tables[name] = _read_csv(f, str(f), doc, name)
            doc.files[name] = str(f)
        elif name == "nodes":
            raise _fail(shown, "bundle has no nodes.csv",
                        fix="add nodes.csv with a header row `id,stage,...`")
    return doc


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


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
    riskmodel._write.OutputExistsError: ... is a folder that is not empty; ...
    """
    target = Path(path)
    fmt = format or _format_for(target)
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


def _format_for(target: Path) -> str:
    """The format a file name asks for: ``yaml``, ``json``, or ``bundle`` (no extension).

    >>> _format_for(Path("out.txt"))
    Traceback (most recent call last):
    ...
    riskmodel._write.OutputFormatError: out.txt: cannot tell the format from the extension ...
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
    raise FileNotFoundError(f"{name}: no such file or folder")


def from_eto(path: str | os.PathLike[str], **kw: Any) -> Any:
    """Import the ETO semiconductor supply chain dataset; see :func:`riskmodel.eto.from_eto`."""
    from .eto import from_eto as f

    return f(path, **kw)
