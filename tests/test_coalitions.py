"""Cut sets with country groups (docs/model.md §2.6).

A cut by a group also cuts its members' rows, so a set's effect is its keys plus their
groups' members, and a cut set is listed only if no other cut set's effect is a proper
part of its effect:

- ``{EUROPE}`` is not listed beside ``{DE}`` when DE alone suffices;
- a set naming a group and one of its members is never tried;
- where a group and a set of its members both suffice, the members are listed;
- a group is listed where its own row is needed;
- the search agrees with brute force over every set on random grouped chains;
- a group's ``nodes_supplied`` (leverage) counts the nodes its members supply.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import chain_of

import riskmodel as rm
from riskmodel.coalitions import effective_sets

EUROPE = {"EUROPE": {"label": "Europe", "members": ["DE", "FR"]}}


def _car(cells: dict, foil: dict) -> rm.Chain:
    """``car`` (end use, home CN) needs ``cells`` and ``foil``, with these suppliers."""
    nodes = {"cells": {"stage": "upstream", "suppliers": cells},
             "foil": {"stage": "upstream", "suppliers": foil},
             "car": {"stage": "end_use", "value": 1.0}}
    return chain_of(nodes, [("cells", "car", {}), ("foil", "car", {})], groups=EUROPE)


def _listed(cs) -> list[tuple[str, ...]]:
    return [tuple(x) for x in cs["countries"]]


def test_a_group_is_not_listed_beside_its_member_that_suffices() -> None:
    # cut DE: cells 0 -> car 0; cut EUROPE: cells 0 (through DE), foil 0.5 -> car 0;
    # cut US: foil 0.5 -> car 0.5. {EUROPE} stops cars only through DE.
    chain = _car({"DE": 1.0}, {"EUROPE": 0.5, "US": 0.5})
    for target in ("car", None):
        for k in (1, 2, 3):
            cs = rm.cutsets(chain, target=target, max_size=k)
            assert _listed(cs) == [("DE",)]
            assert cs["availability"].tolist() == [0.0]
    # 3 singles; every pair holds DE's effect ({EUROPE, US} through EUROPE) or names a
    # group with its member ({DE, EUROPE}): none is evaluated
    assert rm.cutsets(chain, target="car", max_size=2).attrs["evaluated"] == 3
    assert rm.coalition(chain, ["EUROPE"], target="car") == pytest.approx(0.0)


def test_members_that_suffice_together_are_listed_not_their_group() -> None:
    # cut DE or FR: cells 0.5 -> car 0.5; cut EUROPE: cells 0, foil 0.5 -> car 0;
    # cut DE and FR: cells 0 -> car 0, without EUROPE's own foil row
    chain = _car({"DE": 0.5, "FR": 0.5}, {"EUROPE": 0.5, "US": 0.5})
    cs = rm.cutsets(chain, target="car", max_size=2)
    assert _listed(cs) == [("DE", "FR")]
    assert cs["size"].tolist() == [2] and cs["availability"].tolist() == [0.0]
    # 4 singles; pairs: {DE, FR}, {DE, US}, {FR, US} (the others name EUROPE with a
    # member or hold EUROPE's effect, a cut set)
    assert cs.attrs["evaluated"] == 4 + 3
    # a search that stops before pairs lists the group: its members' set is not tried
    assert _listed(rm.cutsets(chain, target="car", max_size=1)) == [("EUROPE",)]
    # without FR among the candidates only the group suffices
    only = rm.cutsets(chain, target="car", max_size=2, countries=["DE", "EUROPE", "US"])
    assert _listed(only) == [("EUROPE",)]


def test_a_group_whose_own_row_is_needed_is_listed() -> None:
    # cut DE: cells 0.5 -> car 0.5; cut EUROPE: cells 0 -> car 0; no members' set
    # reaches EUROPE's row
    chain = _car({"DE": 0.5, "EUROPE": 0.5}, {"US": 1.0})
    cs = rm.cutsets(chain, target="car", max_size=3)
    assert _listed(cs) == [("EUROPE",), ("US",)]


def test_a_group_named_with_its_member_is_never_a_cut_set() -> None:
    # every set stops cars (threshold 1 and availability 0.5 at most): the singles only
    chain = _car({"DE": 0.5, "FR": 0.5}, {"EUROPE": 0.5, "US": 0.5})
    cs = rm.cutsets(chain, target="car", max_size=3, threshold=1.0)
    assert _listed(cs) == [("DE",), ("FR",), ("US",)]


def test_group_nodes_supplied_counts_its_members_rows() -> None:
    chain = _car({"DE": 1.0}, {"EUROPE": 0.5, "US": 0.5})
    lev = rm.leverage(chain)
    assert lev.loc["EUROPE", "nodes_supplied"] == 2  # foil, and cells through DE
    assert lev.loc["DE", "nodes_supplied"] == 1
    assert lev.loc["US", "nodes_supplied"] == 1


def test_effective_sets() -> None:
    reach = effective_sets(EUROPE, ["EUROPE", "DE", "US"])
    assert reach == {"EUROPE": {"EUROPE", "DE", "FR"}, "DE": {"DE"}, "US": {"US"}}
    assert effective_sets(EUROPE, ["DE", "FR"]) is None


def _random_grouped(seed: int) -> rm.Chain:
    """Three to five inputs of one or two end uses, some alternatives; each input is
    supplied by some of EUROPE, US, JP or some of DE, FR, US, JP (never a group with
    its member)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    nodes: dict = {}
    for i in range(k):
        keys = ["EUROPE", "US", "JP"] if rng.random() < 0.4 else ["DE", "FR", "US", "JP"]
        picked = rng.choice(keys, size=int(rng.integers(1, len(keys) + 1)), replace=False)
        w = rng.dirichlet(np.ones(len(picked) + 1))[:-1] if rng.random() < 0.3 else \
            rng.dirichlet(np.ones(len(picked)))
        nodes[f"i{i}"] = {"stage": "upstream",
                          "suppliers": {str(x): float(v) for x, v in zip(picked, w, strict=True)}}
    ends = ["p", "q"][:int(rng.integers(1, 3))]
    edges = []
    for e in ends:
        nodes[e] = {"stage": "end_use", "value": float(rng.integers(1, 5))}
        ins = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
        alt = len(ins) >= 3 and rng.random() < 0.5
        for j, i in enumerate(ins):
            edges.append((f"i{i}", e, {"group": "alt"} if alt and j < 2 else {}))
    return chain_of(nodes, edges, groups=EUROPE)


@pytest.mark.parametrize("seed", range(25))
def test_cutsets_agree_with_brute_force_on_grouped_chains(seed: int) -> None:
    chain = _random_grouped(seed)
    rng = np.random.default_rng(seed + 500)
    threshold = float(rng.choice([0.05, 0.3, 0.6]))
    target = None if rng.random() < 0.5 else "p"
    cands = sorted({x for d in chain.graph.nodes.values()
                    for x, v in (d.get("suppliers") or {}).items() if v > 0})
    reach = {x: {x, *(EUROPE.get(x, {}).get("members") or [])} for x in cands}
    effect = {s: frozenset().union(*(reach[x] for x in s))
              for k in (1, 2, 3) for s in itertools.combinations(cands, k)}
    stops = {s for s in effect
             if rm.coalition(chain, list(s), target=target) < threshold}
    # minimal: no other cut set's effect is a proper part of its effect, and no set
    # naming a group with its member (it has the effect of a smaller set)
    want = {s for s in stops if not any(effect[t] < effect[s] for t in stops)
            and not ("EUROPE" in s and ({"DE", "FR"} & set(s)))}
    got = rm.cutsets(chain, target=target, max_size=3, threshold=threshold)
    assert set(_listed(got)) == want
    assert len(got) == len(want)
