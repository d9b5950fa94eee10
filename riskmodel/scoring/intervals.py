"""Choke-score intervals and top-rank probabilities over the data's uncertainty
(docs/model.md §2.7).

Not to be confused with :mod:`riskmodel.uncertainty`, which draws the chain's ranged
numbers; this module scores each draw.

**At scale** (the baseline did not score every node exactly, or drawing every cut node
would cost more than :data:`~riskmodel.scoring.choke.SCORE_WORK` steps of the
column-block kernel, every draw and month counted), :func:`score_uncertainty` draws
only some nodes: the highest baseline scores that fit (at least ``4 × top``), then for
up to :data:`ROUNDS` rounds the nodes whose bound can still reach the drawn top. The
bound is an upper bound of a node's choke score in every draw
(:mod:`riskmodel.scoring.choke`'s reach bound with each end use's largest drawn weight,
and its substitution bound at the smallest drawn substitutability and longest lead
time, exposure taken as 1; with restrictions in force the reach bound alone), held
against the lowest over the draws of the ``top``-th best drawn score. The table then
gains ``drawn`` (scored in every draw) and ``proven_out`` (not drawn, and proven unable
to rank in the top ``top`` of any draw: ``p_top`` 0); a node with neither has NaN
intervals, ranks and ``p_top``. Ranks count the drawn nodes only.
``.attrs["drawn"]`` ("all nodes" otherwise) and the note say how many were drawn and
whether any node left out may still enter the top. In any call, node columns are
evaluated in chunks within the memory budget
(:func:`~riskmodel.scoring.cuts.columns_per_batch`), the same numbers however chunked.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.engine import Params
from riskmodel.engine.baseline import in_every_column
from riskmodel.model import Chain, require_chain
from riskmodel.realised import marginal
from riskmodel.scoring.choke import SCORE_WORK, score
from riskmodel.scoring.cuts import (
    columns_per_batch,
    expansion,
    horizon_reading,
    months_read,
    single_cuts,
    spared_nowhere,
)
from riskmodel.scoring.held import Held, restrictions
from riskmodel.scoring.horizon import HORIZON, competition_ranks, left_on_average

__all__ = ["ROUNDS", "score_uncertainty"]

#: Rounds of drawing more nodes, on chains where not every node is drawn: each round
#: draws the nodes not yet proven unable to enter the top (highest bound first) that
#: fit in what is left of ``SCORE_WORK``.
ROUNDS = 3


def score_uncertainty(chain: Chain, *, draws: int = 200, seed: int | None = 0,
                      horizon: int = HORIZON, top: int = 5,
                      scores: pd.DataFrame | None = None,
                      baseline: Any = None, to: str = "all", client: Any = None
                      ) -> pd.DataFrame:
    """Choke-score intervals and top-``top`` probabilities over the data's uncertainty.

    Every ranged number is drawn (see :mod:`riskmodel.uncertainty`); in each draw every
    node is cut by the key the baseline scores name (its dominant foreign controlling
    one), withholding from ``to`` as in :func:`~riskmodel.scoring.score`, and read as
    its choke score: the average loss over ``horizon`` months. Returns, per node:
    ``p5``/``p50``/``p95`` of the choke score, ``rank_p5``/``rank_p95``, ``p_top``
    (probability of ranking in the top ``top`` with a score above 0), and
    ``baseline_rank``. Ranks follow the one tie rule of :func:`score`
    (:func:`~riskmodel.scoring.horizon.competition_ranks`: tied scores share the best
    rank of their tie), in every draw as in the baseline, so a node whose score never
    moves keeps its baseline rank in every draw; a node at 0 is never in the top.
    ``.attrs["robust"]`` says whether every baseline top-``top`` node that scores above
    0 stays in the top ``top`` in at least 80% of draws. ``baseline`` (restrictions in
    force, as for :func:`~riskmodel.scoring.score`) puts every cut of every draw on top
    of them: each draw's scores are then marginal, against that draw's realised loss
    (``.attrs["realised_loss"]``: the central one). Give ``scores`` scored with the same
    ``baseline``. The draws come in blocks as :func:`~riskmodel.monte_carlo`'s: the same
    ``seed`` gives the same numbers on any ``client`` (a ``dask.distributed.Client`` or a
    ``concurrent.futures.Executor``) or none; with nothing ranged the scores are
    computed once (``.attrs["ranged_values"]`` is 0, and the note says so).

    At scale only the nodes that can reach the top are drawn, and the table says which
    (module docstring); node columns are chunked within the memory budget.

    Examples
    --------
    >>> import riskmodel as rm
    >>> u = rm.score_uncertainty(rm.load("bicycle"), draws=50, seed=1, top=3)
    >>> bool(u.loc["drivetrain", "p_top"] > 0.9)
    True
    """
    require_chain(chain, "score_uncertainty")
    from riskmodel.distributed import check_client
    from riskmodel.uncertainty import check_draws, check_seed, ranged_count

    check_draws(draws, horizon)
    check_seed(seed)
    check_client(client)
    scores = scores if scores is not None else score(chain, horizon=horizon,
                                                     baseline=baseline, to=to)
    c = chain.compiled
    held = restrictions(chain, engine.params_from_compiled(c), baseline)
    countries = [x if isinstance(x, str) else None
                 for x in scores["cut_country"].reindex(c.ids)]
    cut = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    ranged = ranged_count(chain)
    per_column = (draws if ranged else 1) * (horizon + 2)
    chosen = _candidates(c, scores, cut, per_column, top)
    draw = functools.partial(_drawn_scores, chain, countries, draws=draws, horizon=horizon,
                             seed=seed, held=held, to=to, client=client)
    drawn, pess = draw(cut if chosen is None else chosen)
    if chosen is None:
        results = np.zeros((draws, c.n))
        results[:, cut] = drawn
        out = _intervals(results, scores, c.ids, top)
    else:
        out = _at_scale(c, draw, chosen, drawn, pess, cut, scores, top=top,
                        horizon=horizon, held=held, per_column=per_column)
    base_top = out[(out["baseline_rank"] <= top) & (out["baseline"] > 0)]
    robust = bool((base_top["p_top"] >= 0.8).all())
    out.attrs = {"draws": draws, "seed": seed, "top": top, "horizon": horizon, "to": to,
                 "robust": robust, **held.attrs, "note": _note(base_top, top, robust),
                 "drawn": "all nodes"}
    out.attrs["ranged_values"] = ranged
    if not ranged:
        out.attrs["note"] = ("nothing in the chain is ranged: every draw is the same, so "
                             "the scores were computed once")
    if chosen is not None:
        out.attrs["drawn"] = _drawn_note(out, len(cut), top)
        out.attrs["note"] += "; " + out.attrs["drawn"]
    return out


def _note(base_top: pd.DataFrame, top: int, robust: bool) -> str:
    """The robustness sentence, about the baseline top nodes that score above 0."""
    if base_top.empty:
        return f"no node scores above 0, so there is no top {top} to test"
    if robust:
        return f"the top {top} is robust: each stays in it in ≥80% of draws"
    return (f"the top {top} is NOT robust: " + ", ".join(
        f"{i} ({v:.0%})" for i, v in base_top["p_top"].items() if v < 0.8)
        + " stay in it in fewer than 80% of draws")


def _drawn_scores(chain: Chain, countries: list[str | None], nodes: np.ndarray, *,
                  draws: int, horizon: int, seed: int | None, held: Held, to: str = "all",
                  client: Any = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The choke score of the cut ``nodes`` in each draw, ``(draws, len(nodes))``: each
    node cut by ``countries`` (indexed by node), on top of the restrictions in force
    ``held`` (marginal against each draw's realised loss), in blocks of draws (as
    :func:`~riskmodel.monte_carlo`'s: the same numbers however they run, on ``client``
    or not); with nothing ranged, every draw is the first. Beside them, the
    pessimistic numbers over every draw (:func:`_pessimistic`; None without nodes)."""
    from riskmodel._progress import Progress
    from riskmodel.distributed import run
    from riskmodel.uncertainty import BLOCK, Sampler, draw_blocks

    c = chain.compiled
    results = np.zeros((draws, len(nodes)))
    if not len(nodes):  # no node to cut: every choke score is 0 in every draw
        return results, None
    sampler = Sampler(chain)
    m = len(nodes)
    cc = [countries[j] for j in nodes]
    expand = expansion(chain)
    # a stop to all that costs what a lost supply costs stays on the cone kernel
    # (scoring.cuts); whether it does is the chain's structure, the same in every draw
    strict = held.spec is not None and held.spec.targeted
    dest = "world" if to == "all" and spared_nowhere(c, nodes, cc, expand,
                                                     strict=strict).all() else to
    # every column holds its draw's numbers where they are ranged: the memory budget's
    # columns, all of a draw's nodes at once where they fit, else in chunks of one draw
    cols = columns_per_batch(c.n, m * BLOCK, extra=sampler.numbers_per_draw())
    step, width = (min(BLOCK, cols // m), m) if cols >= m else (1, cols)
    work = _Draws(chain, sampler, nodes, cc, expand, held, horizon, step, width, dest)
    once = sampler.count == 0
    blocks = draw_blocks(1 if once else draws, seed)
    with Progress(draws, "score uncertainty") as bar:
        parts = run(_score_block, work, blocks, client=client, progress=bar,
                    size=lambda b: draws if once else b.size)
    for block, (loss, _) in zip(blocks, parts, strict=True):
        results[block.start:block.start + block.size] = loss
    if once:
        results[1:] = results[0]
    pess = np.stack([x for _, x in parts])
    return results, np.vstack([pess[:, 0].max(axis=0), pess[:, 1].min(axis=0),
                               pess[:, 2].max(axis=0)])


@dataclass
class _Draws:
    """What every block of draws reads (sent to each worker once)."""

    chain: Chain
    sampler: Any
    nodes: np.ndarray
    countries: list[str | None]
    expand: Any
    held: Held
    horizon: int
    step: int  # draws evaluated at once: the chain's memory budget, at most a block
    width: int  # cut nodes evaluated at once within a draw (all of them where step > 1)
    to: str  # whom each stop withholds from ("world" where that costs the same as "all")


def _score_block(w: _Draws, block: Any) -> tuple[np.ndarray, np.ndarray]:
    """The choke scores ``(draws, cut nodes)`` of one block of draws, drawn from its
    own seed and evaluated alone (``w.step`` draws at a time, and ``w.width`` nodes of
    a draw at a time, set by the chain's memory budget), and the block's pessimistic
    numbers (:func:`_pessimistic`)."""
    held, m = w.held, len(w.nodes)
    drawn = w.sampler.draw(block.size, np.random.default_rng(block.seed))
    out = np.zeros((block.size, m))
    for lo in range(0, block.size, w.step):
        d = min(w.step, block.size - lo)
        p_d = drawn if d == block.size else drawn.columns(np.arange(lo, lo + d))
        realised = None
        if held.spec is not None:
            realised = engine.static_loss(w.chain.compiled, p_d, in_every_column(
                engine.CutSpec.none(d), held.spec), mode="long_run")
        for a in range(0, m, w.width):
            b = min(m, a + w.width)
            out[lo:lo + d, a:b] = _score_columns(w, p_d, d, np.arange(a, b), realised)
    return out, _pessimistic(drawn)


def _score_columns(w: _Draws, p_d: Params, d: int, part: np.ndarray,
                   realised: np.ndarray | None) -> np.ndarray:
    """The choke scores ``(d, len(part))`` of the cut nodes ``w.nodes[part]`` in the
    ``d`` draws of ``p_d``: one column per (draw, node), draw-major; marginal against
    each draw's ``realised`` loss where restrictions are in force."""
    c, held, k = w.chain.compiled, w.held, len(part)
    rep = np.repeat(np.arange(d), k)

    def widen(x: np.ndarray | None) -> np.ndarray | None:
        return x[:, rep] if x is not None and x.shape[1] > 1 else x
    p = Params(**{**p_d.__dict__, **{f: widen(getattr(p_d, f)) for f in (
        "row_share", "dep0", "ind0", "covers", "ne_share", "subst", "lead", "inventory",
        "weight", "life", "world_share")}})
    countries = [w.countries[i] for i in part]
    spec = single_cuts(c, p, np.tile(w.nodes[part], d), countries * d, expand=w.expand,
                       to=w.to, controls=True)
    if held.spec is not None:
        spec = in_every_column(spec, held.spec)
    loss = engine.dynamic(c, p, spec, months_read(w.horizon, None)).loss
    if realised is not None:
        loss = np.maximum(0.0, marginal(loss, np.repeat(realised, k)[None, :]))
    return horizon_reading(loss, w.horizon)[0].reshape(d, k)


def _pessimistic(p: Params) -> np.ndarray:
    """Per node, over the draws of ``p``: the largest end-use weight, the smallest
    substitutability and the longest lead time, ``(3, n)`` (bound (3)'s worst case)."""
    def rows(x: np.ndarray, f: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return f(x, axis=1) if x.ndim == 2 else x
    return np.vstack([rows(np.abs(p.weight), np.max), rows(p.subst, np.min),
                      rows(p.lead, np.max)])


def _intervals(results: np.ndarray, scores: pd.DataFrame, ids: np.ndarray,
               top: int) -> pd.DataFrame:
    """Per node: the baseline, percentiles of score and rank over the draws, and the
    probability of ranking in the top ``top``; sorted by baseline rank."""
    # the one tie rule (horizon.competition_ranks); a node at 0 is never in the top
    ranks = competition_ranks(results)
    return pd.DataFrame({
        "baseline": scores["choke_score"].reindex(ids).to_numpy(),
        "p5": np.percentile(results, 5, axis=0), "p50": np.percentile(results, 50, axis=0),
        "p95": np.percentile(results, 95, axis=0),
        "rank_p5": np.percentile(ranks, 5, axis=0, method="nearest"),
        "rank_p95": np.percentile(ranks, 95, axis=0, method="nearest"),
        "p_top": ((ranks <= top) & (np.round(results, 12) > 0)).mean(axis=0),
        "baseline_rank": scores["rank"].reindex(ids).to_numpy(),
    }, index=pd.Index(ids, name="node")).sort_values("baseline_rank")


def _candidates(c: Any, scores: pd.DataFrame, cut: np.ndarray, per_column: int,
                top: int) -> np.ndarray | None:
    """The cut nodes to draw: None (all of them) where the baseline scored every node
    exactly and drawing them all costs at most ``SCORE_WORK`` steps (the column-block
    kernel's reads, ``per_column`` times for every column: the draws and months); else
    the highest baseline scores (then immediate bounds; unscored last) that fit in it,
    at least ``4 × top`` of them."""
    def cost(nodes: np.ndarray) -> float:
        return _cost(c, nodes, per_column)

    exact = (scores["choke_exact"].reindex(c.ids).fillna(True).to_numpy(dtype=bool)
             if "choke_exact" in scores.columns else np.ones(c.n, dtype=bool))
    if exact[cut].all() and cost(cut) <= SCORE_WORK:
        return None

    def column(name: str) -> np.ndarray:
        if name not in scores.columns:
            return np.zeros(c.n)
        return np.nan_to_num(scores[name].reindex(c.ids).to_numpy(dtype=float), nan=-1.0)
    order = cut[np.lexsort((-column("choke_immediate")[cut], -column("choke_score")[cut]))]
    least = min(len(order), 4 * top)
    k = len(order)
    while k > least and cost(order[:k]) > SCORE_WORK:
        k = max(least, k // 2)
    return np.sort(order[:k])


def _at_scale(c: Any, draw: Any, chosen: np.ndarray, drawn: np.ndarray,
              pess: np.ndarray | None, cut: np.ndarray, scores: pd.DataFrame, *, top: int,
              horizon: int, held: Held, per_column: int) -> pd.DataFrame:
    """The table where only ``chosen`` were drawn (``drawn``, by ``draw``): up to
    :data:`ROUNDS` rounds draw the nodes whose bound still reaches the drawn top and fit
    in ``SCORE_WORK``; then every node not drawn is marked, proven out or not."""
    uncut = np.setdiff1d(np.arange(c.n), cut)
    for _ in range(ROUNDS):
        out_of, bound = _left_out(c, pess, drawn, top, horizon, held)
        out_of[uncut] = True  # not cut: 0 in every draw, never in the top
        more = _within(c, chosen, np.flatnonzero(~out_of), bound, per_column)
        if not len(more):
            break
        extra, _ = draw(more)
        chosen, drawn = np.r_[chosen, more], np.hstack([drawn, extra])
    out_of = _left_out(c, pess, drawn, top, horizon, held)[0]
    out_of[uncut] = True
    return _intervals_of(drawn, chosen, out_of, uncut, scores, c.ids, top)


def _cost(c: Any, nodes: np.ndarray, per_column: int) -> float:
    """The column-block kernel's reads for one column per node of ``nodes`` (sorted
    by level), ``per_column`` times."""
    plan = engine.plan_for(c)
    nodes = nodes[np.argsort(plan.node_level[nodes], kind="stable")]
    k = len(nodes)
    limits = engine.column_limits(plan, nodes, np.arange(k), k)
    return per_column * float(limits @ (np.diff(plan.eptr) + 1))


def _within(c: Any, chosen: np.ndarray, missing: np.ndarray, bound: np.ndarray,
            per_column: int) -> np.ndarray:
    """The nodes of ``missing`` not yet drawn, highest ``bound`` first, as many as
    fit with ``chosen`` within ``SCORE_WORK`` steps (none if none fits)."""
    missing = np.setdiff1d(missing, chosen)
    order = missing[np.argsort(-bound[missing], kind="stable")]
    k = len(order)
    while k and _cost(c, np.r_[chosen, order[:k]], per_column) > SCORE_WORK:
        k //= 2
    return order[:k]


def _left_out(c: Any, pess: np.ndarray | None, drawn: np.ndarray, top: int, horizon: int,
              held: Held) -> tuple[np.ndarray, np.ndarray]:
    """Per node: proven unable to rank in the top ``top`` of any draw. Its bound over
    every draw (:mod:`riskmodel.scoring.choke`: the reach bound (2) with each end use's
    largest drawn weight and exposure 1, and where no cycle lies downstream bound (3)
    with the smallest drawn substitutability and longest lead time; with restrictions
    in force the reach bound alone) is below the lowest, over the draws, of the
    ``top``-th best drawn score; or it is 0 (a node at 0 is never in the top). Beside
    it, that bound."""
    if pess is None:
        return np.ones(c.n, dtype=bool), np.zeros(c.n)
    w, subst, lead = pess
    R, amp = engine.reach_bound(c, np.ascontiguousarray(w, dtype=float))
    bound = R if held.spec is not None else np.where(
        amp, R, np.minimum(R, R * left_on_average(subst, lead, horizon)))
    kth = (np.sort(drawn, axis=1)[:, -top] if drawn.shape[1] >= top
           else np.zeros(len(drawn)))
    floor = max(0.0, float(np.round(kth.min(), 12)))
    return (bound < floor) | (bound <= 0), bound


def _intervals_of(drawn: np.ndarray, chosen: np.ndarray, out_of: np.ndarray,
                  uncut: np.ndarray, scores: pd.DataFrame, ids: np.ndarray,
                  top: int) -> pd.DataFrame:
    """:func:`_intervals` where only the nodes ``chosen`` were drawn (``drawn``, one
    column each; ranks among them): the others get NaN, ``p_top`` 0 where ``out_of``
    proves they never rank in the top (else NaN), and ``drawn`` False; the ``uncut``
    nodes score 0 in every draw."""
    part = _intervals(drawn, scores.reindex(ids[chosen]), ids[chosen], top)
    out = part.reindex(ids)
    out["baseline"] = scores["choke_score"].reindex(ids).to_numpy()
    out["baseline_rank"] = scores["rank"].reindex(ids).to_numpy()
    out["drawn"] = False
    out.loc[ids[chosen], "drawn"] = True
    rest = ~out["drawn"].to_numpy()
    out.loc[rest & out_of, "p_top"] = 0.0
    zero = rest & np.isin(np.arange(len(ids)), uncut)  # not cut: 0 in every draw
    out.loc[zero, ["p5", "p50", "p95"]] = 0.0
    out["proven_out"] = np.where(rest, out_of, False)
    return out.sort_values("baseline_rank", kind="stable")


def _drawn_note(out: pd.DataFrame, cut: int, top: int) -> str:
    """``.attrs["drawn"]``: which nodes were drawn, and whether the rest are proven
    unable to enter the top."""
    k = int(out["drawn"].sum())
    unproven = int((~out["drawn"] & ~out["proven_out"]).sum())
    head = (f"only {k:,} of {cut:,} cut nodes were drawn (drawn=True: the highest "
            "baseline scores, then the highest bounds over the draws, within "
            f"{SCORE_WORK:.0e} steps); ranks count the drawn nodes only")
    if not unproven:
        return head + (f", and no other node can rank in the top {top} of any draw "
                       "(its bound over every draw is below the drawn top)")
    return head + (f", and {unproven:,} nodes not drawn are NOT proven unable to rank "
                   f"in the top {top} of some draw (proven_out=False; their P(top) is "
                   "unknown)")
