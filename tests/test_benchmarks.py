"""The benchmark scripts run at their smallest size, so that they cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: each runs a benchmark script in a fresh interpreter (numba compile included)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _smallest(script: str, tmp_path: Path) -> dict:
    """Run a benchmark script at its smallest size; the figures it wrote."""
    out = tmp_path / "figures.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--smallest",
                    "--out", str(out)], check=True, capture_output=True, timeout=300)
    return json.loads(out.read_text())


def test_engine_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_engine.py", tmp_path)
    (row,) = data["sizes"]
    assert row["n"] == 1000 and row["edges"] > 3000
    assert row["max_abs_diff"] <= 1e-9  # the fast engine agrees with the reference
    assert row["fast_static_s"] > 0 and row["reference_static_s"] > 0
    assert data["copy_bandwidth_gb_s"] > 0 and data["batch"][0]["scenarios"] == 1000
    assert data["cli_simulate_builtin_s"] > 0
    assert set(row["static_threads_s"]) == {"one_thread", "auto", "shared"}
    assert {b["threads"] for b in data["batch"]} >= {1}  # the batch on one thread too


def test_score_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_score.py", tmp_path)
    (row,) = data["score"]
    assert row["n"] == 1000 and row["exact_nodes"] == 1000 and len(row["top5"]) == 5
    assert data["cutsets"]["countries"] == 39 and data["cutsets"]["evaluated"] > 9000


def test_hardening_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_hardening.py", tmp_path)
    rows = {(r["kind"], r["what"]): r for r in data["results"]}
    assert set(rows) == {("linear", "score"), ("linear_global", "score"),
                         ("groups", "leverage"), ("groups", "cutsets"), ("groups", "report")}
    assert all(r["size"] == 2000 and r["seconds"] > 0 for r in rows.values())
    assert rows[("linear", "score")]["note"] == "all nodes"  # every node scored exactly


def test_cycles_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_cycles.py", tmp_path)
    rows = {(r["fraction"], r["backend"]): r for r in data["rows"]}
    assert set(rows) == {(f, b) for f in (1e-2, 1e-6) for b in ("numpy", "numba")}
    for r in rows.values():  # exactly 0 once solved exactly
        assert r["n"] == 3 and r["after"]["max_availability"] == 0.0
        assert r["after"]["error"] is None and r["after"]["seconds"] > 0
    # sweeps alone give up on a cut of 1e-6
    assert "did not converge" in rows[(1e-6, "numba")]["before"]["error"]
    turned, drawn = data["reversed"]   # the chain with edges turned round, and without
    assert turned["cyclic_levels"] >= 1 and drawn["cyclic_levels"] == 0
    assert turned["max_abs_diff"] <= 1e-9 and turned["auto"]["cpu_s"] > 0


def test_destinations_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_destinations.py", tmp_path)
    (row,) = data["rows"]
    assert row["n"] == 2000 and row["scenarios"] == 10
    for key in ("auto_all", "numba_all", "auto_home", "numba_home"):
        assert row[key]["static_s"] > 0 and row[key]["dynamic_ratio"] > 0
        assert row[key]["static_cpu_ratio"] > 0 and row[key]["dynamic_cpu_s"] > 0
    assert data["score_baseline"]["with_s"] > 0 and data["score_baseline"]["ratio"] > 0


def test_targets_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_targets.py", tmp_path)
    (row,) = data["rows"]
    assert row["n"] == 1000 and len(row["target"]) == 10
    assert row["exact_target"] == 1000 and row["max_abs_diff_block"] <= 1e-9
    assert row["end_use_s"] > 0 and row["target_s"] > 0


def test_sensitivity_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_sensitivity.py", tmp_path)
    (row,) = data["chains"]
    assert row["chain"] == "bicycle" and 0 < row["numbers_run"] <= row["ranged"]
    assert row["left_out_that_moved"] == 0  # no number left out of a tornado moves a score
    assert row["sensitivity_s"] > 0 and row["pairs_s"] > 0


def test_dask_benchmark_smallest(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    data = _smallest("bench_dask.py", tmp_path)
    (row,) = data["results"]
    assert row["n"] == 2000 and row["draws"] == 256 and row["blocks"] == 4
    assert row["identical"] is True  # the cluster's draws are the serial run's, byte for byte
    assert row["serial_s"] > 0 and row["cluster_warm_s"] > 0 and row["ranged_values"] > 100
    assert row["overhead_per_task_ms"] > 0 and data["workers"] == 2


def test_io_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_io.py", tmp_path)
    (row,) = data["sizes"]
    assert row["n"] == 1000 and set(row["formats"]) == {"yaml", "json", "bundle"}
    for fig in row["formats"].values():  # every format reads back what was saved
        assert fig["same"] and fig["load_s"] > 0 and fig["save_s"] > 0 and fig["bytes"] > 0
    assert data["startup"]["chains_s"] > 0 and data["startup"]["help_s"] > 0


def test_end_to_end_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_end_to_end.py", tmp_path)
    (row,) = data["sizes"]
    assert row["n"] == 1000 and row["completed"] and data["copy_bandwidth_gb_s"] > 0
    assert set(row["steps"]) == {"load", "validate", "score", "report"}
    for step in row["steps"].values():
        assert step["error"] is None and step["wall_s"] > 0 and step["peak_rss_bytes"] > 0
    # the report's long tables (a row per node) are CSV files beside it
    assert "tables/choke_points.csv.gz" in dict(row["report_largest"])
    assert row["report_bytes"] > 0 and len(data["load_before"]) == 3


def test_big_benchmark_smallest(tmp_path: Path) -> None:
    data = _smallest("bench_big.py", tmp_path)
    run = data["run"]
    assert run["n"] == 3000 and 4 < run["generate"]["edges"] / 3000 < 6
    steps = {**run["generate"]["steps"], **run["pipeline"]["steps"]}
    assert set(steps) == {"generate", "save", "load", "compile", "validate", "score",
                          "simulate"}
    for fig in steps.values():  # every step timed, with the process's peak memory
        assert fig["wall_s"] > 0 and fig["peak_rss_gb"] > 0.01
    piped = run["pipeline"]
    assert piped["peak_rss_gb"] == max(f["peak_rss_gb"] for f in piped["steps"].values())
    assert 0 <= piped["long_run_loss"] <= 1 and 0 < piped["immediate_loss"] <= 1
    assert data["copy_bandwidth_gb_s"] > 0 and run["bundle_mb"] > 0
