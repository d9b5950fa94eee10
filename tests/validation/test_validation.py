"""Validation: each test starts from the valid fixture and breaks one thing.

Every problem is checked for what a user reads: the message, the place (file, line),
the node or edge, the field, what was expected, what was found, and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
import yaml
from helpers import VALID_YAML

import riskmodel as rm


def _line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` that contains ``needle``."""
    hits = [i for i, t in enumerate(text.splitlines(), 1) if needle in t]
    assert hits, f"{needle!r} is not in the text"
    return hits[0]


def _break(old: str, new: str, text: str = VALID_YAML) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once in the fixture"
    return text.replace(old, new)


def _errors(path: Path, **kw) -> list[rm.Problem]:
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path, **kw)
    return e.value.problems


def test_fixture_is_valid(write) -> None:
    rep = rm.validate(write(VALID_YAML), strict=True)
    assert rep.ok and rep.errors == rep.warnings == rep.info == []


# ---------------------------------------------------------------------------
# one broken thing, one problem: message, place, subject, expected, found, fix
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    old: str
    new: str
    message: str
    line_at: str  # text on the problem's line (in the broken file)
    where: str | None
    field: str | None
    expected: str | None
    found: str | None
    fix: str


CASES = [
    Case("unknown_stage", "stage: midstream", "stage: midstrem", "unknown stage",
         "stage: midstrem", "node 'robots'", "stage",
         "one of upstream, midstream, downstream, end_use", "'midstrem'",
         "did you mean `midstream`?"),
    Case("missing_stage", "  - id: robots\n    stage: midstream\n", "  - id: robots\n",
         "node has no stage", "- id: robots", "node 'robots'", "stage",
         "one of upstream, midstream, downstream, end_use", "nothing",
         "add `stage: upstream` (or another stage)"),
    Case("missing_name", "name: tiny\n", "", "the chain has no name", "schema:",
         "chain header", "name", "a slug like `industrial_robots`", "nothing",
         "add `name: my_chain`"),
    Case("name_not_slug", "name: tiny", "name: Tiny Chain", "the chain name is not a slug",
         "name: Tiny Chain", "chain header", "name", "lowercase letters, digits, _",
         "'Tiny Chain'", "write `name: tiny_chain`"),
    Case("wrong_schema", "schema: riskmodel/chain@1", "schema: riskmodel/chain@9",
         "unknown format identifier", "schema:", "chain header", "schema",
         "riskmodel/chain@1", "'riskmodel/chain@9'", "write `schema: riskmodel/chain@1`"),
    Case("share_out_of_range", "substitutability: 0.3", "substitutability: 1.3",
         "value out of range", "substitutability: 1.3", "node 'gears'", "substitutability",
         "a number in [0, 1]", "1.3", "give a value in range"),
    Case("percent_as_number", "substitutability: 0.3", "substitutability: 30",
         "value out of range", "substitutability: 30", "node 'gears'", "substitutability",
         "a number in [0, 1]", "30.0",
         "if it is a percentage, write it as a fraction (30.0 → 0.3)"),
    Case("number_as_text", "substitutability: 0.3", 'substitutability: "high"',
         "not a number", "substitutability:", "node 'gears'", "substitutability",
         "a number", "the text 'high'", "remove the quotes: write a plain number"),
    Case("percent_text", "      CN: 0.3\n", '      CN: "30%"\n', "not a number", 'CN: "30%"',
         "node 'gears', supplier 'CN'", "share", "a number", "the text '30%'",
         "write the percentage as a fraction (30% → 0.3)"),
    Case("negative_lead_time", "lead_time_months: 18", "lead_time_months: -1",
         "value out of range", "lead_time_months: -1", "node 'gears'", "lead_time_months",
         "a number ≥ 0", "-1.0", "give a value in range"),
    Case("subsidy_out_of_range", "    stage: midstream\n",
         "    stage: midstream\n    subsidy_intensity: 2.0\n", "value out of range",
         "subsidy_intensity", "node 'robots'", "subsidy_intensity", "a number in [0, 1]",
         "2.0", "if it is a percentage, write it as a fraction (2.0 → 0.02)"),
    Case("infinite", "inventory_months: 3", "inventory_months: .inf",
         "not a finite number", "inventory_months", "node 'gears'", "inventory_months",
         "a finite number", "inf", "write a finite number"),
    Case("suppliers_not_mapping", "suppliers: {CN: 1.0}", "suppliers: [CN, 1.0]",
         "`suppliers` must be a mapping of country to share", "suppliers: [CN",
         "node 'alloy'", "suppliers", "{JP: 0.6, CN: 0.3}", "the list ['CN', 1.0]",
         "write suppliers as `{CC: share, ...}`"),
    Case("country_lowercase", "{CN: 0.9, KR: 0.1}", "{CN: 0.9, kr: 0.1}",
         "unknown country code 'kr'", "kr: 0.1", "node 'steel', supplier 'kr'", "country",
         "an ISO 3166-1 alpha-2 code, a declared group, or `other`", "'kr'",
         "write `KR` (country codes are upper case)"),
    Case("country_unknown", "{CN: 0.9, KR: 0.1}", "{CN: 0.9, XX: 0.1}",
         "unknown country code 'XX'", "XX: 0.1", "node 'steel', supplier 'XX'", "country",
         "an ISO 3166-1 alpha-2 code, a declared group, or `other`", "'XX'",
         "use an ISO 3166-1 alpha-2 code or declare a group under `groups:`"),
    Case("shares_over_one", "{JP: 0.5, DE: 0.2, CN: 0.3}", "{JP: 0.7, DE: 0.2, CN: 0.3}",
         "supplier shares sum to more than 1", "{JP: 0.7", "node 'motors'", "suppliers",
         "a total ≤ 1 (± 0.02)", "1.2", "correct the shares; the rest is 'other'"),
    Case("node_id_not_text", "    value: 5\n", "    value: 5\n  - {id: 5, stage: upstream}\n",
         "node id must be text", "{id: 5", "node #8", "id", "a slug like `reduction_gears`",
         "the number 5", "write the id as lowercase letters, digits and underscores"),
    Case("node_id_not_slug", "    value: 5\n",
         "    value: 5\n  - {id: Spare Part, stage: upstream}\n", "node id is not a slug",
         "{id: Spare Part", "node 'Spare Part'", "id", "lowercase letters, digits and _",
         "'Spare Part'", "write `spare_part`"),
    Case("node_without_id", "    value: 5\n", "    value: 5\n  - {stage: upstream}\n",
         "node has no id", "{stage: upstream}", "node #8", "id",
         "a slug like `reduction_gears`", "nothing", "add `id:`"),
    Case("node_not_mapping", "    value: 5\n", "    value: 5\n  - spare\n",
         "a node must be a mapping", "- spare", "node #8", None,
         "a mapping with `id` and `stage`", "the text 'spare'",
         "write the node as `- {id: ..., stage: ...}`"),
    Case("edge_unknown_node", "{from: motors, to: robots", "{from: motrs, to: robots",
         "edge refers to unknown node 'motrs'", "from: motrs", "edge 'motrs' -> 'robots'",
         "from", "the id of a node in this chain", "'motrs'", "did you mean `motors`?"),
    Case("edge_without_from", "{from: motors, to: robots", "{to: robots",
         "edge has no `from`", "{to: robots, share: 0.2}", "edge '?' -> 'robots'", "from",
         "a node id", "nothing", "add `from:`"),
    Case("self_loop", "  - {from: robots, to: cars, share: 0.4}\n",
         "  - {from: robots, to: cars, share: 0.4}\n  - {from: cars, to: cars}\n",
         "edge goes from a node to itself", "{from: cars, to: cars}", "edge 'cars' -> 'cars'",
         "to", "two different nodes", "'cars'", "remove the edge"),
    Case("duplicate_edge", "  - {from: robots, to: cars, share: 0.4}\n",
         "  - {from: robots, to: cars, share: 0.4}\n  - {from: robots, to: cars}\n",
         "the same edge is given twice", "{from: robots, to: cars}",
         "edge 'robots' -> 'cars'", "to", "each edge once", "a second copy",
         "remove one copy"),
    Case("input_shares_over_one", "{from: gears, to: robots, share: 0.3}",
         "{from: gears, to: robots, share: 0.9}", "input shares of 'robots' sum to more than 1",
         "{from: gears, to: robots, share: 0.9}", "node 'robots'", "share",
         "a total ≤ 1 (± 0.02)", "1.1", "correct the input cost shares"),
    Case("group_single", "{from: steel, to: robots, group: metal}",
         "{from: steel, to: robots}", "alternatives group 'metal' has one member",
         "{from: alloy", "edge 'alloy' -> 'robots'", "group",
         "two or more alternatives in a group", "one",
         "add the other alternatives to the group, or remove `group`"),
    Case("essential_not_bool", "essential: false", "essential: maybe",
         "`essential` must be true or false", "essential: maybe", "edge 'robots' -> 'phones'",
         "essential", "true or false", "the text 'maybe'", "write true or false"),
    Case("low_above_value", "{value: 0.6, low: 0.5,", "{value: 0.6, low: 0.65,",
         "the range does not hold the value", "JP: {value: 0.6",
         "node 'gears', supplier 'JP'", "share", "low ≤ value ≤ high",
         "low 0.65, value 0.6, high 0.7", "correct low, value or high"),
    Case("value_above_high", "high: 0.7, source", "high: 0.55, source",
         "the range does not hold the value", "JP: {value: 0.6",
         "node 'gears', supplier 'JP'", "share", "low ≤ value ≤ high",
         "low 0.5, value 0.6, high 0.55", "correct low, value or high"),
    Case("sourced_without_value", "{value: 0.6, low: 0.5,", "{low: 0.5,",
         "a sourced value needs `value`", "JP: {low", "node 'gears', supplier 'JP'", "share",
         "{value: ..., source: ..., ref: ...}", "no `value` key",
         "add `value:` with the number"),
    Case("bad_dist", 'note: "quoted"}', 'note: "quoted", dist: normal}',
         "unknown distribution", "dist: normal", "node 'gears', supplier 'JP'", "share.dist",
         "triangular or uniform", "'normal'", "use `triangular` or `uniform`"),
    Case("undeclared_source", "source: src", "source: scr", "source 'scr' is not declared",
         "source: scr", "node 'gears', supplier 'JP'", "share.source",
         "an id declared under `sources:` (src)", "'scr'", "did you mean `src`?"),
    Case("unknown_node_key", "substitutability: 0.3", "substituability: 0.3",
         "unknown key 'substituability'", "substituability", "node 'gears'", None,
         "one of id, label, stage, description, note, suppliers, world_suppliers, value, "
         "substitutability, lead_time_months, inventory_months, capital, rd_intensity, "
         "subsidy_intensity, profit_margin",
         "'substituability'", "did you mean `substitutability`?"),
    Case("unknown_edge_key", "covers: 0.5", "cover: 0.5", "unknown key 'cover'", "cover: 0.5",
         "edge 'alloy' -> 'robots'", None,
         "one of from, to, share, essential, group, covers, note", "'cover'",
         "did you mean `covers`?"),
    Case("unknown_header_key", "currency: USD bn", "curency: USD bn", "unknown key 'curency'",
         "curency", "chain header", None,
         "one of schema, name, title, description, perspective, currency, stages, groups, "
         "sources, provenance, nodes, edges, scenarios, baseline, targets", "'curency'",
         "did you mean `currency`?"),
    Case("source_without_title", "src: {title: A test source, year: 2025}",
         "src: {year: 2025}", "a source needs a title", "src: {year", "source 'src'", "title",
         "text", "nothing", "add `title: ...`"),
    Case("source_year", "year: 2025}", "year: 25}", "a source year must be a year",
         "year: 25", "source 'src'", "year", "a whole number in [1900, 2100]", "25",
         "write the publication year, e.g. 2025"),
    Case("bad_perspective", "perspective: {home: CN}", "perspective: china",
         "unknown perspective", "perspective: china", "chain header", "perspective",
         "`global` or `{home: CC}`", "'china'",
         "write `perspective: global` or `perspective: {home: CN}`"),
    Case("unknown_home", "perspective: {home: CN}", "perspective: {home: ZZ}",
         "unknown home country", "perspective:", "chain header", "perspective",
         "an ISO 3166-1 alpha-2 code", "'ZZ'", "use e.g. `{home: CN}`"),
    Case("stages_repeated", "currency: USD bn\n",
         "currency: USD bn\nstages: [upstream, upstream, end_use]\n",
         "`stages` must be a list of distinct stage names", "stages:", "chain header",
         "stages", "e.g. [upstream, midstream, downstream, end_use]",
         "the list ['upstream', 'upstream', 'end_use']",
         "list each stage once, in order; the last holds the end uses"),
    Case("scenario_unknown_country", "country: JP, nodes", "country: XX, nodes",
         "unknown country in cut", "country: XX", "scenario 'japan', cut #1", "country",
         "a country that supplies this chain (CN, DE, JP, KR)", "'XX'",
         "use a country that appears in the suppliers"),
    Case("scenario_unknown_node", "nodes: [gears]", "nodes: [gaers]",
         "cut names unknown node 'gaers'", "nodes: [gaers]", "scenario 'japan', cut #1",
         "nodes", "a node id of the chain", "'gaers'", "did you mean `gears`?"),
    Case("scenario_fraction", "duration: 12}", "duration: 12, fraction: 1.5}",
         "cut fraction out of range", "fraction: 1.5", "scenario 'japan', cut #1", "fraction",
         "a number in [0, 1]", "1.5", "write the share withheld, e.g. 0.9"),
    Case("scenario_duration", "duration: 12}", "duration: 2.5}",
         "cut duration must be whole months", "duration: 2.5", "scenario 'japan', cut #1",
         "duration", "a whole number in [0, 600], or omitted for permanent", "2.5",
         "write e.g. `duration: 12`"),
    Case("scenario_months", "  - id: japan\n", "  - id: japan\n    months: 0\n",
         "`months` must be a whole number of months", "months: 0", "scenario 'japan'",
         "months", "a whole number in [1, 600]", "0", "write e.g. `months: 24`"),
    Case("scenario_without_cuts", "    cuts: [{country: JP, nodes: [gears], duration: 12}]\n",
         "", "a scenario needs a non-empty list of cuts", "- id: japan", "scenario 'japan'",
         "cuts", "[{country: JP, nodes: [...]}]", "nothing", "add `cuts: [{country: XX}]`"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_broken_thing(write, case: Case) -> None:
    text = _break(case.old, case.new)
    path = write(text)
    (p,) = _errors(path)
    assert p.severity == "error"
    assert p.message == case.message
    assert p.file == str(path)
    assert p.line == _line_of(text, case.line_at)
    assert p.column is not None and p.column >= 1
    assert (p.where, p.field) == (case.where, case.field)
    assert (p.expected, p.found) == (case.expected, case.found)
    assert p.fix == case.fix


def test_rendered_problem_reads_as_one_line(write) -> None:
    text = _break("stage: midstream", "stage: midstrem")
    path = write(text)
    (p,) = _errors(path)
    line = _line_of(text, "stage: midstrem")
    assert str(p) == (
        f"{path}:{line}:5: error: node 'robots', field 'stage': unknown stage; expected one "
        "of upstream, midstream, downstream, end_use, found 'midstrem'. Fix: did you mean "
        "`midstream`?")


def test_no_end_use(write) -> None:
    text = VALID_YAML.replace("stage: end_use", "stage: downstream")
    path = write(text)
    (p,) = _errors(path)
    assert p.message == "no node is at the end-use stage 'end_use'"
    assert (p.file, p.line, p.where) == (str(path), _line_of(text, "nodes:"), "chain")
    assert (p.expected, p.found) == ("at least one node with `stage: end_use`", "none")
    assert p.fix == "add the products the chain serves with `stage: end_use`"


def test_empty_chain(write) -> None:
    text = VALID_YAML.split("nodes:")[0] + "nodes: []\n"
    (p,) = _errors(write(text))
    assert (p.message, p.field, p.line) == ("the chain has no nodes", "nodes",
                                            _line_of(text, "nodes: []"))
    assert p.fix == "add nodes: `nodes: [{id: ..., stage: ...}]`"


def test_group_name_not_a_slug_flags_every_member(write) -> None:
    text = _break("group: metal}\n  - {from: alloy, to: robots, group: metal,",
                  "group: Metal}\n  - {from: alloy, to: robots, group: Metal,")
    problems = _errors(write(text))
    assert [(p.message, p.where, p.field, p.found, p.fix, p.line) for p in problems] == [
        ("group name is not a slug", f"edge '{u}' -> 'robots'", "group", "'Metal'",
         "write `metal`", _line_of(text, f"{{from: {u}")) for u in ("steel", "alloy")]


def test_group_mixing_essential_flags_every_member(write) -> None:
    text = _break("covers: 0.5}", "covers: 0.5, essential: false}")
    problems = _errors(write(text))
    assert [(p.where, p.found, p.line) for p in problems] == [
        ("edge 'steel' -> 'robots'", "true", _line_of(text, "{from: steel")),
        ("edge 'alloy' -> 'robots'", "false", _line_of(text, "{from: alloy")),
    ]
    assert {p.message for p in problems} == {
        "alternatives in one group mix essential and non-essential inputs"}
    assert {p.fix for p in problems} == {"make every member of the group essential, or none"}


def test_every_problem_is_listed_at_once(write) -> None:
    text = VALID_YAML
    for old, new in [("stage: midstream", "stage: midstrem"),
                     ("substitutability: 0.3", "substitutability: 1.3"),
                     ("{from: motors, to: robots", "{from: motrs, to: robots"),
                     ("source: src", "source: scr"),
                     ("country: JP, nodes", "country: XX, nodes")]:
        text = _break(old, new, text)
    problems = _errors(write(text))
    assert [p.message for p in problems] == [
        "unknown stage", "value out of range", "source 'scr' is not declared",
        "edge refers to unknown node 'motrs'", "unknown country in cut"]
    lines = [p.line for p in problems]
    assert lines == [_line_of(text, t) for t in (
        "midstrem", "substitutability: 1.3", "source: scr", "motrs", "country: XX")]


def test_duplicate_id_is_one_problem_not_a_cascade(write) -> None:
    # the duplicate's suppliers would otherwise be "listed twice" and "sum to more than 1"
    text = _break("    value: 5\n",
                  "    value: 5\n  - {id: steel, stage: upstream, suppliers: {CN: 1.0}}\n")
    (p,) = _errors(write(text))
    assert p.message == "node id 'steel' is used twice"
    assert (p.where, p.field, p.line) == ("node 'steel'", "id", _line_of(text, "{id: steel"))
    assert p.found == f"also at node #3 (line {_line_of(text, '- id: steel')})"
    assert p.fix == "rename one of them or merge the two nodes"


def test_node_id_of_wrong_type_is_reported_once(write) -> None:
    text = _break("    value: 5\n", "    value: 5\n  - {id: [spare], stage: upstream}\n")
    (p,) = _errors(write(text))
    assert (p.message, p.found) == ("node id must be text", "the list ['spare']")


def test_json_file_gets_lines_too(write) -> None:
    doc = yaml.safe_load(VALID_YAML)
    doc["nodes"][4]["stage"] = "midstrem"
    text = json.dumps(doc, indent=2)
    (p,) = _errors(write(text, "c.json"))
    assert p.message == "unknown stage" and p.fix == "did you mean `midstream`?"
    line = _line_of(text, '"midstrem"')
    assert p.line == line and p.column == text.splitlines()[line - 1].index('"stage"') + 1


# ---------------------------------------------------------------------------
# values the YAML reader refuses (the fixture with one value replaced)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("new", "message", "fix"),
    [
        ("!!python/object/apply:os.system [echo]",
         "YAML tag !!python/object/apply:os.system is not allowed",
         "remove the tag: chain files hold plain data only"),
        ("!!int x", "the value 'x' is not a valid !!int",
         "write a plain number or text, without a tag"),
        ("!!bool maybe", "the value 'maybe' is not a valid !!bool",
         "write a plain number or text, without a tag"),
        ("!!timestamp soon", "the value 'soon' is not a valid !!timestamp",
         "write a plain number or text, without a tag"),
        ("1" + "0" * 5000, "the number '" + "1" + "0" * 38 + "…' has too many digits to read",
         "write a number of ordinary size"),
        ("!custom 0.3", "YAML tag !custom cannot be loaded (could not determine a constructor "
                        "for the tag '!custom')",
         "remove the tag: chain files hold plain data only"),
    ],
)
def test_yaml_values_that_cannot_be_read(write, new: str, message: str, fix: str) -> None:
    text = _break("substitutability: 0.3", f"substitutability: {new}")
    path = write(text)
    (p,) = _errors(path)
    assert (p.message, p.fix, p.file) == (message, fix, str(path))
    assert (p.line, p.column) == (_line_of(text, "substitutability:"), 23)


def test_huge_integer_is_not_finite(write) -> None:
    text = _break("substitutability: 0.3", "substitutability: 1" + "0" * 400)
    (p,) = _errors(write(text))
    assert (p.message, p.field, p.expected) == (
        "not a finite number", "substitutability", "a finite number")
    assert p.found.startswith("10000") and p.found.endswith("…")


def test_yaml_syntax_error_names_where_the_construct_began(write) -> None:
    text = _break("{from: gears, to: robots, share: 0.3}", "{from: gears, to: robots, share: 0.3")
    (p,) = _errors(write(text))
    start = _line_of(text, "{from: gears")
    assert p.message == ("YAML syntax error: expected ',' or '}', but got '{' (while parsing "
                         f"a flow mapping that starts at line {start})")
    assert p.line == start + 1


# ---------------------------------------------------------------------------
# warnings, information, strict
# ---------------------------------------------------------------------------

def test_undeclared_rest_is_a_warning_and_strict_makes_it_an_error(write) -> None:
    text = _break("      other: 0.1\n", "")
    path = write(text)
    rep = rm.validate(path)
    assert rep.ok and rep.errors == [] and rep.info == []
    (w,) = rep.warnings
    assert w.severity == "warning"
    assert w.message == ("supplier shares sum to 0.9 with no `other` declared; the remaining "
                         "0.1 is treated as other producers")
    assert (w.where, w.field, w.line) == ("node 'gears'", "suppliers",
                                          _line_of(text, "suppliers:"))
    assert w.fix == "declare the rest as `other: 0.1` or complete the shares"
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path, strict=True)
    assert e.value.problems == [w] and e.value.warnings == []
    with pytest.raises(rm.ChainValidationError):
        rm.load(path, strict=True)
    assert len(rm.load(path)) == 7


