"""Restrictions in force in the scores (docs/model.md §1.5, §2.2–2.5).

With a chain's ``baseline`` (or ``baseline=`` given), every single-node cut of the
scores runs **on top of** the restrictions in force: their atoms are in every column,
in their long-run state (:func:`~riskmodel.engine.baseline.in_every_column`), and a
figure is the cut's **marginal** effect, the loss with the restrictions and the cut
less their **realised** loss. :func:`restrictions` resolves them once per call;
:func:`marginal_losses` and :func:`knockouts_on_top` are the scores' choke losses and
knockouts on top of them; without any restriction both are exactly the unrestricted
ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse

from riskmodel import engine
from riskmodel.engine import CutSpec, Params
from riskmodel.engine.baseline import in_every_column
from riskmodel.model import Chain, Compiled
from riskmodel.realised import baseline_of, describe, marginal
from riskmodel.scenario import Cut, Scenario
from riskmodel.scoring.cuts import ChokeLosses, choke_losses, columns_per_batch, knockouts
from riskmodel.simulation import cut_spec

__all__ = ["Held", "knockouts_on_top", "marginal_losses", "restrictions"]


@dataclass(frozen=True)
class Held:
    """The restrictions in force a score takes."""

    #: as given (``Cut`` or restrictions); empty: none
    items: tuple[Any, ...]
    #: their cuts
    cuts: tuple[Cut, ...]
    #: their atoms as one engine column (None without any)
    spec: CutSpec | None
    #: their realised loss: the long-run static end-use loss of them alone (0 without)
    realised: float
    #: every node's availability under them alone, ``(n,)`` (long-run static; 1 without)
    availability: np.ndarray
    #: the node nearest the sources among those they cut (-1 without): every column
    #: reaches what lies below it (the work estimates of the pruned search)
    anchor: int

    @property
    def attrs(self) -> dict[str, Any]:
        """``realised_loss`` and ``baseline`` (as plain data) for a table's ``.attrs``."""
        return {"realised_loss": self.realised, "baseline": describe(self.items)}


def restrictions(chain: Chain, p: Params, baseline: Any = None) -> Held:
    """The restrictions in force ``baseline`` takes (as :func:`riskmodel.simulate`:
    None the chain's own, False none, or a list; :func:`riskmodel.realised.baseline_of`).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> bike = rm.load("bicycle")
    >>> p = engine.params_from_compiled(bike.compiled)
    >>> h = restrictions(bike, p, [rm.Cut("JP", nodes=("drivetrain",))])
    >>> round(h.realised, 3), restrictions(bike, p, False).spec is None
    (0.56, True)
    """
    c = chain.compiled
    items, cuts = baseline_of(chain, baseline)
    if not cuts:
        return Held(items, cuts, None, 0.0, np.ones(c.n), -1)
    spec = cut_spec(chain, [Scenario([])], p, baseline=cuts)
    realised = float(engine.static_loss(c, p, spec, mode="long_run")[0])
    avail = engine.static(c, p, spec, mode="long_run")[:, 0]
    rows = np.concatenate([np.zeros(0, dtype=np.int64), *spec.rows]).astype(np.int64)
    cut_nodes = p.row_node[rows]
    level = engine.plan_for(c).node_level
    anchor = int(cut_nodes[np.argmin(level[cut_nodes])]) if len(cut_nodes) else -1
    return Held(items, cuts, spec, realised, avail, anchor)


def marginal_losses(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
                    horizon: int, *, held: Held, what: tuple[str, ...] = (
                        "immediate", "long_run", "dynamic", "no_stock"),
                    progress: Any = None, expand: sparse.csr_matrix | None = None,
                    month: int | None = None, to: str = "all", controls: bool = True
                    ) -> ChokeLosses:
    """:func:`~riskmodel.scoring.cuts.choke_losses` on top of ``held``: each the loss
    with the restrictions and the cut less their realised loss (never below 0; each
    month's before the horizon reading); exactly ``choke_losses`` without any
    restriction."""
    return choke_losses(c, p, nodes, countries, horizon, what=what, progress=progress,
                        expand=expand, held=held.spec, month=month, to=to,
                        controls=controls,
                        realised=None if held.spec is None else held.realised)


def knockouts_on_top(c: Compiled, p: Params, nodes: np.ndarray, held: Held
                     ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """:func:`~riskmodel.scoring.cuts.knockouts` on top of ``held``.

    Per node: the marginal end-use loss when its whole supply falls to 0 with the
    restrictions in force (their ramp complete, no stock), the end-use weight that
    loses anything more than under them alone, and the end-use nodes that stop with it
    and did not under them alone. Each column holds the restrictions, with the knocked
    out node's every share (``other`` included) set to 0 in that column, so no cut on it
    can give anything back.
    """
    if held.spec is None:
        return knockouts(c, p, nodes)
    nodes = np.asarray(nodes, dtype=np.int64)
    k = len(nodes)
    # the end uses, and any node a target weighs (riskmodel.targets)
    end_idx = np.flatnonzero(c.end_use | (p.weight != 0).any(axis=1))
    w = p.weight[end_idx, 0]
    base = held.availability[end_idx]
    loss, reach, dead_lists = np.zeros(k), np.zeros(k), []
    size = columns_per_batch(c.n, k, extra=len(p.row_node) // max(c.n, 1) + 2)
    tiny = engine.settings.TINY
    for lo in range(0, k, size):
        hi = min(k, lo + size)
        A = engine.static(c, _knocked(p, nodes[lo:hi]),
                          in_every_column(CutSpec.none(hi - lo), held.spec))[end_idx]
        loss[lo:hi] = np.maximum(0.0, marginal(w @ (1.0 - A), held.realised))
        reach[lo:hi] = w @ (base[:, None] - A > tiny)
        dead = (A <= tiny) & (base[:, None] > tiny)  # noqa: SIM300
        dead_lists.extend(end_idx[dead[:, i]] for i in range(hi - lo))
    return loss, reach, dead_lists


def _knocked(p: Params, nodes: np.ndarray) -> Params:
    """``p`` over one column per node of ``nodes``, that node's supply 0 in its column
    (its supplier shares and ``other``: nothing left to withhold or give back)."""
    k = len(nodes)
    cols = np.arange(k)
    r = np.flatnonzero(np.isin(p.row_node, nodes))
    col_of = np.full(int(nodes.max()) + 1 if k else 0, -1, dtype=np.int64)
    col_of[nodes] = cols

    def rows_zeroed(x: np.ndarray) -> np.ndarray:
        out = np.repeat(x[:, :1], k, axis=1)
        out[r, col_of[p.row_node[r]]] = 0.0
        return out

    def node_zeroed(x: np.ndarray) -> np.ndarray:
        out = np.repeat(x[:, :1], k, axis=1)
        out[nodes, cols] = 0.0
        return out

    # the world's shares too, where the chain has them (``world_suppliers``)
    fields = {f: rows_zeroed(getattr(p, f)) for f in ("row_share", "world_share")
              if getattr(p, f, None) is not None}
    return replace(p, dep0=node_zeroed(p.dep0), ind0=node_zeroed(p.ind0), **fields)
