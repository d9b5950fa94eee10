"""Simulating cut-offs: one scenario, many at once, or a Monte Carlo over the data.

:func:`simulate` plays a :class:`~riskmodel.scenario.Scenario` month by month (see
docs/model.md §1.5) and returns a :class:`Result` of DataFrames: availability of every
node by month, the end-use loss series, and a summary with the immediate and long-run
bounds (the worst month's, each month counting only the cuts in force in it), cumulative
loss, time-to-survive and time-to-recover. :func:`simulate_many`
evaluates many scenarios as the columns of one matrix, in memory-bounded chunks;
:func:`riskmodel.montecarlo.monte_carlo` samples every ranged number of the chain
(reproducibly, from a ``seed``) and reports percentiles.

Examples
--------
>>> import riskmodel as rm
>>> from riskmodel.scenario import Cut, Scenario
>>> bike = rm.load("bicycle")
>>> res = rm.simulate(bike, Scenario([Cut("JP", nodes=("drivetrain",), duration=12)]))
>>> res.summary[["immediate_loss", "time_to_survive"]].round(3).tolist()
[0.7, 4.0]
>>> res.end_use_loss.round(3).tolist()[:6]  # 3 months of stock, then 0.7 less substitution
[0.0, 0.0, 0.0, 0.0, 0.422, 0.661]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel._errors import Problem
from riskmodel.engine import CutSpec, Params
from riskmodel.model import Chain, Compiled, require_chain
from riskmodel.realised import baseline_of, held_line, marginal
from riskmodel.scenario import Cut, Scenario, expand_country, resolve, scenario_warnings
from riskmodel.schema import PLAUSIBILITY
from riskmodel.targets import END_USE, label, value_of, with_target
from riskmodel.targets import resolve as resolve_target

__all__ = ["Result", "simulate", "simulate_many"]

DEFAULT_THRESHOLD = 0.05
MAX_CHUNK = 192


def cut_spec(chain: Chain, scenarios: Sequence[Scenario], p: Params | None = None, *,
             baseline: Sequence[Cut] = ()) -> CutSpec:
    """The engine's cut atoms for ``scenarios`` (one column each) on ``chain``.

    A cut reaches the shares its country (or group) makes and those it controls
    (``controlled_by``), and withholds them from the destinations its ``to`` names
    (docs/model.md §1.3). The cuts of ``baseline`` (restrictions in force, §1.5) are in
    every column, permanent from ``−inf``.
    """
    c = chain.compiled
    p = p or engine.params_from_compiled(c)
    cindex = {name: i for i, name in enumerate(c.countries)}
    nc = max(len(c.countries), 1)
    # supplier rows by country, and by (node, country)
    order = np.argsort(p.row_country, kind="stable")
    by_country_ptr = np.searchsorted(p.row_country[order], np.arange(len(c.countries) + 1))
    key_rows = p.row_node * nc + p.row_country
    key_order = np.argsort(key_rows)
    keys_sorted = key_rows[key_order]
    atoms: dict[str, list[Any]] = {x: [] for x in ("col", "rows", "f", "start", "end",
                                                   "whole", "kind", "keys")}

    def atom(j: int, r: np.ndarray, cut: Cut, country: int,
             to: tuple[int, np.ndarray], in_force: bool) -> None:
        start, end = (-math.inf, math.inf) if in_force else (
            cut.start, math.inf if cut.duration is None else cut.start + cut.duration)
        for name, v in zip(atoms, (j, r, cut.fraction, start, end, country, *to),
                           strict=True):
            atoms[name].append(v)

    def rows_of(nodes: np.ndarray, codes: list[int]) -> np.ndarray:
        want = (nodes[:, None] * nc + np.array(codes, dtype=np.int64)[None, :]).ravel()
        pos = np.searchsorted(keys_sorted, want)
        pos = np.minimum(pos, len(keys_sorted) - 1) if len(keys_sorted) else pos
        hit = (keys_sorted[pos] == want) if len(keys_sorted) else np.zeros(0, bool)
        return np.asarray(key_order[pos[hit]], dtype=np.int64)

    groups = chain.groups
    for j, sc in enumerate(scenarios):
        for in_force, cut in [*((True, x) for x in baseline), *((False, x) for x in sc.cuts)]:
            codes = [cindex[x] for x in expand_country(groups, cut.country, cindex)]
            to = _destinations(c, groups, cut, cindex)
            controlled = _controlled(c, groups, cut.country, codes, p)
            if cut.nodes is None:  # everything each country supplies: one atom each
                for ci in codes:
                    atom(j, order[by_country_ptr[ci]:by_country_ptr[ci + 1]], cut, ci, to,
                         in_force)
                if len(controlled):
                    atom(j, controlled, cut, -1, to, in_force)
                continue
            nodes = c.index.get_indexer(list(cut.nodes))
            nodes = nodes[nodes >= 0]
            rows = rows_of(nodes, codes) if codes else np.zeros(0, dtype=np.int64)
            if len(controlled):
                rows = np.concatenate([rows, controlled[np.isin(p.row_node[controlled],
                                                                nodes)]])
            if len(rows) or codes:
                atom(j, rows, cut, -1, to, in_force)
    return CutSpec(len(scenarios), np.asarray(atoms["col"], dtype=np.int64), atoms["rows"],
                   np.asarray(atoms["f"], dtype=float), np.asarray(atoms["start"], dtype=float),
                   np.asarray(atoms["end"], dtype=float),
                   np.asarray(atoms["whole"], dtype=np.int64),
                   np.asarray(atoms["kind"], dtype=np.int8), atoms["keys"])


def _destinations(c: Compiled, groups: Mapping[str, Any], cut: Cut,
                  cindex: Mapping[str, int]) -> tuple[int, np.ndarray]:
    """``(to_kind, to_keys)`` of ``cut``: the supplier keys its ``to`` spares or names
    (a group with its members; keys that make nothing of the chain are left out: no
    producer there depends on what is withheld)."""
    if cut.to == "all":
        kind, names = engine.TO_ALL_BUT, [cut.country]
    elif cut.to == "world":
        kind, names = engine.TO_EVERYONE, []
    elif cut.to == "home":
        if c.home is None:
            raise ValueError(f"the cut by {cut.country} withholds from the home, but the "
                             "chain has a global view: name the destinations instead")
        kind, names = engine.TO_LISTED, [c.home]
    else:
        kind, names = engine.TO_LISTED, list(cut.to)
    keys = sorted({cindex[x] for name in names for x in expand_country(groups, name, cindex)})
    return kind, np.asarray(keys, dtype=np.int64)


def _controlled(c: Compiled, groups: Mapping[str, Any], country: str, codes: list[int],
                p: Params) -> np.ndarray:
    """The supplier rows of other countries that ``country`` (or a member) controls."""
    if not c.controls:
        return np.zeros(0, dtype=np.int64)
    names = [country, *((groups.get(country) or {}).get("members") or [])]
    parts = [c.controls[x] for x in names if x in c.controls]
    if not parts:
        return np.zeros(0, dtype=np.int64)
    rows = np.unique(np.concatenate(parts))
    return rows[~np.isin(p.row_country[rows], codes)]


def as_scenario(chain: Chain, scenario: Scenario | str | Iterable[Cut] | None,
                 months: int | None) -> Scenario:
    require_chain(chain, "simulate")
    if scenario is None:
        raise TypeError("simulate needs a scenario: a Scenario, a standard scenario name, "
                        "or a list of Cut")
    if isinstance(scenario, str):
        scenario = Scenario.from_chain(chain, scenario)
    elif isinstance(scenario, Mapping):  # the file form {id, months, cuts: [...]}
        from riskmodel.scenario import check_scenarios

        d = {"id": "scenario", **scenario}
        scenario = Scenario.from_dict(check_scenarios(None, [d], None, None)[0])
    elif not isinstance(scenario, Scenario):
        if not isinstance(scenario, Iterable):
            raise TypeError(f"simulate needs a scenario: a Scenario, a standard scenario "
                            f"name, a mapping {{cuts: [...]}} or a list of Cut, not "
                            f"{type(scenario).__name__}")
        cuts = list(scenario)
        bad = [x for x in cuts if not isinstance(x, Cut)]
        if bad:
            raise TypeError(f"a scenario's cuts must be riskmodel.Cut objects, e.g. "
                            f"rm.Cut('JP'); found {type(bad[0]).__name__} {bad[0]!r:.60}")
        scenario = Scenario(cuts)
    if months is not None:
        scenario = replace(scenario, months=months)
    return resolve(chain, scenario)


@dataclass
class Result:
    """The outcome of one simulated scenario.

    Attributes
    ----------
    availability : DataFrame
        Node × month availability (1 = normal supply reaches users).
    end_use_loss : Series
        Share of end-use value lost, by month.
    summary : Series
        ``immediate_loss`` and ``long_run_loss`` (the static bounds: the largest of
        :attr:`bounds` over the horizon, 0 when no cut is in force), ``peak_loss`` (the
        worst month after the cut starts, as played with stocks and substitution: never
        above ``immediate_loss``, and lower while stocks last), ``final_loss``,
        ``cumulative_loss`` (loss-months), ``cumulative_value_loss``
        (value-months, in the chain currency), ``time_to_survive`` and
        ``time_to_recover`` (months from the start of the cut; ``inf`` = not within the
        horizon).
    problems : list of Problem
        Warnings about the scenario on this chain, e.g. a cut of a country that
        supplies nothing of a node it names (see
        :func:`~riskmodel.scenario.scenario_warnings`).
    bounds : DataFrame
        The static bounds by month (columns ``immediate_loss`` and ``long_run_loss``):
        the end-use loss with no stock and no (or full) substitution of the cuts in
        force in that month. No month of :attr:`end_use_loss` exceeds its immediate
        bound.
    baseline : tuple
        The restrictions in force the run took (docs/model.md §1.5; empty: none), as
        given (``Cut`` or restrictions). With any, :attr:`end_use_loss`, :attr:`bounds`
        and every figure of :attr:`summary` but ``realised_loss`` are the scenario's
        **marginal** effect on top of them, while :attr:`availability` is as lived, with
        them.
    realised_loss : Series
        The realised loss of the restrictions in force against the unrestricted chain,
        by month (flat: they hold in their long-run state; 0 without any); also
        ``summary["realised_loss"]``.
    total_loss : Series
        The end-use loss with the restrictions and the scenario, by month:
        ``realised_loss + end_use_loss``.
    target : str
        What every loss measures: ``"end-use value"``, or the target's name
        (``target=``, :mod:`riskmodel.targets`): then :attr:`end_use_loss` and every
        loss figure are the shortfall of the target's nodes.
    """

    chain_name: str
    scenario: Scenario
    availability: pd.DataFrame
    end_use_loss: pd.Series
    summary: pd.Series
    settings: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    bounds: pd.DataFrame | None = None
    baseline: tuple[Any, ...] = ()
    realised_loss: pd.Series | None = None
    total_loss: pd.Series | None = None
    target: str = END_USE

    def __str__(self) -> str:
        s = self.summary

        def months(x: float) -> str:
            return f"> {self.scenario.months - self.scenario.start} months" if math.isinf(
                x) else f"{x:g} months"
        worst = self.availability.min(axis=1).sort_values().head(5)
        lines = [
            f"{self.chain_name}: {self.scenario.label()} ({self.scenario.months} months)",
            f"  {'end-use loss' if self.target == END_USE else 'loss of ' + self.target}: "
            f"immediate {s['immediate_loss']:.1%}, long-run "
            f"{s['long_run_loss']:.1%} (the bounds: no stocks, and no or complete "
            "substitution)",
            f"  as played, with stocks and substitution: worst month after the cut "
            f"{s['peak_loss']:.1%}, final month {s['final_loss']:.1%}",
            f"  cumulative loss: {s['cumulative_loss']:.2f} loss-months"
            + (f" ({s['cumulative_value_loss']:.3g} {self.settings.get('currency', '')}"
               "-months)".replace(" -months", " value-months") if s['cumulative_value_loss']
               == s['cumulative_value_loss'] else ""),
            f"  time to survive (loss > {self.settings['threshold']:.0%}): "
            f"{months(s['time_to_survive'])}; time to recover: {months(s['time_to_recover'])}",
            "  lowest availability: " + ", ".join(f"{k} {v:.0%}" for k, v in worst.items()),
        ]
        if self.scenario.level:
            level = self.scenario.level
            lines.insert(1, f"  plausibility: {level.replace('_', ' ')} "
                            f"({PLAUSIBILITY[level]})")
        if self.baseline:
            lines.insert(1, held_line(len(self.baseline), s["realised_loss"], s["peak_loss"],
                                      s["final_loss"]))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The summary as a one-row DataFrame indexed by scenario."""
        return self.summary.to_frame(self.scenario.name).T


