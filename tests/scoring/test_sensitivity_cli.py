"""``riskmodel sensitivity``: the table, CSV and JSON forms, --out, and its errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_sensitivity import ore_gas

import riskmodel as rm
from riskmodel.cli import main


@pytest.fixture
def chain_file(tmp_path):
    path = tmp_path / "ore.yaml"
    rm.save(ore_gas(), path)
    return path


def test_table(chain_file, capsys):
    assert main(["sensitivity", str(chain_file), "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 ranged numbers can move the nodes tested" in out
    assert ("ore: choke score 45.8%, rank 1 (ranks 1–2 over the runs); not robust: falls "
            "to 0 at inventory_months of ore high (100)") in out
    assert "gas: choke score 30.0%, rank 2" in out
    assert "no ranged number can move its score" in out  # gas
    assert "horizon sweep: 6 months" in out


def test_csv_to_out_and_json(chain_file, tmp_path, capsys):
    out = tmp_path / "sens.csv"
    assert main(["sensitivity", str(chain_file), "--top", "1", "--csv", "--out",
                 str(out), "-q"]) == 0
    df = pd.read_csv(out)
    assert list(df["kind"]) == ["base", "tornado", "tornado"] + ["horizon"] * 5
    assert df.loc[df["setting"] == "high", "choke_score"].item() == 0.0
    assert main(["sensitivity", str(chain_file), "--node", "gas", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["robust"] == {"gas": True}
    assert {r["kind"] for r in data["rows"]} == {"base", "horizon"}


def test_errors(chain_file, capsys):
    assert main(["sensitivity", str(chain_file), "--node", "oer"]) == 1
    err = capsys.readouterr().err
    assert "--node oer: no node 'oer'" in err and "did you mean" in err
    assert main(["sensitivity", str(chain_file), "--json", "--csv"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    # --out never replaces an input
    assert main(["sensitivity", str(chain_file), "--out", str(chain_file)]) == 1
    assert "input" in capsys.readouterr().err
    assert rm.load(chain_file).compiled.n == 3


def test_listed_in_help(capsys):
    assert main(["--help"]) == 0
    assert "sensitivity" in capsys.readouterr().out
