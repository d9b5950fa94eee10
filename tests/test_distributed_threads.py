"""Each task sets its numba threads to the machine's cores ÷ the tasks that run at once
there (riskmodel.distributed), so that workers do not oversubscribe the cores."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import pytest

from riskmodel.distributed import run


def _threads(shared: None, unit: int) -> int:
    """The numba threads this task may use."""
    return numba.get_num_threads()


def _expected(at_once: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1
    return max(1, min(numba.config.NUMBA_NUM_THREADS, cores // at_once))


@pytest.mark.parametrize("workers", [1, 2, 64])
def test_numba_threads_per_task_are_cores_over_workers(workers: int) -> None:
    with ThreadPoolExecutor(workers) as pool:
        got = run(_threads, None, range(3 * workers), client=pool)
    assert set(got) == {_expected(workers)}
