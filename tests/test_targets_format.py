"""Named targets in the file format: YAML, JSON and bundle round trips, the JSON Schema,
the checks of ``riskmodel validate`` (file, line, fix), and rm.diff."""

from __future__ import annotations

import json

import pytest
from helpers import write_text
from test_targets import FAB_YAML

import riskmodel as rm
from riskmodel.diff import diff
from riskmodel.schema import json_schema


def _line_of(text: str, needle: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)


@pytest.mark.parametrize("name", ["out.yaml", "out.json", "out_bundle"])
def test_load_save_keeps_the_targets(tmp_path, name: str) -> None:
    chain = rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))
    path = rm.save(chain, tmp_path / name)
    back = rm.load(path)
    assert back.targets == {"logic_capacity": ["fab"], "chip_supply": ["fab", "imports"]}
    assert back.to_dict() == chain.to_dict()
    if name == "out_bundle":
        assert "targets:" in (path / "chain.yaml").read_text(encoding="utf-8")


def test_the_json_schema_accepts_targets_and_refuses_empty_ones(tmp_path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    chain = rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))
    doc = json.loads(json.dumps(chain.to_dict()))
    jsonschema.validate(doc, json_schema())
    for bad in ({"x": []}, {"Bad Name": ["fab"]}, {"x": "fab"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**doc, "targets": bad}, json_schema())
    assert "Named targets" in json_schema()["properties"]["targets"]["description"]


CASES = [
    ("unknown node", "  logic_capacity: [fab]", "  logic_capacity: [fba]",
     "unknown node 'fba'", "did you mean `fab`?"),
    ("empty", "  logic_capacity: [fab]", "  logic_capacity: []",
     "the target names no node", "list at least one node id, e.g. `logic_capacity: [tool]`"),
    ("name is a node", "  logic_capacity: [fab]", "  imports: [fab]",
     "the target name is also a node id", "rename the target, e.g. `imports_target`"),
    ("not a list", "  logic_capacity: [fab]", "  logic_capacity: fab",
     "a target must be a list of node ids", "write `logic_capacity: [fab]`"),
    ("not a slug", "  logic_capacity: [fab]", "  Logic Capacity: [fab]",
     "a target name must be a slug", "rename it"),
]


@pytest.mark.parametrize(("case", "old", "new", "message", "fix"), CASES,
                         ids=[c[0] for c in CASES])
def test_validate_names_the_file_line_and_fix(tmp_path, case: str, old: str, new: str,
                                             message: str, fix: str) -> None:
    text = FAB_YAML.replace(old, new)
    path = write_text(tmp_path, "fab.yaml", text)
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(path)
    [p] = [p for p in e.value.problems if p.field == "targets"]
    assert p.message == message
    assert p.fix.startswith(fix)
    assert p.file == str(path)
    assert p.line == _line_of(text, new.strip())
    assert p.where.startswith("target '")


def test_targets_must_be_a_mapping(tmp_path) -> None:
    text = FAB_YAML.replace("targets:\n  logic_capacity: [fab]\n  chip_supply: [fab, imports]",
                            "targets: [fab]")
    path = write_text(tmp_path, "fab.yaml", text)
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(path)
    [p] = e.value.problems
    assert p.message == "`targets` must be a mapping of names to node lists"
    assert p.line == _line_of(text, "targets:")


def test_a_repeated_node_is_a_warning(tmp_path) -> None:
    path = write_text(tmp_path, "fab.yaml",
                      FAB_YAML.replace("[fab, imports]", "[fab, imports, fab]"))
    rep = rm.validate(path)
    assert [w.message for w in rep.warnings] == ["node 'fab' is listed twice"]
    assert rm.load(path).targets["chip_supply"] == ["fab", "imports"]  # counted once


def test_a_bundle_header_is_checked_too(tmp_path) -> None:
    chain = rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))
    folder = rm.save(chain, tmp_path / "b")
    head = (folder / "chain.yaml").read_text(encoding="utf-8")
    (folder / "chain.yaml").write_text(head.replace("- imports", "- importz"),
                                       encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(folder)
    [p] = e.value.problems
    assert p.message == "unknown node 'importz'" and p.fix == "did you mean `imports`?"
    assert p.file.endswith("chain.yaml") and p.line is not None


def test_a_chain_built_in_python_is_checked(tmp_path) -> None:
    chain = rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))
    chain.targets = {"logic_capacity": ["nope"]}
    assert [(p.where, p.message) for p in chain.check()] == [
        ("target 'logic_capacity'", "unknown node 'nope'")]


def test_diff_reports_target_changes(tmp_path) -> None:
    old = rm.load(write_text(tmp_path, "fab.yaml", FAB_YAML))
    new = old.copy()
    new.targets = {"logic_capacity": ["fab", "tool"]}
    d = diff(old, new, scores=False)
    rows = [(r.field, r.status, r.old, r.new) for r in d.header.itertuples()]
    assert rows == [("targets.chip_supply", "removed", ["fab", "imports"], None),
                    ("targets.logic_capacity", "changed", ["fab"], ["fab", "tool"])]


def test_a_combined_view_keeps_its_chains_targets(tmp_path) -> None:
    """Each member chain's target is the view's ``<chain>_<target>``, over its qualified
    node ids, and measures the same loss there."""
    write_text(tmp_path, "fab.yaml", FAB_YAML)
    view = write_text(tmp_path, "view.yaml", f"""\
schema: riskmodel/combined@1
name: view
chains: [{tmp_path / 'fab.yaml'}]
""")
    chain = rm.load(view)
    assert chain.targets == {"fab_chain_logic_capacity": ["fab_chain.fab"],
                             "fab_chain_chip_supply": ["fab_chain.fab", "fab_chain.imports"]}
    res = rm.simulate(chain, [rm.Cut("NL")], months=1, target="fab_chain_logic_capacity")
    assert float(res.summary["immediate_loss"]) == pytest.approx(1.0)
