"""Engine benchmark: reference vs fast engine on layered synthetic chains.

Measures, in one run on this machine:

- compile time of a chain from its tables;
- one static propagation (median of repeats) with the fast engine, and per scenario
  with the networkx reference (where it finishes in reasonable time);
- the same static propagation on one thread, with the threads as the engine chooses
  them (*auto*) and with every level and column block shared among all threads
  (*shared*: what the engine did before it chose by the work);
- 1,000 scenarios as one batch (chunked), with the peak memory of the process, auto
  and on one thread;
- the achieved memory bandwidth of one propagation pass against a numpy copy of 1 GB;
- a 24-month dynamic simulation of a built-in chain from the CLI, process start to output.

Usage::

    python benchmarks/bench_engine.py                 # full sizes (minutes)
    python benchmarks/bench_engine.py --smallest      # 10^3 only (CI)
    python benchmarks/bench_engine.py --out results.json

Writes medians to a JSON file (default ``benchmarks/results/engine.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
from measure import copy_bandwidth

from riskmodel import engine
from riskmodel.engine import reference, settings
from riskmodel.scenario import Cut, Scenario
from riskmodel.simulation import chunk_size, cut_spec
from riskmodel.synthetic import synthetic_chain

HERE = Path(__file__).resolve().parent


def timed(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def pass_bytes(c) -> int:
    """Bytes one static propagation reads and writes (a lower bound): per edge the source
    index, edge number, covers and the gathered availability; per node a, b, P, A."""
    return c.m * (8 + 8 + 8 + 8) + c.n * (8 * 6)


def batch_scenarios(chain, k: int, rng) -> list[Scenario]:
    countries = chain.compiled.countries
    return [Scenario([Cut(str(rng.choice(countries)), fraction=float(rng.uniform(0.3, 1)))],
                     name=f"s{i}") for i in range(k)]


def thread_times(fn, repeats: int) -> dict:
    """Median seconds of ``fn`` on one thread, as the engine chooses (auto), and with
    every level and column block shared among all threads."""
    threads = numba.get_num_threads()
    saved = settings.PARALLEL_LEVEL_INPUTS, settings.BLOCK_MIN_WORK
    out = {}
    try:
        for label, n_threads, share in (("one_thread", 1, False), ("auto", threads, False),
                                        ("shared", threads, True)):
            numba.set_num_threads(n_threads)
            if share:
                settings.PARALLEL_LEVEL_INPUTS = settings.BLOCK_MIN_WORK = 1
            fn()  # warm
            out[label] = timed(fn, repeats)[0]
    finally:
        numba.set_num_threads(threads)
        settings.PARALLEL_LEVEL_INPUTS, settings.BLOCK_MIN_WORK = saved
    return out


def run_batch(n: int, k: int, seed: int, threads: int = 0) -> dict:
    """1000 static scenarios on an n-node chain; run in a child process for peak memory,
    on ``threads`` threads (0: as many as numba has)."""
    if threads:
        numba.set_num_threads(threads)
    chain = synthetic_chain(n, seed=seed)
    c = chain.compiled
    p = engine.params_from_compiled(c)
    rng = np.random.default_rng(seed)
    scs = batch_scenarios(chain, k, rng)
    size = chunk_size(c.n, k)
    t0 = time.perf_counter()
    losses = []
    for lo in range(0, k, size):
        spec = cut_spec(chain, scs[lo:lo + size], p)
        A = engine.static(c, p, spec)
        losses.append(engine.end_use_loss(p, A))
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"n": n, "edges": int(c.m), "scenarios": k, "chunk": size, "seconds": elapsed,
            "threads": numba.get_num_threads(), "peak_rss_bytes": peak,
            "mean_loss": float(np.concatenate(losses).mean())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--smallest", action="store_true", help="only 10^3 nodes (for CI)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--reference-max", type=int, default=100_000,
                    help="largest size to run the networkx reference on")
    ap.add_argument("--batch", default="100000,1000000", help="sizes for the 1000-scenario batch")
    ap.add_argument("--out", default=str(HERE / "results" / "engine.json"))
    ap.add_argument("--child-batch", nargs=3, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_batch:
        n, k, threads = args.child_batch
        print(json.dumps(run_batch(n, k, 0, threads)))
        return 0
    sizes = [1000] if args.smallest else [int(x) for x in args.sizes.split(",")]
    batch_sizes = [1000] if args.smallest else [int(x) for x in args.batch.split(",")]
    repeats = 2 if args.smallest else args.repeats
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "numpy": np.__version__, "numba": numba.__version__,
                             "threads": numba.get_num_threads()},
                 "load_before": os.getloadavg(), "sizes": []}
    copy_size = (64 if args.smallest else 1024) * 1024**2
    bw = copy_bandwidth(copy_size, repeats)
    out["copy_bandwidth_gb_s"] = bw
    out["copy_bytes"] = copy_size
    for n in sizes:
        row: dict = {"n": n}
        t0 = time.perf_counter()
        chain = synthetic_chain(n, seed=1)
        row["generate_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        c = chain.compiled
        row["compile_s"] = time.perf_counter() - t0
        row["edges"] = int(c.m)
        row["levels"] = len(c.level_ptr) - 1
        p = engine.params_from_compiled(c)
        engine.plan_for(c)
        hub_country = c.countries[int(np.argmax(np.bincount(
            c.supply.indices, minlength=len(c.countries))))]
        sc = Scenario([Cut(hub_country, fraction=0.7)])
        spec = cut_spec(chain, [sc], p)
        engine.static(c, p, spec)  # warm
        med, times = timed(lambda c=c, p=p, spec=spec: engine.static(c, p, spec), repeats)
        row["fast_static_s"] = med
        row["fast_static_all_s"] = times
        row["achieved_bandwidth_gb_s"] = pass_bytes(c) / med / 1e9
        row["bandwidth_fraction_of_copy"] = row["achieved_bandwidth_gb_s"] / bw
        row["static_threads_s"] = thread_times(
            lambda c=c, p=p, spec=spec: engine.static(c, p, spec), repeats)
        if n <= args.reference_max:
            t0 = time.perf_counter()
            _ = chain.graph
            row["build_graph_s"] = time.perf_counter() - t0
            ref_reps = 1 if n >= 100_000 else min(3, repeats)
            med_ref, _ = timed(lambda chain=chain, sc=sc: reference.availability(chain, sc),
                               ref_reps)
            row["reference_static_s"] = med_ref
            row["speedup"] = med_ref / med
            fast = engine.static(c, p, spec)[:, 0]
            ref = reference.availability(chain, sc) if n <= 10_000 else None
            if ref is not None:
                row["max_abs_diff"] = float(max(abs(fast[i] - ref[x])
                                                for i, x in enumerate(c.ids)))
        out["sizes"].append(row)
        print(json.dumps({k: v for k, v in row.items() if not k.endswith("all_s")}),
              flush=True)
    out["batch"] = []
    for n in batch_sizes:
        k = 1000
        for threads in (0, 1):  # auto, then one thread
            r = subprocess.run([sys.executable, __file__, "--child-batch", str(n), str(k),
                                str(threads)], capture_output=True, text=True, check=True)
            res = json.loads(r.stdout)
            out["batch"].append(res)
            print(json.dumps(res), flush=True)
    cli = [sys.executable, "-m", "riskmodel", "simulate", "industrial_robots", "--scenario",
           "japan_core_component_cut", "--months", "24"]
    med, times = timed(lambda: subprocess.run(cli, capture_output=True, check=True), repeats)
    out["cli_simulate_builtin_s"] = med
    out["load_after"] = os.getloadavg()
    print(json.dumps({"cli_simulate_builtin_s": med, "load": out["load_after"]}), flush=True)
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
