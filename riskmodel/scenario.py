"""Cut-off scenarios: which country withholds what, how much, from when, for how long.

A :class:`Scenario` is a list of :class:`Cut`. A cut names a country (or a declared
group, which also cuts its members), optionally the nodes it applies to (default:
everything that country supplies or controls), the fraction withheld (default 1), the
month it starts (default 0), its duration in months (default: permanent) and whom it
withholds from (``to``; default: every country but itself).

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
>>> parse_cut("US:eda_software,ip_cores@0.9>CN")  # doctest: +NORMALIZE_WHITESPACE
Cut(country='US', nodes=('eda_software', 'ip_cores'), fraction=0.9,
    start=0, duration=None, to=('CN',))
"""

from __future__ import annotations

import os
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskmodel import schema
from riskmodel._errors import Problem, ScenarioError
from riskmodel.io.collect import SLUG, Collector, short, type_name, unknown_keys
from riskmodel.io.cuts import CutNames, check_cut_target
from riskmodel.io.destinations import parse_destinations
from riskmodel.io.plausibility import check_level, check_plausibility, plausibility_of
from riskmodel.io.suppliers import Suppliers, controller_codes
from riskmodel.limits import MAX_MONTHS

if TYPE_CHECKING:
    from riskmodel.model import Chain

__all__ = ["Cut", "Scenario", "check_scenarios", "parse_cut", "read_scenarios",
           "resolve", "scenario_warnings"]


@dataclass(frozen=True)
class Cut:
    """One country withholding a fraction of its supply of some nodes for a while, from
    some destinations (docs/model.md §1.3).

    ``to`` says whom the cut withholds from: ``"all"`` (every destination but the
    cutting country itself, as an export-licensing regime does), ``"world"`` (every
    destination, the country's own producers included: a lost plant), ``"home"`` (the
    focal market only) or a tuple of destination countries or declared groups (a
    targeted restriction).
    """

    country: str
    nodes: tuple[str, ...] | None = None
    fraction: float = 1.0
    start: int = 0
    duration: int | None = None
    to: str | tuple[str, ...] = "all"

    def __post_init__(self) -> None:
        if not isinstance(self.to, str):
            object.__setattr__(self, "to", tuple(self.to))

    def active(self, month: int) -> bool:
        """Is the cut in force in ``month`` (0-based)?"""
        if month < self.start:
            return False
        return self.duration is None or month < self.start + self.duration

    @classmethod
    def from_dict(cls, c: Mapping[str, Any]) -> Cut:
        """A cut from its file form ``{country, nodes, fraction, start, duration, to}``.

        >>> Cut.from_dict({"country": "US", "to": "CN"}).to
        ('CN',)
        """
        return cls(c["country"], tuple(c["nodes"]) if c.get("nodes") is not None else None,
                   float(c.get("fraction", 1.0)), int(c.get("start", 0)),
                   None if c.get("duration") is None else int(c["duration"]),
                   _destinations(c.get("to", "all")))

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
        if self.to != "all":
            out["to"] = self.to if isinstance(self.to, str) else list(self.to)
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
    #: ``in_force``, ``announced``, ``hypothetical``, ``stress_test`` or ``None``
    #: (unlabelled); :attr:`level` is what it reads as
    plausibility: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", tuple(self.cuts))

    @property
    def level(self) -> str | None:
        """The plausibility the scenario reads as: its own, else ``stress_test`` for a
        single-country knockout (one country cutting everything, or one node), else
        ``None`` (:func:`~riskmodel.io.plausibility.plausibility_of`).

        >>> Scenario([Cut("NL", nodes=("euv_lithography",))]).level
        'stress_test'
        >>> Scenario([Cut("NL"), Cut("US")], plausibility="announced").level
        'announced'
        """
        return plausibility_of(self.plausibility, self.cuts)

    @property
    def start(self) -> int:
        """The first month any cut is in force."""
        return min((c.start for c in self.cuts), default=0)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Scenario:
        """A scenario from its file form ``{id, title, months, cuts: [...]}``."""
        cuts = [Cut.from_dict(c) for c in d.get("cuts", [])]
        return cls(cuts, name=str(d.get("id", "scenario")), title=str(d.get("title") or ""),
                   months=int(d.get("months", 24)),
                   description=str(d.get("description") or ""),
                   meta={k: d[k] for k in ("source", "ref") if d.get(k)},
                   plausibility=d.get("plausibility") or None)

    @classmethod
    def from_chain(cls, chain: Chain, name: str) -> Scenario:
        """The chain's standard scenario ``name``."""
        for d in chain.scenarios:
            if d.get("id") == name:
                return cls.from_dict(d)
        from riskmodel.io.collect import suggest

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
        if self.plausibility:
            out["plausibility"] = self.plausibility
        out["months"] = self.months
        out["cuts"] = [c.as_dict() for c in self.cuts]
        return out

    def label(self) -> str:
        return self.title or self.name