def summary_table(loss: np.ndarray, start: int, threshold: float, immediate: np.ndarray,
             long_run: np.ndarray, total_value: float, realised: Any = 0.0) -> pd.DataFrame:
    tts, ttr = engine.time_to(loss, start, threshold)
    cum = loss.sum(axis=0)
    with np.errstate(over="ignore"):  # value-months past the largest float are inf
        value_loss = cum * total_value if total_value > 0 else np.full(len(cum), np.nan)
    return pd.DataFrame({
        "immediate_loss": immediate, "long_run_loss": long_run,
        "peak_loss": loss.max(axis=0) if len(loss) else np.zeros(loss.shape[1]),
        "final_loss": loss[-1] if len(loss) else np.zeros(loss.shape[1]),
        "cumulative_loss": cum,
        "cumulative_value_loss": value_loss,
        "time_to_survive": tts, "time_to_recover": ttr,
        "realised_loss": np.broadcast_to(np.asarray(realised, dtype=float), tts.shape),
    })


def realised_loss_of(chain: Chain, p: Params, held: Sequence[Cut]) -> np.ndarray:
    """The realised loss of the restrictions in force ``held``: the long-run static loss
    of them alone (a run of them alone is flat at it, docs/model.md §1.5), one per
    column of ``p``."""
    if not held:
        return np.zeros(p.k)
    spec = cut_spec(chain, [Scenario([])] * p.k, p, baseline=held)
    return engine.static_loss(chain.compiled, p, spec, mode="long_run")


