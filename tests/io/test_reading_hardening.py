"""Reading hostile or unusual input: bounded reads, unreadable files, YAML 1.2 scalars,
long CSV cells, combined views by path, text that cannot be written out.

The broken files themselves are in ``tests/data/invalid/`` and the cases that need
the file system set up at run time in ``tests/data/hardening/read/``; these tests
cover what needs Python around it (monkeypatched reads, round trips).
"""

from __future__ import annotations

import csv
import errno
import json
import os
from importlib import resources
from pathlib import Path

import pytest
import yaml
from helpers import write_text

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.io import files as io_files
from riskmodel.io import read_document
from riskmodel.io import yaml as io_yaml
from riskmodel.scenario import read_scenarios

TINY = """\
schema: riskmodel/chain@1
name: tiny
nodes:
  - {id: gears, stage: upstream, suppliers: {JP: 0.6, CN: 0.4}}
  - {id: cars, stage: end_use, value: 10}
edges:
  - {from: gears, to: cars}
"""


# ---------------------------------------------------------------------------
# unreadable files
# ---------------------------------------------------------------------------

def _deny_open(monkeypatch: pytest.MonkeyPatch, target: Path, err: OSError) -> None:
    real = os.open

    def fake(path: object, flags: int, *a: object, **kw: object) -> int:
        if Path(os.fsdecode(path)).resolve() == target.resolve():  # type: ignore[arg-type]
            raise err
        return real(path, flags, *a, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(os, "open", fake)


def test_permission_denied_is_a_located_problem(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    p = write_text(tmp_path, "locked.yaml", TINY)
    _deny_open(monkeypatch, p, PermissionError(errno.EACCES, "Permission denied"))
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(p)
    (prob,) = e.value.problems
    assert prob.file == str(p)
    assert prob.message == "cannot be read (Permission denied)"
    assert "chmod u+r" in prob.fix


def test_io_error_while_reading_is_a_located_problem(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    p = write_text(tmp_path, "bad_disk.yaml", TINY)

    class Broken:
        def __init__(self, fd: int, *a: object, **kw: object):
            self.fd = fd

        def __enter__(self) -> Broken:
            return self

        def __exit__(self, *a: object) -> None:
            os.close(self.fd)

        def fileno(self) -> int:
            return self.fd

        def read(self, n: int = -1) -> bytes:
            raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "fdopen", Broken)
    with pytest.raises(rm.ChainValidationError) as e:
        read_document(p)
    (prob,) = e.value.problems
    assert (prob.file, prob.message) == (str(p), "cannot be read (Input/output error)")
    assert "restore the file" in prob.fix


def test_multi_file_validate_reports_the_unreadable_file_and_carries_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    a, locked, b = (write_text(tmp_path, n, TINY) for n in ("a.yaml", "locked.yaml", "b.yaml"))
    _deny_open(monkeypatch, locked, PermissionError(errno.EACCES, "Permission denied"))
    assert main(["validate", str(a), str(locked), str(b)]) == 1
    out, err = capsys.readouterr()
    assert f"{a}: valid" in out and f"{b}: valid" in out
    assert f"{locked}: invalid, 1 problem" in err
    assert f"{locked}: error: cannot be read (Permission denied)" in err
    assert "Traceback" not in err


def test_a_file_that_lies_about_its_size_is_cut_off(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The size cap holds while reading, not only at stat time (a growing file)."""
    p = write_text(tmp_path, "grows.yaml", TINY + "#" * 500 + "\n")
    monkeypatch.setattr(io_files, "MAX_FILE_BYTES", 200)
    real_fstat = os.fstat

    def small(fd: int) -> os.stat_result:
        st = list(real_fstat(fd))
        st[6] = 10  # st_size: the file claims to be tiny
        return os.stat_result(st)
    monkeypatch.setattr(os, "fstat", small)
    monkeypatch.setattr(os, "stat", lambda path, *a, **kw: os.stat_result(
        [*list(os.lstat(path))[:6], 10, *list(os.lstat(path))[7:]]))
    with pytest.raises(rm.ChainValidationError) as e:
        read_document(p)
    assert "larger than the 200 allowed" in e.value.problems[0].message


# ---------------------------------------------------------------------------
# YAML 1.2 core schema
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("010", 10), ("0o17", 15), ("0x1F", 31), ("-3", -3), ("+4", 4), ("6e-1", 0.6),
    ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), (".inf", float("inf")),
    ("-.Inf", float("-inf")), ("true", True), ("False", False), ("~", None), ("null", None),
    ("1:30", "1:30"), ("1_0", "1_0"), ("yes", "yes"), ("no", "no"), ("on", "on"),
    ("off", "off"), ("y", "y"), ("0b101", "0b101"), ("2024-01-01", "2024-01-01"),
    ("'7'", "7"), ('"1.5"', "1.5"),
])
def test_yaml_scalars_follow_the_core_schema(tmp_path: Path, text: str, value: object) -> None:
    doc = read_document(write_text(tmp_path, "s.yaml", f"x: {text}\n"))
    got = doc.data["x"]
    assert got == value and type(got) is type(value)


def test_unquoted_yaml_11_numbers_are_text_with_an_accurate_fix(tmp_path: Path) -> None:
    p = write_text(tmp_path, "c.yaml", TINY.replace("value: 10", "value: 1:30").replace(
        "stage: upstream,", "stage: upstream, substitutability: '0.3', inventory_months: 6e-1,"))
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(p)
    fixes = {pr.field: pr.fix for pr in e.value.problems}
    assert set(fixes) == {"value", "substitutability"}  # 6e-1 reads as the number 0.6
    assert "remove the quotes" not in fixes["value"] and "base 60" in fixes["value"]
    assert fixes["substitutability"] == "remove the quotes: write a plain number"


def _yaml11(text: str) -> object:
    """PyYAML's YAML 1.1 reading, with mapping keys as written (as riskmodel keeps
    them: the supplier key `NO` is Norway, not false)."""
    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        return {k.value: loader.construct_object(v, deep=True) for k, v in node.value}
    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    return yaml.load(text, Loader=Loader)


def test_builtin_chains_read_as_plain_yaml_would() -> None:
    """The YAML 1.2 reading changes nothing in the built-in chains."""
    root = resources.files("riskmodel").joinpath("chains")
    files = [p for p in root.iterdir() if p.name.endswith(".yaml")]
    assert len(files) >= 4
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert read_document(str(f)).data == _yaml11(text), f.name


def test_yaml_value_limit_scales_with_the_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(io_yaml, "MAX_VALUES", 50)
    many = "x: [" + ", ".join(["1"] * 300) + "]\n"
    assert len(read_document(write_text(tmp_path, "m.yaml", many)).data["x"]) == 300
    # JSON has no aliases: no count limit at all, only the file size
    assert len(read_document(write_text(tmp_path, "m.json", json.dumps({"x": [1] * 300}))
                             ).data["x"]) == 300


def test_a_yaml_alias_bomb_stays_small(tmp_path: Path) -> None:
    lines = ["a0: [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    lines[0] = "a0: &a0 [x, x, x, x, x, x, x, x, x]"
    with pytest.raises(rm.ChainValidationError):  # a mapping, not a chain: still invalid
        rm.validate(write_text(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))


# ---------------------------------------------------------------------------
# bundles
# ---------------------------------------------------------------------------

def test_a_long_cell_survives_a_bundle_round_trip(tmp_path: Path) -> None:
    chain = rm.load("bicycle")
    node = next(iter(chain.graph.nodes))
    long_note = "n" * 200_000
    chain.graph.nodes[node]["note"] = long_note
    before = csv.field_size_limit()
    for target in ("b.yaml", "b.json", "b_bundle"):
        rm.save(chain, tmp_path / target)
        back = rm.load(tmp_path / target)
        assert back.graph.nodes[node]["note"] == long_note, target
        assert back.to_dict() == chain.to_dict()
    assert csv.field_size_limit() == before  # the process-wide limit is left as it was


def test_bundle_without_edges_or_suppliers_warns(tmp_path: Path) -> None:
    rm.save(rm.load(write_text(tmp_path, "tiny.yaml", TINY)), tmp_path / "b")
    assert rm.validate(tmp_path / "b").warnings == []
    (tmp_path / "b" / "edges.csv").unlink()
    rep = rm.validate(tmp_path / "b")
    (w,) = [p for p in rep.warnings if p.code == "bundle-missing"]
    assert w.file == str(tmp_path / "b" / "edges.csv") and "add edges.csv" in w.fix
    with pytest.raises(rm.ChainValidationError):
        rm.validate(tmp_path / "b", strict=True)
    (tmp_path / "b" / "suppliers.csv").unlink()
    rep = rm.validate(tmp_path / "b")
    assert {p.file.rsplit(os.sep, 1)[1] for p in rep.warnings if p.code == "bundle-missing"} \
        == {"edges.csv", "suppliers.csv"}


def test_bundle_member_symlink_is_refused_without_reading_it(tmp_path: Path) -> None:
    rm.save(rm.load("bicycle"), tmp_path / "b")
    secret = write_text(tmp_path, "secret.csv", "id,stage\nTOP_SECRET_VALUE,end_use\n")
    (tmp_path / "b" / "nodes.csv").unlink()
    (tmp_path / "b" / "nodes.csv").symlink_to(secret)
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(tmp_path / "b")
    assert "is a symbolic link" in str(e.value)
    assert "TOP_SECRET_VALUE" not in str(e.value)


# ---------------------------------------------------------------------------
# texts that cannot be written out, control characters
# ---------------------------------------------------------------------------

def test_lone_surrogates_are_refused_wherever_they_are(tmp_path: Path) -> None:
    text = TINY.replace("name: tiny", 'name: tiny\ntitle: "T\\ud800"\n'
                        'sources: {"s\\udfff": {title: x}}').replace(
        "{id: cars, stage: end_use, value: 10}",
        '{id: cars, stage: end_use, value: 10, note: "\\udc80"}')
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(write_text(tmp_path, "s.yaml", text))
    enc = [p for p in e.value.problems if p.code == "encoding"]
    assert sorted(p.line for p in enc) == [3, 4, 7]
    assert all("UTF-8" in p.message for p in enc)


def test_lone_surrogate_in_a_scenario_file(tmp_path: Path) -> None:
    p = write_text(tmp_path, "sc.json",
               '[{"id": "s", "title": "\\ud800", "cuts": [{"country": "JP"}]}]')
    with pytest.raises(rm.ScenarioError) as e:
        read_scenarios(p)
    assert "lone UTF-16 surrogate" in str(e.value)


def test_control_characters_in_free_text_warn(tmp_path: Path) -> None:
    text = TINY.replace("{id: cars, stage: end_use, value: 10}",
                        '{id: cars, stage: end_use, value: 10, label: "Cars \\e[31m"}')
    rep = rm.validate(write_text(tmp_path, "c.yaml", text))
    (w,) = [p for p in rep.warnings if p.code == "control"]
    assert (w.line, w.field) == (5, "label")


def test_control_characters_in_a_bundle_cell_warn(tmp_path: Path) -> None:
    rm.save(rm.load(write_text(tmp_path, "tiny.yaml", TINY)), tmp_path / "b")
    nodes = tmp_path / "b" / "nodes.csv"
    text = nodes.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    if "label" not in header:
        text = [text[0] + ",label"] + [row + "," for row in text[1:]]
        header.append("label")
    text[2] = text[2][: text[2].rindex(",") + 1] + "Cars \x1b[2J"
    nodes.write_text("\n".join(text) + "\n", encoding="utf-8")
    rep = rm.validate(tmp_path / "b")
    (w,) = [p for p in rep.warnings if p.code == "control"]
    assert (w.file, w.line, w.field, w.found) == (str(nodes), 3, "label", "'\\x1b'")


@pytest.mark.parametrize("name", ["EU\\n", "E\\eU"])
def test_control_characters_in_group_names_are_refused(tmp_path: Path, name: str) -> None:
    text = TINY.replace("nodes:", f'groups: {{"{name}": {{members: [DE]}}}}\nnodes:')
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(write_text(tmp_path, "g.yaml", text))
    assert any("a group name must be upper case" in p.message for p in e.value.problems)


def test_chain_name_with_a_trailing_line_break_is_refused(tmp_path: Path) -> None:
    with pytest.raises(rm.ChainValidationError) as e:
        rm.validate(write_text(tmp_path, "n.yaml", TINY.replace("name: tiny", 'name: "tiny\\n"')))
    assert any("not a slug" in p.message for p in e.value.problems)


# ---------------------------------------------------------------------------
# semantic limits
# ---------------------------------------------------------------------------

def test_a_group_listed_with_its_member_warns(tmp_path: Path) -> None:
    text = TINY.replace("nodes:", "groups: {EU: {members: [DE, FR]}}\nnodes:").replace(
        "{JP: 0.6, CN: 0.4}", "{EU: 0.3, DE: 0.2, JP: 0.5}")
    rep = rm.validate(write_text(tmp_path, "o.yaml", text))
    (w,) = [p for p in rep.warnings if p.code == "group-overlap"]
    assert "group 'EU' is listed with its own member DE" in w.message


def test_big_but_summable_values_are_accepted(tmp_path: Path) -> None:
    rm.validate(write_text(tmp_path, "v.yaml", TINY.replace("value: 10", "value: 1.0e300")))


# ---------------------------------------------------------------------------
# the combined view by path
# ---------------------------------------------------------------------------

def test_combined_view_file_validates_and_loads_by_path() -> None:
    path = str(resources.files("riskmodel").joinpath("chains", "combined.yaml"))
    by_path = rm.validate(path, require_sources=True)
    by_name = rm.validate("combined", require_sources=True)
    assert by_path.ok and len(by_path.all()) == len(by_name.all())
    assert rm.load(path).to_dict() == rm.load("combined").to_dict()


@pytest.mark.parametrize("text", ["0E0", "1e5", ".5", "010", "0o17", "0x1F", "1:30", "1_0",
                                  "yes", "off", "~", "Null", "-.inf", ".NaN", "true"])
def test_text_that_looks_like_a_number_is_saved_quoted(tmp_path, text) -> None:
    # the writer quotes what either a YAML 1.1 or a YAML 1.2 reader takes for a number,
    # boolean or null (found by the round-trip property: a note of "0E0" came back "0.0")
    bike = rm.load("bicycle")
    bike.graph.nodes["frames"]["note"] = text
    bike.graph.nodes["frames"]["label"] = text
    rm.save(bike, tmp_path / "b.yaml")
    back = rm.load(tmp_path / "b.yaml").graph.nodes["frames"]
    assert (back["note"], back["label"]) == (text, text)
