"""Cycle benchmark: closed rings solved exactly against sweeps alone, and a large chain
with cycles against the same chain without.

A *ring* of n nodes ``c0 → c1 → … → c0``, each the sole essential input of the next,
made at home (a closed cycle: no outside supply), with an end use on ``c0``; one cut of
a fraction x of ``c0``. Its greatest fixed point is exactly 0, which sweeps from 1 reach
only at the rate ``1 − x`` per sweep. For each size and fraction this times one static
propagation of the scenario by the numpy backend and by the one-column kernel:

- *after*: as the engine runs (a few sweeps, then the exact solution);
- *before*: sweeps alone (``settings.CYCLE_SWEEPS`` above ``MAX_ITER``, which is the
  engine before the exact solution), until they settle or ``ConvergenceError``.

*Reversed*: the synthetic chain of n nodes (``synthetic_chain(n, seed=1)``) with a share
of its single-input edges turned round (issue 16: 0.1% at 10^6 nodes), which closes
cycles through the layers; one static pass of a 70% cut of the country supplying the
most nodes, timed against the same pass on the chain as drawn (wall and CPU seconds,
medians), by the automatic backend and by numpy, with the largest difference between
the two answers.

Usage::

    python benchmarks/bench_cycles.py              # 3, 100, 10^4 nodes; x = 1e-2 … 1e-6
    python benchmarks/bench_cycles.py --smallest   # 3 nodes, x = 1e-2 and 1e-6 (CI)
    python benchmarks/bench_cycles.py --reversed 1000000   # the reversed chain only
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
from riskmodel.io.tables import ChainData
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import cut_spec
from riskmodel.synthetic import synthetic_chain

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


def reversed_chain(n: int, share: float, seed: int = 1) -> rm.Chain:
    """``synthetic_chain(n, seed=seed)`` with ``share`` of its edges turned round, drawn
    (from ``seed``) among the edges outside alternatives groups, so that every group
    keeps its members; an edge turned round closes a cycle wherever a path joins its
    ends."""
    data = synthetic_chain(n, seed=seed).to_data()
    e = data.edges.copy()
    rng = np.random.default_rng(seed)
    single = np.flatnonzero(e["group"].isna().to_numpy())
    pick = rng.choice(single, size=min(len(single), round(share * len(e))), replace=False)
    src, dst = e["from"].to_numpy().copy(), e["to"].to_numpy().copy()
    src[pick], dst[pick] = dst[pick], src[pick]
    e["from"], e["to"] = src, dst
    e = e.drop_duplicates(["from", "to"])  # an edge turned onto its reverse
    header = {**data.header, "name": f"reversed_{n}"}
    return rm.Chain.from_data(ChainData(header, data.nodes, data.suppliers, e), checked=True)


def static_pass(chain: rm.Chain, backend: str | None, repeats: int) -> dict:
    """Wall and CPU seconds (medians) of one static pass of a 70% cut of the country
    supplying the most nodes, after one warming pass; and the answer."""
    c = chain.compiled
    p = engine.params_from_compiled(c)
    hub = c.countries[int(np.argmax(np.bincount(c.supply.indices, minlength=len(c.countries))))]
    spec = cut_spec(chain, [Scenario([Cut(hub, fraction=0.7)])], p)
    A = engine.static(c, p, spec, backend=backend)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        A = engine.static(c, p, spec, backend=backend)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"wall_s": statistics.median(wall), "cpu_s": statistics.median(cpu), "A": A}


def reversed_rows(n: int, share: float, repeats: int) -> list[dict]:
    """The reversed chain against the chain as drawn: auto and numpy backends."""
    rows = []
    for label, chain in (("reversed", reversed_chain(n, share)),
                         ("as drawn", synthetic_chain(n, seed=1))):
        plan = engine.plan_for(chain.compiled)
        sizes, cyc = np.diff(plan.level_ptr), plan.level_cyclic
        row = {"n": n, "chain": label, "share_reversed": share if label == "reversed" else 0,
               "edges": int(plan.m), "levels": len(sizes), "cyclic_levels": int(cyc.sum()),
               "largest_cyclic_level": int(sizes[cyc].max()) if cyc.any() else 0}
        auto = static_pass(chain, None, repeats)
        ref = static_pass(chain, "numpy", max(1, repeats // 2))
        row.update(auto={k: v for k, v in auto.items() if k != "A"},
                   numpy={k: v for k, v in ref.items() if k != "A"},
                   max_abs_diff=float(np.max(np.abs(auto["A"] - ref["A"]))))
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true", help="3 nodes, x = 1e-2 and 1e-6")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "cycles.json")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--reversed", type=int, nargs="*", default=None,
                    help="sizes of the reversed chain (default 10^6; 10^3 with --smallest)")
    ap.add_argument("--share", type=float, default=None,
                    help="share of edges turned round (default 0.001; 0.01 with --smallest)")
    args = ap.parse_args()
    sizes = [3] if args.smallest else [3, 100, 10_000]
    fractions = [1e-2, 1e-6] if args.smallest else [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
    if args.reversed:  # the reversed chain only
        sizes = []
    big = args.reversed or ([1000] if args.smallest else [1_000_000])
    load_before = os.getloadavg()
    rows, turned = [], []
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
    for n in big:
        share = args.share or (0.01 if args.smallest else 0.001)
        turned += reversed_rows(n, share, 2 if args.smallest else args.repeats)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    out = {"machine": platform.platform(), "cpus": os.cpu_count(), "commit": commit,
           "load_before": load_before, "load_after": os.getloadavg(),
           "max_iter": settings.MAX_ITER, "cycle_sweeps": settings.CYCLE_SWEEPS,
           "repeats": args.repeats, "rows": rows, "reversed": turned}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
