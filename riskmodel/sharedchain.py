"""A chain that workers load from a shared path instead of receiving it (issue 17).

A run on a cluster sends what its tasks read (the chain, its compiled arrays) to each
worker once (:mod:`riskmodel.distributed`). For a very large chain that means pickling
hundreds of megabytes on the client and holding the pickle there while it goes out.
A chain from :func:`load_shared` travels as its path instead: each worker (each worker
process, once) loads the file itself, and checks that what it loaded is what the
client holds, table for table, before it computes anything.

The path must name the same file on every machine (a shared filesystem, or the same
copy everywhere). The check is a digest of the chain's tables and header
(:func:`digest`), taken when the run sends the chain, so a chain edited in Python
after it was loaded, or a file changed since, is refused with an error that says so
rather than computed on silently. A copy of the chain (``chain.copy()``) is a plain
chain again, sent whole.

Examples
--------
>>> import pickle
>>> from concurrent.futures import ThreadPoolExecutor
>>> import riskmodel as rm
>>> bike = load_shared("bicycle")
>>> sc = rm.Scenario([rm.Cut("CN")], months=12)
>>> with ThreadPoolExecutor(2) as pool:
...     mc = rm.monte_carlo(bike, sc, draws=100, seed=1, client=pool)
>>> mc.draws.equals(rm.monte_carlo(rm.load("bicycle"), sc, draws=100, seed=1).draws)
True
>>> [(type(obj).__name__, args[0]) for obj, _, args in shared_refs(bike)]  # by name
[('SharedChain', 'bicycle'), ('Compiled', 'bicycle')]
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel._errors import ArgumentError
from riskmodel.io.tables import ChainData
from riskmodel.model import Chain, load

__all__ = ["SharedChain", "digest", "load_shared", "shared_refs"]

#: the chains this process loaded for a run, by (path, digest): a worker loads once
_LOADED: dict[tuple[str, str], Chain] = {}


class SharedChain(Chain):
    """A :class:`~riskmodel.Chain` loaded from ``source``, a path every worker can read
    (or a built-in chain's name); :mod:`riskmodel.distributed` sends it, and its
    compiled arrays, as that path and a digest of its tables."""

    source: str
    strict: bool = False

    def __shared_refs__(self) -> list[tuple[Any, Callable[..., Any], tuple[Any, ...]]]:
        """The objects that travel by reference: ``(object, loader, args)``, where the
        worker's ``loader(*args)`` gives the object back."""
        return shared_refs(self)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled alone, the chain is its path too (it comes back a plain chain)."""
        return worker_chain, _reference(self)


def load_shared(name_or_path: str | os.PathLike[str], *, strict: bool = False) -> SharedChain:
    """Load a chain (as :func:`riskmodel.load` does) that runs on a cluster send as its
    path: each worker loads the same file and checks it against this chain.

    Parameters
    ----------
    name_or_path : str or path
        A chain file or bundle folder that every worker reads at the same path (a
        relative path is made absolute here), or a built-in chain's name.
    strict : bool
        As for :func:`riskmodel.load`; the workers load with the same setting.

    Returns
    -------
    SharedChain
        The chain; use it as any other (``rm.monte_carlo(chain, ..., client=client)``).
    """
    path = Path(name_or_path)
    source = str(path.resolve()) if path.exists() else str(name_or_path)
    data = load(source, strict=strict).to_data()
    chain = SharedChain.from_data(data, checked=True)
    chain.source = source
    chain.strict = strict
    return chain


def shared_refs(chain: SharedChain) -> list[tuple[Any, Callable[..., Any], tuple[Any, ...]]]:
    """``(object, loader, args)`` for the chain and its compiled arrays, with the digest
    of the chain as it stands (so an edit since it was loaded is caught on the worker)."""
    key = _reference(chain)
    return [(chain, worker_chain, key), (chain.compiled, worker_compiled, key)]


def _reference(chain: SharedChain) -> tuple[str, str, bool]:
    """What a worker loads the chain from: its source, digest and strictness."""
    return chain.source, digest(chain.to_data()), chain.strict


def worker_chain(source: str, expected: str, strict: bool = False) -> Chain:
    """The chain at ``source``, loaded once per process, refused unless its digest is
    ``expected`` (what the client holds)."""
    key = (source, expected)
    if key not in _LOADED:
        chain = load(source, strict=strict)
        found = digest(chain.to_data())
        if found != expected:
            raise ArgumentError(
                f"the chain at {source} on this worker is not the one the client holds "
                "(it was edited in Python after loading, or the file differs here): save "
                "the chain to a path every worker reads and load it with load_shared "
                "again, or pass a plain chain (sent whole)")
        _LOADED.clear()  # one big chain at a time
        _LOADED[key] = chain
    return _LOADED[key]


def worker_compiled(source: str, expected: str, strict: bool = False) -> Any:
    """The compiled arrays of :func:`worker_chain`'s chain."""
    return worker_chain(source, expected, strict).compiled


def digest(data: ChainData) -> str:
    """A digest of a chain's tables and header (the path it was read from aside).

    >>> import riskmodel as rm
    >>> a, b = rm.load("bicycle"), rm.load("bicycle")
    >>> digest(a.to_data()) == digest(b.to_data())
    True
    >>> b.graph.nodes["frames"]["substitutability"] = 0.9
    >>> digest(a.to_data()) == digest(b.to_data())
    False
    """
    h = hashlib.blake2b(digest_size=20)
    h.update(repr(sorted(data.header.items(), key=lambda kv: kv[0])).encode())
    h.update(repr(sorted(data.extra.items(), key=lambda kv: kv[0])).encode())
    for table in (data.nodes, data.suppliers, data.edges, data.world_suppliers):
        h.update(repr((list(table.columns), [str(t) for t in table.dtypes])).encode())
        h.update(pd.util.hash_pandas_object(table.index).to_numpy().tobytes())
        for col in table.columns:
            h.update(_column_hash(table[col]).tobytes())
    return h.hexdigest()


def _column_hash(column: pd.Series) -> Any:
    """A hash of each value of ``column``; a column of tuples (``controlled_by``),
    which pandas does not hash, as text."""
    try:
        return pd.util.hash_pandas_object(column, index=False).to_numpy()
    except TypeError:
        return pd.util.hash_pandas_object(column.map(repr), index=False).to_numpy()
