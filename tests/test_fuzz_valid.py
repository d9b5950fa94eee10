"""Every valid chain runs through every command: random valid chains, every CLI job.

Hypothesis writes small chains that pass validation but sit at the edges of the
model: no supplier data, only ``other``, only the home country, shares of 0, country
groups, alternatives groups, non-essential inputs, end uses worth 0 or without inputs,
cycles, both perspectives. Each goes through ``score`` (with ``--leverage``,
``--explain`` and ``--mc``), ``simulate``, ``cutsets`` (and ``--coalition``), ``diff``
and ``report``. Every command must exit 0 (or 1 with a clear error for an
argument the chain cannot honour), never print an internal error, and print no
NaN where a number belongs.

Set ``RISKMODEL_FUZZ_SCALE=20`` for a deeper run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import riskmodel as rm
from riskmodel.cli import main

_K = int(os.environ.get("RISKMODEL_FUZZ_SCALE", "1"))
FUZZ = settings(max_examples=20 * _K, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much])
COUNTRIES = ("CN", "JP", "US", "DE", "KR", "EU")
HOME = "CN"


@st.composite
def suppliers(draw: st.DrawFn) -> dict[str, float] | None:
    kind = draw(st.sampled_from(["none", "other", "home", "zero", "random", "random"]))
    if kind == "none":
        return None
    if kind == "other":
        return {"other": 1.0}
    if kind == "home":
        return {HOME: 1.0}
    if kind == "zero":
        return {HOME: 1.0, draw(st.sampled_from(COUNTRIES[1:])): 0.0}
    keys = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=4, unique=True))
    raw = [draw(st.integers(0, 10)) for _ in keys]
    total = sum(raw) or 1
    rest = draw(st.sampled_from([0, 0, 2]))  # sometimes leave a share to `other`
    shares = {k: round(r / (total + rest), 4) for k, r in zip(keys, raw, strict=True)}
    if rest:
        shares["other"] = round(1 - sum(shares.values()), 4)
    return shares


@st.composite
def chains(draw: st.DrawFn) -> dict[str, Any]:
    sizes = {"upstream": draw(st.integers(1, 3)), "midstream": draw(st.integers(0, 3)),
             "downstream": draw(st.integers(0, 2)), "end_use": draw(st.integers(1, 2))}
    nodes: list[dict[str, Any]] = []
    by_stage: dict[str, list[str]] = {}
    for stage, n in sizes.items():
        for i in range(n):
            node: dict[str, Any] = {"id": f"{stage[0]}{i}", "stage": stage}
            if stage == "end_use":
                node["value"] = draw(st.sampled_from([0, 1, 2.5, 100]))
            else:
                sup = draw(suppliers())
                if sup is not None:
                    node["suppliers"] = sup
                node["substitutability"] = draw(st.sampled_from([0, 0.3, 1]))
                node["lead_time_months"] = draw(st.sampled_from([0, 6, 24]))
                node["inventory_months"] = draw(st.sampled_from([0, 1, 3.5]))
            nodes.append(node)
            by_stage.setdefault(stage, []).append(node["id"])
    assume(any(n.get("value") for n in nodes))
    edges: list[dict[str, Any]] = []
    earlier: list[str] = []
    for stage in sizes:
        for nid in by_stage.get(stage, []):
            if earlier:
                k = draw(st.integers(0 if stage == "end_use" else 1, min(3, len(earlier))))
                inputs = draw(st.permutations(earlier))[:k]
                alt = len(inputs) >= 2 and draw(st.booleans())
                for j, u in enumerate(inputs):
                    e: dict[str, Any] = {"from": u, "to": nid}
                    if alt and j < 2:
                        e.update(group="alt", covers=1.0)
                    elif j == 2 and draw(st.booleans()):
                        e.update(essential=False, share=0.1)
                    edges.append(e)
        earlier += by_stage.get(stage, [])
    if sizes["midstream"] and sizes["downstream"] and draw(st.booleans()):
        edges.append({"from": by_stage["downstream"][0], "to": by_stage["midstream"][0],
                      "essential": False, "share": 0.05})  # a cycle
    chain: dict[str, Any] = {
        "schema": "riskmodel/chain@1", "name": "fuzzed",
        "perspective": draw(st.sampled_from(["global", {"home": HOME}])),
        "groups": {"EU": {"label": "European Union", "members": ["DE", "FR"]}},
        "sources": {"rule": {"title": "A rule in force"}},
        "nodes": nodes, "edges": edges,
    }
    supplied = sorted({k for n in nodes for k in n.get("suppliers", {}) if k != "other"})
    if supplied and draw(st.booleans()):
        chain["baseline"] = draw(baseline(supplied, [n["id"] for n in nodes],
                                          home=chain["perspective"] != "global"))
    return chain


@st.composite
def baseline(draw: st.DrawFn, supplied: list[str], ids: list[str], *, home: bool
             ) -> list[dict[str, Any]]:
    """One or two restrictions in force, by a country that supplies the chain."""
    out = []
    for i in range(draw(st.integers(1, 2))):
        entry: dict[str, Any] = {"id": f"r{i}", "country": draw(st.sampled_from(supplied)),
                                 "since": draw(st.sampled_from([2019, "2022-10",
                                                                "2022-10-07"])),
                                 "source": "rule"}
        if draw(st.booleans()):
            entry["nodes"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2,
                                           unique=True))
        entry["fraction"] = draw(st.sampled_from([1, 0.5]))
        entry["to"] = draw(st.sampled_from(["all", "world", ["JP"]] + (["home"] if home
                                                                        else [])))
        out.append(entry)
    return out


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err, (argv, err)
    return code, out, err


@pytest.mark.slow
@FUZZ
@given(chain=chains())
def test_every_valid_chain_runs_through_every_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], chain: dict[str, Any]) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(chain, sort_keys=False), encoding="utf-8")
    report = rm.validate(path)  # the generator writes valid chains only
    assert report.ok, [str(p) for p in report.errors]
    suppliers_used = sorted({k for n in chain["nodes"]
                             for k, v in n.get("suppliers", {}).items() if k != "other" and v})
    first = chain["nodes"][0]["id"]
    jobs = [
        ["score", str(path), "--top", "0", "--format", "json"],
        ["score", str(path), "--leverage", "--format", "json"],
        ["score", str(path), "--explain", first],
        ["score", str(path), "--mc", "3", "--seed", "1", "--format", "json"],
        ["cutsets", str(path), "--max-size", "2", "--format", "json"],
        ["diff", str(path), str(path), "--format", "json"],
        ["report", str(path), "--out", str(tmp_path / "rep"), "--format", "json",
         "--mc", "3", "--force"],
        ["export", str(path), "--format", "json"],
        ["export", str(path), "-o", str(tmp_path / "chain.gexf")],
        ["export", str(path), "-o", str(tmp_path / "chain.graphml")],
    ]
    for country in suppliers_used[:2]:
        jobs += [["simulate", str(path), "--cut", country, "--months", "6", "--format", "json"],
                 ["cutsets", str(path), "--coalition", country, "--format", "json"]]
    for argv in jobs:
        code, out, err = _run(argv, capsys)
        assert code == 0, (argv, err)
        if argv[0] != "report" and "json" in argv:
            json.loads(out)  # valid JSON (NaN is not)