def test_node_reaching_no_end_use_is_a_warning(write) -> None:
    text = _break("    value: 5\n", "    value: 5\n  - {id: spare, stage: upstream}\n")
    path = write(text)
    (w,) = rm.validate(path).warnings
    assert (w.message, w.where, w.line) == ("node reaches no end use", "node 'spare'",
                                            _line_of(text, "spare"))
    assert w.fix == "add an edge from it towards a `end_use` node, or remove it"
    with pytest.raises(rm.ChainValidationError, match="node reaches no end use"):
        rm.validate(path, strict=True)


def test_errors_carry_the_warnings_separately(write) -> None:
    text = _break("      other: 0.1\n", "")
    text = _break("stage: midstream", "stage: midstrem", text)
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(write(text))
    assert [p.message for p in e.value.problems] == ["unknown stage"]
    assert [p.code for p in e.value.warnings] == ["share-rest"]
    assert "1 chain problem found:" in str(e.value)


def test_cycles_are_information_not_errors(write) -> None:
    text = _break("  - {from: robots, to: cars, share: 0.4}\n",
                  "  - {from: robots, to: cars, share: 0.4}\n  - {from: robots, to: motors}\n")
    rep = rm.validate(write(text), strict=True)
    assert rep.ok and rep.errors == [] and rep.warnings == []
    (i,) = rep.info
    assert i.severity == "info" and i.code == "cycle"
    assert i.message == ("cycle through motors, robots; availability is the greatest fixed "
                         "point (allowed)")


