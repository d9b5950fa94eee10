"""Warnings for edge fields the engine ignores: `group` and a missing `share` on a
non-essential input. Each test starts from the valid fixture and breaks one thing."""

from __future__ import annotations

import pytest
from helpers import VALID_YAML, chain_of

import riskmodel as rm
from riskmodel.scenario import Cut

NON_ESSENTIAL = "  - {from: robots, to: phones, essential: false, share: 0.1}\n"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


def _with(new: str) -> str:
    assert VALID_YAML.count(NON_ESSENTIAL) == 1
    return VALID_YAML.replace(NON_ESSENTIAL, new)


def test_group_on_a_non_essential_input_is_a_warning(write) -> None:
    text = _with("  - {from: robots, to: phones, essential: false, share: 0.1, group: extra}\n")
    path = write(text)
    rep = rm.validate(path)  # was: "alternatives group 'extra' has one member" (an error)
    assert rep.ok and rep.errors == []
    (w,) = rep.warnings
    assert (w.severity, w.code, w.where, w.field) == ("warning", "ignored-group",
                                                      "edge 'robots' -> 'phones'", "group")
    assert w.line == _line_of(text, "group: extra") and w.file == str(path)
    assert w.message == ("`group` on a non-essential input is ignored: each non-essential "
                         "input counts on its own, by its cost `share`")
    assert w.found == "group 'extra' with `essential: false`"
    assert w.fix == ("remove `group`, or make the edge essential (`essential: true`) if its "
                     "group's inputs are alternatives")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path, strict=True)
    assert e.value.problems == [w]


def test_non_essential_input_without_a_share_is_a_warning(write) -> None:
    text = _with("  - {from: robots, to: phones, essential: false}\n")
    path = write(text)
    (w,) = rm.validate(path).warnings
    assert (w.code, w.where, w.field, w.found) == ("no-share", "edge 'robots' -> 'phones'",
                                                   "share", "nothing")
    assert w.line == _line_of(text, "to: phones")
    assert w.message == ("non-essential input has no `share`, so it counts as 0: its "
                         "shortfall never lowers its user's output")
    assert w.fix == ("give the edge a `share` (the fraction of the node's cost it is); "
                     "without one it counts as 0")
    with pytest.raises(rm.ChainValidationError, match="no `share`"):
        rm.validate(path, strict=True)


def test_essential_input_without_a_share_is_not_warned(write) -> None:
    # the fixture's `steel -> robots` is essential and has no share: nothing to say
    assert "{from: steel, to: robots, group: metal}" in VALID_YAML
    assert rm.validate(write(VALID_YAML), strict=True).warnings == []


def test_mixed_group_stays_an_error_without_a_second_warning(write) -> None:
    text = VALID_YAML.replace("{from: alloy, to: robots, group: metal, covers: 0.5}",
                              "{from: alloy, to: robots, group: metal, covers: 0.5, "
                              "essential: false, share: 0.1}")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(write(text))
    assert {p.code for p in e.value.problems} == {"group-mixed"}
    assert [p.code for p in e.value.warnings] == []


def test_group_of_non_essential_inputs_warns_each_and_the_engine_adds_their_shares() -> None:
    # global view, no stock, no substitution: a cut of JP takes a and b to 0. Were the
    # group read as alternatives, d would lose nothing while one is left; the engine
    # counts each on its own: P_d = 1 - 0.1 - 0.2 = 0.7 (cut JP), 0.9 (cut a only)
    nodes = {"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
             "b": {"stage": "upstream", "suppliers": {"JP": 1.0}},
             "d": {"stage": "end_use", "value": 1.0}}
    edges = [("a", "d", {"essential": False, "group": "alt", "share": 0.1}),
             ("b", "d", {"essential": False, "group": "alt", "share": 0.2})]
    chain = chain_of(nodes, edges, perspective="global")
    problems = chain.check()
    assert [(p.code, p.where, p.line) for p in problems] == [
        ("ignored-group", "edge 'a' -> 'd'", None), ("ignored-group", "edge 'b' -> 'd'", None)]
    both = rm.simulate(chain, [Cut("JP")], months=2).summary
    one = rm.simulate(chain, [Cut("JP", nodes=("a",))], months=2).summary
    assert both["immediate_loss"] == pytest.approx(0.3)
    assert one["immediate_loss"] == pytest.approx(0.1)


def test_missing_share_counts_as_zero_in_the_engine_and_is_warned() -> None:
    nodes = {"a": {"stage": "upstream", "suppliers": {"JP": 1.0}},
             "d": {"stage": "end_use", "value": 1.0}}
    chain = chain_of(nodes, [("a", "d", {"essential": False})], perspective="global")
    (w,) = chain.check()
    assert (w.severity, w.code, w.where, w.field) == ("warning", "no-share", "edge 'a' -> 'd'",
                                                      "share")
    assert rm.simulate(chain, [Cut("JP")], months=2).summary["immediate_loss"] == 0.0


@pytest.mark.parametrize("name", ["bicycle", "semiconductors", "industrial_robots",
                                  "generative_ai", "combined"])
def test_builtin_chains_give_no_such_warning(name: str) -> None:
    rep = rm.validate(name, strict=True)
    assert [p.code for p in rep.warnings] == []
