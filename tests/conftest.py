"""Fixtures and pytest configuration; helpers that test files import are in helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("RISKMODEL_NO_PROGRESS", "1")

# CI (CI=true) runs the same Hypothesis examples every time, so a landing never hangs on
# an example no one has seen; day-to-day runs keep exploring new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def valid_yaml() -> str:
    from helpers import VALID_YAML  # here, so that loading conftest imports no riskmodel

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


#: doctests that take over ~2 s (a doctest has no decorator to carry the mark)
SLOW_DOCTESTS = {
    "riskmodel.reporting.report",  # writes a whole report, figures included
}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow doctests; under pytest-xdist, hand out the slow tests first.

    Each worker collects the same list and the controller deals it out in order, so a
    long test started last cannot leave one core working alone at the end. A run in one
    process (``-n 0``) keeps the files' own order.
    """
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
