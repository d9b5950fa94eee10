"""Batched single-node cuts: which supplier key cuts each node, the cut columns, and
their losses (docs/model.md §2.2–2.3).

A node's choke cut is a full stop of its supply by its dominant foreign controlling key
(:func:`dominant_keys`: what the key makes and what it controls, ``controlled_by``) to
all destinations but itself (``to: all``, docs/model.md §1.3), or to the home alone
(``to="home"``); :func:`single_cuts` makes one engine column per such cut, and
:func:`choke_losses` runs them in memory-bounded batches and reads their losses over the
horizon (:func:`horizon_reading`). :func:`knockouts` is the structural counterpart: the
node's whole supply falls to 0.

**Stops to all that equal lost supplies.** A stop by ``x`` to all destinations spares
only ``x``'s own producers (and, for a group, its members'). Where ``x`` makes no direct
successor of the cut node (and, in a global view, the node is not an end use that ``x``
makes), no producer in ``x``'s class sees anything else, so the stop costs exactly
what a lost supply (``to: world``) costs; such columns run as one, on the cone kernel,
and only the others over destination classes (:func:`spared_nowhere`).

**Groups.** The supplier cut is chosen among the chain's supplier keys by what a full
cut withholds: a declared group withholds its own row and its members' rows (as a
scenario's cut of the group does, so scores and simulations agree), a member only its
own row, never a part of a group row that includes it (:func:`expansion`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from riskmodel import engine
from riskmodel.engine import CutSpec, Params, Withheld
from riskmodel.engine.baseline import in_every_column
from riskmodel.engine.cones import spared_losses
from riskmodel.model import Chain, Compiled
from riskmodel.realised import marginal
from riskmodel.scoring.spared import members, spared_nowhere, spared_producers

__all__ = ["IMPACT", "ChokeLosses", "choke_losses", "columns_per_batch", "control_shares",
           "cut_shares", "dominant_keys", "expansion", "horizon_reading", "keys_of",
           "knockouts", "single_cuts", "spared_nowhere", "spared_producers"]

#: The end-use loss above which a cut counts as felt: a choke score's time to impact is
#: the first month its loss exceeds this (docs/model.md §2.3).
IMPACT = 0.001

#: Whom a choke cut withholds from (docs/model.md §1.3, §2.3).
TO_CHOICES = ("all", "home")


def columns_per_batch(n: int, k: int, extra: int = 0) -> int:
    """Columns per batch of ``k`` single-node cuts of an ``n``-node chain.

    Within the memory budget (``engine.batch_columns``), sized for 8 ``(n, k)`` arrays
    (wider batches were slower in bench_score), with ``extra`` further numbers per
    column.

    Examples
    --------
    >>> from riskmodel.scoring.cuts import columns_per_batch
    >>> columns_per_batch(1000, 10)
    10
    """
    return engine.batch_columns(n, k, arrays=8, extra=extra)


def expansion(chain: Chain) -> sparse.csr_matrix:
    """Which supplier keys' rows a full cut by each key withholds.

    Returns
    -------
    scipy.sparse.csr_matrix
        Supplier key × supplier key (in ``chain.compiled.countries`` order): a cut by
        key ``x`` withholds the rows of the keys ``E[x]``, itself and, for a declared
        group, its members that the chain names (as
        :func:`riskmodel.scenario.expand_country`). A cut by a member withholds its own
        rows only, never a part of a group row that includes it (the data do not split
        a group's share among its members).

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring import expansion
    >>> e = expansion(rm.load("bicycle"))  # no groups: each key withholds its own rows
    >>> e.shape, int(e.sum())
    ((11, 11), 11)
    """
    c = chain.compiled
    k = len(c.countries)
    cindex = {x: i for i, x in enumerate(c.countries)}
    rows, cols = list(range(k)), list(range(k))
    for name, group in chain.groups.items():
        i = cindex.get(name)
        if i is None or not isinstance(group, dict):
            continue
        for y in group.get("members") or []:
            j = cindex.get(y)
            if j is not None and j != i:
                rows.append(i)
                cols.append(j)
    e = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(k, k))
    e.sum_duplicates()
    e.data[:] = 1.0
    return e


def cut_shares(c: Compiled, expand: sparse.csr_matrix) -> sparse.csr_matrix:
    """The share of each node that a full cut by each key withholds.

    Parameters
    ----------
    c : Compiled
        The chain's compiled arrays.
    expand : scipy.sparse.csr_matrix
        The chain's :func:`expansion`.

    Returns
    -------
    scipy.sparse.csr_matrix
        Node × key: the key's own row plus, for a group, its members' rows.
    """
    out = (c.supply @ expand.T).tocsr()
    out.sum_duplicates()
    return out


def keys_of(c: Compiled) -> list[str]:
    """The keys a choke cut may name: the supplier keys (``c.countries``), then the
    jurisdictions that only control shares (``controlled_by``), by name.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring.cuts import keys_of
    >>> keys_of(rm.load("bicycle").compiled)[:3]
    ['CN', 'DE', 'ID']
    """
    return list(c.countries) + sorted(x for x in c.controls if x not in c.countries)


def _controlled_rows(c: Compiled, expand: sparse.csr_matrix, key: str) -> np.ndarray:
    """The supplier rows (entries of ``c.supply``) of other keys that ``key`` or a member
    controls (``controlled_by``, docs/model.md §1.3)."""
    if not c.controls:
        return np.zeros(0, dtype=np.int64)
    codes = members(c, expand, key)
    names = {key, *(c.countries[i] for i in codes)}
    parts = [c.controls[x] for x in sorted(names) if x in c.controls]
    if not parts:
        return np.zeros(0, dtype=np.int64)
    rows = np.unique(np.concatenate(parts)).astype(np.int64)
    return rows[~np.isin(c.supply.indices[rows], codes)]


def control_shares(c: Compiled, expand: sparse.csr_matrix
                   ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """The share of each node that a full cut by each key withholds, what it makes and
    what it controls: node × key (in :func:`keys_of` order).

    Returns
    -------
    (csr_matrix, csr_matrix)
        From the focal market's shares (``suppliers``), and the larger of that and the
        world's shares (``world_suppliers``; the same without them): what a stop to all
        withholds from any destination class.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scoring.cuts import control_shares, expansion
    >>> bike = rm.load("bicycle")
    >>> home, most = control_shares(bike.compiled, expansion(bike))
    >>> home.shape == most.shape, float(abs(home - most).sum())
    (True, 0.0)
    """
    keys = keys_of(c)
    n, k = c.n, len(keys)
    row_node = np.repeat(np.arange(n), np.diff(c.supply.indptr))
    tables = [c.supply] if c.world is None else [c.supply, c.world]
    out = []
    for table in tables:
        own = sparse.csr_matrix(table @ expand.T)
        own.resize((n, k))
        extra_r, extra_c, extra_v = [], [], []
        for i, x in enumerate(keys):
            rows = _controlled_rows(c, expand, x)
            extra_r.append(row_node[rows])
            extra_c.append(np.full(len(rows), i))
            extra_v.append(np.asarray(table.data, dtype=float)[rows])
        more = sparse.csr_matrix((np.concatenate([np.zeros(0), *extra_v]),
                                  (np.concatenate([np.zeros(0, np.int64), *extra_r]),
                                   np.concatenate([np.zeros(0, np.int64), *extra_c]))),
                                 shape=(n, k))
        both = (own + more).tocsr()
        both.sum_duplicates()
        out.append(both)
    most = out[0] if len(out) == 1 else out[0].maximum(out[1]).tocsr()
    return out[0], most


def dominant_keys(c: Compiled, shares: sparse.csr_matrix, keys: Sequence[str] | None = None
                  ) -> tuple[list[str | None], np.ndarray]:
    """Per node, the key whose full cut is scored (``cut_country``) and its ``exposure``.

    The key with the largest positive cut share in ``shares`` (:func:`cut_shares`, or
    :func:`control_shares` with ``keys`` its columns' names) other than the home
    country (ties: first by name); None and 0 where nothing foreign supplies or controls
    a positive share.

    Returns
    -------
    (list, ndarray)
        The key of each node, and the share of the node its full cut withholds.
    """
    keys = list(c.countries) if keys is None else list(keys)
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(shares.indptr))
    cols = shares.indices
    data = np.asarray(shares.data, dtype=float)
    home_col = keys.index(c.home) if c.home in keys else -1
    ok = (cols != home_col) & (data > 0)
    rows, cols, data = rows[ok], cols[ok], data[ok]
    name_rank = np.argsort(np.argsort(np.array(keys, dtype=object)))
    o = np.lexsort((name_rank[cols] if len(cols) else cols, -data, rows))
    rows, cols, data = rows[o], cols[o], data[o]
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    out: list[str | None] = [None] * n
    exposure = np.zeros(n)
    for j, x, d in zip(rows[first].tolist(), cols[first].tolist(), data[first].tolist(),
                       strict=True):
        out[j] = keys[x]
        exposure[j] = d
    return out, exposure


def single_cuts(c: Compiled, p: Params, nodes: np.ndarray, countries: Sequence[str | None],
                fraction: float = 1.0, *, expand: sparse.csr_matrix | None = None,
                to: str = "world", controls: bool = False) -> CutSpec:
    """The engine's cut columns for single-node cuts, one column per node.

    Column ``i``: ``countries[i]`` cuts ``fraction`` of all it supplies of
    ``nodes[i]`` from month 0, permanently (for a group, with its members' rows, as
    ``expand`` says; see :func:`expansion`), and with ``controls`` the rows of other
    keys it controls too (``controlled_by``). ``to`` says whom it withholds from
    (docs/model.md §1.3): ``"world"`` every producer (a lost supply), ``"all"`` every
    destination but the key itself (and its members), ``"home"`` the focal market
    alone. A None country cuts nothing.

    Returns
    -------
    CutSpec
        The columns, for ``engine.static_loss`` and ``engine.dynamic``.
    """
    sup = c.supply
    cindex = {x: i for i, x in enumerate(c.countries)}
    nc = max(1, len(c.countries))
    if expand is None:
        expand = sparse.identity(len(c.countries), format="csr")
    code = np.array([-1 if x is None else cindex.get(x, -1) for x in countries],
                    dtype=np.int64)
    nodes = np.asarray(nodes, dtype=np.int64)
    # every (column, key) the cuts expand to
    safe = np.maximum(code, 0)
    cnt = np.where(code >= 0, np.diff(expand.indptr)[safe] if len(code) else 0, 0)
    cnt = np.asarray(cnt, dtype=np.int64)
    total = int(cnt.sum())
    q_of = np.repeat(np.arange(len(code)), cnt)
    start = expand.indptr[safe] if len(code) else np.zeros(0, dtype=np.int64)
    idx = np.repeat(start - np.cumsum(cnt) + cnt, cnt) + np.arange(total)
    want = nodes[q_of] * nc + expand.indices[idx]
    # supplier rows by (node, country); a node names each country once
    row_key = np.repeat(np.arange(c.n), np.diff(sup.indptr)) * nc + sup.indices
    by_key = np.argsort(row_key, kind="stable")
    keys_sorted = row_key[by_key]
    pos = np.minimum(np.searchsorted(keys_sorted, want), max(len(row_key) - 1, 0))
    hit = keys_sorted[pos] == want if len(row_key) else np.zeros(len(want), dtype=bool)
    q_hit = q_of[hit]
    rows_hit = by_key[pos[hit]].astype(np.int64)
    if controls and c.controls:
        q_hit, rows_hit = _with_controlled(c, expand, nodes, countries, q_hit, rows_hit)
    cols, first = np.unique(q_hit, return_index=True)
    rows = np.split(rows_hit, first[1:]) if len(cols) else []
    q = len(cols)
    kind, keys = _choke_destinations(c, expand, [countries[i] for i in cols], to)
    return CutSpec(len(nodes), cols.astype(np.int64), rows, np.full(q, fraction), np.zeros(q),
                   np.full(q, math.inf), None, kind, keys)


def _with_controlled(c: Compiled, expand: sparse.csr_matrix, nodes: np.ndarray,
                     countries: Sequence[str | None], q_hit: np.ndarray,
                     rows_hit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(column, row)`` pairs of the cuts with the rows each key controls of its node
    added, sorted by column."""
    row_node = np.repeat(np.arange(c.n), np.diff(c.supply.indptr))
    more_q, more_r = [q_hit], [rows_hit]
    for x in sorted({x for x in countries if x is not None}):
        ctl = _controlled_rows(c, expand, x)
        if not len(ctl):
            continue
        cols = np.flatnonzero(np.array([y == x for y in countries], dtype=bool))
        # the controlled rows of each column's node
        o = np.argsort(row_node[ctl], kind="stable")
        ctl_nodes = row_node[ctl][o]
        lo = np.searchsorted(ctl_nodes, nodes[cols], side="left")
        hi = np.searchsorted(ctl_nodes, nodes[cols], side="right")
        cnt = hi - lo
        more_q.append(np.repeat(cols, cnt))
        more_r.append(ctl[o][np.repeat(lo - np.cumsum(cnt) + cnt, cnt)
                             + np.arange(int(cnt.sum()))])
    q_all, r_all = np.concatenate(more_q), np.concatenate(more_r).astype(np.int64)
    o = np.lexsort((r_all, q_all))
    return q_all[o], r_all[o]


def _choke_destinations(c: Compiled, expand: sparse.csr_matrix,
                        countries: Sequence[str | None], to: str
                        ) -> tuple[np.ndarray | None, list[np.ndarray] | None]:
    """``(to_kind, to_keys)`` of the atoms cut by ``countries`` (one each) under ``to``."""
    if to == "world":
        return None, None
    if to == "all":
        keys = [np.asarray(members(c, expand, x) if x is not None else [], dtype=np.int64)
                for x in countries]
        return np.full(len(countries), engine.TO_ALL_BUT, dtype=np.int8), keys
    if to == "home":
        if c.home is None:
            raise ValueError("a choke cut to the home needs a home view (perspective: "
                             "{home: CC}); this chain has a global view: use to='all'")
        home = np.asarray([c.countries.index(c.home)] if c.home in c.countries else [],
                          dtype=np.int64)
        return np.full(len(countries), engine.TO_LISTED, dtype=np.int8), [home] * len(
            countries)
    raise ValueError(f"unknown destination {to!r} for a choke cut; valid: all, home, world")


def knockouts(c: Compiled, p: Params, nodes: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """What follows when each node's whole supply falls to 0 at once (docs/model.md §2.2).

    Returns
    -------
    (ndarray, ndarray, list of ndarray)
        Per node: the end-use loss, the end-use weight that loses anything (more than
        ``engine.settings.TINY``), and the end-use nodes that stop (availability ≤
        ``engine.settings.TINY``).
    """
    k = len(nodes)
    cols = np.arange(k, dtype=np.int64)
    dep, ind = p.dep0[nodes, 0].copy(), p.ind0[nodes, 0].copy()
    res = engine.cone_losses(c, p, nodes.astype(np.int64), cols, dep[None, :], ind[None, :],
                             k, 1, stock=False, last=True)
    if res is not None:
        assert res.reach is not None and res.dead_ptr is not None
        assert res.dead_nodes is not None
        dead = np.split(res.dead_nodes, res.dead_ptr[1:-1])
        return res.loss[0], res.reach, [np.sort(x) for x in dead]
    plan = engine.plan_for(c)
    # the end uses, and any node a target weighs (riskmodel.targets)
    end_idx = np.flatnonzero(c.end_use | (p.weight != 0).any(axis=1))
    w = p.weight[end_idx, 0]
    loss, reach, dead_lists = np.zeros(k), np.zeros(k), []
    size = columns_per_batch(c.n, k)
    for lo in range(0, k, size):
        sl = slice(lo, min(k, lo + size))
        o = np.argsort(nodes[sl], kind="stable")
        cut = Withheld(nodes[sl][o].astype(np.int64), cols[: sl.stop - lo][o], dep[sl][o],
                       ind[sl][o])
        A = engine.propagate(plan, p, cut, None, sl.stop - lo, ids=c.ids)[end_idx]
        loss[sl] = w @ (1.0 - A)
        reach[sl] = w @ (1.0 - A > engine.settings.TINY)
        dead = A <= engine.settings.TINY
        dead_lists.extend(end_idx[dead[:, i]] for i in range(sl.stop - lo))
    return loss, reach, dead_lists


@dataclass
class ChokeLosses:
    """End-use losses of single-node cuts, per node (NaN where not computed): the
    immediate and long-run bounds; over the horizon, the average loss (value-months
    lost ÷ value × horizon, docs/model.md §2.3), the loss in the single month read and
    the time to impact (the first month the loss exceeds :data:`IMPACT`, NaN if none
    does); and the average with every stock set to 0 and no installed base."""

    immediate: np.ndarray
    long_run: np.ndarray
    dynamic: np.ndarray
    no_stock: np.ndarray
    month: np.ndarray
    impact: np.ndarray


def horizon_reading(loss: np.ndarray, horizon: int, month: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(average, at_month, impact)`` per column of monthly losses ``(months, k)``.

    ``average`` is the mean loss over months ``0 .. horizon − 1`` (value-months lost ÷
    value × horizon, as a simulation's ``cumulative_loss / horizon``), ``at_month`` the
    loss in month ``month`` (default ``horizon``: the month ``horizon`` months after the
    cut began), and ``impact`` the first month whose loss exceeds :data:`IMPACT` among
    those read (NaN if none).

    Examples
    --------
    >>> import numpy as np
    >>> from riskmodel.scoring.cuts import horizon_reading
    >>> loss = np.array([[0.0], [0.0], [0.0], [1.0], [1.0]])  # a 3-month stock
    >>> [x.tolist() for x in horizon_reading(loss, 4)]
    [[0.25], [1.0], [3.0]]
    """
    month = horizon if month is None else month
    average = loss[:horizon].mean(axis=0)
    over = loss[:max(horizon, month + 1)] > IMPACT
    impact = np.where(over.any(axis=0), over.argmax(axis=0), np.nan).astype(float)
    return average, loss[month].copy(), impact


def months_read(horizon: int, month: int | None) -> int:
    """How many months the dynamics run for :func:`horizon_reading`."""
    return max(horizon, horizon if month is None else month) + 1


def choke_losses(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
                 horizon: int, *, what: tuple[str, ...] = ("immediate", "long_run",
                                                           "dynamic", "no_stock"),
                 progress: Any = None, expand: sparse.csr_matrix | None = None,
                 held: CutSpec | None = None, month: int | None = None,
                 to: str = "world", controls: bool = False,
                 realised: float | None = None) -> ChokeLosses:
    """Choke losses of the given nodes, in memory-bounded batches.

    Each node is cut by its country (expanded by ``expand``: see :func:`expansion`; with
    ``controls`` the rows it controls too), withholding from ``to`` (see
    :func:`single_cuts`); only the losses named in ``what`` are computed, each advancing
    ``progress`` (a progress bar, or None) by the number of nodes. ``dynamic`` and
    ``no_stock`` are read over ``horizon`` months (:func:`horizon_reading`; ``month``
    the single month). ``held`` (one column of restrictions in force, docs/model.md
    §1.5) joins every cut: the losses are then the totals, the restrictions' realised
    loss included, unless ``realised`` is given: then every figure, each month's loss
    before it is read, is the marginal one (the total less ``realised``, never below 0).
    Stops to all that cost what a lost supply costs run as one (module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> import riskmodel as rm
    >>> from riskmodel import engine
    >>> from riskmodel.scoring.cuts import choke_losses
    >>> c = rm.load("bicycle").compiled
    >>> j = np.array([c.index.get_loc("drivetrain")])
    >>> res = choke_losses(c, engine.params_from_compiled(c), j, ["JP"], 12, to="all")
    >>> round(float(res.immediate[0]), 3), round(float(res.month[0]), 3)
    (0.7, 0.607)
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    k = len(nodes)
    names = ("immediate", "long_run", "dynamic", "no_stock", "month", "impact")
    out = {w: np.full(k, np.nan) for w in names}
    ex = expand if expand is not None else sparse.identity(len(c.countries), format="csr")
    plain = np.full(k, to == "world")
    near = np.zeros(k, dtype=bool)
    if to == "all" and k:
        plain = spared_nowhere(c, nodes, countries, ex,
                               strict=held is not None and held.targeted)
        if held is None:  # the cone kernel starts from full buffers
            near = ~plain & spared_producers(c, p, nodes, countries, ex)[0]
    for part, dest in ((np.flatnonzero(plain), "world"), (np.flatnonzero(near), "near"),
                       (np.flatnonzero(~plain & ~near), to)):
        if not len(part):
            continue
        res = _choke_part(c, p, nodes[part], [countries[i] for i in part], horizon,
                          what=what, expand=ex, held=held, month=month, to=dest,
                          controls=controls, realised=realised)
        for w in names:
            out[w][part] = res[w]
    if progress is not None:
        progress.update(k * len(what))
    return ChokeLosses(**out)


def _choke_part(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
                horizon: int, *, what: tuple[str, ...], expand: sparse.csr_matrix,
                held: CutSpec | None, month: int | None, to: str, controls: bool,
                realised: float | None) -> dict[str, np.ndarray]:
    """:func:`choke_losses` of columns that all withhold from ``to``; ``"near"``: stops to
    all that the cone kernel runs as lost supplies with the key's producers spared
    (:func:`spared_producers`), over destination classes where it would not pay."""
    k = len(nodes)
    out = {w: np.full(k, np.nan) for w in ("immediate", "long_run", "dynamic", "no_stock",
                                           "month", "impact")}
    # columns in topological order, so that each node computes only the cuts above it
    level = engine.plan_for(c).node_level
    perm = np.argsort(level[nodes], kind="stable")
    nodes = nodes[perm]
    countries = [countries[i] for i in perm]
    size = columns_per_batch(c.n, k)
    p_no_stock = Params(**{**p.__dict__, "inventory": np.zeros_like(p.inventory),
                           "life": np.zeros_like(p.life)})  # no installed base either
    spared = spared_producers(c, p, nodes, countries, expand)[1] if to == "near" else None
    spec = single_cuts(c, p, nodes, countries, expand=expand,
                       to="world" if to == "near" else to, controls=controls)
    if held is not None:
        spec = in_every_column(spec, held)
    classes = None  # the same stops over destination classes, made when needed

    def net(x: np.ndarray) -> np.ndarray:
        return x if realised is None else np.maximum(0.0, marginal(x, realised))

    for w in what:
        q = p if w != "no_stock" else p_no_stock
        static = w in ("immediate", "long_run")
        res = None if spared is None else spared_losses(
            c, q, spec, spared, mode=w if static else None,
            months=None if static else months_read(horizon, month))
        if res is None and spared is not None:
            classes = classes or single_cuts(c, p, nodes, countries, expand=expand,
                                             to="all", controls=controls)
        run = spec if spared is None else classes
        if static:
            out[w][:] = net(res if res is not None else engine.static_loss(
                c, p, run, mode=w, chunk=size))
            continue
        loss = net(res if res is not None else engine.dynamic(
            c, q, run, months_read(horizon, month), chunk=size).loss)
        avg, at, impact = horizon_reading(loss, horizon, month)
        out[w][:] = avg
        if w == "dynamic":
            out["month"][:], out["impact"][:] = at, impact
    back = np.empty(k, dtype=np.int64)
    back[perm] = np.arange(k)
    return {w: v[back] for w, v in out.items()}
