"""Threads chosen by the work, and cycles across destination classes swept by the
column-block kernel: every choice of threads gives the one-thread answer, and the
kernel's answer on a cyclic chain is the numpy backend's and the reference's."""

from __future__ import annotations

import os
from types import SimpleNamespace

import numba
import numpy as np
import pytest
from helpers import chain_of, random_chain, random_scenario

from riskmodel import engine
from riskmodel.engine import propagation, reference
from riskmodel.engine import settings as engine_settings
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.synthetic import synthetic_chain


def test_block_count_follows_the_work() -> None:
    plan = SimpleNamespace(m=40_000, n=10_000)  # 50,000 units a column
    assert propagation.block_count(plan, 1, 2) == 1
    assert propagation.block_count(plan, 5, 2) == 1     # 250,000: one block
    assert propagation.block_count(plan, 20, 2) == 2    # 1,000,000: two
    assert propagation.block_count(plan, 200, 1) == 1   # one thread
    assert propagation.block_count(plan, 200, 8) == 8
    assert propagation.block_count(SimpleNamespace(m=10**7, n=10**6), 3, 8) == 3  # a column each


def test_threads_follow_the_setting_and_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    most = numba.get_num_threads()
    monkeypatch.setattr(engine_settings, "THREADS", 1)
    assert propagation.threads() == 1
    monkeypatch.setattr(engine_settings, "THREADS", 64)
    assert propagation.threads() == most
    monkeypatch.setattr(engine_settings, "THREADS", "auto")
    cores = os.cpu_count() or 1
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 3.0, 0.0, 0.0))
    assert propagation.threads() == 1                 # a busy machine: one thread
    monkeypatch.setattr(os, "getloadavg", lambda: (0.5, 0.0, 0.0))
    assert propagation.threads() == min(most, cores)  # a quiet one: every thread


def test_only_wide_acyclic_levels_are_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = synthetic_chain(2000, seed=2)
    plan = engine.plan_for(chain.compiled)
    assert plan.level_inputs.sum() == plan.m
    monkeypatch.setattr(engine_settings, "PARALLEL_LEVEL_INPUTS", int(np.median(
        plan.level_inputs)))
    wide = propagation.wide_levels(plan, 2)
    assert 0 < wide.sum() < len(wide)
    assert (wide == (plan.level_inputs >= np.median(plan.level_inputs))).all()
    assert not propagation.wide_levels(plan, 1).any()


@pytest.mark.parametrize("one_column", [True, False])
def test_every_thread_choice_gives_the_one_thread_answer(
        monkeypatch: pytest.MonkeyPatch, one_column: bool) -> None:
    chain = synthetic_chain(3000, seed=5, home=None)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    countries = c.countries
    scs = [Scenario([Cut(countries[0], fraction=0.6)])] if one_column else [
        Scenario([Cut(countries[i % len(countries)], fraction=0.3 + 0.02 * i,
                      start=i % 2)]) for i in range(24)]
    spec = cut_spec(chain, scs, p)
    runs = []
    threads = numba.get_num_threads()
    try:
        for n_threads, share in ((1, False), (max(2, threads), True), (max(2, threads), False)):
            numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
            monkeypatch.setattr(engine_settings, "THREADS", n_threads)  # whatever the load
            monkeypatch.setattr(engine_settings, "PARALLEL_LEVEL_INPUTS", 1 if share else 10**12)
            monkeypatch.setattr(engine_settings, "BLOCK_MIN_WORK", 1 if share else 10**12)
            runs.append((engine.static(c, p, spec, backend="numba"),
                         engine.dynamic(c, p, spec, 4, record=True, backend="numba").availability))
    finally:
        numba.set_num_threads(threads)
    ref = engine.static(c, p, spec, backend="numpy")
    for A, dyn in runs:
        assert np.abs(A - ref).max() <= 1e-12
        assert np.abs(A - runs[0][0]).max() == 0.0     # no sums across threads
        assert np.abs(dyn - runs[0][1]).max() == 0.0
    assert (ref < 1 - 1e-6).any()


def _cyclic_classes_chain():
    """a → b → c → a (c feeds a as a non-essential input of half its cost), made 60% in
    JP and 40% at home (CN), and an end use on c: a cut by JP spares JP's own makers, so
    the cycle spreads over two destination classes."""
    nodes = {x: {"stage": "midstream", "suppliers": {"JP": 0.6, "CN": 0.4},
                 "inventory_months": 1.0} for x in "abc"}
    nodes["car"] = {"stage": "end_use", "value": 1.0}
    edges = [("a", "b", {}), ("b", "c", {}), ("c", "a", {"essential": False, "share": 0.5}),
             ("c", "car", {})]
    return chain_of(nodes, edges, perspective={"home": "CN"})


