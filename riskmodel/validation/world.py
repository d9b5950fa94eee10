"""The checks of the world's shares: a node's ``world_suppliers`` (docs/model.md §1.3).

``world_suppliers`` has the form of ``suppliers`` and is checked as they are (countries,
nodes, repeats, sums, sourced values, jurisdictions), each problem naming the world's
table: ``node 'anode', world supplier 'CN'``, in ``world_suppliers.csv`` for a bundle.
In a global view the focal market is the world, so the world's shares change nothing:
a warning says so and how to fix it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riskmodel.io.collect import Collector
from riskmodel.io.tables import ChainData
from riskmodel.validation.listed import listed, room
from riskmodel.validation.tables import check_suppliers

__all__ = ["check_world"]

WORLD = "world_suppliers"


class _Tables:
    """A read document's tables as the supplier checks read them: the world's table in
    place of ``suppliers``."""

    def __init__(self, doc: Any) -> None:
        self.tables = {"suppliers": doc.tables.get(WORLD)} if doc is not None else {}


class _WorldCollector:
    """A :class:`~riskmodel.io.collect.Collector` for the supplier checks run on the
    world's table: their problems go to ``c``, placed in the world's table and named
    as the world's."""

    def __init__(self, c: Collector) -> None:
        self.c = c
        self.doc = _Tables(c.doc) if c.doc is not None else None
        self.csv = {"suppliers": c.csv[WORLD]} if WORLD in c.csv else {}
        self.problems = c.problems
        self.counts = c.counts  # the same problem counts: repeats are capped together

    def at(self, table: str | None, row: int | None, field_: str | None,
           path: tuple[Any, ...] | None) -> tuple[str | None, int | None, int | None]:
        return self.c.at(WORLD if table == "suppliers" else table, row, field_, path)

    def add(self, severity: str, code: str, message: str, *, table: str | None = None,
            field: str | None = None, where: str | None = None, **kw: Any) -> None:
        if table == "suppliers":
            table = WORLD
        if field == "suppliers":
            field = WORLD
        if where is not None:
            where = where.replace(", supplier '", ", world supplier '")
        self.c.add(severity, code, f"{WORLD}: {message}", table=table, field=field,
                   where=where, **kw)


def check_world(c: Collector, data: ChainData) -> None:
    """Check the world's shares of ``data`` as its suppliers are checked; in a global
    view, warn that they have no effect. Problems go to ``c``.

    Examples
    --------
    >>> import riskmodel as rm
    >>> data = rm.load("bicycle").to_data()
    >>> data.header["perspective"] = "global"
    >>> data.world_suppliers = data.suppliers[data.suppliers["node"] == "steel"].copy()
    >>> c = Collector(None, None)
    >>> check_world(c, data)
    >>> [(p.where, p.fix) for p in c.problems]  # doctest: +NORMALIZE_WHITESPACE
    [("node 'steel'", 'move these shares to `suppliers`, or set `perspective: {home: CC}`')]
    """
    world = data.world_suppliers
    if not len(world) or not len(data.nodes):
        return
    ids = data.nodes["id"]
    dup = ids.duplicated().to_numpy() if len(ids) else np.zeros(0, dtype=bool)
    check_suppliers(_WorldCollector(c), ChainData(  # type: ignore[arg-type]
        data.header, data.nodes, world, data.edges, data.path), dup)
    if data.header.get("perspective", "global") == "global":
        csv = WORLD in c.csv
        nodes = list(dict.fromkeys(x for x in world["node"] if isinstance(x, str)))
        some = bool(nodes) and room(c, "world-global") > 0
        node_row = {k: i for i, k in reversed(list(enumerate(ids)))} if some else {}
        first = {k: i for i, k in reversed(list(enumerate(world["node"])))} if some else {}
        for node in (nodes[i] for i in listed(c, "world-global", np.arange(len(nodes)))):
            c.add("warning", "world-global", "`world_suppliers` has no effect in a global "
                  "view: the focal market is the world, which draws on `suppliers`",
                  table=WORLD if csv else "nodes",
                  row=first[node] if csv else node_row.get(node),
                  field="share" if csv else WORLD, where=f"node '{node}'",
                  fix="move these shares to `suppliers`, or set `perspective: {home: CC}`")

