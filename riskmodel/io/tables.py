"""The columnar form of a chain that loaders produce and the model compiles.

Tables rather than a graph: a million-node bundle goes from CSV to arrays without
building networkx objects. Numbers are float columns (NaN where absent); a sourced
value's other keys sit in columns named ``<field>.<key>`` (``substitutability.low``,
``substitutability.source`` ...), the same names the CSV bundle uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from riskmodel import schema

PROV_KEYS = ("low", "high", "dist", "source", "ref", "note", "estimate")
NODE_TEXT = ("id", "label", "stage", "description", "note")
#: node attributes that nest numbers (``capital: {service_life_months: 84}``): their
#: numbers are table columns named ``capital.service_life_months``
NODE_NESTED = tuple(n for n in schema.names("node") if schema.attribute("node", n).type
                    in schema.PARTS)
NODE_NUMBERS = tuple(n for n in schema.names("node")
                     if schema.attribute("node", n).type == "number") + tuple(
    f"{n}.{a}" for n in NODE_NESTED for a in schema.names(n)
    if schema.attribute(n, a).type == "number")


def nested_get(attrs: Any, name: str) -> Any:
    """Attribute ``name`` of a node mapping, read inside a nested attribute when dotted
    (``capital.service_life_months``); None when absent or not a mapping on the way.

    >>> nested_get({"capital": {"service_life_months": 84}}, "capital.service_life_months")
    84
    """
    for key in name.split("."):
        if not isinstance(attrs, dict):
            return None
        attrs = attrs.get(key)
    return attrs


def nested_set(attrs: dict[str, Any], name: str, value: Any) -> None:
    """Set attribute ``name`` of a node mapping, creating the nested mapping of a dotted
    name.

    >>> d = {}; nested_set(d, "capital.service_life_months", 84); d
    {'capital': {'service_life_months': 84}}
    """
    *outer, last = name.split(".")
    for key in outer:
        attrs = attrs.setdefault(key, {})
    attrs[last] = value
EDGE_NUMBERS = ("share", "covers")


@dataclass
class ChainData:
    """A chain as tables: header mapping plus node, supplier and edge DataFrames."""

    header: dict[str, Any]
    nodes: pd.DataFrame
    suppliers: pd.DataFrame
    edges: pd.DataFrame
    path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: the world's shares where they differ from the focal market's (a node's
    #: ``world_suppliers``, docs/model.md §1.3): the columns of ``suppliers``
    world_suppliers: pd.DataFrame = field(default_factory=lambda: empty_suppliers())

    def copy(self) -> ChainData:
        import copy

        return ChainData(copy.deepcopy(self.header), self.nodes.copy(), self.suppliers.copy(),
                         self.edges.copy(), self.path, dict(self.extra),
                         self.world_suppliers.copy())


def empty_nodes() -> pd.DataFrame:
    cols: dict[str, Any] = {c: pd.Series([], dtype=object) for c in NODE_TEXT}
    cols.update({c: pd.Series([], dtype=float) for c in NODE_NUMBERS})
    return pd.DataFrame(cols)


def empty_suppliers() -> pd.DataFrame:
    """The supplier table with no rows. ``controlled_by`` holds, per share, the tuple of
    further jurisdictions whose cuts reach it (``("US",)``), or ``None``: the engine
    reads that column as it is, always present."""
    return pd.DataFrame({"node": pd.Series([], dtype=object),
                         "country": pd.Series([], dtype=object),
                         "share": pd.Series([], dtype=float),
                         "controlled_by": pd.Series([], dtype=object)})


def empty_edges() -> pd.DataFrame:
    return pd.DataFrame({"from": pd.Series([], dtype=object), "to": pd.Series([], dtype=object),
                         "share": pd.Series([], dtype=float),
                         "essential": pd.Series([], dtype=bool),
                         "group": pd.Series([], dtype=object),
                         "covers": pd.Series([], dtype=float),
                         "note": pd.Series([], dtype=object)})


def prov_columns(df: pd.DataFrame, fields: tuple[str, ...]) -> list[str]:
    """The provenance columns of ``df`` for ``fields``, in canonical order."""
    return [f"{f}.{k}" for f in fields for k in PROV_KEYS if f"{f}.{k}" in df.columns]


def complete(df: pd.DataFrame, template: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every column of ``template`` (absent ones empty, of the right type)."""
    for c in template.columns:
        if c not in df.columns:
            if template[c].dtype == bool:
                df[c] = True
            elif template[c].dtype == float:
                df[c] = float("nan")
            else:
                df[c] = pd.Series(None, index=df.index, dtype=object)
    return df
