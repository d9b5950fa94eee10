"""Cut-off scenarios: which country withholds what, how much, from when, for how long.

A :class:`Scenario` is a list of :class:`Cut`. A cut names a country (or a declared
group, which also cuts its members), optionally the nodes it applies to (default:
everything that country supplies), the fraction withheld (default 1), the month it
starts (default 0) and its duration in months (default: permanent).

Scenarios are written in Python, parsed from the command line (:func:`parse_cut`), read
from a YAML file (:func:`read_scenarios`), or taken from a chain's standard scenarios
(:meth:`Scenario.from_chain`). :func:`resolve` checks a scenario against a chain and
raises :class:`~riskmodel.ScenarioError` with suggestions when it names an unknown
country or node.

Examples
--------
>>> s = Scenario([Cut("JP", nodes=("drivetrain",), duration=12)], name="jp")
>>> s.cuts[0].active(11), s.cuts[0].active(12)
(True, False)
>>> parse_cut("US:ai_accelerators,euv_lithography@0.9")  # doctest: +NORMALIZE_WHITESPACE
Cut(country='US', nodes=('ai_accelerators', 'euv_lithography'), fraction=0.9,
    start=0, duration=None)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import Problem, ScenarioError

if TYPE_CHECKING:
    from .model import Chain

__all__ = ["Cut", "Scenario", "parse_cut", "read_scenarios", "resolve"]


@dataclass(frozen=True)
class Cut:
    """One country withholding a fraction of its supply of some nodes for a while."""

    country: str
    nodes: tuple[str, ...] | None = None
    fraction: float = 1.0
    start: int = 0
    duration: int | None = None

    def active(self, month: int) -> bool:
        """Is the cut in force in ``month`` (0-based)?"""
        if month < self.start:
            return False
        return self.duration is None or month < self.start + self.duration

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"country": self.country}
        if self.nodes is not None:
            out["nodes"] = list(self.nodes)
        if self.fraction != 1.0:
            out["fraction"] = self.fraction
        if self.start:
            out["start"] = self.start
        if self.duration is not None:
            out["duration"] = self.duration
        return out


@dataclass(frozen=True)
class Scenario:
    """A named list of cuts simulated over ``months`` months."""

    cuts: tuple[Cut, ...] | list[Cut]
    name: str = "scenario"
    title: str = ""
    months: int = 24
    description: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", tuple(self.cuts))

    @property
    def start(self) -> int:
        """The first month any cut is in force."""
        return min((c.start for c in self.cuts), default=0)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scenario:
        """A scenario from its file form ``{id, title, months, cuts: [...]}``."""
        cuts = [Cut(c["country"], tuple(c["nodes"]) if c.get("nodes") is not None else None,
                    float(c.get("fraction", 1.0)), int(c.get("start", 0)),
                    None if c.get("duration") is None else int(c["duration"]))
                for c in d.get("cuts", [])]
        return cls(cuts, name=str(d.get("id", "scenario")), title=str(d.get("title") or ""),
                   months=int(d.get("months", 24)),
                   description=str(d.get("description") or ""),
                   meta={k: d[k] for k in ("source", "ref") if d.get(k)})

    @classmethod
    def from_chain(cls, chain: Chain, name: str) -> Scenario:
        """The chain's standard scenario ``name``."""
        for d in chain.scenarios:
            if d.get("id") == name:
                return cls.from_dict(d)
        from .validation import suggest

        names = [str(d.get("id")) for d in chain.scenarios]
        s = suggest(name, names)
        raise ScenarioError([Problem(
            "error", f"chain '{chain.name}' has no scenario '{name}'", where="scenario",
            expected="one of " + (", ".join(names) or "(the chain has none)"), found=name,
            fix=f"did you mean `{s}`?" if s else "use `--cut` to describe a cut")])

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.name}
        if self.title:
            out["title"] = self.title
        out["months"] = self.months
        out["cuts"] = [c.as_dict() for c in self.cuts]
        return out

    def label(self) -> str:
        return self.title or self.name


