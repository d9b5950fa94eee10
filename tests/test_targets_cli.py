"""``--target`` on the command line (simulate, score, score --leverage, cutsets, report)
and the report's section "Targets", on the hand-computed chain of test_targets."""

from __future__ import annotations

import json

import pytest
from helpers import write_text
from test_targets import FAB_YAML

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.reporting import collect


@pytest.fixture
def path(tmp_path):
    return str(write_text(tmp_path, "fab.yaml", FAB_YAML))


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_score_by_target_says_what_it_measures(path, capsys) -> None:
    code, out, _ = _run(capsys, "score", path, "--target", "logic_capacity", "--top", "0")
    assert code == 0
    lines = out.splitlines()
    assert "share of logic_capacity lost over 24 months" in lines[0]
    assert lines[1] == "loss of logic_capacity (fab) instead of end-use value"
    assert lines[3].split()[:2] == ["tool", "1"]
    code, out, _ = _run(capsys, "score", path, "--target", "fab,imports", "--format", "json")
    data = json.loads(out)
    assert data["settings"]["target"] == "fab+imports"
    assert data["settings"]["target_weighting"] == "equal"
    by_node = {r["node"]: r["choke_score"] for r in data["scores"]}
    assert by_node["tool"] == pytest.approx(0.5) and by_node["imports"] == pytest.approx(0.5)


def test_score_leverage_by_target(path, capsys) -> None:
    code, out, _ = _run(capsys, "score", path, "--target", "fab", "--leverage")
    assert code == 0
    assert "Country leverage (loss of fab over 24 months if the country cuts everything" in out
    lev = out[out.index("Country leverage"):].splitlines()
    assert lev[2].split()[:2] == ["NL", "1"]


def test_simulate_by_target(path, capsys) -> None:
    code, out, _ = _run(capsys, "simulate", path, "--cut", "NL", "--months", "3",
                        "--target", "fab")
    assert code == 0
    assert out.splitlines()[0] == "loss of fab instead of end-use value"
    assert "loss of fab: immediate 100.0%" in out
    code, out, _ = _run(capsys, "simulate", path, "--cut", "NL", "--months", "3",
                        "--target", "fab", "--format", "json")
    data = json.loads(out)
    assert data["target"] == "fab" and data["end_use_loss"] == pytest.approx([1.0] * 3)
    code, out, _ = _run(capsys, "simulate", path, "--cut", "NL", "--cut", "TW",
                        "--months", "3", "--target", "chip_supply", "--mc", "4")
    assert code == 0 and "loss of chip_supply" in out


def test_cutsets_and_coalition_by_target(path, capsys) -> None:
    code, out, _ = _run(capsys, "cutsets", path, "--target", "chip_supply")
    assert code == 0
    assert "minimal country cut sets for chip_supply" in out
    assert "loss of chip_supply (fab, imports, weighted equally)" in out
    assert "NL+TW" in out
    code, out, _ = _run(capsys, "cutsets", path, "--target", "fab,imports",
                        "--coalition", "TW", "--format", "json")
    data = json.loads(out)
    assert data["target"] == "fab+imports" and data["target_nodes"] == ["fab", "imports"]
    assert data["surviving_share"] == pytest.approx(0.5)


def test_bad_targets_fail_in_one_line(path, capsys) -> None:
    code, out, err = _run(capsys, "score", path, "--target", "fabb")
    assert code == 1 and out == ""
    assert err.strip() == ("riskmodel: error: no node or declared target 'fabb' in chain "
                           "'fab_chain'; did you mean 'fab'?")
    code, _, err = _run(capsys, "simulate", path, "--cut", "NL", "--target", ",")
    assert code == 1 and "names no node" in err
    code, _, err = _run(capsys, "score", path, "--target", "fab", "--mc", "5")
    assert code == 2 and "--mc reads end-use value only" in err


