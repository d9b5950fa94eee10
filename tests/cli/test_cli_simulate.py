"""`riskmodel simulate` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskmodel.cli import main


def test_standard_scenario_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "bicycle", "--scenario", "japan_drivetrain_cut"]) == 0
    out = capsys.readouterr().out
    assert "bicycle: Japan stops exporting drivetrains for a year (24 months)" in out
    assert "end-use loss: immediate 70.0%" in out
    assert "time to survive (loss > 5%): 4 months; time to recover: 12 months" in out


def test_cut_json_matches_api(capsys: pytest.CaptureFixture[str]) -> None:
    import riskmodel as rm
    from riskmodel.scenario import Cut

    assert main(["simulate", "bicycle", "--cut", "JP:drivetrain@0.5", "--duration", "6",
                 "--months", "12", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    res = rm.simulate(rm.load("bicycle"), [Cut("JP", ("drivetrain",), 0.5, 0, 6)], months=12)
    assert data["end_use_loss"] == pytest.approx(res.end_use_loss.tolist())
    assert data["summary"]["peak_loss"] == pytest.approx(res.summary["peak_loss"])
    assert len(data["availability"]["drivetrain"]) == 12


def test_all_scenarios_summary_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "bicycle", "--scenario", "all", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("scenario,immediate_loss,long_run_loss,peak_loss")
    assert [ln.split(",")[0] for ln in lines[1:]] == ["japan_drivetrain_cut", "china_cut"]


def test_monte_carlo_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "bicycle", "--scenario", "china_cut", "--mc", "40", "--seed", "5",
            "--format", "json"]
    assert main(args) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    b = json.loads(capsys.readouterr().out)
    assert a == b and a["draws"] == 40 and a["ranged_values"] > 0
    assert set(a["percentiles"][0]) >= {"index", "P5", "P50", "P95"}


def test_out_file_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res.csv"
    assert main(["simulate", "bicycle", "--cut", "CN", "--format", "csv", "--out",
                 str(out)]) == 0
    header = out.read_text().splitlines()[0]
    assert header.startswith("month,end_use_loss,steel,aluminium")
    assert not list(tmp_path.glob(".*"))  # no temporary left behind


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["simulate", "bicycle"], 1, "no scenario given"),
        (["simulate", "bicycle", "--cut", "JP:drivetrian"], 1, "did you mean `drivetrain`?"),
        (["simulate", "bicycle", "--scenario", "chna_cut"], 1, "did you mean `china_cut`?"),
        (["simulate", "bicycle", "--cut", "JP@lots"], 1, "the fraction is not a number"),
        (["simulate", "bicycle", "--cut", "JP", "--months", "0"], 2, "whole number ≥ 1"),
        (["simulate", "bicycle", "--cut", "JP", "--threshold", "5"], 2, "number in [0, 1]"),
        (["simulate", "bicycle", "--scenario", "all", "--mc", "5"], 2, "--mc takes one scenario"),
        (["simulate", "nonexistent_chain", "--cut", "JP"], 1, "no built-in chain"),
    ],
)
def test_errors(args: list[str], code: int, message: str,
                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "sc.yaml"
    f.write_text("scenarios:\n  - id: tw\n    months: 6\n    cuts: [{country: TW}]\n")
    assert main(["simulate", "bicycle", "--scenario-file", str(f)]) == 0
    assert "bicycle: tw (6 months)" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  cuts: [{country: TW, fraction: 3}]\n")
    assert main(["simulate", "bicycle", "--scenario-file", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "cut fraction out of range" in err