def test_cycle_across_classes_is_swept_by_the_block_kernel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    chain = _cyclic_classes_chain()
    c = chain.compiled
    p = engine.params_from_compiled(c)
    sc = Scenario([Cut("JP", fraction=0.5, duration=3)])
    spec = cut_spec(chain, [sc], p)
    ref = engine.static(c, p, spec, backend="numpy")
    ref_dyn = engine.dynamic(c, p, spec, 6, record=True, backend="numpy")

    def no_numpy(*args, **kwargs):
        raise AssertionError("the kernel gave a cycle across classes back to numpy")

    monkeypatch.setattr(propagation, "_propagate_numpy", no_numpy)
    fast = engine.static(c, p, spec, backend="numba")
    dyn = engine.dynamic(c, p, spec, 6, record=True, backend="numba")
    assert np.abs(fast - ref).max() <= 1e-12
    assert np.abs(dyn.availability - ref_dyn.availability).max() <= 1e-12
    want = reference.availability(chain, sc)
    assert max(abs(fast[i, 0] - want[x]) for i, x in enumerate(c.ids)) <= 1e-9
    assert fast[:, 0].min() < 0.9


@pytest.mark.parametrize("sweeps", [1, 200])
def test_class_cycles_agree_with_numpy_whoever_solves_them(
        monkeypatch: pytest.MonkeyPatch, sweeps: int) -> None:
    # one sweep settles nothing: every cyclic chain goes back to numpy, its stocks as
    # they were before the kernel ran (drawn once, not twice)
    monkeypatch.setattr(engine_settings, "CLASS_CYCLE_SWEEPS", sweeps)
    worst = 0.0
    for seed in range(12):
        chain = random_chain(seed, cyclic=True, home="CN", n=40)
        c = chain.compiled
        p = engine.params_from_compiled(c)
        sc = random_scenario(chain, seed)
        spec = cut_spec(chain, [sc], p)
        for mode in ("immediate", "long_run"):
            a = engine.static(c, p, spec, mode=mode, backend="numba")
            b = engine.static(c, p, spec, mode=mode, backend="numpy")
            worst = max(worst, float(np.abs(a - b).max()))
        a = engine.dynamic(c, p, spec, sc.months, record=True, backend="numba")
        b = engine.dynamic(c, p, spec, sc.months, record=True, backend="numpy")
        worst = max(worst, float(np.abs(a.availability - b.availability).max()))
    assert worst <= 1e-9


def test_cyclic_levels_are_swept_inputs_first() -> None:
    # a ring of 30 nodes listed against its flow: in the listed order a sweep in place
    # reads 29 of its 30 inputs before they are updated; inputs first, only one (the
    # edge that closes the ring)
    n = 30
    nodes = {f"r{i}": {"stage": "midstream", "suppliers": {"JP": 0.5}}
             for i in reversed(range(n))}
    nodes["car"] = {"stage": "end_use", "value": 1.0}
    edges = [(f"r{i}", f"r{(i + 1) % n}", {}) for i in range(n)] + [("r0", "car", {})]
    chain = chain_of(nodes, edges, perspective={"home": "CN"})
    c = chain.compiled
    plan = engine.plan_for(c)
    (L,) = np.flatnonzero(plan.level_cyclic)
    level = plan.order[plan.level_ptr[L]:plan.level_ptr[L + 1]]
    assert sorted(level) == sorted(c.order[plan.level_ptr[L]:plan.level_ptr[L + 1]])
    at = np.empty(c.n, dtype=np.int64)
    at[level] = np.arange(len(level))
    back = sum(at[plan.e_src[e]] >= at[j] for j in level
               for e in range(plan.eptr[j], plan.eptr[j + 1]))
    assert back == 1
    sc = Scenario([Cut("JP", fraction=0.4)])
    fast = engine.static(c, engine.params_from_compiled(c),
                         cut_spec(chain, [sc], engine.params_from_compiled(c)), backend="numba")
    want = reference.availability(chain, sc)
    assert max(abs(fast[i, 0] - want[x]) for i, x in enumerate(c.ids)) <= 1e-9
