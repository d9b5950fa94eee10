"""Targets benchmark: what scoring costs by a mid-chain target against end-use value.

On a synthetic chain (``riskmodel.synthetic.synthetic_chain``) the full ``rm.score`` runs
twice: by end-use value, and by a target of ten mid-chain nodes (the loss of those nodes,
``target=``, riskmodel.targets). A target moves the loss weights off the end uses, so the
reach bound and the cone kernel see other weights; this reports both times, their ratio,
how many nodes each scored exactly, and that the cone and column-block kernels agree on
the targeted scores (the column-block kernel alone, ``engine.settings.BACKEND = "numba"``,
on the smallest chain).

Usage::

    python benchmarks/bench_targets.py               # 10,000 and 100,000 nodes
    python benchmarks/bench_targets.py --smallest    # 1,000 nodes (CI)
    python benchmarks/bench_targets.py --out results.json

Writes medians (and the load average before and after) to a JSON file (default
``benchmarks/results/targets.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

import riskmodel as rm
from riskmodel import engine
from riskmodel.synthetic import synthetic_chain

HERE = Path(__file__).resolve().parent


def _median(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _mid_chain(chain: rm.Chain, count: int) -> list[str]:
    """``count`` nodes of the middle stage, spread over it."""
    c = chain.compiled
    mid = np.flatnonzero(c.stage == len(c.stages) // 2)
    pick = mid[np.linspace(0, len(mid) - 1, count).astype(int)]
    return [str(c.ids[j]) for j in pick]


def run(n: int, repeats: int, check: bool) -> dict:
    chain = synthetic_chain(n, seed=1)
    chain.compiled  # noqa: B018 (compile outside the timing)
    target = _mid_chain(chain, 10)
    rm.score(chain, target=target)  # numba compile outside the timing
    t_end, end = _median(lambda: rm.score(chain), repeats)
    t_tgt, tgt = _median(lambda: rm.score(chain, target=target), repeats)
    row = {"n": n, "edges": int(chain.compiled.m), "target": target, "repeats": repeats,
           "end_use_s": t_end, "target_s": t_tgt, "ratio": t_tgt / t_end,
           "exact_end_use": int(end["choke_exact"].sum()),
           "exact_target": int(tgt["choke_exact"].sum()),
           "top5_target": [str(x) for x in tgt.index[:5]]}
    if check:
        old = engine.settings.BACKEND
        try:
            engine.settings.BACKEND = "numba"
            block = rm.score(chain, target=target)
        finally:
            engine.settings.BACKEND = old
        cols = ["choke_score", "choke_immediate", "knockout_loss"]
        row["max_abs_diff_block"] = float(np.nanmax(np.abs(
            block.loc[tgt.index, cols].to_numpy(float) - tgt[cols].to_numpy(float))))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smallest", action="store_true", help="1,000 nodes only (CI)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "targets.json")
    args = ap.parse_args()
    sizes = [(1_000, 3, True)] if args.smallest else [(10_000, 3, True), (100_000, 3, False)]
    load = [os.getloadavg()[0]]
    rows = [run(n, r, check) for n, r, check in sizes]
    load.append(os.getloadavg()[0])
    out = {"rows": rows, "load_before": load[0], "load_after": load[1],
           "cpus": os.cpu_count()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for r in rows:
        print(f"{r['n']:>7} nodes: end use {r['end_use_s']:.2f} s, target {r['target_s']:.2f} s "
              f"(×{r['ratio']:.2f}); exact {r['exact_end_use']} / {r['exact_target']}"
              + (f"; cone vs block {r['max_abs_diff_block']:.1e}"
                 if "max_abs_diff_block" in r else ""))
    print(f"load average {load[0]:.2f} → {load[1]:.2f}")


if __name__ == "__main__":
    main()
