"""The exceptions riskmodel raises.

A small hierarchy, re-exported from the package:

- :class:`RiskmodelError` is the base of everything riskmodel raises on purpose.
- :class:`ChainValidationError` (also a ``ValueError``) lists every problem found in a
  chain file or chain, each with its place and fix.
- :class:`ScenarioError` (also a ``ValueError``) lists the problems in a scenario.
- :class:`ConvergenceError` is raised when the fixed-point iteration on a cyclic chain
  does not converge within its iteration cap.
- :class:`ArgumentError` (also a ``ValueError``): an argument of a computation is out of
  range, names nothing the chain supplies, or would start more work than a documented
  limit allows; the message gives the numbers and the fix. :class:`NodeNotFoundError`
  (also a ``KeyError``) when a node id names no node of the chain.
- :class:`OutputError` (also an ``OSError``): an output cannot be written where asked
  (see :mod:`riskmodel.io.write`); :class:`OutputExistsError` (also a
  ``FileExistsError``) when the target exists and is not riskmodel's to replace, and
  :class:`OutputFormatError` (also a ``ValueError``) when the name does not say the
  format.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = [
    "ArgumentError",
    "ChainValidationError",
    "ConvergenceError",
    "NodeNotFoundError",
    "OutputError",
    "OutputExistsError",
    "OutputFormatError",
    "Problem",
    "RiskmodelError",
    "ScenarioError",
]


class RiskmodelError(Exception):
    """Base class of the exceptions riskmodel raises on purpose."""


def _cap(text: str, most: int = 300) -> str:
    """``text`` cut to ``most`` characters (a 50,000-character id is not shown whole)."""
    return text if len(text) <= most else text[:most - 1] + "…"


_LINE_BREAKS = {0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


@dataclass(frozen=True)
class Problem:
    """One finding of validation: where it is, what was expected and found, the fix.

    Examples
    --------
    >>> p = Problem("error", "field out of range", file="x.yaml", line=3, column=5,
    ...             where="node 'gears'", field="substitutability",
    ...             expected="a number in [0, 1]", found="1.3", fix="use a fraction")
    >>> print(p)  # doctest: +NORMALIZE_WHITESPACE
    x.yaml:3:5: error: node 'gears', field 'substitutability': field out of range;
    expected a number in [0, 1], found 1.3. Fix: use a fraction.
    """

    severity: str  # "error", "warning" or "info"
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    where: str | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None
    fix: str | None = None
    code: str = dataclasses.field(default="", compare=False)

    def place(self) -> str:
        """``file:line:column``, as much of it as is known."""
        # a file name with a line break stays on its line (control characters are
        # escaped on their way to the terminal)
        parts = [(self.file or "<chain>").translate(_LINE_BREAKS)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        known = self.file is not None or self.line is not None
        text = (f"{self.place()}: " if known else "") + f"{self.severity}: "
        subject = []
        if self.where:
            subject.append(_cap(self.where))
        if self.field:
            subject.append(f"field '{_cap(self.field)}'")
        if subject:
            text += ", ".join(subject) + ": "
        text += _cap(self.message)
        if self.expected is not None or self.found is not None:
            bits = []
            if self.expected is not None:
                bits.append(f"expected {self.expected}")
            if self.found is not None:
                bits.append(f"found {self.found}")
            text += "; " + ", ".join(bits)
        text += "."
        if self.fix:
            fix = _cap(self.fix.rstrip("."))
            text += f" Fix: {fix}" + ("" if fix.endswith("?") else ".")
        return text

    def as_dict(self) -> dict[str, object]:
        """The problem as a plain dict (for JSON output)."""
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "where": self.where,
            "field": self.field,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "fix": self.fix,
        }


class _ProblemsError(RiskmodelError, ValueError):
    """An error that carries a list of :class:`Problem`."""

    kind = "problems"

    def __init__(self, problems: list[Problem], *, warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        super().__init__(self._text())

    def _text(self) -> str:
        n = len(self.problems)
        head = f"{n} {self.kind} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class ChainValidationError(_ProblemsError):
    """A chain file or chain is invalid; ``.problems`` lists every problem found.

    Examples
    --------
    >>> err = ChainValidationError([Problem("error", "file is empty", file="a.yaml")])
    >>> print(err)
    1 chain problem found:
      - a.yaml: error: file is empty.
    >>> isinstance(err, ValueError)
    True
    """

    kind = "chain"


class ScenarioError(_ProblemsError):
    """A scenario is invalid; ``.problems`` lists every problem found."""

    kind = "scenario"


class ConvergenceError(RiskmodelError, RuntimeError):
    """The fixed-point iteration on a cyclic chain did not converge."""


class ArgumentError(RiskmodelError, ValueError):
    """An argument is out of range, names nothing in the chain, or asks for more work
    than a documented limit allows (checked before the work starts).

    Examples
    --------
    >>> err = ArgumentError("draws must be at least 1, found 0")
    >>> isinstance(err, ValueError), isinstance(err, RiskmodelError)
    (True, True)
    """


class NodeNotFoundError(ArgumentError, KeyError):
    """A node id names no node of the chain; the message suggests the nearest id.

    Also a ``KeyError``, as a missing key of a mapping would be.

    Examples
    --------
    >>> err = NodeNotFoundError("no node 'gaers' in chain 'tiny'; did you mean 'gears'?")
    >>> print(err)  # no quotes around the message, unlike a plain KeyError
    no node 'gaers' in chain 'tiny'; did you mean 'gears'?
    >>> isinstance(err, KeyError), isinstance(err, ValueError)
    (True, True)
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutputError(RiskmodelError, OSError):
    """An output cannot be written where asked; the message names the target and the fix.

    Also an ``OSError``, so code that catches file-system errors catches it too.
    """


class OutputExistsError(OutputError, FileExistsError):
    """The target exists, and riskmodel will not replace or write into it."""


class OutputFormatError(OutputError, ValueError):
    """The output's name does not say which format to write (e.g. ``out.txt``)."""
