"""The checks of supplier shares' jurisdictions (``controlled_by``, docs/model.md §1.3).

A supplier share may name the further jurisdictions whose cuts reach it:
``TW: {share: 0.6, controlled_by: [US]}`` (in a bundle, a ``controlled_by`` column of
``suppliers.csv`` with codes joined by ``|``). The producing country always controls its
own share, so listing it is allowed and changes nothing. Each code must be an ISO 3166-1
alpha-2 code or a group declared under ``groups:``; ``other``, the anonymous rest that
no cut reaches, takes no ``controlled_by``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from riskmodel import schema
from riskmodel.io.collect import OTHER, Collector, did_you_mean, short, type_name
from riskmodel.io.tables import ChainData

__all__ = ["check_controllers", "check_stray_controllers"]

_EXPECTED = "ISO 3166-1 alpha-2 codes or declared groups, e.g. [US] or [US, NL]"


def check_controllers(c: Collector, data: ChainData, swhere: Callable[[int], str]) -> None:
    """Check the ``controlled_by`` column of the supplier table; problems go to ``c``.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.io.collect import Collector
    >>> data = rm.load("bicycle").to_data()
    >>> data.suppliers.at[0, "controlled_by"] = ("us",)
    >>> c = Collector(None, None)
    >>> check_controllers(c, data, lambda r: f"row {r}")
    >>> [(p.message, p.fix) for p in c.problems]
    [("unknown jurisdiction 'us' in controlled_by", 'write `US` (country codes are upper case)')]
    """
    sups = data.suppliers
    if "controlled_by" not in sups:
        return
    known = set(schema.countries()) | set(data.header.get("groups") or {})
    for r, (country, codes) in enumerate(zip(sups["country"], sups["controlled_by"],
                                             strict=True)):
        if codes is None or (isinstance(codes, float) and codes != codes):
            continue
        _check_row(c, r, country, codes, known, swhere(r))


def _check_row(c: Collector, r: int, country: Any, codes: Any, known: set[str],
               where: str) -> None:
    """One supplier row's controllers: text codes, not empty, known, not on ``other``."""
    at = {"table": "suppliers", "row": r, "where": where, "field": "controlled_by"}
    if not isinstance(codes, (tuple, list)) or not all(isinstance(x, str) for x in codes):
        c.add("error", "type", "`controlled_by` must be a list of country codes",
              expected=_EXPECTED, found=type_name(codes),
              fix="list the codes of the jurisdictions whose cuts reach this share", **at)
        return
    if not codes:
        c.add("error", "required", "`controlled_by` names no jurisdiction",
              expected=_EXPECTED, found="an empty list",
              fix="name the jurisdictions, or remove `controlled_by`: the producing "
                  "country controls its own share anyway", **at)
        return
    if country == OTHER:
        c.add("error", "controlled-other", "`other` takes no `controlled_by`: it is the "
              "anonymous rest of the supply, which no cut reaches", expected="a named "
              "supplier country", found=f"other controlled by {', '.join(codes)}",
              fix="give the controlled share its own supplier country, or remove "
                  "`controlled_by`", **at)
        return
    for code in codes:
        if code in known:
            continue
        fix = (f"write `{code.upper()}` (country codes are upper case)"
               if code.upper() in known else did_you_mean(
                   code, sorted(known), "use an ISO 3166-1 alpha-2 code or declare a group "
                                        "under `groups:`"))
        c.add("error", "country", f"unknown jurisdiction '{code}' in controlled_by",
              expected=_EXPECTED, found=short(code), fix=fix, **at)


def check_stray_controllers(c: Collector, stray: Iterable[tuple[str, str]]) -> None:
    """A graph's ``controlled_by`` entry for a country that is not among the node's
    ``suppliers`` (``stray``: ``(node, country)`` pairs) controls nothing: an error.

    >>> c = Collector(None, None)
    >>> check_stray_controllers(c, [("gears", "JP")])
    >>> c.problems[0].message
    "controlled_by names 'JP', which is not a supplier of 'gears'"
    """
    for node, country in stray:
        c.add("error", "controlled-stray", f"controlled_by names '{country}', which is not "
              f"a supplier of '{node}'", where=f"node '{node}'", field="controlled_by",
              expected="a key of the node's `suppliers`", found=short(country),
              fix=f"add {country} to the node's suppliers, or remove its `controlled_by` "
                  "entry")
