"""Targets on every engine path: the fast paths (numpy, the one-column and column-block
kernels, the cone kernel) agree with the plain networkx reference when the loss is the
shortfall of random target nodes, mid-chain ones included (riskmodel.targets)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Scenario
from riskmodel.scoring.cuts import knockouts
from riskmodel.simulation import cut_spec
from riskmodel.targets import resolve, target_weights, with_target


def _random_target(chain: rm.Chain, seed: int) -> list[str]:
    """One to three random nodes of ``chain``, end uses or not."""
    rng = np.random.default_rng(seed + 777)
    ids = list(chain.compiled.ids)
    return [str(x) for x in rng.choice(ids, size=int(rng.integers(1, min(3, len(ids)) + 1)),
                                       replace=False)]


def _ref_loss(chain: rm.Chain, weights: dict[str, float], A: dict[str, float]) -> float:
    """The target's loss from the reference's availability: ``Σ w_t (1 − A_t)``."""
    return sum(w * (1.0 - A[n]) for n, w in weights.items())


def _compare(chain: rm.Chain, sc: Scenario, nodes: list[str]) -> float:
    """Largest difference between the target's loss on each fast path and from the
    reference's availability, statically (both modes) and month by month."""
    c = chain.compiled
    tgt = resolve(chain, nodes)
    p = with_target(c, engine.params_from_compiled(c), tgt)
    w = target_weights(c, tgt)
    weights = {str(c.ids[i]): float(w[i]) for i in np.flatnonzero(w)}
    ref_static = {m: reference.availability(chain, sc, mode=m) for m in ("immediate", "long_run")}
    ref_months = reference.simulate(chain, sc)
    batch = [Scenario([], months=sc.months), sc, sc]
    spec = cut_spec(chain, batch, p)
    worst = 0.0
    for backend in ("numpy", "numba", "cone"):
        for mode, A in ref_static.items():
            loss = engine.static_loss(c, p, spec, mode=mode, backend=backend)
            worst = max(worst, abs(loss[0]), *(abs(loss[j] - _ref_loss(chain, weights, A))
                                               for j in (1, 2)))
        dyn = engine.dynamic(c, p, spec, sc.months, backend=backend)
        for t, A in enumerate(ref_months):
            worst = max(worst, abs(dyn.loss[t, 0]), *(
                abs(dyn.loss[t, j] - _ref_loss(chain, weights, A)) for j in (1, 2)))
    # the public entry point: simulate's monthly loss is the same
    res = rm.simulate(chain, sc, target=nodes, baseline=False)
    worst = max(worst, *(abs(res.end_use_loss[t] - _ref_loss(chain, weights, A))
                         for t, A in enumerate(ref_months)))
    return worst


@pytest.mark.parametrize("cyclic", [False, True])
def test_target_loss_matches_reference_on_random_chains(cyclic: bool) -> None:
    worst = 0.0
    for seed in range(25):
        chain = random_chain(seed, cyclic=cyclic)
        worst = max(worst, _compare(chain, random_scenario(chain, seed),
                                    _random_target(chain, seed)))
    assert worst <= 1e-9


def test_target_loss_matches_reference_with_world_shares_jurisdictions_and_capital() -> None:
    worst = 0.0
    for seed in range(12):
        chain = random_chain(seed, world=True, controlled=True, capital=True)
        worst = max(worst, _compare(chain, random_scenario(chain, seed),
                                    _random_target(chain, seed)))
    assert worst <= 1e-9


def test_target_loss_on_top_of_restrictions_matches_reference() -> None:
    """With restrictions in force, the marginal target loss of simulate is the
    reference's target loss with them and the scenario, less theirs alone."""
    from helpers import random_baseline_cuts

    worst, runs = 0.0, 0
    for seed in range(20):
        chain = random_chain(seed)
        held = random_baseline_cuts(chain, seed)
        if not held:
            continue
        runs += 1
        nodes = _random_target(chain, seed)
        tgt = resolve(chain, nodes)
        w = target_weights(chain.compiled, tgt)
        weights = {str(chain.compiled.ids[i]): float(w[i]) for i in np.flatnonzero(w)}
        sc = random_scenario(chain, seed)
        months = reference.simulate(chain, sc, baseline=held)
        alone = _ref_loss(chain, weights, reference.availability(
            chain, Scenario([], months=sc.months), mode="long_run", baseline=held))
        res = rm.simulate(chain, sc, target=nodes, baseline=held)
        assert res.summary["realised_loss"] == pytest.approx(alone, abs=1e-9)
        worst = max(worst, *(abs(res.total_loss[t] - _ref_loss(chain, weights, A))
                             for t, A in enumerate(months)))
    assert runs >= 5 and worst <= 1e-9


