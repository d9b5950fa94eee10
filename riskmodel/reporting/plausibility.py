"""The report's scenarios grouped by plausibility, and the cuts in them that withhold
nothing.

A scenario's level (:attr:`riskmodel.Scenario.level`: its ``plausibility``, or
``stress_test`` for an unlabelled single-country knockout) orders the scenario table
most plausible first; a paragraph explains each level present in one line each; and
every cut that withholds nothing (the ``problems`` of a simulation Result) is
listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskmodel.schema import PLAUSIBILITY

__all__ = ["by_plausibility", "cut_warnings", "level_text", "plausibility_note"]

UNLABELLED = "unlabelled"
#: the table's order: what is or will be in force first, stress tests (no forecast) last
_ORDER = {k: i for i, k in enumerate(["in_force", "announced", "hypothetical", None,
                                      "stress_test"])}


def level_text(scenario: Any) -> str:
    """The level a scenario reads as, in words (``stress test``, ``unlabelled``).

    >>> from riskmodel.scenario import Cut, Scenario
    >>> level_text(Scenario([Cut("JP")])), level_text(Scenario([Cut("JP"), Cut("CN")]))
    ('stress test', 'unlabelled')
    """
    return (scenario.level or UNLABELLED).replace("_", " ")


def by_plausibility(results: Sequence[Any]) -> list[Any]:
    """Simulation results ordered by their scenario's level, most plausible first
    (``in_force``, ``announced``, ``hypothetical``, unlabelled, then ``stress_test``:
    no forecast at all), each level in the given order."""
    return sorted(results, key=lambda x: _ORDER[x.scenario.level])


def plausibility_note(results: Sequence[Any]) -> str:
    """One sentence per level the ``results`` hold: what it means, and how many of the
    scenarios have it.

    >>> from types import SimpleNamespace
    >>> from riskmodel.scenario import Cut, Scenario
    >>> one = SimpleNamespace(scenario=Scenario([Cut("JP")]))
    >>> print(plausibility_note([one]))  # doctest: +NORMALIZE_WHITESPACE
    The scenarios are grouped by plausibility (column "plausibility"). Stress test
    (1): a knockout that measures exposure, not a forecast; an unlabelled
    single-country knockout counts as one. The choke scores and the country leverage
    above come from single-country knockouts, so they are stress tests too.
    """
    counts: dict[str | None, int] = {}
    for x in results:
        counts[x.scenario.level] = counts.get(x.scenario.level, 0) + 1
    parts = []
    for level in sorted(counts, key=lambda k: _ORDER[k]):
        text = PLAUSIBILITY[level] if level else (
            "the chain does not say how plausible it is")
        if level == "stress_test":
            text += "; an unlabelled single-country knockout counts as one"
        name = (level or UNLABELLED).replace("_", " ")
        parts.append(f"{name[0].upper()}{name[1:]} ({counts[level]}): {text}.")
    return ('The scenarios are grouped by plausibility (column "plausibility"). '
            + " ".join(parts) + " The choke scores and the country leverage above come "
            "from single-country knockouts, so they are stress tests too.")


def cut_warnings(results: Sequence[Any]) -> list[str]:
    """The warnings of the ``results``' scenarios (a cut that withholds nothing), one
    line each, the scenario named first."""
    return [f"Warning — {x.scenario.name}: {p.message}." + (f" Fix: {p.fix}." if p.fix else "")
            for x in results for p in getattr(x, "problems", [])]
