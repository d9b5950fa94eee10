"""``--scheduler ADDRESS`` and ``--workers N``: run a command's Monte Carlo draws,
scenario sweeps and cut-set search on a Dask cluster (:mod:`riskmodel.distributed`),
with the numbers of the serial run.

``--scheduler`` joins a running cluster (``dask scheduler`` on one machine,
``dask worker ADDRESS`` on each); ``--workers N`` starts a cluster of ``N`` worker
processes on this machine for the command's run. Without Dask installed, or with a
scheduler that does not answer, the command stops with one line saying what to do.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any

from riskmodel.cli.args import positive_int
from riskmodel.cli.common import note, usage_error

__all__ = ["CONNECT_TIMEOUT", "QUIET_HTTP", "add_cluster", "cluster_client"]

#: seconds to wait for a ``--scheduler`` to answer
CONNECT_TIMEOUT = 20
#: a local cluster without the dashboard, and its scheduler's HTTP endpoints on a free
#: port (by default they take 8787, and warn when another cluster holds it)
QUIET_HTTP: dict[str, Any] = {"dashboard_address": None,
                              "scheduler_kwargs": {"dashboard_address": ":0"}}


def add_cluster(sp: argparse.ArgumentParser, what: str) -> None:
    """Add ``--scheduler ADDRESS`` and ``--workers N`` (``what`` says what runs there).

    >>> p = argparse.ArgumentParser()
    >>> add_cluster(p, "the draws")
    >>> p.parse_args(["--workers", "2"]).workers
    2
    """
    g = sp.add_argument_group("running on a Dask cluster (pip install 'riskmodel[dask]')")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help=f"run {what} on the Dask cluster whose scheduler is at ADDRESS "
                        "(e.g. tcp://10.0.0.5:8786: `dask scheduler` on one machine, "
                        "`dask worker ADDRESS` on each); the numbers are the serial run's")
    g.add_argument("--workers", type=positive_int, metavar="N",
                   help=f"run {what} on a Dask cluster of N worker processes started on "
                        "this machine for this run")


@contextlib.contextmanager
def cluster_client(args: argparse.Namespace, needed: bool = True) -> Iterator[Any]:
    """The ``dask.distributed.Client`` that ``--scheduler`` or ``--workers`` asks for
    (closed, and a local cluster stopped, at the end), or None when neither is given
    or the command has nothing to spread (``needed`` False).

    >>> with cluster_client(argparse.Namespace(scheduler=None, workers=None)) as c:
    ...     print(c)
    None
    """
    address, n = getattr(args, "scheduler", None), getattr(args, "workers", None)
    if address is not None and n is not None:
        raise usage_error("give --scheduler ADDRESS (a running cluster) or --workers N (a "
                          "cluster on this machine), not both")
    if not needed or (address is None and n is None):
        yield None
        return
    distributed = _import_distributed()
    with contextlib.ExitStack() as stack:
        if address is None:
            # a local cluster needs no network: Dask's warning that it found no
            # interface to reach the outside (it then takes 127.0.0.1) does not apply
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Couldn't detect a suitable IP address",
                                        RuntimeWarning)
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True,
                    # its workers' logs (heartbeats lost at shutdown on a busy machine)
                    # are not the user's business: a task's error reaches the command
                    silence_logs=logging.CRITICAL, **QUIET_HTTP))
            client = stack.enter_context(distributed.Client(cluster))
            note(f"riskmodel: running on a local Dask cluster of {n} worker"
                 f"{'s' if n > 1 else ''}")
        else:
            client = stack.enter_context(_connect(distributed, address))
            count = len(client.scheduler_info().get("workers", {}))
            note(f"riskmodel: running on the Dask cluster at {address} ({count} worker"
                 f"{'s' if count != 1 else ''})")
        yield client


def _import_distributed() -> Any:
    """``distributed``, or an error saying how to install it."""
    from riskmodel._errors import ArgumentError
    from riskmodel.distributed import DASK_MISSING

    try:
        import distributed
    except ImportError:
        raise ArgumentError(f"--scheduler and --workers: {DASK_MISSING}") from None
    return distributed


def _connect(distributed: Any, address: str) -> Any:
    """A client of the scheduler at ``address``, or an error saying it cannot be
    reached."""
    from riskmodel._errors import ArgumentError

    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        reason = " ".join(str(e).split())[:200] or type(e).__name__
        raise ArgumentError(
            f"--scheduler {address}: cannot reach the Dask scheduler at {address} "
            f"({reason}); start one with `dask scheduler` and workers with `dask worker "
            f"{address}`, or check the address and port (default 8786)") from None
