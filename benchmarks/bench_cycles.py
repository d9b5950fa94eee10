"""Closed-cycle benchmark: cycles solved exactly against sweeps alone.

A *ring* of n nodes ``c0 → c1 → … → c0``, each the sole essential input of the next,
made at home (a closed cycle: no outside supply), with an end use on ``c0``; one cut of
a fraction x of ``c0``. Its greatest fixed point is exactly 0, which sweeps from 1 reach
only at the rate ``1 − x`` per sweep. For each size and fraction this times one static
propagation of the scenario by the numpy backend and by the one-column kernel:

- *after*: as the engine runs (a few sweeps, then the exact solution);
- *before*: sweeps alone (``settings.CYCLE_SWEEPS`` above ``MAX_ITER``, which is the
  engine before the exact solution), until they settle or ``ConvergenceError``.

Usage::

    python benchmarks/bench_cycles.py              # 3, 100, 10^4 nodes; x = 1e-2 … 1e-6
    python benchmarks/bench_cycles.py --smallest   # 3 nodes, x = 1e-2 and 1e-6 (CI)
    python benchmarks/bench_cycles.py --out results.json

Writes medians (and the load average of the machine before and after) to a JSON file
(default ``benchmarks/results/cycles.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import networkx as nx
import numpy as np

import riskmodel as rm
from riskmodel import engine
from riskmodel.engine import settings
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec

HERE = Path(__file__).resolve().parent


def ring(n: int) -> rm.Chain:
    """The closed ring of ``n`` nodes with an end use on ``c0`` (home view, CN)."""
    g = nx.DiGraph()
    for i in range(n):
        g.add_node(f"c{i}", stage="midstream")
    g.add_node("car", stage="end_use", value=1.0)
    g.add_edges_from((f"c{i}", f"c{(i + 1) % n}") for i in range(n))
    g.add_edge("c0", "car")
    return rm.Chain(g, name=f"ring{n}", perspective={"home": "CN"})


def one(chain: rm.Chain, fraction: float, backend: str, exact: bool, repeats: int) -> dict:
    """Median seconds of one static propagation, and the largest availability left."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    spec = cut_spec(chain, [Scenario([Cut("CN", nodes=("c0",), fraction=fraction, to="world")])],
                    p)
    saved = settings.CYCLE_SWEEPS
    settings.CYCLE_SWEEPS = saved if exact else settings.MAX_ITER + 1
    times, top, error = [], None, None
    try:
        if exact:
            engine.static(c, p, spec, backend=backend)  # compile, warm caches
        for _ in range(repeats):
            t0 = time.perf_counter()
            try:
                top = float(np.max(engine.static(c, p, spec, backend=backend)))
            except rm.ConvergenceError as e:  # sweeps alone: timed until they give up
                error = str(e)
            times.append(time.perf_counter() - t0)
    finally:
        settings.CYCLE_SWEEPS = saved
    return {"seconds": statistics.median(times), "max_availability": top, "error": error}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true", help="3 nodes, x = 1e-2 and 1e-6")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "cycles.json")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sizes = [3] if args.smallest else [3, 100, 10_000]
    fractions = [1e-2, 1e-6] if args.smallest else [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
    load_before = os.getloadavg()
    rows = []
    for n in sizes:
        chain = ring(n)
        for x in fractions:
            for backend in ("numpy", "numba"):
                after = one(chain, x, backend, True, args.repeats)
                # sweeps alone: one run where they take seconds (numpy beyond 100 nodes
                # would take minutes per point: not run)
                before = (one(chain, x, backend, False, 1)
                          if backend == "numba" or n <= 100 else None)
                rows.append({"n": n, "fraction": x, "backend": backend, "after": after,
                             "before": before})
                print(json.dumps(rows[-1]), flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    out = {"machine": platform.platform(), "cpus": os.cpu_count(), "commit": commit,
           "load_before": load_before, "load_after": os.getloadavg(),
           "max_iter": settings.MAX_ITER, "cycle_sweeps": settings.CYCLE_SWEEPS,
           "repeats": args.repeats, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
