"""A cut whose country neither supplies nor controls any share of the node it names
withholds nothing: the warning names the node's suppliers and controllers, the same from
Python (`Result.problems`: an attribute, not a Python warning), `riskmodel simulate`
(stderr, once) and `riskmodel validate` (file and line); and the `simulate --help`
example withholds something.

Hand chain: ``d`` (end use, value 10) needs ``a`` (TW 80%, controlled by US; KR 20%)
and ``b`` (JP 100%). A US cut of ``a`` withholds the 80% it controls; a JP cut of ``a``
and a US cut of ``b`` withhold nothing.
"""

from __future__ import annotations

import re

import pytest
from helpers import chain_of, write_text

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.scenario import Cut

CHAIN = """\
schema: riskmodel/chain@1
name: held
perspective: {home: CN}
nodes:
  - {id: a, stage: upstream, suppliers: {TW: {share: 0.8, controlled_by: [US]}, KR: 0.2}}
  - {id: b, stage: upstream, suppliers: {JP: 1.0}}
  - {id: d, stage: end_use, value: 10}
edges:
  - {from: a, to: d}
  - {from: b, to: d}
scenarios:
  - id: nothing
    cuts: [{country: JP, nodes: [a]}]
"""


def _held() -> rm.Chain:
    return chain_of({"a": {"stage": "upstream", "suppliers": {"TW": 0.8, "KR": 0.2},
                           "controlled_by": {"TW": ("US",)}},
                     "b": {"stage": "upstream", "suppliers": {"JP": 1.0}},
                     "d": {"stage": "end_use", "value": 10.0}},
                    [("a", "d", {}), ("b", "d", {})])


def test_a_controller_withholds_what_it_controls_without_warning() -> None:
    res = rm.simulate(_held(), [Cut("US", nodes=("a",))], months=2)
    assert res.problems == []
    assert res.summary["immediate_loss"] == pytest.approx(0.8)


def test_a_cut_of_neither_supplier_nor_controller_names_both() -> None:
    res = rm.simulate(_held(), [Cut("JP", nodes=("a",))], months=2)
    (w,) = res.problems
    assert w.message == ("JP supplies nothing of 'a' (its suppliers: TW 80%, KR 20%; TW "
                         "controlled by US); the cut changes nothing")
    assert w.fix == "cut one of its suppliers (TW, KR, US), or remove 'a' from the cut"
    assert res.summary["immediate_loss"] == 0.0 and res.summary["peak_loss"] == 0.0


def test_the_api_returns_warnings_as_data_not_python_warnings() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a Python warning would raise here
        res = rm.simulate(_held(), [Cut("US", nodes=("b",))], months=2)
    assert [p.code for p in res.problems] == ["cuts-nothing"]


def test_cli_prints_the_warning_once_to_stderr(capsys) -> None:
    assert main(["simulate", "semiconductors", "--cut", "US:euv_lithography@0.9",
                 "--months", "3"]) == 0
    cap = capsys.readouterr()
    assert cap.err.count("US supplies nothing of 'euv_lithography' (its suppliers: NL "
                         "100%); the cut changes nothing") == 1
    assert cap.err.startswith("riskmodel: 1 warning:")
    assert "Fix: cut one of its suppliers (NL)" in cap.err
    assert "immediate 0.0%" in cap.out and "warning" not in cap.out


def test_validate_places_the_warning_in_the_file(tmp_path) -> None:
    path = write_text(tmp_path, "held.yaml", CHAIN)
    (w,) = rm.validate(path).warnings
    line = next(i for i, x in enumerate(CHAIN.splitlines(), 1) if "nodes: [a]" in x)
    assert (w.file, w.line, w.code) == (str(path), line, "cuts-nothing")
    assert "TW controlled by US" in w.message
    assert main(["validate", str(path), "--strict"]) == 1


def test_the_help_example_withholds_something(capsys) -> None:
    assert main(["simulate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    chain, cut = re.search(r"e\.g\. JP or '([^']+)' on (\w+)", text).group(2, 1)
    assert "euv_lithography" not in cut
    res = rm.simulate(rm.load(chain), [rm.scenario.parse_cut(cut)])
    assert res.problems == []
    # on top of the chain's restrictions in force it costs over a tenth of end-use
    # value, at once and in its worst month
    assert res.summary["immediate_loss"] > 0.1 and res.summary["peak_loss"] > 0.1
