"""The command line with destinations: `--cut ...>DEST` in simulate and
`--leverage-to` in score (docs/model.md §1.3), hand-computed on a battery chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskmodel.cli import main

BATTERY = """\
schema: riskmodel/chain@1
name: battery
perspective: {home: DE}
nodes:
  - {id: anode, stage: upstream, suppliers: {CN: 1.0}}
  - {id: cells, stage: midstream, suppliers: {PL: 0.5, DE: 0.5}}
  - {id: cars, stage: end_use, value: 1}
edges:
  - {from: anode, to: cells}
  - {from: cells, to: cars}
"""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_reads_the_destinations_of_a_cut(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    chain = tmp_path / "battery.yaml"
    chain.write_text(BATTERY)
    losses = {}
    for dest in ("", ">all", ">home", ">PL", ">US"):
        code, out, _ = _run(["simulate", str(chain), "--cut", f"CN:anode{dest}",
                             "--months", "2", "--format", "json"], capsys)
        assert code == 0
        losses[dest] = json.loads(out)["summary"]["immediate_loss"]
    # to all (the default): Polish cell plants lose anode too; to the home or to PL: half
    assert losses == pytest.approx({"": 1.0, ">all": 1.0, ">home": 0.5, ">PL": 0.5,
                                    ">US": 0.0})


def test_score_leverage_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chain = tmp_path / "battery.yaml"
    chain.write_text(BATTERY)
    got = {}
    for dest in ("all", "home", "PL"):
        code, out, _ = _run(["score", str(chain), "--leverage", "--leverage-to", dest,
                             "--format", "json"], capsys)
        assert code == 0
        lev = {r["country"]: r for r in json.loads(out)["leverage"]}
        got[dest] = lev["CN"]["immediate"]
    assert got == pytest.approx({"all": 1.0, "home": 0.5, "PL": 0.5})
    code, _, err = _run(["score", str(chain), "--leverage", "--leverage-to", "cn"], capsys)
    assert code == 2 and "unknown destination 'cn'" in err