def _destinations(to: Any) -> str | tuple[str, ...]:
    """A cut's ``to`` in its file form (``all``, ``home``, a code or a list) as
    :attr:`Cut.to` holds it."""
    if to is None:
        return "all"
    if isinstance(to, str):
        return to if to in ("all", "world", "home") else (to,)
    return tuple(str(x) for x in to)


_CUT = re.compile(r"^\s*(?P<country>[A-Za-z][A-Za-z0-9_]*)\s*(?::(?P<nodes>[^@>]*))?"
                  r"(?:@(?P<fraction>[^@>]+))?(?:>(?P<to>[^>@:]*))?\s*$")
_CUT_FORM = "CC[:node,node][@fraction][>dest,dest]"


def parse_cut(text: str, *, start: int = 0, duration: int | None = None) -> Cut:
    """A cut from its command-line form ``CC[:node,node][@fraction][>dest,dest]``.

    The destinations after ``>`` are ``all`` (the default: every country but the
    cutting one), ``world`` (everyone, the cutting country included: a lost plant),
    ``home`` (the focal market) or country codes and groups; they are
    checked against the chain by :func:`resolve`. ``start`` and ``duration`` apply to
    the cut; a ScenarioError explains a bad form.

    >>> parse_cut("JP@0.5", duration=12)
    Cut(country='JP', nodes=None, fraction=0.5, start=0, duration=12, to='all')
    >>> parse_cut("CN:graphite>DE,PL").to, parse_cut("CN>home").to
    (('DE', 'PL'), 'home')
    >>> parse_cut("JP:")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskmodel._errors.ScenarioError: 1 scenario problem found:
      - error: --cut 'JP:': the cut names no node after ':', so it would cut nothing; ...
    """
    m = _CUT.match(text)
    problems = []
    fraction = 1.0
    to: str | tuple[str, ...] | None = "all"
    if not m:
        problems.append(Problem("error", "cannot read the cut", where=f"--cut {text!r}",
                                expected=f"{_CUT_FORM}, e.g. US:eda_software@0.9>CN",
                                found=repr(text),
                                fix="write the country code first, then `:nodes`, "
                                    "`@fraction` and `>destinations`, in that order"))
    else:
        if m.group("fraction") is not None:
            try:
                fraction = float(m.group("fraction"))
            except ValueError:
                problems.append(Problem("error", "the fraction is not a number",
                                        where=f"--cut {text!r}", expected="a number in [0, 1]",
                                        found=repr(m.group("fraction")),
                                        fix="write e.g. @0.9"))
        to = parse_destinations(m.group("to")) if m.group("to") is not None else "all"
        if to is None:
            problems.append(Problem(
                "error", "the cut names no destination after '>'", where=f"--cut {text!r}",
                expected="`>all`, `>home` or country codes, e.g. >DE,PL", found=repr(text),
                fix="list the destinations, or leave out the '>' to withhold from every "
                    "other country"))
    if problems:
        raise ScenarioError(problems)
    assert m is not None and to is not None
    nodes = None
    if m.group("nodes") is not None:
        nodes = tuple(x.strip() for x in m.group("nodes").split(",") if x.strip())
        if not nodes:
            raise ScenarioError([Problem(
                "error", "the cut names no node after ':', so it would cut nothing",
                where=f"--cut {text!r}", expected="CC:node[,node...]", found=repr(text),
                fix=f"list the nodes, or leave out the ':' to cut everything "
                    f"{m.group('country')} supplies")])
    return Cut(m.group("country"), nodes, fraction, start, duration, to)


