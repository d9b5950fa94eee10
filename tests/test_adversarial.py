"""A second adversarial pass: Python API misuse and closed or full standard streams.

The command-line cases of the same pass are in tests/data/hardening/adversarial/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel._errors import ArgumentError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bike() -> rm.Chain:
    return rm.load("bicycle")


def test_score_of_a_name_is_a_clear_type_error(bike: rm.Chain) -> None:
    with pytest.raises(TypeError, match=r"rm.score needs a Chain .*rm.load\('bicycle'\)"):
        rm.score("bicycle")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"rm\.simulate needs a Chain"):
        rm.simulate(None, "china_cut")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"rm\.cutsets needs a Chain"):
        rm.cutsets({"nodes": []})  # type: ignore[arg-type]


def test_simulate_takes_a_scenario_mapping_and_checks_it(bike: rm.Chain) -> None:
    res = rm.simulate(bike, {"cuts": [{"country": "JP"}], "months": 12})
    assert res.summary["immediate_loss"] == pytest.approx(0.7)
    with pytest.raises(ScenarioError, match="months"):
        rm.simulate(bike, {"id": "x", "months": "12", "cuts": [{"country": "JP"}]})
    with pytest.raises(ScenarioError, match="fraction"):
        rm.simulate(bike, {"cuts": [{"country": "JP", "fraction": float("nan")}]})


def test_simulate_list_of_text_is_a_clear_type_error(bike: rm.Chain) -> None:
    with pytest.raises(TypeError, match=r"riskmodel.Cut objects"):
        rm.simulate(bike, ["JP"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not int"):
        rm.simulate(bike, 123)  # type: ignore[arg-type]


def test_unnamed_cuts_are_not_called_scenario_scenario(bike: rm.Chain) -> None:
    with pytest.raises(ScenarioError) as e:
        rm.simulate(bike, [rm.Cut("ZZ")])
    assert "scenario 'scenario'" not in str(e.value)
    assert "the given cuts" in str(e.value)


@pytest.mark.parametrize("seed", [-1, "a", 1.5, True])
def test_bad_seed_is_an_argument_error(bike: rm.Chain, seed: object) -> None:
    with pytest.raises(ArgumentError, match="seed must be"):
        rm.monte_carlo(bike, "china_cut", draws=2, seed=seed)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="seed must be"):
        rm.score_uncertainty(bike, draws=2, seed=seed)  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), -0.1, 2, "0.5"])
def test_cutsets_threshold_out_of_range(bike: rm.Chain, threshold: object) -> None:
    with pytest.raises(ArgumentError, match="threshold must be"):
        rm.cutsets(bike, threshold=threshold)  # type: ignore[arg-type]


def test_coalition_of_one_text_is_not_its_letters(bike: rm.Chain) -> None:
    assert rm.coalition(bike, "JP") == pytest.approx(rm.coalition(bike, ["JP"]))
    assert rm.coalition(bike, "JP,CN") == pytest.approx(rm.coalition(bike, ["JP", "CN"]))


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RISKMODEL_NO_PROGRESS": "1"}
    return subprocess.run([sys.executable, "-m", "riskmodel", *argv], env=env, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]


@pytest.mark.slow
def test_closed_stdout_is_one_clear_error() -> None:
    r = _run(["score", "bicycle"], stderr=subprocess.PIPE,
             preexec_fn=lambda: os.close(1))
    assert r.returncode == 1
    assert "standard output" in r.stderr and "closed" in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_stdout_is_one_clear_error() -> None:
    with open("/dev/full", "w") as full:
        r = _run(["score", "bicycle"], stdout=full, stderr=subprocess.PIPE)
    assert r.returncode == 1
    assert "No space left" in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert "Exception ignored" not in r.stderr


@pytest.mark.slow
def test_closed_stderr_does_not_fail_a_run(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    r = _run(["score", "bicycle", "--format", "csv", "--out", str(out)],
             stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert r.returncode == 0
    assert out.read_text().startswith("node,")


# --- a third pass: small defects left by the second -----------------------------------

_GEARS = """\
schema: riskmodel/chain@1
name: gears
currency: USD bn
perspective: {home: CN}
groups:
  EU: {label: European Union, members: [DE, FR]}
nodes:
  - {id: steel, stage: upstream, suppliers: {CN: 0.8, EU: 0.2}}
  - {id: gears, stage: upstream, suppliers: {JP: 0.6, CN: 0.4}}
  - {id: robots, stage: midstream, suppliers: {CN: 0.7, DE: 0.3}}
  - {id: cars, stage: end_use, value: 10}
edges:
  - {from: steel, to: gears}
  - {from: gears, to: robots}
  - {from: robots, to: cars}
