"""The checks of a chain's restrictions in force (``baseline:``).

Each case starts from a valid chain and breaks one thing in its baseline; the problem
must name the file, the line, the restriction, the field, and the fix. Missing
sources and dates in the future are warnings, errors under ``--strict``; the command
line exits 0, 1 (invalid) as for any other problem.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from helpers import CHIPS_BASELINE_HEAD

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.io.collect import Collector
from riskmodel.restrictions import check_baseline
from riskmodel.scenario import Cut
from riskmodel.validation import read_checked

VALID = CHIPS_BASELINE_HEAD + """\
  - {id: nl_duv_2023, country: NL, nodes: [euv_lithography], since: 2023-09, source: bis_2022}
"""
US = "restriction 'us_advanced_computing_2022'"

# name, text replaced, replacement, severity, line, where, field, message, fix
CASES = [
    ("unknown_node", "nodes: [logic_chips]", "nodes: [logic_chip]", "error", 17, US, "nodes",
     "cut names unknown node 'logic_chip'", "did you mean `logic_chips`?"),
    ("unknown_country", "country: US\n", "country: JP\n", "error", 16, US, "country",
     "unknown country in cut", "use a country that appears in the suppliers"),
    ("bad_fraction", "fraction: 0.8", "fraction: 1.5", "error", 18, US, "fraction",
     "cut fraction out of range", "write the share withheld, e.g. 0.9"),
    ("bad_to", "to: [CN]", "to: [cn]", "error", 19, US, "to",
     "unknown destination 'cn'", "write `CN` (country codes are upper case)"),
    ("home_in_a_global_view", "to: [CN]", "to: home", "error", 19, US, "to",
     "`to: home` in a global view: the chain has no home",
     "name the destinations (e.g. `to: [DE]`), or give the chain a home "
     "(`perspective: {home: DE}`)"),
    ("duplicate_id", "id: nl_euv_2019", "id: us_advanced_computing_2022", "error", 24, US,
     "id", "restriction id 'us_advanced_computing_2022' is used twice", "rename one of them"),
    ("id_not_a_slug", "id: nl_euv_2019", "id: NL EUV", "error", 24, "restriction 'NL EUV'",
     "id", "restriction id is missing or not a slug",
     "add `id:` with lowercase letters, digits and _"),
    ("since_missing", "    since: 2022-10-07\n", "", "error", 14, US, "since",
     "a restriction in force needs the date it took effect",
     "add `since:` with the date the rule took effect"),
    ("since_with_slashes", "since: 2022-10-07", "since: 2022/10/7", "error", 20, US, "since",
     "`since` is not a date", "write `since: 2022-10-07`"),
    ("since_day_first", "since: 2022-10-07", "since: 7.10.2022", "error", 20, US, "since",
     "`since` is not a date", "write `since: 2022-10-07`"),
    ("since_no_such_day", "since: 2022-10-07", "since: 2022-02-30", "error", 20, US, "since",
     "`since` is not a date",
     "write the date the rule took effect as YYYY-MM-DD (or YYYY-MM, or YYYY)"),
    ("since_in_words", "since: 2022-10-07", "since: October 2022", "error", 20, US, "since",
     "`since` is not a date",
     "write the date the rule took effect as YYYY-MM-DD (or YYYY-MM, or YYYY)"),
    ("since_in_the_future", "since: 2022-10-07", "since: 2999-01", "warning", 20, US, "since",
     f"the restriction is dated in the future (2999-01; today is "
     f"{datetime.date.today().isoformat()}), but a restriction in force holds already",
     "correct the date, or write the announced rule as a scenario"),
    ("start", "    fraction: 0.8\n", "    fraction: 0.8\n    start: 3\n", "error", 19, US,
     "start", "a restriction in force has no start: it holds since `since`",
     "remove `start`; use a scenario for a future cut"),
    ("duration", "    fraction: 0.8\n", "    fraction: 0.8\n    duration: 12\n", "error", 19,
     US, "duration", "a restriction in force has no duration: it holds since `since`",
     "remove `duration`; use a scenario for a future cut"),
    ("months", "    fraction: 0.8\n", "    fraction: 0.8\n    months: 12\n", "error", 19, US,
     "months", "a restriction in force has no months: it holds since `since`",
     "remove `months`; use a scenario for a future cut"),
    ("source_missing", "    source: bis_2022\n    ref", "    ref", "warning", 14, US, "source",
     "a restriction in force has no source", "add `source:` (one of bis_2022) and `ref:`"),
    ("source_undeclared", "source: bis_2022\n    ref", "source: bis2022\n    ref", "error", 21,
     US, "source", "source 'bis2022' is not declared", "did you mean `bis_2022`?"),
    ("unknown_key", "    note:", "    notes:", "error", 23, US, None, "unknown key 'notes'",
     "did you mean `note`?"),
    ("ref_a_number", 'ref: "line 1178"', "ref: 1178", "error", 22, US, "ref",
     "`ref` must be text", 'quote it: `ref: "1178"`'),
    ("reaches_nothing", "nodes: [logic_chips]", "nodes: [phones]", "warning", 17, US, "nodes",
     "US supplies nothing of 'phones' (its suppliers: other 100%); the cut changes nothing",
     "remove 'phones' from the cut: only `other` producers make it, and no cut reaches them"),
    ("entry_not_a_mapping", "  - {id: nl_duv_2023, country: NL, nodes: [euv_lithography], "
     "since: 2023-09, source: bis_2022}", "  - nl_duv_2023", "error", 28, "restriction #3",
     None, "a restriction in force must be a mapping",
     "write `- {id: ..., country: XX, since: YYYY-MM-DD, source: ...}`"),
    ("not_a_list", "baseline:\n  - id: us", "baseline: {us: 1}\nx:\n  - id: us", "error", 13,
     "chain header", "baseline", "`baseline` must be a list",
     "write each restriction in force as a list item"),
]


def _write(tmp_path: Path, text: str, name: str = "chain.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_the_valid_chain_has_no_problem(tmp_path: Path) -> None:
    report = rm.validate(_write(tmp_path, VALID), strict=True)
    assert report.ok and report.all() == []


@pytest.mark.parametrize(("name", "old", "new", "severity", "line", "where", "field",
                          "message", "fix"), CASES, ids=[c[0] for c in CASES])
def test_one_broken_thing(tmp_path: Path, name: str, old: str, new: str, severity: str,
                          line: int, where: str, field: str | None, message: str,
                          fix: str) -> None:
    assert old in VALID
    path = _write(tmp_path, VALID.replace(old, new, 1))
    _, report = read_checked(path)
    if name == "not_a_list":  # the rest of the file became an unknown key `x`
        report.errors = [p for p in report.errors if p.field == "baseline"]
    (p,) = report.all()
    assert (p.severity, p.file, p.line, p.column) == (severity, str(path), line, 5
                                                     if name != "not_a_list" else 1)
    assert (p.where, p.field, p.message, p.fix) == (where, field, message, fix)


def test_strict_turns_the_warnings_into_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("    source: bis_2022\n    ref", "    ref", 1))
    assert rm.validate(path).warnings[0].message == "a restriction in force has no source"
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path, strict=True)
    assert [(p.severity, p.line, p.field) for p in e.value.problems] == [
        ("warning", 14, "source")]
    with pytest.raises(rm.ChainValidationError):
        rm.load(path, strict=True)
    assert rm.load(path).baseline[0].source is None  # loads, with the warning


def test_require_sources_asks_for_source_and_ref(tmp_path: Path) -> None:
    text = VALID.replace("    source: bis_2022\n    ref", "    ref", 1)
    _, report = read_checked(_write(tmp_path, text), require_sources=True)
    mine = [(p.severity, p.line, p.where, p.field, p.message) for p in report.all()
            if (p.where or "").startswith("restriction")]
    assert mine == [
        ("error", 14, US, "source", "a restriction in force has no source"),
        ("error", 23, "restriction 'nl_euv_2019'", "ref", "a restriction in force has no `ref`"),
        ("error", 27, "restriction 'nl_duv_2023'", "ref", "a restriction in force has no `ref`")]


def test_problems_in_a_bundle_name_its_chain_yaml(tmp_path: Path) -> None:
    bundle = rm.save(rm.load(_write(tmp_path, VALID)), tmp_path / "bundle")
    header = bundle / "chain.yaml"
    text = header.read_text(encoding="utf-8")
    header.write_text(text.replace("source: bis_2022\n  ref", "source: bis2022\n  ref", 1),
                      encoding="utf-8")
    _, report = read_checked(bundle)
    (p,) = report.all()
    line = text.splitlines().index("  source: bis_2022") + 1
    assert (p.file, p.line, p.field, p.fix) == (str(header), line, "source",
                                                "did you mean `bis_2022`?")


def test_problems_in_json_have_their_lines(tmp_path: Path) -> None:
    doc = rm.load(_write(tmp_path, VALID)).to_dict()
    doc["baseline"][1]["start"] = 2
    text = json.dumps(doc, indent=2)
    _, report = read_checked(_write(tmp_path, text, "c.json"))
    (p,) = report.all()
    assert p.line == text.splitlines().index('      "start": 2') + 1
    assert (p.where, p.field) == ("restriction 'nl_euv_2019'", "start")


def test_a_chain_in_python_is_checked_with_its_baseline() -> None:
    bike = rm.load("bicycle")
    bike.baseline = [rm.Restriction(Cut("JP", ("frames",)), "jp_frames", since="2999"),
                     rm.Restriction(Cut("XX"), "xx", since="2020", source="nowhere")]
    got = [(p.severity, p.where, p.field, p.message) for p in bike.check()]
    assert got == [
        ("warning", "restriction 'jp_frames'", "nodes", "JP supplies nothing of 'frames' "
         "(its suppliers: DE 40%, TW 40%, CN 20%); the cut changes nothing"),
        ("warning", "restriction 'jp_frames'", "since",
         f"the restriction is dated in the future (2999; today is "
         f"{datetime.date.today().isoformat()}), but a restriction in force holds already"),
        ("warning", "restriction 'jp_frames'", "source", "a restriction in force has no source"),
        ("error", "restriction 'xx'", "country", "unknown country in cut"),
        ("error", "restriction 'xx'", "source", "source 'nowhere' is not declared")]


def test_the_date_is_compared_with_the_day_given() -> None:
    c = Collector(None, None)
    entries = [{"id": f"r{i}", "country": "JP", "since": s, "source": "s"}
               for i, s in enumerate(["2025", "2025-06", "2025-06-30", "2025-07-01"])]
    out = check_baseline(c, entries, None, None, sources={"s": {}},
                         today=datetime.date(2025, 6, 30))
    assert [(p.where, p.field) for p in c.finish()] == [("restriction 'r3'", "since")]
    assert [e["since"] for e in out] == ["2025", "2025-06", "2025-06-30", "2025-07-01"]


def test_validate_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    good = _write(tmp_path, VALID, "good.yaml")
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.strip() == f"{good}: valid"
    bad = _write(tmp_path, VALID.replace("    fraction: 0.8\n",
                                         "    fraction: 0.8\n    start: 3\n"), "bad.yaml")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert (f"{bad}:19:5: error: {US}, field 'start': a restriction in force has no start: "
            "it holds since `since`; expected no `start`, `duration` or `months`, found 3. "
            "Fix: remove `start`; use a scenario for a future cut.") in err
    unsourced = _write(tmp_path, VALID.replace("    source: bis_2022\n    ref", "    ref", 1),
                       "unsourced.yaml")
    assert main(["validate", str(unsourced)]) == 0
    assert capsys.readouterr().out.startswith(f"{unsourced}: valid (1 warnings)\n"
                                              f"  {unsourced}:14:5: warning: {US}, field "
                                              "'source': a restriction in force has no source")
    assert main(["validate", "--strict", str(unsourced)]) == 1
    assert "a restriction in force has no source" in capsys.readouterr().err
