"""A layered layout of a chain for its diagram: one column band per stage, nodes
ordered within a stage to reduce edge crossings (barycentre sweeps), and a tall stage
split into sub-columns. Plain numbers, no drawing (see :func:`riskmodel.plot.chain_diagram`).

Examples
--------
>>> import numpy as np
>>> stage = np.array([0, 0, 1, 2])
>>> layers, xy, bands, rows, width = layered_layout(stage, 3, np.arange(4),
...                                                 np.array([0, 1, 2]), np.array([2, 2, 3]))
>>> layers, rows
([[0, 1], [2], [3]], 2)
>>> xy[2][1] == 0.0 and bands[0] == (0.0, 1.0)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Rows in one sub-column; a stage with more nodes is split into several sub-columns.
ROWS_MAX = 26
#: Width of a sub-column and the gap between stages, in layout units.
COLUMN = 1.15
GAP = 0.35


def order_layers(layers: list[list[int]], preds: dict[int, list[int]],
                 succs: dict[int, list[int]], sweeps: int = 4) -> list[list[int]]:
    """Barycentre ordering within each layer, to reduce edge crossings."""
    pos: dict[int, float] = {}

    def place(layer: list[int]) -> None:
        for r, v in enumerate(layer):
            pos[v] = (r + 0.5) / max(len(layer), 1)

    for layer in layers:
        place(layer)
    for _ in range(sweeps):
        for rng, nbrs in ((range(1, len(layers)), preds),
                          (range(len(layers) - 2, -1, -1), succs)):
            for li in rng:
                layer = layers[li]

                def key(v: int, nbrs: dict[int, list[int]] = nbrs) -> float:
                    ps = [pos[u] for u in nbrs.get(v, []) if u in pos]
                    return float(np.mean(ps)) if ps else pos[v]
                layer.sort(key=key)
                place(layer)
    return layers


def layered_layout(stage: np.ndarray, n_stages: int, shown: Sequence[int] | np.ndarray,
                   src: np.ndarray, dst: np.ndarray
                   ) -> tuple[list[list[int]], dict[int, tuple[float, float]],
                              list[tuple[float, float]], int, float]:
    """Positions of the ``shown`` nodes, given each node's stage number and the edges
    among them.

    Returns the ordered layers, ``{node: (x, y)}`` (y grows downwards, centred on 0),
    each stage's ``(x_start, x_end)`` band, the number of rows of the tallest stage,
    and the total width.
    """
    layers = [[int(v) for v in shown if stage[v] == s] for s in range(n_stages)]
    preds: dict[int, list[int]] = {}
    succs: dict[int, list[int]] = {}
    for u, v in zip(src, dst, strict=True):
        preds.setdefault(int(v), []).append(int(u))
        succs.setdefault(int(u), []).append(int(v))
    layers = order_layers(layers, preds, succs)
    xy: dict[int, tuple[float, float]] = {}
    bands: list[tuple[float, float]] = []
    x0 = 0.0
    n_rows = 1
    for layer in layers:
        k = max(1, math.ceil(len(layer) / ROWS_MAX))
        rows = math.ceil(len(layer) / k) if layer else 1
        n_rows = max(n_rows, rows)
        bands.append((x0, x0 + (k - 1) * COLUMN + 1.0))
        for i, v in enumerate(layer):
            xy[v] = (x0 + (i % k) * COLUMN + 0.12, float(i // k) - (rows - 1) / 2)
        x0 += (k - 1) * COLUMN + 1.0 + GAP
    return layers, xy, bands, n_rows, x0 - GAP
