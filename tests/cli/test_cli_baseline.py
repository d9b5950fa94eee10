"""`riskmodel simulate` with a chain's restrictions in force, and `--no-baseline`.

The chain file's `baseline:` is read elsewhere; here the chain is given one through
`Chain.baseline`, the attribute the command takes it from."""

from __future__ import annotations

import json

import pytest

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.scenario import Cut

HELD = (Cut("JP", nodes=("drivetrain",)),)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chain has Japan's drivetrains withheld as a restriction in force."""
    monkeypatch.setattr(rm.Chain, "baseline", property(lambda self: HELD), raising=False)


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["simulate", "bicycle", *args, "--months", "12", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_reports_realised_and_marginal(held: None,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, "--cut", "CN")
    res = rm.simulate(rm.load("bicycle"), [Cut("CN")], months=12, baseline=HELD)
    assert data["baseline"] == [{"country": "JP", "nodes": ["drivetrain"]}]
    assert data["summary"]["realised_loss"] == pytest.approx(0.56)
    assert data["end_use_loss"] == pytest.approx(res.end_use_loss.tolist())
    assert data["total_loss"] == pytest.approx(
        [0.56 + x for x in res.end_use_loss.tolist()])
    assert data["realised_loss"] == pytest.approx([0.56] * 12)


def test_no_baseline_gives_the_unrestricted_reading(held: None,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    flagged = _json(capsys, "--cut", "CN", "--no-baseline")
    assert "baseline" not in flagged and flagged["summary"]["realised_loss"] == 0.0
    monkeypatch.delattr(rm.Chain, "baseline")
    plain = _json(capsys, "--cut", "CN")
    assert flagged == plain
    assert plain["summary"]["peak_loss"] == pytest.approx(0.461, abs=1e-3)


def test_table_csv_and_many_scenarios(held: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "bicycle", "--cut", "CN", "--months", "6"]) == 0
    out = capsys.readouterr().out
    assert "restrictions in force (1): realised loss 56.0%; this scenario adds:" in out
    assert "marginal loss" in out and "total loss" in out
    assert main(["simulate", "bicycle", "--cut", "CN", "--months", "6", "--format",
                 "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("month,end_use_loss,realised_loss,total_loss,steel")
    assert main(["simulate", "bicycle", "--scenario", "all", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(",realised_loss")
    assert [float(ln.split(",")[-1]) for ln in lines[1:]] == pytest.approx([0.56, 0.56])
    # Japan's standard cut repeats the restriction: it adds nothing
    assert lines[1].startswith("japan_drivetrain_cut,0.0,0.0,0.0,0.0,0.0,")
    assert main(["simulate", "bicycle", "--scenario", "all", "--format", "csv",
                 "--no-baseline"]) == 0
    assert all(ln.endswith(",0.0") for ln in capsys.readouterr().out.splitlines()[1:])


def test_monte_carlo_draws_have_their_realised_loss(held: None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "bicycle", "--scenario", "china_cut", "--mc", "20",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["baseline"] == [{"country": "JP", "nodes": ["drivetrain"]}]
    rows = {r["index"]: r for r in data["percentiles"]}
    assert 0.3 < rows["realised_loss"]["P50"] < 0.8


def test_help_says_what_no_baseline_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--no-baseline leave out the restrictions in force" in out


def test_leverage_on_top_of_the_baseline(held: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "bicycle", "--leverage", "--top", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    lev = {r["country"]: r for r in data["leverage"]}
    assert data["leverage_realised_loss"] == pytest.approx(0.56)
    assert lev["JP"]["leverage"] == 0.0 and lev["TW"]["carriers"] == ["drivetrain"]
    assert main(["score", "bicycle", "--leverage", "--top", "1"]) == 0
    assert "on top of the 1 restriction in force, whose realised loss is 56.0%" in (
        capsys.readouterr().out)
    assert main(["score", "bicycle", "--leverage", "--top", "1", "--format", "json",
                 "--no-baseline"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "leverage_realised_loss" not in data
    # the share of end-use value lost over 24 months (as rm.leverage(bicycle) reads it)
    assert {r["country"]: r for r in data["leverage"]}["JP"]["leverage"] == pytest.approx(
        0.529, abs=1e-3)
