"""Destination classes: whom each cut withholds from, and the columns that follow.

Every producer of a node depends on the inputs available to its own country
(docs/model.md §1.3). In one scenario the countries fall into a few **destination
classes**: those withheld from by the same cuts. Class 0 holds every country the
scenario's cuts do not name (and the anonymous ``other`` producer); each further class
gathers named countries with the same set of cuts reaching them.

A scenario column with ``K`` classes becomes ``K`` adjacent *class columns*, one per
destination class. Availability in class column ``d`` is the node's supply to class
``d`` (the equations in :mod:`riskmodel.engine`):

``S_j^d = Σ_e α_j^e P_j^e − Σ_{rows r cut for d} m_r x_r P_j^{e(r)}``

where ``α_j^e`` is the share of node ``j`` made by producers of class ``e`` and
``P_j^e`` their feasibility, computed from the inputs' availability to class ``e``
(column ``e``). The engine writes it as ``M_j P_j^0 + Σ_{e≥1} α_j^e (P_j^e − P_j^0)``
less the cut terms: a base term on the scenario's class-0 column and sparse terms
(:class:`Expansion`), so that a node with no named producer costs what it did. The
column-block kernel reads the sparse terms from tables (:meth:`Expansion.split`): each
supplier key's class per scenario gives the class terms, and a cut of everything a
country supplies comes from the country table over class columns, as with one class;
the numpy backend takes them as entries, one per supplier row and class column
(:meth:`Expansion.withheld`).

The focal market reads the class columns back (:meth:`Expansion.readout`): a home view
reads the home's class; a global view weighs each class by its share of the node's
making (the world is taken to consume a product where it is made).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from riskmodel.engine.classmerge import merge_by_node
from riskmodel.engine.compiled import Compiled
from riskmodel.engine.cuts import (
    TO_ALL_BUT,
    TO_EVERYONE,
    TO_LISTED,
    CountryTable,
    CutSpec,
    Withheld,
    split_country_atoms,
    withheld,
)
from riskmodel.engine.params import Params
from riskmodel.engine.plan import Plan
from riskmodel.engine.propagation import uses_table

__all__ = ["Expansion", "expand"]


@dataclass(frozen=True)
class Expansion:
    """Scenario columns spread over their destination classes.

    Scenario ``s`` owns class columns ``first[s]:first[s+1]``, class 0 first.
    """

    k: int                     #: scenario columns
    first: np.ndarray          #: (k + 1,) first class column of each scenario
    cuts: CutSpec              #: the atoms, each in the class columns it withholds from
    params: Params             #: the numbers, one column per class column (or one)
    #: (k',) the class-0 column of each class column's scenario (its base term's column)
    base: np.ndarray
    #: per scenario, the class column the focal market reads (a home view), or None
    home_col: np.ndarray | None
    #: per (scenario, supplier key) the key's class: sorted keys ``s · n_keys + key``
    key_code: np.ndarray
    key_class: np.ndarray
    n_keys: int

    @functools.cached_property
    def named_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The supplier rows of every named class ``e ≥ 1`` (whose shares make
        ``α_j^e``): node, class column and row, grouped by scenario and key."""
        return _masses(self.params, self.first, self.key_code // self.n_keys,
                       self.key_code % self.n_keys, self.key_class)

    @functools.cached_property
    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The class terms ``α_j^e (P_j^e − P_j^0)``, one per named supplier row and class
        column of its scenario: the rows as node, producers' class column and row,
        node-sorted (:func:`_class_terms`), spread over the class columns when merged
        with the cuts (:meth:`withheld`). The column-block kernel reads them from
        :meth:`kernel_classes` instead."""
        return _class_terms(*self.named_rows)

    @functools.cached_property
    def masses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The named producers' mass per (node, class column): node, column, α (a global
        view reads them; a home view none)."""
        if self.home_col is not None:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        node, col, row = self.named_rows
        return node, col, _at(self.params.row_share, row, col)

    @functools.cached_property
    def kernel_classes(self) -> tuple:
        """The classes as the column-block kernel reads them (``classes`` of
        :func:`riskmodel.engine.kernel._coeffs`): ``(k, scenario of each class column,
        slot of each supplier row's key among the named keys or -1, class per (slot,
        scenario), first, then per slot its scenarios and classes: pointer, scenario,
        class)``."""
        keys = self.key_code % self.n_keys
        scen = self.key_code // self.n_keys
        uk, inv = np.unique(keys, return_inverse=True)
        slot = np.full(self.n_keys, -1, dtype=np.int64)
        slot[uk] = np.arange(len(uk))
        table = np.zeros(len(uk) * self.k, dtype=np.int64)
        table[inv * self.k + scen] = self.key_class
        o = np.lexsort((scen, inv))
        ptr = np.searchsorted(inv[o], np.arange(len(uk) + 1)).astype(np.int64)
        return (self.k, _scenarios(self.first).astype(np.int64),
                slot[self.params.row_country].astype(np.int64), table,
                self.first.astype(np.int64), ptr, scen[o].astype(np.int64),
                self.key_class[o].astype(np.int64))

    def split(self, c: Compiled, plan: Plan, cuts: CutSpec, backend: str | None
              ) -> tuple[CutSpec, tuple | None, tuple | None]:
        """``cuts`` (over these class columns) as the kernels take them: ``(explicit
        atoms, country table, classes)``, the last two the column-block kernel's
        arguments (:meth:`~riskmodel.engine.cuts.CountryTable.kernel_args`,
        :meth:`kernel_classes`), or None where it does not run (the numpy backend, or a
        chain with cycles: :mod:`~riskmodel.engine.classcycles`). With them, every cut
        of all a country supplies is read from the table and every class term from the
        classes, not as one entry per supplier row (:meth:`entries`)."""
        if plan.level_cyclic.any() or not uses_table(plan, self.params, self.width, backend):
            return cuts, None, None
        explicit, table = split_country_atoms(cuts, self.params, len(c.countries))
        if table is None:
            table = CountryTable.empty(self.width, len(c.countries))
        return explicit, table.kernel_args(c, self.params), self.kernel_classes

    def entries(self, prepared: tuple[np.ndarray, ...], x: np.ndarray, tables: bool
                ) -> Withheld:
        """What the explicit atoms withhold (net fractions ``x`` of their pairs), each
        entry on its producers' class column; with the class terms merged in (as
        :meth:`withheld`) unless the kernel reads them from its ``tables``
        (:meth:`split`)."""
        if not tables:
            return self.withheld(prepared, x)
        w, pcol = self._with_producers(prepared, x)
        return Withheld(w.node, w.col, w.dep + w.ind, np.zeros(len(w.node)), pcol)

    def _with_producers(self, prepared: tuple[np.ndarray, ...], x: np.ndarray
                        ) -> tuple[Withheld, np.ndarray]:
        """What the spread cuts withhold (node-sorted) and each entry's producers' class
        column (the same in every month of a run: computed once per ``prepared``)."""
        w = withheld(self.params, prepared, x)
        rows = prepared[0]
        memo = self._producers
        if memo.get("rows") is not rows or memo.get("cols") is not prepared[1]:
            rn = self.params.row_node[rows]
            o = np.argsort(rn, kind="stable") if len(rn) > 1 and bool(
                np.any(rn[1:] < rn[:-1])) else slice(None)
            memo.update(rows=rows, cols=prepared[1], pcol=self.producer_columns(
                rows[o], prepared[1][o], self.params.row_country))
        return w, memo["pcol"]

    @functools.cached_property
    def _producers(self) -> dict:
        """The last :meth:`_with_producers` pairs (by identity) and their producers'
        class columns."""
        return {}

    @property
    def width(self) -> int:
        """Class columns in all."""
        return int(self.first[-1])

    def scenario_of(self, cols: np.ndarray) -> np.ndarray:
        """The scenario of each class column."""
        return _scenarios(self.first)[cols]

    def producer_columns(self, rows: np.ndarray, cols: np.ndarray, row_key: np.ndarray
                         ) -> np.ndarray:
        """The class column of the producers of each supplier row in its scenario."""
        s = self.scenario_of(cols)
        code = s * self.n_keys + row_key[rows]
        pos = np.minimum(np.searchsorted(self.key_code, code), max(len(self.key_code) - 1, 0))
        hit = self.key_code[pos] == code if len(self.key_code) else np.zeros(len(code), bool)
        cls = np.where(hit, self.key_class[pos] if len(self.key_class) else 0, 0)
        return self.first[s] + cls

    def withheld(self, prepared: tuple[np.ndarray, ...], x: np.ndarray) -> Withheld:
        """What the spread cuts withhold (net fractions ``x`` of their pairs), each entry
        on its producers' class column, with the class terms: one node-sorted list, a
        node's cut entries before its class terms (both lists are node-sorted: merged
        in one pass, :mod:`~riskmodel.engine.classmerge`)."""
        w, pcol = self._with_producers(prepared, x)
        out = merge_by_node((w.node, w.col, w.dep + w.ind, pcol), self.terms, self.first,
                            self.params.row_share)
        return Withheld(out[0], out[1], out[2], np.zeros(len(out[0])), out[3])

    def limits(self, plan: Plan) -> np.ndarray:
        """Per node, how many leading class columns can reach it (as
        :func:`~riskmodel.engine.plan.column_limits`): a scenario's classes together, from
        the level of the first node its cuts reach."""
        nodes = self.params.row_node[np.concatenate(self.cuts.rows)] if self.cuts.rows else \
            np.zeros(0, dtype=np.int64)
        sizes = np.array([len(r) for r in self.cuts.rows], dtype=np.int64)
        scen = self.scenario_of(np.repeat(self.cuts.col, sizes))
        level = np.full(self.k, np.iinfo(np.int64).max, dtype=np.int64)
        if len(nodes):
            np.minimum.at(level, scen, plan.node_level[nodes])
        col_level = np.repeat(level, np.diff(self.first))
        if self.width > 1 and np.any(np.diff(col_level) < 0):
            return np.full(plan.n, self.width, dtype=np.int64)
        return np.searchsorted(col_level, plan.node_level, side="right").astype(np.int64)

    def readout(self, A: np.ndarray, nodes: np.ndarray | None = None) -> np.ndarray:
        """The focal market's availability ``(len(nodes), k)`` from class columns ``A``
        (rows = ``nodes``, every node when None)."""
        idx = np.arange(A.shape[0]) if nodes is None else np.asarray(nodes)
        if self.home_col is not None:
            return A[np.ix_(idx, self.home_col)] if nodes is not None else A[:, self.home_col]
        base_cols = self.first[:-1]
        out = A[idx][:, base_cols] if nodes is not None else A[:, base_cols].copy()
        mass_node, mass_col, mass = self.masses
        if len(mass):
            pos = np.full(A.shape[0], -1, dtype=np.int64)
            pos[idx] = np.arange(len(idx))
            keep = pos[mass_node] >= 0
            nd, cl, ms = mass_node[keep], mass_col[keep], mass[keep]
            s = self.scenario_of(cl)
            q = self.params
            at = cl if q.dep0.shape[1] > 1 else np.zeros_like(cl)
            total = q.dep0[nd, at] + q.ind0[nd, at]
            share = ms / np.where(total > 0, total, 1.0)
            np.add.at(out, (pos[nd], s), share * (A[nd, cl] - A[nd, self.first[s]]))
        return out


