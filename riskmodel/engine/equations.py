"""The equations every implementation shares: the substitution ramp, the net withheld
fraction, requirement groups, production feasibility, the ramp of a static bound, and
the buffers of the dynamics (a stock, or a ``capital`` node's installed base).

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
>>> b = buffer_start(2.0, 4.0)                 # an installed base of 4 months' service life
>>> float(b), float(buffered(0.0, b, 4.0)), float(drawn(0.0, 1.0, b, 4.0))
(1.0, 1.0, 0.75)
>>> float(buffered(0.25, 2.0, 0.0)), float(drawn(0.25, 1.0, 2.0, 0.0))  # a stock of 2 months
(1.0, 1.25)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MODES", "RAMP_BY_MONTH", "bound_ramp", "buffer_start", "buffered", "drawn",
           "feasibility", "net_fraction", "ramp", "requirement"]

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


# The buffers of the dynamics (docs/model.md §1.5). ``life`` is a node's service life
# when it is ``capital`` (an installed base), 0 otherwise; the branch on it is written
# as arithmetic, as in :func:`ramp`, so that floats, arrays and numba all take it.

def buffer_start(inventory: Any, life: Any) -> Any:
    """A node's buffer in month 0: its stock, ``inventory_months``; or, for a capital
    node, its installed base ``B = 1`` (a fraction of normal; the stock is not used)."""
    cap = life > 0
    return inventory * (1 - cap) + 1.0 * cap


def buffered(supply: Any, buffer: Any, life: Any) -> Any:
    """Availability from supply ``S`` and the buffer: ``min(1, S + stock)``; for a
    capital node the installed base, ``A = B``, whatever this month's supply."""
    cap = life > 0
    return buffer * cap + np.minimum(1.0, supply + buffer) * (1 - cap)


def drawn(supply: Any, avail: Any, buffer: Any, life: Any) -> Any:
    """The buffer after a month: the stock less what it supplied,
    ``max(0, stock − (A − S))``; for a capital node the installed base after a month in
    which ``1/life`` of it wore out and the month's flow of new units replaced it,
    ``B + (min(1, S) − B) / life``: it falls towards the flow while new units are
    missing, and recovers towards 1 when they arrive again (capital accumulation)."""
    cap = life > 0
    safe = life * cap + (1 - cap)  # the service life, or 1 where there is none
    base = buffer + (np.minimum(1.0, supply) - buffer) / safe
    stock = np.maximum(0.0, buffer - (avail - supply))
    return base * cap + stock * (1 - cap)
