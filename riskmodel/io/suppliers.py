"""Who supplies each node, as a cut reads it (:class:`Suppliers`), and shares as text
(:func:`share_list`): what the scenario checks use to warn of a cut that reaches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from riskmodel.schema import COUNTRY_PATTERN

__all__ = ["Suppliers", "controller_codes", "share_list"]


class Suppliers:
    """Who supplies each node, as a cut reads it: ``of(node)`` gives the node's supplier
    keys and their positive shares, ``other`` last (the rest, which no cut reaches).

    Built from a chain's supplier rows (:meth:`from_rows`, as a file is checked) or
    from its compiled arrays (:meth:`from_compiled`). In a home view a node without
    suppliers is made at home; in a global view, by ``other`` producers.

    A share is reached by a cut of its own country and of every jurisdiction that
    controls it (``controlled_by``): ``controllers(node)`` gives them per supplier key.

    Examples
    --------
    >>> s = Suppliers.from_rows([("gears", "JP", 0.5), ("gears", "CN", 0.25)],
    ...                         ["gears", "bolts"], home="DE",
    ...                         groups={"ASIA": {"members": ["JP", "CN"]}},
    ...                         controllers={("gears", "JP"): ("US",)})
    >>> s.of("gears"), s.of("bolts")
    ({'JP': 0.5, 'CN': 0.25, 'other': 0.25}, {'DE': 1.0})
    >>> s.supplies("ASIA", "gears"), s.supplies("DE", "gears"), s.supplies("US", "gears")
    (True, False, True)
    >>> s.supplies("US", "bolts"), s.supplies("US"), s.supplies("FR")
    (False, True, False)
    """

    def __init__(self, of: Any, keys: Any, groups: Mapping[str, Any] | None,
                 controllers: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None
                 ) -> None:
        self._of, self._keys = of, keys  # keys: a set, or a function giving it
        self.groups = dict(groups or {})
        self._controllers = {n: dict(d) for n, d in (controllers or {}).items() if d}
        #: who supplies the world where it draws on other shares (``world_suppliers``,
        #: a home view): a cut reaches the rows of either table
        self.world: Suppliers | None = None

    @property
    def keys(self) -> frozenset[str]:
        """The supplier keys with a positive share of some node."""
        if callable(self._keys):
            self._keys = self._keys()
        return frozenset(self._keys) | (self.world.keys if self.world is not None
                                        else frozenset())

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, Any, Any]], node_ids: Iterable[str], *,
                  home: str | None, groups: Mapping[str, Any] | None = None,
                  controllers: Mapping[tuple[str, str], Iterable[str]] | None = None
                  ) -> Suppliers:
        """From ``(node, key, share)`` rows (``other`` among the keys or not);
        ``controllers`` maps ``(node, key)`` to the further jurisdictions of that share."""
        named: dict[str, dict[str, float]] = {}
        listed: set[str] = set()
        for node, key, share in rows:
            listed.add(node)
            if (isinstance(key, str) and key != "other" and isinstance(share, (int, float))
                    and share > 0):
                named.setdefault(node, {})[key] = named.get(node, {}).get(key, 0.0) + share
        for node in node_ids:
            if node not in listed and home is not None:
                named[node] = {home: 1.0}
        table = {node: _with_rest(named.get(node, {})) for node in node_ids}
        return cls(lambda node: dict(table.get(node, {})),
                   {k for d in named.values() for k in d}, groups,
                   _by_node(controllers or {}))

    @classmethod
    def from_compiled(cls, compiled: Any, groups: Mapping[str, Any] | None, *,
                      controllers: Mapping[tuple[str, str], Iterable[str]] | None = None
                      ) -> Suppliers:
        """From a chain's compiled arrays (:attr:`Chain.compiled`).

        The controllers of each share come from the compiled arrays' ``controls`` (key →
        the supplier rows it controls beyond its own, as
        :class:`~riskmodel.engine.compiled.Compiled` holds them); without them, from
        ``controllers``, ``{(node_id, key): codes}`` (a chain's ``controlled_by`` node
        attributes); else there are none.
        """
        sup, countries = compiled.supply, compiled.countries
        held = getattr(compiled, "controls", None)
        if held:
            import numpy as np

            row_node = np.repeat(np.arange(len(compiled.ids)), np.diff(sup.indptr))
            found: dict[tuple[str, str], list[str]] = {}
            for key, rows in held.items():
                for r in np.asarray(rows).tolist():
                    share = (str(compiled.ids[row_node[r]]), countries[sup.indices[r]])
                    found.setdefault(share, []).append(key)
            controllers = found

        def of(node: str) -> dict[str, float]:
            j = compiled.index.get_loc(node)
            lo, hi = sup.indptr[j], sup.indptr[j + 1]
            return _with_rest({countries[k]: float(v) for k, v in
                               zip(sup.indices[lo:hi], sup.data[lo:hi], strict=True) if v > 0})
        def keys() -> list[str]:  # only a cut of everything asks
            import numpy as np

            used = np.asarray(sup.sum(axis=0)).ravel() > 0
            return [k for k, u in zip(countries, used, strict=True) if u]
        out = cls(of, keys, groups, _by_node(controllers or {}))
        world = getattr(compiled, "world", None)
        if world is not None:  # the world's shares, in the same rows
            out.world = cls.from_compiled(_WorldView(compiled, world), groups)
        return out

    def of(self, node: str) -> dict[str, float]:
        """The node's supplier keys and positive shares, largest first, ``other`` last."""
        return self._of(node)

    def reach(self, key: str) -> list[str]:
        """The keys a cut of ``key`` withholds: itself and, for a group, its members."""
        return [key, *((self.groups.get(key) or {}).get("members") or [])]

    def controllers(self, node: str) -> dict[str, tuple[str, ...]]:
        """The further jurisdictions of the node's shares, by supplier key (only the
        shares that name some)."""
        return dict(self._controllers.get(node, {}))

    def supplies(self, key: str, node: str | None = None) -> bool:
        """Does a cut of ``key`` reach a positive share of ``node`` (of any node when
        ``None``), as its producer or as a jurisdiction that controls it?"""
        if self.world is not None and self.world.supplies(key, node):
            return True
        reach = set(self.reach(key))
        if node is None:
            return any(k in self.keys for k in reach) or any(
                self.supplies(key, n) for n in self._controllers)
        shares = self.of(node)
        if any(shares.get(k, 0.0) > 0 for k in reach):
            return True
        return any(shares.get(k, 0.0) > 0 and reach.intersection(codes)
                   for k, codes in self._controllers.get(node, {}).items())


