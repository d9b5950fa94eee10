"""The report groups its scenarios by plausibility (a column, most plausible first, with
one line explaining each level present), lists the cuts that withhold nothing, and says
"worst month after the cut" where it said "peak".

Hand chain: ``d`` (end use, value 1) needs ``a`` (JP 60%, KR 40%). Scenarios in file
order: ``jp`` (JP stops: an unlabelled knockout, so a stress test; loss 0.6), ``both``
(JP and KR stop: unlabelled; loss 1), ``kr`` (KR stops, announced; loss 0.4) and
``de`` (DE cuts ``a``, which only JP and KR make: withholds nothing).
"""

from __future__ import annotations

import json

import pytest
from helpers import write_text

import riskmodel as rm

CHAIN = """\
schema: riskmodel/chain@1
name: levels
perspective: {home: US}
sources:
  rule: {title: A rule, year: 2026}
nodes:
  - {id: a, stage: upstream, suppliers: {JP: 0.6, KR: 0.4}}
  - {id: b, stage: upstream, suppliers: {DE: 1.0}}
  - {id: d, stage: end_use, value: 1}
edges:
  - {from: a, to: d}
  - {from: b, to: d, essential: false}
scenarios:
  - {id: jp, cuts: [{country: JP}]}
  - {id: both, cuts: [{country: JP}, {country: KR}]}
  - {id: kr, plausibility: announced, source: rule, ref: "p. 2", cuts: [{country: KR}]}
  - {id: de, plausibility: hypothetical, cuts: [{country: DE, nodes: [a]}]}
"""


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    folder = tmp_path_factory.mktemp("levels")
    chain = write_text(folder, "levels.yaml", CHAIN)
    return rm.report(chain, folder / "report", formats=("json", "md"), mc=5)


@pytest.fixture(scope="module")
def section(paths) -> dict:
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    return next(s for s in doc["sections"] if s["id"] == "scenarios")


def _rows(section) -> list[dict]:
    table = section["tables"]["scenarios"]
    return table if isinstance(table, list) else table["rows"]


def test_scenarios_are_ordered_and_labelled_by_plausibility(section) -> None:
    rows = _rows(section)
    assert [(r["scenario"], r["plausibility"]) for r in rows] == [
        ("kr", "announced"), ("de", "hypothetical"), ("both", "unlabelled"),
        ("jp", "stress test")]
    loss = {r["scenario"]: r["immediate_loss"] for r in rows}
    assert loss == pytest.approx({"kr": 0.4, "de": 0.0, "both": 1.0, "jp": 0.6})


def test_each_level_present_is_explained_in_one_line(section) -> None:
    (note,) = [p for p in section["paragraphs"] if "grouped by plausibility" in p]
    assert "Announced (1): decided or announced by a government, not yet in force." in note
    assert "Hypothetical (1): a possible policy that no government has announced." in note
    assert "Unlabelled (1): the chain does not say how plausible it is." in note
    assert ("Stress test (1): a knockout that measures exposure, not a forecast; an "
            "unlabelled single-country knockout counts as one.") in note
    assert "In force" not in note  # only the levels present
    assert note.endswith("The choke scores and the country leverage above come from "
                         "single-country knockouts, so they are stress tests too.")
    assert note.index("Announced") < note.index("Hypothetical") < note.index("Stress")


def test_a_cut_that_withholds_nothing_is_listed(section) -> None:
    (w,) = [b for b in section["bullets"] if b.startswith("Warning")]
    assert w == ("Warning — de: DE supplies nothing of 'a' (its suppliers: JP 60%, KR 40%); "
                 "the cut changes nothing. Fix: cut one of its suppliers (JP, KR), or remove "
                 "'a' from the cut.")


def test_markdown_heads_the_columns_without_peak(paths) -> None:
    md = paths["md"].read_text(encoding="utf-8")
    assert "| scenario | plausibility | immediate | worst month after the cut |" in md
    assert "| peak |" not in md and "peak loss" not in md
    assert "'worst month after the cut' is the largest monthly loss as played" in md