# ---------------------------------------------------------------------------
# require_sources
# ---------------------------------------------------------------------------

SOURCED_YAML = """\
schema: riskmodel/chain@1
name: sourced
sources:
  jst2025: {title: JST report, year: 2025}
nodes:
  - id: gears
    stage: upstream
    suppliers:
      JP: {value: 0.6, source: jst2025, ref: "line 1329", note: "quoted"}
      CN: {value: 0.4, low: 0.2, high: 0.4, estimate: true, note: "rationale"}
    substitutability: {value: 0.3, low: 0.2, high: 0.5, estimate: true, note: "why"}
  - id: robots
    stage: end_use
    value: {value: 12, source: jst2025, ref: "line 7"}
edges:
  - {from: gears, to: robots, share: {value: 0.3, source: jst2025, ref: "table 2"}}
"""


def test_require_sources_accepts_sourced_and_estimated_values(write) -> None:
    path = write(SOURCED_YAML)
    assert rm.validate(path, require_sources=True, strict=True).ok


def test_require_sources_rejects_a_bare_number(write) -> None:
    text = _break('substitutability: {value: 0.3, low: 0.2, high: 0.5, estimate: true, '
                  'note: "why"}', "substitutability: 0.3", SOURCED_YAML)
    path = write(text)
    assert rm.validate(path).ok  # a bare number is fine unless sources are required
    (p,) = _errors(path, require_sources=True)
    assert p.message == "value has no source and is not marked as an estimate"
    assert (p.where, p.field, p.found) == ("node 'gears'", "substitutability", "a bare value")
    assert p.expected == ("{value, source, ref, note} or {value, estimate: true, low, high, "
                          "note}")
    assert p.fix == "cite the source line, or mark it `estimate: true` with a rationale"
    assert p.line == _line_of(text, "substitutability: 0.3")


