"""What the benchmarks measure of the machine and the process: the numpy copy bandwidth
(to compare runs across machines and loads) and the peak resident memory of a step.

The benchmark scripts run as ``python3 benchmarks/bench_*.py``, so this folder is on
their import path.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time

import numpy as np


def copy_bandwidth(size_bytes: int = 1 << 30, repeats: int = 5) -> float:
    """GB/s of ``np.copyto`` over ``size_bytes`` (read and write counted), the median of
    ``repeats``."""
    a = np.ones(size_bytes // 8)
    b = np.empty_like(a)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(b, a)
        times.append(time.perf_counter() - t0)
    return 2 * a.nbytes / statistics.median(times) / 1e9


def reset_peak() -> bool:
    """Reset the peak resident memory of this process (Linux); whether it could."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def max_rss() -> int:
    """The peak resident memory of this process since it started, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def peak_bytes() -> int:
    """The peak resident memory of this process since the last :func:`reset_peak`
    (Linux ``VmHWM``), else since it started."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return max_rss()
