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
#: Sweeps of a cycle across destination classes by the column-block kernel (in place, in
#: the level's order) before the numpy backend solves the chain exactly
#: (:mod:`riskmodel.engine.classcycles`, which takes one scenario at a time).
CLASS_CYCLE_SWEEPS = 200
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
#: Threads the kernels may use: ``"auto"`` takes numba's thread count
#: (``numba.set_num_threads``, ``NUMBA_NUM_THREADS``) less the cores other work keeps busy
#: (the 1-minute load average, this process's own thread not counted), at least one; a
#: number takes that many (at most numba's). The answers are the same whatever the count.
THREADS: int | str = "auto"
#: Inputs of one level (one column) from which the one-column kernel shares the level
#: among threads; a narrower level runs on the calling thread. Threads meet at the end
#: of every level they share: on this project's 2-core machine, quiet, one thread was
#: 2.9× faster than two at 10^5 nodes and 1.6× at 10^6 (levels of up to about a million
#: inputs; issue 16), so only levels wider than any measured are shared
#: (benchmarks/bench_engine.py reports one thread, this choice and every level shared).
PARALLEL_LEVEL_INPUTS = 4_000_000
#: Work (inputs and nodes × columns) a column block of the column-block kernel must have
#: before a further block runs on another thread. Blocks do not meet until the end, so a
#: block pays for its thread when it takes much longer than waking one (tens of
#: microseconds on a quiet machine; at ~10 ns a unit this is ~5 ms).
BLOCK_MIN_WORK = 500_000
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
