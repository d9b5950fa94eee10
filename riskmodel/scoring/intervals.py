"""Choke-score intervals and top-rank probabilities over the data's uncertainty
(docs/model.md §2.7).

Not to be confused with :mod:`riskmodel.uncertainty`, which draws the chain's ranged
numbers; this module scores each draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.engine import Params
from riskmodel.engine.baseline import in_every_column
from riskmodel.model import Chain, require_chain
from riskmodel.realised import marginal
from riskmodel.scoring.choke import score
from riskmodel.scoring.cuts import (
    columns_per_batch,
    expansion,
    horizon_reading,
    months_read,
    single_cuts,
    spared_nowhere,
)
from riskmodel.scoring.held import Held, restrictions
from riskmodel.scoring.horizon import HORIZON, competition_ranks

__all__ = ["score_uncertainty"]


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
    0 stays in the top ``top`` in at least 80% of draws. ``baseline`` (restrictions in force, as for
    :func:`~riskmodel.scoring.score`) puts every cut of every draw on top of them: each
    draw's scores are then marginal, against that draw's realised loss
    (``.attrs["realised_loss"]``: the central one). Give ``scores`` scored with the same
    ``baseline``. The draws come in blocks as :func:`~riskmodel.monte_carlo`'s: the same
    ``seed`` gives the same numbers on any ``client`` (a ``dask.distributed.Client`` or a
    ``concurrent.futures.Executor``) or none; with nothing ranged the scores are
    computed once (``.attrs["ranged_values"]`` is 0, and the note says so).

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
    results = _drawn_scores(chain, countries, draws=draws, horizon=horizon, seed=seed,
                            held=held, to=to, client=client)
    out = _intervals(results, scores, c.ids, top)
    base_top = out[(out["baseline_rank"] <= top) & (out["baseline"] > 0)]
    robust = bool((base_top["p_top"] >= 0.8).all())
    out.attrs = {"draws": draws, "seed": seed, "top": top, "horizon": horizon, "to": to,
                 "robust": robust, **held.attrs, "note": _note(base_top, top, robust)}
    out.attrs["ranged_values"] = ranged = ranged_count(chain)
    if not ranged:
        out.attrs["note"] = ("nothing in the chain is ranged: every draw is the same, so "
                             "the scores were computed once")
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


def _drawn_scores(chain: Chain, countries: list[str | None], *, draws: int, horizon: int,
                  seed: int | None, held: Held, to: str = "all",
                  client: Any = None) -> np.ndarray:
    """The choke score of every node in each draw, ``(draws, n)``: each node cut by
    ``countries`` (None: not cut, 0), on top of the restrictions in force ``held``
    (marginal against each draw's realised loss), in blocks of draws (as
    :func:`~riskmodel.monte_carlo`'s: the same numbers however they run, on ``client``
    or not); with nothing ranged, every draw is the first."""
    from riskmodel._progress import Progress
    from riskmodel.distributed import run
    from riskmodel.uncertainty import BLOCK, Sampler, draw_blocks

    c = chain.compiled
    nodes = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    results = np.zeros((draws, c.n))
    if not len(nodes):  # no node to cut: every choke score is 0 in every draw
        return results
    sampler = Sampler(chain)
    m = len(nodes)
    cc = [countries[j] for j in nodes]
    expand = expansion(chain)
    # a stop to all that costs what a lost supply costs stays on the cone kernel
    # (scoring.cuts); whether it does is the chain's structure, the same in every draw
    strict = held.spec is not None and held.spec.targeted
    dest = "world" if to == "all" and spared_nowhere(c, nodes, cc, expand,
                                                     strict=strict).all() else to
    # every column holds its draw's numbers where they are ranged
    step = columns_per_batch(c.n, m * BLOCK, extra=sampler.numbers_per_draw()) // m
    work = _Draws(chain, sampler, nodes, cc, expand, held, horizon,
                  min(BLOCK, max(1, step)), dest)
    once = sampler.count == 0
    blocks = draw_blocks(1 if once else draws, seed)
    with Progress(draws, "score uncertainty") as bar:
        parts = run(_score_block, work, blocks, client=client, progress=bar,
                    size=lambda b: draws if once else b.size)
    for block, loss in zip(blocks, parts, strict=True):
        results[block.start:block.start + block.size, nodes] = loss
    if once:
        results[1:] = results[0]
    return results


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
    to: str  # whom each stop withholds from ("world" where that costs the same as "all")


def _score_block(w: _Draws, block: Any) -> np.ndarray:
    """The choke scores ``(draws, cut nodes)`` of one block of draws, drawn from its
    own seed and evaluated alone (``w.step`` draws at a time, set by the chain)."""
    c, held, m = w.chain.compiled, w.held, len(w.nodes)
    drawn = w.sampler.draw(block.size, np.random.default_rng(block.seed))
    out = np.zeros((block.size, m))
    for lo in range(0, block.size, w.step):
        d = min(w.step, block.size - lo)
        p_d = drawn if d == block.size else drawn.columns(np.arange(lo, lo + d))
        # columns: draw-major, one column per (draw, node)
        rep = np.repeat(np.arange(d), m)

        def widen(x: np.ndarray | None, rep: np.ndarray = rep) -> np.ndarray | None:
            return x[:, rep] if x is not None and x.shape[1] > 1 else x
        p = Params(**{**p_d.__dict__, **{f: widen(getattr(p_d, f)) for f in (
            "row_share", "dep0", "ind0", "covers", "ne_share", "subst", "lead", "inventory",
            "weight", "life", "world_share")}})
        spec = single_cuts(c, p, np.tile(w.nodes, d), w.countries * d, expand=w.expand,
                           to=w.to, controls=True)
        if held.spec is not None:
            spec = in_every_column(spec, held.spec)
        loss = engine.dynamic(c, p, spec, months_read(w.horizon, None)).loss
        if held.spec is not None:
            realised = engine.static_loss(c, p_d, in_every_column(engine.CutSpec.none(d),
                                                                  held.spec), mode="long_run")
            loss = np.maximum(0.0, marginal(loss, np.repeat(realised, m)[None, :]))
        out[lo:lo + d] = horizon_reading(loss, w.horizon)[0].reshape(d, m)
    return out


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
