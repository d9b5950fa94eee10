"""How plausible a scenario is (``plausibility:``), checked, and the level a scenario
reads as when it has none.

A scenario may say whether its cuts are already ``in_force``, ``announced``,
``hypothetical`` or a ``stress_test`` (:data:`riskmodel.schema.PLAUSIBILITY` explains
each). :func:`check_plausibility` checks the value of a scenario mapping (an unknown one
is an error with a did-you-mean fix) and asks a fact about the world (``in_force``,
``announced``) for its ``source``: a warning, an error under ``require_sources``. A
scenario already in force is better a restriction in force (``baseline:``), and says so.
:func:`plausibility_of` gives the level a scenario reads as: its own, or ``stress_test``
for an unlabelled single-country knockout.

Examples
--------
>>> plausibility_of(None, [{"country": "NL", "nodes": ["euv_lithography"]}])
'stress_test'
>>> plausibility_of(None, [{"country": "NL"}, {"country": "US"}]) is None
True
>>> plausibility_of("announced", [{"country": "NL"}])
'announced'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from riskmodel.io.collect import Collector, did_you_mean, short
from riskmodel.schema import PLAUSIBILITY, SOURCED_PLAUSIBILITY

__all__ = ["check_level", "check_plausibility", "is_knockout", "plausibility_of"]


def _get(cut: Any, key: str) -> Any:
    return cut.get(key) if isinstance(cut, Mapping) else getattr(cut, key, None)


def is_knockout(cuts: Iterable[Any]) -> bool:
    """Whether ``cuts`` (mappings or :class:`~riskmodel.Cut`) are a single-country
    knockout: one country (or group) cutting everything it supplies, or one node, in
    every cut.

    >>> is_knockout([{"country": "JP", "nodes": ["gears"]}]), is_knockout([])
    (True, False)
    >>> is_knockout([{"country": "JP", "nodes": ["gears", "servos"]}])
    False
    """
    cuts = list(cuts)
    countries = {_get(c, "country") for c in cuts}
    return len(countries) == 1 and all(
        _get(c, "nodes") is None or len(_get(c, "nodes")) == 1 for c in cuts)


def plausibility_of(level: str | None, cuts: Iterable[Any]) -> str | None:
    """The level a scenario reads as: its own ``level``, else ``stress_test`` when its
    ``cuts`` are a single-country knockout (:func:`is_knockout`), else ``None``
    (unlabelled)."""
    if level in PLAUSIBILITY:
        return level
    return "stress_test" if is_knockout(cuts) else None


def check_level(c: Collector, level: Any, p: tuple[Any, ...], where: str) -> str | None:
    """``level`` if it is one of :data:`~riskmodel.schema.PLAUSIBILITY`, else ``None``
    and an error (with a did-you-mean fix) in ``c``, placed at ``p`` + ``plausibility``."""
    if isinstance(level, str) and level in PLAUSIBILITY:
        return level
    c.add("error", "plausibility", f"unknown plausibility {short(level)}",
          path=(*p, "plausibility"), where=where, field="plausibility",
          expected="one of " + ", ".join(PLAUSIBILITY), found=short(level),
          fix=did_you_mean(level, list(PLAUSIBILITY),
                           "write one of " + ", ".join(PLAUSIBILITY)))
    return None


def check_plausibility(c: Collector, sc: Mapping[str, Any], p: tuple[Any, ...], where: str,
                       *, sources: Mapping[str, Any] | None = None,
                       require_sources: bool = False) -> str | None:
    """The ``plausibility`` of the scenario mapping ``sc`` (at path ``p``, named
    ``where``), checked; return it (``None``: absent or wrong). Problems go to ``c``.

    ``sources`` (the chain's declared sources; ``None``: not checked) must hold the
    scenario's ``source``. A level that states a fact (``in_force``, ``announced``)
    without a ``source`` is a warning, an error under ``require_sources``; ``in_force``
    is told to move to ``baseline:`` (a warning).

    Examples
    --------
    >>> c = Collector(None, None)
    >>> check_plausibility(c, {"plausibility": "anounced"}, (), "scenario 'x'")
    >>> [(p.severity, p.message, p.fix) for p in c.finish()]  # doctest: +NORMALIZE_WHITESPACE
    [('error', "unknown plausibility 'anounced'", 'did you mean `announced`?')]
    """
    level = sc.get("plausibility")
    src = sc.get("source")
    declared = sorted(sources) if sources is not None else []
    if src is not None and (not isinstance(src, str)
                            or (sources is not None and src not in sources)):
        c.add("error", "source", f"scenario source {short(src)} is not declared",
              path=(*p, "source"), where=where, field="source",
              expected="an id declared under `sources:`"
              + (f" ({', '.join(declared[:10])})" if declared else ""), found=short(src),
              fix=did_you_mean(src, declared, f"declare it: `sources: {{{src}: "
                                              "{title: ..., year: ..., url: ...}}`"))
    if level is None or check_level(c, level, p, where) is None:
        return None
    if level in SOURCED_PLAUSIBILITY and not src:
        c.add("error" if require_sources else "warning", "unsourced",
              f"a scenario marked `{level}` has no source", path=(*p, "plausibility"),
              where=where, field="source",
              expected="`source:` the id of a declared source, and `ref:` the place in it",
              found="nothing",
              fix="cite the text that " + ("imposes" if level == "in_force" else "announces")
              + " it: " + (f"add `source:` (one of {', '.join(declared[:10])}) and `ref:`"
                           if declared else "declare it under `sources:`, then add "
                                            "`source:` and `ref:`")
              + ("" if level == "in_force" else ", or mark it `hypothetical`"))
    if level == "in_force":
        c.add("warning", "in-force-scenario", "a scenario marked `in_force` is a "
              "restriction already in place", path=(*p, "plausibility"), where=where,
              field="plausibility", expected="a cut still to come", found="'in_force'",
              fix="move its cuts to `baseline:` (each with `id`, `since` and `source`), so "
                  "that every result is read on top of them")
    return level
