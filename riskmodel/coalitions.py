"""Minimum country cut sets and coalitions (see docs/model.md §2.6).

A *cut set* is a set of countries whose joint, full cut of everything they supply drives
a target below ``threshold`` availability (default 5%): one node, several nodes or a
target the chain declares (availability = 1 − the target's loss,
:mod:`riskmodel.targets`), or all end use together (availability = 1 − end-use loss).
:func:`cutsets` finds the smallest such sets up to ``max_size`` countries: sizes are
searched in increasing order, every candidate of one size is evaluated as one batch of
scenarios, and supersets of sets already found are pruned, so every set returned is
minimal. A cut by a country group also cuts its members, so a set counts as a superset
by its effect (its keys plus their groups' members): :func:`cutsets` never lists
``{EUROPE}`` beside ``{DE}``, nor ``{EUROPE}`` where ``{DE, FR}`` suffices.

Availability is the static ``immediate`` one by default (no stock, no substitution:
what the coalition stops at once), or ``long_run`` (after full substitution: what it
stops for good).

With restrictions in force (a chain's ``baseline:``, docs/model.md §1.5) a set's cut is
read **on top of** them: a set is a cut set when its joint cut, added to the
restrictions in force, stops the target. Where the restrictions alone already stop it,
no set is listed and ``.attrs["note"]`` says so. ``baseline=False`` reads the
unrestricted chain.

Examples
--------
>>> import riskmodel as rm
>>> bike = rm.load("bicycle")
>>> cs = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25)
>>> [(tuple(x), round(a, 3)) for x, a in zip(cs["countries"], cs["availability"])]
[(('CN', 'KR'), 0.1), (('JP', 'TW'), 0.1), (('CN', 'JP'), 0.15)]
>>> round(coalition(bike, ["JP", "CN"], target="e_bikes"), 3)  # what survives
0.15
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel._errors import ArgumentError
from riskmodel.distributed import check_client
from riskmodel.model import Chain, require_chain
from riskmodel.realised import baseline_of, describe
from riskmodel.targets import Target, label, resolve, with_target

__all__ = ["coalition", "cutsets", "effective_sets"]

MAX_CANDIDATES = 2_000_000


def _target_availability(chain: Chain, country_sets: Sequence[Sequence[str]],
                         target: Target | None, mode: str, held: Sequence[Any] = ()
                         ) -> np.ndarray:
    """The target's static availability (``mode``) when each set of ``country_sets``
    jointly cuts everything it supplies, on top of the restrictions in force ``held``
    (cuts; an empty set: the restrictions alone): one node's own availability, else
    1 − the (target's or end-use) loss."""
    from riskmodel.scenario import Cut, Scenario
    from riskmodel.simulation import chunk_size, cut_spec

    c = chain.compiled
    p = with_target(c, engine.params_from_compiled(c), target)
    out = np.empty(len(country_sets))
    t_idx = c.index.get_loc(target.nodes[0]) if target and len(target.nodes) == 1 else None
    size = chunk_size(c.n, len(country_sets))
    for lo in range(0, len(country_sets), size):
        part = country_sets[lo:lo + size]
        scs = [Scenario([Cut(x) for x in s], name="+".join(s) or "baseline") for s in part]
        A = engine.static(c, p, cut_spec(chain, scs, p, baseline=held), mode=mode)
        out[lo:lo + len(part)] = (1.0 - engine.end_use_loss(p, A)) if t_idx is None \
            else A[t_idx]
    return out


def _take(items: Iterable[Any], n: int) -> list[Any]:
    """The next ``n`` of ``items`` (fewer at the end)."""
    return list(itertools.islice(items, n))


def _part_availability(work: tuple[Any, ...], part: list[tuple[str, ...]]
                       ) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """One batch of candidate sets and the target's availability under each (a task)."""
    chain, target, mode, held = work
    return part, _target_availability(chain, part, target, mode, held)


def _check(chain: Chain, target: Any, mode: str) -> Target | None:
    """The resolved target (:func:`riskmodel.targets.resolve`), once the chain and
    ``mode`` are checked."""
    require_chain(chain, "cutsets")
    if mode not in ("immediate", "long_run"):
        raise ValueError(f"unknown mode {mode!r}; valid modes: immediate, long_run")
    return resolve(chain, target)


def candidate_sets(n: int, max_size: int, limit: int) -> int:
    """How many sets of 1 to ``max_size`` of ``n`` countries there are, counted up to
    just past ``limit`` (so that a huge count costs nothing to find).

    >>> candidate_sets(40, 3, 10**9)
    10700
    >>> candidate_sets(200, 50, 2_000_000) > 2_000_000
    True
    """
    total = 0
    for k in range(1, min(max_size, n) + 1):
        total += math.comb(n, k)
        if total > limit:
            break
    return total


def cutsets(chain: Chain, *, target: Any = None, max_size: int = 3,
            threshold: float = 0.05, countries: Sequence[str] | None = None,
            mode: str = "immediate", baseline: Any = None, client: Any = None) -> pd.DataFrame:
    """The minimal sets of up to ``max_size`` countries whose joint cut stops ``target``.

    Parameters
    ----------
    target : str or list of str, optional
        A node id, node ids or a declared target (:mod:`riskmodel.targets`); default:
        all end use together.
    max_size : int
        Largest set searched. The candidate sets (all sets of 1 to ``max_size``
        candidates) are counted first, and a search of more than ``MAX_CANDIDATES`` is
        refused before it starts (:class:`~riskmodel._errors.ArgumentError`).
    countries : sequence of str, optional
        Candidates (default: every supplier country of the chain, except the home one,
        that supplies a positive share of some node).
    baseline : None, False or list of Cut (or restrictions)
        Restrictions in force, as for :func:`riskmodel.simulate` (None: the chain's
        own; False: none). A set is a cut set when its cut **on top of** them stops the
        target; where they alone stop it, the table is empty (``.attrs["note"]``).
    client : dask.distributed.Client or concurrent.futures.Executor, optional
        Evaluates each size's sets as tasks (:mod:`riskmodel.distributed`).

    Returns
    -------
    DataFrame
        One row per minimal cut set: ``size`` (how many keys it names), ``countries``
        (a tuple), and ``availability`` of the target under that cut (and the
        restrictions in force); sorted by size then availability. ``.attrs``: the
        settings, the ``target`` (``"all end use"`` without one) and its nodes, the sets
        evaluated, the restrictions (``baseline``), ``realised_availability`` under them.

    Notes
    -----
    A set's *effect* is its keys plus their groups' members (:func:`effective_sets`).
    A set is listed only if no other cut set found has an effect that is a proper part
    of its effect (docs/model.md §2.6): a set whose effect holds a found cut set's is
    not evaluated, a set naming a group and one of its members is never tried, and
    where a group and a set of its members both suffice, the members are listed.

    Examples
    --------
    >>> import networkx as nx
    >>> import riskmodel as rm
    >>> g = nx.DiGraph()
    >>> g.add_node("cells", stage="upstream", suppliers={"DE": 1.0})
    >>> g.add_node("foil", stage="upstream", suppliers={"EUROPE": 0.5, "US": 0.5})
    >>> g.add_node("car", stage="end_use", value=1.0)
    >>> g.add_edges_from([("cells", "car"), ("foil", "car")])
    >>> chain = rm.Chain(g, name="eu", perspective={"home": "CN"},
    ...                  groups={"EUROPE": {"label": "Europe", "members": ["DE", "FR"]}})
    >>> cs = cutsets(chain, target="car", max_size=2)
    >>> list(cs["countries"])  # {EUROPE} also stops cars, but only through DE
    [('DE',)]
    >>> held = cutsets(chain, target="car", baseline=[rm.Cut("US")])  # US cut in force
    >>> list(held["countries"]), held.attrs["realised_availability"]
    ([('DE',)], 0.5)
    >>> held = cutsets(chain, target="car", baseline=[rm.Cut("DE")])
    >>> len(held), held.attrs["note"]
    (0, 'the restrictions in force already stop car (availability 0.0%)')
    """
    tgt = _check(chain, target, mode)
    _check_numbers(max_size, threshold, client)
    given, held = baseline_of(chain, baseline)
    cands = _candidates(chain, countries, max_size)
    realised = float(_target_availability(chain, [()], tgt, mode, held)[0]) if held else 1.
    what = "all end use" if tgt is None else label(tgt)
    stopped = realised < threshold  # by the restrictions alone: no set to search
    note = f"the restrictions in force already stop {what} (availability {realised:.1%})"
    rows, evaluated = ([], 0) if stopped else _search(chain, cands, max_size, threshold,
                                                      tgt, mode, held, client)
    out = pd.DataFrame(rows, columns=["size", "countries", "availability"])
    out = out.sort_values(["size", "availability"], kind="stable").reset_index(drop=True)
    out.attrs = {"target": what, "target_nodes": list(tgt.nodes) if tgt else [],
                 "threshold": threshold, "mode": mode, "max_size": max_size,
                 "candidates": len(cands), "evaluated": evaluated,
                 "chain": chain.name, "baseline": describe(given),
                 "realised_availability": realised, "note": note if stopped else ""}
    return out


def _check_numbers(max_size: Any, threshold: Any, client: Any = None) -> None:
    """Refuse a ``max_size`` that is not a whole number ≥ 1, a ``threshold`` outside
    [0, 1] or a ``client`` that runs no task (:func:`riskmodel.distributed.check_client`)."""
    check_client(client)
    if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)) or max_size < 1:
        raise ArgumentError(f"max_size must be a whole number of at least 1, found {max_size!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
            or not 0 <= threshold <= 1:
        raise ArgumentError(f"threshold must be a number in [0, 1] (an availability), "
                            f"found {threshold!r:.60}")


def _candidates(chain: Chain, countries: Sequence[str] | str | None, max_size: int
                ) -> list[str]:
    """The candidate keys (``countries``, or every supplying key but the home one),
    refused when their sets up to ``max_size`` are more than ``MAX_CANDIDATES``."""
    c = chain.compiled
    if isinstance(countries, str):  # "US,JP", not the letters U, S, J, P
        countries = [x.strip() for x in countries.split(",") if x.strip()]
    if countries is not None:
        cands = list(dict.fromkeys(countries))
    else:
        supplying = _supplying(chain)
        cands = [x for x in c.countries if x != c.home and x in supplying]
    count = candidate_sets(len(cands), max_size, MAX_CANDIDATES)
    if count > MAX_CANDIDATES:
        shown = f"{count:,}" if count < 10**15 else f"more than {MAX_CANDIDATES:,}"
        fit = max(k for k in range(0, max_size + 1)
                  if candidate_sets(len(cands), k, MAX_CANDIDATES) <= MAX_CANDIDATES)
        raise ArgumentError(
            f"cut sets of up to {max_size} of {len(cands):,} countries would mean "
            f"{shown} candidate sets, over the limit of {MAX_CANDIDATES:,}; lower "
            f"--max-size (at most {fit} fits with these countries), test one set with "
            "--coalition, or give fewer candidate countries")
    return cands


def effective_sets(groups: Mapping[str, Any], cands: Sequence[str]
                   ) -> dict[str, frozenset[str]] | None:
    """What a cut by each candidate reaches: itself and, for a declared group, its
    members; ``None`` when no candidate is a group (every set then reaches only itself).

    >>> effective_sets({"EU": {"members": ["DE", "FR"]}}, ["EU", "US"])["EU"] == {"EU", "DE", "FR"}
    True
    >>> effective_sets({"EU": {"members": ["DE", "FR"]}}, ["DE", "US"]) is None
    True
    """
    reach = {x: frozenset([x, *((groups.get(x) or {}).get("members") or [])]) for x in cands}
    return reach if any(len(r) > 1 for r in reach.values()) else None


def _search(chain: Chain, cands: Sequence[str], max_size: int, threshold: float,
            target: Target | None, mode: str, held: Sequence[Any] = (), client: Any = None
            ) -> tuple[list[dict[str, Any]], int]:
    """The minimal cut sets among ``cands`` (docs/model.md §2.6), on top of the
    restrictions in force ``held``, as table rows, and how many candidate sets were
    evaluated; each size's sets as tasks of ``client`` when given."""
    from riskmodel.distributed import run
    from riskmodel.simulation import chunk_size

    reach = effective_sets(chain.groups, cands)

    def effect(s: Sequence[str]) -> frozenset[str]:
        return frozenset(s) if reach is None else frozenset().union(*(reach[x] for x in s))

    def redundant(s: Sequence[str]) -> bool:  # names a group and one of its members
        return reach is not None and any(x != y and y in reach[x] for x in s for y in s)

    found: list[frozenset[str]] = []  # effects of the cut sets found, listed or not
    rows: list[dict[str, Any]] = []
    evaluated = 0
    size_chunk = chunk_size(chain.compiled.n, 4096)
    work = (chain, target, mode, tuple(held))
    for size in range(1, max_size + 1):  # one size at a time: its sets in parallel
        combos = (s for s in itertools.combinations(cands, size) if not redundant(s)
                  and not any(f <= e for e in [effect(s)] for f in found))
        parts = iter(functools.partial(_take, combos, size_chunk), [])
        new: list[frozenset[str]] = []
        for part, avail in run(_part_availability, work, parts, client=client):
            evaluated += len(part)
            for s, a in zip(part, avail, strict=True):
                if a < threshold:
                    new.append(effect(s))
                    rows.append({"size": size, "countries": tuple(s), "availability": float(a)})
        found += new
    if reach is not None:  # a set whose effect holds another cut set's effect goes
        effects = [effect(r["countries"]) for r in rows]
        rows = [r for r, e in zip(rows, effects, strict=True)
                if not any(f < e for f in effects)]
    return rows, evaluated


def coalition(chain: Chain, countries: Sequence[str], *, target: Any = None,
              mode: str = "immediate", baseline: Any = None) -> float:
    """The share of ``target`` (default: all end use; a node, nodes or a declared target
    as for :func:`cutsets`) that survives when ``countries`` jointly cut everything they
    supply, on top of the restrictions in force (``baseline``, as for :func:`cutsets`)."""
    from riskmodel.realised import baseline_of

    tgt = _check(chain, target, mode)
    _, held = baseline_of(chain, baseline)
    if isinstance(countries, str):  # "US,JP", not the letters U, S, J, P
        countries = [x.strip() for x in countries.split(",") if x.strip()]
    members = list(dict.fromkeys(str(x) for x in countries))
    supplying = _supplying(chain)
    listed = ", ".join(sorted(supplying)) or "none"
    if not members:
        raise ArgumentError(f"a coalition needs at least one country; the countries that "
                            f"supply chain '{chain.name}': {listed}")
    groups = chain.groups
    idle = [x for x in members if not ({x, *((groups.get(x) or {}).get("members") or [])}
                                       & supplying)]
    if idle:
        raise ArgumentError(
            f"coalition member{'s' if len(idle) > 1 else ''} {', '.join(idle)} "
            f"suppl{'y' if len(idle) > 1 else 'ies'} nothing in chain '{chain.name}'; the "
            f"countries that supply it: {listed}")
    return float(_target_availability(chain, [tuple(members)], tgt, mode, held)[0])


def _supplying(chain: Chain) -> set[str]:
    """The supplier keys with a positive share of some node."""
    sup = chain.compiled.supply  # CSR: indices are supplier keys
    pos = np.asarray(sup.data, dtype=float) > 0
    cols = np.unique(sup.indices[pos])
    return {chain.compiled.countries[i] for i in cols}
