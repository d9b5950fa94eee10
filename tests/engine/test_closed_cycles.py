"""Cycles solved exactly (docs/model.md §1.4): closed cycles, whose sweeps converge at the
rate of a tiny cut, reach their greatest fixed point by every path, and agree with the
reference on random cyclic chains cut by tiny fractions."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of, random_chain, random_scenario
from test_engine import _compare

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.engine import settings as engine_settings
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec


@pytest.fixture(autouse=True)
def few_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most 2,000 sweeps, in the engine and in the reference: a cycle cut by 1e-4 or
    less needs ~10^5 or more, so without the exact solution these raise
    ConvergenceError."""
    monkeypatch.setattr(engine_settings, "MAX_ITER", 2000)
    monkeypatch.setattr(reference, "MAX_ITER", 2000)


def ring(n: int, *, stock: dict | None = None, outside: float = 0.0,
         perspective: str | dict | None = None) -> rm.Chain:
    """``c0 → c1 → … → c0``, each the sole essential input of the next, made at home,
    and an end use on c0. With ``outside``, c0 needs the last node only for ``1 −
    outside`` of its cost (a non-essential input): the rest is outside supply."""
    nodes: dict = {f"c{i}": {"stage": "midstream"} for i in range(n)}
    for name, months in (stock or {}).items():
        nodes[name]["inventory_months"] = months
    nodes["car"] = {"stage": "end_use", "value": 1.0}
    edges = [(f"c{i}", f"c{(i + 1) % n}", {}) for i in range(n)] + [("c0", "car", {})]
    if outside:
        edges[-2] = (f"c{n - 1}", "c0", {"essential": False, "share": 1 - outside})
    return chain_of(nodes, edges, perspective=perspective or {"home": "CN"})


