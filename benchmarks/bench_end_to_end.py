"""End to end: a synthetic CSV bundle through load, validate, score and report (issue 16).

For each size a synthetic chain (:func:`riskmodel.synthetic.synthetic_chain`, seed 1,
home CN) is generated and saved as a CSV bundle (:func:`riskmodel.save`) in this
process. A fresh process then does what a user would, one step after the other:

- ``load``: :func:`riskmodel.load` of the bundle;
- ``validate``: :func:`riskmodel.validate` of the bundle (as ``riskmodel validate``);
- ``score``: :func:`riskmodel.score` of the loaded chain, with its defaults;
- ``report``: :func:`riskmodel.report` of the loaded chain in every format (HTML,
  Markdown, JSON, and the long tables as CSV files), ``--mc`` Monte Carlo draws.

Each step records its wall and CPU seconds and the peak resident memory of the process
during that step (Linux: ``VmHWM``, reset before each step through
``/proc/self/clear_refs``; elsewhere the peak so far), or the error that stopped it (the
steps after a failed one are not run). The report's size is the bytes of its folder,
with its largest files. The numpy copy bandwidth (``np.copyto`` of 1 GB, 64 MB with
``--smallest``) is measured in the same run, before the chains are generated, and the
load average before and after, so that figures can be compared across machines and
loads.

Usage::

    python benchmarks/bench_end_to_end.py                    # 10^5 and 10^6 nodes
    python benchmarks/bench_end_to_end.py --sizes 100000     # one size
    python benchmarks/bench_end_to_end.py --smallest         # 10^3 nodes (the test suite)

Writes the figures to a JSON file (default ``benchmarks/results/end_to_end.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import copy_bandwidth, peak_bytes, reset_peak

HERE = Path(__file__).resolve().parent
STEPS = ("load", "validate", "score", "report")


def _folder_bytes(folder: Path) -> tuple[int, list[tuple[str, int]]]:
    """The bytes of the files under ``folder`` and its five largest files."""
    sizes = [(str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*")
             if p.is_file()]
    return sum(s for _, s in sizes), sorted(sizes, key=lambda x: -x[1])[:5]


def run_steps(bundle: Path, out: Path, mc: int) -> dict:
    """Load, validate, score and report ``bundle`` in this process; each step's figures."""
    import riskmodel as rm

    steps: dict = {}
    chain = None

    def do(name: str, fn) -> bool:
        reset = reset_peak()
        w, c = time.perf_counter(), time.process_time()
        try:
            fn()
            error = None
        except Exception as e:  # a step that fails (out of memory too) is a figure too
            error = f"{type(e).__name__}: {str(e)[:300]}"
        steps[name] = {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c,
                       "peak_rss_bytes": peak_bytes(), "peak_is_step": reset,
                       "error": error}
        print(json.dumps({name: steps[name]}), flush=True)
        return error is None

    def load() -> None:
        nonlocal chain
        chain = rm.load(bundle)
        _ = chain.compiled  # the arrays every later step reads

    ok = do("load", load)
    ok = ok and do("validate", lambda: rm.validate(bundle))
    ok = ok and do("score", lambda: rm.score(chain))
    ok = ok and do("report", lambda: rm.report(chain, out, mc=mc, force=True))
    row: dict = {"steps": steps, "completed": ok,
                 "process_peak_rss_bytes": resource.getrusage(
                     resource.RUSAGE_SELF).ru_maxrss * 1024}
    if ok:
        row["report_bytes"], row["report_largest"] = _folder_bytes(out)
    return row


def measure_size(n: int, mc: int, folder: Path) -> dict:
    """Generate and save an ``n``-node bundle, then run the steps in a fresh process."""
    import riskmodel as rm
    from riskmodel.synthetic import synthetic_chain

    t = time.perf_counter()
    chain = synthetic_chain(n, seed=1)
    generate = time.perf_counter() - t
    bundle = folder / f"bundle_{n}"
    t = time.perf_counter()
    rm.save(chain, bundle, force=True)
    save = time.perf_counter() - t
    row: dict = {"n": n, "edges": chain.number_of_edges(), "mc": mc, "generate_s": generate,
                 "save_s": save, "bundle_bytes": _folder_bytes(bundle)[0]}
    del chain
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(bundle),
                             str(folder / f"report_{n}"), str(mc)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "RISKMODEL_NO_PROGRESS": "1"})
    lines = []
    for line in proc.stdout:  # each step's figures as it ends (a long run shows progress)
        print(line, end="", flush=True)
        lines.append(line)
    stderr = proc.stderr.read()
    if proc.wait() or not lines:
        row["error"] = f"exit {proc.returncode}: {stderr.strip()[-500:]}"
        return row
    row.update(json.loads(lines[-1]))
    steps = row["steps"]
    row["total_wall_s"] = sum(s["wall_s"] for s in steps.values())
    row["max_step_peak_rss_bytes"] = max(s["peak_rss_bytes"] for s in steps.values())
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000", help="node counts, comma-separated")
    ap.add_argument("--smallest", action="store_true", help="10^3 nodes only (for CI)")
    ap.add_argument("--mc", type=int, default=100, help="Monte Carlo draws of the report")
    ap.add_argument("--out", default=str(HERE / "results" / "end_to_end.json"))
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        bundle, out, mc = args.child
        print(json.dumps(run_steps(Path(bundle), Path(out), int(mc))), flush=True)
        return 0
    sizes = [1000] if args.smallest else [int(x) for x in args.sizes.split(",")]
    mc = 10 if args.smallest else args.mc
    import numpy as np

    result: dict = {"load_before": os.getloadavg(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "numpy": np.__version__,
                    "machine": platform.machine(), "sizes": []}
    copy_bytes = (64 if args.smallest else 1024) * 1024**2
    result["copy_bandwidth_gb_s"] = copy_bandwidth(copy_bytes)
    result["copy_bytes"] = copy_bytes
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            row = measure_size(n, mc, Path(tmp))
            result["sizes"].append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "steps"}), flush=True)
    result["load_after"] = os.getloadavg()
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
