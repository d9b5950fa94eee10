"""Reading and writing chain files: load, validate and save per format, and CLI start-up.

For each size a synthetic chain (:func:`riskmodel.synthetic.synthetic_chain`) is saved
as YAML, JSON and a CSV bundle (timing :func:`riskmodel.save`), then each file is read
back with :func:`riskmodel.load` and checked with :func:`riskmodel.validate` (each
timed; the median of ``--repeat`` runs, CPU and wall seconds). Before each of these
runs the files' times are touched, so that each reads and checks the file anew
(``validate`` right after ``load`` of an unchanged file reuses what was read: that is
timed apart, ``validate_after_load_s``). The loaded chain must equal the saved one.
Start-up is ``riskmodel chains`` and ``riskmodel --help`` in a fresh interpreter, less
``python -c pass`` (the median of 5 runs each).

Run ``python benchmarks/bench_io.py [--sizes 1000 10000 100000]`` (``--smallest``:
10^3 only, as the test suite runs it); figures go to ``benchmarks/results/io.json``
(git-ignored), with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = {"yaml": "chain.yaml", "json": "chain.json", "bundle": "chain_bundle"}


def _timed(fn, repeat: int) -> tuple[float, float, object]:
    """The median wall and CPU seconds of ``repeat`` calls of ``fn``, and its last result."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def _touch(target: Path) -> None:
    """Change the files' times, so that riskmodel reads them anew (it keeps the last
    file read and checked, keyed by its times)."""
    for f in (target.iterdir() if target.is_dir() else [target]):
        os.utime(f)


def measure_size(n: int, repeat: int, folder: Path) -> dict:
    """Save, load and validate a synthetic chain of ``n`` nodes in every format."""
    import riskmodel as rm
    from riskmodel.synthetic import synthetic_chain

    chain = synthetic_chain(n, seed=1)
    ref = chain.to_dict()
    row: dict = {"n": n, "edges": chain.number_of_edges(), "formats": {}}
    for fmt, name in FORMATS.items():
        target = folder / f"{n}_{name}"
        save_w, save_c, _ = _timed(lambda t=target: rm.save(chain, t, force=True), repeat)
        load_w, load_c, back = _timed(lambda t=target: (_touch(t), rm.load(t))[1], repeat)
        val_w, val_c, _ = _timed(lambda t=target: (_touch(t), rm.validate(t)), repeat)
        rm.load(target)
        again_w, _, _ = _timed(lambda t=target: rm.validate(t), repeat)
        row["formats"][fmt] = {
            "save_s": save_w, "save_cpu_s": save_c, "load_s": load_w, "load_cpu_s": load_c,
            "validate_s": val_w, "validate_cpu_s": val_c, "validate_after_load_s": again_w,
            "same": back.to_dict() == ref,
            "bytes": sum(f.stat().st_size for f in target.iterdir()) if target.is_dir()
            else target.stat().st_size}
        print(f"n={n} {fmt}: save {save_w:.3f} s ({save_c:.3f} CPU), load {load_w:.3f} s "
              f"({load_c:.3f} CPU), validate {val_w:.3f} s ({val_c:.3f} CPU), after load "
              f"{again_w:.4f} s", flush=True)
    bundle = row["formats"]["bundle"]["load_s"]
    for fmt in ("yaml", "json"):
        row["formats"][fmt]["load_vs_bundle"] = row["formats"][fmt]["load_s"] / bundle
    return row


def _run_s(args: list[str], repeat: int = 5) -> float:
    """The median wall seconds of running ``args`` in a fresh process."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True,
                       env={**os.environ, "RISKMODEL_NO_PROGRESS": "1"})
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def startup() -> dict:
    """``riskmodel chains`` and ``riskmodel --help`` beyond interpreter start."""
    base = _run_s([sys.executable, "-c", "pass"])
    cli = [sys.executable, "-c", "import sys; from riskmodel.cli import main; "
           "sys.exit(main(sys.argv[1:]))"]
    chains = _run_s([*cli, "chains"])
    helped = _run_s([*cli, "--help"])
    return {"interpreter_s": base, "chains_s": chains, "help_s": helped,
            "chains_beyond_start_s": chains - base, "help_beyond_start_s": helped - base}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure below 10^5 nodes")
    ap.add_argument("--smallest", action="store_true", help="10^3 nodes only")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "io.json")
    args = ap.parse_args()
    sizes = [1000] if args.smallest else args.sizes
    out = {"load_before": os.getloadavg(), "python": sys.version.split()[0],
           "machine": platform.machine(), "cpus": os.cpu_count(), "sizes": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            out["sizes"].append(measure_size(n, args.repeat if n < 100_000 else 1, Path(tmp)))
    out["startup"] = startup()
    print(json.dumps(out["startup"]), flush=True)
    out["load_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