def on_top(loss: np.ndarray, realised: np.ndarray, bounds: Sequence[np.ndarray]
            ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The marginal losses and bounds on top of the realised loss (per column): the
    bounds never below 0 (a month or horizon with no cut of the scenario adds nothing)."""
    return marginal(loss, realised), [np.maximum(0.0, marginal(b, realised)) for b in bounds]


def simulate(chain: Chain, scenario: Scenario | str | Iterable[Cut] | None = None, *,
             months: int | None = None, threshold: float = DEFAULT_THRESHOLD,
             baseline: Any = None, target: Any = None) -> Result:
    """Play a cut-off scenario month by month.

    Parameters
    ----------
    chain : Chain
    scenario : Scenario, str or list of Cut
        The cuts, or the name of one of the chain's standard scenarios.
    months : int, optional
        Horizon (default: the scenario's, 24).
    threshold : float
        End-use loss that counts as "not surviving" for time-to-survive/recover.
    baseline : None, False or list of Cut (or restrictions)
        The restrictions in force (docs/model.md §1.5): None takes the chain's own, False
        none (the unrestricted reading), a list those
        (:func:`~riskmodel.realised.baseline_of`). With any, the losses are the
        scenario's marginal effect on top of them (:class:`Result`).
    target : str or list of str, optional
        Measure the shortfall of these nodes (a node id, a list, or a declared target;
        :mod:`riskmodel.targets`) instead of end-use value.

    Returns
    -------
    Result

    Examples
    --------
    >>> import riskmodel as rm
    >>> res = rm.simulate(rm.load("bicycle"), "china_cut", months=12)
    >>> res.availability.shape
    (13, 12)
    >>> res.summary[["immediate_loss", "long_run_loss"]].round(3).tolist()
    [0.625, 0.351]

    With Japan's drivetrains already withheld, China's cut adds less than on its own:

    >>> held = rm.simulate(rm.load("bicycle"), "china_cut", months=12,
    ...                    baseline=[rm.Cut("JP", nodes=("drivetrain",))])
    >>> held.summary[["realised_loss", "long_run_loss"]].round(3).tolist()
    [0.56, 0.044]

    On the frames alone (mid-chain), China's cut costs ``1 − 0.8 × min(1, 0.5 + 0.8 × 0.4)``:

    >>> res = rm.simulate(rm.load("bicycle"), "china_cut", target="frames")
    >>> res.summary[["immediate_loss"]].round(3).tolist(), res.target
    ([0.344], 'frames')
    """
    sc = as_scenario(chain, scenario, months)
    held_as_given, held = baseline_of(chain, baseline)
    c, tgt = chain.compiled, resolve_target(chain, target)
    p = with_target(c, engine.params_from_compiled(c), tgt)
    spec = cut_spec(chain, [sc], p, baseline=held)
    dyn = engine.dynamic(c, p, spec, sc.months, record=True)
    static = [engine.static_bounds(c, p, spec, sc.months, mode=w, by_month=True)[:, 0]
              for w in ("immediate", "long_run")]
    realised = realised_loss_of(chain, p, held)
    total = dyn.loss
    loss, static = on_top(total, realised, static) if held else (total, static)
    month = pd.RangeIndex(sc.months, name="month")
    bounds = pd.DataFrame({"immediate_loss": static[0], "long_run_loss": static[1]},
                          index=month)
    imm, lr = (bounds[f"{w}_loss"].to_numpy().max(initial=0.0, keepdims=True)
               for w in ("immediate", "long_run"))
    summary = summary_table(loss, sc.start, threshold, imm, lr, value_of(c, tgt),
                       realised).iloc[0]
    assert dyn.availability is not None
    avail = pd.DataFrame(dyn.availability[:, :, 0].T, index=pd.Index(c.ids, name="node"),
                         columns=pd.RangeIndex(sc.months, name="month"))
    return Result(chain.name, sc, avail,
                  pd.Series(loss[:, 0], index=month, name="end_use_loss"), summary,
                  settings={"threshold": threshold, "months": sc.months,
                            "currency": chain.currency, "target": label(tgt)},
                  problems=scenario_warnings(chain, sc), bounds=bounds,
                  baseline=held_as_given,
                  realised_loss=pd.Series(np.full(sc.months, realised[0]), index=month,
                                          name="realised_loss"),
                  total_loss=pd.Series(total[:, 0], index=month, name="total_loss"),
                  target=label(tgt))


def chunk_size(n: int, k: int, *, extra: int = 0) -> int:
    """How many scenario columns a simulation evaluates at once.

    The compiled backend (used for large work) holds 2 ``(n, k)`` arrays at a time
    (availability and stock); the numpy backend (small work) about 14, which small
    chains can afford. ``extra`` is any further numbers held per column (a Monte Carlo
    draw's parameters).
    """
    arrays = 2 if n * k >= engine.settings.NUMBA_MIN_WORK else 14
    # past about 200 columns the wider rows stop paying (measured at 10^5 nodes)
    return engine.batch_columns(n, k, arrays=arrays, extra=extra, cap=MAX_CHUNK)


def simulate_many(chain: Chain, scenarios: Sequence[Scenario], *,
                  months: int | None = None, threshold: float = DEFAULT_THRESHOLD,
                  bounds: bool = True, chunk: int | None = None,
                  progress: bool | None = None, baseline: Any = None,
                  target: Any = None, client: Any = None) -> pd.DataFrame:
    """Summaries of many scenarios, evaluated as matrix columns in memory-bounded chunks.

    Returns one row per scenario (indexed by scenario name) with the columns of
    :attr:`Result.summary`, each scenario over its own ``months``. ``bounds=False``
    skips the static bounds (NaN). ``baseline`` is as for :func:`simulate`: with
    restrictions in force, each row is the scenario's marginal effect on top of them,
    beside their ``realised_loss`` (the same for every scenario). ``target`` is as for
    :func:`simulate`; ``.attrs["target"]`` names what the losses measure. ``client``
    runs the chunks as tasks (as for :func:`~riskmodel.monte_carlo`), with the serial
    run's numbers.

    Examples
    --------
    >>> import riskmodel as rm
    >>> from riskmodel.scenario import Cut, Scenario
    >>> bike = rm.load("bicycle")
    >>> many = [Scenario([Cut(c)], name=c, months=12) for c in ("CN", "JP", "TW")]
    >>> rm.simulate_many(bike, many)["peak_loss"].round(3).to_dict()
    {'CN': 0.461, 'JP': 0.661, 'TW': 0.4}
    """
    from riskmodel._progress import Progress
    from riskmodel.distributed import check_client, run

    check_client(client)
    scs = [as_scenario(chain, s, months) for s in scenarios]
    _, held = baseline_of(chain, baseline)
    tgt = resolve_target(chain, target)
    if not scs:
        empty = summary_table(np.zeros((1, 0)), 0, threshold, np.zeros(0), np.zeros(0), 0.0)
        empty.attrs["target"] = label(tgt)
        return empty
    c = chain.compiled
    p = with_target(c, engine.params_from_compiled(c), tgt)
    realised = realised_loss_of(chain, p, held)  # one column of numbers: one for all
    work = _Sweep(chain, p, tuple(held), realised, max(s.months for s in scs), threshold,
                  bounds, value_of(c, tgt))
    size = chunk or chunk_size(c.n, len(scs))
    with Progress(len(scs), "simulating", enabled=progress) as bar:
        parts = run(_sweep_chunk, work, [scs[lo:lo + size] for lo in range(0, len(scs), size)],
                    client=client, progress=bar, size=len)
    out = pd.concat([f for part in parts for f in part], ignore_index=True)
    out.index = pd.Index([s.name for s in scs], name="scenario")
    out.attrs["target"] = label(tgt)
    return out


@dataclass
class _Sweep:
    """What every chunk of a sweep of scenarios reads (sent to each worker once)."""

    chain: Chain
    p: Params
    held: tuple[Cut, ...]
    realised: np.ndarray
    horizon: int
    threshold: float
    bounds: bool
    value: float  # the value the losses are shares of (end use, or the target's)


def _sweep_chunk(w: _Sweep, part: Sequence[Scenario]) -> list[pd.DataFrame]:
    """The summary of each scenario of one chunk, evaluated as one batch of columns."""
    c, p, held = w.chain.compiled, w.p, w.held
    spec = cut_spec(w.chain, part, p, baseline=held)
    loss = engine.dynamic(c, p, spec, w.horizon).loss
    if w.bounds:
        h = np.array([s.months for s in part])
        imm = engine.static_bounds(c, p, spec, h, mode="immediate")
        lr = engine.static_bounds(c, p, spec, h, mode="long_run")
    else:
        imm = lr = np.full(len(part), np.nan)
    if held:
        loss, (imm, lr) = on_top(loss, w.realised, (imm, lr))
    return [summary_table(loss[: sc.months, j:j + 1], sc.start, w.threshold, imm[j:j + 1],
                     lr[j:j + 1], w.value, w.realised) for j, sc in enumerate(part)]
