"""Fuzzing the loaders: whatever a file holds, only ChainValidationError escapes.

Random structures (as YAML and as JSON), random bytes, random CSV bundles and
mutations of the valid fixture go through :func:`riskmodel.load` and
:func:`riskmodel.validate`. Each may return or raise
:class:`~riskmodel.ChainValidationError`; any other exception fails the test. Every
error raised must list at least one problem, and every problem must name its file
and render as text.

The example counts keep the file under a minute; set ``RISKMODEL_FUZZ_SCALE=20`` to
multiply them for a deeper run.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import VALID_YAML
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel import schema

_K = int(os.environ.get("RISKMODEL_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=60 * _K, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def check_survives(path: Path) -> list[rm.Problem]:
    """Load and validate ``path``; only ChainValidationError may escape.

    Returns the problems reported (empty when the file is valid).
    """
    problems: list[rm.Problem] = []
    for run in (rm.load, rm.validate):
        try:
            run(path)
        except rm.ChainValidationError as e:
            assert e.problems, "an error must list at least one problem"
            text = str(e)
            for p in e.problems:
                assert p.severity in ("error", "warning"), p
                assert p.file, f"problem without a file: {p}"
                assert p.message and str(p) in text
                if p.line is not None:
                    assert p.line >= 1 and (p.column is None or p.column >= 1), p
            problems = e.problems
    return problems


# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------

_scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
_keys = st.text(max_size=10) | st.sampled_from(
    [a.name for a in schema.attributes()] + ["value", "low", "high", "source", "ref"])
_json_like = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=25,
)
#: values an author might plausibly (or implausibly) write in a field
_garbage = (_json_like | st.sampled_from(
    ["", "28%", "high", "end_use", "upstream", "JP", "jp", "XX", "other", "gears", "robots",
     "src", "nan", ".inf", -1, 0, 1, 1.5, 2.0, 600, 601, True, [], {}, [None], {"value": "x"},
     {"value": 0.5, "low": 0.9}, {"home": "CN"}, {"home": 3}, {"CN": 2}]))

_BASE = yaml.safe_load(VALID_YAML)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in ``data`` (containers included)."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.extend(_paths(v, (*prefix, i)))
    return out


@st.composite
def broken_chains(draw: st.DrawFn) -> Any:
    """The valid fixture with one to four fields replaced, deleted or added."""
    doc = copy.deepcopy(_BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, (dict, list)):
            continue
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        key = path[-1]
        if action == "replace":
            parent[key] = copy.deepcopy(draw(_garbage))
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(_keys)] = copy.deepcopy(draw(_garbage))
        else:
            parent.insert(key, copy.deepcopy(draw(_garbage)))
    return doc


def _dump(data: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# ---------------------------------------------------------------------------
# (a) random structures, as YAML and as JSON
# ---------------------------------------------------------------------------

@FUZZ
@given(data=_json_like, fmt=st.sampled_from(["yaml", "json"]))
def test_random_structures(tmp_path: Path, data: Any, fmt: str) -> None:
    p = tmp_path / f"chain.{fmt}"
    p.write_text(_dump(data, fmt), encoding="utf-8")
    problems = check_survives(p)
    # a random structure is never a chain: it has no name or no nodes
    assert problems


@pytest.mark.slow
@settings(FUZZ, max_examples=200 * _K)
@given(data=broken_chains(), fmt=st.sampled_from(["yaml", "json"]))
def test_chain_shaped_garbage(tmp_path: Path, data: Any, fmt: str) -> None:
    p = tmp_path / f"chain.{fmt}"
    p.write_text(_dump(data, fmt), encoding="utf-8")
    check_survives(p)


# ---------------------------------------------------------------------------
# (b) random bytes
# ---------------------------------------------------------------------------

_prefixes = st.sampled_from([b"", b"name: x\nnodes:\n", b'{"name": "x", "nodes": [',
                             VALID_YAML[:200].encode()])


@settings(FUZZ, max_examples=300 * _K)
@given(prefix=_prefixes, raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       suffix=st.sampled_from([".yaml", ".json", ".txt", ""]))
def test_random_bytes(tmp_path: Path, prefix: bytes, raw: bytes, suffix: str) -> None:
    p = tmp_path / f"chain_file{suffix}"
    p.write_bytes(prefix + raw)
    check_survives(p)


# ---------------------------------------------------------------------------
# (c) random CSV bundles
# ---------------------------------------------------------------------------

_COLUMNS = {
    "nodes": ["id", "stage", "label", "note", "value", "substitutability", "lead_time_months",
              "substitutability.low", "substitutability.high", "substitutability.source",
              "substitutability.ref", "substitutability.estimate", "substitutability.dist",
              "value.note", "stag", "suppliers", "id.low", ""],
    "suppliers": ["node", "country", "share", "share.low", "share.high", "share.source",
                  "share.ref", "share.estimate", "share.note", "countries", "value"],
    "edges": ["from", "to", "share", "essential", "group", "covers", "note", "share.source",
              "share.dist", "covers.high", "form", "weight"],
}
_cells = st.sampled_from(
    ["", " ", "a", "b", "c", "upstream", "midstream", "end_use", "JP", "jp", "XX", "other",
     "0.5", "1.3", "-1", "28%", "nan", "inf", "1e999", "true", "false", "yes", "maybe",
     "src", "g1", "G 1", "triangular", "beta", 'a"b', "x,y", "1\n2"]) | st.text(max_size=6)
_HEADER = "schema: riskmodel/chain@1\nname: fuzz\nsources:\n  src: {title: T}\n"


@st.composite
def csv_tables(draw: st.DrawFn, table: str) -> str:
    cols = draw(st.lists(st.sampled_from(_COLUMNS[table]), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(_cells, min_size=0, max_size=len(cols) + 1), max_size=6))
    if draw(st.booleans()):  # well-quoted CSV
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows(rows)
        return buf.getvalue()
    return "\n".join(",".join(r) for r in [cols, *rows]) + "\n"  # raw, maybe ragged


@pytest.mark.slow
@settings(FUZZ, max_examples=250 * _K)
@given(nodes=csv_tables("nodes"), suppliers=st.none() | csv_tables("suppliers"),
       edges=st.none() | csv_tables("edges"))
def test_random_csv_bundles(tmp_path: Path, nodes: str, suppliers: str | None,
                            edges: str | None) -> None:
    d = tmp_path / "bundle"
    d.mkdir(exist_ok=True)
    (d / "chain.yaml").write_text(_HEADER)
    for name, text in (("nodes", nodes), ("suppliers", suppliers), ("edges", edges)):
        f = d / f"{name}.csv"
        if text is None:
            f.unlink(missing_ok=True)
        else:
            f.write_text(text, encoding="utf-8")
    problems = check_survives(d)
    for p in problems:
        if p.file.endswith(".csv") and p.line is not None:
            n_lines = (d / Path(p.file).name).read_text().count("\n") + 1
            assert p.line <= n_lines, f"line {p.line} is past the end of {p.file}: {p}"


@pytest.mark.slow
@settings(FUZZ, max_examples=60 * _K)
@given(table=st.sampled_from(["nodes", "suppliers", "edges"]), row=st.integers(0, 20),
       col=st.integers(0, 20), cell=_cells)
def test_one_bad_cell_in_a_valid_bundle(tmp_path: Path, table: str, row: int, col: int,
                                        cell: str) -> None:
    d = tmp_path / "bundle"
    if not d.exists():
        (tmp_path / "v.yaml").write_text(VALID_YAML, encoding="utf-8")
        rm.save(rm.load(tmp_path / "v.yaml"), d)
        for name in ("nodes", "suppliers", "edges"):
            (tmp_path / f"{name}.orig").write_text((d / f"{name}.csv").read_text())
    for name in ("nodes", "suppliers", "edges"):
        (d / f"{name}.csv").write_text((tmp_path / f"{name}.orig").read_text())
    f = d / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(f.read_text())))
    r = rows[row % len(rows)]
    r[col % len(r)] = cell
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    f.write_text(buf.getvalue())
    check_survives(d)


# ---------------------------------------------------------------------------
# (d) mutations of the valid fixture's text (YAML, and the same chain as JSON)
# ---------------------------------------------------------------------------

_BASES = {"yaml": VALID_YAML, "json": json.dumps(_BASE, indent=2)}


@st.composite
def mutated_text(draw: st.DrawFn, base: str) -> str:
    """``base`` with one to three lines deleted or duplicated, or characters changed."""
    text = base
    for _ in range(draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True) or [""]
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        text = "".join(lines)
        if kind in ("swap", "insert", "replace") and text:
            j = draw(st.integers(0, len(text) - 1))
            if kind == "swap" and j + 1 < len(text):
                text = text[:j] + text[j + 1] + text[j] + text[j + 2:]
            elif kind == "insert":
                text = text[:j] + draw(st.sampled_from(list(':-{}[],\'"#&*!|> \t\n0aZ'))) \
                    + text[j:]
            else:
                text = text[:j] + draw(st.characters(codec="utf-8")) + text[j + 1:]
    return text


@pytest.mark.slow
@settings(FUZZ, max_examples=200 * _K)
@given(data=st.data(), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_fixture(tmp_path: Path, data: st.DataObject, fmt: str) -> None:
    p = tmp_path / f"chain.{fmt}"
    p.write_text(data.draw(mutated_text(_BASES[fmt])), encoding="utf-8")
    check_survives(p)


#: YAML values that are not plain data, or not of ordinary size
_YAML_ODDITIES = [
    "!!python/object/apply:os.system [echo]", "!!python/name:os.system", "!custom x",
    "!!int x", "!!bool maybe", "!!float abc", "!!timestamp soon", "!!binary aGk=",
    "!!set {a, b}", "!!omap [a: 1]", "!!str 5", "!!null x", "!!map [1]", "!!seq {a: 1}",
    "1" + "0" * 400, "1" + "0" * 5000, "-1e400", ".nan", "-.inf", "0x1F", "0o17", "1_000",
    "2001-12-14", "~", "&a [*a]", "{? [a]: 1}", "[1, [2, [3]]]", "{value: 1e400}",
    "{value: " + "9" * 400 + "}", "'unterminated", "|\n  block", "*undefined_alias",
]
_VALUE_LINES = [i for i, t in enumerate(VALID_YAML.splitlines()) if re.search(r": \S", t)]


@pytest.mark.slow
@settings(FUZZ, max_examples=200 * _K)
@given(line=st.sampled_from(_VALUE_LINES),
       value=st.sampled_from(_YAML_ODDITIES) | st.text(max_size=12))
def test_odd_yaml_values(tmp_path: Path, line: int, value: str) -> None:
    lines = VALID_YAML.splitlines()
    key, _, _ = lines[line].partition(": ")
    lines[line] = f"{key}: {value}"
    p = tmp_path / "chain.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_survives(p)
    for prob in problems:  # a problem in this one-file chain has a line, or none at all
        assert prob.file == str(p)


def test_the_fuzzed_bases_are_valid(tmp_path: Path) -> None:
    """The mutations start from valid files, so every problem comes from a mutation."""
    for fmt, text in _BASES.items():
        p = tmp_path / f"chain.{fmt}"
        p.write_text(text, encoding="utf-8")
        assert check_survives(p) == []
        assert rm.validate(p, strict=True).ok