@pytest.mark.parametrize(
    ("old", "new", "message", "where", "found", "line_at"),
    [
        ('ref: "line 1329", ', "", "value has no source and is not marked as an estimate",
         "node 'gears', supplier 'JP'", "no `ref`", "JP:"),
        ("low: 0.2, high: 0.4, ", "", "an estimate needs a rationale and a range",
         "node 'gears', supplier 'CN'", "some missing", "CN:"),
        ('share: {value: 0.3, source: jst2025, ref: "table 2"}', "share: 0.3",
         "value has no source and is not marked as an estimate", "edge 'gears' -> 'robots'",
         "a bare value", "{from: gears"),
    ],
)
def test_require_sources_names_the_value(write, old: str, new: str, message: str, where: str,
                                         found: str, line_at: str) -> None:
    text = _break(old, new, SOURCED_YAML)
    (p,) = _errors(write(text), require_sources=True)
    assert (p.message, p.where, p.field, p.found) == (message, where, "share", found)
    assert p.line == _line_of(text, line_at)


def test_require_sources_on_the_fixture_lists_every_bare_number(write) -> None:
    problems = _errors(write(VALID_YAML), require_sources=True)
    assert {p.code for p in problems} == {"provenance"}
    assert ("node 'gears', supplier 'CN'", _line_of(VALID_YAML, "CN: 0.3")) in {
        (p.where, p.line) for p in problems}
    # the JP share is sourced: it is not among them
    assert "node 'gears', supplier 'JP'" not in {p.where for p in problems}


