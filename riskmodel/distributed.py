"""Running independent pieces of work serially, on a Dask cluster or on a
``concurrent.futures`` executor, with the same results (docs/model.md §1.6).

A long run (the blocks of a Monte Carlo, the scenarios of a sweep, the candidate
sets of one size) is cut into *units* that need nothing from each other. :func:`run`
applies ``func(shared, unit)`` to every unit, where ``shared`` is what every unit reads
(the compiled chain, the scenario): serially when ``client`` is None, else as tasks of
``client``:

- a ``dask.distributed.Client``: ``shared`` goes to each worker once
  (``client.scatter(..., broadcast=True)``) and the tasks refer to it;
- any ``concurrent.futures.Executor`` (a thread or process pool): ``shared`` travels
  with each task, so the units are grouped into a few tasks per worker.

A chain loaded with :func:`riskmodel.sharedchain.load_shared` (a very large one) does
not travel: it goes as its path, and each worker process loads it from there once and
checks it is the client's chain (its compiled arrays likewise).

Each task sets the numba threads of the thread it runs in to the machine's cores ÷
the tasks that run at once on that machine, so that workers do not oversubscribe the
cores. The units a task runs, and their order, never change a number: the results
come back in the order of the units.

Dask is an optional dependency (``pip install "riskmodel[dask]"``); nothing here
imports it unless a Dask client is given.

Examples
--------
>>> from concurrent.futures import ThreadPoolExecutor
>>> def add(shared, unit):
...     return shared + unit
>>> run(add, 10, [1, 2, 3])
[11, 12, 13]
>>> with ThreadPoolExecutor(2) as pool:
...     run(add, 10, [1, 2, 3], client=pool)
[11, 12, 13]
"""

from __future__ import annotations

import io
import itertools
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

from riskmodel._errors import ArgumentError

__all__ = ["DASK_MISSING", "check_client", "is_dask", "run", "workers"]

#: what to do when Dask is asked for and not installed
DASK_MISSING = ("running on a Dask cluster needs dask and distributed; install them with "
                "pip install 'riskmodel[dask]'")
#: tasks per worker when the units are grouped (several, so that a slow worker or a
#: slow unit does not hold up the rest, and the progress bar moves)
TASKS_PER_WORKER = 4


def is_dask(client: Any) -> bool:
    """Whether ``client`` is a ``dask.distributed.Client`` (checked without importing
    Dask).

    >>> is_dask(None)
    False
    """
    return type(client).__module__.split(".")[0] == "distributed" and \
        hasattr(client, "scatter") and hasattr(client, "submit")


def check_client(client: Any) -> None:
    """Refuse a ``client`` that is neither None, a Dask client nor an executor.

    >>> check_client("tcp://127.0.0.1:8786")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    riskmodel._errors.ArgumentError: client must be ... found str; connect first: ...
    """
    if client is None or is_dask(client) or isinstance(client, Executor):
        return
    hint = (f"; connect first: client = dask.distributed.Client({client!r:.80})"
            if isinstance(client, str) else "")
    raise ArgumentError("client must be a dask.distributed.Client or a "
                        f"concurrent.futures.Executor, found {type(client).__name__}{hint}")


def workers(client: Any) -> int:
    """How many tasks ``client`` runs at once (1 serially): the threads of all its
    workers (Dask), or its workers (an executor; the machine's cores if it does not
    say).

    >>> workers(None)
    1
    """
    if client is None:
        return 1
    if is_dask(client):
        info = client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))
    return max(1, int(getattr(client, "_max_workers", 0) or _cores()))


