"""The chain header's checks: format, name, texts, stages, groups, sources, perspective.

:func:`check_header` checks a chain's header (everything but its nodes and edges) and
returns it normalised, with defaults filled in; each problem goes to the
:class:`~riskmodel.io.collect.Collector`. :func:`slugify` suggests a slug for a name
that is not one.
"""

from __future__ import annotations

import re
from typing import Any

from riskmodel import schema
from riskmodel.io.collect import (
    COUNTRY,
    SLUG,
    Collector,
    did_you_mean,
    short,
    type_name,
    unknown_keys,
)

__all__ = ["check_header", "slugify"]


def check_header(c: Collector, h: dict[str, Any]) -> dict[str, Any]:
    """Check the header ``h``; return it normalised (defaults filled).

    Problems go to ``c``, in the order of the keys below: unknown keys, ``schema``,
    ``name``, the texts, ``stages``, ``groups``, ``sources``, ``perspective`` and
    ``provenance``. Scenarios, the baseline (restrictions in force) and the named targets
    are checked later, once the nodes are known.

    Examples
    --------
    >>> from riskmodel.io.collect import Collector
    >>> c = Collector(None, None)
    >>> out = check_header(c, {"name": "Demo Chain"})
    >>> [p.message for p in c.finish()]
    ['no `schema` line', 'the chain name is not a slug']
    >>> out["stages"]
    ['upstream', 'midstream', 'downstream', 'end_use']
    """
    unknown_keys(c, h, schema.names("chain"), "chain header", ())
    out: dict[str, Any] = {"schema": _check_schema(c, h.get("schema")),
                           "name": _check_name(c, h.get("name"))}
    for key in ("title", "description", "currency"):
        out[key] = _check_text(c, key, h.get(key))
    out["stages"] = _check_stages(c, h.get("stages", list(schema.DEFAULT_STAGES)))
    iso = schema.countries()
    out["groups"] = _check_groups(c, h.get("groups", {}) or {}, iso)
    out["sources"] = _check_sources(c, h.get("sources", {}) or {})
    out["perspective"] = _check_perspective(c, h.get("perspective", "global"), iso,
                                            out["groups"])
    prov = _check_provenance(c, h.get("provenance"))
    if prov is not None:
        out["provenance"] = prov
    out["scenarios"] = h.get("scenarios", []) or []
    out["baseline"] = h.get("baseline", []) or []
    if h.get("targets") is not None:  # checked with the nodes (validation.targets)
        out["targets"] = h["targets"]
    return out


def _check_schema(c: Collector, sch: Any) -> str:
    """The format identifier: missing is a warning, another one an error."""
    if sch is None:
        c.add("warning", "schema", "no `schema` line", path=(), where="chain header",
              field="schema", expected=f"`schema: {schema.SCHEMA_ID}`", found="nothing",
              fix=f"add `schema: {schema.SCHEMA_ID}` at the top")
    elif sch != schema.SCHEMA_ID:
        c.add("error", "schema", "unknown format identifier", path=("schema",),
              where="chain header", field="schema", expected=schema.SCHEMA_ID,
              found=short(sch), fix=f"write `schema: {schema.SCHEMA_ID}`")
    return schema.SCHEMA_ID


def _check_name(c: Collector, name: Any) -> str | None:
    """The chain's name must be given, and be a slug."""
    if name is None:
        c.add("error", "required", "the chain has no name", path=(), where="chain header",
              field="name", expected="a slug like `industrial_robots`", found="nothing",
              fix="add `name: my_chain`")
    elif not isinstance(name, str) or not SLUG.match(name):
        c.add("error", "pattern", "the chain name is not a slug", path=("name",),
              where="chain header", field="name", expected="lowercase letters, digits, _",
              found=short(name), fix=f"write `name: {slugify(str(name))}`")
    return name if isinstance(name, str) else None


def _check_text(c: Collector, key: str, v: Any) -> str:
    """An optional text of the header (``title``, ``description``, ``currency``)."""
    if v is not None and not isinstance(v, str):
        c.add("error", "type", f"`{key}` must be text", path=(key,), where="chain header",
              field=key, expected="text", found=type_name(v), fix=f"write `{key}` as text")
        v = None
    return v or ""


def _check_stages(c: Collector, stages: Any) -> list[str]:
    """The stages, in order: a list of distinct slugs (the default when not)."""
    if (not isinstance(stages, list) or not stages
            or not all(isinstance(s, str) and SLUG.match(s) for s in stages)
            or len(set(stages)) != len(stages)):
        c.add("error", "type", "`stages` must be a list of distinct stage names",
              path=("stages",), where="chain header", field="stages",
              expected="e.g. [upstream, midstream, downstream, end_use]", found=short(stages),
              fix="list each stage once, in order; the last holds the end uses")
        stages = list(schema.DEFAULT_STAGES)
    return stages