# ---------------------------------------------------------------------------
# in-memory chains, CSV bundles, and the combined view
# ---------------------------------------------------------------------------

def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("ore", stage="upstream", suppliers={"AU": 0.7, "BR": 0.3})
    g.add_node("steel", stage="midstream", substitutability=0.2)
    g.add_node("cars", stage="end_use", value=10.0)
    g.add_edge("ore", "steel")
    g.add_edge("steel", "cars", share=0.3)
    return g


def test_in_memory_chain_is_valid() -> None:
    assert rm.validate(rm.Chain(_graph(), name="steel"), strict=True).ok


def test_in_memory_chain_problems_have_no_file_position() -> None:
    g = _graph()
    g.nodes["steel"]["substitutability"] = 1.3
    g.nodes["ore"]["suppliers"] = {"AU": 0.7, "XX": 0.3}
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(rm.Chain(g, name="steel"))
    probs = {p.message: p for p in e.value.problems}
    assert set(probs) == {"value out of range", "unknown country code 'XX'"}
    for p in probs.values():
        assert (p.file, p.line, p.column) == (None, None, None)
        assert "None" not in str(p) and "error: node '" in str(p)
    assert probs["value out of range"].where == "node 'steel'"
    assert probs["unknown country code 'XX'"].where == "node 'ore', supplier 'XX'"


