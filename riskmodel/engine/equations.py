"""The equations every implementation shares: the substitution ramp, the net withheld
fraction, requirement groups, production feasibility, and the ramp of a static bound.

Each is written once here, as plain Python on numpy ufuncs, so that one definition
serves a float (the reference, node by node), a numpy array (the numpy backend and
:meth:`~riskmodel.engine.cuts.CutSpec.net`) and the numba kernels, which compile these
same functions (``riskmodel/engine/kernel.py``). The model they state is written out in
the docstring of :mod:`riskmodel.engine` (docs/model.md §1.4–1.5).

Numba's cache does not notice a change to this file in the kernels that compile it:
after editing an equation here, delete ``riskmodel/engine/__pycache__/*.nb*`` (the
comparison of the fast engine with the reference in tests/test_engine.py fails on a
stale cache).

Examples
--------
>>> float(ramp(2.0, 4.0)), float(ramp(6.0, 4.0)), float(ramp(0.0, 0.0))
(0.5, 1.0, 1.0)
>>> float(net_fraction(1.0, 0.5, ramp(2.0, 4.0)))   # half of the cut substituted, half way
0.75
>>> float(feasibility(requirement(0.4 + 0.5), 0.1 * 0.6))
0.9
>>> bound_ramp("immediate"), bound_ramp("long_run")
(0.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MODES", "RAMP_BY_MONTH", "bound_ramp", "feasibility", "net_fraction", "ramp",
           "requirement"]

#: The static bounds and the ramp each fixes (docs/model.md §1.5): ``immediate`` has no
#: substitution yet (ρ = 0), ``long_run`` all of it (ρ = 1).
MODES: dict[str, float] = {"immediate": 0.0, "long_run": 1.0}

#: A ramp argument meaning "no fixed ramp: each supply ramps from the start of its run
#: of cuts, by the month" (the dynamics), where a static bound passes its ``MODES`` value.
RAMP_BY_MONTH = -1.0


def bound_ramp(mode: str) -> float:
    """The fixed ramp ρ of a static bound ``mode`` (see :data:`MODES`).

    Raises
    ------
    ValueError
        For a mode other than ``immediate`` and ``long_run``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes: immediate, long_run")
    return MODES[mode]


def ramp(age: Any, lead: Any) -> Any:
    """Substitution ramp ``ρ = min(1, age / lead)``, 1 without a lead time (``lead ≤ 0``).

    ``age`` is the months since the cut began. Floats or arrays alike: the branch on the
    lead time is written as arithmetic (``× 1 + 0`` or ``× 0 + 1``, exact in floating
    point), so numpy evaluates it elementwise and numba compiles it for scalars.
    """
    has_lead = lead > 0
    safe = lead * has_lead + (1 - has_lead)  # the lead time, or 1 where there is none
    return np.minimum(1.0, age / safe) * has_lead + (1 - has_lead)


def net_fraction(fraction: Any, subst: Any, rho: Any) -> Any:
    """Net withheld fraction of one cut, ``f · (1 − s · ρ)``: substitution replaces
    ``s · ρ`` of the cut-induced shortfall (the largest over the cuts on a row binds)."""
    return fraction * (1.0 - subst * rho)


def requirement(total: Any) -> Any:
    """A requirement group's cover ``G_g = min(1, Σ_{i∈g} covers_i · A_i)``, from the sum."""
    return np.minimum(1.0, total)


def feasibility(groups: Any, non_essential: Any) -> Any:
    """Production feasibility ``P = max(0, min(groups, 1 − non_essential))``.

    ``groups`` is ``min_g G_g`` (1 without essential inputs), ``non_essential`` the loss
    ``Σ share_i · (1 − A_i)`` over non-essential inputs (0 without them).
    """
    return np.maximum(0.0, np.minimum(groups, 1.0 - non_essential))
