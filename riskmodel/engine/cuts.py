"""Cuts as the engine takes them: atoms over supplier rows and columns
(:class:`CutSpec`), the shares they withhold (:class:`Withheld`), and whole-country
cuts as a small table for the column-block kernel (:class:`CountryTable`).

The net withheld fraction of a row is ``x = max_q f_q · (1 − s · ρ_q)`` over the cuts
``q`` in force on it, each ramping from the start of the run of months in which cuts on
that row are in force without a gap (:func:`ramp_starts`; docs/model.md §1.5; the
equations are in :mod:`riskmodel.engine`, the ramp ρ and the net fraction in
:mod:`riskmodel.engine.equations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from riskmodel.engine import equations
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.params import Params

__all__ = ["TO_ALL_BUT", "TO_EVERYONE", "TO_LISTED", "CountryTable", "CutSpec", "Withheld",
           "no_classes", "no_table", "pair_params", "ramp_starts", "split_country_atoms",
           "withheld"]

#: Whom a cut atom withholds from (:attr:`CutSpec.to_kind`; docs/model.md §1.3).
TO_EVERYONE, TO_ALL_BUT, TO_LISTED = 0, 1, 2


def ramp_starts(key: np.ndarray, start: np.ndarray, end: np.ndarray,
                fraction: np.ndarray) -> np.ndarray:
    """The month each entry's substitution ramps from: the start of the merged interval
    that holds it, among the entries with the same ``key`` (one supply: a supplier row in
    one column).

    Each entry is in force over ``[start, end)``; intervals on one supply that overlap or
    touch merge, so a second or larger cut continues the ramp of the cuts before it, and
    one after a gap starts a new ramp (docs/model.md §1.5). An entry withholding nothing
    (``fraction ≤ 0``) starts no ramp and bridges no gap.

    Examples
    --------
    >>> import numpy as np
    >>> inf = np.inf
    >>> # one supply: months 0-5, then from 5 (touching); another: 0-2, then from 4 (a gap)
    >>> ramp_starts(np.array([0, 0, 1, 1]), np.array([0., 5., 0., 4.]),
    ...             np.array([5., inf, 2., inf]), np.ones(4)).tolist()
    [0.0, 0.0, 0.0, 4.0]
    """
    n = len(key)
    start = np.asarray(start, dtype=float)
    if n == 0:
        return start.copy()
    reach_end = np.where(np.asarray(fraction) > 0, end, start)
    # times as ranks (exact, inf included), so that (key, time) packs into one integer
    _, rank = np.unique(np.concatenate([start, reach_end]), return_inverse=True)
    width = int(rank.max()) + 1
    o = np.lexsort((rank[:n], key))
    base = np.asarray(key, dtype=np.int64)[o] * width
    begins = base + rank[:n][o]
    reach = np.maximum.accumulate(base + rank[n:][o])  # within a key: the merged end so far
    new = np.ones(n, dtype=bool)
    new[1:] = begins[1:] > reach[:-1]  # a new key, or a gap since the last interval
    first = np.flatnonzero(new)
    out = np.empty(n)
    out[o] = start[o][first][np.cumsum(new) - 1]
    return out


@dataclass(frozen=True)
class CutSpec:
    """Cuts for ``k`` columns: each atom withholds ``fraction`` of some supplier rows of
    one column from month ``start`` to ``end`` (exclusive; ``inf`` = permanent).

    Atoms are reduced to unique (supplier row, column) *pairs*, each one supply. The
    substitution of a pair ramps from the first month of the run of months in which
    atoms on it are in force without a gap (:func:`ramp_starts`): a second or larger
    atom continues the ramp. Where atoms overlap on a pair, the largest fraction binds
    (all share the ramp), ``x = max f · (1 − s·ρ)``.
    """

    k: int
    col: np.ndarray        # (q,) column of each atom
    rows: list[np.ndarray]  # supplier rows of each atom
    fraction: np.ndarray   # (q,)
    start: np.ndarray      # (q,)
    end: np.ndarray        # (q,) float, inf for permanent
    #: (q,) the country whose every supplier row the atom names, or -1 (a partial cut)
    country: np.ndarray | None = None
    #: (q,) whom each atom withholds from (docs/model.md §1.3): ``TO_EVERYONE`` (every
    #: producer, the cutting country's own included: a lost supply), ``TO_ALL_BUT`` (every
    #: destination but the keys of ``to_keys``: the cutting country and, for a group, its
    #: members) or ``TO_LISTED`` (the keys of ``to_keys`` only); None: every atom
    #: ``TO_EVERYONE``
    to_kind: np.ndarray | None = None
    #: per atom, the supplier-key indices its ``to_kind`` names
    to_keys: list[np.ndarray] | None = None

    @classmethod
    def none(cls, k: int = 1) -> CutSpec:
        z = np.zeros(0)
        return cls(k, z.astype(np.int64), [], z, z, z)

    def take(self, lo: int, hi: int) -> CutSpec:
        """Columns ``lo:hi`` as a spec of their own."""
        q = np.flatnonzero((self.col >= lo) & (self.col < hi))
        return CutSpec(hi - lo, self.col[q] - lo, [self.rows[i] for i in q], self.fraction[q],
                       self.start[q], self.end[q],
                       None if self.country is None else self.country[q],
                       *self.destinations(q))

    def destinations(self, atoms: np.ndarray) -> tuple[np.ndarray | None,
                                                       list[np.ndarray] | None]:
        """``(to_kind, to_keys)`` of the atoms ``atoms``, for a spec made of them."""
        if self.to_kind is None or self.to_keys is None:
            return None, None
        return self.to_kind[atoms], [self.to_keys[a] for a in atoms]

    @property
    def targeted(self) -> bool:
        """Does any atom spare some destination (so that destinations differ)?"""
        return self.to_kind is not None and bool(np.any(self.to_kind != TO_EVERYONE))

    @property
    def baseline(self) -> np.ndarray:
        """Which atoms are restrictions in force (docs/model.md §1.5): in force since
        before month 0, their start ``−inf``, so their substitution ramp is complete."""
        return np.isneginf(self.start)

    def active(self, t: int) -> np.ndarray:
        return (self.start <= t) & (t < self.end)

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(pair_row, pair_col, atom_of_entry, pair_of_entry, ramp_start_of_entry)`` for
        every atom entry; the ramp start is that of :func:`ramp_starts` over the pair."""
        if not self.rows:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, z, np.zeros(0)
        sizes = np.array([len(r) for r in self.rows])
        rows = np.concatenate(self.rows).astype(np.int64)
        atom = np.repeat(np.arange(len(self.rows)), sizes)
        cols = self.col[atom]
        key = rows * self.k + cols
        if len(key) < 2 or bool(np.all(key[1:] > key[:-1])):  # already unique and sorted
            # one atom per pair: each ramps from its own start
            return rows, cols, atom, np.arange(len(key)), self.start[atom].astype(float)
        o = np.argsort(key, kind="stable")
        if bool(np.all(key[o][1:] > key[o][:-1])):  # unique, not sorted: as np.unique
            inv = np.empty(len(key), dtype=np.int64)
            inv[o] = np.arange(len(key))
            return rows[o], cols[o], atom, inv, self.start[atom].astype(float)
        uniq, inv = np.unique(key, return_inverse=True)
        rs = ramp_starts(inv, self.start[atom], self.end[atom], self.fraction[atom])
        return uniq // self.k, uniq % self.k, atom, inv, rs

    def net(self, t: int | None, prepared: tuple[np.ndarray, ...], subst: np.ndarray,
            lead: np.ndarray, *, ramp: float = equations.RAMP_BY_MONTH) -> np.ndarray:
        """Net withheld fraction of each pair, after substitution, in month ``t``.

        ``subst``/``lead`` are per pair. Each atom in force ramps
        (:func:`~riskmodel.engine.equations.ramp`) from its pair's ramp start in
        ``prepared`` (:meth:`pairs`); a fixed ``ramp`` (a static bound,
        :func:`~riskmodel.engine.equations.bound_ramp`) takes every atom as in force,
        whatever ``t``, except on a pair whose ramp starts at ``−inf`` (an atom of a
        restriction in force, :attr:`baseline`, or one continuing it): its ramp is
        complete, ``ρ = 1``.
        """
        pair_row, _, atom, inv, ramp_start = prepared
        x = np.zeros(len(pair_row))
        if len(atom) == 0:
            return x
        by_month = ramp == equations.RAMP_BY_MONTH
        on = self.active(t)[atom] if by_month else np.ones(len(atom), dtype=bool)
        a, pe = atom[on], inv[on]
        # a pair whose ramp runs from −inf (a restriction in force, docs/model.md §1.5)
        # has its substitution complete in a static bound too
        rho = equations.ramp(t - ramp_start[on], lead[pe]) if by_month else np.where(
            np.isneginf(ramp_start[on]), 1.0, ramp)
        vals = equations.net_fraction(self.fraction[a], subst[pe], rho)
        if len(inv) == len(x) and len(pe) == len(x):  # one entry per pair, all active
            x[pe] = vals
        else:
            np.maximum.at(x, pe, vals)
        return x