def test_in_memory_chain_cycle_is_information() -> None:
    g = _graph()
    g.add_edge("steel", "ore")
    (i,) = rm.validate(rm.Chain(g, name="steel"), strict=True).info
    assert i.message.startswith("cycle through ore, steel;") and i.line is None


def test_combined_view_is_valid() -> None:
    rep = rm.validate("combined", strict=True)
    assert rep.ok and rep.errors == [] and rep.warnings == []
    assert all(p.severity == "info" for p in rep.info)


@pytest.fixture
def bundle(tmp_path: Path, write) -> Path:
    return rm.save(rm.load(write(VALID_YAML)), tmp_path / "bundle")


def _edit_csv(path: Path, old: str, new: str) -> list[str]:
    text = path.read_text()
    assert text.count(old) == 1, (old, text)
    text = text.replace(old, new)
    path.write_text(text)
    return text.splitlines()


def test_bundle_bad_cell_names_file_row_column_and_subject(bundle: Path) -> None:
    f = bundle / "suppliers.csv"
    lines = _edit_csv(f, "steel,KR,0.1", "steel,KR,10%")
    (p,) = _errors(bundle)
    assert (p.file, p.line) == (str(f), _line_of("\n".join(lines), "steel,KR"))
    assert p.column == lines[0].split(",").index("share") + 1
    assert (p.message, p.where, p.field) == ("not a number", "node 'steel', supplier 'KR'",
                                             "share")
    assert p.fix == "write the percentage as a fraction (10% → 0.1)"


