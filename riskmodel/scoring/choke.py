"""The choke score of every node, and the pruning that keeps it cheap on large chains
(docs/model.md §2.3–2.4).

:func:`score` stops each node by its dominant foreign controlling key
(:mod:`riskmodel.scoring.cuts`) to all destinations (or to the home alone) and reads the
end-use loss over ``horizon`` months, with stocks and substitution: the choke score is
the mean loss of months ``0 .. horizon − 1`` (value-months lost ÷ value × horizon), with
the time to impact and one month's loss beside it (:mod:`riskmodel.scoring.horizon`);
beside them the cut's immediate and long-run bounds, the relief that substitution and
stocks bring, and the knockout indicators.

**Pruning bounds.** (1) Stocks and substitution only add supply, and availability is a
monotone function of every node's supply (each equation is non-decreasing in its
inputs, and the greatest fixed point of a monotone map is monotone in the map). So the
availability of every node at any month of the dynamics is at least its immediate
static availability: every month's loss is at most ``choke_immediate``, and so is
their average, ``choke_score ≤ choke_immediate``. (2) Where no cycle lies downstream of
a node, a shortfall ``δ`` of it lowers every downstream node by at most ``δ``: a
requirement group ``min(1, Σ covers·A)`` with covers ≤ 1 summing to ≥ 1 drops by at
most ``δ`` when each member drops by at most ``δ``; a non-essential input costs
``share·δ ≤ δ``; and supply ``a·P + b`` drops by at most ``a·δ ≤ δ``, in every
destination class (a class's supply mixes producers of every class, with shares
summing to at most 1). A stop to all withholds the node's ``exposure`` from every class
but the cutting key's (which loses nothing), and a stop to the home from the home
alone; where the world has shares of its own, a class may lose the world's share, so
the bound's exposure is the larger of the two
(:func:`~riskmodel.scoring.horizon.bound_exposure`). So ``choke_immediate ≤ exposure ×
R``, with ``R`` (≤ 1) the end-use weight the node can reach; where a cycle lies
downstream, only ``≤ R`` holds (a cycle can amplify). (3) Without stocks the dynamics
are memoryless, so the month-``t`` availability is at least the static one under that
month's net cut, ``exposure × (1 − s·min(1, t/lead))`` (the node's own substitution
ramp), and stocks only add to it:
where no cycle lies downstream, each month's loss is at most ``exposure × (1 −
s·ρ(t)) × R``, and the choke score, their average over the horizon, at most ``exposure
× R × mean_{t<horizon}(1 − s·ρ(t))``
(:func:`~riskmodel.scoring.horizon.left_on_average`), the average of the per-month
bound.

**On top of restrictions in force** (``baseline=``, docs/model.md §1.5), every cut and
knockout holds their atoms in every column (ramp complete, stocks and installed bases
at their long-run state) and every loss is marginal: the loss with them and the cut
less their realised loss. (1) still holds: the immediate pass holds the restrictions in
every column at their long-run state, as the dynamics do, and stocks and the cut's
substitution only add supply, so the total at month ``h`` is at most the immediate
total, and so is the marginal (the same realised loss is subtracted from both). (2)
and (3) do not: measured from a state where the restrictions already hold nodes below
1, a shortfall ``δ`` can lower a requirement group by more than ``δ`` (both
alternatives fed by the cut node, each already short: a second cut of ``fab`` in
tests/scoring/test_score_baseline.py costs 1.0 with ``exposure × R = 0.52``). In their
place: (2') a cut reaches only end uses below it, and an end use ``e`` cannot lose more
than the availability ``A⁰_e`` the restrictions leave it, so the marginal loss is at
most ``R'``, the reach bound with each end-use weight ``w_e·A⁰_e`` (cycles included:
nodes outside the cone keep their state). With restrictions in force the search orders
and prunes by ``R'`` and the immediate bound alone (``.attrs["exact"]`` says so);
whether exact scoring is within ``SCORE_WORK`` is then judged by the column-block
kernel's work estimate alone, every column counting the restrictions' cone.
On chains larger than ``exact_limit`` nodes, and on chains whose exact scoring would
cost more than ``SCORE_WORK`` steps (cuts that reach far down a deep chain cost the
square of its depth; measured before any dynamics run, by the immediate pass, which
touches every node the dynamics can touch), :func:`score` takes nodes in decreasing
order of bound (3) (ties: nearest the end use first), computes their immediate bound,
and the dynamic choke score for those whose bounds can still beat the ``top``-th best
exact score, stopping when the next bound is at most it: every node that could score
above the ``top``-th best is scored exactly (a node whose bound equals it can at most
tie, and may be left unscored); the rest keep ``choke_exact=False`` (``choke_score``
NaN, and ``choke_immediate`` NaN where the cheap bound alone ruled them out). On the
deep chains the search itself stays within ``SCORE_WORK`` steps; if that stops it,
``.attrs["exact"]`` says that the top is not guaranteed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from riskmodel import engine
from riskmodel.engine import Params
from riskmodel.engine.cones import spared_losses
from riskmodel.model import Chain, Compiled, require_chain
from riskmodel.scoring.cuts import (
    ChokeLosses,
    choke_losses,
    control_shares,
    dominant_keys,
    expansion,
    keys_of,
    single_cuts,
)
from riskmodel.scoring.held import Held, knockouts_on_top, marginal_losses, restrictions
from riskmodel.scoring.horizon import (
    HORIZON,
    Reading,
    bound_exposure,
    check_reading,
    competition_ranks,
    left_on_average,
)
from riskmodel.scoring.indicators import classic_indicators, node_betweenness
from riskmodel.scoring.spared import spared_nowhere, spared_producers
from riskmodel.targets import resolve, target_attrs, with_target

__all__ = ["HORIZON", "PRUNE_BATCH", "SCORE_WORK", "ordinal", "score"]

#: Work (input reads and node evaluations) up to which :func:`score` scores every node of
#: a chain of at most ``exact_limit`` nodes; beyond it (cuts that reach far down deep
#: chains, where the work grows with the square of the depth), it prunes as on larger
#: chains. About 20 s of work at the speed measured on a deep chain (5 ns a step).
SCORE_WORK = 4_000_000_000

#: Nodes per batch of the pruned search (at least ``4 × top``): each batch gets its
#: immediate bounds in one pass before the search decides where to stop.
PRUNE_BATCH = 256


def score(chain: Chain, *, horizon: int = HORIZON, month: int | None = None,
          to: str = "all", threshold: float = 0.05, top: int = 10,
          exact_limit: int = 100_000, betweenness_limit: int = 10_000_000,
          decompose: int = 200, progress: bool | None = None,
          baseline: Any = None, target: Any = None) -> pd.DataFrame:
    """Indicators and the explainable choke score of every node, sorted by choke score.

    Parameters
    ----------
    chain : Chain
    horizon, month : int
        The choke score is the share of end-use value lost over ``horizon`` months
        (default 24): value-months lost in months ``0 .. horizon − 1`` ÷ (value ×
        ``horizon``); ``choke_month`` the loss in month ``month`` (default ``horizon``).
    to : {"all", "home"}
        Whom each cut withholds from (docs/model.md §1.3): every destination but the
        cutting key (the default), or the home alone (a home view only).
    threshold : float
        Availability under which an end-use product counts as stopped (recorded only).
    top : int
        On chains above ``exact_limit`` nodes, the dynamic choke score is exact for every
        node that can rank in the top ``top`` (see :mod:`riskmodel.scoring.choke`).
    exact_limit, betweenness_limit : int
        Chain sizes up to which every choke score, and betweenness, are computed.
    decompose : int
        How many top-ranked nodes get their relief split (substitution, stocks).
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force, as for :func:`riskmodel.simulate` (None the chain's
        own, False none). With any, every loss is **marginal**, what a cut adds to their
        realised loss (``.attrs["realised_loss"]``, ``.attrs["baseline"]``).
    target : str or list of str, optional
        Score by the shortfall of these nodes (a node id, a list, or a target the chain
        declares) instead of end-use value (:mod:`riskmodel.targets`);
        ``.attrs["target"]`` names what the scores measure.

    Returns
    -------
    DataFrame
        One row per node (columns: :mod:`riskmodel.scoring`); ``.attrs``: the settings.

    Examples
    --------
    >>> import riskmodel as rm
    >>> s = rm.score(rm.load("bicycle"))
    >>> s[["choke_score", "choke_immediate", "cut_country"]].head(3).round(3)
                   choke_score  choke_immediate cut_country
    node
    drivetrain           0.490            0.700          JP
    battery_cells        0.290            0.438          CN
    frames               0.229            0.400          TW

    With Japan's drivetrains already withheld, cutting them again adds nothing:

    >>> held = rm.score(rm.load("bicycle"), baseline=[rm.Cut("JP", nodes=("drivetrain",))])
    >>> round(held.attrs["realised_loss"], 3), float(held.loc["drivetrain", "choke_score"])
    (0.56, 0.0)
    """
    require_chain(chain, "score")
    check_reading(chain, horizon, month, to)
    c, tgt = chain.compiled, resolve(chain, target)
    p = with_target(c, engine.params_from_compiled(c), tgt)
    held = restrictions(chain, p, baseline)
    ind = classic_indicators(c)
    ind["betweenness"], bc_note = node_betweenness(chain, betweenness_limit)
    expand = expansion(chain)
    keys, (home_shares, most_shares) = keys_of(c), control_shares(c, expand)
    countries, exposure = dominant_keys(c, home_shares, keys)
    scored = _choke_scores(c, p, countries, exposure,
                           bound_exposure(most_shares, keys, countries), expand,
                           reading=Reading(horizon, month, to), top=top,
                           exact_limit=exact_limit, decompose=decompose, progress=progress,
                           held=held)
    _add_knockouts(ind, c, p, scored.struct, held)
    _add_choke_columns(ind, c, countries, exposure, scored)
    out = _ranked(ind, chain)
    out.attrs = {"horizon": horizon, "month": horizon if month is None else month, "to": to,
                 "threshold": threshold, "betweenness": bc_note, "chain": chain.name,
                 "exact": _exact_note(scored, exact_limit, top, held), "nodes": c.n,
                 **held.attrs, **target_attrs(tgt)}
    return out


@dataclass
class _Scored:
    """The choke losses of every node (NaN where not computed), which nodes were scored
    exactly, and how."""

    immediate: np.ndarray
    long_run: np.ndarray
    #: the horizon average, the single month's loss and the time to impact
    dynamic: np.ndarray
    month: np.ndarray
    impact: np.ndarray
    no_stock: np.ndarray
    #: per node: scored exactly, or nothing to cut
    exact: np.ndarray
    #: the nodes that get knockout indicators
    struct: np.ndarray
    #: pruned: the chain is larger than ``exact_limit``, or its cuts reach too far
    large: bool
    deep: bool
    #: whether the pruned search completed (the top is guaranteed)
    complete: bool


def _choke_scores(c: Compiled, p: Params, countries: list[str | None], exposure: np.ndarray,
                  bound_exposure: np.ndarray, expand: sparse.csr_matrix, *,
                  reading: Reading, top: int, exact_limit: int, decompose: int,
                  progress: bool | None, held: Held) -> _Scored:
    """The choke losses of every node: every node scored exactly where the chain is
    small and shallow enough, else pruned by the bounds (module docstring); then the
    long-run bound of the nodes scored exactly and, for the ``decompose`` best of them,
    the loss without stocks (the relief split); every loss on top of ``held``."""
    from riskmodel._progress import Progress

    nodes = np.arange(c.n)
    uncut = np.array([j for j in nodes if countries[j] is None], dtype=np.int64)
    choke = functools.partial(marginal_losses, expand=expand, held=held, month=reading.month,
                              to=reading.to)
    h = reading.horizon
    cut_nodes = np.array([j for j in nodes if countries[j] is not None], dtype=np.int64)
    cut_countries = [countries[j] for j in cut_nodes]
    large = c.n > exact_limit
    complete = True
    probe = None if large else _immediate_within(c, p, cut_nodes, cut_countries, expand,
                                                 SCORE_WORK // (reading.months + 2), held,
                                                 reading.to)
    deep = not large and probe is False
    large = large or deep
    long_run = np.full(c.n, np.nan) if large else np.zeros(c.n)
    dyn, at_month, impact = np.zeros(c.n), np.zeros(c.n), np.full(c.n, np.nan)
    no_stock = np.full(c.n, np.nan)
    with Progress(4 * len(cut_nodes), "scoring", enabled=progress) as bar:
        if large:
            chosen, res, immediate, complete = _pruned(
                c, p, cut_nodes, cut_countries, bound_exposure, reading=reading, top=top,
                choke=choke, work=SCORE_WORK if deep else math.inf, held=held)
            immediate[uncut] = 0.0
        else:
            immediate = np.zeros(c.n)
            immediate[cut_nodes] = probe if isinstance(probe, np.ndarray) else choke(
                c, p, cut_nodes, cut_countries, h, what=("immediate",),
                progress=bar).immediate
            chosen = np.arange(len(cut_nodes))
            res = choke(c, p, cut_nodes, cut_countries, h, what=("dynamic",), progress=bar)
        dyn[cut_nodes[chosen]] = res.dynamic
        at_month[cut_nodes[chosen]] = res.month
        impact[cut_nodes[chosen]] = res.impact
        long_run[cut_nodes[chosen]] = choke(c, p, cut_nodes[chosen],
                                             [cut_countries[i] for i in chosen], h,
                                             what=("long_run",), progress=bar).long_run
        # the relief split, for the nodes a report explains
        split = chosen[np.argsort(-res.dynamic, kind="stable")[:decompose]]
        no_stock[cut_nodes[split]] = choke(c, p, cut_nodes[split],
                                            [cut_countries[i] for i in split], h,
                                            what=("no_stock",), progress=bar).no_stock
    no_stock[uncut] = 0.0
    exact = np.zeros(c.n, dtype=bool)
    exact[cut_nodes[chosen]] = True
    exact[uncut] = True
    # knockouts: on large chains, for the nodes scored exactly
    struct = nodes if not large else np.union1d(cut_nodes[chosen], uncut)
    return _Scored(immediate, long_run, dyn, at_month, impact, no_stock, exact, struct,
                   large, deep, complete)


def _pruned(c: Compiled, p: Params, cut_nodes: np.ndarray, cut_countries: list[str | None],
            exposure: np.ndarray, *, reading: Reading, top: int, choke: Any, work: float,
            held: Held) -> tuple[np.ndarray, Any, np.ndarray, bool]:
    """The pruned search (module docstring): cheap bounds first, then immediate bounds
    and dynamics only where they can still matter. Returns the exactly scored indices
    (into ``cut_nodes``) and their losses, the immediate losses of every node (NaN where
    not computed), and whether the search completed. With restrictions in force
    (``held``), the bound is the reach bound against their availability alone (module
    docstring, (2'))."""
    R, amp = _reach_bound(c, p, held)
    if held.spec is not None:
        bound = R[cut_nodes]
    else:
        # bound (3): the average over the horizon of what is left of a full cut each
        # month, each node at its own ramp
        bound = np.where(amp, R, np.minimum(R, exposure * left_on_average(
            c.substitutability, c.lead_time, reading.horizon) * R))[cut_nodes]
    chosen, chosen_res, seen, seen_imm, complete = _prune(
        c, p, cut_nodes, cut_countries, bound, reading, top, choke, work=work,
        anchor=held.anchor)
    immediate = np.full(c.n, np.nan)
    immediate[cut_nodes[seen]] = seen_imm
    return chosen, chosen_res, immediate, complete


def _add_knockouts(ind: pd.DataFrame, c: Compiled, p: Params, struct: np.ndarray,
                   held: Held) -> None:
    """Add the structural indicators of docs/model.md §2.2 for the nodes ``struct``
    (NaN for the others), on top of the restrictions in force ``held``."""
    level = engine.plan_for(c).node_level
    struct = struct[np.argsort(level[struct], kind="stable")]
    reach = np.full(c.n, np.nan)
    knock = np.full(c.n, np.nan)
    spof: list[list[str] | None] = [None] * c.n
    k_loss, k_reach, k_dead = knockouts_on_top(c, p, struct, held)
    knock[struct] = k_loss
    reach[struct] = k_reach
    for j, dead in zip(struct, k_dead, strict=True):
        spof[j] = [str(c.ids[e]) for e in dead if e != j]
    ind["knockout_loss"] = knock
    ind["downstream_reach"] = reach
    ind["spof"] = spof
    ind["spof_count"] = [np.nan if x is None else len(x) for x in spof]


def _add_choke_columns(ind: pd.DataFrame, c: Compiled, countries: list[str | None],
                       exposure: np.ndarray, scored: _Scored) -> None:
    """Add the choke score and its decomposition (docs/model.md §2.3)."""
    exact, immediate = scored.exact, scored.immediate
    dyn, no_stock = scored.dynamic, scored.no_stock
    ind["cut_country"] = countries
    ind["choke_score"] = np.where(exact, dyn, np.nan)
    ind["time_to_impact"] = np.where(exact, scored.impact, np.nan)
    ind["choke_month"] = np.where(exact, scored.month, np.nan)
    ind["choke_immediate"] = immediate
    ind["choke_long_run"] = scored.long_run
    ind["choke_exact"] = exact
    ind["exposure"] = exposure
    with np.errstate(divide="ignore", invalid="ignore"):
        ind["transmission"] = np.where(exposure > 0, immediate / exposure, 0.0)
    with np.errstate(invalid="ignore"):
        ind["relief_substitution"] = np.where(exact, np.maximum(immediate - no_stock, 0.0),
                                              np.nan)
        ind["relief_stock"] = np.where(exact, np.maximum(no_stock - dyn, 0.0), np.nan)
    ind["substitutability"] = c.substitutability
    ind["lead_time_months"] = c.lead_time
    ind["inventory_months"] = c.inventory


def _ranked(ind: pd.DataFrame, chain: Chain) -> pd.DataFrame:
    """The table with ``label`` and ``stage`` first, sorted by choke score (nodes not
    scored exactly last), then immediate bound, knockout loss and id, and ranked by
    :func:`competition_ranks` of the choke score (nodes not scored exactly share the
    rank after every node scored)."""
    c = chain.compiled
    nodes_table = chain.to_data().nodes
    labels = pd.Series(nodes_table["label"].to_numpy(), index=nodes_table["id"]).reindex(c.ids)
    ind.insert(0, "stage", [c.stages[s] if s >= 0 else None for s in c.stage])
    ind.insert(0, "label", [lb if isinstance(lb, str) else i
                            for i, lb in zip(c.ids, labels, strict=True)])
    exact = ind["choke_exact"].to_numpy()
    key = np.where(exact, ind["choke_score"].fillna(0), -1.0)

    def tie(x: np.ndarray) -> np.ndarray:
        # scores equal to 12 decimals tie (the engine's paths agree to 1e-9 and differ
        # in the last bits), so that the next key, not rounding, orders them
        return -np.round(np.nan_to_num(x, nan=-1.0), 12)

    order = np.lexsort((c.ids.astype(str), tie(ind["knockout_loss"].to_numpy()),
                        tie(ind["choke_immediate"].to_numpy()), tie(key)))
    out = ind.iloc[order].copy()
    out.insert(2, "rank", competition_ranks(key[order]))
    return out


def _exact_note(scored: _Scored, exact_limit: int, top: int, held: Held) -> str:
    """``.attrs["exact"]``: which nodes were scored exactly, and why."""
    if not scored.large:
        return "all nodes"
    how = ("the reach bound against the availability the restrictions in force leave "
           "(the exposure and substitution bounds do not hold on top of them) and the "
           "immediate bound" if held.spec is not None else
           "the reach, substitution and immediate bounds")
    return ((f"chain larger than {exact_limit} nodes" if not scored.deep else
             f"cuts reach too far to score every node within {SCORE_WORK:.0e} steps")
            + (f": top {top} guaranteed exact (pruned by {how}; a node left unscored "
               "cannot score above the "
               f"{ordinal(top)} exact score, though it may tie with it)" if scored.complete
               else
               f": the top {top} is NOT guaranteed (the work limit of {SCORE_WORK:.0e} "
               "steps stopped the search; the nodes marked choke_exact, nearest the end "
               "use among the highest bounds, are scored exactly)")
            + "; immediate bound "
            "only where the reach bound left a chance; knockout indicators and the "
            "long-run bound for the exactly scored nodes only")


def _reach_bound(c: Compiled, p: Params, held: Held) -> tuple[np.ndarray, np.ndarray]:
    """``(R, amplifies)`` per node: an upper bound of the end-use weight the node can
    reach (``min(1, own weight + Σ successors' R)``, which may count a product twice but
    never misses one), and whether its downstream cone holds a cycle. Each end use's
    weight counts only the availability the restrictions in force ``held`` leave it
    (all of it without any): a cut cannot take more."""
    w = np.abs(p.weight).max(axis=1) if p.weight.ndim == 2 else p.weight
    if held.spec is not None:
        w = w * np.clip(held.availability, 0.0, 1.0)
    return engine.reach_bound(c, np.ascontiguousarray(w, dtype=float))


def _prune(c: Compiled, p: Params, nodes: np.ndarray, countries: list[str | None],
           bound: np.ndarray, reading: Reading, top: int, choke: Any = choke_losses,
           work: float = math.inf, anchor: int = -1
           ) -> tuple[np.ndarray, Any, np.ndarray, np.ndarray, bool]:
    """Score exactly every node that can score above the ``top``-th best (module
    docstring).

    Nodes are taken in decreasing ``bound`` (an upper bound of the choke score); each
    batch gets its immediate bound, and the dynamics run for those whose bounds can
    still beat the ``top``-th best exact score so far. It stops when the next ``bound``
    is at most that score: such a node can at best tie with it (on a deep chain of like
    nodes, thousands tie, and scoring them all is what costs the square of the depth).
    Ties in ``bound`` go nearest the end use first (shorter cones, fewer stocks below).
    A batch whose cuts could cost more than what is left of ``work`` steps (the
    column-block kernel's reads, an upper bound of the cone kernel's) is not started:
    then the last value returned is False (the top is not guaranteed). With
    restrictions in force, every column also reaches what lies below their ``anchor``
    (:class:`~riskmodel.scoring.held.Held`).
    Returns the exactly scored indices (into ``nodes``) and their losses (a
    :class:`~riskmodel.scoring.cuts.ChokeLosses` of them), the indices that got an
    immediate bound, with it, and whether the search completed.
    """
    plan = engine.plan_for(c)
    level = plan.node_level[nodes]
    order = np.lexsort((-level, -bound))
    reads = np.diff(plan.eptr) + 1
    complete = True
    chosen: list[int] = []
    best: list[float] = []
    parts: list[Any] = []
    seen: list[int] = []
    seen_imm: list[float] = []
    batch = max(4 * top, PRUNE_BATCH)
    i = 0
    while i < len(order):
        full = len(best) >= top
        thr = sorted(best, reverse=True)[top - 1] if full else -np.inf
        if full and bound[order[i]] <= thr:
            break
        idx = order[i:i + batch]
        cost = (reading.months + 2) * float(_limits(
            plan, nodes[idx][np.argsort(level[idx], kind="stable")], anchor) @ reads)
        if cost > work:
            complete = False
            break
        work -= cost
        imm = choke(c, p, nodes[idx], [countries[j] for j in idx], reading.horizon,
                    what=("immediate",)).immediate
        seen.extend(idx.tolist())
        seen_imm.extend(imm.tolist())
        need = idx[np.minimum(imm, bound[idx]) > thr] if full else idx
        if len(need):
            res = choke(c, p, nodes[need], [countries[j] for j in need], reading.horizon,
                        what=("dynamic",))
            chosen.extend(need.tolist())
            best.extend(res.dynamic.tolist())
            parts.append(res)
        i += batch
    joined = ChokeLosses(*(np.concatenate([np.zeros(0), *(getattr(r, f) for r in parts)])
                           for f in ("immediate", "long_run", "dynamic", "no_stock",
                                     "month", "impact")))
    return (np.array(chosen, dtype=np.int64), joined, np.array(seen, dtype=np.int64),
            np.array(seen_imm), complete)


def _immediate_within(c: Compiled, p: Params, nodes: np.ndarray,
                      countries: list[str | None], expand: sparse.csr_matrix,
                      cap: int, held: Held, to: str = "all") -> np.ndarray | bool | None:
    """The immediate choke losses of ``nodes`` if they cost at most ``cap`` steps; False
    if they would cost more (then exact scores of every node would cost more than
    ``SCORE_WORK``: the dynamics at month ``h`` touch at most the nodes the immediate cut
    touches, in each of ``h + 1`` months); None where nothing needs checking.

    The column-block kernel's work is known in advance; only when it is over ``cap`` is
    the cone kernel tried, with ``cap`` as its limit. With restrictions in force
    (``held``), whose atoms every column then holds, that work estimate counts them,
    and over ``cap`` the answer is False. Stops to ``to`` that may differ from a lost
    supply (:func:`~riskmodel.scoring.cuts.spared_nowhere`) run over destination
    classes on the column-block kernel (the cone kernel cannot take them): False where
    their work, twice for two classes, is over ``cap``.
    """
    if not len(nodes):
        return None
    plan = engine.plan_for(c)
    level = plan.node_level
    perm = np.argsort(level[nodes], kind="stable")
    limit = _limits(plan, nodes[perm], held.anchor)
    if float(limit @ (np.diff(plan.eptr) + 1)) <= cap:
        return None
    if held.spec is not None:
        # every column holds the restrictions: the cone kernel's cap would mostly stop
        # it, and targeted restrictions cannot take it; prune
        return False
    ordered = [countries[i] for i in perm]
    plain = np.full(len(nodes), to == "world")
    near = np.zeros(len(nodes), dtype=bool)
    if to == "all":
        plain = spared_nowhere(c, nodes[perm], ordered, expand)
        near = ~plain & spared_producers(c, p, nodes[perm], ordered, expand)[0]
    out = np.empty(len(nodes))
    rest = np.flatnonzero(~plain & ~near)
    if len(rest):
        # stops over destination classes: the column-block kernel's work, two classes
        if 2 * float(_limits(plan, nodes[perm][rest], -1) @ (np.diff(plan.eptr) + 1)) > cap:
            return False
        spec = single_cuts(c, p, nodes[perm][rest], [ordered[i] for i in rest],
                           expand=expand, controls=True, to=to)
        out[perm[rest]] = engine.static_loss(c, p, spec)
    for part, spare in ((np.flatnonzero(plain), False), (np.flatnonzero(near), True)):
        if not len(part):
            continue
        # on the cone kernel, with ``cap`` its work limit; stops to all that spare the
        # key's producers of a successor as lost supplies with those producers spared
        these, names = nodes[perm][part], [ordered[i] for i in part]
        spec = single_cuts(c, p, these, names, expand=expand, controls=True)
        res = (spared_losses(c, p, spec, spared_producers(c, p, these, names, expand)[1],
                             mode="immediate", cap=cap) if spare
               else engine.static_loss(c, p, spec, cap=cap))
        if res is None:
            return False
        out[perm[part]] = res
    return out


def _limits(plan: engine.Plan, nodes: np.ndarray, anchor: int) -> np.ndarray:
    """Per node, how many leading columns of single-node cuts of ``nodes`` (sorted by
    level, one column each) reach it; every column also reaches what lies below
    ``anchor`` (the restrictions in force; -1: none)."""
    k = len(nodes)
    cols = np.arange(k)
    if anchor >= 0:
        nodes, cols = np.r_[nodes, np.full(k, anchor)], np.r_[cols, cols]
    return engine.column_limits(plan, nodes, cols, k)


def ordinal(k: int) -> str:
    """``k`` as an English ordinal.

    Examples
    --------
    >>> from riskmodel.scoring.choke import ordinal
    >>> ordinal(1), ordinal(2), ordinal(3), ordinal(11), ordinal(22), ordinal(113)
    ('1st', '2nd', '3rd', '11th', '22nd', '113th')
    """
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"

