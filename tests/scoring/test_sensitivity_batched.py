"""rm.sensitivity's batched rescorings against the way they were first made: each run a
chain of its own (the tables edited, checked and compiled again) scored by rm.score.
The patched arrays against the recompiled ones, every kind of ranged number; the
scores and ranks to 1e-12 on random chains (restrictions, cycles, world shares,
capital goods, controls) and on built-in chains; the fallback where score prunes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from helpers import random_chain
from test_sensitivity import random_ranged, with_ranges

import riskmodel as rm
from riskmodel.scoring.sensitivity import ranged_numbers, sensitivity
from riskmodel.scoring.variants import locate, patched, variant_chain

#: the compiled arrays a ranged number can move
ARRAYS = ("inventory", "substitutability", "lead_time", "service_life", "value", "weight",
          "edge_covers", "edge_share")


def reference(chain: rm.Chain, s: pd.DataFrame, *, every: int = 1, **opts) -> int:
    """Check ``s`` (a sensitivity table of ``chain`` run with ``opts``) against each
    run's own chain scored by rm.score (every ``every``-th tornado run); the runs
    checked."""
    spots = {(r["field"], r["where"]): r["spot"] for r in _numbers(chain)}
    data = chain.to_data()
    o = {"decompose": 1, **opts}
    checked: dict = {}
    for _, r in s[s["kind"] != "base"].iterrows():
        if r["kind"] == "tornado":
            key = (r["field"], r["where"], r["setting"])
            if key not in checked:
                if len(checked) % every:
                    checked[key] = None
                    continue
                v = ranged_numbers(chain).set_index(["field", "where"]).loc[key[:2], key[2]]
                variant, used = variant_chain(data, spots[key[:2]], float(v))
                checked[key] = (rm.score(variant, **o), used)
            if checked[key] is None:
                continue
            scores, used = checked[key]
            assert used == r["value"]
        else:
            scores = rm.score(chain, **{**o, "horizon": int(r["horizon"])})
        want = scores.loc[r["node"], "choke_score"]
        assert (np.isnan(want) and np.isnan(r["choke_score"])) or abs(
            want - r["choke_score"]) <= 1e-12, (r.to_dict(), want)
        assert int(scores.loc[r["node"], "rank"]) == r["rank"], (r.to_dict(), scores)
    return sum(x is not None for x in checked.values())


def _numbers(chain: rm.Chain) -> list[dict]:
    import sys

    # the module (riskmodel.scoring.sensitivity names the function too): the numbers
    # with their spots, for the reference
    return sys.modules["riskmodel.scoring.sensitivity"]._ranged(chain)


def test_patched_arrays_are_the_recompiled_ones():
    chains = [random_ranged(1, "plain"), random_ranged(5, "capital"),
              with_ranges(random_chain(3, n=8, world=True, controlled=True), 3),
              rm.load("semiconductors")]
    kinds = set()
    for chain in chains:
        c, data = chain.compiled, chain.to_data()
        seen: dict = {}
        for num in _numbers(chain):
            if seen.setdefault(num["field"], 0) >= 2:  # a few of each kind per chain
                continue
            seen[num["field"]] += 1
            kinds.add(num["field"])
            at = locate(c, data, num["spot"])
            for setting in ("low", "high"):
                mine, used = patched(c, at, num[setting])
                other, used_there = variant_chain(data, num["spot"], num[setting])
                want = other.compiled
                assert used == used_there
                for name in ARRAYS:
                    np.testing.assert_array_equal(getattr(mine, name), getattr(want, name),
                                                  err_msg=f"{name} {num}")
                for name in ("supply", "world"):
                    a, b = getattr(mine, name), getattr(want, name)
                    assert (a is None) == (b is None)
                    if a is not None:
                        np.testing.assert_array_equal(a.toarray(), b.toarray(),
                                                      err_msg=f"{name} {num}")
    assert kinds >= {"inventory_months", "substitutability", "lead_time_months",
                     "service_life_months", "value", "supplier share", "world share",
                     "cost share", "covers"}


@pytest.mark.parametrize(("seed", "kind"), [(2, "baseline"), (4, "cyclic"), (5, "capital")])
def test_batched_runs_are_each_chain_rescored(seed, kind):
    # every 7th run (rm.score of each costs what the batch saves), every kind of number
    # among them over the cases
    chain = random_ranged(seed, kind)
    s = sensitivity(chain, top=3, scope="all", horizons=(3, 12), max_runs=10_000)
    assert reference(chain, s, every=7) >= 2 * s.attrs["run"] // 7


def test_targets_home_and_a_month_are_read_as_score_reads_them():
    chain = random_ranged(6, "baseline")
    ends = [str(x) for x in chain.compiled.ids[chain.compiled.end_use]]
    mid = str(chain.compiled.ids[chain.compiled.n // 2])
    for opts in ({"target": [mid, *ends[:1]]}, {"to": "home", "month": 5}):
        s = sensitivity(chain, top=2, scope="all", horizons=(6,), max_runs=10_000, **opts)
        assert reference(chain, s, every=10, **opts) > 0


@pytest.mark.slow
def test_where_score_prunes_each_chain_is_rescored():
    # a chain above exact_limit nodes: score prunes, and each run is a chain scored
    chain = random_ranged(7, "plain")
    s = sensitivity(chain, top=2, horizons=(6,), exact_limit=3)
    assert s["choke_score"].notna().any()
    assert reference(chain, s, every=6, exact_limit=3) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["industrial_robots", "rare_earth_magnets"])
def test_built_in_chains_are_each_chain_rescored(name):
    # a sample of the runs (every 25th): rm.score of each costs what the batch saves
    chain = rm.load(name)
    s = sensitivity(chain, top=3)
    assert reference(chain, s, every=25) >= 4


def test_a_pool_gives_the_serial_table():
    chain = random_ranged(2, "baseline")
    serial = sensitivity(chain, top=2, scope="all", max_runs=10_000)
    with ThreadPoolExecutor(2) as pool:
        pooled = sensitivity(chain, top=2, scope="all", max_runs=10_000, client=pool)
    pd.testing.assert_frame_equal(serial, pooled, check_exact=True)
    assert serial.attrs == pooled.attrs
