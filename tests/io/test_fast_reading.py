"""The fast readers (libyaml's events, the C JSON decoder) agree with the pure-Python ones.

For every file of the broken-file and hardening corpora, every built-in chain, random
chains written in each format, and many damaged copies of them (a character dropped,
doubled or replaced), both readers give the same data, the same positions, the same
problems and the same errors (messages, lines and columns).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import VALID_YAML, random_chain

import riskmodel as rm
from riskmodel._errors import ChainValidationError
from riskmodel.io import jsonparse
from riskmodel.io import yaml as ryaml
from riskmodel.io.document import Document

DATA = Path(__file__).resolve().parents[1] / "data"
BUILTIN = Path(rm.__file__).parent / "chains"


def _outcome(fn, text: str, fmt: str) -> tuple:
    doc = Document("c." + fmt, fmt)
    try:
        data = fn(text, doc)
    except ChainValidationError as e:
        return ("error", [str(p) for p in e.problems])
    except RecursionError:
        return ("recursion",)
    return (repr(data), dict(doc.positions), [str(p) for p in doc.problems],
            sorted(map(repr, doc.unquoted_text)))


def _slow_yaml(text: str, doc: Document):
    return ryaml._parse_slow(text, doc, max(ryaml.MAX_VALUES, len(text)))


def _slow_json(text: str, doc: Document):
    return jsonparse._JsonReader(text, doc).read()


def _agree(text: str, fmt: str) -> None:
    if fmt == "json":
        fast, slow = _outcome(jsonparse.parse_json, text, fmt), _outcome(_slow_json, text, fmt)
    else:
        fast, slow = _outcome(ryaml.parse_yaml, text, fmt), _outcome(_slow_yaml, text, fmt)
    assert fast == slow


def _texts() -> list[tuple[str, str, str]]:
    out = []
    files = [p for p in sorted(DATA.rglob("*")) + sorted(BUILTIN.glob("*.yaml"))
             if p.suffix in (".yaml", ".yml", ".json") and p.is_file()]
    for p in files:
        try:
            text = p.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        out.append((str(p.relative_to(p.parents[1])), text,
                    "json" if p.suffix == ".json" else "yaml"))
    return out


TEXTS = _texts()


def test_corpora_are_found() -> None:
    assert len(TEXTS) > 60 and any(f == "json" for _, _, f in TEXTS)


@pytest.mark.parametrize(("name", "text", "fmt"), TEXTS, ids=[t[0] for t in TEXTS])
def test_corpus_file(name: str, text: str, fmt: str) -> None:
    _agree(text, fmt)


def _damaged(text: str, seed: int, count: int = 40) -> list[str]:
    """``count`` copies of ``text``, each with one character dropped, doubled or
    replaced by one that matters to YAML or JSON."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        i = rng.randrange(len(text))
        how = rng.randrange(3)
        c = rng.choice(":-{}[],'\"&*!#|> \n\t\\?%@`0x")
        out.append(text[:i] + (c if how == 2 else text[i] * 2 if how else "") + text[i + 1:])
    return out


@pytest.mark.parametrize("seed", range(6))
def test_random_chains_and_damaged_copies(seed: int, tmp_path: Path) -> None:
    chain = random_chain(seed)
    for fmt in ("yaml", "json"):
        path = rm.save(chain, tmp_path / f"c.{fmt}")
        text = path.read_text(encoding="utf-8")
        _agree(text, fmt)
        for bad in _damaged(text[:3000], seed):
            _agree(bad, fmt)


def test_damaged_valid_yaml() -> None:
    for bad in _damaged(VALID_YAML, 99, count=300):
        _agree(bad, "yaml")


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\nb: {c: 1, c: 2}\n",            # duplicate keys at the repeat
    "on: yes\no: 0o17\nh: 0x1F\nd: 010\nt: 1:30\n",  # YAML 1.2, not 1.1
    "a: &x [1, 2]\nb: *x\nc: *x\n",              # aliases share positions
    "a: &x\n  b: *x\n",                           # a recursive alias
    "<<: {a: 1}\n",                               # a merge key
    "a: !!python/object:os.system x\n",          # a refused tag
    "a: [1, 2\n", "x: 1\n---\ny: 2\n", "# only\n", "a\tb: 1\n",
    "1: a\ntrue: b\nnull: c\n1.5: d\n", 'a: "\\ud800"\n', "a: \x01\n",
    "[" * 70 + "]" * 70, "[" * 100_000 + "]" * 100_000,  # too deep; never a crash
])
def test_yaml_cases(text: str) -> None:
    _agree(text, "yaml")
    assert _outcome(ryaml.parse_yaml, text, "yaml")[0] != "recursion"


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', '{"a": NaN}', '{"a": [1, 2}', '{"a": 1} x', '[' * 70 + ']' * 70,
    '{"a": 1' + "0" * 5000 + '}', '{"a": "\\ud800", "b": 1e400, "c": -0.0}', "",
    '{"a": {"b": [1, {"c": null}]}, "d": true}', "null", " 5 ", '"x"', "[]", "{}",
])
def test_json_cases(text: str) -> None:
    _agree(text, "json")
