"""The checks of a chain's named targets (``targets:``, :mod:`riskmodel.targets`).

A chain may declare targets, each a name and the list of node ids whose shortfall a
score, simulation or report may measure instead of end-use value::

    targets:
      advanced_logic_capacity: [domestic_advanced_logic_fab]

:func:`check_targets` checks that ``targets`` is a mapping, that each name is a slug
and names no node (a run's ``target=`` takes either, so a name must not hide a node),
and that each list is non-empty and names nodes of the chain, once each.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskmodel.io.collect import SLUG, Collector, did_you_mean, short, type_name

__all__ = ["check_targets"]

_EXAMPLE = "`targets: {advanced_logic_capacity: [domestic_advanced_logic_fab]}`"


def check_targets(c: Collector, targets: Any, ids: Sequence[str]) -> dict[str, list[str]]:
    """Check the named targets ``targets`` against the node ids ``ids``; return the
    valid ones, ``{name: [node id, ...]}`` (a target with an unknown node is left out).

    Examples
    --------
    >>> from riskmodel.io.collect import Collector
    >>> c = Collector(None, None)
    >>> check_targets(c, {"fabs": ["fab", "fba"], "fab": ["fab"], "none": []},
    ...               ["fab", "tool"])
    {}
    >>> [(p.where, p.message, p.fix) for p in c.finish()]  # doctest: +NORMALIZE_WHITESPACE
    [("target 'fabs'", "unknown node 'fba'", 'did you mean `fab`?'),
     ("target 'fab'", 'the target name is also a node id',
      'rename the target, e.g. `fab_target`: a run given `fab` would not know which is
      meant'),
     ("target 'none'", 'the target names no node',
      'list at least one node id, e.g. `none: [fab]`')]
    """
    if targets is None or targets == {}:
        return {}
    if not isinstance(targets, dict):
        c.add("error", "type", "`targets` must be a mapping of names to node lists",
              path=("targets",), where="chain header", field="targets", expected=_EXAMPLE,
              found=type_name(targets), fix="write `targets:` as `NAME: [node_id, ...]`")
        return {}
    known = set(ids)
    out: dict[str, list[str]] = {}
    for name, nodes in targets.items():
        where = f"target '{name}'"
        ok = _check_name(c, name, nodes, known, where)
        ok = _check_nodes(c, name, nodes, known, ids, where) and ok
        if ok:
            out[str(name)] = list(dict.fromkeys(nodes))
    return out


def _check_name(c: Collector, name: Any, nodes: Any, known: set[str], where: str) -> bool:
    """A target name must be a slug and must not be a node id."""
    if not isinstance(name, str) or not SLUG.match(name):
        c.add("error", "pattern", "a target name must be a slug", path=("targets", name),
              where=where, field="targets", expected="lowercase letters, digits, _",
              found=short(name), fix="rename it, e.g. `advanced_logic_capacity`")
        return False
    if name in known:
        c.add("error", "target-name", "the target name is also a node id",
              path=("targets", name), where=where, field="targets",
              expected="a name no node has", found=short(name),
              fix=f"rename the target, e.g. `{name}_target`: a run given `{name}` would "
                  "not know which is meant")
        return False
    return True


def _check_nodes(c: Collector, name: Any, nodes: Any, known: set[str], ids: Sequence[str],
                 where: str) -> bool:
    """A target's nodes: a non-empty list of node ids of the chain, each once."""
    if not isinstance(nodes, list):
        first = nodes if isinstance(nodes, str) else "node_id"
        c.add("error", "type", "a target must be a list of node ids",
              path=("targets", name), where=where, field="targets",
              expected="a list such as [domestic_advanced_logic_fab]",
              found=type_name(nodes), fix=f"write `{name}: [{first}]`")
        return False
    if not nodes:
        c.add("error", "empty", "the target names no node", path=("targets", name),
              where=where, field="targets", expected="at least one node id",
              found="an empty list",
              fix=f"list at least one node id, e.g. `{name}: [{ids[0] if ids else 'node'}]`")
        return False
    ok = True
    seen: set[str] = set()
    for i, x in enumerate(nodes):
        if not isinstance(x, str) or x not in known:
            c.add("error", "unknown-node",
                  f"unknown node {short(x)}" if not isinstance(x, str)
                  else f"unknown node '{x}'", path=("targets", name, i), where=where,
                  field="targets", expected="a node id of this chain", found=short(x),
                  fix=did_you_mean(x, ids, "use the id of a node of the chain"))
            ok = False
        elif x in seen:
            c.add("warning", "repeat", f"node '{x}' is listed twice",
                  path=("targets", name, i), where=where, field="targets",
                  expected="each node once", found=f"'{x}' again",
                  fix=f"remove the second '{x}' (it counts once)")
        else:
            seen.add(x)
    return ok
