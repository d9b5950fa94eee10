"""Dask benchmark: a Monte Carlo run serially and on a local cluster of 2 workers.

On a synthetic chain (``riskmodel.synthetic.synthetic_chain``, home CN) with ranges
given to half the substitutabilities and inventories (×0.5–1.5, triangular) and to 30%
of the supplier shares (×0.8–1.2), it runs one scenario (the first foreign country
cutting 60% of what it supplies, 12 months) over ``draws`` draws:

- serially (``client=None``; numba uses every core);
- on a ``LocalCluster`` of 2 worker processes of 1 thread each: the cluster's start,
  a first run of one block (the chain scattered to each worker, riskmodel and numba
  imported there) and the full run on the warm workers, and checks that every draw
  is byte-identical to the serial run's;
- the overhead per task: 201 tasks that do nothing but read the scattered chain,
  against one (both scatter the chain first).

Usage::

    python benchmarks/bench_dask.py                # 10^5 nodes, 10,000 draws
    python benchmarks/bench_dask.py --draws 1000   # fewer draws
    python benchmarks/bench_dask.py --smallest     # 2,000 nodes, 256 draws (CI)

Writes the times (and the load average before and after) to a JSON file (default
``benchmarks/results/dask.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import time
import warnings
from pathlib import Path

import numpy as np

import riskmodel as rm
from riskmodel.distributed import run
from riskmodel.model import Chain
from riskmodel.synthetic import synthetic_chain
from riskmodel.uncertainty import BLOCK, ranged_count

HERE = Path(__file__).resolve().parent


def ranged_chain(n: int, seed: int = 1) -> Chain:
    """A synthetic chain with ranges on half its substitutabilities and inventories and
    on 30% of its supplier shares."""
    data = synthetic_chain(n, seed=seed).to_data()
    rng = np.random.default_rng(seed)
    nodes = data.nodes.copy()
    for field, top in (("inventory_months", np.inf), ("substitutability", 1.0)):
        v = nodes[field].to_numpy(dtype=float)
        pick = ~np.isnan(v) & (v > 0) & (rng.random(len(v)) < 0.5)
        nodes[f"{field}.low"] = np.where(pick, v * 0.5, np.nan)
        nodes[f"{field}.high"] = np.where(pick, np.minimum(v * 1.5, top), np.nan)
    sups = data.suppliers.copy()
    s = sups["share"].to_numpy(dtype=float)
    pick = (rng.random(len(s)) < 0.3) & (sups["country"] != "other").to_numpy()
    sups["share.low"] = np.where(pick, s * 0.8, np.nan)
    sups["share.high"] = np.where(pick, np.minimum(s * 1.2, 1.0), np.nan)
    data.nodes, data.suppliers = nodes, sups
    return Chain.from_data(data)


def _touch(chain: Chain, unit: int) -> int:
    """A task that does nothing but read the shared chain."""
    return chain.compiled.n + unit


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def measure(n: int, draws: int, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from riskmodel.cli.cluster import QUIET_HTTP

    chain, build_s = _timed(lambda: ranged_chain(n))
    c = chain.compiled
    home_foreign = [x for x in c.countries if x != c.home]
    scenario = rm.Scenario([rm.Cut(home_foreign[0], fraction=0.6)], months=12)
    row: dict = {"n": n, "edges": int(c.m), "draws": draws, "blocks": -(-draws // BLOCK),
                 "ranged_values": ranged_count(chain), "build_s": build_s,
                 "pickled_chain_mb": len(pickle.dumps(chain, protocol=5)) / 1e6}
    serial, row["serial_s"] = _timed(lambda: rm.monte_carlo(chain, scenario, draws=draws,
                                                            seed=0))
    with warnings.catch_warnings():  # a machine without network: Dask takes 127.0.0.1
        warnings.filterwarnings("ignore", "Couldn't detect a suitable IP address",
                                RuntimeWarning)
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               **QUIET_HTTP)
    with cluster, Client(cluster) as client:
        row["cluster_start_s"] = time.perf_counter() - t0
        # a first run of one block warms the workers (the chain scattered to each,
        # riskmodel and numba imported there); the full run follows on warm workers
        first, row["cluster_first_block_s"] = _timed(
            lambda: rm.monte_carlo(chain, scenario, draws=BLOCK, seed=0, client=client))
        mc, row["cluster_warm_s"] = _timed(lambda: rm.monte_carlo(
            chain, scenario, draws=draws, seed=0, client=client))
        row["identical"] = (mc.draws.to_numpy().tobytes()
                            == serial.draws.to_numpy().tobytes()
                            and first.draws.to_numpy().tobytes()
                            == serial.draws.to_numpy()[:BLOCK].tobytes())
        # the chain scattered and one task, then the chain scattered and 201 tasks
        _, row["scatter_and_one_task_s"] = _timed(lambda: run(_touch, chain, [0],
                                                              client=client))
        _, many = _timed(lambda: run(_touch, chain, range(201), client=client))
        row["overhead_per_task_ms"] = 1000 * (many - row["scatter_and_one_task_s"]) / 200
    row["speedup_warm"] = row["serial_s"] / row["cluster_warm_s"]
    row["serial_per_block_s"] = row["serial_s"] / row["blocks"]
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE / "results" / "dask.json"))
    ap.add_argument("--smallest", action="store_true", help="2,000 nodes, 256 draws")
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    n, draws = (2000, 4 * BLOCK) if args.smallest else (args.nodes, args.draws)
    load_before = os.getloadavg()
    row = measure(n, draws, args.workers)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": platform.platform(), "cores": os.cpu_count(),
                               "workers": args.workers, "load_before": load_before,
                               "load_after": os.getloadavg(), "results": [row]}, indent=2),
                   encoding="utf-8")
    print(json.dumps(row, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