@dataclass(frozen=True)
class Withheld:
    """Shares withheld (net of substitution) per (node, column), node-sorted."""

    node: np.ndarray
    col: np.ndarray
    dep: np.ndarray   # withheld from producers that need the chain's inputs
    ind: np.ndarray   # withheld from the others
    #: the column whose feasibility ``dep`` multiplies (the producers' destination
    #: class, :mod:`~riskmodel.engine.destinations`); None: each entry's own column
    pcol: np.ndarray | None = None

    def dense(self, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        dep = sparse.coo_matrix((self.dep, (self.node, self.col)), shape=(n, k)).toarray()
        ind = sparse.coo_matrix((self.ind, (self.node, self.col)), shape=(n, k)).toarray()
        return dep, ind

    def ptr(self, n: int) -> np.ndarray:
        """CSR pointer over the node-sorted pairs (by counting: O(n + pairs))."""
        out = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.node, minlength=n), out=out[1:])
        return out


@dataclass(frozen=True)
class CountryTable:
    """Atoms that cut everything a country supplies, for the column-block kernel.

    Sorted by ``country · k + column`` with ``ptr`` over that key, so that each node
    finds the atoms of its own supplier countries without any per-row expansion: a
    batch of country-wide cuts then costs nothing per supplier row before the kernel.
    Every row of a country in a column has the same table atoms, so they ramp from the
    merged start of that (country, column) (``ramp_start``, :func:`ramp_starts`), while
    ``start`` and ``end`` say when each is in force.
    """

    k: int
    country: np.ndarray
    col: np.ndarray
    ptr: np.ndarray
    fraction: np.ndarray
    start: np.ndarray
    end: np.ndarray
    #: each country's place in the table (-1: no column cuts all of it); the table
    #: spans only these countries, so 200,000 supplier keys cost nothing here
    slot: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: the month each atom's substitution ramps from (its own start unless it continues
    #: an earlier cut of the same country and column)
    ramp_start: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(cls, cuts: CutSpec, atoms: np.ndarray, n_countries: int) -> CountryTable:
        assert cuts.country is not None
        present = np.unique(cuts.country[atoms])
        slot = np.full(n_countries, -1, dtype=np.int64)
        slot[present] = np.arange(len(present))
        key = slot[cuts.country[atoms]] * cuts.k + cuts.col[atoms]
        o = np.argsort(key, kind="stable")
        a = atoms[o]
        ptr = np.searchsorted(key[o], np.arange(len(present) * cuts.k + 1)).astype(np.int64)
        rs = ramp_starts(key[o], cuts.start[a], cuts.end[a], cuts.fraction[a])
        return cls(cuts.k, cuts.country[a].astype(np.int64), cuts.col[a].astype(np.int64), ptr,
                   cuts.fraction[a].astype(float), cuts.start[a].astype(float),
                   cuts.end[a].astype(float), slot, rs)

    @classmethod
    def empty(cls, k: int, n_countries: int) -> CountryTable:
        """A table of no atoms over ``k`` columns (its kernel arguments still give each
        node's supplier rows, which destination classes read)."""
        z = np.zeros(0)
        return cls(k, z.astype(np.int64), z.astype(np.int64), np.zeros(1, dtype=np.int64),
                   z, z, z, np.full(n_countries, -1, dtype=np.int64), z)

    def kernel_args(self, c: Compiled, p: Params) -> tuple:
        return (self.k, self.ptr, self.col, self.fraction, self.start, self.end,
                self.ramp_start,
                c.supply.indptr.astype(np.int64), self.slot[p.row_country].astype(np.int64),
                np.ascontiguousarray(p.row_share, dtype=float),
                np.ascontiguousarray(p.subst, dtype=float),
                np.ascontiguousarray(p.lead, dtype=float))


