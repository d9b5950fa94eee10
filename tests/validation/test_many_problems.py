"""A problem found on thousands of rows: the first 100 listed, in row order, with their
places, and the rest counted — as many as there are."""

from __future__ import annotations

import networkx as nx
import pytest

import riskmodel as rm
from riskmodel.synthetic import synthetic_chain


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory):
    chain = synthetic_chain(2000, seed=4)
    path = tmp_path_factory.mktemp("many") / "b"
    rm.save(chain, path)
    return chain, path, rm.validate(path)


def _more(report: rm.ValidationReport, code: str) -> int:
    [p] = [p for p in report.warnings if p.code == code and "more problems" in p.message]
    return int(p.message.split()[2])


def test_unreachable_nodes_counted_all_listed_first(bundle) -> None:
    chain, _path, report = bundle
    g = chain.graph
    ends = [n for n, a in g.nodes(data=True) if a.get("stage") == "end_use"]
    reach = set(ends).union(*(nx.ancestors(g, e) for e in ends))
    order = [n for n in chain.to_data().nodes["id"] if n not in reach]
    shown = [p for p in report.warnings if p.code == "unreachable" and p.line is not None]
    assert len(order) > 100
    assert [p.where for p in shown] == [f"node '{n}'" for n in order[:100]]
    assert [p.line for p in shown] == sorted(p.line for p in shown)
    assert all(p.file.endswith("nodes.csv") for p in shown)
    assert _more(report, "unreachable") == len(order) - 100


def test_share_rests_counted_all(bundle) -> None:
    chain, _path, report = bundle
    sups = chain.to_data().suppliers
    sums = sups.groupby("node", sort=False)["share"].sum()
    rest = [n for n, t in sums.items() if t < 1 - 0.02]
    shown = [p for p in report.warnings if p.code == "share-rest" and p.line is not None]
    assert [p.where for p in shown] == [f"node '{n}'" for n in rest[:100]]
    assert _more(report, "share-rest") == len(rest) - 100
