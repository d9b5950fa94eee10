"""Scoring benchmark: full `score` and cut sets on layered synthetic chains.

Targets (issue 4, 2-core machine): full score (all indicators, exact choke score for
every node) of a 10^4-node chain ≤ 10 s; of a 10^5-node chain ≤ 60 s; beyond that,
exact for the nodes that can reach the top (the pruning bounds); cut sets up to size 3
over 40 countries on a 10^4-node chain ≤ 30 s.

Each choke score is the share of end-use value lost over 24 months when the node's
dominant controlling country stops it to all destinations (docs/model.md §2.3). Such a
stop spares the country's own producers; without restrictions in force every stop runs
on the cone kernel (``riskmodel.scoring.spared``): as a lost supply where the country
makes no direct successor of the node, else as a lost supply with the country's
producers of the successors seeing the node uncut (``spared_columns``: their share of
the cut nodes); only the others (``class_columns``: a node or successor on a cycle, a
world with shares of its own) run over destination classes on the column-block kernel.

Single-node cuts run on the cone kernel, whose work grows with how far each cut
reaches; so that the figure does not hide that, the smallest full size is also scored
with the column-block kernel alone (``engine.settings.BACKEND = "numba"``), the engine's path
when cuts reach far.

Usage::

    python benchmarks/bench_score.py               # 10^4, 10^5 and 10^6
    python benchmarks/bench_score.py --smallest    # 10^3 only (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import riskmodel as rm
from riskmodel import engine
from riskmodel.synthetic import synthetic_chain

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--cutset-size", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed runs at 10^4 nodes or fewer (median reported)")
    ap.add_argument("--out", default=str(HERE / "results" / "score.json"))
    args = ap.parse_args(argv)
    sizes = [1000] if args.smallest else [int(x) for x in args.sizes.split(",")]
    if args.smallest:
        args.repeats = 1
    cut_n = 1000 if args.smallest else args.cutset_size
    out: dict = {"score": [], "cutsets": None, "started": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                        time.gmtime()),
                 "load_before": os.getloadavg()}
    warm = synthetic_chain(500, seed=2)
    rm.score(warm)  # compile the kernel outside the timings
    for n in sizes:
        chain = synthetic_chain(n, seed=3)
        _ = chain.compiled
        times, cpu = [], []
        for _ in range(args.repeats if n <= 10_000 else 1):
            t0, c0 = time.perf_counter(), time.process_time()
            s = rm.score(chain)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)  # all threads: steadier under load
        row = {"n": n, "load": os.getloadavg()[0], "edges": int(chain.compiled.m),
               "seconds": statistics.median(times), "all_seconds": times,
               "cpu_seconds": statistics.median(cpu),
               "exact_nodes": int(s["choke_exact"].sum()), "exact": s.attrs["exact"],
               "betweenness": s.attrs["betweenness"],
               "top5": list(map(str, s.index[:5])), **_paths(chain)}
        if n == sizes[0]:
            engine.settings.BACKEND = "numba"  # the column-block kernel alone
            t0 = time.perf_counter()
            d = rm.score(chain)
            row["block_kernel_seconds"] = time.perf_counter() - t0
            engine.settings.BACKEND = "auto"
            # over the nodes both scored exactly (the column-block kernel alone may
            # prune), every number but the rank (which counts the others)
            both = s.index[s["choke_exact"] & d.loc[s.index, "choke_exact"]]
            num = s.select_dtypes("number").columns.drop("rank")
            row["block_kernel_exact_nodes"] = int(d["choke_exact"].sum())
            row["block_kernel_max_abs_diff"] = float(
                (s.loc[both, num] - d.loc[both, num]).abs().max().max())
        out["score"].append(row)
        print(json.dumps(row), flush=True)
    chain = synthetic_chain(cut_n, seed=5, countries=40)
    _ = chain.compiled
    t0 = time.perf_counter()
    cs = rm.cutsets(chain, max_size=3)
    elapsed = time.perf_counter() - t0
    out["cutsets"] = {"n": cut_n, "countries": cs.attrs["candidates"],
                      "evaluated": cs.attrs["evaluated"], "found": len(cs),
                      "seconds": elapsed}
    print(json.dumps(out["cutsets"]), flush=True)
    out["load_after"] = os.getloadavg()
    print(json.dumps({"load_before": out["load_before"], "load_after": out["load_after"]}))
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")
    return 0


def _paths(chain: rm.Chain) -> dict[str, float]:
    """The shares of the cut nodes whose stop to all runs on the cone kernel with
    producers spared (``spared_columns``) and over destination classes
    (``class_columns``)."""
    import numpy as np

    from riskmodel.scoring.cuts import control_shares, dominant_keys, expansion, keys_of
    from riskmodel.scoring.spared import spared_nowhere, spared_producers

    c = chain.compiled
    expand = expansion(chain)
    keys, (home, _) = keys_of(c), control_shares(c, expand)
    countries, _ = dominant_keys(c, home, keys)
    nodes = np.array([j for j, x in enumerate(countries) if x is not None], dtype=np.int64)
    if not len(nodes):
        return {"spared_columns": 0.0, "class_columns": 0.0}
    names = [countries[j] for j in nodes]
    plain = spared_nowhere(c, nodes, names, expand)
    ok, _ = spared_producers(c, engine.params_from_compiled(c), nodes, names, expand)
    return {"spared_columns": float((~plain & ok).mean()),
            "class_columns": float((~plain & ~ok).mean())}


if __name__ == "__main__":
    sys.exit(main())
