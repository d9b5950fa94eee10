"""A scenario's `plausibility:` (in_force, announced, hypothetical, stress_test): the level
it reads as, its checks (file, line, fix), its round trip through YAML, JSON and a
bundle, the JSON Schema, `riskmodel simulate` and `riskmodel diff`; and the wording of
the simulated summary ("worst month after the cut", not "peak").

Hand chain for the wording: ``d`` (end use, value 10) needs ``a`` (JP 100%, 3 months of
stock, no substitution). A full JP cut loses 100% at once without stocks (immediate
bound); as played, months 0-2 are covered by the stock and month 3 loses 100%.
"""

from __future__ import annotations

import json

import pytest
from helpers import VALID_YAML, chain_of, write_text

import riskmodel as rm
from riskmodel import schema
from riskmodel._errors import ChainValidationError, ScenarioError
from riskmodel.cli import main
from riskmodel.scenario import Cut, Scenario, read_scenarios


def _with(extra: str, cuts: str = "[{country: JP, nodes: [gears], duration: 12}]") -> str:
    """VALID_YAML whose scenario ``japan`` carries the lines ``extra``."""
    old = "  - id: japan\n    cuts: [{country: JP, nodes: [gears], duration: 12}]\n"
    assert old in VALID_YAML
    return VALID_YAML.replace(old, f"  - id: japan\n{extra}    cuts: {cuts}\n")


def _line(text: str, needle: str) -> int:
    return next(i for i, x in enumerate(text.splitlines(), 1) if needle in x)


# --- the level a scenario reads as --------------------------------------------------

@pytest.mark.parametrize(("cuts", "level"), [
    ([Cut("JP")], "stress_test"),                                  # everything
    ([Cut("JP", nodes=("gears",), fraction=0.5)], "stress_test"),  # one node
    ([Cut("JP", nodes=("gears",)), Cut("JP", nodes=("motors",), start=3)], "stress_test"),
    ([Cut("JP", nodes=("gears", "motors"))], None),                 # two nodes in one cut
    ([Cut("JP"), Cut("CN")], None),                                 # two countries
    ([], None),
])
def test_unlabelled_single_country_knockouts_read_as_stress_tests(cuts, level) -> None:
    assert Scenario(cuts).plausibility is None
    assert Scenario(cuts).level == level


def test_a_label_wins_over_the_knockout_default() -> None:
    assert Scenario([Cut("JP")], plausibility="announced").level == "announced"
    assert Scenario([Cut("JP"), Cut("CN")], plausibility="hypothetical").level == "hypothetical"


# --- checks: file, line, fix --------------------------------------------------------

def test_an_unknown_level_is_an_error_with_did_you_mean(tmp_path) -> None:
    text = _with("    plausibility: anounced\n")
    path = write_text(tmp_path, "c.yaml", text)
    with pytest.raises(ChainValidationError) as e:
        rm.load(path)
    (p,) = e.value.problems
    assert (p.file, p.line, p.field) == (str(path), _line(text, "anounced"), "plausibility")
    assert p.message == "unknown plausibility 'anounced'"
    assert p.expected == "one of in_force, announced, hypothetical, stress_test"
    assert p.fix == "did you mean `announced`?"


def test_a_level_that_is_not_text_names_the_levels(tmp_path) -> None:
    path = write_text(tmp_path, "c.yaml", _with("    plausibility: 3\n"))
    with pytest.raises(ChainValidationError) as e:
        rm.load(path)
    assert e.value.problems[0].fix == "write one of in_force, announced, hypothetical, " \
                                      "stress_test"