def every_path(chain: rm.Chain, sc: Scenario, mode: str = "immediate") -> list[np.ndarray]:
    """Static availability of ``sc`` by the numpy backend, the one-column kernel, the
    column-block kernel (beside a no-cut column) and the reference; and the cone
    kernel's end-use loss as ``1 − loss`` (the ring's end use equals c0)."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    out = []
    for backend, batch, col in (("numpy", [sc], 0), ("numba", [sc], 0),
                                ("numba", [Scenario([]), sc], 1)):
        out.append(engine.static(c, p, cut_spec(chain, batch, p), mode=mode,
                                 backend=backend)[:, col])
    ref = reference.availability(chain, sc, mode=mode)
    out.append(np.array([ref[n] for n in c.ids]))
    loss = engine.static_loss(c, p, cut_spec(chain, [Scenario([]), sc], p), mode=mode,
                              backend="cone")
    assert loss[0] == 0.0
    out.append(np.full(c.n, 1.0 - loss[1]))
    return out


@pytest.mark.parametrize("fraction", [1e-6, 1e-4, 1e-2])
def test_closed_three_cycle_with_a_tiny_cut_is_exactly_zero(fraction: float) -> None:
    # c0 = (1 − x)·c2, c1 = c0, c2 = c1: the only fixed point is 0
    ch = ring(3)
    for A in every_path(ch, Scenario([Cut("CN", nodes=("c0",), fraction=fraction, to="world")])):
        assert np.abs(A).max() <= 1e-12
    res = rm.simulate(ch, [Cut("CN", nodes=("c0",), fraction=fraction, to="world")], months=3)
    assert res.end_use_loss.to_numpy() == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)


def test_closed_cycle_of_ten_thousand_nodes_is_exactly_zero() -> None:
    ch = ring(10_000)
    c = ch.compiled
    p = engine.params_from_compiled(c)
    lost = Cut("CN", nodes=("c5",), fraction=1e-6, to="world")
    spec = cut_spec(ch, [Scenario([]), Scenario([lost])], p)
    for backend in ("numpy", "numba"):
        A = engine.static(c, p, spec, backend=backend)
        assert np.all(A[:, 0] == 1.0) and np.abs(A[:, 1]).max() <= 1e-12


@pytest.mark.parametrize("sweeps", [0, 40])
def test_closed_cycle_without_a_cut_stays_at_one(monkeypatch: pytest.MonkeyPatch,
                                                 sweeps: int) -> None:
    # every constant is a fixed point; the greatest is 1 (a cut elsewhere changes
    # nothing), also when the cycle goes to the exact solution at once
    monkeypatch.setattr(engine_settings, "CYCLE_SWEEPS", sweeps)
    monkeypatch.setattr(reference, "SWEEPS", sweeps)
    ch = ring(3)
    ch2 = chain_of({**{n: dict(d) for n, d in ch.graph.nodes(data=True)},
                    "ore": {"stage": "upstream", "suppliers": {"JP": 1.0}},
                    "paint": {"stage": "end_use", "value": 1.0}},
                   [*ch.graph.edges(data=True), ("ore", "paint", {})])
    for A in every_path(ch2, Scenario([Cut("JP")]))[:4]:
        idx = [list(ch2.compiled.ids).index(f"c{i}") for i in range(3)]
        assert A[idx] == pytest.approx([1.0, 1.0, 1.0], abs=0)


def test_cycle_with_outside_supply_reaches_its_hand_computed_fixed_point() -> None:
    # c0 = 1 − 0.999·(1 − c2) = 0.999·c2 + 0.001; c1 = (1 − 1e-6)·c0; c2 = c1
    # => c0 = 0.001 / (1 − 0.999·(1 − 1e-6)); sweeps alone converge at rate 0.999
    ch = ring(3, outside=0.001)
    c0 = 0.001 / (1 - 0.999 * (1 - 1e-6))
    want = {"c0": c0, "c1": (1 - 1e-6) * c0, "c2": (1 - 1e-6) * c0, "car": c0}
    for A in every_path(ch, Scenario([Cut("CN", nodes=("c1",), fraction=1e-6, to="world")]))[:4]:
        got = dict(zip(ch.compiled.ids, A, strict=True))
        assert got == pytest.approx(want, abs=1e-12)


def test_cycle_with_a_stock_draws_it_then_falls_to_zero() -> None:
    # c0 = (1 − 1e-4)·c2; c1 = min(1, c0 + 1e-5) with 1e-5 months of stock; c2 = c1.
    # Month 0: c1 = (1 − 1e-4)·c1 + 1e-5 => c1 = 0.1, and the stock is used up
    # (c1 − c0 = 1e-5); month 1: a closed cycle with no stock, so 0.
    ch = ring(3, stock={"c1": 1e-5})
    sc = Scenario([Cut("CN", nodes=("c0",), fraction=1e-4, to="world")], months=2)
    want0 = {"c0": 0.1 * (1 - 1e-4), "c1": 0.1, "c2": 0.1, "car": 0.1 * (1 - 1e-4)}
    c = ch.compiled
    p = engine.params_from_compiled(c)
    ref = reference.simulate(ch, sc)
    assert ref[0] == pytest.approx(want0, abs=1e-12)
    assert max(ref[1].values()) <= 1e-12
    for backend, batch, col in (("numpy", [sc], 0), ("numba", [sc], 0),
                                ("numba", [Scenario([], months=2), sc], 1)):
        dyn = engine.dynamic(c, p, cut_spec(ch, batch, p), 2, record=True, backend=backend)
        assert dict(zip(c.ids, dyn.availability[0, :, col], strict=True)) == pytest.approx(
            want0, abs=1e-12)
        assert np.abs(dyn.availability[1, :, col]).max() <= 1e-12
    dyn = engine.dynamic(c, p, cut_spec(ch, [Scenario([], months=2), sc], p), 2,
                         backend="cone")
    assert dyn.loss[:, 1] == pytest.approx([1 - want0["car"], 1.0], abs=1e-12)


def test_global_view_ring_of_alternatives_and_non_essential_inputs() -> None:
    # a: group {c covers 0.5, d covers 0.5}; b needs a; c needs b; d needs b;
    # and b pays 10% to a non-essential input from c. Cutting 1e-5 of a in a global
    # view: every piece is a closed loop, so the greatest fixed point is 0 everywhere.
    nodes = {n: {"stage": "midstream", "suppliers": {"CN": 1.0}} for n in "abcd"}
    nodes["car"] = {"stage": "end_use", "value": 1.0}
    edges = [("c", "a", {"group": "g", "covers": 0.5}), ("d", "a", {"group": "g",
                                                                     "covers": 0.5}),
             ("a", "b", {}), ("b", "c", {}), ("b", "d", {}),
             ("c", "b", {"essential": False, "share": 0.1}), ("b", "car", {})]
    ch = chain_of(nodes, edges, perspective="global")
    for A in every_path(ch, Scenario([Cut("CN", nodes=("a",), fraction=1e-5, to="world")])):
        assert np.abs(A).max() <= 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("home", ["CN", None])
def test_random_cyclic_chains_with_tiny_cuts_agree_with_the_reference(home: str | None
                                                                      ) -> None:
    rng = np.random.default_rng(13)
    worst = 0.0
    for seed in range(40):
        chain = random_chain(seed, cyclic=True, home=home)
        base = random_scenario(chain, seed)
        cuts = [Cut(q.country, q.nodes, float(10 ** -rng.uniform(1, 6)), q.start, q.duration, q.to)
                for q in base.cuts]
        worst = max(worst, _compare(chain, Scenario(cuts, months=base.months)))
    assert worst <= 1e-9