def test_target_of_all_end_uses_is_end_use_value() -> None:
    """Every end use has a value in the random chains, so a target of all of them is
    weighted by value, and measures exactly the end-use loss."""
    for seed in range(10):
        chain = random_chain(seed)
        ends = [str(x) for x, e in zip(chain.compiled.ids, chain.compiled.end_use,
                                       strict=True) if e]
        sc = random_scenario(chain, seed)
        a = rm.simulate(chain, sc, baseline=False)
        b = rm.simulate(chain, sc, baseline=False, target=ends)
        assert resolve(chain, ends).weighting == "value"
        np.testing.assert_allclose(b.end_use_loss, a.end_use_loss, atol=1e-12)
        np.testing.assert_allclose(b.summary["cumulative_value_loss"],
                                   a.summary["cumulative_value_loss"], rtol=1e-12)


def test_knockouts_agree_on_the_cone_and_block_paths_for_targets() -> None:
    """The knockout indicators under a target: the cone kernel's (forced) and the
    column-block kernel's losses, reach and stopped nodes agree, and the target nodes
    appear among the stopped ones when they fall to 0."""
    for seed in range(15):
        chain = random_chain(seed, cyclic=seed % 2 == 1)
        c = chain.compiled
        p = with_target(c, engine.params_from_compiled(c), resolve(chain,
                                                                   _random_target(chain, seed)))
        nodes = np.arange(c.n, dtype=np.int64)
        old = engine.settings.BACKEND
        try:
            engine.settings.BACKEND = "cone"
            cone = knockouts(c, p, nodes)
            engine.settings.BACKEND = "numba"
            block = knockouts(c, p, nodes)
        finally:
            engine.settings.BACKEND = old
        np.testing.assert_allclose(cone[0], block[0], atol=1e-9)
        np.testing.assert_allclose(cone[1], block[1], atol=1e-9)
        for a, b in zip(cone[2], block[2], strict=True):
            assert sorted(a.tolist()) == sorted(b.tolist())
        # knocking out a target node costs at least its weight
        w = p.weight[:, 0]
        assert (block[0][w > 0] >= w[w > 0] - 1e-12).all()


def test_score_with_all_end_uses_as_target_is_the_end_use_score() -> None:
    """A target of every end use (all valued: weighted by value) scores each node as
    the end-use score does, on every score column, with and without a cycle."""
    cols = ["choke_score", "choke_immediate", "choke_long_run", "knockout_loss",
            "downstream_reach", "spof_count"]
    for seed in (1, 4, 7, 12):
        chain = random_chain(seed, cyclic=seed % 2 == 0)
        c = chain.compiled
        ends = [str(x) for x, e in zip(c.ids, c.end_use, strict=True) if e]
        a = rm.score(chain, horizon=4, baseline=False)
        b = rm.score(chain, horizon=4, baseline=False, target=ends)
        assert a.attrs["target"] == "end-use value" and b.attrs["target"] == "+".join(ends)
        np.testing.assert_allclose(b.loc[a.index, cols].to_numpy(float),
                                   a[cols].to_numpy(float), atol=1e-12)


def test_score_with_a_target_never_exceeds_one_and_ranks_the_target_itself() -> None:
    """Targeted scores are shares of the target (in [0, 1]); a target node's own cut
    costs at least its immediate exposure times its weight."""
    for seed in (2, 3, 5):
        chain = random_chain(seed)
        nodes = _random_target(chain, seed)
        s = rm.score(chain, horizon=4, baseline=False, target=nodes)
        vals = s[["choke_score", "choke_immediate", "choke_long_run"]].to_numpy(float)
        assert np.nanmin(vals) >= -1e-12 and np.nanmax(vals) <= 1 + 1e-12
        w = target_weights(chain.compiled, resolve(chain, nodes))
        for n in nodes:
            row = s.loc[n]
            if row["cut_country"] is not None:
                i = chain.compiled.index.get_loc(n)
                assert row["choke_immediate"] >= row["exposure"] * w[i] - 1e-12
