"""Monte Carlo over the data's uncertainty: one scenario run over draws of every ranged
number of the chain (docs/model.md §1.6).

The draws come in fixed blocks, each seeded from ``numpy.random.SeedSequence(seed)``
and evaluated alone, so a ``seed`` gives the same numbers for any ``chunk``, serially or
on a Dask ``Client`` or an ``Executor`` (:mod:`riskmodel.distributed`).

Examples
--------
>>> import riskmodel as rm
>>> mc = rm.monte_carlo(rm.load("bicycle"), "japan_drivetrain_cut", draws=64, seed=1)
>>> len(mc.draws), mc.ranged_values > 0
(64, True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel.model import Chain
from riskmodel.realised import baseline_of
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import (
    DEFAULT_THRESHOLD,
    as_scenario,
    chunk_size,
    cut_spec,
    on_top,
    realised_loss_of,
    summary_table,
)
from riskmodel.targets import END_USE, label, value_of, with_target
from riskmodel.targets import resolve as resolve_target

__all__ = ["ONCE", "MonteCarloResult", "monte_carlo"]

#: the note of a run with nothing ranged
ONCE = "nothing in the chain is ranged: every draw is the same, so it was computed once"


@dataclass
class MonteCarloResult:
    """Draws of every output of a scenario over the data's uncertainty.

    ``draws`` has one row per draw (the columns of :attr:`Result.summary`);
    ``percentiles`` the P5/P50/P95 of each; ``loss`` the end-use loss percentiles by
    month.
    """

    chain_name: str
    scenario: Scenario
    draws: pd.DataFrame
    percentiles: pd.DataFrame
    loss: pd.DataFrame
    seed: int | None
    ranged_values: int
    #: the restrictions in force the run took (as :attr:`Result.baseline`)
    baseline: tuple[Any, ...] = ()
    #: "" or that nothing is ranged, so the answer was computed once
    note: str = ""
    #: what the losses measure (as :attr:`~riskmodel.simulation.Result.target`)
    target: str = END_USE

    def __str__(self) -> str:
        q = self.percentiles
        lines = [f"{self.chain_name}: {self.scenario.label()} — Monte Carlo, "
                 f"{len(self.draws)} draws over {self.ranged_values} ranged values "
                 f"(seed {self.seed})"]
        if self.note:
            lines.append(f"  {self.note}")
        if self.target != END_USE:
            lines.append(f"  loss of {self.target} (the shortfall of its nodes)")
        if self.baseline:
            lines.append(f"  restrictions in force ({len(self.baseline)}): the figures below "
                         "are this scenario's marginal effect on top of them")
        for col in ("immediate_loss", "peak_loss", "final_loss", "cumulative_loss",
                    *(("realised_loss",) if self.baseline else ())):
            lines.append(f"  {col}: P5 {q.loc['P5', col]:.3g}, P50 {q.loc['P50', col]:.3g}, "
                         f"P95 {q.loc['P95', col]:.3g}")
        return "\n".join(lines)


def monte_carlo(chain: Chain, scenario: Scenario | str | Iterable[Cut], *, draws: int = 1000,
                seed: int | None = 0, months: int | None = None,
                threshold: float = DEFAULT_THRESHOLD, chunk: int | None = None,
                progress: bool | None = None, baseline: Any = None,
                target: Any = None, client: Any = None) -> MonteCarloResult:
    """Run ``scenario`` over ``draws`` samples of every ranged number in the chain.

    Each number with ``low``/``high`` is drawn from its distribution (triangular with
    mode at the value, or uniform); a node's supplier shares are drawn together and
    scaled down when they sum above 1. The draws come in blocks, each from its own seed
    and evaluated alone (docs/model.md §1.6), so a ``seed`` gives the same numbers for
    any ``chunk`` (draws per task), serially or on a ``client`` (a Dask ``Client`` or
    an ``Executor``, :mod:`riskmodel.distributed`). With nothing ranged, the answer is
    computed once (:attr:`MonteCarloResult.note`).
    ``baseline`` is as for :func:`simulate`: with restrictions in force, each draw has
    its own ``realised_loss`` and the other figures (and :attr:`MonteCarloResult.loss`)
    are the scenario's marginal effect on top of them. ``target`` is as for
    :func:`simulate` (its weights do not move with the draws).

    Examples
    --------
    >>> import riskmodel as rm
    >>> mc = rm.monte_carlo(rm.load("bicycle"), "japan_drivetrain_cut", draws=200, seed=1)
    >>> q = mc.percentiles["immediate_loss"]
    >>> bool(q["P5"] < 0.7 < q["P95"])
    True
    >>> mc.draws.equals(rm.monte_carlo(rm.load("bicycle"), "japan_drivetrain_cut",
    ...                                draws=200, seed=1, chunk=64).draws)
    True
    """
    from riskmodel._progress import Progress
    from riskmodel.distributed import check_client, run
    from riskmodel.uncertainty import BLOCK, Sampler, check_draws, check_seed, draw_blocks

    check_draws(draws, 0 if months is None else months)
    check_seed(seed)
    check_client(client)
    sc = as_scenario(chain, scenario, months)
    check_draws(draws, sc.months)
    held_as_given, held = baseline_of(chain, baseline)
    c, tgt = chain.compiled, resolve_target(chain, target)
    sampler = Sampler(chain)
    # a draw holds its own numbers where they are ranged (and copies while they are made)
    step = chunk_size(c.n, BLOCK, extra=2 * sampler.numbers_per_draw())
    work = _Draws(chain, sampler, sc, tuple(held), threshold, min(step, BLOCK), tgt)
    once = sampler.count == 0  # every draw the same: compute it once
    with Progress(draws, "monte carlo", enabled=progress) as bar:
        parts = run(_draw_block, work, draw_blocks(1 if once else draws, seed),
                    client=client, per_task=chunk and -(-chunk // BLOCK), progress=bar,
                    size=lambda b: draws if once else b.size)
    table = pd.concat([f for f, _ in parts], ignore_index=True)
    loss = np.concatenate([x for _, x in parts], axis=1)
    if once:
        table = table.iloc[np.zeros(draws, dtype=np.int64)].reset_index(drop=True)
    table.index.name = "draw"
    qs = {"P5": 5, "P50": 50, "P95": 95}
    pct = pd.DataFrame({name: table.replace([np.inf], np.nan).quantile(q / 100)
                        for name, q in qs.items()}).T
    for col in ("time_to_survive", "time_to_recover"):
        # nearest rank: the times may be inf (not within the horizon)
        pct[col] = [float(np.percentile(table[col], q, method="nearest"))
                    for q in qs.values()]
    loss_q = pd.DataFrame({name: np.percentile(loss, q, axis=1) for name, q in qs.items()},
                          index=pd.RangeIndex(sc.months, name="month"))
    table.attrs["target"] = label(tgt)
    return MonteCarloResult(chain.name, sc, table, pct, loss_q, seed, sampler.count,
                            held_as_given, ONCE if once else "", label(tgt))


@dataclass
class _Draws:
    """What every block of a Monte Carlo run reads (sent to each worker once)."""

    chain: Chain
    sampler: Any
    scenario: Scenario
    held: tuple[Cut, ...]
    threshold: float
    step: int  # draws evaluated at once: the chain's memory budget, at most a block
    target: Any  # the resolved target (None: end-use value), its weights fixed


def _draw_block(w: _Draws, block: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The summaries and end-use loss by month of one block of draws, drawn from its
    own seed and evaluated alone (``w.step`` draws at a time, set by the chain), so
    that no batching of blocks changes a number."""
    c, sc, held = w.chain.compiled, w.scenario, w.held
    drawn = w.sampler.draw(block.size, np.random.default_rng(block.seed))
    frames, losses = [], []
    for lo in range(0, block.size, w.step):
        k = min(w.step, block.size - lo)
        p = drawn if k == block.size else drawn.columns(np.arange(lo, lo + k))
        p = with_target(c, p, w.target)
        spec = cut_spec(w.chain, [sc] * k, p, baseline=held)
        loss = engine.dynamic(c, p, spec, sc.months).loss
        imm = engine.static_bounds(c, p, spec, sc.months, mode="immediate")
        lr = engine.static_bounds(c, p, spec, sc.months, mode="long_run")
        realised = realised_loss_of(w.chain, p, held)  # each draw its own
        if held:
            loss, (imm, lr) = on_top(loss, realised, (imm, lr))
        frames.append(summary_table(loss, sc.start, w.threshold, imm, lr,
                               value_of(c, w.target), realised))
        losses.append(loss)
    return pd.concat(frames, ignore_index=True), np.concatenate(losses, axis=1)