def no_table() -> tuple:
    """The kernel arguments of an empty :class:`CountryTable`."""
    i, f = np.zeros(1, dtype=np.int64), np.zeros(0)
    return (0, i, i[:0], f, f, f, f, i, i[:0], np.zeros((0, 1)), np.zeros((0, 1)),
            np.zeros((0, 1)))


def no_classes() -> tuple:
    """The column-block kernel's ``classes`` argument without destination classes
    (:meth:`riskmodel.engine.destinations.Expansion.kernel_classes`)."""
    i = np.zeros(0, dtype=np.int64)
    return (0, i, i, i, i, i, i, i)


def split_country_atoms(cuts: CutSpec, p: Params, n_countries: int
                        ) -> tuple[CutSpec, CountryTable | None]:
    """``cuts`` as explicit atoms plus a :class:`CountryTable` of whole-country atoms.

    A whole-country atom stays explicit where an explicit atom of the same column cuts
    a row of that country, whatever their months: atoms on one row must be combined row
    by row (the largest fraction binds; their intervals merge into one ramp), which the
    explicit pairs do. So every row the table reaches has only table atoms. Atoms of
    restrictions in force (:attr:`CutSpec.baseline`) are always explicit.
    """
    if cuts.country is None or not np.any(cuts.country >= 0):
        return cuts, None
    # a restriction in force stays explicit: the static bounds take its pairs' ramp as
    # complete (:meth:`CutSpec.net`), which the table's fixed ramp does not
    whole = (cuts.country >= 0) & ~cuts.baseline
    if not np.any(whole):
        return cuts, None
    part = np.flatnonzero(~whole)
    if len(part):
        keys = np.unique(np.concatenate(
            [p.row_country[cuts.rows[q]] * cuts.k + cuts.col[q] for q in part]))
        whole &= ~np.isin(cuts.country * cuts.k + cuts.col, keys)
    rest = np.flatnonzero(~whole)
    explicit = CutSpec(cuts.k, cuts.col[rest], [cuts.rows[q] for q in rest],
                       cuts.fraction[rest], cuts.start[rest], cuts.end[rest],
                       None, *cuts.destinations(rest))
    return explicit, CountryTable.build(cuts, np.flatnonzero(whole), n_countries)


