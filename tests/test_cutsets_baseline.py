"""Cut sets on top of the restrictions in force (docs/model.md §1.5, §2.6).

A set is a cut set when its joint cut, added to the chain's restrictions in force,
stops the target; where the restrictions alone stop it, no set is listed and the table
says so. ``baseline=False`` is the unrestricted reading. Hand-computed on two small
chains, and checked against brute force with the networkx reference on random chains
with random baselines.
"""

from __future__ import annotations

import itertools
import json

import pytest
from helpers import chain_of, random_baseline, random_chain, write_text

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.engine import reference
from riskmodel.scenario import Cut, Scenario


def _alternatives() -> rm.Chain:
    """``t`` (end use) needs one of ``a`` (all from JP) or ``b`` (all from KR)."""
    nodes = {"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
             "b": {"stage": "upstream", "suppliers": {"KR": 1.0}},
             "t": {"stage": "end_use", "value": 1.0}}
    return chain_of(nodes, [("a", "t", {"group": "alt"}), ("b", "t", {"group": "alt"})])


def _shared(substitutability: float = 0.0) -> rm.Chain:
    """``t`` needs ``a``, made 60% in JP and 40% in KR."""
    nodes = {"a": {"stage": "upstream", "suppliers": {"JP": 0.6, "KR": 0.4},
                   "substitutability": substitutability},
             "t": {"stage": "end_use", "value": 1.0}}
    return chain_of(nodes, [("a", "t", {})])


def _sets(cs) -> list[tuple[tuple[str, ...], float]]:
    return [(tuple(x), round(float(a), 12)) for x, a in zip(cs["countries"], cs["availability"],
                                                            strict=True)]


KR_STOPS_B = rm.Restriction(Cut("KR", nodes=("b",)), "kr_b", since="2023-05")


def test_without_a_baseline_both_alternatives_must_go() -> None:
    chain = _alternatives()
    cs = rm.cutsets(chain, target="t")
    assert _sets(cs) == [(("JP", "KR"), 0.0)]
    assert cs.attrs["baseline"] == [] and cs.attrs["realised_availability"] == 1.0
    assert cs.attrs["note"] == ""


def test_with_b_cut_in_force_japan_alone_stops_the_target() -> None:
    chain = _alternatives()
    cs = rm.cutsets(chain, target="t", baseline=[Cut("KR", nodes=("b",))])
    assert _sets(cs) == [(("JP",), 0.0)]
    assert cs.attrs["realised_availability"] == 1.0  # a still covers t
    assert cs.attrs["baseline"] == [{"country": "KR", "nodes": ["b"]}]
    assert cs.attrs["evaluated"] == 2  # {JP}, {KR}; {JP, KR} holds {JP}: not tried


def test_the_chains_own_baseline_is_the_default_and_false_leaves_it_out() -> None:
    chain = _alternatives()
    chain.baseline = [KR_STOPS_B]
    assert _sets(rm.cutsets(chain, target="t")) == [(("JP",), 0.0)]
    assert rm.cutsets(chain, target="t").attrs["baseline"][0]["id"] == "kr_b"
    off = rm.cutsets(chain, target="t", baseline=False)
    assert _sets(off) == [(("JP", "KR"), 0.0)] and off.attrs["baseline"] == []
    assert rm.coalition(chain, ["JP"], target="t") == 0.0
    assert rm.coalition(chain, ["JP"], target="t", baseline=False) == 1.0


def test_a_baseline_that_already_stops_the_target_lists_no_set() -> None:
    chain = _alternatives()
    cs = rm.cutsets(chain, target="t", baseline=[Cut("KR"), Cut("JP")])
    assert len(cs) == 0 and cs.attrs["evaluated"] == 0
    assert cs.attrs["realised_availability"] == 0.0
    assert cs.attrs["note"] == "the restrictions in force already stop t (availability 0.0%)"


def test_a_partial_baseline_counts_against_the_threshold() -> None:
    # KR's 40% in force leaves a (and t) 60%: above 5%, below 70%
    chain = _shared()
    held = [Cut("KR")]
    assert _sets(rm.cutsets(chain, target="t", baseline=False)) == [(("JP", "KR"), 0.0)]
    assert _sets(rm.cutsets(chain, target="t", baseline=held)) == [(("JP",), 0.0)]
    cs = rm.cutsets(chain, target="t", baseline=held, threshold=0.7)
    assert len(cs) == 0 and cs.attrs["realised_availability"] == pytest.approx(0.6)
    assert cs.attrs["note"] == "the restrictions in force already stop t (availability 60.0%)"