def read_scenarios(path: str | os.PathLike[str]) -> list[Scenario]:
    """Scenarios from a YAML or JSON file: a list, or ``{scenarios: [...]}``.

    The file is read safely and checked in the style of chain files (each problem
    with its line); node and country names are checked later against a chain by
    :func:`resolve`.
    """
    from riskmodel.io.document import read_document

    doc = read_document(path)
    data = doc.data
    base: tuple[Any, ...] = ()
    if isinstance(data, dict) and "scenarios" in data:
        data, base = data["scenarios"], ("scenarios",)
    c = Collector(doc, doc.path)
    c.problems.extend(doc.problems)
    out = check_scenarios(c, data, None, None, base_path=base)
    errors = [p for p in c.finish() if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return [Scenario.from_dict(d) for d in out]


def resolve(chain: Chain, scenario: Scenario) -> Scenario:
    """Check ``scenario`` against ``chain``; raise ScenarioError listing every problem.

    Countries must supply the chain (or control a supplier share, be declared groups,
    or the home country); destinations (``to``) must be ``all``, ``home`` (in a home
    view) or country codes and declared groups; nodes must exist; fractions must lie
    in [0, 1]; months must be whole and ≥ 0.
    Warnings (a cut that changes nothing) are left to :func:`scenario_warnings`.
    """
    errors = [p for p in _check_against(chain, scenario) if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
    return scenario


def scenario_warnings(chain: Chain, scenario: Scenario) -> list[Problem]:
    """The warnings of a valid ``scenario`` on ``chain``: each cut of a country that
    supplies nothing of a node it names (naming the node's suppliers), or nothing of
    the chain at all, so that the cut changes nothing there.

    A declared group supplies what its members supply. :func:`riskmodel.simulate`
    returns these as :attr:`Result.problems <riskmodel.simulation.Result>`, and
    ``riskmodel simulate`` prints them to stderr.

    Examples
    --------
    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> for p in scenario_warnings(bike, Scenario([Cut("JP", nodes=("frames",))])):
    ...     print(p.message)
    JP supplies nothing of 'frames' (its suppliers: DE 40%, TW 40%, CN 20%); the cut changes nothing
    >>> scenario_warnings(bike, Scenario([Cut("JP", nodes=("drivetrain",))]))
    []
    """
    return [p for p in _check_against(chain, scenario) if p.severity == "warning"]


def _check_against(chain: Chain, scenario: Scenario) -> list[Problem]:
    """Every problem of ``scenario`` checked against ``chain``, placed by its name."""
    c = Collector(None, chain.path)
    compiled = chain.compiled
    as_file = {**scenario.as_dict(), "id": "scenario"}  # names from Python need not be slugs
    level = as_file.pop("plausibility", None)  # its source is checked where a file is read
    if level is not None:  # a Scenario made in Python: the value alone
        check_level(c, level, (), "scenario 'scenario'")
    # read from the tables, not chain.graph: building the graph of a chain of 10^7
    # edges holds several GB (a compiled chain has no stray controlled_by entries, so
    # the tables hold every one the graph would)
    data = chain.to_data()
    controllers = _controllers(data.suppliers)
    world = list(_controllers(data.world_suppliers).values()) if chain.home is not None \
        else []
    countries = (set(compiled.countries) | set(chain.groups)
                 | controller_codes(controllers.values()) | controller_codes(world))
    check_scenarios(c, [as_file], list(compiled.ids), sorted(countries), base_path=(),
                    supply=Suppliers.from_compiled(compiled, chain.groups,
                                                   controllers=controllers),
                    groups=chain.groups, perspective=chain.perspective)
    name = f"scenario '{scenario.name}'" if scenario.name != "scenario" else "the given cuts"
    return [Problem(p.severity, p.message,
                    where=(p.where or "").replace("scenario 'scenario'", name),
                    field=p.field, expected=p.expected, found=p.found, fix=p.fix,
                    code=p.code)
            for p in c.finish()]


def _controllers(table: Any) -> dict[tuple[str, str], tuple[str, ...]]:
    """The ``controlled_by`` codes of a supplier table, by ``(node, country)``, where a
    share names any."""
    if "controlled_by" not in table or not len(table):
        return {}
    held = table["controlled_by"]
    rows = table[held.notna().to_numpy()]
    return {(n, k): tuple(codes) for n, k, codes in
            zip(rows["node"], rows["country"], rows["controlled_by"], strict=True)
            if isinstance(codes, (tuple, list)) and len(codes)}


def expand_country(chain_groups: Mapping[str, Any], country: str,
                   countries: Container[str]) -> list[str]:
    """The supplier keys a cut of ``country`` withholds: itself, plus a group's members,
    among ``countries`` (pass a set or a mapping: one look-up per key).

    >>> expand_country({"EU": {"members": ["DE", "FR"]}}, "EU", {"DE": 0, "EU": 1})
    ['EU', 'DE']
    """
    members = (chain_groups.get(country) or {}).get("members") or []
    return [c for c in [country, *members] if c in countries]


def scenario_from_cuts(cuts: Sequence[Cut], *, months: int = 24, name: str = "cli") -> Scenario:
    """A scenario made of the given cuts (the command line's ``--cut``)."""
    title = " + ".join(
        f"{c.country}" + (f":{','.join(c.nodes)}" if c.nodes else "")
        + (f"@{c.fraction:g}" if c.fraction != 1 else "")
        + ("" if c.to == "all" else f">{c.to if isinstance(c.to, str) else ','.join(c.to)}")
        for c in cuts)
    return Scenario(list(cuts), name=name, title=f"cut {title}", months=months)


def check_scenarios(c: Collector | None, scenarios: Any, node_ids: Iterable[str] | None,
                    countries: Iterable[str] | None, *,
                    base_path: tuple[Any, ...] = ("scenarios",),
                    path: str | None = None,
                    supply: Suppliers | None = None,
                    groups: Mapping[str, Any] | None = None,
                    perspective: Any = None, sources: Mapping[str, Any] | None = None,
                    require_sources: bool = False) -> list[dict[str, Any]]:
    """Check scenario mappings; return them normalised. Problems go to ``c``.

    ``node_ids`` or ``countries`` of ``None`` leave those names unchecked (a scenario
    file read before the chain it applies to is known). With ``supply``, a cut of a
    country that supplies nothing of a node it names (or of the chain) is a warning
    naming the node's suppliers. A cut's destinations (``to``) are checked with the
    chain's ``groups`` and ``perspective`` when given
    (:func:`~riskmodel.io.destinations.check_destinations`). A scenario's
    ``plausibility`` and ``source`` are checked with the chain's declared ``sources``
    (:func:`~riskmodel.io.plausibility.check_plausibility`; ``require_sources`` makes a
    missing source of an ``in_force`` or ``announced`` scenario an error). With ``c`` of
    ``None`` the errors are raised as one :class:`~riskmodel.ScenarioError` (``path``
    names the file).

    Examples
    --------
    >>> check_scenarios(None, [{"id": "jp", "cuts": [{"country": "JP"}]}], None, None)
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'id': 'jp', 'months': 24,
      'cuts': [{'country': 'JP', 'nodes': None, 'fraction': 1.0, 'start': 0,
                'duration': None, 'to': 'all'}]}]
    """
    own = c is None
    if c is None:
        c = Collector(None, path)
    out: list[dict[str, Any]] = []
    names = CutNames.of(node_ids, countries, supply, groups, perspective)
    if not isinstance(scenarios, list):
        c.add("error", "type", "`scenarios` must be a list", path=base_path, field="scenarios",
              expected="a list of `{id, cuts: [...]}`", found=type_name(scenarios),
              fix="write each scenario as a list item")
        scenarios = []
    seen: set[str] = set()
    for i, sc in enumerate(scenarios):
        entry = _check_scenario(c, sc, (*base_path, i), f"scenario #{i + 1}", seen, names)
        if entry is not None:
            level = check_plausibility(c, sc, (*base_path, i), _where(sc, i),
                                       sources=sources, require_sources=require_sources)
            entry.pop("plausibility", None)
            if level is not None:
                entry["plausibility"] = level
            out.append(entry)
    if own and any(p.severity == "error" for p in c.problems):
        raise ScenarioError([p for p in c.finish() if p.severity == "error"])
    return out


def _where(sc: Mapping[str, Any], i: int) -> str:
    sid = sc.get("id")
    return f"scenario '{sid}'" if isinstance(sid, str) else f"scenario #{i + 1}"


def _check_scenario(c: Collector, sc: Any, p: tuple[Any, ...], number: str, seen: set[str],
                    names: CutNames) -> dict[str, Any] | None:
    """One scenario (``number`` names it when it has no id); return it normalised, or
    ``None`` when it is not a mapping. ``seen`` collects the ids met so far."""
    if not isinstance(sc, dict):
        c.add("error", "type", "a scenario must be a mapping", path=p,
              where=number, expected="{id: ..., cuts: [...]}",
              found=type_name(sc), fix="write `- {id: ..., cuts: [...]}`")
        return None
    sid = sc.get("id")
    where = f"scenario '{sid}'" if isinstance(sid, str) else number
    unknown_keys(c, sc, schema.names("scenario"), where, p)
    if not isinstance(sid, str) or not SLUG.match(sid):
        c.add("error", "pattern", "scenario id is missing or not a slug", path=(*p, "id"),
              where=where, field="id", expected="a slug like `japan_cut`",
              found=short(sid), fix="add `id:` with lowercase letters, digits and _")
    elif sid in seen:
        c.add("error", "duplicate", f"scenario id '{sid}' is used twice", path=(*p, "id"),
              where=where, field="id", fix="rename one of them")
    seen.add(str(sid))
    months = sc.get("months", 24)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        c.add("error", "range", "`months` must be a whole number of months",
              path=(*p, "months"), where=where, field="months",
              expected=f"a whole number in [1, {MAX_MONTHS}]", found=short(months),
              fix="write e.g. `months: 24`")
        months = 24
    cuts = sc.get("cuts")
    if not isinstance(cuts, list) or not cuts:
        c.add("error", "required", "a scenario needs a non-empty list of cuts",
              path=(*p, "cuts"), where=where, field="cuts",
              expected="[{country: JP, nodes: [...]}]", found=short(cuts),
              fix="add `cuts: [{country: XX}]`")
        cuts = []
    cuts_out = [cut for j, raw in enumerate(cuts)
                if (cut := _check_cut(c, raw, (*p, "cuts", j), f"{where}, cut #{j + 1}",
                                      months, names)) is not None]
    entry = {k: sc.get(k) for k in ("id", "title", "description", "source", "ref")
             if sc.get(k) is not None}
    entry.update(months=months, cuts=cuts_out)
    return entry


def _check_cut(c: Collector, cut: Any, cp: tuple[Any, ...], cw: str, months: int,
               names: CutNames) -> dict[str, Any] | None:
    """One cut of a scenario of ``months`` months, at path ``cp``, named ``cw``; return
    it normalised, or ``None`` when it is not a mapping."""
    if not isinstance(cut, dict):
        c.add("error", "type", "a cut must be a mapping", path=cp, where=cw,
              expected="{country: JP}", found=type_name(cut),
              fix="write `{country: XX, nodes: [...]}`")
        return None
    unknown_keys(c, cut, schema.names("cut"), cw, cp)
    target = check_cut_target(c, cut, cp, cw, names)
    start, dur = _check_cut_months(c, cut.get("start", 0), cut.get("duration"), cp, cw, months)
    return {"country": target["country"], "nodes": target["nodes"],
            "fraction": target["fraction"], "start": start, "duration": dur,
            "to": target["to"]}


def _check_cut_months(c: Collector, start: Any, dur: Any, cp: tuple[Any, ...], cw: str,
                      months: int) -> tuple[int, int | None]:
    """A cut's ``start`` (a month within the horizon) and ``duration`` (whole months, or
    ``None`` for permanent); return them, with defaults for the wrong ones."""
    if (isinstance(start, bool) or not isinstance(start, int)
            or not 0 <= start <= MAX_MONTHS):
        c.add("error", "range", "cut start must be a month", path=(*cp, "start"),
              where=cw, field="start", expected=f"a whole number in [0, {MAX_MONTHS}]",
              found=short(start), fix="write the starting month, e.g. 0")
        start = 0
    elif start >= months:
        c.add("error", "range", "the cut starts after the scenario's last month, so "
              "it would cut nothing", path=(*cp, "start"), where=cw, field="start",
              expected=f"a month before the horizon of {months} months",
              found=short(start),
              fix="start the cut earlier, or give the scenario more `months`")
    if dur is not None and (isinstance(dur, bool) or not isinstance(dur, int)
                            or not 0 <= dur <= MAX_MONTHS):
        c.add("error", "range", "cut duration must be whole months",
              path=(*cp, "duration"), where=cw, field="duration",
              expected=f"a whole number in [0, {MAX_MONTHS}], or omitted for permanent",
              found=short(dur), fix="write e.g. `duration: 12`")
        dur = None
    return start, dur
