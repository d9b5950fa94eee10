"""Sampling the uncertainty in a chain's numbers (see docs/model.md §1.6).

Every number written with ``low``/``high`` is drawn from its distribution:
``triangular`` (mode at the value; the default) or ``uniform``. A node's supplier shares
are drawn together and scaled down when they sum above 1, so each drawn vector is still
a set of shares; so are its world shares (``world_suppliers`` in a home view), and where
a node gives none the world draws on its drawn ``suppliers``. Draws come from a
``numpy.random.Generator`` so that the same seed gives the same numbers; each field's
ranged values draw in the order of their identity (node id, node and country, edge), so
reordering the nodes, edges or supplier keys of a file changes no number.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel._errors import ArgumentError
from riskmodel.engine import Params
from riskmodel.limits import MAX_DRAWS, MAX_MONTHS
from riskmodel.model import Chain

__all__ = ["BLOCK", "Block", "Sampler", "check_draws", "draw_blocks", "ranged_count",
           "sample_params", "sample_run"]

#: Draws per block: each block of a Monte Carlo run draws from its own seed and is
#: evaluated alone, so that the numbers do not depend on how the blocks are batched,
#: nor on which worker runs them (docs/model.md §1.6).
BLOCK = 64


class Block(NamedTuple):
    """A block of draws: the draws ``start`` to ``start + size``, drawn from ``seed``."""

    start: int
    size: int
    seed: np.random.SeedSequence


def draw_blocks(draws: int, seed: int | None) -> list[Block]:
    """The blocks of :data:`BLOCK` draws of a run of ``draws`` (the last one shorter),
    each seeded by a child of ``numpy.random.SeedSequence(seed)``: block ``b`` draws the
    same numbers whatever the number of draws after it.

    >>> [(b.start, b.size) for b in draw_blocks(150, 0)]
    [(0, 64), (64, 64), (128, 22)]
    >>> a, b = draw_blocks(64, 7)[0].seed, draw_blocks(1000, 7)[0].seed
    >>> bool((np.random.default_rng(a).random(3) == np.random.default_rng(b).random(3)).all())
    True
    """
    n = -(-int(draws) // BLOCK)
    children = np.random.SeedSequence(seed).spawn(n)
    return [Block(b * BLOCK, min(BLOCK, int(draws) - b * BLOCK), s)
            for b, s in enumerate(children)]


def check_draws(draws: object, months: object = 0) -> None:
    """Refuse, before any work, a number of draws or a horizon out of its limits.

    >>> check_draws(0)
    Traceback (most recent call last):
    ...
    riskmodel._errors.ArgumentError: draws must be at least 1, found 0
    """
    for name, v, lo, hi in (("draws", draws, 1, MAX_DRAWS), ("months", months, 0, MAX_MONTHS)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ArgumentError(f"{name} must be a whole number, found {v!r}")
        if v < lo:
            raise ArgumentError(f"{name} must be at least {lo}, found {v}")
        if v > hi:
            raise ArgumentError(f"{name} must be at most {hi:,}, found {v:,}; "
                                f"use at most {hi:,} {name}")


def check_seed(seed: object) -> None:
    """Refuse a seed numpy cannot take (a negative number, text), in riskmodel's words.

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    riskmodel._errors.ArgumentError: seed must be None or a whole number >= 0, found -1
    """
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be None or a whole number >= 0, found {seed!r:.60}")


def _ranged_rows(df: pd.DataFrame, field: str, identity: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``df`` whose ``field`` carries a range, in the order of their
    ``identity`` (node id; node and country; edge), never in the order of the file, so
    that the same seed gives the same numbers however the chain's nodes, edges and
    supplier keys are ordered; and whether each is drawn uniform (else triangular)."""
    lo_col, hi_col = f"{field}.low", f"{field}.high"
    if lo_col not in df or hi_col not in df:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    lo = df[lo_col].to_numpy(dtype=float)
    hi = df[hi_col].to_numpy(dtype=float)
    mode = df[field].to_numpy(dtype=float)
    ranged = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isnan(mode) & (hi > lo)
    idx = np.flatnonzero(ranged)
    idx = idx[np.argsort(identity[idx], kind="stable")]
    dist = df[f"{field}.dist"].to_numpy(dtype=object)[idx] if f"{field}.dist" in df else \
        np.full(len(idx), None)
    return idx, np.array([d == "uniform" for d in dist], dtype=bool)