def test_bundle_blank_required_cell(bundle: Path) -> None:
    f = bundle / "suppliers.csv"
    lines = _edit_csv(f, "steel,KR,0.1", "steel,,0.1")
    (p,) = _errors(bundle)
    assert (p.message, p.where, p.field, p.found) == (
        "supplier row has no country", "node 'steel'", "country", "nothing")
    assert (p.file, p.line, p.column) == (str(f), _line_of("\n".join(lines), "steel,,"), 2)


def test_bundle_missing_column_is_reported_once(bundle: Path) -> None:
    f = bundle / "suppliers.csv"
    text = f.read_text().splitlines()
    cols = text[0].split(",")
    keep = [i for i, c in enumerate(cols) if c != "share"]
    f.write_text("\n".join(",".join(r.split(",")[i] for i in keep) for r in text) + "\n")
    problems = _errors(bundle)
    assert [(p.message, p.file, p.line) for p in problems if p.severity == "error"] == [
        ("missing required column 'share'", str(f), 1)]


def test_bundle_unknown_stage_and_unknown_column(bundle: Path) -> None:
    f = bundle / "nodes.csv"
    _edit_csv(f, "substitutability", "substituability")
    lines = _edit_csv(f, "robots,midstream,", "robots,midstrem,")
    header = lines[0].split(",")
    problems = _errors(bundle)
    assert [(p.file, p.message, p.line, p.column, p.fix) for p in problems] == [
        (str(f), "unknown column 'substituability'", 1, header.index("substituability") + 1,
         "did you mean `substitutability`?"),
        (str(f), "unknown stage", _line_of("\n".join(lines), "robots"),
         header.index("stage") + 1, "did you mean `midstream`?"),
    ]


