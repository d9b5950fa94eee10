"""What a cut withholds, as a file states it: the country, the nodes, the fraction and
the destinations (``to``), checked.

Scenario cuts (:mod:`riskmodel.scenario`) and restrictions in force
(:mod:`riskmodel.restrictions`) name what they withhold in the same words, so both are
checked here: :func:`check_cut_target` checks a cut mapping's ``country``, ``nodes``,
``fraction`` and ``to`` against the names a chain offers (:class:`CutNames`), and warns
of a cut that reaches nothing (:func:`check_cut_reach`, naming the node's suppliers).
When it holds in time (``start``, ``duration``, ``since``) is the callers' to check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from riskmodel.io.collect import Collector, did_you_mean, short
from riskmodel.io.destinations import check_destinations
from riskmodel.io.suppliers import Suppliers, share_list

__all__ = ["CutNames", "check_cut_nodes", "check_cut_reach", "check_cut_target"]


@dataclass(frozen=True)
class CutNames:
    """The node ids and countries a cut may name, who supplies what, the chain's
    groups and its view (``"global"`` or the home; ``None``: not checked).

    >>> CutNames.of(["gears"], ["JP"], perspective={"home": "CN"}).view
    'CN'
    """

    ids: list[str] | None
    id_set: set[str] | None
    countries: list[str] | None
    country_set: set[str] | None
    supply: Suppliers | None = None
    groups: Mapping[str, Any] | None = None
    view: str | None = None

    @classmethod
    def of(cls, node_ids: Iterable[str] | None, countries: Iterable[str] | None,
           supply: Suppliers | None = None, groups: Mapping[str, Any] | None = None,
           perspective: Any = None) -> CutNames:
        ids = list(node_ids) if node_ids is not None else None
        known = list(countries) if countries is not None else None
        view = perspective.get("home") if isinstance(perspective, Mapping) else perspective
        return cls(ids, set(ids) if ids is not None else None,
                   known, set(known) if known is not None else None, supply, groups,
                   view if isinstance(view, str) else None)



def check_cut_target(c: Collector, cut: Mapping[str, Any], cp: tuple[Any, ...], cw: str,
                     names: CutNames) -> dict[str, Any]:
    """The ``country``, ``nodes``, ``fraction`` and ``to`` of the cut mapping ``cut`` (at
    path ``cp``, named ``cw``), checked against ``names``; return them normalised
    (defaults in place of wrong values). Problems go to ``c``.

    Examples
    --------
    >>> c = Collector(None, None)
    >>> check_cut_target(c, {"country": "JP", "fraction": 2}, (), "cut #1",
    ...                  CutNames.of(["gears"], ["JP", "CN"]))
    {'country': 'JP', 'nodes': None, 'fraction': 1.0, 'to': 'all'}
    >>> [(p.field, p.message) for p in c.finish()]
    [('fraction', 'cut fraction out of range')]
    """
    country = cut.get("country")
    known = names.countries
    if not isinstance(country, str) or (names.country_set is not None
                                        and country not in names.country_set):
        c.add("error", "country", "unknown country in cut", path=(*cp, "country"),
              where=cw, field="country",
              expected="a country that supplies this chain (" + ", ".join(
                  sorted(known or [])[:30]) + ("…" if len(known or []) > 30 else "")
              + ")" if known is not None else "a country code",
              found=short(country),
              fix=did_you_mean(str(country).upper(), known or [],
                                "use a country that appears in the suppliers"))
    nodes = check_cut_nodes(c, cut.get("nodes"), cp, cw, names)
    if names.supply is not None and isinstance(country, str) and (
            names.country_set is None or country in names.country_set):
        check_cut_reach(c, names.supply, country, nodes, cp, cw, names)
    frac = cut.get("fraction", 1.0)
    if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not (0 <= frac <= 1):
        c.add("error", "range", "cut fraction out of range", path=(*cp, "fraction"),
              where=cw, field="fraction", expected="a number in [0, 1]",
              found=short(frac), fix="write the share withheld, e.g. 0.9")
        frac = 1.0
    to = check_destinations(c, cut.get("to", "all"), country, cp, cw, groups=names.groups,
                            view=names.view)
    return {"country": country, "nodes": nodes, "fraction": float(frac), "to": to}


def check_cut_nodes(c: Collector, nodes: Any, cp: tuple[Any, ...], cw: str,
                     names: CutNames) -> list[str] | None:
    """A cut's ``nodes``: a non-empty list of the chain's node ids (``None``: all)."""
    if nodes is None:
        return None
    if not isinstance(nodes, list) or not all(isinstance(x, str) for x in nodes):
        c.add("error", "type", "`nodes` must be a list of node ids",
              path=(*cp, "nodes"), where=cw, field="nodes",
              expected="[node_a, node_b]", found=short(nodes),
              fix="list node ids")
        return None
    if not nodes:
        c.add("error", "required", "`nodes` is an empty list, so the cut would "
              "cut nothing", path=(*cp, "nodes"), where=cw, field="nodes",
              expected="at least one node id, or no `nodes` key", found="[]",
              fix="list the nodes the country withholds, or remove `nodes:` to "
                  "cut everything it supplies")
        return None
    for x in nodes:
        if names.id_set is not None and x not in names.id_set:
            c.add("error", "unknown-node", f"cut names unknown node '{x}'",
                  path=(*cp, "nodes"), where=cw, field="nodes",
                  expected="a node id of the chain", found=short(x),
                  fix=did_you_mean(x, names.ids or [], "use a node id of the chain"))
    return nodes



def check_cut_reach(c: Collector, supply: Suppliers, country: str, nodes: list[str] | None,
                     cp: tuple[Any, ...], cw: str, names: CutNames) -> None:
    """A warning for each node of the cut that ``country`` (or, for a group, a member)
    supplies nothing of, naming the node's suppliers; with no ``nodes``, one when it
    supplies nothing of the chain."""
    who = country
    members = supply.reach(country)[1:]
    if members:
        who = f"{country} (with its members {', '.join(members)})"
    if nodes is None:
        if not supply.supplies(country):
            c.add("warning", "cuts-nothing", f"{who} supplies nothing of this chain; the "
                  "cut changes nothing", path=(*cp, "country"), where=cw, field="country",
                  expected="a country with a positive supplier share",
                  found=f"no share of {country}",
                  fix="cut a country that supplies the chain, or remove the cut")
        return
    known = [x for x in dict.fromkeys(nodes) if names.id_set is None or x in names.id_set]
    empty = [x for x in known if not supply.supplies(country, x)]
    for x in empty:
        shares = supply.of(x)
        named = [k for k in shares if k != "other"]
        named += sorted({j for codes in supply.controllers(x).values() for j in codes}
                        - set(named))
        held = "".join(f"; {k} controlled by {', '.join(v)}"
                       for k, v in supply.controllers(x).items())
        there = " there" if len(empty) < len(known) else ""
        c.add("warning", "cuts-nothing", f"{who} supplies nothing of '{x}' (its suppliers: "
              f"{share_list(shares) or 'none'}{held}); the cut changes nothing{there}",
              path=(*cp, "nodes"), where=cw, field="nodes",
              expected=f"a node {country} supplies", found=short(x),
              fix=(f"cut one of its suppliers ({', '.join(named[:8])}), or remove '{x}' "
                   "from the cut") if named else
              f"remove '{x}' from the cut: only `other` producers make it, and no cut "
              "reaches them")