def _scenarios(first: np.ndarray) -> np.ndarray:
    """The scenario of every class column (``first`` as ``Expansion.first``)."""
    return np.repeat(np.arange(len(first) - 1), np.diff(first))


def _classes(atoms: list[int], kind: list[int], keys: list[set[int]], home: int | None,
             alone: bool = False) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """The destination classes of one scenario's atoms (Python numbers: this runs once
    per scenario).

    Returns ``(named, targets)``: each named key with its class (≥ 1), and per atom the
    classes it withholds from. Class 0 is every key the atoms do not name. With
    ``alone`` the home is a class of its own (it draws on other shares than the world).
    """
    named = sorted(set().union(*(keys[a] for a in atoms)) | ({home} if home is not None
                                                              else set()))
    generic = tuple(a for a in atoms if kind[a] != TO_LISTED)
    sigs: dict[tuple[tuple[int, ...], bool], int] = {(generic, False): 0}
    out = []
    for key in named:
        sig = tuple(a for a in atoms
                    if (kind[a] == TO_ALL_BUT and key not in keys[a])
                    or (kind[a] == TO_LISTED and key in keys[a])
                    or kind[a] not in (TO_ALL_BUT, TO_LISTED))
        cls = sigs.setdefault((sig, alone and key == home), len(sigs))
        if cls:
            out.append((key, cls))
    targets = [[cls for (sig, _), cls in sigs.items() if a in sig] for a in atoms]
    return out, targets


