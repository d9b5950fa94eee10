"""The engine's tunables: convergence, which backend runs, and when the cone kernel is tried.

The engine reads these as ``settings.NAME`` when it runs, so a change takes effect at
once: ``riskmodel.engine.settings.BACKEND = "numpy"`` forces the numpy backend.
"""

from __future__ import annotations

#: A cycle has converged when no availability moves by more than this (docs/model.md §1.4).
TOL = 1e-13
#: Sweeps of a cycle before :class:`~riskmodel.ConvergenceError`.
MAX_ITER = 100_000
#: Sweeps of a cycle before it is solved exactly by policy iteration
#: (:mod:`riskmodel.engine.cycles`; sweeping goes on if that fails).
CYCLE_SWEEPS = 40
#: Policy-iteration rounds on a cycle before going back to sweeps.
POLICY_ROUNDS = 100
#: Largest part of a cycle (a strongly connected set of one policy's inputs that is not
#: a simple ring) solved by dense elimination; a larger one goes back to sweeps.
DENSE_MAX = 2000
#: ``"auto"`` (numba for large work, numpy otherwise), ``"numba"`` or ``"numpy"``; ``"cone"``
#: also forces the cone kernel where it applies (:func:`riskmodel.engine.cone_losses`).
BACKEND = "auto"
#: Work (edges × columns) from which ``auto`` uses the compiled kernel.
NUMBA_MIN_WORK = 200_000
#: Cut nodes per column up to which ``auto`` tries the cone kernel (:mod:`.cone`) ...
CONE_MAX_CUTS = 4.0
#: ... and the share of the column-block kernel's input reads it may make before giving
#: up. A read costs the cone kernel 6–8 times what it costs the block kernel (measured on
#: synthetic chains at 10^4 and 3·10^4 nodes), so 3% of the reads is about a quarter of
#: the block kernel's time: where cuts reach far, about 1.25× the block kernel at worst.
CONE_WORK_SHARE = 0.03
#: What counts as a loss (``reach``) and as stopped (``dead``) in
#: :class:`~riskmodel.engine.cones.Cones`.
TINY = 1e-9
