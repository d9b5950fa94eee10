"""Restrictions in force (docs/model.md §1.5): the engine's start state, its static
bounds and dynamics with a baseline, hand-computed on tiny chains, and every fast path
against the reference on random chains with random baselines."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_baseline, random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Scenario
from riskmodel.simulation import cut_spec

# -- every path agrees with the reference on random chains ---------------------


def _with_capital(chain: rm.Chain, seed: int) -> rm.Chain:
    """``chain`` with about a fifth of its nodes made capital (service life 1 to 12)."""
    rng = np.random.default_rng(seed + 99)
    g = chain.graph.copy()
    for n in g:
        if rng.random() < 0.2:
            g.nodes[n]["capital"] = {"service_life_months": float(rng.integers(1, 13))}
    return rm.Chain(g, name="capital", perspective=chain.perspective)


def _worst(chain: rm.Chain, sc: Scenario, held: list, seed: int) -> float:
    """Largest difference between the reference and each fast path (numpy; the
    one-column kernel, or for odd seeds the column-block kernel with the restrictions
    alone beside, which must be flat; the cone kernel forced), static and dynamic, with
    the restrictions in force ``held``."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    ref_static = {mode: reference.availability(chain, sc, mode=mode, baseline=held)
                  for mode in ("immediate", "long_run")}
    ref = reference.simulate(chain, sc, baseline=held)
    ref_loss = np.array([reference.end_use_loss(chain, A) for A in ref])
    bare = reference.end_use_loss(chain, reference.availability(
        chain, Scenario([]), mode="long_run", baseline=held))
    worst = 0.0
    both = [Scenario([], months=sc.months), sc]
    for backend, cols in (("numpy", [sc]), ("numba", both if seed % 2 else [sc])):
        spec = cut_spec(chain, cols, p, baseline=held)
        for mode, want in ref_static.items():
            fast = engine.static(c, p, spec, mode=mode, backend=backend)[:, -1]
            worst = max(worst, *(abs(fast[i] - want[n]) for i, n in enumerate(c.ids)))
        dyn = engine.dynamic(c, p, spec, sc.months, record=True, backend=backend)
        for t, A in enumerate(ref):
            fast = dyn.availability[t, :, -1]
            worst = max(worst, *(abs(fast[i] - A[n]) for i, n in enumerate(c.ids)),
                        abs(dyn.loss[t, -1] - ref_loss[t]))
        if len(cols) == 2:  # the restrictions alone: flat at their long-run bound
            worst = max(worst, float(np.abs(dyn.loss[:, 0] - bare).max()))
    spec = cut_spec(chain, both, p, baseline=held)
    worst = max(worst, float(np.abs(engine.dynamic(c, p, spec, sc.months, backend="cone")
                                    .loss[:, 1] - ref_loss).max()))
    return worst


@pytest.mark.parametrize("cyclic", [False, True])
@pytest.mark.parametrize("home", ["CN", None])
def test_every_path_agrees_with_the_reference_under_a_baseline(cyclic: bool,
                                                               home: str | None) -> None:
    worst, held = 0.0, 0
    for seed in range(26):  # 4 × 26 = 104 random chains
        chain = _with_capital(random_chain(seed, cyclic=cyclic, home=home), seed)
        baseline = random_baseline(chain, seed)
        held += bool(baseline)
        worst = max(worst, _worst(chain, random_scenario(chain, seed), baseline, seed))
    assert held >= 16 and worst <= 1e-9