def withheld(p: Params, prepared: tuple[np.ndarray, ...], x: np.ndarray) -> Withheld:
    """The withheld shares given each pair's net withheld fraction ``x``."""
    pair_row, pair_col = prepared[0], prepared[1]
    share = p.row_share[pair_row, pair_col if p.row_share.shape[1] > 1 else 0] if len(
        pair_row) else np.zeros(0)
    amount = share * x
    nodes = p.row_node[pair_row]
    if len(nodes) > 1 and not bool(np.all(nodes[1:] >= nodes[:-1])):
        o = np.argsort(nodes, kind="stable")
        nodes, pair_col, amount = nodes[o], pair_col[o], amount[o]
    # every producer needs the chain's inputs (docs/model.md §1.3): all is dependent
    return Withheld(nodes.astype(np.int64), pair_col.astype(np.int64), amount,
                    np.zeros(len(amount)))


def pair_params(p: Params, prepared: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Substitutability and lead time of each pair's node (in its column, for draws)."""
    nodes, cols = p.row_node[prepared[0]], prepared[1]
    return _pair_param(p.subst, nodes, cols), _pair_param(p.lead, nodes, cols)


def _pair_param(arr: np.ndarray, nodes: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return arr[nodes, cols if arr.shape[1] > 1 else 0]
