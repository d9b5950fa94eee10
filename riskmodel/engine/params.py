"""The engine's numbers: supplier shares, covers, cost shares, substitutability, lead
times, stocks and end-use weights, as arrays of one column or one column per Monte
Carlo draw (:class:`Params`, made by :func:`params_from_compiled`).

Supply is written ``S_j = a_j · P_j + b_j`` (docs/model.md §1.4; the equations are in
:mod:`riskmodel.engine`): ``dep0``/``ind0`` are ``a_j``/``b_j`` with no cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from scipy import sparse

from riskmodel.engine.compiled import Compiled
from riskmodel.engine.plan import Plan

__all__ = ["Params", "params_from_compiled"]


@dataclass
class Params:
    """Numeric inputs of the engine. Each array is ``(rows, 1)`` or ``(rows, k)``.

    Supplier rows are the entries of the node × country share matrix, in CSR order.
    """

    row_node: np.ndarray      # (r,) node of each supplier row
    row_country: np.ndarray   # (r,) country column of each row
    row_share: np.ndarray     # (r, 1|k) shares (normalised so a node's total ≤ 1)
    dep0: np.ndarray          # (n, 1|k) dependent share of supply with no cut
    ind0: np.ndarray          # (n, 1|k) independent share
    covers: np.ndarray        # (m, 1|k)
    ne_share: np.ndarray      # (m, 1|k) non-essential cost share (0 where absent)
    subst: np.ndarray         # (n, 1|k)
    lead: np.ndarray          # (n, 1|k)
    inventory: np.ndarray     # (n, 1|k)
    weight: np.ndarray        # (n, 1|k) end-use weights, summing to 1 per column
    #: (n, 1|k) service life of a ``capital`` node's installed base, 0 for other nodes
    #: (:func:`~riskmodel.engine.equations.buffer_start` and the functions after it)
    life: np.ndarray
    #: (r, 1|k) the shares the world draws on where they differ from the focal
    #: market's (``world_suppliers``, docs/model.md §1.3; normalised as ``row_share``),
    #: or None; :func:`~riskmodel.engine.destinations.expand` gives each destination
    #: class column its own
    world_share: np.ndarray | None = None
    #: cache of :meth:`edge_coef` (keyed by the arrays it was made from)
    coef_cache: Any = field(default=None, repr=False, compare=False)

    @property
    def k(self) -> int:
        return max(a.shape[1] for a in (
            self.row_share, self.dep0, self.ind0, self.covers, self.ne_share, self.subst,
            self.lead, self.inventory, self.weight, self.life, self.world_share)
            if a is not None)

    def columns(self, cols: np.ndarray) -> Params:
        """These numbers for the columns ``cols`` (an array of one column serves all),
        in C order: the kernels read a row's columns in sequence, and would otherwise copy
        the (Fortran-ordered) result of a gather on every call. ``np.take`` gathers
        straight into C order (``a[:, cols]`` then a C copy was 10× slower)."""
        def take(a: np.ndarray | None) -> np.ndarray | None:
            return np.take(a, cols, axis=1) if a is not None and a.ndim == 2 and \
                a.shape[1] > 1 else a
        return Params(**{f.name: take(getattr(self, f.name))
                         for f in fields(self) if f.name != "coef_cache"})

    def edge_coef(self, plan: Plan) -> np.ndarray:
        """Each input's covers (essential) or cost share (non-essential), first column,
        in the kernel's input order (``plan.e_edge``): read in sequence, not gathered.
        Kept with these numbers, and the last one made also for other numbers sharing
        these arrays (the class columns' numbers of each static pass do)."""
        key = (id(plan), id(self.covers), id(self.ne_share))
        for hit in (self.coef_cache, *_LAST_COEF):
            if hit is not None and hit[0] == key:
                self.coef_cache = hit
                return hit[1]
        coef = np.where(plan.e_kind == 2, self.ne_share[plan.e_edge, 0],
                        self.covers[plan.e_edge, 0]).astype(float)
        # the arrays are kept with the key so that their ids stay theirs
        self.coef_cache = (key, coef, plan, self.covers, self.ne_share)
        _LAST_COEF[:] = [self.coef_cache]
        return coef


#: The last :meth:`Params.edge_coef` made: (key, coefficients, and the arrays keyed).
_LAST_COEF: list[tuple] = []


def _col(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 1) if x.ndim == 1 else x


def params_from_compiled(c: Compiled, *, row_share: np.ndarray | None = None,
                         covers: np.ndarray | None = None, share: np.ndarray | None = None,
                         subst: np.ndarray | None = None, lead: np.ndarray | None = None,
                         inventory: np.ndarray | None = None,
                         value: np.ndarray | None = None,
                         life: np.ndarray | None = None,
                         world_share: np.ndarray | None = None) -> Params:
    """Engine parameters from compiled arrays; any may be replaced by ``(rows, k)`` draws
    (``world_share``: the world's shares, where the chain gives ``world_suppliers``)."""
    sup = c.supply
    r_node = np.repeat(np.arange(c.n), np.diff(sup.indptr))
    r_country = sup.indices.astype(np.int64)
    rs = _col(np.asarray(sup.data, dtype=float) if row_share is None else row_share)
    incidence = sparse.csr_matrix((np.ones(len(r_node)), (r_node, np.arange(len(r_node)))),
                                  shape=(c.n, len(r_node)))
    rs, total = _to_one(incidence, rs, r_node)
    ws = None
    if c.world is not None:
        ws = _to_one(incidence, _col(np.asarray(c.world.data, dtype=float)
                                     if world_share is None else world_share), r_node)[0]
    other = np.clip(1.0 - total, 0.0, None)
    lone = np.diff(sup.indptr) == 0
    if c.home is None:
        other[lone] = 1.0
    # every producer, "other" included, depends on its inputs (docs/model.md §1.3): all
    # of a node's supply is dependent; the total, not a re-summed total, so that shares
    # that sum to 1 give exactly 1
    dep0 = total + other
    ind0 = np.zeros_like(dep0)
    ne = np.where(c.edge_essential, 0.0, np.nan_to_num(c.edge_share, nan=0.0))
    if share is not None:
        share = _col(share)
        ne = np.where(_col(c.edge_essential), 0.0, np.nan_to_num(share, nan=0.0))
    if value is None:
        weight = _col(c.weight)
    else:
        v = np.where(_col(c.end_use), np.nan_to_num(_col(value), nan=0.0), 0.0)
        top = v.max(axis=0, keepdims=True) if len(v) else np.zeros((1, v.shape[1]))
        v = v / np.where(top > 0, top, 1.0)  # to at most 1 first, so that the sum is finite
        tot = v.sum(axis=0, keepdims=True)
        weight = np.where(tot > 0, v / np.where(tot > 0, tot, 1), _col(c.weight))
    return Params(
        row_node=r_node, row_country=r_country, row_share=rs, dep0=dep0,
        ind0=ind0, covers=_col(c.edge_covers if covers is None else covers),
        ne_share=_col(ne), subst=_col(c.substitutability if subst is None else subst),
        lead=_col(c.lead_time if lead is None else lead),
        inventory=_col(c.inventory if inventory is None else inventory), weight=weight,
        life=_col(np.nan_to_num(c.service_life if life is None else life, nan=0.0)),
        world_share=ws)


def _to_one(incidence: sparse.csr_matrix, rs: np.ndarray, r_node: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Row shares whose node totals lie within the rounding tolerance above 1, scaled to
    sum to 1; and the totals (at most 1)."""
    total = np.asarray(incidence @ rs)
    over = total > 1.0
    if over.any():
        scale = np.where(over, 1.0 / np.where(total > 0, total, 1.0), 1.0)
        rs = rs * scale[r_node]
        total = np.minimum(total, 1.0)
    return rs, total
