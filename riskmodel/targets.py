"""Targets: measuring the shortfall of chosen nodes instead of end-use value.

By default every loss riskmodel reports is the share of **end-use value** lost
(docs/model.md §1.5): ``Σ_e w_e (1 − A_e)`` over the end-use nodes, ``w_e`` their
values' shares. A **target** replaces those weights by weights on the nodes it names,
so that a score, leverage, simulation, cut set or report measures the shortfall of a
capability, such as a country's own advanced-logic fabs, which may sit mid-chain and
carry little end-use value.

``target=`` takes a node id, a list of node ids, or the name of a target the chain
declares (``targets: {advanced_logic_capacity: [domestic_advanced_logic_fab]}``,
:attr:`riskmodel.Chain.targets`). The target's loss is ``Σ_t w_t (1 − A_t)`` over its
nodes, with

- ``w_t = value_t / Σ value`` when **every** target node has a positive ``value``
  (the same rule as end-use value: a target of all the end uses measures end-use
  value), and
- equal weights ``1 / (number of nodes)`` otherwise (a capability named by nodes
  whose value the chain does not give, or gives for some only, counts each alike).

A target of one node measures exactly ``1 − A`` of that node. :func:`resolve` turns
``target=`` into a :class:`Target`; :func:`with_target` gives the engine's
:class:`~riskmodel.engine.Params` with the target's weights.

Examples
--------
>>> import riskmodel as rm
>>> bike = rm.load("bicycle")
>>> t = resolve(bike, "frames")
>>> t.name, t.nodes, t.weighting
('frames', ('frames',), 'equal')
>>> resolve(bike, None) is None
True
>>> label(resolve(bike, ["frames", "tyres"])), label(None)
('frames+tyres', 'end-use value')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from riskmodel._errors import ArgumentError, NodeNotFoundError
from riskmodel.engine import Params
from riskmodel.model import Chain, Compiled

__all__ = ["END_USE", "Target", "label", "resolve", "target_attrs", "target_weights", "with_target"]

#: What a loss measures when no target is given.
END_USE = "end-use value"


@dataclass(frozen=True)
class Target:
    """A resolved target: its ``name`` (the declared name, the node id, or the ids
    joined by ``+``), its ``nodes`` and how they are weighted (``"value"`` or
    ``"equal"``, see the module docstring)."""

    name: str
    nodes: tuple[str, ...]
    weighting: str
    #: whether ``name`` is a target the chain declares
    declared: bool = False

    @property
    def attrs(self) -> dict[str, Any]:
        """The target as plain data, for a table's ``.attrs``."""
        return {"target": self.name, "target_nodes": list(self.nodes),
                "target_weighting": self.weighting}


def label(target: Target | None) -> str:
    """What a loss measures: the target's name, or ``"end-use value"``."""
    return END_USE if target is None else target.name


def target_attrs(target: Target | None) -> dict[str, Any]:
    """What a table's ``.attrs`` record of the target: ``target`` (:func:`label`), and
    with a target its nodes and weighting (:attr:`Target.attrs`)."""
    return {"target": label(target), **(target.attrs if target is not None else {})}


def _node_list(chain: Chain, target: Any) -> tuple[list[str], str | None]:
    """The node ids ``target`` names, and its declared name (None if not declared)."""
    declared = chain.targets
    if isinstance(target, str):
        if target in declared:
            return list(declared[target]), target
        parts = [x.strip() for x in target.split(",") if x.strip()]
        if len(parts) == 1:
            return parts, None
        target = parts
    if isinstance(target, Mapping) or not isinstance(target, Sequence):
        raise TypeError(f"target must be a node id, a list of node ids or the name of a "
                        f"declared target, not {type(target).__name__}")
    out: list[str] = []
    for x in target:
        if not isinstance(x, str):
            raise TypeError(f"a target's nodes must be node ids (text), found "
                            f"{type(x).__name__} {x!r:.60}")
        out += list(declared[x]) if x in declared else [x]
    return out, None


def resolve(chain: Chain, target: Any) -> Target | None:
    """The :class:`Target` that ``target=`` names on ``chain`` (None: end-use value).

    Raises
    ------
    NodeNotFoundError
        For a name that is neither a declared target nor a node (the message suggests
        the nearest of either).
    ArgumentError
        For an empty list.
    TypeError
        For anything but text or a list of text.

    Examples
    --------
    >>> import riskmodel as rm
    >>> resolve(rm.load("bicycle"), "frame")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskmodel._errors.NodeNotFoundError: no node or declared target 'frame' ...'frames'?
    """
    if target is None:
        return None
    from riskmodel.io.collect import suggest

    nodes, name = _node_list(chain, target)
    nodes = list(dict.fromkeys(nodes))
    if not nodes:
        raise ArgumentError(f"target {target!r:.60} names no node; give a node id, a "
                            "list of node ids or a declared target "
                            f"({', '.join(chain.targets) or 'the chain declares none'})")
    c = chain.compiled
    for x in nodes:
        if x not in c.index:
            hint = suggest(x, [*c.ids, *chain.targets])
            raise NodeNotFoundError(f"no node or declared target '{x}' in chain "
                                    f"'{chain.name}'"
                                    + (f"; did you mean '{hint}'?" if hint else ""))
    idx = c.index.get_indexer(nodes)
    v = np.nan_to_num(np.asarray(c.value, dtype=float)[idx], nan=0.0)
    weighting = "value" if (v > 0).all() and np.isfinite(v.sum()) else "equal"
    return Target(name or "+".join(nodes), tuple(nodes), weighting, declared=name is not None)


def target_weights(c: Compiled, target: Target) -> np.ndarray:
    """The ``(n,)`` weights of ``target``'s nodes (module docstring), summing to 1.

    >>> import riskmodel as rm
    >>> bike = rm.load("bicycle")
    >>> w = target_weights(bike.compiled, resolve(bike, ["frames", "tyres"]))
    >>> float(w.sum()), sorted(w[w > 0].tolist())
    (1.0, [0.5, 0.5])
    """
    idx = c.index.get_indexer(list(target.nodes))
    w = np.zeros(c.n)
    if target.weighting == "value":
        v = np.asarray(c.value, dtype=float)[idx]
        v = v / v.max()  # first to at most 1: values near the largest float add up
        w[idx] = v / v.sum()
    else:
        w[idx] = 1.0 / len(idx)
    return w


def with_target(c: Compiled, p: Params, target: Target | None) -> Params:
    """``p`` with the loss weights of ``target`` (``p`` itself for end-use value).

    The weights are one column: a Monte Carlo draw's ranged end-use values do not move
    a target's weights.
    """
    if target is None:
        return p
    return replace(p, weight=target_weights(c, target)[:, None], coef_cache=None)


def value_of(c: Compiled, target: Target | None) -> float:
    """The annual value the loss is a share of: the end uses' (or value-weighted
    target nodes') total value, NaN where the target is weighted equally."""
    if target is None:
        v = np.nan_to_num(c.value[c.end_use], nan=0.0)
    elif target.weighting == "value":
        v = np.asarray(c.value, dtype=float)[c.index.get_indexer(list(target.nodes))]
    else:
        return float("nan")
    with np.errstate(over="ignore"):  # past the largest float: inf (validation refuses it)
        return float(v.sum())