def test_announced_without_source_warns_and_fails_under_strict_and_sources(tmp_path) -> None:
    text = _with("    plausibility: announced\n")
    path = write_text(tmp_path, "c.yaml", text)
    (w,) = rm.validate(path).warnings
    assert (w.severity, w.code, w.line, w.field) == ("warning", "unsourced",
                                                    _line(text, "announced"), "source")
    assert w.message == "a scenario marked `announced` has no source"
    assert w.fix == ("cite the text that announces it: add `source:` (one of src) and "
                     "`ref:`, or mark it `hypothetical`")
    with pytest.raises(ChainValidationError):
        rm.validate(path, strict=True)
    with pytest.raises(ChainValidationError) as e:
        rm.validate(path, require_sources=True)
    assert any(p.code == "unsourced" and p.where == "scenario 'japan'"
               for p in e.value.problems)
    assert main(["validate", str(path), "--strict"]) == 1


def test_in_force_is_told_to_move_to_the_baseline(tmp_path) -> None:
    text = _with('    plausibility: in_force\n    source: src\n    ref: "line 3"\n')
    path = write_text(tmp_path, "c.yaml", text)
    (w,) = rm.validate(path).warnings
    assert (w.code, w.line) == ("in-force-scenario", _line(text, "in_force"))
    assert "`baseline:`" in w.fix and w.message.startswith("a scenario marked `in_force`")


def test_a_sourced_announced_scenario_is_clean(tmp_path) -> None:
    path = write_text(tmp_path, "c.yaml", _with(
        '    plausibility: announced\n    source: src\n    ref: "line 3"\n'))
    rep = rm.validate(path, strict=True)
    assert rep.ok and rep.warnings == []


def test_an_undeclared_source_is_an_error_with_did_you_mean(tmp_path) -> None:
    text = _with("    plausibility: hypothetical\n    source: srcs\n")
    path = write_text(tmp_path, "c.yaml", text)
    with pytest.raises(ChainValidationError) as e:
        rm.load(path)
    (p,) = e.value.problems
    assert (p.line, p.field, p.fix) == (_line(text, "srcs"), "source", "did you mean `src`?")


def test_a_scenario_file_checks_the_level(tmp_path) -> None:
    path = write_text(tmp_path, "s.yaml", "- {id: x, plausibility: stress, cuts: "
                                          "[{country: JP}]}\n")
    with pytest.raises(ScenarioError) as e:
        read_scenarios(path)
    assert e.value.problems[0].fix == "did you mean `stress_test`?"
    ok = write_text(tmp_path, "t.yaml", "- {id: x, plausibility: hypothetical, cuts: "
                                        "[{country: JP}]}\n")
    (sc,) = read_scenarios(ok)
    assert (sc.plausibility, sc.level) == ("hypothetical", "hypothetical")


# --- formats ------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["out.yaml", "out.json", "bundle"])
def test_load_save_keeps_the_level(tmp_path, target) -> None:
    path = write_text(tmp_path, "c.yaml", _with("    plausibility: hypothetical\n"))
    chain = rm.load(path)
    out = chain.save(tmp_path / target, format="bundle" if target == "bundle" else None)
    again = rm.load(out)
    assert again.scenarios[0]["plausibility"] == "hypothetical"
    assert Scenario.from_chain(again, "japan").level == "hypothetical"
    assert again.scenarios == chain.scenarios


def test_json_schema_lists_the_levels() -> None:
    prop = schema.json_schema()["$defs"]["scenario"]["properties"]["plausibility"]
    assert prop["enum"] == ["in_force", "announced", "hypothetical", "stress_test"]
    assert "plausibility" in schema.names("scenario")
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"schema": schema.SCHEMA_ID, "name": "t", "nodes": [{"id": "a", "stage": "end_use"}],
           "scenarios": [{"id": "x", "plausibility": "hypothetical", "cuts": [{"country": "US"}]}]}
    jsonschema.validate(doc, schema.json_schema())
    doc["scenarios"][0]["plausibility"] = "likely"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema.json_schema())


def test_the_readme_example_reads(tmp_path) -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Scenario plausibility\n.*?```yaml\n(.*?)```", readme, re.S)
    assert block
    (sc,) = read_scenarios(write_text(tmp_path, "s.yaml", block.group(1)))
    assert (sc.plausibility, sc.meta["source"]) == ("announced", "bis_2022")