class _WorldView:
    """A chain's compiled arrays with the world's shares in place of ``supply``."""

    def __init__(self, compiled: Any, world: Any) -> None:
        self.supply, self.countries = world, compiled.countries
        self.ids, self.index = compiled.ids, compiled.index
        self.controls = getattr(compiled, "controls", None)
        self.world = None


def _by_node(controllers: Mapping[tuple[str, str], Iterable[str]]
             ) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{(node, key): codes}`` as ``{node: {key: codes}}`` (empty entries dropped)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for (node, key), codes in controllers.items():
        if codes:
            out.setdefault(str(node), {})[str(key)] = tuple(codes)
    return out


def _with_rest(named: Mapping[str, float]) -> dict[str, float]:
    """Named shares, largest first, then ``other``: what they leave of 1."""
    out = dict(sorted(named.items(), key=lambda kv: (-kv[1], kv[0])))
    rest = 1.0 - sum(named.values())
    if rest > 1e-9:
        out["other"] = rest
    return out


def share_list(shares: Mapping[str, float], limit: int = 8) -> str:
    """Shares as text: ``CN 60%, TW 30%, other 10%`` (at most ``limit``, then a count).

    >>> share_list({"CN": 0.6, "TW": 0.3, "other": 0.1})
    'CN 60%, TW 30%, other 10%'
    """
    items = [f"{k} {v * 100:.3g}%" for k, v in shares.items()]
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more" if more > 0 else "")


def controller_codes(held: Iterable[Any]) -> set[str]:
    """The codes named by ``controlled_by`` cells (tuples of codes, or ``None``): the
    jurisdictions a cut may name besides the suppliers (codes not in the form of one,
    reported by the checks, are left out).

    >>> sorted(controller_codes([("US",), None, ("NL", "US", "nl")]))
    ['NL', 'US']
    """
    return {x for codes in held if isinstance(codes, (tuple, list))
            for x in codes if isinstance(x, str) and re.match(COUNTRY_PATTERN, x)}
