"""Monte Carlo draws in seeded blocks: the same numbers for any chunk and on any
executor; nothing ranged computed once (riskmodel.uncertainty, riskmodel.distributed)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from helpers import random_chain, random_scenario

import riskmodel as rm
from riskmodel._errors import ArgumentError
from riskmodel.distributed import run
from riskmodel.scenario import Cut, Scenario
from riskmodel.uncertainty import BLOCK, Sampler, draw_blocks, ranged_count


def ranged_chain(seed: int, **kw) -> rm.Chain:
    """A random chain whose substitutabilities, inventories and supplier shares carry
    ranges (some uniform), so that every draw differs."""
    base = random_chain(seed, **kw)
    g = base.graph.copy()
    for i, (_, d) in enumerate(g.nodes(data=True)):
        prov = {}
        if "substitutability" in d:
            v = d["substitutability"]
            prov["substitutability"] = {"value": v, "low": v * 0.5, "high": min(1.0, v + 0.2),
                                        **({"dist": "uniform"} if i % 2 else {})}
        if d.get("inventory_months"):
            v = d["inventory_months"]
            prov["inventory_months"] = {"value": v, "low": v * 0.5, "high": v * 2}
        for c, s in d.get("suppliers", {}).items():
            prov[f"suppliers.{c}"] = {"value": s, "low": s * 0.7, "high": min(1.0, s * 1.3)}
        d["provenance"] = prov
    return rm.Chain(g, name=base.name, perspective=base.perspective)


def _same(a: rm.MonteCarloResult, b: rm.MonteCarloResult) -> None:
    """Byte-identical draws, percentiles and loss percentiles."""
    assert a.draws.to_numpy().tobytes() == b.draws.to_numpy().tobytes()
    assert a.percentiles.to_numpy().tobytes() == b.percentiles.to_numpy().tobytes()
    assert a.loss.to_numpy().tobytes() == b.loss.to_numpy().tobytes()


def test_blocks_are_seeded_children_and_prefixes() -> None:
    blocks = draw_blocks(2 * BLOCK + 5, 3)
    assert [(b.start, b.size) for b in blocks] == [(0, BLOCK), (BLOCK, BLOCK),
                                                    (2 * BLOCK, 5)]
    children = np.random.SeedSequence(3).spawn(3)
    assert [b.seed.spawn_key for b in blocks] == [c.spawn_key for c in children]
    assert draw_blocks(1, None)[0].size == 1


@pytest.mark.parametrize("chunk", [1, BLOCK, 100, 10_000])
def test_same_seed_gives_byte_identical_draws_for_any_chunk(chunk: int) -> None:
    bike = rm.load("bicycle")
    whole = rm.monte_carlo(bike, "china_cut", draws=2 * BLOCK + 7, seed=11, months=12)
    _same(whole, rm.monte_carlo(bike, "china_cut", draws=2 * BLOCK + 7, seed=11,
                                months=12, chunk=chunk))
    assert whole.draws["immediate_loss"].std() > 0  # the draws do differ


def test_more_draws_extend_the_first_blocks() -> None:
    bike = rm.load("bicycle")
    short = rm.monte_carlo(bike, "china_cut", draws=BLOCK, seed=5, months=6)
    long = rm.monte_carlo(bike, "china_cut", draws=3 * BLOCK, seed=5, months=6)
    assert short.draws.equals(long.draws.iloc[:BLOCK])
    assert not long.draws.iloc[:BLOCK].equals(long.draws.iloc[BLOCK:2 * BLOCK]
                                              .set_axis(range(BLOCK)))


@pytest.mark.parametrize("seed", [1, 4])
def test_random_cyclic_chains_agree_serially_and_on_threads(seed: int) -> None:
    chain = ranged_chain(seed, cyclic=True, baseline=True)
    assert ranged_count(chain) > 3
    sc = random_scenario(chain, seed)
    serial = rm.monte_carlo(chain, sc, draws=BLOCK + 9, seed=seed, chunk=BLOCK + 9)
    with ThreadPoolExecutor(2) as pool:
        _same(serial, rm.monte_carlo(chain, sc, draws=BLOCK + 9, seed=seed, client=pool,
                                     chunk=1))


def test_nothing_ranged_is_computed_once_and_says_so() -> None:
    chain = random_chain(2)
    assert ranged_count(chain) == 0
    sc = random_scenario(chain, 2)
    mc = rm.monte_carlo(chain, sc, draws=500, seed=0)
    one = rm.simulate(chain, sc, baseline=False).summary
    assert len(mc.draws) == 500 and (mc.draws.nunique() <= 1).all()
    assert np.allclose(mc.draws.iloc[0].to_numpy(), one.to_numpy(), equal_nan=True)
    assert mc.ranged_values == 0 and "computed once" in mc.note and mc.note in str(mc)
    assert (mc.percentiles.loc["P5"].fillna(-1) == mc.percentiles.loc["P95"].fillna(-1)).all()
    u = rm.score_uncertainty(chain, draws=300, seed=0)
    assert u.attrs["ranged_values"] == 0 and "computed once" in u.attrs["note"]
    assert (u["p5"] == u["p95"]).all()
    assert rm.monte_carlo(rm.load("bicycle"), "china_cut", draws=10).note == ""


def test_sampler_draws_what_sample_params_draws() -> None:
    from riskmodel.uncertainty import sample_params

    chain = ranged_chain(7)
    s = Sampler(chain)
    a = s.draw(9, np.random.default_rng(2))
    b, count = sample_params(chain, 9, np.random.default_rng(2))
    assert count == s.count and np.array_equal(a.row_share, b.row_share)
    assert np.array_equal(a.subst, b.subst) and a.subst.shape == (chain.compiled.n, 9)


def test_score_uncertainty_same_on_an_executor_and_for_any_seed_split() -> None:
    chain = ranged_chain(5)
    serial = rm.score_uncertainty(chain, draws=BLOCK + 3, seed=2, top=3)
    with ThreadPoolExecutor(2) as pool:
        pooled = rm.score_uncertainty(chain, draws=BLOCK + 3, seed=2, top=3, client=pool)
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    assert serial["p95"].max() > serial["p5"].min()


def test_sweeps_and_cutsets_same_on_an_executor() -> None:
    bike = rm.load("bicycle")
    many = [Scenario([Cut(c)], name=c, months=12) for c in bike.compiled.countries]
    serial = rm.simulate_many(bike, many, chunk=3)
    with ThreadPoolExecutor(2) as pool:
        pooled = rm.simulate_many(bike, many, chunk=3, client=pool)
        cs = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25, client=pool)
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    plain = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25)
    pd.testing.assert_frame_equal(cs, plain, check_exact=True)
    assert cs.attrs == plain.attrs and len(cs) == 3


def test_a_client_that_runs_nothing_is_refused() -> None:
    bike = rm.load("bicycle")
    with pytest.raises(ArgumentError, match=r"client must be a dask\.distributed\.Client"):
        rm.monte_carlo(bike, "china_cut", draws=5, client="tcp://127.0.0.1:8786")
    with pytest.raises(ArgumentError, match="Executor, found int"):
        rm.cutsets(bike, client=2)


def _boom(shared: int, unit: int) -> int:
    if unit == 3:
        raise ValueError(f"unit {unit} failed")
    return shared * unit


def test_run_keeps_order_and_raises_a_task_error() -> None:
    with ThreadPoolExecutor(3) as pool:
        assert run(_boom, 2, [5, 1, 4, 2], client=pool, per_task=1) == [10, 2, 8, 4]
        with pytest.raises(ValueError, match="unit 3 failed"):
            run(_boom, 2, [1, 3, 2], client=pool)
    assert run(_boom, 2, iter([1, 2])) == [2, 4]


@pytest.mark.slow
def test_process_pool_gives_the_serial_numbers() -> None:
    chain = ranged_chain(9, cyclic=True)
    sc = random_scenario(chain, 9)
    serial = rm.monte_carlo(chain, sc, draws=BLOCK + 1, seed=3)
    # spawn: a forked child of a process whose OpenMP threads ran may hang
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        _same(serial, rm.monte_carlo(chain, sc, draws=BLOCK + 1, seed=3, client=pool))
