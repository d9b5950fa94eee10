"""Shared fixtures: tiny chains written as literals."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("RISKMODEL_NO_PROGRESS", "1")

#: A valid three-stage chain used as the base of validation tests: each test
#: breaks one thing.
VALID_YAML = """\
schema: riskmodel/chain@1
name: tiny
title: Tiny test chain
perspective: {home: CN}
currency: USD bn
sources:
  src: {title: A test source, year: 2025}
nodes:
  - id: gears
    stage: upstream
    suppliers:
      JP: {value: 0.6, low: 0.5, high: 0.7, source: src, ref: "line 3", note: "quoted"}
      CN: 0.3
      other: 0.1
    substitutability: 0.3
    lead_time_months: 18
    inventory_months: 3
  - id: motors
    stage: upstream
    suppliers: {JP: 0.5, DE: 0.2, CN: 0.3}
  - id: steel
    stage: upstream
    suppliers: {CN: 0.9, KR: 0.1}
  - id: alloy
    stage: upstream
    suppliers: {CN: 1.0}
  - id: robots
    stage: midstream
    suppliers: {CN: 0.7, JP: 0.3}
  - id: cars
    stage: end_use
    value: 10
  - id: phones
    stage: end_use
    value: 5
edges:
  - {from: gears, to: robots, share: 0.3}
  - {from: motors, to: robots, share: 0.2}
  - {from: steel, to: robots, group: metal}
  - {from: alloy, to: robots, group: metal, covers: 0.5}
  - {from: robots, to: cars, share: 0.4}
  - {from: robots, to: phones, essential: false, share: 0.1}
scenarios:
  - id: japan
    cuts: [{country: JP, nodes: [gears], duration: 12}]
"""


@pytest.fixture
def valid_yaml() -> str:
    return VALID_YAML


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file in a temporary folder; return its path."""

    def _write(text: str | bytes, name: str = "chain.yaml") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p

    return _write
