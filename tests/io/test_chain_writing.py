"""YAML and JSON chains written column by column are the bytes the document writer wrote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers import random_chain

import riskmodel as rm
from riskmodel.io.chainwrite import chain_text
from riskmodel.io.convert import document_from_data
from riskmodel.io.tables import ChainData
from riskmodel.io.yaml import dump_yaml
from riskmodel.synthetic import synthetic_chain


def _by_document(data: ChainData, fmt: str) -> str:
    """The text as it was written before: the whole document, item by item."""
    doc = document_from_data(data)
    if fmt == "yaml":
        return dump_yaml(doc)
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _same(data: ChainData) -> None:
    for fmt in ("yaml", "json"):
        assert chain_text(data, fmt) == _by_document(data, fmt), fmt


@pytest.mark.parametrize("seed", range(8))
def test_random_chains(seed: int) -> None:
    _same(random_chain(seed, n=30, world=True, controlled=seed % 2 == 0, capital=True,
                       baseline=seed % 3 == 0).to_data())


@pytest.mark.parametrize("name", ["bicycle", "semiconductors", "rare_earth_magnets"])
def test_builtin_chains(name: str) -> None:
    _same(rm.load(name).to_data())


def _awkward(seed: int) -> ChainData:
    """A synthetic chain whose tables hold what the column writer must leave to the
    item writers or write exactly: long ids (lines PyYAML folds), texts YAML quotes,
    blank and missing texts, provenance, sourced and infinite-free odd numbers,
    jurisdictions, a repeated country, non-essential edges with notes and groups."""
    rng = np.random.default_rng(seed)
    data = synthetic_chain(200, seed=seed).to_data()
    nodes, edges, sups = data.nodes.copy(), data.edges.copy(), data.suppliers.copy()
    ids = nodes["id"].tolist()
    new = {i: (i + "_" + "x" * int(rng.integers(0, 70)) if rng.random() < 0.3 else i)
           for i in ids}
    new[ids[1]] = "yes"
    new[ids[2]] = "a firm, with spaces"
    new[ids[3]] = "é-ü"
    nodes["id"] = nodes["id"].map(new)
    edges["from"], edges["to"] = edges["from"].map(new), edges["to"].map(new)
    sups["node"] = sups["node"].map(new)
    n = len(nodes)
    nodes["label"] = rng.choice(np.array(["Acme", "", "  ", None, "1:30", "Bolt_Co",
                                          "x\x85y"], dtype=object), n)
    nodes.loc[rng.random(n) < 0.05, "substitutability.source"] = "a report"
    nodes.loc[rng.random(n) < 0.05, "substitutability.estimate"] = False
    nodes.loc[rng.random(n) < 0.1, "lead_time_months"] = 2.5
    nodes.loc[rng.random(n) < 0.1, "substitutability"] = 1e-05
    m = len(edges)
    edges.loc[rng.random(m) < 0.1, "note"] = "a note"
    edges.loc[rng.random(m) < 0.05, "covers"] = 0.5
    edges.loc[rng.random(m) < 0.05, "share.source"] = "a table"
    sups["controlled_by"] = [("US",) if r < 0.05 else x
                             for r, x in zip(rng.random(len(sups)), sups["controlled_by"],
                                             strict=True)]
    sups = pd.concat([sups, sups.iloc[[0]].assign(share=0.01)], ignore_index=True)
    return ChainData(data.header, nodes, sups, edges, None, {}, data.world_suppliers)


@pytest.mark.parametrize("seed", range(2))
def test_awkward_tables(seed: int) -> None:
    _same(_awkward(seed))