def test_bundle_lines_count_blank_lines_and_quoted_line_breaks(bundle: Path) -> None:
    f = bundle / "nodes.csv"
    text = ("id,stage,label\n\ngears,upstream,\"two\nlines\"\nmotors,upstream,\n"
            "steel,upstream,\n\nalloy,upstream,\nrobots,midstrem,\ncars,end_use,\n"
            "phones,end_use,\n")
    f.write_text(text)
    (p,) = _errors(bundle)
    assert (p.message, p.where) == ("unknown stage", "node 'robots'")
    assert (p.file, p.line, p.column) == (str(f), 9, 2)


@pytest.mark.parametrize(
    ("row", "message"),
    [("cars,phones,0.1,,true\n", "row has 5 fields, but the header has 6"),
     ("cars,phones,0.1,,true,,\n", "row has 7 fields, but the header has 6")],
)
def test_bundle_ragged_rows(bundle: Path, row: str, message: str) -> None:
    f = bundle / "edges.csv"
    text = f.read_text()
    header = text.splitlines()[0].split(",")
    assert len(header) == 6, header
    lines = text.splitlines(keepends=True)
    lines.insert(1, row)  # the first data row: pandas would take an extra field as index
    f.write_text("".join(lines))
    (p,) = _errors(bundle)
    assert (p.file, p.line) == (str(f), 2)
    assert p.message == message
    assert p.fix == ("make every row have as many fields as the header; quote a cell that "
                     "holds a comma")


def test_bundle_repeated_column(bundle: Path) -> None:
    f = bundle / "edges.csv"
    lines = f.read_text().splitlines()
    lines = [r + "," + r.split(",")[0] for r in lines]
    f.write_text("\n".join(lines) + "\n")
    (p,) = _errors(bundle)
    assert p.message == "CSV header repeats column 'from' (columns 1 and 7)"
    assert (p.line, p.column) == (1, 7)


def test_bundle_unclosed_quote(bundle: Path) -> None:
    f = bundle / "nodes.csv"
    lines = f.read_text().splitlines()
    lines[2] = '"' + lines[2]
    f.write_text("\n".join(lines) + "\n")
    (p,) = _errors(bundle)
    assert p.message == "CSV syntax error: unexpected end of data"
    assert p.file == str(f)