# --- simulate: the level and the wording --------------------------------------------

def _stocked() -> rm.Chain:
    return chain_of({"a": {"stage": "upstream", "suppliers": {"JP": 1.0},
                           "inventory_months": 3.0},
                     "d": {"stage": "end_use", "value": 10.0}}, [("a", "d", {})])


def test_worst_month_after_the_cut_is_worded_apart_from_the_immediate_bound() -> None:
    res = rm.simulate(_stocked(), [Cut("JP")], months=5)
    assert res.end_use_loss.round(6).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert res.summary["immediate_loss"] == pytest.approx(1.0)
    assert res.summary["peak_loss"] == pytest.approx(1.0)
    short = rm.simulate(_stocked(), [Cut("JP")], months=3)  # stocks last the horizon
    assert short.summary["peak_loss"] == 0.0
    text = str(short).splitlines()
    assert text[1] == ("  plausibility: stress test (a knockout that measures exposure, "
                       "not a forecast)")
    assert text[2] == ("  end-use loss: immediate 100.0%, long-run 100.0% (the bounds: no "
                       "stocks, and no or complete substitution)")
    assert text[3] == ("  as played, with stocks and substitution: worst month after the "
                       "cut 0.0%, final month 0.0%")
    assert "peak" not in str(short)


def test_cli_simulate_prints_and_writes_the_level(capsys) -> None:
    assert main(["simulate", "bicycle", "--cut", "JP:drivetrain", "--months", "6"]) == 0
    out = capsys.readouterr().out
    assert "  plausibility: stress test (a knockout" in out
    assert main(["simulate", "bicycle", "--cut", "JP:drivetrain", "--months", "6",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["plausibility"] == "stress_test"


def test_a_label_survives_a_new_horizon() -> None:
    sc = Scenario([Cut("JP")], plausibility="announced", months=24)
    assert rm.simulate(_stocked(), sc, months=4).scenario.plausibility == "announced"


# --- diff ---------------------------------------------------------------------------

def test_diff_lists_a_changed_level(tmp_path) -> None:
    from riskmodel.diff import diff, render

    old = rm.load(write_text(tmp_path, "a.yaml", _with("    plausibility: hypothetical\n")))
    new = rm.load(write_text(tmp_path, "b.yaml", _with(
        '    plausibility: announced\n    source: src\n    ref: "line 3"\n')))
    d = diff(old, new, scores=False)
    row = d.header.set_index("field").loc["scenarios.japan.plausibility"]
    assert (row["status"], row["old"], row["new"]) == ("changed", "hypothetical", "announced")
    assert "- scenarios.japan.plausibility: hypothetical -> announced" in render(d)
    plain = rm.load(write_text(tmp_path, "c.yaml", VALID_YAML))
    gone = diff(old, plain, scores=False).header.set_index("field")
    assert gone.loc["scenarios.japan.plausibility", "status"] == "removed"
    assert diff(plain, plain, scores=False).header.empty


def test_a_labelled_scenario_simulates_without_file_warnings(tmp_path) -> None:
    """The level and its source are checked where the file is read, not again on each
    run (a Scenario from a file keeps its source apart from its cuts)."""
    chain = rm.load(write_text(tmp_path, "c.yaml", _with(
        '    plausibility: in_force\n    source: src\n    ref: "line 3"\n')))
    res = rm.simulate(chain, "japan", months=3)
    assert res.problems == [] and res.scenario.level == "in_force"


def test_a_scenario_made_in_python_with_an_unknown_level_is_refused() -> None:
    with pytest.raises(ScenarioError) as e:
        rm.simulate(_stocked(), Scenario([Cut("JP")], plausibility="stress-test", name="s"))
    (p,) = e.value.problems
    assert (p.where, p.field, p.fix) == ("scenario 's'", "plausibility",
                                         "did you mean `stress_test`?")