"""


def test_diff_reports_header_changes_first(tmp_path: Path) -> None:
    from riskmodel.diff import diff, render

    a = tmp_path / "a.yaml"
    a.write_text(_GEARS)
    b = tmp_path / "b.yaml"
    b.write_text(_GEARS.replace("perspective: {home: CN}", "perspective: global")
                 .replace("members: [DE, FR]", "members: [DE]")
                 .replace("name: gears", "name: gears2").replace("USD bn", "EUR bn")
                 .replace("  EU:", "  ASEAN: {label: ASEAN, members: [VN]}\n  EU:"))
    d = diff(rm.load(a), rm.load(b))
    rows = {r.field: (r.status, r.old, r.new) for r in d.header.itertuples()}
    assert rows == {
        "name": ("changed", "gears", "gears2"),
        "currency": ("changed", "USD bn", "EUR bn"),
        "perspective": ("changed", {"home": "CN"}, "global"),
        "groups.ASEAN": ("added", None, {"label": "ASEAN", "members": ["VN"]}),
        "groups.EU": ("changed", {"label": "European Union", "members": ["DE", "FR"]},
                      {"label": "European Union", "members": ["DE"]}),
    }
    assert d.perspective_changed and not d.empty
    assert d.values.empty and not d.nodes_added  # only the header changed ...
    assert d.ranking["rank_move"].abs().sum() > 0  # ... yet the ranking moved
    text = render(d)
    assert text.index("Header changed (5)") < text.index("Choke ranking moves")
    assert "- perspective: home CN -> global" in text
    assert "- groups.EU: members DE, FR; label European Union -> members DE;" in text
    assert "partly come from that change" in text
    md = render(d, "md")
    assert md.index("## Header changed (5)") < md.index("## Choke ranking moves")
    assert "**Note:** The perspective changed" in md
    import json

    data = json.loads(render(d, "json"))
    assert list(data)[:5] == ["old", "new", "settings", "header", "notes"]
    assert data["header"][2] == {"field": "perspective", "status": "changed",
                                 "old": {"home": "CN"}, "new": "global"}
    assert "partly come from that change" in data["notes"][0]
    # removing a group, or changing the stages, is reported too
    c = tmp_path / "c.yaml"
    c.write_text(_GEARS.replace("  EU: {label: European Union, members: [DE, FR]}\n", "")
                 .replace("EU: 0.2", "KR: 0.2")
                 .replace("currency", "stages: [upstream, midstream, end_use]\ncurrency"))
    d = diff(rm.load(a), rm.load(c), scores=False)
    assert [(r.field, r.status) for r in d.header.itertuples()] == [
        ("stages", "changed"), ("groups.EU", "removed")]
    assert not d.perspective_changed
    assert "- groups.EU: members DE, FR; label European Union -> (none)" in render(d)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32",
                                      "utf-32-le", "utf-32-be"])
def test_utf16_file_is_named_as_such_not_binary(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "wide.yaml"
    p.write_bytes(_GEARS.encode(encoding))
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(p)
    text = str(e.value)
    assert "the file is UTF-16 (or UTF-32); save it as UTF-8" in text
    assert "binary" not in text


def test_binary_file_is_still_binary(tmp_path: Path) -> None:
    p = tmp_path / "bin.yaml"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(rm.ChainValidationError, match="file is binary"):
        rm.load(p)


def test_utf16_file_on_the_command_line(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    p = tmp_path / "wide.yaml"
    p.write_bytes(_GEARS.encode("utf-16"))  # what Windows editors write as "Unicode"
    assert main(["validate", str(p)]) == 1
    err = capsys.readouterr().err
    assert "the file is UTF-16 (or UTF-32); save it as UTF-8" in err and "binary" not in err


def test_repeated_key_points_at_the_repeat(tmp_path: Path) -> None:
    p = tmp_path / "dup.yaml"
    p.write_text(_GEARS.replace("name: gears\n", "name: gears\ncurrency: EUR\n"))
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(p)
    (prob,) = e.value.problems
    assert (prob.line, prob.column) == (4, 1)  # the second `currency:`, not the first
    assert "key 'currency' appears twice in the same mapping (first on line 3)" in prob.message
    j = tmp_path / "dup.json"
    j.write_text('{"schema": "riskmodel/chain@1",\n "name": "t",\n'
                 ' "nodes": [{"id": "a", "stage": "end_use", "stage": "end_use"}],\n'
                 ' "name": "u"}\n')
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(j)
    places = {(p.line, p.column, p.message) for p in e.value.problems}
    assert (4, 2, "key 'name' appears twice in the same object (first on line 2)") in places
    assert (3, 44, "key 'stage' appears twice in the same object (first at column 24 of "
                   "this line)") in places


def test_explain_takes_a_chain_and_refuses_other_things(bike: rm.Chain) -> None:
    from riskmodel._errors import NodeNotFoundError

    text = rm.explain(bike, "drivetrain")
    assert text == rm.explain(rm.score(bike), "drivetrain")
    assert text.startswith("drivetrain ranks 1st of 13")
    assert "on average over 12 months" in rm.explain(bike, "drivetrain", horizon=12)
    with pytest.raises(NodeNotFoundError, match="no node 'drivetrian' in chain 'bicycle'; "
                                                "did you mean 'drivetrain'"):
        rm.explain(bike, "drivetrian")
    with pytest.raises(TypeError, match=r"rm\.explain needs the table from rm\.score\(chain\), "
                                        r"or the Chain itself, not str; load it first"):
        rm.explain("bicycle", "drivetrain")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not NoneType"):
        rm.explain(None, "drivetrain")  # type: ignore[arg-type]
    import pandas as pd

    with pytest.raises(TypeError, match=r"a DataFrame without the columns of rm\.score's table"):
        rm.explain(pd.DataFrame({"rank": [1]}, index=["drivetrain"]), "drivetrain")
