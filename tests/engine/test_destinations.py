"""Destinations (docs/model.md §1.3): whom a cut withholds from, hand-computed on tiny
chains, by the engine and the reference alike."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import chain_of

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

# A battery chain seen from Germany: cells are made half in Poland, half at home, from
# anode material that China makes entirely; German car makers need the cells.
BATTERY = {
    "anode": {"stage": "upstream", "suppliers": {"CN": 1.0}},
    "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5}},
    "cars": {"stage": "end_use", "value": 1.0},
}
BATTERY_EDGES = [("anode", "cells", {}), ("cells", "cars", {})]


def both(chain: rm.Chain, cuts: list[Cut], mode: str = "immediate") -> dict[str, float]:
    """Static availability by the engine, checked against the reference."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    sc = Scenario(cuts)
    A = engine.static(c, p, cut_spec(chain, [sc], p), mode=mode)[:, 0]
    out = dict(zip(c.ids, A.tolist(), strict=True))
    ref = reference.availability(chain, sc, mode=mode)
    assert out == pytest.approx(ref, abs=1e-12)
    return out


def test_a_stop_to_all_reaches_third_country_producers() -> None:
    home = chain_of(BATTERY, BATTERY_EDGES, perspective={"home": "DE"})
    # to all: the Polish cell plant loses its anode material too, so no cells reach DE
    assert both(home, [Cut("CN", ("anode",))])["cars"] == pytest.approx(0.0)
    # to the home only: Polish cells (half of supply) still reach German car makers
    assert both(home, [Cut("CN", ("anode",), to="home")])["cars"] == pytest.approx(0.5)
    assert both(home, [Cut("CN", ("anode",), to=("DE",))])["cars"] == pytest.approx(0.5)
    # targeted at Poland: German cell plants keep theirs, Polish cells stop
    assert both(home, [Cut("CN", ("anode",), to=("PL",))])["cars"] == pytest.approx(0.5)
    assert both(home, [Cut("CN", ("anode",), to=("PL", "DE"))])["cars"] == pytest.approx(0.0)
    # targeted elsewhere: nothing reaches German or Polish producers
    assert both(home, [Cut("CN", ("anode",), to=("US",))])["cars"] == pytest.approx(1.0)


