"""Helpers shared by the test files: chain literals, hand-built and random chains.

Import them with ``from helpers import ...`` (pytest puts ``tests/`` on the import
path); fixtures and pytest configuration stay in ``conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import numpy as np

import riskmodel as rm
from riskmodel.scenario import Cut, Scenario

#: A valid three-stage chain used as the base of validation tests: each test
#: breaks one thing.
VALID_YAML = """\
schema: riskmodel/chain@1
name: tiny
title: Tiny test chain
perspective: {home: CN}
currency: USD bn
sources:
  src: {title: A test source, year: 2025}
nodes:
  - id: gears
    stage: upstream
    suppliers:
      JP: {value: 0.6, low: 0.5, high: 0.7, source: src, ref: "line 3", note: "quoted"}
      CN: 0.3
      other: 0.1
    substitutability: 0.3
    lead_time_months: 18
    inventory_months: 3
  - id: motors
    stage: upstream
    suppliers: {JP: 0.5, DE: 0.2, CN: 0.3}
  - id: steel
    stage: upstream
    suppliers: {CN: 0.9, KR: 0.1}
  - id: alloy
    stage: upstream
    suppliers: {CN: 1.0}
  - id: robots
    stage: midstream
    suppliers: {CN: 0.7, JP: 0.3}
  - id: cars
    stage: end_use
    value: 10
  - id: phones
    stage: end_use
    value: 5
edges:
  - {from: gears, to: robots, share: 0.3}
  - {from: motors, to: robots, share: 0.2}
  - {from: steel, to: robots, group: metal}
  - {from: alloy, to: robots, group: metal, covers: 0.5}
  - {from: robots, to: cars, share: 0.4}
  - {from: robots, to: phones, essential: false, share: 0.1}
scenarios:
  - id: japan
    cuts: [{country: JP, nodes: [gears], duration: 12}]
"""

#: Where the ETO dataset (CC BY-NC, never in the repository) is read from.
ETO_DIR = Path(os.environ.get("RISKMODEL_ETO_DIR")
               or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "eto")


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` (UTF-8; lone surrogates kept) to ``tmp_path / name``; its path."""
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    return p


def chain_of(nodes: dict, edges: list, **kw) -> rm.Chain:
    """A hand-built chain: ``nodes`` maps id to attributes, ``edges`` lists
    ``(from, to, attributes)``; ``kw`` goes to :class:`riskmodel.Chain` (the
    perspective is home CN unless given)."""
    g = nx.DiGraph()
    for name, attrs in nodes.items():
        g.add_node(name, **attrs)
    for u, v, attrs in edges:
        g.add_edge(u, v, **attrs)
    return rm.Chain(g, name="hand", perspective=kw.pop("perspective", {"home": "CN"}), **kw)


COUNTRIES = ["US", "JP", "CN", "NL", "DE", "KR"]


