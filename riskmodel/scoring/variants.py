"""Many rescorings of one chain, each with one ranged number set elsewhere, at once
(the runs of :func:`~riskmodel.scoring.sensitivity`; docs/model.md §2.7).

A rescoring needs only every node's choke score, and from one variant to the next
only one number differs. So the chain is checked, its restrictions in force resolved
and its arrays compiled once: a variant is the compiled arrays with that number (and
what it moves with it: the shares scaled to make room, the weights of the end uses)
patched in a copy of the one array it lives in (:func:`patched`); its numbers
(:func:`~riskmodel.engine.params_from_compiled`), its cut keys and the columns whose
stops to all cost a lost supply are made from the patched arrays, as
:func:`~riskmodel.scoring.score` makes them; and the cuts of many variants run as the
columns of one engine call, each column with its variant's numbers
(:func:`rescore_unit`).

This gives :func:`~riskmodel.scoring.score`'s choke scores where it scores every node
exactly (a chain of at most ``exact_limit`` nodes whose cuts are cheap enough to score
all, :func:`scores_every_node`), to the engine's rounding (the tests hold it to
``score`` of each variant chain within 1e-12); elsewhere :func:`rescore_unit` scores
each variant chain (:func:`variant_chain`) with ``score``. The variants come in units
of :data:`UNIT`, the same however they run (serially or on a ``client``), so the same
numbers come back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.engine import Params
from riskmodel.engine.baseline import in_every_column
from riskmodel.io.tables import ChainData
from riskmodel.model import Chain, Compiled
from riskmodel.realised import marginal
from riskmodel.scoring.choke import SCORE_WORK, score
from riskmodel.scoring.cuts import (
    columns_per_batch,
    control_shares,
    dominant_keys,
    horizon_reading,
    keys_of,
    months_read,
    single_cuts,
    spared_nowhere,
)
from riskmodel.scoring.held import Held
from riskmodel.targets import Target, with_target

__all__ = ["UNIT", "Number", "Rescoring", "Spot", "edited", "locate", "patched", "rescore",
           "rescore_unit", "scores_every_node", "variant_chain"]

#: Variants per unit of work (one engine call per destination and memory-sized batch).
UNIT = 96

#: node columns of the chain tables → the compiled array that holds them
_NODE_ARRAYS = {"inventory_months": "inventory", "substitutability": "substitutability",
                "lead_time_months": "lead_time", "capital.service_life_months": "service_life"}


@dataclass(frozen=True)
class Spot:
    """Where a ranged number sits in the chain's tables."""

    table: str    # "nodes", "suppliers", "world_suppliers" or "edges"
    row: Any      # the row's index label in that table
    column: str   # the column of the number


def edited(table: pd.DataFrame, spot: Spot, value: float) -> tuple[pd.DataFrame, float]:
    """The rows of ``table`` that setting ``spot`` to ``value`` changes, as changed, and
    the value used. A supplier share set above what the node's other shares leave takes
    the excess from them, in proportion, so that the shares sum to at most 1 (the rows
    are then every row of the node, the others with their ranges cleared: scaled down,
    they leave them); an alternative's ``covers`` set so low that its group no longer
    covers the whole need (which the chain format refuses) is raised to the least that
    does."""
    if spot.table == "edges" and spot.column == "covers":
        r = table.loc[spot.row]
        mates = ((table["to"] == r["to"]) & (table["group"] == r["group"])
                 & (table.index != spot.row))
        value = max(value, 1.0 - float(table.loc[mates, "covers"].fillna(1.0).sum()))
    if spot.table not in ("suppliers", "world_suppliers"):
        rows = table.loc[[spot.row]].copy()
        rows.loc[spot.row, spot.column] = value
        return rows, float(value)
    rows = table[table["node"] == table.loc[spot.row, "node"]].copy()
    rows.loc[spot.row, spot.column] = value
    others = rows.index != spot.row
    total = float(rows["share"].sum())
    rest = float(rows.loc[others, "share"].sum())
    if total > 1.0 and rest > 0:
        rows.loc[others, "share"] *= max(0.0, 1.0 - value) / rest
        for col in ("share.low", "share.high"):
            if col in rows:
                rows.loc[others, col] = np.nan
    return rows, float(value)


def variant_chain(data: ChainData, spot: Spot, value: float) -> tuple[Chain, float]:
    """The chain of ``data`` with one number set to ``value`` (:func:`edited`), and the
    value used: the tables copied and compiled again (what :func:`patched` avoids)."""
    table: pd.DataFrame = getattr(data, spot.table).copy()
    rows, used = edited(table, spot, value)
    table.loc[rows.index, rows.columns] = rows
    return Chain.from_data(replace(data, **{spot.table: table}), checked=True), used