def expand(c: Compiled, p: Params, cuts: CutSpec) -> Expansion | None:
    """``cuts`` over destination classes, or None when every atom withholds from every
    producer and the world draws on the focal market's shares (one class per scenario:
    the columns as they are). Where the world has shares of its own (``world_suppliers``
    in a home view) the home is a class of its own in every scenario with cuts, drawing
    on ``suppliers``, and every other class on the world's shares."""
    world = c.world is not None and p.world_share is not None and c.home is not None
    if not cuts.targeted and not world:
        return None
    if cuts.to_kind is None or cuts.to_keys is None:  # every atom withholds from all
        cuts = CutSpec(cuts.k, cuts.col, cuts.rows, cuts.fraction, cuts.start, cuts.end,
                       cuts.country, np.full(len(cuts.col), TO_EVERYONE, dtype=np.int64),
                       [np.zeros(0, dtype=np.int64)] * len(cuts.col))
    assert cuts.to_kind is not None and cuts.to_keys is not None
    home = c.countries.index(c.home) if c.home is not None else None
    n_keys = len(c.countries) + 1
    by_col = np.argsort(cuts.col, kind="stable")
    bounds = np.searchsorted(cuts.col[by_col], np.arange(cuts.k + 1))
    sizes = np.ones(cuts.k, dtype=np.int64)
    named_s, named_key, named_cls = [], [], []
    new_atom, new_col_s, new_cls = [], [], []
    kind, keys = cuts.to_kind.tolist(), [set(k.tolist()) for k in cuts.to_keys]
    order, at = by_col.tolist(), bounds.tolist()
    for s in range(cuts.k):
        atoms = order[at[s]:at[s + 1]]
        if not atoms:
            continue
        named, targets = _classes(atoms, kind, keys, home, world)
        sizes[s] = 1 + max((cls for _, cls in named), default=0)
        for key, cls in named:
            named_s.append(s)
            named_key.append(key)
            named_cls.append(cls)
        for a, tg in zip(atoms, targets, strict=True):
            for cls in tg:
                new_atom.append(a)
                new_col_s.append(s)
                new_cls.append(cls)
    first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    atom = np.asarray(new_atom, dtype=np.int64)
    col = first[np.asarray(new_col_s, dtype=np.int64)] + np.asarray(new_cls, dtype=np.int64)
    spread = CutSpec(int(first[-1]), col, [cuts.rows[a] for a in atom], cuts.fraction[atom],
                     cuts.start[atom], cuts.end[atom],
                     None if cuts.country is None else cuts.country[atom])
    code = np.asarray(named_s, dtype=np.int64) * n_keys + np.asarray(named_key, dtype=np.int64)
    o = np.argsort(code, kind="stable")
    scen = np.repeat(np.arange(cuts.k), sizes)
    q = p if p.k == 1 else p.columns(scen)
    base = first[scen]
    key_class = np.asarray(named_cls, dtype=np.int64)[o]
    home_col = None
    if home is not None:
        hc = np.searchsorted(code[o], np.arange(cuts.k) * n_keys + home)
        hc = np.minimum(hc, max(len(code) - 1, 0))
        found = (code[o][hc] == np.arange(cuts.k) * n_keys + home) if len(code) else \
            np.zeros(cuts.k, bool)
        home_col = first[:-1] + np.where(found, key_class[hc] if len(key_class) else 0, 0)
    if world:
        assert home_col is not None
        q = _world_columns(q, home_col, int(first[-1]))
    return Expansion(cuts.k, first, spread, q, base, home_col, code[o], key_class, n_keys)


