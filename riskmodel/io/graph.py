"""A networkx DiGraph that counts its own changes (so compiled arrays know when they are stale)."""

from __future__ import annotations

import copy
from typing import Any

import networkx as nx

# ---------------------------------------------------------------------------
# a DiGraph that knows when it changes
# ---------------------------------------------------------------------------

class _Tracked(dict):
    """A dict that tells its owning graph when it changes."""

    __slots__ = ("_owner",)

    def __init__(self, owner: ChainGraph | None = None, *args: Any, **kw: Any):
        self._owner = owner
        super().__init__(*args, **kw)
        if owner is not None:
            for k, v in list(self.items()):
                if type(v) is dict:
                    dict.__setitem__(self, k, _Tracked(owner, v))

    def _touch(self) -> None:
        if self._owner is not None:
            self._owner._version += 1

    def __setitem__(self, k: Any, v: Any) -> None:
        if type(v) is dict and self._owner is not None:
            v = _Tracked(self._owner, v)
        super().__setitem__(k, v)
        self._touch()

    def __delitem__(self, k: Any) -> None:
        super().__delitem__(k)
        self._touch()

    def update(self, *args: Any, **kw: Any) -> None:  # type: ignore[override]
        for k, v in dict(*args, **kw).items():
            self[k] = v
        self._touch()

    def pop(self, *args: Any) -> Any:  # type: ignore[override]
        self._touch()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._touch()
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        self._touch()

    def setdefault(self, k: Any, default: Any = None) -> Any:
        if k not in self:
            self[k] = default
        return self[k]

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> dict:
        return {copy.deepcopy(k, memo): copy.deepcopy(v, memo) for k, v in self.items()}


class ChainGraph(nx.DiGraph):
    """A :class:`networkx.DiGraph` that counts its own changes.

    Adding or removing nodes and edges, and setting any node or edge attribute
    (including an entry of a node's ``suppliers`` mapping), bumps ``version``, which
    is how :class:`Chain` knows its compiled arrays are stale.
    """

    def __init__(self, incoming_graph_data: Any = None, **attr: Any):
        self._version = 0
        super().__init__(incoming_graph_data, **attr)

    def node_dict_factory(self) -> dict:  # type: ignore[override]
        return _Tracked(self)

    def node_attr_dict_factory(self) -> dict:  # type: ignore[override]
        return _Tracked(self)

    def adjlist_outer_dict_factory(self) -> dict:  # type: ignore[override]
        return _Tracked(self)

    def adjlist_inner_dict_factory(self) -> dict:  # type: ignore[override]
        return _Tracked(self)

    def edge_attr_dict_factory(self) -> dict:  # type: ignore[override]
        return _Tracked(self)

    @property
    def version(self) -> int:
        return self._version

    def __reduce__(self) -> Any:
        return (rebuild_graph, (nx.DiGraph(self),))


def rebuild_graph(g: nx.DiGraph) -> ChainGraph:
    out = ChainGraph()
    out.add_nodes_from(g.nodes(data=True))
    out.add_edges_from(g.edges(data=True))
    out.graph.update(g.graph)
    return out