@dataclass(frozen=True)
class Number:
    """A ranged number located in the compiled arrays (:func:`locate`)."""

    spot: Spot
    #: the compiled array that holds it (``supply`` for a supplier share)
    array: str
    #: its position there; for a share, the positions of the node's named shares
    at: np.ndarray
    #: a share: every share of its node's rows (NaN where none), which of them are
    #: named (not ``other``, given), and which row is the number's own
    shares: np.ndarray
    named: np.ndarray
    me: int
    #: covers: the least that still covers the group's need (else −inf)
    floor: float
    #: a share the world also draws on (its node has no world shares of its own)
    world_too: bool


def locate(c: Compiled, data: ChainData, spot: Spot) -> Number:
    """Where the number at ``spot`` of ``data`` lives in ``c`` (compiled from ``data``),
    with what :func:`patched` needs to set it as :func:`edited` does."""
    table = getattr(data, spot.table)
    r = table.loc[spot.row]
    none = np.zeros(0)
    if spot.table == "nodes":
        name = "value" if spot.column == "value" else _NODE_ARRAYS[spot.column]
        return Number(spot, name, np.array([c.index.get_loc(r["id"])]), none,
                      none.astype(bool), 0, -np.inf, False)
    if spot.table == "edges":
        floor = -np.inf
        if spot.column == "covers":
            floor, _ = edited(table, spot, -np.inf)
            floor = float(floor.loc[spot.row, "covers"])
        return Number(spot, "edge_covers" if spot.column == "covers" else "edge_share",
                      np.array([_edge_at(c, r["from"], r["to"])]), none, none.astype(bool),
                      0, floor, False)
    rows = table[table["node"] == r["node"]]
    named = ((rows["country"] != "other") & rows["share"].notna()).to_numpy()
    j = c.index.get_loc(r["node"])
    at = np.array([_entry(c.supply, j, c.countries.index(x))
                   for x in rows.loc[named, "country"]], dtype=np.int64)
    world_too = c.world is not None and spot.table == "suppliers" and not (
        data.world_suppliers["node"] == r["node"]).any()
    return Number(spot, "supply" if spot.table == "suppliers" else "world", at,
                  rows["share"].to_numpy(dtype=float), named,
                  int(rows.index.get_loc(spot.row)), -np.inf, world_too)


def patched(c: Compiled, num: Number, value: float) -> tuple[Compiled, float]:
    """``c`` with the number ``num`` set to ``value`` as :func:`variant_chain` sets it
    (:func:`edited`'s rules), patched into a copy of the array that holds it (the
    end-use weights made again from the values, as compiling makes them); and the
    value used."""
    if num.array in ("supply", "world"):
        sh = num.shares.copy()
        sh[num.me] = value
        others = np.arange(len(sh)) != num.me
        total, rest = float(np.nansum(sh)), float(np.nansum(sh[others]))
        if total > 1.0 and rest > 0:
            sh[others] *= max(0.0, 1.0 - value) / rest
        out = {num.array: _set(getattr(c, num.array), num.at, sh[num.named])}
        if num.world_too:
            out["world"] = _set(c.world, num.at, sh[num.named])
        return replace(c, **out), float(value)
    used = float(max(value, num.floor))
    a = getattr(c, num.array).copy()
    a[num.at] = used
    if num.array == "value":
        return replace(c, value=a, weight=_weights(c.end_use, a)), used
    return replace(c, **{num.array: a}), used


def _weights(end_use: np.ndarray, value: np.ndarray) -> np.ndarray:
    """End-use weights from values, as compiling makes them (docs/model.md §1.5)."""
    w = np.where(end_use, np.nan_to_num(value, nan=0.0), 0.0)
    if end_use.any() and not (w > 0).any():
        w = end_use.astype(float)
    if (w > 0).any():
        w = w / w.max()
    return w / w.sum() if w.sum() > 0 else w


def _edge_at(c: Compiled, src: Any, dst: Any) -> int:
    """The compiled input (edge) from ``src`` to ``dst``."""
    s, d = c.index.get_loc(src), c.index.get_loc(dst)
    lo, hi = c.in_ptr[d], c.in_ptr[d + 1]
    return int(lo + np.flatnonzero(c.in_src[lo:hi] == s)[0])


def _entry(m: Any, row: int, col: int) -> int:
    """The position in ``m.data`` of entry ``(row, col)`` of a CSR matrix."""
    lo, hi = m.indptr[row], m.indptr[row + 1]
    return int(lo + np.flatnonzero(m.indices[lo:hi] == col)[0])


