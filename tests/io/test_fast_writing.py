"""The fast YAML writer writes the text PyYAML writes, item for item."""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import random_chain

import riskmodel as rm
from riskmodel.io import yaml as ryaml
from riskmodel.io.yamlwrite import fast_items
from riskmodel.synthetic import synthetic_chain


def _pyyaml(data: dict) -> str:
    """The house style written by PyYAML alone, every item through its representer."""
    dumper = ryaml._Dumper if ryaml._UNUSUAL.search(
        json.dumps(data, ensure_ascii=False, default=str)) else ryaml._CDumper
    return yaml.dump(ryaml._flowify(data), Dumper=dumper, sort_keys=False,
                     allow_unicode=True, width=100)


@pytest.mark.parametrize("name", ["bicycle", "semiconductors", "combined", "generative_ai"])
def test_builtin_chains(name: str) -> None:
    data = rm.load(name).to_dict()
    assert ryaml.dump_yaml(data) == _pyyaml(data)


@pytest.mark.parametrize("seed", range(12))
def test_random_chains(seed: int) -> None:
    data = random_chain(seed).to_dict()
    assert ryaml.dump_yaml(data) == _pyyaml(data)


def test_synthetic_chain() -> None:
    data = synthetic_chain(500, seed=3).to_dict()
    assert ryaml.dump_yaml(data) == _pyyaml(data)


def test_items_pyyaml_must_quote_or_fold() -> None:
    """Texts that need quotes, read as other types, long lines and odd values: each
    such item is written by PyYAML, the others directly, and all read back."""
    items = [{"id": "a", "x": 1}, {"id": "NO", "x": 2}, {"id": "1:30"}, {"id": "y", "v": 1e-05},
             {"id": "z", "v": float("inf")}, {"id": "q", "note": "a: b # c"},
             {"id": "long", "note": "word " * 40}, {"id": "nl", "note": "two\nlines"},
             {"id": "e", "s": ""}, {"id": "n", "s": None, "t": True, "u": [1, 2]},
             {"id": "deep", "sup": {"JP": {"value": 0.5, "low": 0.4, "source": "s"}}},
             {"id": "é", "k": "ünïcode"}, {"id": "yes"}, {"id": "0o17"}, {"id": "x_1"},
             {"id": "f", "a": 1.5e-07, "b": -0.0, "c": 2e+20, "d": 1.2345678901234567e+19}]
    data = {"name": "t", "nodes": items, "edges": [{"from": "a", "to": "b"}] * 2}
    text = ryaml.dump_yaml(data)
    assert text == _pyyaml(data)
    assert yaml.safe_load(text)["nodes"][1]["id"] == "NO"


@pytest.mark.parametrize("dumper", ["_CDumper", "_Dumper"])
def test_long_flow_lines_fold_as_pyyaml(dumper: str) -> None:
    """Flow mappings (and flow mappings in them) long enough to fold at every place: the
    direct writer breaks the line where PyYAML's emitter does, for both emitters."""
    import random

    rng = random.Random(7)
    flow = ryaml._FlowDict

    def word() -> str:
        return "w" + "".join(rng.choice("abc_0.") for _ in range(rng.randint(0, 30)))

    def scalar() -> object:
        return rng.choice([word(), rng.random(), rng.randint(0, 10**6), True])

    def mapping(depth: int) -> dict:
        return {word(): flow({word(): scalar() for _ in range(rng.randint(1, 6))})
                if depth < 2 and rng.random() < 0.3 else scalar()
                for _ in range(rng.randint(1, 9))}

    items = []
    for _ in range(400):
        m = mapping(0)
        items.append(flow(m) if rng.random() < 0.5 else {
            k: flow(v) if isinstance(v, dict) else v for k, v in m.items()})
    cls = getattr(ryaml, dumper)
    for item in items:
        want = yaml.dump([item], Dumper=cls, sort_keys=False, allow_unicode=True, width=100)
        got = fast_items([item], ryaml._plain_text, ryaml._plain_float, flow,
                         lambda x: "PyYAML")
        assert got in (want, "PyYAML"), (got, want)
    assert sum(fast_items([i], ryaml._plain_text, ryaml._plain_float, flow,
                          lambda x: "") != "" for i in items) > 300