def _check_groups(c: Collector, groups: Any, iso: dict[str, str]
                  ) -> dict[str, dict[str, Any]]:
    """The declared country groups; return the valid ones as ``{label, members}``."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(groups, dict):
        c.add("error", "type", "`groups` must be a mapping", path=("groups",),
              where="chain header", field="groups", expected="{EU: {label: European Union}}",
              found=type_name(groups), fix="write groups as `NAME: {label: ..., members: [...]}`")
        return out
    for g, spec in groups.items():
        if _check_group_name(c, g, iso):
            entry = _check_group(c, g, spec if spec is not None else {}, iso)
            if entry is not None:
                out[g] = entry
    return out


def _check_group_name(c: Collector, g: Any, iso: dict[str, str]) -> bool:
    """Whether a group's name is upper case and not a country's code."""
    if not isinstance(g, str) or not COUNTRY.match(g):
        shown = str(g) if str(g).isprintable() else repr(str(g))[1:-1]
        c.add("error", "pattern", "a group name must be upper case", path=("groups", g),
              where=f"group '{shown}'", expected="upper-case letters, e.g. EU, ROW",
              found=short(g), fix=f"rename it `{str(g).upper()}`"
              if COUNTRY.match(str(g).upper()) else
              "use upper-case letters, digits and _ only (2 to 16 of them)")
        return False
    if g in iso:
        c.add("error", "group-country", f"the group has the name of a country "
              f"({iso[g]}), which it would silently redefine", path=("groups", g),
              where=f"group '{g}'", expected="a name that is not an ISO 3166-1 code",
              found=short(g), fix=f"choose a name that is not a country code, "
                                    f"e.g. `{g}_GROUP`")
        return False
    return True


def _check_group(c: Collector, g: str, spec: Any, iso: dict[str, str]
                 ) -> dict[str, Any] | None:
    """One group's declaration; return it as ``{label, members}`` (``None``: unusable)."""
    if not isinstance(spec, dict):
        c.add("error", "type", "a group must be a mapping", path=("groups", g),
              where=f"group '{g}'", expected="{label: ..., members: [...]}",
              found=type_name(spec), fix="write `{label: ..., members: [...]}`")
        return None
    unknown_keys(c, spec, schema.names("group"), f"group '{g}'", ("groups", g))
    members = spec.get("members", []) or []
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        c.add("error", "type", "`members` must be a list of country codes",
              path=("groups", g, "members"), where=f"group '{g}'", field="members",
              expected="[DE, FR, NL]", found=short(members), fix="list ISO codes")
        members = []
    for m in members:
        if m not in iso:
            c.add("error", "country", f"unknown country code '{m}' in group",
                  path=("groups", g, "members"), where=f"group '{g}'", field="members",
                  expected="ISO 3166-1 alpha-2 codes", found=short(m),
                  fix=did_you_mean(m.upper(), iso, "use an ISO 3166-1 alpha-2 code"))
    label = spec.get("label")
    return {"label": label if isinstance(label, str) else g, "members": list(members)}


def _check_sources(c: Collector, sources: Any) -> dict[str, dict[str, Any]]:
    """The declared sources; return each mapping one, keeping its known keys."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(sources, dict):
        c.add("error", "type", "`sources` must be a mapping", path=("sources",),
              where="chain header", field="sources", expected="{id: {title: ..., year: ...}}",
              found=type_name(sources), fix="declare each source as `id: {title: ...}`")
        return out
    for sid, spec in sources.items():
        where = f"source '{sid}'"
        if not isinstance(spec, dict):
            c.add("error", "type", "a source must be a mapping", path=("sources", sid),
                  where=where, expected="{title: ..., year: ...}", found=type_name(spec),
                  fix="write `{title: ..., year: ...}`")
            continue
        unknown_keys(c, spec, schema.names("source"), where, ("sources", sid))
        if not isinstance(spec.get("title"), str):
            c.add("error", "required", "a source needs a title", path=("sources", sid),
                  where=where, field="title", expected="text", found=short(spec.get("title")),
                  fix="add `title: ...`")
        year = spec.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not 1900 <= year <= 2100):
            c.add("error", "range", "a source year must be a year", path=("sources", sid, "year"),
                  where=where, field="year", expected="a whole number in [1900, 2100]",
                  found=short(year), fix="write the publication year, e.g. 2025")
        out[str(sid)] = {k: v for k, v in spec.items() if k in schema.names("source")}
    return out


def _check_perspective(c: Collector, persp: Any, iso: dict[str, str],
                       groups: dict[str, Any]) -> Any:
    """``global``, or ``{home: CC}`` with a known country or declared group."""
    if persp == "global":
        return "global"
    if isinstance(persp, dict) and set(persp) == {"home"} and isinstance(persp["home"], str):
        home = persp["home"]
        if home in iso or home in groups:
            return {"home": home}
        c.add("error", "country", "unknown home country", path=("perspective", "home"),
              where="chain header", field="perspective",
              expected="an ISO 3166-1 alpha-2 code", found=short(home),
              fix=did_you_mean(home.upper(), iso, "use e.g. `{home: CN}`"))
        return "global"
    c.add("error", "type", "unknown perspective", path=("perspective",), where="chain header",
          field="perspective", expected="`global` or `{home: CC}`", found=short(persp),
          fix="write `perspective: global` or `perspective: {home: CN}`")
    return "global"


def _check_provenance(c: Collector, prov: Any) -> dict[str, Any] | None:
    """The optional ``provenance`` summary: a mapping, kept as given."""
    if prov is None:
        return None
    if not isinstance(prov, dict):
        c.add("error", "type", "`provenance` must be a mapping", path=("provenance",),
              where="chain header", field="provenance", expected="{sourced: 0.8, ...}",
              found=type_name(prov), fix="write it as a mapping or remove it")
        return None
    return prov


def slugify(s: str) -> str:
    """A slug to suggest for ``s``.

    At most 60 characters; ``x_1`` when ``s`` has no ASCII letter or digit to keep
    (``а``, Cyrillic, is not ``a``).

    Examples
    --------
    >>> slugify("Industrial Robots (2025)")
    'industrial_robots_2025'
    >>> slugify("ßа")
    'x_1'
    """
    return re.sub(r"[^a-z0-9_]+", "_", s.strip().lower()).strip("_")[:60].strip("_") or "x_1"