_CUT = re.compile(r"^\s*(?P<country>[A-Za-z][A-Za-z0-9_]*)\s*(?::(?P<nodes>[^@]*))?"
                  r"(?:@(?P<fraction>[^@]+))?\s*$")


def parse_cut(text: str, *, start: int = 0, duration: int | None = None) -> Cut:
    """A cut from its command-line form ``CC[:node,node][@fraction]``.

    ``start`` and ``duration`` apply to the cut; a ScenarioError explains a bad form.

    >>> parse_cut("JP@0.5", duration=12)
    Cut(country='JP', nodes=None, fraction=0.5, start=0, duration=12)
    """
    m = _CUT.match(text)
    problems = []
    fraction = 1.0
    if not m:
        problems.append(Problem("error", "cannot read the cut", where=f"--cut {text!r}",
                                expected="CC[:node,node][@fraction], e.g. US:euv_lithography@0.9",
                                found=repr(text), fix="write the country code first"))
    else:
        if m.group("fraction") is not None:
            try:
                fraction = float(m.group("fraction"))
            except ValueError:
                problems.append(Problem("error", "the fraction is not a number",
                                        where=f"--cut {text!r}", expected="a number in [0, 1]",
                                        found=repr(m.group("fraction")),
                                        fix="write e.g. @0.9"))
    if problems:
        raise ScenarioError(problems)
    assert m is not None
    nodes = None
    if m.group("nodes") is not None:
        nodes = tuple(x.strip() for x in m.group("nodes").split(",") if x.strip())
    return Cut(m.group("country"), nodes, fraction, start, duration)


def read_scenarios(path: str | os.PathLike[str]) -> list[Scenario]:
    """Scenarios from a YAML or JSON file: a list, or ``{scenarios: [...]}``.

    The file is read safely and checked in the style of chain files (each problem
    with its line); node and country names are checked later against a chain by
    :func:`resolve`.
    """
    from .io import read_document
    from .validation import _Collector, check_scenarios

    doc = read_document(path)
    data = doc.data
    base: tuple[Any, ...] = ()
    if isinstance(data, dict) and "scenarios" in data:
        data, base = data["scenarios"], ("scenarios",)
    c = _Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    out = check_scenarios(c, data, None, None, base_path=base)
    errors = [p for p in c.finish() if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return [Scenario.from_dict(d) for d in out]


def resolve(chain: Chain, scenario: Scenario) -> Scenario:
    """Check ``scenario`` against ``chain``; raise ScenarioError listing every problem.

    Countries must supply the chain (or be declared groups, or the home country);
    nodes must exist; fractions must lie in [0, 1]; months must be whole and ≥ 0.
    """
    from .validation import _Collector, check_scenarios

    c = _Collector(None, chain.path)
    compiled = chain.compiled
    countries = set(compiled.countries) | set(chain.groups)
    as_file = {**scenario.as_dict(), "id": "scenario"}  # names from Python need not be slugs
    check_scenarios(c, [as_file], list(compiled.ids), sorted(countries), base_path=())
    errors = [
        Problem(p.severity, p.message, where=(p.where or "").replace(
            "scenario 'scenario'", f"scenario '{scenario.name}'"), field=p.field,
            expected=p.expected, found=p.found, fix=p.fix, code=p.code)
        for p in c.finish() if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return scenario


def expand_country(chain_groups: Mapping[str, Any], country: str,
                   countries: Iterable[str]) -> list[str]:
    """The supplier keys a cut of ``country`` withholds: itself, plus a group's members."""
    members = list((chain_groups.get(country) or {}).get("members") or [])
    present = set(countries)
    return [c for c in [country, *members] if c in present]


def scenario_from_cuts(cuts: Sequence[Cut], *, months: int = 24, name: str = "cli") -> Scenario:
    """A scenario made of the given cuts (the command line's ``--cut``)."""
    title = " + ".join(
        f"{c.country}" + (f":{','.join(c.nodes)}" if c.nodes else "")
        + (f"@{c.fraction:g}" if c.fraction != 1 else "") for c in cuts)
    return Scenario(list(cuts), name=name, title=f"cut {title}", months=months)
