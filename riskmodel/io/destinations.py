"""A cut's destinations (``to:``, docs/model.md §1.3): whom it withholds from.

``to: all`` (the default) withholds from every destination but the cutting country
itself, as an export-licensing regime does; ``to: world`` from every destination, the
cutting country's own producers included (a lost plant); ``to: home`` from the focal
market only;
``to: [CN, ...]`` from the countries (ISO 3166-1 alpha-2 codes) or declared groups
named. Destinations need not supply the chain.

:func:`check_destinations` checks a cut's ``to`` as scenario files and chain files are
read; :func:`parse_destinations` reads the ``>DE,PL`` part of a ``--cut``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from riskmodel import schema
from riskmodel.io.collect import Collector, did_you_mean, short, type_name

__all__ = ["KEYWORDS", "check_destinations", "parse_destinations"]

#: the destinations written as one word
KEYWORDS = ("all", "world", "home")
_EXPECTED = ("`all`, `world`, `home`, a country code or a list of them, e.g. [CN] or "
             "[DE, PL]")
_GROUP = re.compile(schema.COUNTRY_PATTERN)


def parse_destinations(text: str) -> str | tuple[str, ...] | None:
    """The destinations of a ``--cut``'s ``>`` part: ``all``, ``world``, ``home`` or a
    tuple of codes; ``None`` when it names none (``>`` alone, or ``>,``).

    >>> parse_destinations("all"), parse_destinations(" DE, PL "), parse_destinations(",")
    ('all', ('DE', 'PL'), None)
    """
    items = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    if not items:
        return None
    if len(items) == 1 and items[0] in KEYWORDS:
        return items[0]
    return items


def check_destinations(c: Collector, to: Any, country: Any, cp: tuple[Any, ...], cw: str, *,
                       groups: Mapping[str, Any] | None, view: str | None
                       ) -> str | list[str]:
    """Check a cut's ``to`` (at path ``cp``, named ``cw``); return it normalised:
    ``"all"``, ``"world"``, ``"home"`` or a list of codes (``"all"`` when it is wrong).

    ``groups`` are the chain's declared groups (``None``: not known yet, so any code
    in the form of a group passes); ``view`` is ``"global"``, the home country, or
    ``None`` when the chain is not known. ``home`` in a global view is an error; a cut
    whose destinations are only the cutting country (or, for a group, its members) is
    a warning: it withholds the supply from that country's own producers (a domestic
    stop) and from no one else.

    Examples
    --------
    >>> c = Collector(None, None)
    >>> check_destinations(c, ["DE", "PL"], "CN", (), "cut #1", groups={}, view="DE")
    ['DE', 'PL']
    >>> check_destinations(c, "home", "CN", (), "cut #1", groups={}, view="global")
    'all'
    >>> c.problems[0].message
    '`to: home` in a global view: the chain has no home'
    """
    if to in ("all", "world") or (to == "home" and view != "global"):
        if to == "home" and view is not None and country == view:
            _own_only(c, country, [view], cp, cw)
        return str(to)
    if to == "home":
        c.add("error", "destination", "`to: home` in a global view: the chain has no home",
              path=(*cp, "to"), where=cw, field="to", expected=_EXPECTED, found="home",
              fix="name the destinations (e.g. `to: [DE]`), or give the chain a home "
                  "(`perspective: {home: DE}`)")
        return "all"
    items = [to] if isinstance(to, str) else to
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        c.add("error", "type" if items else "required",
              "`to` must be `all`, `world`, `home` or a non-empty list of country codes",
              path=(*cp, "to"), where=cw, field="to", expected=_EXPECTED,
              found=short(to) if isinstance(to, list) else type_name(to),
              fix="write e.g. `to: [CN]`, or leave `to` out to withhold from everyone")
        return "all"
    codes = list(dict.fromkeys(items))
    bad = [x for x in codes if not _known(x, groups)]
    for x in bad:
        c.add("error", "destination", f"unknown destination '{x}'", path=(*cp, "to"),
              where=cw, field="to", expected=_EXPECTED, found=short(x), fix=_fix(x, groups))
    if bad:
        return "all"
    if isinstance(country, str):
        members = list((groups or {}).get(country, {}).get("members") or [])
        _own_only(c, country, codes, cp, cw, members)
    return codes


def _known(code: str, groups: Mapping[str, Any] | None) -> bool:
    """Is ``code`` a destination: an ISO code, or a declared group (any code in a
    group's form while the groups are unknown)? ``all`` and ``home`` are not codes."""
    if code in schema.countries():
        return True
    if groups is None:
        return bool(_GROUP.match(code))
    return code in groups


def _fix(code: str, groups: Mapping[str, Any] | None) -> str:
    known = [*schema.countries(), *(groups or {})]
    if code in KEYWORDS:
        return f"write `to: {code}` alone, not in a list with countries"
    if code.upper() in known:
        return f"write `{code.upper()}` (country codes are upper case)"
    return did_you_mean(code, known, "use an ISO 3166-1 alpha-2 code or declare a group "
                                     "under `groups:`")


def _own_only(c: Collector, country: str, codes: list[str], cp: tuple[Any, ...], cw: str,
              members: list[str] | None = None) -> None:
    """A warning when every destination is the cutting country (or a member of it)."""
    own = {country, *(members or [])}
    if set(codes) <= own:
        c.add("warning", "destination-self", f"the cut withholds {country}'s supply only "
              f"from {country} itself: its own producers lose it (a domestic stop), and "
              "no other country does", path=(*cp, "to"), where=cw, field="to",
              expected="destinations other than the cutting country",
              found=", ".join(codes),
              fix="name the countries the cut targets (e.g. `to: [CN]`), or leave `to` "
                  "out to withhold from every other country; keep it if a domestic stop "
                  "is meant")