def _set(m: Any, at: np.ndarray, vals: np.ndarray) -> Any:
    """A copy of CSR ``m`` with ``m.data[at] = vals``."""
    out = m.copy()
    out.data[at] = vals
    return out


@dataclass
class Rescoring:
    """What every unit of variants reads (sent to each worker once): the chain's
    tables and compiled arrays, how a score reads its cuts, and the variants."""

    data: ChainData
    c: Compiled
    expand: Any
    held: Held
    target: Target | None
    to: str
    month: int | None
    #: the horizons read (one per tornado run; the sweep's, for the base)
    horizons: tuple[int, ...]
    #: per variant: the number (:func:`locate`) and the value set (None: the base chain)
    numbers: Sequence[Number | None]
    values: Sequence[float]
    #: score every variant chain with ``score`` (:func:`scores_every_node` says no)
    options: dict[str, Any] | None = None


def rescore(chain: Chain, spots: Sequence[Spot], values: Sequence[float],
            opts: dict[str, Any], horizon: int, horizons: Sequence[int], *,
            client: Any = None, unit: int | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every node's choke score with each number at ``spots`` set to its value
    ``(len(spots), n)``, as :func:`~riskmodel.scoring.score` with ``opts`` (at
    ``horizon``) scores the chain so changed; the values used; and the base chain's at
    each of ``horizons`` ``(len(horizons), n)``. The chain is checked, its restrictions
    resolved and compiled once; the variants run in units of ``unit`` (default
    :data:`UNIT`) on ``client`` (:func:`riskmodel.distributed.run`) or serially, with
    the same numbers."""
    from riskmodel.distributed import run
    from riskmodel.scoring.cuts import expansion
    from riskmodel.scoring.held import restrictions
    from riskmodel.targets import resolve

    c, data = chain.compiled, chain.to_data()
    tgt = resolve(chain, opts.get("target"))
    held = restrictions(chain, with_target(c, engine.params_from_compiled(c), tgt),
                        opts.get("baseline"))
    month = opts.get("month")
    exact = scores_every_node(c, held, max([horizon, *horizons]), month,
                              opts.get("exact_limit", 100_000))
    located = {s: locate(c, data, s) for s in dict.fromkeys(spots)}
    work = Rescoring(data, c, expansion(chain), held, tgt, opts.get("to", "all"), month,
                     (horizon,), [located[s] for s in spots], list(values),
                     None if exact else opts)
    size = unit or UNIT
    units = [range(lo, min(len(spots), lo + size)) for lo in range(0, len(spots), size)]
    parts = run(rescore_unit, work, units, client=client)
    scores = np.concatenate([np.zeros((0, c.n)), *(x[:, 0] for x, _ in parts)])
    used = np.concatenate([np.zeros(0), *(u for _, u in parts)])
    sweep = np.zeros((0, c.n))
    if len(horizons):
        sweep = rescore_unit(replace(work, horizons=tuple(int(x) for x in horizons),
                                     numbers=[None], values=[np.nan]), range(1))[0][0]
    return scores, used, sweep


def rescore_unit(w: Rescoring, unit: range) -> tuple[np.ndarray, np.ndarray]:
    """The choke score of every node ``(variants, horizons, n)`` in the variants
    ``unit`` (indices into ``w.numbers``), and the values used."""
    made = [(w.c, np.nan) if w.numbers[i] is None else patched(w.c, w.numbers[i],
                                                               w.values[i]) for i in unit]
    used = np.array([u for _, u in made])
    if w.options is not None:
        out = np.zeros((len(unit), len(w.horizons), w.c.n))
        for a, i in enumerate(unit):
            num = w.numbers[i]
            chain = Chain.from_data(w.data, checked=True) if num is None else \
                variant_chain(w.data, num.spot, w.values[i])[0]
            for b, h in enumerate(w.horizons):
                s = score(chain, **{**w.options, "horizon": h})
                out[a, b] = s["choke_score"].reindex(w.c.ids).to_numpy(dtype=float)
        return out, used
    return _batched(w, [v for v, _ in made]), used


def _batched(w: Rescoring, variants: list[Compiled]) -> np.ndarray:
    """Every node's choke score ``(variants, horizons, n)``: each variant's cuts as
    :func:`~riskmodel.scoring.score` makes them, all variants' columns in one engine
    call per destination (in memory-sized batches)."""
    c, held = w.c, w.held
    ps = [with_target(v, engine.params_from_compiled(v), _target_of(v, w.target))
          for v in variants]
    stacked = _stacked(ps)
    realised = np.zeros(len(variants))
    if held.spec is not None:
        realised = engine.static_loss(c, stacked, in_every_column(
            engine.CutSpec.none(len(variants)), held.spec), mode="long_run")
    first = _columns(w, c, c)
    cols = [first if v.supply is c.supply else _columns(w, v, c) for v in variants]
    var = np.concatenate([np.full(len(n), i) for i, (n, _, _) in enumerate(cols)]).astype(int)
    nodes = np.concatenate([n for n, _, _ in cols]).astype(np.int64)
    keys = [x for _, cc, _ in cols for x in cc]
    plain = np.concatenate([p for _, _, p in cols]).astype(bool)
    out = np.zeros((len(variants), len(w.horizons), c.n))
    level = engine.plan_for(c).node_level
    months = max(months_read(h, w.month) for h in w.horizons)
    size = columns_per_batch(c.n, max(1, len(nodes)), extra=len(ps[0].row_node) // c.n + 2)
    for mask, dest in ((plain, "world"), (~plain, w.to)):
        idx = np.flatnonzero(mask)
        idx = idx[np.argsort(level[nodes[idx]], kind="stable")]
        for lo in range(0, len(idx), size):
            part = idx[lo:lo + size]
            p = stacked.columns(var[part])
            spec = single_cuts(c, p, nodes[part], [keys[i] for i in part],
                               expand=w.expand, to=dest, controls=True)
            if held.spec is not None:
                spec = in_every_column(spec, held.spec)
            loss = engine.dynamic(c, p, spec, months).loss
            if held.spec is not None:
                loss = np.maximum(0.0, marginal(loss, realised[var[part]][None, :]))
            for b, h in enumerate(w.horizons):
                out[var[part], b, nodes[part]] = horizon_reading(loss, h, w.month)[0]
    return out


def _target_of(c: Compiled, target: Target | None) -> Target | None:
    """``target`` weighted as the values of ``c`` say (:func:`riskmodel.targets.resolve`:
    by value where every node has a finite positive one, else equally)."""
    if target is None:
        return None
    v = np.nan_to_num(np.asarray(c.value, dtype=float)[c.index.get_indexer(
        list(target.nodes))], nan=0.0)
    return replace(target, weighting="value" if (v > 0).all() and np.isfinite(v.sum())
                   else "equal")


def _stacked(ps: list[Params]) -> Params:
    """One column per variant."""
    def join(name: str) -> Any:
        parts = [getattr(p, name) for p in ps]
        return None if parts[0] is None else np.hstack(parts)
    return Params(row_node=ps[0].row_node, row_country=ps[0].row_country, **{
        f: join(f) for f in ("row_share", "dep0", "ind0", "covers", "ne_share", "subst",
                             "lead", "inventory", "weight", "life", "world_share")})


def _columns(w: Rescoring, v: Compiled, base: Compiled
             ) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """A variant's cut columns as :func:`~riskmodel.scoring.score` makes them: every
    node with a key to cut, in order, its key, and whether its stop to all costs what a
    lost supply costs (:func:`~riskmodel.scoring.cuts.spared_nowhere`)."""
    keys = keys_of(v)
    countries, _ = dominant_keys(v, control_shares(v, w.expand)[0], keys)
    nodes = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    cc = [countries[j] for j in nodes]
    if w.to != "all" or not len(nodes):
        return nodes, cc, np.full(len(nodes), w.to == "world")
    # what spared_nowhere reads of the numbers is which shares are positive: the base
    # arrays (whose plan the engine has) serve where those are the same
    same = v.supply is base.supply or np.array_equal(v.supply.data > 0, base.supply.data > 0)
    strict = w.held.spec is not None and w.held.spec.targeted
    return nodes, cc, spared_nowhere(base if same else v, nodes, cc, w.expand,
                                     strict=strict)


def scores_every_node(c: Compiled, held: Held, horizon: int, month: int | None,
                      exact_limit: int) -> bool:
    """Whether :func:`~riskmodel.scoring.score` scores every node exactly, whatever the
    numbers: the chain has at most ``exact_limit`` nodes and cuts of all its nodes
    would cost at most ``SCORE_WORK`` steps by the column-block kernel's estimate
    (``score``'s first test; fewer cut nodes cost no more)."""
    if c.n > exact_limit:
        return False
    plan = engine.plan_for(c)
    nodes = np.argsort(plan.node_level, kind="stable").astype(np.int64)
    k = len(nodes)
    cols = np.arange(k)
    if held.anchor >= 0:
        nodes, cols = np.r_[nodes, np.full(k, held.anchor)], np.r_[cols, cols]
    limit = engine.column_limits(plan, nodes, cols, k)
    cap = SCORE_WORK // (months_read(horizon, month) + 2)
    return bool(float(limit @ (np.diff(plan.eptr) + 1)) <= cap)