def test_the_cutting_country_keeps_its_own_supply_unless_the_plant_is_lost() -> None:
    # seen from China: cells made in China from Chinese anode material
    nodes = {**BATTERY, "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "CN": 0.5}}}
    cn = chain_of(nodes, BATTERY_EDGES, perspective={"home": "CN"})
    # an export ban keeps China's own anode material at home: Chinese cells go on,
    # Polish cells stop
    assert both(cn, [Cut("CN", ("anode",))])["cars"] == pytest.approx(0.5)
    # a lost plant (to the world): no anode material for anyone
    assert both(cn, [Cut("CN", ("anode",), to="world")])["cars"] == pytest.approx(0.0)


def test_a_partial_stop_and_substitution_per_destination() -> None:
    nodes = {**BATTERY, "anode": {"stage": "upstream", "suppliers": {"CN": 0.8, "JP": 0.2},
                                  "substitutability": 0.5}}
    home = chain_of(nodes, BATTERY_EDGES, perspective={"home": "DE"})
    # immediate: anode to PL and DE is 0.2 + 0.8 (1 − 0.5) = 0.6, cells 0.6, cars 0.6
    assert both(home, [Cut("CN", ("anode",), fraction=0.5)])["cars"] == pytest.approx(0.6)
    # long run: half of the cut is substituted: 0.2 + 0.8 (1 − 0.25) = 0.8
    assert both(home, [Cut("CN", ("anode",), fraction=0.5)], "long_run")["cars"] == \
        pytest.approx(0.8)
    # targeted at DE: DE cells 0.5·0.6, PL cells 0.5·1: cars 0.8
    assert both(home, [Cut("CN", ("anode",), fraction=0.5, to="home")])["cars"] == \
        pytest.approx(0.8)


def test_the_global_view_weighs_destinations_by_where_a_product_is_made() -> None:
    nodes = {"chips": {"stage": "upstream", "suppliers": {"CN": 1.0}},
             "widgets": {"stage": "end_use", "value": 1.0,
                         "suppliers": {"DE": 0.5, "US": 0.5}}}
    world = chain_of(nodes, [("chips", "widgets", {})], perspective="global")
    # to all: neither German nor US widget makers get chips
    assert both(world, [Cut("CN")])["widgets"] == pytest.approx(0.0)
    # to DE only: German makers stop. Widgets reaching DE and the US are both half
    # (each buys from both makers): the world gets half
    assert both(world, [Cut("CN", to=("DE",))])["widgets"] == pytest.approx(0.5)


def test_two_cuts_with_different_destinations_make_three_classes() -> None:
    # cells from PL, DE and HU; CN stops anode to PL, KR stops a second input to HU
    nodes = {"anode": {"stage": "upstream", "suppliers": {"CN": 1.0}},
             "separator": {"stage": "upstream", "suppliers": {"KR": 1.0}},
             "cells": {"stage": "midstream",
                       "suppliers": {"PL": 0.25, "DE": 0.5, "HU": 0.25}},
             "cars": {"stage": "end_use", "value": 1.0}}
    edges = [("anode", "cells", {}), ("separator", "cells", {}), ("cells", "cars", {})]
    home = chain_of(nodes, edges, perspective={"home": "DE"})
    cuts = [Cut("CN", to=("PL",)), Cut("KR", to=("HU",))]
    assert both(home, cuts)["cars"] == pytest.approx(0.5)
    c = home.compiled
    p = engine.params_from_compiled(c)
    ex = engine.destinations.expand(c, p, cut_spec(home, [Scenario(cuts)], p))
    assert ex is not None and ex.width == 3  # the rest, PL, HU (DE is with the rest)


def test_dynamics_per_destination_with_stocks() -> None:
    nodes = {**BATTERY, "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5},
                                  "inventory_months": 1.0}}
    home = chain_of(nodes, BATTERY_EDGES, perspective={"home": "DE"})
    sc = Scenario([Cut("CN", ("anode",), to="home")], months=4)
    res = rm.simulate(home, sc)
    # month 0: DE cells supply 0.5, a month of stock tops it up to 1 (0.5 drawn); month
    # 1: 0.5 + the remaining 0.5; then 0.5
    assert res.end_use_loss.round(12).tolist() == [0.0, 0.0, 0.5, 0.5]
    ref = reference.simulate(home, sc)
    assert [1 - m["cars"] for m in ref] == pytest.approx(res.end_use_loss.tolist(), abs=1e-12)


def test_many_scenarios_mix_lost_plants_and_targeted_stops() -> None:
    home = chain_of(BATTERY, BATTERY_EDGES, perspective={"home": "DE"})
    scs = [Scenario([Cut("CN", ("anode",), to="world")], name="w"),
           Scenario([Cut("CN", ("anode",), to="home")], name="h"),
           Scenario([Cut("CN", ("anode",), to=("PL",))], name="p")]
    c = home.compiled
    p = engine.params_from_compiled(c)
    loss = engine.static_loss(c, p, cut_spec(home, scs, p))
    np.testing.assert_allclose(loss, [1.0, 0.5, 0.5], atol=1e-12)


def test_chunks_of_targeted_scenarios_equal_one_batch() -> None:
    nodes = {**BATTERY, "cells": {"stage": "midstream", "suppliers": {"PL": 0.5, "DE": 0.5},
                                  "inventory_months": 1.0}}
    home = chain_of(nodes, BATTERY_EDGES, perspective={"home": "DE"})
    scs = [Scenario([Cut("CN", ("anode",), fraction=f, to=to)], months=4)
           for f in (0.3, 1.0) for to in ("all", "home", ("PL",), "world")]
    c = home.compiled
    p = engine.params_from_compiled(c)
    spec = cut_spec(home, scs, p)
    whole = engine.dynamic(c, p, spec, 4)
    for chunk in (1, 3):
        parts = engine.dynamic(c, p, spec, 4, chunk=chunk)
        np.testing.assert_allclose(parts.loss, whole.loss, atol=1e-12)
    # to home, a full stop: German cells have a month of stock, then half arrives
    np.testing.assert_allclose(whole.loss[:, 5], [0.0, 0.0, 0.5, 0.5], atol=1e-12)
