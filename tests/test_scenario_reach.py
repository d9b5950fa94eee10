"""A cut of a country that supplies nothing of a node it names is a warning that names
the node's suppliers: from Python (`Result.problems`, `scenario_warnings`), from
`riskmodel simulate` (stderr) and from `riskmodel validate` (with file and line)."""

from __future__ import annotations

import pytest
from helpers import chain_of

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.scenario import Cut, Scenario, scenario_warnings

FRAMES = ("JP supplies nothing of 'frames' (its suppliers: DE 40%, TW 40%, CN 20%); "
          "the cut changes nothing")


def test_simulate_returns_the_warning_and_the_unchanged_result() -> None:
    res = rm.simulate(rm.load("bicycle"), [Cut("JP", nodes=("frames",))], months=3)
    (w,) = res.problems
    assert (w.severity, w.code, w.field, w.found) == ("warning", "cuts-nothing", "nodes",
                                                      "'frames'")
    assert w.message == FRAMES
    assert w.where == "the given cuts, cut #1"
    assert w.fix == "cut one of its suppliers (DE, TW, CN), or remove 'frames' from the cut"
    assert res.summary["peak_loss"] == 0.0 and res.summary["immediate_loss"] == 0.0


def test_a_cut_that_reaches_its_node_gives_no_warning() -> None:
    bike = rm.load("bicycle")
    assert rm.simulate(bike, "japan_drivetrain_cut").problems == []
    assert scenario_warnings(bike, Scenario([Cut("CN")])) == []


def test_only_the_nodes_not_supplied_are_named() -> None:
    bike = rm.load("bicycle")
    sc = Scenario([Cut("CN"), Cut("JP", nodes=("drivetrain", "frames"))], name="mix")
    (w,) = scenario_warnings(bike, sc)
    assert w.where == "scenario 'mix', cut #2"
    assert w.message == FRAMES + " there"


def _grouped(**kw):
    """a: DE 0.5, US 0.3, other 0.2; b: US 1; c (no suppliers); d the end use."""
    nodes = {"a": {"stage": "upstream", "suppliers": {"DE": 0.5, "US": 0.3}},
             "b": {"stage": "upstream", "suppliers": {"US": 1.0, "JP": 0.0}},
             "c": {"stage": "upstream"},
             "d": {"stage": "end_use", "value": 1.0}}
    edges = [("a", "d", {}), ("b", "d", {}), ("c", "d", {})]
    return chain_of(nodes, edges, groups={"EUROPE": {"members": ["DE", "FR"]},
                                          "ASEAN": {"members": ["VN", "TH"]}}, **kw)


def test_a_group_supplies_through_its_members() -> None:
    chain = _grouped()
    assert scenario_warnings(chain, Scenario([Cut("EUROPE", nodes=("a",))])) == []
    (w,) = scenario_warnings(chain, Scenario([Cut("EUROPE", nodes=("b",))]))
    assert w.message == ("EUROPE (with its members DE, FR) supplies nothing of 'b' "
                         "(its suppliers: US 100%); the cut changes nothing")
    assert w.fix == "cut one of its suppliers (US), or remove 'b' from the cut"


def test_a_cut_reaching_nothing_of_the_chain_is_a_warning() -> None:
    chain = _grouped()
    for cut in (Cut("ASEAN"), Cut("JP")):  # JP is listed, but with a share of 0
        (w,) = scenario_warnings(chain, Scenario([cut]))
        assert (w.code, w.field) == ("cuts-nothing", "country")
        assert w.message.endswith("supplies nothing of this chain; the cut changes nothing")
        res = rm.simulate(chain, [cut], months=2)
        assert res.problems == [w] and res.summary["peak_loss"] == 0.0
    assert scenario_warnings(chain, Scenario([Cut("US")])) == []


def test_home_view_home_makes_the_nodes_without_suppliers() -> None:
    chain = _grouped()  # home CN: c is made at home
    assert scenario_warnings(chain, Scenario([Cut("CN", nodes=("c",))])) == []
    assert scenario_warnings(chain, Scenario([Cut("CN")])) == []
    (w,) = scenario_warnings(chain, Scenario([Cut("CN", nodes=("a",))]))
    assert w.message == ("CN supplies nothing of 'a' (its suppliers: DE 50%, US 30%, "
                         "other 20%); the cut changes nothing")


def test_global_view_only_other_makes_a_node_without_suppliers() -> None:
    chain = _grouped(perspective="global")
    (w,) = scenario_warnings(chain, Scenario([Cut("US", nodes=("c",))]))
    assert "(its suppliers: other 100%)" in w.message
    assert w.fix == ("remove 'c' from the cut: only `other` producers make it, and no cut "
                     "reaches them")


CHAIN = """\
schema: riskmodel/chain@1
name: tiny
perspective: {home: CN}
nodes:
  - {id: gears, stage: upstream, suppliers: {JP: 0.6, CN: 0.4}}
  - {id: steel, stage: upstream, suppliers: {CN: 0.9, KR: 0.1}}
  - {id: robots, stage: end_use, value: 1}
edges:
  - {from: gears, to: robots}
  - {from: steel, to: robots}
scenarios:
  - id: japan
    cuts:
      - {country: JP, nodes: [gears]}
      - {country: KR, nodes: [gears, steel]}
"""


def test_validate_warns_for_a_stored_scenario_with_file_and_line(write) -> None:
    path = write(CHAIN)
    rep = rm.validate(path)
    (w,) = rep.warnings
    assert w.file == str(path) and w.line == 15
    assert w.where == "scenario 'japan', cut #2"
    assert w.message == ("KR supplies nothing of 'gears' (its suppliers: JP 60%, CN 40%); "
                         "the cut changes nothing there")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path, strict=True)
    assert e.value.problems == [w]
    assert rm.load(path).scenarios[0]["id"] == "japan"  # still loads


def test_cli_simulate_prints_the_warning_on_stderr(capsys: pytest.CaptureFixture[str]
                                                   ) -> None:
    assert main(["simulate", "bicycle", "--cut", "JP:frames", "--months", "3"]) == 0
    out, err = capsys.readouterr()
    assert "bicycle: cut JP:frames (3 months)" in out and "immediate 0.0%" in out
    assert err.splitlines() == [
        "riskmodel: 1 warning:",
        f"  warning: scenario 'cli', cut #1, field 'nodes': {FRAMES}; expected a node JP "
        "supplies, found 'frames'. Fix: cut one of its suppliers (DE, TW, CN), or remove "
        "'frames' from the cut."]


def test_cli_simulate_stays_quiet_for_a_cut_that_reaches(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    assert main(["simulate", "bicycle", "--cut", "JP:drivetrain", "--months", "3",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().err == ""