def test_the_baseline_has_its_substitution_in_the_immediate_reading() -> None:
    # substitutability 0.5: KR's cut in force withholds 0.4 · (1 − 0.5) = 0.2, so a is
    # at 0.8; JP's cut on top withholds its 0.6 at once: 0.2 left (< 0.25). Without the
    # baseline JP alone leaves 0.4.
    chain = _shared(0.5)
    cs = rm.cutsets(chain, target="t", threshold=0.25, baseline=[Cut("KR")])
    assert cs.attrs["realised_availability"] == pytest.approx(0.8)
    assert [(x, pytest.approx(0.2)) for x, _ in _sets(cs)] == _sets(cs)
    assert [x for x, _ in _sets(cs)] == [("JP",)]
    free = rm.cutsets(chain, target="t", threshold=0.25, baseline=False)
    assert [x for x, _ in _sets(free)] == [("JP", "KR")]


def test_baseline_false_gives_todays_cut_sets() -> None:
    bike = rm.load("bicycle")
    bike.baseline = [rm.Restriction(Cut("JP", nodes=("drivetrain",)), "jp", since="2024")]
    off = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25, baseline=False)
    assert [(x, round(a, 3)) for x, a in _sets(off)] == [
        (("CN", "KR"), 0.1), (("JP", "TW"), 0.1), (("CN", "JP"), 0.15)]
    held = rm.cutsets(bike, target="e_bikes", max_size=2, threshold=0.25)
    assert _sets(held) != _sets(off)


def test_the_command_line_reads_the_baseline_and_no_baseline(tmp_path, capsys) -> None:
    path = write_text(tmp_path, "alt.yaml", """\
schema: riskmodel/chain@1
name: alt
perspective: {home: US}
sources:
  rule: {title: KR export rule, year: 2023}
nodes:
  - {id: a, stage: upstream, suppliers: {JP: 1.0}}
  - {id: b, stage: upstream, suppliers: {KR: 1.0}}
  - {id: t, stage: end_use, value: 1}
edges:
  - {from: a, to: t, group: g}
  - {from: b, to: t, group: g}
baseline:
  - {id: kr_b, country: KR, nodes: [b], since: 2023-05, source: rule}
""")
    assert main(["cutsets", str(path), "-q"]) == 0
    out = capsys.readouterr().out
    assert "restrictions in force (1): each set below stops all end use on top of them " \
           "(100.0% available under them alone)" in out
    assert out.splitlines()[-1].split() == ["1", "JP", "0"]
    assert main(["cutsets", str(path), "--no-baseline"]) == 0
    out = capsys.readouterr().out
    assert "restrictions in force are ignored (--no-baseline)" in out
    assert out.splitlines()[-1].split() == ["2", "JP+KR", "0"]
    assert main(["cutsets", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["settings"]["baseline"][0]["id"] == "kr_b"
    assert [c["countries"] for c in doc["cutsets"]] == [["JP"]]
    assert main(["cutsets", str(path), "--coalition", "JP"]) == 0
    assert "on top of the 1 restriction in force, 0.0% of all end use" in \
        capsys.readouterr().out


# seeds where the baseline changes the cut sets (4, 10, 11, 13, 14), already stops the
# target (9, 12, 17), or changes nothing (0, 1)
@pytest.mark.parametrize("seed", [0, 1, 4, 9, 10, 11, 12, 13, 14, 17])
def test_cut_sets_on_top_agree_with_brute_force(seed: int) -> None:
    chain = random_chain(seed, n=6)
    held = random_baseline(chain, seed) or [Cut(chain.compiled.countries[0])]
    target = None if seed % 2 else str(chain.compiled.ids[-1])
    threshold = (0.05, 0.3, 0.6)[seed % 3]

    def available(cuts) -> float:  # the networkx reference, immediate
        A = reference.availability(chain, Scenario(cuts), baseline=held)
        return A[target] if target else 1.0 - reference.end_use_loss(chain, A)

    cands = sorted({k for _, sup in chain.graph.nodes(data="suppliers") if sup
                    for k, v in sup.items() if v > 0 and k not in ("other", "CN")})
    got = rm.cutsets(chain, target=target, threshold=threshold, baseline=held)
    assert got.attrs["candidates"] == len(cands)
    assert got.attrs["realised_availability"] == pytest.approx(available([]), abs=1e-9)
    if available([]) < threshold:
        assert len(got) == 0 and got.attrs["note"].startswith("the restrictions in force")
        return
    sets = [s for k in (1, 2, 3) for s in itertools.combinations(cands, k)]
    avail = {s: available([Cut(x) for x in s]) for s in sets}
    assert all(abs(a - threshold) > 1e-9 for a in avail.values())  # no tie to read
    stops = {s for s, a in avail.items() if a < threshold}
    want = {s for s in stops if not any(set(t) < set(s) for t in stops)}
    assert {tuple(x) for x in got["countries"]} == want and len(got) == len(want)
    for s, a in zip(got["countries"], got["availability"], strict=True):
        assert a == pytest.approx(avail[tuple(s)], abs=1e-9)