def test_report_scores_declared_and_given_targets(path, tmp_path, capsys) -> None:
    out = tmp_path / "rep"
    code, _, _ = _run(capsys, "report", path, "--out", str(out), "--format", "json",
                      "--mc", "5", "--target", "tool", "--target", "imports,fab")
    assert code == 0
    doc = json.loads((out / "fab_chain.json").read_text(encoding="utf-8"))
    titles = [s["title"] for s in doc["sections"]]
    assert titles[titles.index("Choke points") + 1] == "Targets"
    # the declared two, then "tool"; "imports,fab" is chip_supply again
    assert doc["settings"]["targets"] == {"logic_capacity": ["fab"],
                                          "chip_supply": ["fab", "imports"],
                                          "tool": ["tool"]}
    code, _, err = _run(capsys, "report", path, "--out", str(tmp_path / "no"),
                        "--target", "nope")
    assert code == 1 and "no node or declared target 'nope'" in err
    assert not (tmp_path / "no").exists()


def test_the_target_section_ranks_by_the_target(path) -> None:
    chain = rm.load(path)
    data = collect(chain, mc=5)
    [sec] = [s for s in data.sections if s.id == "targets"]
    logic, chips = sec.tables
    assert logic.title == "Choke points of logic_capacity"
    assert list(logic.frame.index) == ["tool"]
    assert logic.frame.loc["tool", "choke_score"] == pytest.approx(1.0)
    assert logic.frame.loc["tool", "end_use_score"] == pytest.approx(0.0)
    assert list(chips.frame.index) == ["imports", "tool"]  # tied: by id
    assert chips.frame["choke_score"].tolist() == pytest.approx([0.5, 0.5])
    assert sec.bullets[0].startswith("logic_capacity (fab): its top choke point is tool; "
                                     "a cut by NL costs 100.0% of it on average over 24 months")
    assert "0.0% of end-use value" in sec.bullets[0]
    assert any("Targets: 2 scored beside end-use value" in p
               for p in data.sections[0].paragraphs)
    [method] = [s for s in data.sections if s.id == "method"]
    settings = dict(method.tables[0].frame.itertuples(index=False))
    assert settings["targets"] == ("logic_capacity = fab (equal weights); chip_supply = "
                                   "fab, imports (equal weights)")
    # no target, no section
    chain.targets = {}
    assert "targets" not in [s.id for s in collect(chain, mc=5).sections]


def test_validate_names_the_file_line_and_fix_of_a_bad_target(tmp_path, capsys) -> None:
    bad = write_text(tmp_path, "bad.yaml", FAB_YAML.replace("logic_capacity: [fab]",
                                                            "logic_capacity: [fba]"))
    code, out, err = _run(capsys, "validate", str(bad))
    assert code == 1
    text = out + err
    assert (f"{bad}:6:20: error: target 'logic_capacity', field 'targets': unknown node "
            "'fba'; expected a node id of this chain, found 'fba'. Fix: did you mean "
            "`fab`?") in text


def test_csv_rows_say_what_they_measured(path, capsys) -> None:
    _, out, _ = _run(capsys, "cutsets", path, "--target", "fab", "--format", "csv")
    assert out.splitlines()[:2] == ["size,countries,availability,target", "1,NL,0.0,fab"]
    _, out, _ = _run(capsys, "cutsets", path, "--format", "csv")
    assert out.splitlines()[0] == "size,countries,availability"  # as before
    _, out, _ = _run(capsys, "simulate", path, "--cut", "NL", "--months", "2", "--target",
                     "fab", "--format", "csv")
    assert out.splitlines()[:2] == ["month,loss_of_fab,tool,fab,imports,devices",
                                    "0,1.0,0.0,0.0,1.0,1.0"]
    _, out, _ = _run(capsys, "score", path, "--target", "fab", "--leverage", "--format", "csv")
    # leverage, time_to_impact, immediate, long_run, nodes_supplied, carriers, target
    assert out.splitlines()[1] == "NL,1.0,0.0,1.0,1.0,1,['tool'],fab"
