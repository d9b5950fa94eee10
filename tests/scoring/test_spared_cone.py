"""Stops to all destinations on the cone kernel (docs/model.md §1.3, §2.3): a stop by a
key that makes a direct successor of the cut node runs as a lost supply with the key's
producers of the successors seeing the node uncut (riskmodel.scoring.spared). Hand
computations, and agreement with the column-block kernel over destination classes on
random chains."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of, random_chain

import riskmodel as rm
from riskmodel import engine
from riskmodel.scoring.cuts import control_shares, dominant_keys, expansion, keys_of
from riskmodel.scoring.spared import spared_nowhere, spared_producers

BACKENDS = ("cone", "numba")


def _near(chain: rm.Chain) -> int:
    """How many of the chain's choke stops take the spared path."""
    c = chain.compiled
    ex = expansion(chain)
    countries, _ = dominant_keys(c, control_shares(c, ex)[0], keys_of(c))
    nodes = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    if not len(nodes):
        return 0
    names = [countries[j] for j in nodes]
    ok, _ = spared_producers(c, engine.params_from_compiled(c), nodes, names, ex)
    return int((ok & ~spared_nowhere(c, nodes, names, ex)).sum())


def _both(chain: rm.Chain, monkeypatch: pytest.MonkeyPatch, **kw):
    """``rm.score`` with the cone kernel forced, then the column-block kernel alone."""
    out = []
    for backend in BACKENDS:
        monkeypatch.setattr(engine.settings, "BACKEND", backend)
        out.append(rm.score(chain, **kw))
    return out


def _motors(robots: dict, *, home: str | None, motors_value: float | None = None,
            motors: dict | None = None) -> rm.Chain:
    """``motors`` (no stock, no substitution) → ``robots`` (end use); ``motors`` an end
    use too when it has a value."""
    m = {"stage": "end_use" if motors_value else "downstream",
         "suppliers": motors or {"JP": 0.7, "DE": 0.3}}
    if motors_value:
        m["value"] = motors_value
    return chain_of({"motors": m,
                     "robots": {"stage": "end_use", "value": 1.0, "suppliers": robots}},
                    [("motors", "robots", {})],
                    perspective={"home": home} if home else "global",
                    groups={"EUROPE": {"label": "Europe", "members": ["DE", "FR"]}})


def test_the_key_s_own_successor_producers_see_the_node_uncut(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # JP stops motors (JP 0.7, DE 0.3) to all but itself: every destination but JP sees
    # 0.3 of motors; JP's robot makers (half of robots) see all of it. Robots: 0.5 · 0.3
    # + 0.5 · 1 = 0.65, the same to every destination: a loss of 0.35, not 0.7.
    chain = _motors({"JP": 0.5, "US": 0.5}, home="CN")
    assert _near(chain) == 1
    for s in _both(chain, monkeypatch, horizon=3):
        assert s.loc["motors", "cut_country"] == "JP"
        assert s.loc["motors", "choke_immediate"] == pytest.approx(0.35, abs=1e-12)
        assert s.loc["motors", "choke_score"] == pytest.approx(0.35, abs=1e-12)


def test_a_global_view_reads_the_node_from_both_classes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # motors is an end use too: the world reads it where it is made, 0.7 of it by JP
    # (uncut), 0.3 by DE (0.3 left): 0.3 + 0.7 · 0.7 = 0.79, a loss of 0.21; robots
    # 0.35 as above; weights 1/2 each: 0.28
    chain = _motors({"JP": 0.5, "US": 0.5}, home=None, motors_value=1.0)
    assert _near(chain) == 2  # robots too: an end use its cutting key, JP, makes
    for s in _both(chain, monkeypatch, horizon=3):
        assert s.loc["motors", "choke_immediate"] == pytest.approx(0.28, abs=1e-12)


def test_a_home_inside_the_cutting_group_reads_the_node_uncut(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # EUROPE (its row and its members DE and FR: 0.7 of motors) stops motors to all but
    # itself and its members; the home, DE, is one, and reads motors whole (no loss)
    # and robots (DE 0.5 uncut, US 0.5 at 0.3) at 0.65: (0 + 0.35) / 2
    chain = _motors({"DE": 0.5, "US": 0.5}, home="DE", motors_value=1.0,
                    motors={"EUROPE": 0.5, "FR": 0.2, "US": 0.3})
    assert _near(chain) == 1
    for s in _both(chain, monkeypatch, horizon=3):
        assert s.loc["motors", "cut_country"] == "EUROPE"
        assert s.loc["motors", "choke_immediate"] == pytest.approx(0.175, abs=1e-12)


@pytest.mark.slow
def test_the_cone_kernel_scores_stops_to_all_like_destination_classes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every score column from the cone kernel (stops to all as lost supplies, spared or
    not) equals the column-block kernel's over destination classes, on random chains
    with home and global views, jurisdictions, installed bases, cycles, world shares,
    restrictions in force and a target."""
    near = 0
    for seed in range(12):
        kind = seed % 6
        chain = random_chain(seed, n=int(np.random.default_rng(seed).integers(6, 14)),
                             home=None if kind in (1, 4) else "CN", controlled=kind in (2, 4),
                             capital=kind in (3, 4), cyclic=seed == 5, world=seed == 11,
                             baseline=seed == 10)
        near += _near(chain)
        target = str(chain.compiled.ids[2]) if seed == 9 else None
        cone, block = _both(chain, monkeypatch, horizon=4, month=5, target=target)
        block = block.loc[cone.index]
        num = cone.select_dtypes("number").columns
        assert np.allclose(cone[num].to_numpy(dtype=float), block[num].to_numpy(dtype=float),
                           atol=1e-9, rtol=0, equal_nan=True), seed
    assert near >= 6  # the spared path ran