@dataclass
class _Slot:
    """One array of the engine's numbers and its ranged rows: ``base`` (every row's
    value) and, per ranged row in drawing order, its position in ``base`` and its
    ``low``/mode/``high``, the uniform rows first (as they are drawn)."""

    base: np.ndarray
    rows: np.ndarray
    lo: np.ndarray
    mode: np.ndarray
    hi: np.ndarray
    uniform: int  # the first ``uniform`` rows are uniform, the rest triangular

    @classmethod
    def of(cls, df: pd.DataFrame, field: str, identity: np.ndarray, base: np.ndarray,
           pos: np.ndarray, values: np.ndarray) -> _Slot:
        """The slot of ``field`` of ``df``: row ``i`` of ``df`` is row ``pos[i]`` of
        ``base``; where any row is ranged, every row of ``df`` takes ``values`` (its
        value in the table) in place of ``base``."""
        idx, uni = _ranged_rows(df, field, identity)
        base = np.asarray(base, dtype=float).reshape(-1)
        if len(idx) == 0:
            return cls(base, idx, *(np.zeros(0),) * 3, 0)
        base = base.copy()
        base[pos] = values
        idx = np.concatenate([idx[uni], idx[~uni]])
        num = [df[c].to_numpy(dtype=float)[idx] for c in (f"{field}.low", field,
                                                          f"{field}.high")]
        return cls(base, np.asarray(pos)[idx], *num, int(uni.sum()))

    def draw(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``(rows, k)`` draws, or ``base`` as one column ``(rows, 1)`` with no ranged
        row (the engine takes a single column for every draw)."""
        if len(self.rows) == 0:
            return self.base.reshape(-1, 1)
        out = np.repeat(self.base.reshape(-1, 1), k, axis=1)
        u = self.uniform
        if u:
            out[self.rows[:u]] = rng.uniform(self.lo[:u, None], self.hi[:u, None], size=(u, k))
        if len(self.rows) > u:
            t = slice(u, None)
            out[self.rows[t]] = rng.triangular(self.lo[t, None], self.mode[t, None],
                                               self.hi[t, None], size=(len(self.rows) - u, k))
        return out


class Sampler:
    """Draws of every ranged number of a chain, worked out once (which rows are ranged,
    in which order they draw, where they go) so that each batch of draws costs only the
    random numbers and the engine's arrays.

    ``Sampler(chain).draw(k, rng)`` gives the engine's parameters with ``k`` columns of
    draws; :attr:`count` is how many numbers carry a range. A node's supplier shares are
    drawn together and scaled down when they sum above 1 (by
    :func:`riskmodel.engine.params_from_compiled`); so are its world shares, and where a
    node gives no ``world_suppliers`` the world draws on its drawn ``suppliers``.

    >>> import riskmodel as rm
    >>> s = Sampler(rm.load("bicycle"))
    >>> s.count > 50, s.draw(3, np.random.default_rng(0)).k
    (True, 3)
    """

    def __init__(self, chain: Chain) -> None:
        data = chain.to_data()
        c = self.compiled = chain.compiled
        n_pos = c.index.get_indexer(data.nodes["id"])
        node_key = data.nodes["id"].astype(str).to_numpy()

        def node_slot(field: str, base: np.ndarray, default: float) -> _Slot:
            col = data.nodes[field].to_numpy(dtype=float) if field in data.nodes else \
                np.full(len(data.nodes), np.nan)
            fill = np.asarray(base, dtype=float)[n_pos] if np.isnan(default) else default
            return _Slot.of(data.nodes, field, node_key, base, n_pos,
                            np.where(np.isnan(col), fill, col))

        self.nodes = [node_slot("substitutability", c.substitutability, 0.0),
                      node_slot("lead_time_months", c.lead_time, 0.0),
                      node_slot("inventory_months", c.inventory, 0.0),
                      node_slot("capital.service_life_months", c.service_life, np.nan),
                      node_slot("value", c.value, np.nan)]
        # supplier shares, then the world's (a home view's world_suppliers), in the
        # compiled CSR order
        self.shares = _share_slot(data.suppliers, c, np.asarray(c.supply.data, float))
        self.world = self.follows = None
        if c.world is not None:
            self.world = _share_slot(data.world_suppliers, c,
                                     np.asarray(c.world.data, dtype=float))
            self.follows = _follows(c, data.world_suppliers)
        self.covers, self.share = _edge_slots(data.edges, c)
        slots = [*self.nodes, self.shares, self.world, self.covers, self.share]
        self.count = sum(len(s.rows) for s in slots if s is not None)

    def draw(self, k: int, rng: np.random.Generator) -> Params:
        """The engine's parameters with ``k`` columns of draws from ``rng`` (a number
        without a range stays one column for all)."""
        subst, lead, inventory, life, value = (s.draw(k, rng) for s in self.nodes)
        row_share = self.shares.draw(k, rng)
        world_share = None
        if self.world is not None:
            world_share = _world_follows(self.follows, row_share, self.world.draw(k, rng))
        return engine.params_from_compiled(
            self.compiled, row_share=row_share, covers=self.covers.draw(k, rng),
            share=self.share.draw(k, rng), subst=np.clip(subst, 0, 1),
            lead=np.maximum(lead, 0), inventory=np.maximum(inventory, 0), value=value,
            life=life, world_share=world_share)

    def numbers_per_draw(self) -> int:
        """How many numbers each draw holds beyond the shared ones (the parameter
        arrays that vary by draw), to size batches of draws."""
        probe = self.draw(2, np.random.default_rng(0))
        arrays = (probe.row_share, probe.world_share, probe.dep0, probe.ind0, probe.covers,
                  probe.ne_share, probe.subst, probe.lead, probe.inventory, probe.weight,
                  probe.life)
        return sum(a.shape[0] for a in arrays if a is not None and a.shape[1] > 1)


def sample_params(chain: Chain, k: int, rng: np.random.Generator) -> tuple[Params, int]:
    """Engine parameters with ``k`` columns of draws, and the number of ranged values
    (:class:`Sampler`; build one to draw several batches)."""
    s = Sampler(chain)
    return s.draw(k, rng), s.count


def sample_run(chain: Chain, draws: int, seed: int | None) -> tuple[Params, int]:
    """The parameters of every draw of a Monte Carlo run of ``draws`` from ``seed``
    (its blocks, :func:`draw_blocks`, side by side), and the number of ranged values:
    draw ``i`` of :func:`~riskmodel.monte_carlo` runs on column ``i``.

    >>> import riskmodel as rm
    >>> p, n = sample_run(rm.load("bicycle"), 100, 0)
    >>> p.k, n > 50
    (100, True)
    """
    s = Sampler(chain)
    parts = [s.draw(b.size, np.random.default_rng(b.seed)) for b in draw_blocks(draws, seed)]
    out = {}
    for f in fields(Params):
        if f.name == "coef_cache":
            continue
        arrays = [getattr(q, f.name) for q in parts]
        wide = arrays[0] is not None and arrays[0].ndim == 2 and arrays[0].shape[1] > 1
        out[f.name] = np.concatenate(arrays, axis=1) if wide else arrays[0]
    return Params(**out), s.count


def _share_slot(sups: pd.DataFrame, c: engine.Compiled, base: np.ndarray) -> _Slot:
    """The shares of a supplier table (``suppliers`` or ``world_suppliers``) in the
    compiled CSR order, ``base`` where a row has no range. The ranged rows draw in the
    order of their node and country."""
    sups = sups[sups["country"] != "other"]
    if not len(sups):
        return _Slot.of(sups, "share", np.zeros(0, dtype=object), base, np.zeros(0, int),
                        np.zeros(0))
    ncountry = max(len(c.countries), 1)
    csr_keys = (np.repeat(np.arange(c.n), np.diff(c.supply.indptr)) * ncountry
                + c.supply.indices)
    keys = (c.index.get_indexer(sups["node"]) * ncountry
            + pd.Index(c.countries).get_indexer(sups["country"]))
    pos = np.searchsorted(csr_keys, keys)
    identity = (sups["node"].astype(str) + "\0" + sups["country"].astype(str)).to_numpy()
    return _Slot.of(sups, "share", identity, base, pos, sups["share"].to_numpy(dtype=float))


def _edge_slots(e: pd.DataFrame, c: engine.Compiled) -> tuple[_Slot, _Slot]:
    """The slots of the edges' ``covers`` (of the grouped edges) and ``share``, in the
    compiled edge order; the edges draw in the order of their ends."""
    covers = np.asarray(c.edge_covers, dtype=float)
    share = np.nan_to_num(np.asarray(c.edge_share, dtype=float), nan=0.0)
    if not len(e):
        none = np.zeros(0, dtype=np.int64)
        return (_Slot.of(e, "covers", none, covers, none, np.zeros(0)),
                _Slot.of(e, "share", none, share, none, np.zeros(0)))
    src = c.index.get_indexer(e["from"])
    dst = c.index.get_indexer(e["to"])
    ekeys = dst.astype(np.int64) * c.n + src
    ckeys = c.in_dst.astype(np.int64) * c.n + c.in_src
    order = np.argsort(ckeys)
    epos = order[np.searchsorted(ckeys[order], ekeys)]
    grouped = e["group"].notna().to_numpy()
    cov_base = np.nan_to_num(e["covers"].to_numpy(dtype=float), nan=1.0)
    edge_key = (e["from"].astype(str) + "\0" + e["to"].astype(str)).to_numpy()
    return (_Slot.of(e[grouped], "covers", edge_key[grouped], covers, epos[grouped],
                     cov_base[grouped]),
            _Slot.of(e, "share", edge_key, share, epos,
                     np.nan_to_num(e["share"].to_numpy(dtype=float))))


def _follows(c: engine.Compiled, world: pd.DataFrame) -> np.ndarray:
    """The world's supplier rows that follow the node's drawn ``suppliers``: those of a
    node that gives no ``world_suppliers`` (docs/model.md §1.3)."""
    r_node = np.repeat(np.arange(c.n), np.diff(c.supply.indptr))
    own = np.zeros(c.n, dtype=bool)
    own[c.index.get_indexer(world.loc[world["node"].isin(c.index), "node"])] = True
    return ~own[r_node]


def _world_follows(follows: np.ndarray, row_share: np.ndarray, world_share: np.ndarray
                   ) -> np.ndarray | None:
    """The world's shares with the rows ``follows`` taking the drawn ``suppliers``;
    None when nothing is drawn."""
    if row_share.shape[1] == 1 and world_share.shape[1] == 1:
        return None
    width = max(row_share.shape[1], world_share.shape[1])
    out = np.repeat(world_share, width // world_share.shape[1], axis=1)
    out[follows] = np.broadcast_to(row_share, (len(follows), width))[follows]
    return out


def ranged_count(chain: Chain) -> int:
    """How many numbers in the chain carry a range."""
    return Sampler(chain).count


def numbers_per_draw(chain: Chain) -> int:
    """How many numbers each Monte Carlo draw holds beyond the shared ones (the
    parameter arrays that vary by draw), to size batches of draws."""
    return Sampler(chain).numbers_per_draw()
