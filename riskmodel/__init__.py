"""riskmodel: a supply-chain dependency risk analyzer.

Load a chain, check it, compile it, and (with the engine modules) score its choke
points and simulate cut-offs. Submodules load on first use, so that importing the
package (and ``riskmodel --help``) stays fast.

Examples
--------
>>> import riskmodel as rm
>>> chain = rm.load("bicycle")
>>> len(chain), chain.home
(13, 'DE')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from riskmodel._errors import (
    ArgumentError,
    ChainValidationError,
    ConvergenceError,
    NodeNotFoundError,
    OutputError,
    OutputExistsError,
    OutputFormatError,
    Problem,
    RiskmodelError,
    ScenarioError,
)
from riskmodel._version import __version__

if TYPE_CHECKING:
    from riskmodel import plot, reporting
    from riskmodel.coalitions import coalition, cutsets
    from riskmodel.exporting import export
    from riskmodel.model import Chain, ChainGraph, Compiled, builtin_chains, load, save
    from riskmodel.montecarlo import monte_carlo
    from riskmodel.reporting import report
    from riskmodel.restrictions import Restriction
    from riskmodel.scenario import Cut, Scenario
    from riskmodel.scoring import (
        explain,
        leverage,
        pairs,
        policy_alignment,
        score,
        score_uncertainty,
        sensitivity,
    )
    from riskmodel.simulation import Result, simulate, simulate_many
    from riskmodel.validation import ValidationReport, validate

_LAZY = {
    "Chain": "model", "ChainGraph": "model", "Compiled": "model", "builtin_chains": "model",
    "load": "model", "save": "model", "ValidationReport": "validation", "validate": "validation",
    "simulate": "simulation", "simulate_many": "simulation", "monte_carlo": "montecarlo",
    "Result": "simulation", "Scenario": "scenario", "Cut": "scenario",
    "Restriction": "restrictions",
    "score": "scoring", "explain": "scoring", "leverage": "scoring",
    "policy_alignment": "scoring", "score_uncertainty": "scoring", "sensitivity": "scoring",
    "pairs": "scoring",
    "cutsets": "coalitions", "coalition": "coalitions", "report": "reporting",
    "export": "exporting",
}
_SUBMODULES = {"coalitions", "diff", "engine", "eto", "exporting", "io", "limits", "model",
               "montecarlo",
               "plot", "provenance", "reporting", "restrictions", "scenario", "schema",
               "scoring", "simulation", "sources", "synthetic", "uncertainty", "validation"}

__all__ = [
    "ArgumentError",
    "Chain",
    "ChainGraph",
    "ChainValidationError",
    "Compiled",
    "ConvergenceError",
    "Cut",
    "NodeNotFoundError",
    "OutputError",
    "OutputExistsError",
    "OutputFormatError",
    "Problem",
    "Restriction",
    "Result",
    "RiskmodelError",
    "Scenario",
    "ScenarioError",
    "ValidationReport",
    "__version__",
    "builtin_chains",
    "coalition",
    "cutsets",
    "explain",
    "export",
    "leverage",
    "load",
    "monte_carlo",
    "pairs",
    "plot",
    "policy_alignment",
    "report",
    "reporting",
    "save",
    "score",
    "score_uncertainty",
    "sensitivity",
    "simulate",
    "simulate_many",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'riskmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | _SUBMODULES)
