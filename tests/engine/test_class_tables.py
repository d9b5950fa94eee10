"""Destination classes read from tables by the column-block kernel: whole-country cuts
from the country table over class columns, the class terms from the per-scenario class
of each supplier key (:meth:`riskmodel.engine.destinations.Expansion.split`), held to
the numpy backend (explicit entries, class terms merged in), to the reference and to
hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of, random_baseline_cuts, random_chain, random_scenario

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

# cells are made half in Poland, half at home (DE), from anode material that China
# makes; China also makes a third of the separators; cars need both
BATTERY = {
    "anode": {"stage": "upstream", "suppliers": {"CN": 1.0}},
    "separator": {"stage": "upstream", "suppliers": {"CN": 1 / 3, "JP": 2 / 3}},
    "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5}},
    "cars": {"stage": "end_use", "value": 1.0},
}
EDGES = [("anode", "cells", {}), ("separator", "cells", {}), ("cells", "cars", {})]


def _battery() -> rm.Chain:
    return chain_of(BATTERY, EDGES, perspective={"home": "DE"})


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_whole_country_stops_by_destination_by_hand(backend: str) -> None:
    chain = _battery()
    c, p = chain.compiled, engine.params_from_compiled(chain.compiled)
    scs = [Scenario([Cut("CN", to=to)]) for to in ("world", "all", "home", ("PL",))]
    spec = cut_spec(chain, scs, p)
    assert spec.country is not None and (spec.country >= 0).all()  # whole-country atoms
    A = engine.static(c, p, spec, backend=backend)
    cars = A[c.index.get_loc("cars")]
    # world and all: every cell maker loses its anode; home: DE's half stops, PL's half
    # goes on; PL: PL's half stops
    np.testing.assert_allclose(cars, [0.0, 0.0, 0.5, 0.5], atol=1e-12)
    # a third of separators lost withholds nothing more: anode is the binding input
    long = engine.static(c, p, spec, mode="long_run", backend=backend)
    np.testing.assert_allclose(long[c.index.get_loc("cars")], cars, atol=1e-12)


def test_a_partial_cut_beside_a_whole_country_cut_of_the_same_country() -> None:
    """A whole-country atom stays explicit where a partial atom of the same class
    column cuts a row of that country; other columns still read the table."""
    chain = _battery()
    c, p = chain.compiled, engine.params_from_compiled(chain.compiled)
    scs = [Scenario([Cut("CN", to="home"), Cut("CN", ("separator",), 1.0, to="all")]),
           Scenario([Cut("CN", fraction=0.5, to="home")]),
           Scenario([Cut("JP", to="all"), Cut("CN", ("anode",), 0.5, to="all")])]
    spec = cut_spec(chain, scs, p)
    got = engine.static(c, p, spec, backend="numba")
    want = engine.static(c, p, spec, backend="numpy")
    np.testing.assert_allclose(got, want, atol=1e-12)
    for i, sc in enumerate(scs):
        ref = reference.availability(chain, sc)
        assert dict(zip(c.ids, got[:, i].tolist(), strict=True)) == pytest.approx(ref,
                                                                                 abs=1e-12)


def _batch(chain: rm.Chain, seed: int) -> list[Scenario]:
    """Scenarios of whole-country cuts with every kind of destination, and random ones."""
    rng = np.random.default_rng(seed)
    countries = chain.compiled.countries
    tos: list = ["world", "all", "home" if chain.home else "all",
                 (str(rng.choice(countries)),)]
    out = [Scenario([Cut(str(rng.choice(countries)), fraction=float(rng.uniform(0.3, 1)),
                         start=int(rng.integers(0, 2)), to=tos[i % 4])], months=5)
           for i in range(8)]
    out += [random_scenario(chain, seed * 10 + i, months=5) for i in range(6)]
    return out


@pytest.mark.parametrize("home", ["CN", None])
def test_tables_agree_with_explicit_entries_on_random_chains(home: str | None) -> None:
    worst = 0.0
    for seed in range(12):
        chain = random_chain(seed, cyclic=False, home=home,
                             world=home is not None and seed % 2 == 0,
                             capital=seed % 4 == 1, controlled=seed % 3 == 1)
        c, p = chain.compiled, engine.params_from_compiled(chain.compiled)
        base = random_baseline_cuts(chain, seed) if seed % 3 == 0 else []
        scs = _batch(chain, seed)
        spec = cut_spec(chain, scs, p, baseline=base)
        for mode in ("immediate", "long_run"):
            fast = engine.static(c, p, spec, mode=mode, backend="numba")
            slow = engine.static(c, p, spec, mode=mode, backend="numpy")
            worst = max(worst, float(np.abs(fast - slow).max()))
        fast_d = engine.dynamic(c, p, spec, 5, record=True, backend="numba")
        slow_d = engine.dynamic(c, p, spec, 5, record=True, backend="numpy")
        assert fast_d.availability is not None and slow_d.availability is not None
        worst = max(worst, float(np.abs(fast_d.availability - slow_d.availability).max()),
                    float(np.abs(fast_d.loss - slow_d.loss).max()))
        if not base:  # and one scenario against the reference, month by month
            ref = reference.simulate(chain, scs[2])
            for t, A in enumerate(ref):
                worst = max(worst, max(abs(fast_d.availability[t, i, 2] - A[n])
                                       for i, n in enumerate(c.ids)))
    assert worst <= 1e-9
