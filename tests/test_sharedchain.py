"""A chain from load_shared travels to workers as its path: a process pool gives the
serial run's numbers, the chain pickles to its path alone, and a chain that differs
from its file (edited after loading, or the file changed) is refused by the task
instead of computed on."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import riskmodel as rm
from riskmodel._errors import ArgumentError
from riskmodel.distributed import run
from riskmodel.scenario import Cut, Scenario
from riskmodel.sharedchain import SharedChain, digest, load_shared
from riskmodel.synthetic import synthetic_chain


def _seen(chain: rm.Chain, unit: int) -> tuple[int, str]:
    """A task that reads the chain it was given: its size and type."""
    return chain.compiled.n + unit, type(chain).__name__


@pytest.fixture(scope="module")
def pool():
    # spawn: fresh workers, which have nothing but what each task brings
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as p:
        yield p


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    return rm.save(synthetic_chain(3000, seed=2), tmp_path / "chain")


def test_a_shared_chain_pickles_as_its_path(bundle: Path) -> None:
    chain, plain = load_shared(bundle), rm.load(bundle)
    assert isinstance(chain, SharedChain) and chain.source == str(bundle.resolve())
    assert digest(chain.to_data()) == digest(plain.to_data())
    small, whole = len(pickle.dumps(chain)), len(pickle.dumps(plain))
    assert small < 1000 < whole / 100, (small, whole)
    back = pickle.loads(pickle.dumps(chain))
    assert type(back) is rm.Chain and digest(back.to_data()) == digest(plain.to_data())
    assert type(chain.copy()) is rm.Chain  # a copy may be edited: it travels whole


@pytest.mark.slow
def test_a_shared_chain_gives_the_serial_numbers_on_processes(pool, bundle: Path) -> None:
    chain, plain = load_shared(bundle), rm.load(bundle)
    many = [Scenario([Cut(c, fraction=0.7)], name=c, months=6)
            for c in plain.compiled.countries[:4]]
    pd.testing.assert_frame_equal(rm.simulate_many(chain, many, chunk=2, client=pool),
                                  rm.simulate_many(plain, many, chunk=2), check_exact=True)
    # the workers loaded a plain chain from the path
    assert run(_seen, chain, [0, 1], client=pool) == [(3000, "Chain"), (3001, "Chain")]


@pytest.mark.slow
def test_a_chain_that_differs_from_its_file_is_refused(pool, bundle: Path) -> None:
    edited = load_shared(bundle)
    edited.graph.nodes["n5"]["substitutability"] = 0.99
    with pytest.raises(ArgumentError, match="not the one the client holds"):
        run(_seen, edited, [0], client=pool)
    changed = load_shared(bundle)
    rm.save(synthetic_chain(3000, seed=3), bundle, force=True)
    with pytest.raises(ArgumentError, match="not the one the client holds"):
        run(_seen, changed, [0], client=pool)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address:RuntimeWarning")
def test_a_dask_worker_process_loads_the_shared_chain(bundle: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from riskmodel.cli.cluster import QUIET_HTTP

    chain = load_shared(bundle)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  **QUIET_HTTP) as cluster, \
            distributed.Client(cluster) as client:
        assert run(_seen, chain, [0, 1], client=client) == [(3000, "Chain"), (3001, "Chain")]
