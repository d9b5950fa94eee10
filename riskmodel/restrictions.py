"""Restrictions in force: the cuts already in place, dated and sourced.

A chain's ``baseline:`` lists the export restrictions in force (US rules on advanced
chips and tools, Chinese licensing of graphite ...). Each entry is a
:class:`Restriction`: a permanent :class:`~riskmodel.scenario.Cut` (in force from month
0, with no end) with an id, the date it took effect (``since``), the source that states
it (``source``, ``ref``), a title and a note. Results read the chain with its
restrictions held in their long-run state (docs/model.md §1.5): the **realised** loss is
what the baseline costs against the unrestricted chain, the **marginal** loss what a
scenario adds on top of it.

In a chain file (YAML, JSON, or a bundle's ``chain.yaml``)::

    baseline:
      - id: us_advanced_computing_2022
        title: US advanced computing and semiconductor manufacturing rules
        country: US
        nodes: [euv_lithography]   # optional: default everything the country controls
        fraction: 1                # optional, default 1
        to: [CN]                   # optional, default all
        since: 2022-10-07          # YYYY, YYYY-MM or YYYY-MM-DD
        source: bis_2022           # a declared source
        ref: "line 1178"

:func:`check_baseline` checks such a list as a chain file is read (every problem with
its place and fix); :func:`baseline_entries` turns restrictions given in Python into
that file form.

Examples
--------
>>> r = Restriction.from_dict({"id": "us_chips", "country": "US", "to": ["CN"],
...                            "since": 2022, "source": "bis"})
>>> r.cut
Cut(country='US', nodes=None, fraction=1.0, start=0, duration=None, to=('CN',))
>>> r.since
'2022'
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from riskmodel import schema
from riskmodel._errors import ChainValidationError
from riskmodel.io.collect import SLUG, Collector, did_you_mean, short, type_name, unknown_keys
from riskmodel.io.cuts import CutNames, check_cut_target
from riskmodel.io.suppliers import Suppliers
from riskmodel.scenario import Cut

__all__ = ["Restriction", "baseline_entries", "check_baseline"]

#: keys of a cut that place it in time: a restriction in force has none of them
TIMING_KEYS = ("start", "duration", "months")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_LOOSE_DATE = re.compile(r"\s*(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?\s*\Z")
_DOTTED_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*\Z")  # 7.10.2022
_SINCE_FORM = "YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022-10-07"


@dataclass(frozen=True)
class Restriction:
    """A restriction in force: a permanent cut with an id, the date it took effect and
    its source.

    ``cut`` withholds from month 0 with no end (``start=0``, ``duration=None``);
    ``since`` is ISO text (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a
    :class:`datetime.date` or a year given as a number is turned into it); ``source``
    is the id of a source declared in the chain, ``ref`` the place in it.

    Examples
    --------
    >>> import datetime
    >>> from riskmodel.scenario import Cut
    >>> r = Restriction(Cut("US", nodes=("euv_lithography",), to=("CN",)), "us_rules",
    ...                 since=datetime.date(2022, 10, 7), source="bis_2022")
    >>> r.as_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'id': 'us_rules', 'country': 'US', 'nodes': ['euv_lithography'], 'to': ['CN'],
     'since': '2022-10-07', 'source': 'bis_2022'}
    >>> Restriction.from_dict(r.as_dict()) == r
    True
    """

    cut: Cut
    id: str
    since: str
    source: str | None = None
    ref: str | None = None
    title: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", since_text(self.since))

    def as_dict(self) -> dict[str, Any]:
        """The restriction in its file form (keys in the order the format lists them)."""
        out: dict[str, Any] = {"id": self.id}
        if self.title:
            out["title"] = self.title
        out.update(self.cut.as_dict())
        out["since"] = self.since
        for key in ("source", "ref", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Restriction:
        """A restriction from its file form ``{id, country, since, ...}`` (not checked:
        :func:`check_baseline` checks a file's entries)."""
        return cls(Cut.from_dict(d), id=str(d["id"]), since=d["since"],
                   source=d.get("source"), ref=d.get("ref"), title=d.get("title"),
                   note=d.get("note"))


def since_text(since: Any) -> Any:
    """``since`` as the file holds it: a date as ISO text, a year as four digits;
    anything else unchanged (for the checks to report).

    >>> since_text(datetime.date(2022, 10, 7)), since_text(2022), since_text("2022-10")
    ('2022-10-07', '2022', '2022-10')
    """
    if isinstance(since, datetime.datetime):
        return since.date().isoformat()
    if isinstance(since, datetime.date):
        return since.isoformat()
    if isinstance(since, int) and not isinstance(since, bool) and 1000 <= since <= 9999:
        return str(since)
    return since


def baseline_entries(items: Iterable[Restriction | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The file form of restrictions given in Python (:class:`Restriction` objects or
    mappings in the file form), checked for form: a bad one raises
    :class:`~riskmodel.ChainValidationError` listing every problem. Node and country
    names are checked with the chain (:meth:`riskmodel.Chain.check`).

    Examples
    --------
    >>> baseline_entries([{"id": "jp_gears", "country": "JP", "since": "2019-07"}])
    [{'id': 'jp_gears', 'country': 'JP', 'since': '2019-07'}]
    >>> baseline_entries([{"id": "jp_gears", "country": "JP"}])
    Traceback (most recent call last):
    ...
    riskmodel._errors.ChainValidationError: 1 chain problem found:
      - error: restriction 'jp_gears', field 'since': a restriction in force needs ...
    """
    raw = [r.as_dict() if isinstance(r, Restriction) else dict(r) for r in items]
    return check_baseline(None, raw, None, None)


def check_baseline(c: Collector | None, entries: Any, node_ids: Iterable[str] | None,
                   countries: Iterable[str] | None, *,
                   base_path: tuple[Any, ...] = ("baseline",), path: str | None = None,
                   supply: Suppliers | None = None, groups: Mapping[str, Any] | None = None,
                   perspective: Any = None, sources: Mapping[str, Any] | None = None,
                   require_sources: bool = False,
                   today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Check a chain's ``baseline:`` list; return its entries in their file form.

    Each entry's ``country``, ``nodes``, ``fraction`` and ``to`` are checked as a
    scenario cut's are (against ``node_ids`` and ``countries``; ``None`` leaves them
    unchecked), with the warning for a cut that reaches nothing when ``supply`` is
    given. ``since`` must be a date not after ``today`` (later: a warning); ``start``,
    ``duration`` and ``months`` are errors (a restriction in force holds from
    ``since`` on). ``source`` must name a source in ``sources`` (``None``: not
    checked); a missing one is a warning, an error under ``require_sources``, which
    also asks for ``ref``. Problems go to ``c``; with ``c`` of ``None`` the errors are
    raised as one :class:`~riskmodel.ChainValidationError` (``path`` names the file).

    Examples
    --------
    >>> c = Collector(None, "chain.yaml")
    >>> out = check_baseline(c, [{"id": "x", "country": "JP", "since": "2019-7-4",
    ...                           "start": 3}], ["gears"], ["JP"], sources={})
    >>> for p in c.finish():
    ...     print(p.severity, p.field, "|", p.message)
    ...     print("   fix:", p.fix)
    error start | a restriction in force has no start: it holds since `since`
       fix: remove `start`; use a scenario for a future cut
    error since | `since` is not a date
       fix: write `since: 2019-07-04`
    warning source | a restriction in force has no source
       fix: cite the text that imposes it: declare it under `sources:`, then add ...
    """
    own = c is None
    if c is None:
        c = Collector(None, path)
    names = CutNames.of(node_ids, countries, supply, groups, perspective)
    if not isinstance(entries, list):
        c.add("error", "type", "`baseline` must be a list", path=base_path, field="baseline",
              where="chain header", expected="a list of `{id, country, since, source}`",
              found=type_name(entries), fix="write each restriction in force as a list item")
        entries = []
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    context = _Context(names, sources, require_sources, today or datetime.date.today())
    for i, item in enumerate(entries):
        entry = _check_restriction(c, item, (*base_path, i), f"restriction #{i + 1}", seen,
                                   context)
        if entry is not None:
            out.append(entry)
    if own and any(p.severity == "error" for p in c.problems):
        raise ChainValidationError([p for p in c.finish() if p.severity == "error"])
    return out


@dataclass(frozen=True)
class _Context:
    """What the entries of one baseline are checked against."""

    names: CutNames
    sources: Mapping[str, Any] | None
    require_sources: bool
    today: datetime.date


def _check_restriction(c: Collector, item: Any, p: tuple[Any, ...], number: str,
                       seen: set[str], ctx: _Context) -> dict[str, Any] | None:
    """One entry (``number`` names it when it has no id); its file form, or ``None``
    when it is not a mapping. ``seen`` collects the ids met so far."""
    if not isinstance(item, dict):
        c.add("error", "type", "a restriction in force must be a mapping", path=p,
              where=number, expected="{id: ..., country: ..., since: ..., source: ...}",
              found=type_name(item), fix="write `- {id: ..., country: XX, since: YYYY-MM-DD, "
                                         "source: ...}`")
        return None
    rid = item.get("id")
    where = f"restriction '{rid}'" if isinstance(rid, str) and rid.isprintable() else number
    if not isinstance(rid, str) or not SLUG.match(rid):
        c.add("error", "pattern", "restriction id is missing or not a slug", path=(*p, "id"),
              where=where, field="id", expected="a slug like `us_chip_rules_2022`",
              found=short(rid), fix="add `id:` with lowercase letters, digits and _")
    elif rid in seen:
        c.add("error", "duplicate", f"restriction id '{rid}' is used twice", path=(*p, "id"),
              where=where, field="id", expected="ids that differ",
              found=short(rid), fix="rename one of them")
    seen.add(str(rid))
    for key in TIMING_KEYS:
        if key in item:
            c.add("error", "baseline-timing", f"a restriction in force has no {key}: it "
                  "holds since `since`", path=(*p, key), where=where, field=key,
                  expected="no `start`, `duration` or `months`", found=short(item[key]),
                  fix=f"remove `{key}`; use a scenario for a future cut")
    unknown_keys(c, {k: v for k, v in item.items() if k not in TIMING_KEYS},
                 schema.names("restriction"), where, p)
    texts = {key: _check_text(c, item.get(key), p, where, key)
             for key in ("title", "ref", "note")}
    target = check_cut_target(c, item, p, where, ctx.names)
    since = _check_since(c, item.get("since"), p, where, ctx.today)
    source = _check_source(c, item, p, where, ctx)
    cut = Cut(target["country"], tuple(target["nodes"]) if target["nodes"] else None,
              target["fraction"], to=_as_to(target["to"]))
    return Restriction(cut, id=str(rid), since=since, source=source, **texts).as_dict()


def _as_to(to: str | list[str]) -> str | tuple[str, ...]:
    return to if isinstance(to, str) else tuple(to)


def _check_text(c: Collector, v: Any, p: tuple[Any, ...], where: str, key: str) -> str | None:
    """An optional text of an entry (``title``, ``ref``, ``note``)."""
    if v is None or isinstance(v, str):
        return v or None
    c.add("error", "type", f"`{key}` must be text", path=(*p, key), where=where, field=key,
          expected="text", found=type_name(v),
          fix=f'quote it: `{key}: "{v}"`' if isinstance(v, (int, float)) else
          f"write `{key}` as text")
    return None


def _check_since(c: Collector, v: Any, p: tuple[Any, ...], where: str,
                 today: datetime.date) -> str:
    """``since``: a date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as ISO text; one in
    the future is a warning (it is compared by the first day it names)."""
    text = since_text(v)
    first = _first_day(text) if isinstance(text, str) else None
    if v is None:
        c.add("error", "required", "a restriction in force needs the date it took effect",
              path=p, where=where, field="since", expected=_SINCE_FORM, found="nothing",
              fix="add `since:` with the date the rule took effect")
        return ""
    if first is None:
        iso = _loose_iso(v) if isinstance(v, str) else None
        c.add("error", "date", "`since` is not a date", path=(*p, "since"), where=where,
              field="since", expected=_SINCE_FORM, found=short(v),
              fix=f"write `since: {iso}`" if iso else
              "write the date the rule took effect as YYYY-MM-DD (or YYYY-MM, or YYYY)")
        return str(v)
    if first > today:
        c.add("warning", "future", f"the restriction is dated in the future ({text}; today "
              f"is {today.isoformat()}), but a restriction in force holds already",
              path=(*p, "since"), where=where, field="since",
              expected=f"a date on or before {today.isoformat()}", found=short(text),
              fix="correct the date, or write the announced rule as a scenario")
    return str(text)


def _first_day(text: str) -> datetime.date | None:
    """The first day ISO text ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` names (``None``:
    not such a date)."""
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def _loose_iso(text: str) -> str | None:
    """The ISO form of a date written ``2022/10/7``, ``2022.10``, ``2022-1-5`` or
    ``7.10.2022`` (day, month, year: the dotted order); ``None`` when it is none.

    >>> _loose_iso("7.10.2022"), _loose_iso("2022/1"), _loose_iso("10/7/2022")
    ('2022-10-07', '2022-01', None)
    """
    if m := _DOTTED_DATE.match(text):
        parts = [int(m.group(3)), int(m.group(2)), int(m.group(1))]
    elif m := _LOOSE_DATE.match(text):
        parts = [int(m.group(1)), int(m.group(2))] + ([int(m.group(3))] if m.group(3) else [])
    else:
        return None
    iso = "-".join([f"{parts[0]:04d}", *(f"{x:02d}" for x in parts[1:])])
    return iso if _first_day(iso) else None


def _check_source(c: Collector, item: dict[str, Any], p: tuple[Any, ...], where: str,
                  ctx: _Context) -> str | None:
    """``source``: a declared source's id. Missing: a warning (an error under
    ``require_sources``, which also asks for ``ref``)."""
    src = item.get("source")
    declared = sorted(ctx.sources) if ctx.sources is not None else []
    if src is None:
        c.add("error" if ctx.require_sources else "warning", "unsourced",
              "a restriction in force has no source", path=p, where=where, field="source",
              expected="`source:` the id of a declared source, and `ref:` the place in it",
              found="nothing",
              fix="cite the text that imposes it: declare it under `sources:`, then add "
                  "`source:` and `ref:`" if not declared else
              f"add `source:` (one of {', '.join(declared[:10])}) and `ref:`")
        return None
    if not isinstance(src, str):
        c.add("error", "type", "`source` must be the id of a declared source",
              path=(*p, "source"), where=where, field="source", expected="a source id",
              found=type_name(src), fix="write `source: <id>` of a source under `sources:`")
        return None
    if ctx.sources is not None and src not in ctx.sources:
        c.add("error", "source", f"source '{src}' is not declared", path=(*p, "source"),
              where=where, field="source",
              expected="an id declared under `sources:`"
              + (f" ({', '.join(declared)})" if declared else ""),
              found=short(src),
              fix=did_you_mean(src, declared, f"declare it: `sources: {{{src}: {{title: ...}}}}`"))
    if ctx.require_sources and not item.get("ref"):
        c.add("error", "unsourced", "a restriction in force has no `ref`", path=p,
              where=where, field="ref", expected="the place in the source, e.g. `line 1178`",
              found="nothing", fix="add `ref:` naming where the source states the rule")
    return src