def random_chain(seed: int, *, cyclic: bool = False, home: str | None = "CN",
                 n: int | None = None, baseline: bool = False, world: bool = False,
                 controlled: bool = False, capital: bool = False):
    """A random chain for engine tests: layered, with alternatives groups, non-essential
    inputs, suppliers, stocks and ramps; ``cyclic`` adds back edges, ``baseline`` one
    to three restrictions in force (:func:`random_baseline`); ``world`` gives some nodes
    ``world_suppliers``, ``controlled`` jurisdictions (``controlled_by``) on some supplier
    and world shares, ``capital`` a service life to about a third of the nodes (each
    drawn apart, so the chain is otherwise the same)."""
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(4, 14))
    g = nx.DiGraph()
    stages = ["upstream", "midstream", "downstream", "end_use"]
    for i in range(n):
        stage = stages[min(3, i * 4 // n)] if i < n - 1 else "end_use"
        attrs: dict = {"stage": stage}
        if i == 0 or rng.random() < 0.8:  # at least one node has suppliers to cut
            picked = rng.choice(COUNTRIES, size=int(rng.integers(1, 4)), replace=False)
            w = rng.dirichlet(np.ones(len(picked) + 1))
            attrs["suppliers"] = {str(c): float(x) for c, x in zip(picked, w[:-1], strict=True)}
            if rng.random() < 0.2:
                attrs["suppliers"]["other"] = float(w[-1] / 2)
        if rng.random() < 0.7:
            attrs["substitutability"] = float(rng.random())
            attrs["lead_time_months"] = float(rng.integers(0, 8))
        if rng.random() < 0.5:
            attrs["inventory_months"] = float(rng.choice([0.0, 0.5, 1.0, 2.5]))
        if stage == "end_use":
            attrs["value"] = float(rng.integers(1, 10))
        g.add_node(f"n{i}", **attrs)
    for j in range(1, n):
        k = int(rng.integers(1, min(j, 4) + 1))
        for src in rng.choice(j, size=k, replace=False):
            u, v = f"n{src}", f"n{j}"
            r = rng.random()
            if r < 0.15:
                g.add_edge(u, v, essential=False, share=float(rng.random() * 0.3))
            elif r < 0.45:
                g.add_edge(u, v, group="alt", covers=float(rng.uniform(0.2, 1.0)))
            else:
                g.add_edge(u, v)
        alts = [u for u, _, d in g.in_edges(f"n{j}", data=True) if d.get("group") == "alt"]
        if len(alts) == 1:  # keeps its `covers`, which must then have no effect
            del g.edges[alts[0], f"n{j}"]["group"]
        elif alts:  # the alternatives together must cover the whole need
            g.edges[alts[0], f"n{j}"]["covers"] = 1.0
    if cyclic:
        for _ in range(int(rng.integers(1, 4))):
            a, b = sorted(rng.choice(n, size=2, replace=False))
            if not g.has_edge(f"n{b}", f"n{a}") and not g.has_edge(f"n{a}", f"n{b}"):
                g.add_edge(f"n{b}", f"n{a}")
    if world:
        _add_world(g, seed)
    if controlled:
        _add_controllers(g, seed)
    if capital:
        _add_capital(g, seed)
    persp = {"home": home} if home else "global"
    chain = rm.Chain(g, name=f"random{seed}", perspective=persp)
    if baseline:
        chain.baseline = random_baseline(chain, seed)
    return chain


def random_baseline(chain, seed: int) -> list[rm.Restriction]:
    """One to three random restrictions in force on ``chain``: whole or partial, of some
    or all of a supplier's nodes, withheld from every destination, all but the cutting
    country, the home or a list; dated by a year, a month or a day. Drawn from their own
    random stream, so that the chain drawn for a seed does not depend on them."""
    rng = np.random.default_rng(seed + 20_000)
    supplied = sorted({k for _, sup in chain.graph.nodes(data="suppliers") if sup
                       for k in sup if k != "other"})
    nodes = list(chain.graph.nodes)
    out = []
    for i in range(int(rng.integers(1, 4)) if supplied else 0):
        country = str(rng.choice(supplied))
        sel = None
        if rng.random() < 0.5:
            sel = tuple(str(x) for x in rng.choice(nodes, size=int(rng.integers(1, 3)),
                                                    replace=False))
        to: str | tuple[str, ...] = str(rng.choice(["all", "world", "list"]
                                                   + (["home"] if chain.home else [])))
        if to == "list":
            to = tuple(str(x) for x in rng.choice(COUNTRIES, size=2, replace=False))
        since = str(rng.choice(["2019", "2022-10", "2022-10-07", "2024-02-29"]))
        out.append(rm.Restriction(Cut(country, sel, float(rng.choice([1.0, 0.5])), to=to),
                                  f"r{i}", since=since))
    return out


def _add_world(g: nx.DiGraph, seed: int) -> None:
    """World shares on about half the nodes: other countries (some that supply nothing
    at home), sometimes with jurisdictions, sometimes leaving a rest to `other`."""
    rng = np.random.default_rng(seed + 20_000)
    for _, attrs in g.nodes(data=True):
        if rng.random() < 0.5:
            continue
        picked = rng.choice(COUNTRIES, size=int(rng.integers(1, 4)), replace=False)
        w = rng.dirichlet(np.ones(len(picked) + 1))
        keep = 1.0 if rng.random() < 0.5 else float(rng.uniform(0.6, 1.0))
        attrs["world_suppliers"] = {str(c): float(x / w[:-1].sum() * keep)
                                    for c, x in zip(picked, w[:-1], strict=True)}
        if rng.random() < 0.3:
            by = str(rng.choice([x for x in COUNTRIES if x != picked[0]]))
            attrs["world_controlled_by"] = {str(picked[0]): (by,)}


def _add_controllers(g: nx.DiGraph, seed: int) -> None:
    """Jurisdictions on about a third of the supplier and world shares (never `other`):
    one or two other countries whose rules reach the share."""
    rng = np.random.default_rng(seed + 30_000)
    for _, attrs in g.nodes(data=True):
        for table, attr in (("suppliers", "controlled_by"),
                            ("world_suppliers", "world_controlled_by")):
            held = dict(attrs.get(attr, {}))
            for c in attrs.get(table, {}):
                if c != "other" and rng.random() < 0.35:
                    others = [x for x in COUNTRIES if x != c]
                    held[c] = tuple(str(x) for x in rng.choice(
                        others, size=int(rng.integers(1, 3)), replace=False))
            if held:
                attrs[attr] = held


def _add_capital(g: nx.DiGraph, seed: int) -> None:
    """A service life of 1 to 12 months on about a third of the nodes (their stock, if
    any, dropped: a capital node's base replaces it, and validation warns of both)."""
    rng = np.random.default_rng(seed + 40_000)
    for _, attrs in g.nodes(data=True):
        if rng.random() < 0.35:
            attrs["capital"] = {"service_life_months": float(rng.integers(1, 13))}
            attrs.pop("inventory_months", None)


def random_scenario(chain, seed: int, *, months: int = 6):
    """A random scenario on ``chain``: one to three cuts, whole or partial, of some or
    all of a country's supply, starting in the first months, ending or not, withheld
    from every destination, all but the cutting country, the home or a list."""
    rng = np.random.default_rng(seed + 10_000)
    countries = chain.compiled.countries
    nodes = list(chain.graph.nodes)
    cuts = []
    for _ in range(int(rng.integers(1, 4))):
        country = str(rng.choice(countries))
        sel = None
        if rng.random() < 0.6:
            sel = tuple(str(x) for x in rng.choice(nodes, size=int(rng.integers(1, 4)),
                                                    replace=False))
        duration = None if rng.random() < 0.5 else int(rng.integers(1, months))
        # destinations: a lost plant (every path), an export ban, the home, a target list
        roll = rng.random()
        to: str | tuple[str, ...] = "world"
        if roll > 0.85:
            to = tuple(str(x) for x in rng.choice(countries, size=min(2, len(countries)),
                                                  replace=False))
        elif roll > 0.7 and chain.home is not None:
            to = "home"
        elif roll > 0.4:
            to = "all"
        # fractions from [0.2, 1]: a near-zero cut on a fully dependent global cycle
        # decays at a rate near 1, too slowly for the reference's plain sweeps
        cuts.append(Cut(country, sel, float(rng.choice([1.0, rng.uniform(0.2, 1.0)])),
                        int(rng.integers(0, 3)), duration, to))
    return Scenario(cuts, name=f"s{seed}", months=months)


def random_baseline_cuts(chain, seed: int) -> list:
    """Random restrictions in force on ``chain`` (docs/model.md §1.5): none, or one or
    two permanent cuts, whole or partial, of some or all of a country's supply, withheld
    from every destination, all but the cutting country, the home or a list."""
    rng = np.random.default_rng(seed + 20_000)
    if rng.random() < 0.25:
        return []
    countries = chain.compiled.countries
    nodes = list(chain.graph.nodes)
    out = []
    for _ in range(int(rng.integers(1, 3))):
        sel = None
        if rng.random() < 0.6:
            sel = tuple(str(x) for x in rng.choice(nodes, size=int(rng.integers(1, 3)),
                                                    replace=False))
        roll = rng.random()
        to: str | tuple[str, ...] = "all"
        if roll > 0.8:
            to = (str(rng.choice(countries)),)
        elif roll > 0.65 and chain.home is not None:
            to = "home"
        elif roll > 0.5:
            to = "world"
        out.append(Cut(str(rng.choice(countries)), sel,
                       float(rng.choice([1.0, rng.uniform(0.2, 1.0)])), to=to))
    return out


#: a tiny chip chain with restrictions in force, but for its last one, which the baseline
#: tests add (their checks break one thing each and name its line: keep the lines as
#: they are)
CHIPS_BASELINE_HEAD = """\
schema: riskmodel/chain@1
name: chips
perspective: global
sources:
  bis_2022: {title: "BIS rule on advanced computing", year: 2022}
nodes:
  - {id: euv_lithography, stage: upstream, suppliers: {NL: 0.9, US: 0.1}}
  - {id: logic_chips, stage: midstream, suppliers: {TW: {share: 0.6, controlled_by: [US]}, CN: 0.4}}
  - {id: phones, stage: end_use, value: 10}
edges:
  - {from: euv_lithography, to: logic_chips}
  - {from: logic_chips, to: phones}
baseline:
  - id: us_advanced_computing_2022
    title: US advanced computing rules
    country: US
    nodes: [logic_chips]
    fraction: 0.8
    to: [CN]
    since: 2022-10-07
    source: bis_2022
    ref: "line 1178"
    note: the foreign direct product rule reaches TW
  - id: nl_euv_2019
    country: NL
    since: 2019
    source: bis_2022
"""
