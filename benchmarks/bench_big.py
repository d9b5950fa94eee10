"""A big chain on one machine: 10^7 edges (2·10^6 nodes) through load, validate, score
and simulate, with the time and the peak memory of each step (issue 17, item 6).

A synthetic chain (:func:`riskmodel.synthetic.synthetic_chain`, seed 1, home CN, with
``--inputs`` inputs a node on average; 5.6 gives about 5 edges a node) is generated and
saved as a CSV bundle (:func:`riskmodel.save`) in one process. A second, fresh process
then runs what a user would, one step after the other:

- ``load``: :func:`riskmodel.load` of the bundle;
- ``compile``: ``chain.compiled``, the arrays the engine reads (timed apart, since the
  first of the next steps would otherwise pay it);
- ``validate``: :func:`riskmodel.validate` of the loaded chain;
- ``simulate``: :func:`riskmodel.simulate` of a 12-month scenario, the chain's most
  common foreign supplier country cutting 60% of what it supplies;
- ``score``: :func:`riskmodel.score` with its defaults (on a chain this size the
  pruning bounds pick which nodes get an exact dynamic choke score). It runs last, as
  the longest step: a run stopped during it keeps the other figures (printed as they
  end).

Each step records its wall and CPU seconds and the peak resident memory of the process
*during that step* (Linux: ``VmHWM`` of ``/proc/self/status``, reset before each step by
writing ``5`` to ``/proc/self/clear_refs``; elsewhere the process peak so far, from
``resource.getrusage``); the process peak over the whole run is the largest step's.
The numpy copy bandwidth of a 1 GB array is measured in the same run, before the chain
is generated, so that the times can be compared across machines.
``--trace`` also runs :mod:`tracemalloc` and records the largest allocation sites at each
step's peak (slow: for finding what holds memory, not for the times).

Usage::

    python benchmarks/bench_big.py                        # 2·10^6 nodes, ~10^7 edges
    python benchmarks/bench_big.py --nodes 1000000        # half the size first
    python benchmarks/bench_big.py --smallest             # 3,000 nodes (the test suite)
    python benchmarks/bench_big.py --keep DIR             # keep (or reuse) the bundle in DIR

Writes the figures (and the load average before and after) to a JSON file (default
``benchmarks/results/big.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import copy_bandwidth, max_rss, peak_bytes, reset_peak

HERE = Path(__file__).resolve().parent
GB = 1024 ** 3
#: the inputs a node of the generated chain draws on average: about 5 edges a node
#: once repeated draws merge, so 2·10^6 nodes have about 10^7 edges
INPUTS = 5.6


def _step(record: dict, name: str, fn, trace: bool):
    """Run ``fn()`` as step ``name``; record its times and peak memory; return its result."""
    import tracemalloc

    per_step = reset_peak()
    if trace:
        tracemalloc.start(1)
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    row = {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c,
           "peak_rss_gb": peak_bytes() / GB, "peak_is_per_step": per_step}
    if trace:
        snap = tracemalloc.take_snapshot()
        row["traced_peak_gb"] = tracemalloc.get_traced_memory()[1] / GB
        tracemalloc.stop()
        row["largest_live_sites"] = [f"{s.traceback[0].filename}:{s.traceback[0].lineno} "
                                     f"{s.size / GB:.3f} GB"
                                     for s in snap.statistics("lineno")[:8]]
    record[name] = row
    print(json.dumps({name: row}), flush=True)
    return out


def generate(n: int, inputs: float, folder: Path, trace: bool) -> dict:
    """Generate the chain and save it as a bundle in ``folder`` (this process)."""
    import riskmodel as rm
    from riskmodel.synthetic import synthetic_chain

    steps: dict = {}
    chain = _step(steps, "generate", lambda: synthetic_chain(n, inputs=inputs, seed=1), trace)
    _step(steps, "save", lambda: rm.save(chain, folder), trace)
    return {"steps": steps, "nodes": len(chain), "edges": chain.number_of_edges(),
            "suppliers": len(chain.suppliers), "peak_rss_gb": _process_peak(steps)}


def pipeline(folder: Path, trace: bool) -> dict:
    """Load the bundle and run validate, score and simulate (this process)."""
    import riskmodel as rm

    steps: dict = {}
    chain = _step(steps, "load", lambda: rm.load(folder), trace)
    _step(steps, "compile", lambda: chain.compiled, trace)
    report = _step(steps, "validate", lambda: rm.validate(chain), trace)
    country = _top_foreign(chain)
    scenario = rm.Scenario([rm.Cut(country, fraction=0.6)], months=12, name="big_cut")
    summary = _step(steps, "simulate", lambda: rm.simulate(chain, scenario), trace).summary
    out = {"steps": steps, "warnings": len(report.warnings), "cut_country": country,
           "immediate_loss": float(summary["immediate_loss"]),
           "long_run_loss": float(summary["long_run_loss"])}
    print(json.dumps(out), flush=True)  # what a run stopped during the score keeps
    scores = _step(steps, "score", lambda: rm.score(chain), trace)
    return {**out, "peak_rss_gb": _process_peak(steps), "top_node": str(scores.index[0]),
            "top_choke_score": float(scores["choke_score"].iloc[0]),
            "exact": scores.attrs.get("exact")}


def _process_peak(steps: dict) -> float:
    """The peak resident memory of this process over its steps, in GB: the largest
    step's (the peak of each step is reset before it, which resets ``ru_maxrss`` too on
    Linux), or ``ru_maxrss`` where the peak could not be reset."""
    return max([max_rss() / GB] * (not all(s["peak_is_per_step"] for s in steps.values()))
               + [s["peak_rss_gb"] for s in steps.values()])


def _top_foreign(chain) -> str:
    """The foreign country that supplies the most node shares."""
    sup = chain.suppliers
    foreign = sup[(sup["country"] != chain.home) & (sup["country"] != "other")]
    return str(foreign.groupby("country")["share"].sum().idxmax())


def _child(args: list[str]) -> dict:
    """Run this script on ``args`` in a fresh interpreter, showing each step as it
    ends; its last line, parsed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with subprocess.Popen([sys.executable, __file__, *args], env=env,
                          stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        last = ""
        for line in proc.stdout:
            last = line.strip()
            print("  " + last, flush=True)
    if proc.returncode:
        raise SystemExit(f"the {args[1]} step failed (exit status {proc.returncode})")
    return json.loads(last)


def measure(n: int, inputs: float, keep: Path | None, trace: bool) -> dict:
    """Generate (unless ``keep`` holds the bundle already) and run the pipeline, each in
    its own process."""
    row: dict = {"n": n, "inputs": inputs}
    with tempfile.TemporaryDirectory(prefix="bench_big_") as tmp:
        folder = keep if keep is not None else Path(tmp) / "chain"
        flags = ["--trace"] if trace else []
        if not folder.exists():
            row["generate"] = _child(["--child", "generate", "--nodes", str(n),
                                      "--inputs", str(inputs), "--folder", str(folder),
                                      *flags])
        row["bundle_mb"] = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
        row["pipeline"] = _child(["--child", "pipeline", "--folder", str(folder), *flags])
    return row


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=2_000_000)
    ap.add_argument("--inputs", type=float, default=INPUTS)
    ap.add_argument("--smallest", action="store_true", help="3,000 nodes (the test suite)")
    ap.add_argument("--keep", type=Path, help="a folder for the bundle, reused if it exists")
    ap.add_argument("--trace", action="store_true", help="also run tracemalloc (slow)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "big.json")
    ap.add_argument("--child", choices=["generate", "pipeline"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "generate":
        print(json.dumps(generate(args.nodes, args.inputs, args.folder, args.trace)))
        return {}
    if args.child == "pipeline":
        print(json.dumps(pipeline(args.folder, args.trace)))
        return {}
    n = 3000 if args.smallest else args.nodes
    out: dict = {"machine": platform.platform(), "cores": os.cpu_count(),
                 "load_before": os.getloadavg(), "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                       time.gmtime())}
    out["copy_bandwidth_gb_s"] = copy_bandwidth(64 << 20 if args.smallest else 1 << 30)
    print(json.dumps(out), flush=True)
    out["run"] = measure(n, args.inputs, args.keep, args.trace)
    out["load_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")
    return out


if __name__ == "__main__":
    main()
