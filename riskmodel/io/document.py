"""Chain files as documents: one YAML file, one JSON file, or a CSV bundle, read and written.

:func:`read_document` reads a file or bundle folder into a :class:`Document`: plain
data in which every value keeps the line and column it came from, so that validation
can name its place. The formats are read by their own modules, all of them safe and
bounded (nothing is executed or unpickled; see :mod:`riskmodel.io.files`):

- :mod:`riskmodel.io.yaml` (YAML 1.2 core schema, no tags) and
  :mod:`riskmodel.io.jsonparse` (the standard library's decoder);
- :mod:`riskmodel.io.csvtable` for a bundle's tables, every cell read as text;
- :mod:`riskmodel.io.textcheck` for texts that cannot be written out (a lone
  surrogate) or hold control characters.

A *bundle* is a folder holding ``chain.yaml`` (the header: name, perspective,
sources, groups, scenarios, the restrictions in force), ``nodes.csv`` (one row per
node), ``suppliers.csv`` (long form: ``node, country, share``), ``edges.csv`` and, where
the world's shares differ from the focal market's, ``world_suppliers.csv`` (as
``suppliers.csv``). A
sourced value spreads over columns named ``<field>.<key>``: ``substitutability``,
``substitutability.low``, ``substitutability.source`` ... A bundle's files must be
regular files in its folder: a member that is a symbolic link is refused unread.

:func:`write_document` writes a chain back in any of the three formats, through the
one safe writer (:mod:`riskmodel.io.write`); :func:`resolve_path` finds a built-in
chain by name.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from riskmodel._errors import ChainValidationError, OutputFormatError, Problem
from riskmodel.io.csvtable import read_csv_table
from riskmodel.io.files import STDIN, read_error, read_stdin_text, read_text, unreadable
from riskmodel.io.jsonparse import parse_json
from riskmodel.io.terminal import one_line
from riskmodel.io.textcheck import check_texts
from riskmodel.io.write import write_file, write_folder
from riskmodel.io.yaml import dump_yaml, parse_yaml

__all__ = [
    "BUNDLE_HEADER",
    "BUNDLE_TABLES",
    "Document",
    "builtin_names",
    "format_for",
    "read_document",
    "resolve_path",
    "write_document",
]

BUNDLE_HEADER = "chain.yaml"
BUNDLE_TABLES = ("nodes", "suppliers", "edges", "world_suppliers")
#: bundle tables that may be absent without a warning
OPTIONAL_TABLES = ("world_suppliers",)

#: where a value is in its file: (line, column), both counted from 1
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
        """A :class:`~riskmodel.Problem` in this file, at the place of ``path``."""
        pos = self.at(*path) if path else None
        return Problem(severity, message, file=file or self.path,
                       line=pos[0] if pos else None, column=pos[1] if pos else None, **kw)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

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
    if str(path) == "-":
        return _read_stdin()
    p = Path(path)
    shown = str(path)
    try:
        st = os.stat(p)  # a chain file named directly may be a symbolic link: followed
    except FileNotFoundError:
        raise FileNotFoundError(f"{one_line(shown)}: no such file or folder") from None
    except OSError as e:
        raise unreadable(shown, e) from None
    if stat.S_ISDIR(st.st_mode):
        return _read_bundle(p, shown)
    suffix = p.suffix.lower()
    text = read_text(p, shown)
    if suffix == ".csv" and not text.lstrip().startswith("{"):
        raise read_error(shown, "a single CSV file is not a chain",
                         fix="give the bundle folder that holds chain.yaml, nodes.csv and "
                             "edges.csv")
    return _parse(text, shown, suffix)


def _read_stdin() -> Document:
    """A chain given as ``-``: standard input, read as JSON when it starts with ``{``,
    else as YAML."""
    return _parse(read_stdin_text(), STDIN, "")


def _parse(text: str, shown: str, suffix: str) -> Document:
    """A chain file's text as a :class:`Document`: JSON for ``.json`` (or, with no YAML
    suffix, text that starts with ``{``), else YAML."""
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        doc = Document(shown, "json")
        doc.data = parse_json(text.lstrip("\ufeff"), doc)
    else:
        doc = Document(shown, "yaml")
        doc.data = parse_yaml(text, doc)
    doc.files["header"] = shown
    check_texts(doc, text)
    return doc


_MISSING_TABLE = {
    "suppliers": "the chain is read with no supplier countries, so no country cut "
                 "can reach it",
    "edges": "the chain is read with no edges, so no node feeds another",
}
_TABLE_HEADERS = {"suppliers": "node,country,share", "edges": "from,to"}


def _read_bundle(p: Path, shown: str) -> Document:
    """Read a bundle folder. Its files must be regular files in the folder: a member
    that is a symbolic link is refused, and nothing of what it points to is read."""
    header = p / BUNDLE_HEADER
    if not os.path.lexists(header):
        raise read_error(shown, f"folder has no {BUNDLE_HEADER}",
                         fix=f"a bundle is a folder with {BUNDLE_HEADER}, nodes.csv, "
                             "suppliers.csv and edges.csv")
    doc = Document(str(header), "bundle")
    problems: list[Problem] = []
    text = ""
    try:
        text = read_text(header, str(header), follow=False)
        doc.data = parse_yaml(text, doc)
    except ChainValidationError as e:
        problems += e.problems
    doc.files["header"] = str(header)
    for name in BUNDLE_TABLES:
        f = p / f"{name}.csv"
        if os.path.lexists(f):
            try:
                doc.tables[name] = read_csv_table(f, str(f), doc, name)
            except ChainValidationError as e:
                problems += e.problems
            doc.files[name] = str(f)
        elif name in OPTIONAL_TABLES:
            continue
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
    check_texts(doc, text)
    return doc


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def write_document(header: dict[str, Any], tables: dict[str, Any] | None,
                   path: str | os.PathLike[str], *, format: str | None = None,
                   inputs: Iterable[str | os.PathLike[str]] = (), force: bool = False) -> Path:
    """Write a chain given as a document mapping (YAML/JSON) or header + tables (bundle).

    ``format`` is ``yaml``, ``json`` or ``bundle``; by default it follows the file
    extension, and a path without one is a bundle folder. Writing follows the policy of
    :mod:`riskmodel.io.write`: a file is replaced atomically, never a folder, a symbolic
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
        # an optional table this chain has not: an earlier one in the folder would be
        # read back with it
        gone = [f"{t}.csv" for t in OPTIONAL_TABLES if t not in (tables or {})]
        write_folder(target, files, inputs=inputs, force=force, remove=gone)
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

    ``-`` stands for standard input (read by :func:`read_document`).

    Raises ``FileNotFoundError`` naming the built-in chains when neither exists.
    """
    if str(name_or_path) == "-":
        return Path("-")
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
