"""Reading and writing: formats, round trips, and safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel.io import read_document


def _errors(excinfo: pytest.ExceptionInfo) -> str:
    return "\n".join(str(p) for p in excinfo.value.problems)


@pytest.mark.parametrize("target", ["c.yaml", "c.json", "bundle"])
def test_round_trip_each_format(tmp_path: Path, write, valid_yaml: str, target: str) -> None:
    chain = rm.load(write(valid_yaml))
    out = rm.save(chain, tmp_path / target)
    again = rm.load(out)
    assert again.to_dict() == chain.to_dict()
    assert again.compiled.countries == chain.compiled.countries


def test_yaml_bundle_json_yaml_loses_nothing(tmp_path: Path) -> None:
    bike = rm.load("bicycle")
    b = rm.load(rm.save(bike, tmp_path / "bundle"))
    j = rm.load(rm.save(b, tmp_path / "c.json"))
    y = rm.load(rm.save(j, tmp_path / "c.yaml"))
    assert y.to_dict() == bike.to_dict()
    # the provenance survives every hop
    node = y.graph.nodes["drivetrain"]
    assert node["provenance"]["suppliers.JP"] == {
        "value": 0.7, "low": 0.6, "high": 0.8, "estimate": True, "note": "illustrative"}


def test_bundle_files_and_columns(tmp_path: Path) -> None:
    out = rm.save(rm.load("bicycle"), tmp_path / "b")
    assert sorted(p.name for p in out.iterdir()) == [
        "chain.yaml", "edges.csv", "nodes.csv", "suppliers.csv"]
    header = (out / "suppliers.csv").read_text().splitlines()[0]
    assert header.startswith("node,country,share,share.low,share.high")


def test_edited_value_drops_stale_citation(tmp_path: Path, write, valid_yaml: str) -> None:
    chain = rm.load(write(valid_yaml))
    chain.graph.nodes["gears"]["suppliers"]["JP"] = 0.55
    doc = chain.to_dict()
    gears = next(n for n in doc["nodes"] if n["id"] == "gears")
    assert gears["suppliers"]["JP"] == 0.55  # bare: the source no longer applies


def test_json_positions_are_recorded(write) -> None:
    p = write('{\n  "name": "x",\n  "nodes": [\n    {"id": "a", "stage": "end_use"}\n  ]\n}',
              "c.json")
    doc = read_document(p)
    assert doc.at("nodes", 0, "stage") == (4, 17)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"\x00\x01\x02binary", "file is binary"),
        (b"name: caf\xe9\n", "not valid UTF-8"),
        (b"name: x\nnodes: [\n  {id: a", "YAML syntax error"),
        (b"a: !!python/object/apply:os.system ['echo hacked']\n", "is not allowed"),
        (b"a: &x [*x]\n", "refers to itself"),
        (b"[" * 200 + b"]" * 200, "nested"),
        (b"--- {a: 1}\n--- {b: 2}\n", "several YAML documents"),
    ],
)
def test_unreadable_files_get_one_clear_error(write, content: bytes, message: str) -> None:
    p = write(content, "bad.yaml")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(p)
    assert message in _errors(e)
    assert str(p) in _errors(e)


def test_python_tag_is_never_executed(write, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = write(f"name: !!python/object/apply:os.system ['touch {marker}']\n", "evil.yaml")
    with pytest.raises(rm.ChainValidationError):
        rm.load(p)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ('{"name": "x", "nodes": [', "unexpected end of file", 1),
        ('{"name": "x",\n "nodes": [1,]}', "JSON syntax error", 2),
        ('{"name": NaN}', "NaN is not a number", 1),
        ('{"a": 1} trailing', "extra data", 1),
    ],
)
def test_bad_json(write, content: str, message: str, line: int) -> None:
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(write(content, "bad.json"))
    assert message in _errors(e)
    assert e.value.problems[0].line == line


def test_missing_path_is_file_not_found() -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        rm.load("/nonexistent/chain.yaml")
    with pytest.raises(FileNotFoundError, match=r"built-in chains: .*bicycle"):
        rm.load("bicycl")


def test_bundle_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    out = rm.save(rm.load("bicycle"), tmp_path / "b")
    nodes = (out / "nodes.csv").read_text().splitlines()
    nodes[3] = nodes[3].replace("upstream", "upstrem")
    (out / "nodes.csv").write_text("\n".join(nodes) + "\n")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(out)
    (p,) = e.value.problems
    assert p.file.endswith("nodes.csv") and p.line == 4
    assert "did you mean `upstream`?" in str(p)


def test_large_bundle_compiles_without_building_the_graph(tmp_path: Path) -> None:
    import pandas as pd

    n = 2000
    d = tmp_path / "big"
    d.mkdir()
    (d / "chain.yaml").write_text("schema: riskmodel/chain@1\nname: big\n")
    ids = [f"n{i}" for i in range(n)]
    pd.DataFrame({"id": ids, "stage": ["upstream"] * (n - 1) + ["end_use"],
                  "value": [""] * (n - 1) + ["1"]}).to_csv(d / "nodes.csv", index=False)
    pd.DataFrame({"node": ids, "country": ["US"] * n, "share": [1.0] * n}).to_csv(
        d / "suppliers.csv", index=False)
    pd.DataFrame({"from": ids[:-1], "to": ids[1:]}).to_csv(d / "edges.csv", index=False)
    chain = rm.load(d)
    c = chain.compiled
    assert chain._graph is None  # compiled straight from the tables
    assert c.n == n and c.m == n - 1 and c.level.max() == n - 1
    assert chain.graph.number_of_edges() == n - 1  # built on demand


# -- property: load(save(chain)) is the same chain, for every format ---------

_ids = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=2, max_size=8,
                unique=True)
_share = st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 6))
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


@st.composite
def chains(draw: st.DrawFn) -> rm.Chain:
    import networkx as nx

    ids = draw(_ids)
    g = nx.DiGraph()
    countries = ["US", "JP", "CN", "NL", "DE"]
    for i, nid in enumerate(ids):
        stage = "end_use" if i == len(ids) - 1 else draw(st.sampled_from(
            ["upstream", "midstream", "downstream"]))
        attrs: dict = {"stage": stage}
        if draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(countries), unique=True, max_size=3))
            attrs["suppliers"] = {c: round(1 / (len(picked) + 1), 6) for c in picked}
        if draw(st.booleans()):
            attrs["substitutability"] = draw(_share)
            attrs["provenance"] = {"substitutability": {
                "value": attrs["substitutability"], "estimate": True, "note": draw(_text),
                "low": 0.0, "high": 1.0}}
        if draw(st.booleans()):
            attrs["label"] = draw(_text)
        if stage == "end_use":
            attrs["value"] = draw(st.floats(0, 1e6, allow_nan=False))
        g.add_node(nid, **attrs)
    for i in range(len(ids) - 1):
        j = draw(st.integers(i + 1, len(ids) - 1))
        g.add_edge(ids[i], ids[j], essential=draw(st.booleans()))
        if draw(st.booleans()):
            g.edges[ids[i], ids[j]]["note"] = draw(_text)
    chain = rm.Chain(g, name="prop",
                     perspective=draw(st.sampled_from(["global", {"home": "CN"}])))
    supplied = sorted({k for _, sup in g.nodes(data="suppliers") if sup for k in sup})
    if supplied and draw(st.booleans()):  # sometimes restrictions in force
        chain.baseline = [
            {"id": f"r{i}", "country": draw(st.sampled_from(supplied)),
             "since": draw(st.sampled_from([2019, "2022-10", "2022-10-07"])),
             **({"nodes": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2,
                                        unique=True))} if draw(st.booleans()) else {}),
             **({"to": draw(st.sampled_from(["world", ["CN", "JP"]]))}
                if draw(st.booleans()) else {}),
             **({"note": draw(_text)} if draw(st.booleans()) else {})}
            for i in range(draw(st.integers(1, 2)))]
    return chain


@pytest.mark.slow
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chain=chains())
def test_load_save_round_trip_property(tmp_path: Path, chain: rm.Chain) -> None:
    import tempfile

    here = Path(tempfile.mkdtemp(dir=tmp_path))  # a bundle is not written into an old one
    for i, target in enumerate(("c.yaml", "c.json", "bundle")):
        out = rm.save(chain, here / f"{i}_{target}")
        again = rm.load(out)
        assert again.to_dict() == chain.to_dict(), target


def test_json_output_is_plain_json(tmp_path: Path) -> None:
    out = rm.save(rm.load("bicycle"), tmp_path / "b.json")
    data = json.loads(out.read_text())
    assert data["schema"] == "riskmodel/chain@1" and len(data["nodes"]) == 13
