"""Checking chain files and chains.

:func:`validate` collects every problem in a chain file (or an in-memory chain) and
raises one :class:`~riskmodel.ChainValidationError` that lists them all. Each problem
names the file, the line and column, the node or edge, the field, what was expected,
what was found, and the fix. Warnings (shares that leave an undeclared remainder, a
node that reaches no end use) are reported separately and become errors under
``strict``; information (cycles) never fails.

The modules, lowest first:

- ``header``: the chain header (format, name, stages, groups, sources, perspective);
- ``numbers``: the numbers' ranges, uncertainty bounds, magnitudes and sources;
- ``graph``: the structure (end uses, reachability, cycles) and graph attributes;
- ``tables``: the node, supplier and edge tables, then the structure they make;
- ``targets``: the named targets (``targets:``), against the nodes;
- ``checks``: the entry points, a read file or tables built in Python to problems;
- ``combined``: the combined view, several chains joined by cross-chain links.

Examples
--------
>>> import riskmodel as rm
>>> report = rm.validate("bicycle")
>>> report.ok, len(report.errors)
(True, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskmodel._errors import ChainValidationError, Problem
from riskmodel.io.document import resolve_path
from riskmodel.io.files import STDIN
from riskmodel.io.tables import ChainData

__all__ = ["ValidationReport", "read_checked", "validate"]


@dataclass
class ValidationReport:
    """What :func:`validate` found: errors, warnings and information, each a Problem."""

    path: str | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    info: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def all(self) -> list[Problem]:
        return [*self.errors, *self.warnings, *self.info]


def split(problems: list[Problem], path: str | None) -> ValidationReport:
    rep = ValidationReport(path)
    for p in problems:
        {"error": rep.errors, "warning": rep.warnings}.get(p.severity, rep.info).append(p)
    return rep


#: the last chain file read and checked: (its state and ``require_sources``, the data,
#: the problems), so that ``validate(path)`` after ``load(path)`` does not read it again
_LAST: dict[str, tuple[Any, ChainData, list[Problem]]] = {}


def _state(path: Path) -> tuple[Any, ...] | None:
    """What identifies a chain file or bundle as it is now: for each of its files the
    device, inode, size, and times of change to the nanosecond (any write changes the
    status-change time). None when it cannot be found out."""
    import os

    from riskmodel.io.document import BUNDLE_HEADER, BUNDLE_TABLES

    try:
        files = ([path / BUNDLE_HEADER, *(path / f"{t}.csv" for t in BUNDLE_TABLES)]
                 if path.is_dir() else [path])
        out: list[Any] = [str(path.resolve())]
        for f in files:
            try:
                st = os.stat(f)
            except FileNotFoundError:
                out.append(None)
                continue
            out.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    except OSError:
        return None
    return tuple(out)


def read_checked(name_or_path: str | Path, *, require_sources: bool = False
                 ) -> tuple[ChainData, ValidationReport]:
    """Read a built-in chain by name, or a chain file, and check it.

    The one way a chain is read by name or path (:func:`riskmodel.load` and
    :func:`validate` both come here). A combined view (``combined``, or a file with
    ``chains:``) is built from the chains it names.

    Examples
    --------
    >>> data, report = read_checked("bicycle")
    >>> len(data.nodes), report.ok
    (13, True)
    """
    from riskmodel.io.document import read_document
    from riskmodel.validation.checks import build
    from riskmodel.validation.combined import build_combined, is_combined

    path = resolve_path(name_or_path)
    if path is None:
        data, problems = build_combined(require_sources=require_sources)
    else:
        key = None if str(path) == "-" else (_state(path), require_sources)
        last = _LAST.get("read")
        if key is not None and key[0] is not None and last is not None and last[0] == key:
            data, problems = last[1].copy(), list(last[2])  # read and checked already
        else:
            doc = read_document(path)
            build_doc = build_combined if is_combined(doc) else build  # by path too
            data, problems = build_doc(doc, require_sources=require_sources)
            if (key is not None and key[0] is not None and not is_combined(doc)
                    and _state(path) == key[0]):
                _LAST["read"] = (key, data.copy(), list(problems))
    shown = STDIN if str(path) == "-" else str(path) if path else "combined"
    return data, split(problems, shown)


def validate(chain_or_path: Any, *, strict: bool = False,
             require_sources: bool = False) -> ValidationReport:
    """Check a chain file, a built-in chain name, or a :class:`~riskmodel.Chain`.

    Parameters
    ----------
    chain_or_path : str, path or Chain
        A file path (YAML, JSON, or bundle folder), a built-in chain name, or a chain.
    strict : bool
        Treat warnings as errors.
    require_sources : bool
        Every number must be sourced (``source`` and ``ref``) or marked
        ``estimate: true`` with a rationale (``note``) and a ``low``/``high`` range,
        as the built-in chains must be.

    Returns
    -------
    ValidationReport
        The warnings and information found, when there is no error.

    Raises
    ------
    ChainValidationError
        Listing every error (and under ``strict`` every warning) found.
    FileNotFoundError
        When the path does not exist.

    Examples
    --------
    >>> import riskmodel as rm, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> _ = p.write_text('''
    ... name: demo
    ... nodes:
    ...   - {id: gears, stage: upstream, substitutability: 1.3}
    ...   - {id: robots, stage: end_use}
    ... edges:
    ...   - {from: gear, to: robots}
    ... ''')
    >>> try:
    ...     rm.validate(p)
    ... except rm.ChainValidationError as e:
    ...     for prob in e.problems: print(prob.line, prob.message, "|", prob.fix)
    4 value out of range | give a value in range
    7 edge refers to unknown node 'gear' | did you mean `gears`?
    """
    if hasattr(chain_or_path, "check"):
        rep = split(chain_or_path.check(require_sources=require_sources), chain_or_path.path)
    else:
        _, rep = read_checked(chain_or_path, require_sources=require_sources)
    failing = rep.errors + (rep.warnings if strict else [])
    if failing:
        raise ChainValidationError(failing, warnings=[] if strict else rep.warnings)
    return rep