def run(func: Callable[[Any, Any], Any], shared: Any, units: Iterable[Any], *,
        client: Any = None, per_task: int | None = None,
        progress: Any = None, size: Callable[[Any], int] | None = None) -> list[Any]:
    """``[func(shared, u) for u in units]``, serially or as tasks of ``client``.

    Parameters
    ----------
    func : callable
        A function of the module level (a worker imports it by name) of ``shared`` and
        one unit.
    shared : object
        What every unit reads; sent to each Dask worker once, with each task of an
        executor. It must pickle (for a process pool or a cluster of processes).
    units : iterable
        The pieces of work. Serially they are taken one at a time (an iterator is not
        held in memory); on a client they are all listed first.
    client : None, dask.distributed.Client or concurrent.futures.Executor
    per_task : int, optional
        Units per task; default one serially and on Dask (whose tasks cost little),
        else about :data:`TASKS_PER_WORKER` tasks per worker.
    progress : Progress, optional
        Updated by ``size(unit)`` (default 1) as each task finishes, wherever it ran.

    Returns
    -------
    list
        The results, in the order of ``units``.
    """
    check_client(client)
    weigh = size or (lambda _: 1)
    if client is None:
        out = []
        for u in units:
            out.append(func(shared, u))
            if progress is not None:
                progress.update(weigh(u))
        return out
    units = list(units)
    if not units:
        return []
    if per_task is None:
        per_task = 1 if is_dask(client) else \
            -(-len(units) // (TASKS_PER_WORKER * workers(client)))
    groups = [units[i:i + per_task] for i in range(0, len(units), max(1, per_task))]
    submit = _on_dask if is_dask(client) else _on_executor
    parts = submit(client, func, shared, groups, progress,
                   lambda g: sum(weigh(u) for u in g))
    return list(itertools.chain.from_iterable(parts))


def _on_executor(pool: Executor, func: Callable[[Any, Any], Any], shared: Any,
                 groups: Sequence[Sequence[Any]], progress: Any,
                 weigh: Callable[[Sequence[Any]], int]) -> list[list[Any]]:
    """Run the groups as tasks of an executor; their results in order."""
    from concurrent.futures import as_completed

    slots = {"": workers(pool)}  # every task runs on this machine
    box = _Box(shared)  # a chain loaded with load_shared travels as its path
    futures = {pool.submit(_task, func, box, g, slots): i for i, g in enumerate(groups)}
    out: list[Any] = [None] * len(groups)
    try:
        for f in as_completed(futures):
            i = futures[f]
            out[i] = f.result()
            if progress is not None:
                progress.update(weigh(groups[i]))
    finally:
        for f in futures:
            f.cancel()
    return out


def _on_dask(client: Any, func: Callable[[Any, Any], Any], shared: Any,
             groups: Sequence[Sequence[Any]], progress: Any,
             weigh: Callable[[Sequence[Any]], int]) -> list[list[Any]]:
    """Run the groups as tasks on a Dask cluster, ``shared`` scattered to every worker
    once; their results in order."""
    from distributed import as_completed

    slots = _slots_by_host(client)
    # a box, so that Dask sends the object whole (it scatters a list or dict item by item)
    ref = client.scatter(_Box(shared), broadcast=True, hash=False)
    futures = [client.submit(_task, func, ref, g, slots, pure=False) for g in groups]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(groups)
    try:
        for f in as_completed(futures):
            i = index[f.key]
            out[i] = f.result()
            if progress is not None:
                progress.update(weigh(groups[i]))
    finally:
        client.cancel([*futures, ref])
    return out


class _Box:
    """``shared`` as one object to send. Objects in it that offer ``__shared_refs__``
    (a chain from :func:`riskmodel.sharedchain.load_shared`) travel as references:
    that method lists ``(object, loader, args)``, and the task that first reads the
    box in a process calls ``loader(*args)`` to get the object back (loading it from a
    shared path), so that a failure there is the task's error."""

    def __init__(self, value: Any, packed: bytes | None = None) -> None:
        self.contents = value
        self.packed = packed  # pickled with references, once for all tasks
        self.unpacked = packed is None

    def get(self) -> Any:
        """What the box holds, its references loaded on first use."""
        if not self.unpacked:
            with _UNPACKING:
                if not self.unpacked:
                    assert self.packed is not None
                    self.contents = _RefUnpickler(io.BytesIO(self.packed)).load()
                    self.unpacked = True
        return self.contents

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self.packed is None:
            refs = _refs_in(self.contents)
            if not refs:
                return _Box, (self.contents,)
            buf = io.BytesIO()
            _RefPickler(buf, refs).dump(self.contents)
            self.packed = buf.getvalue()
        return _Box, (None, self.packed)


#: one task of a process unpacks a box at a time (the others wait and share it)
_UNPACKING = threading.Lock()


def _refs_in(value: Any) -> dict[int, tuple[Any, tuple[Any, ...]]]:
    """The objects of ``value`` (itself, its fields or items) that travel by reference,
    by ``id``: their ``(loader, args)``."""
    found = [value, *(vars(value).values() if hasattr(value, "__dict__") else ()),
             *(value if isinstance(value, (tuple, list)) else ())]
    refs = {}
    for obj in found:
        offer = getattr(obj, "__shared_refs__", None)
        if callable(offer) and not isinstance(obj, type):
            refs.update({id(o): (loader, args) for o, loader, args in offer()})
    return refs


class _RefPickler(pickle.Pickler):
    """Pickles the objects of ``refs`` as their ``(loader, args)``."""

    def __init__(self, file: io.BytesIO, refs: dict[int, tuple[Any, tuple[Any, ...]]]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.refs = refs

    def persistent_id(self, obj: Any) -> Any:
        return self.refs.get(id(obj))


class _RefUnpickler(pickle.Unpickler):
    """Calls ``loader(*args)`` for each object pickled by reference."""

    def persistent_load(self, pid: Any) -> Any:
        loader, args = pid
        return loader(*args)


def _slots_by_host(client: Any) -> dict[str, int]:
    """The tasks each machine of a Dask cluster runs at once (its workers' threads)."""
    slots: dict[str, int] = {}
    for addr, w in client.scheduler_info().get("workers", {}).items():
        host = str(w.get("host") or _host(addr))
        slots[host] = slots.get(host, 0) + int(w.get("nthreads", 1))
    return slots


def _host(address: str) -> str:
    """The host of a worker address such as ``tcp://10.0.0.5:40123``.

    >>> _host("tcp://10.0.0.5:40123"), _host("inproc://10.0.0.5/123/1")
    ('10.0.0.5', '10.0.0.5')
    """
    rest = address.split("://", 1)[-1]
    return rest.split("/", 1)[0].rsplit(":", 1)[0] if "/" not in rest else rest.split("/")[0]


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _task(func: Callable[[Any, Any], Any], shared: Any, group: Sequence[Any],
          slots: dict[str, int]) -> list[Any]:
    """Run one task's units, with the numba threads of this thread set to the cores ÷
    the tasks that run at once on this machine (``slots``: by host; ``""`` for an
    executor's own machine)."""
    import numba

    if isinstance(shared, _Box):
        shared = shared.get()
    at_once = slots.get("") or slots.get(_worker_host(), 0) or max(slots.values(), default=1)
    numba.set_num_threads(max(1, min(numba.config.NUMBA_NUM_THREADS, _cores() // at_once)))
    return [func(shared, u) for u in group]


def _worker_host() -> str:
    """The host of the Dask worker running this task ("" outside one)."""
    try:
        from distributed import get_worker

        return _host(get_worker().address)
    except (ImportError, ValueError):
        return ""