def _world_columns(q: Params, home_col: np.ndarray, width: int) -> Params:
    """The numbers with each class column's own shares: the home's class column draws
    on ``suppliers``, every other on the world's shares (docs/model.md §1.3)."""
    r = q.row_share.shape[0]
    assert q.world_share is not None
    is_home = np.zeros(width, dtype=bool)
    is_home[home_col] = True
    rs = np.where(is_home, np.broadcast_to(q.row_share, (r, width)),
                  np.broadcast_to(q.world_share, (r, width)))
    return Params(**{**{f: getattr(q, f) for f in q.__dataclass_fields__},
                     "row_share": rs, "world_share": None, "coef_cache": None})


def _at(share: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``share[rows, cols]`` of an array of one column or one per class column."""
    return share[rows, cols if share.shape[1] > 1 else 0]


_BY_COUNTRY: list = [None, None, None]


def _by_country(row_country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The supplier rows grouped by key (stable) and each key's place: computed once
    per chain (the last chain's kept, holding its array so that it stays the same)."""
    if _BY_COUNTRY[0] is not row_country:
        order = np.argsort(row_country, kind="stable")
        ptr = np.searchsorted(row_country[order],
                              np.arange(int(row_country.max(initial=-1)) + 2))
        _BY_COUNTRY[:] = [row_country, order, ptr]
    return _BY_COUNTRY[1], _BY_COUNTRY[2]


def _masses(p: Params, first: np.ndarray, scen: np.ndarray, key: np.ndarray,
            cls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The supplier rows of every named class ``e ≥ 1`` (whose shares make ``α_j^e``):
    node, class column and row."""
    order, ptr = _by_country(p.row_country)
    there = key + 1 < len(ptr)  # a key past the last supplies nothing (the home, ...)
    lo = np.where(there, ptr[np.minimum(key, len(ptr) - 1)], 0)
    size = np.where(there, ptr[np.minimum(key + 1, len(ptr) - 1)] - lo, 0)
    rows = order[np.repeat(lo - np.cumsum(size) + size, size) + np.arange(int(size.sum()))]
    return (p.row_node[rows], np.repeat(first[scen] + cls, size).astype(np.int64),
            rows.astype(np.int64, copy=False))


def _class_terms(node: np.ndarray, col: np.ndarray, row: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The named supplier rows (node, producers' class column ``e``, row) whose class
    terms ``α (P^e − P^0)`` every class column of their scenario takes, node-sorted
    (stable). Merged with the cuts (:func:`~riskmodel.engine.classmerge.merge_by_node`)
    each becomes a withheld entry of ``−α`` at the producers' column ``e`` in every class
    column: a negative amount marks a class term, whose base part ``−α P^0`` the engine
    takes with it (so that a term is exactly 0 where the classes' feasibilities agree);
    a cut's amounts are never negative. ``α`` is the row's share in the destination
    column (one column of shares or one per class column)."""
    if len(node) > 1 and bool(np.any(node[1:] < node[:-1])):
        o = np.argsort(node, kind="stable")
        node, col, row = node[o], col[o], row[o]
    return node, col, row
