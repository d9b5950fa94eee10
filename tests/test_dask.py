"""Monte Carlo, sweeps, score uncertainty and cut sets on a Dask LocalCluster give the
serial run's numbers (riskmodel.distributed); the command line's --workers and
--scheduler.

Dask looks for a network interface to name its addresses; on a machine without
network it warns "Couldn't detect a suitable IP address" and falls back to
127.0.0.1, which is right for a local cluster. That one warning is allowed here, on
purpose; every other warning stays an error.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import random_scenario
from test_monte_carlo_blocks import _same, ranged_chain

import riskmodel as rm
from riskmodel.cli import main
from riskmodel.cli.cluster import QUIET_HTTP
from riskmodel.distributed import is_dask, workers
from riskmodel.scenario import Cut, Scenario
from riskmodel.uncertainty import BLOCK

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.filterwarnings(
    "ignore:Couldn't detect a suitable IP address:RuntimeWarning")


@pytest.fixture(scope="module")
def threads_client():
    """Two workers of one thread each, in this process (no worker start-up cost)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  **QUIET_HTTP) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_cluster_runs_give_the_serial_numbers(threads_client) -> None:
    assert is_dask(threads_client) and workers(threads_client) == 2
    chain = ranged_chain(4, cyclic=True, baseline=True)
    sc = random_scenario(chain, 4)
    serial = rm.monte_carlo(chain, sc, draws=2 * BLOCK + 3, seed=8)
    for chunk in (None, 1):
        _same(serial, rm.monte_carlo(chain, sc, draws=2 * BLOCK + 3, seed=8, chunk=chunk,
                                     client=threads_client))
    u = rm.score_uncertainty(chain, draws=BLOCK + 2, seed=1, top=3)
    pd.testing.assert_frame_equal(u, rm.score_uncertainty(
        chain, draws=BLOCK + 2, seed=1, top=3, client=threads_client), check_exact=True)


def test_sweeps_and_cutsets_on_a_cluster(threads_client) -> None:
    bike = rm.load("bicycle")
    many = [Scenario([Cut(c)], name=c, months=12) for c in bike.compiled.countries]
    pd.testing.assert_frame_equal(rm.simulate_many(bike, many, chunk=2),
                                  rm.simulate_many(bike, many, chunk=2, client=threads_client),
                                  check_exact=True)
    cs = rm.cutsets(bike, max_size=3, threshold=0.5, client=threads_client)
    pd.testing.assert_frame_equal(cs, rm.cutsets(bike, max_size=3, threshold=0.5),
                                  check_exact=True)
    assert cs.attrs["evaluated"] > 10


def test_task_errors_come_back_as_raised(threads_client) -> None:
    from test_monte_carlo_blocks import _boom

    from riskmodel.distributed import run

    with pytest.raises(ValueError, match="unit 3 failed"):
        run(_boom, 2, [1, 3, 2], client=threads_client)
    assert run(_boom, 2, [4, 1], client=threads_client) == [8, 2]


@pytest.mark.slow
def test_a_cluster_of_processes_gives_the_serial_numbers() -> None:
    chain = ranged_chain(6)
    sc = random_scenario(chain, 6)
    serial = rm.monte_carlo(chain, sc, draws=BLOCK + 5, seed=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  **QUIET_HTTP, memory_limit="1GiB") as cluster, \
            distributed.Client(cluster) as client:
        _same(serial, rm.monte_carlo(chain, sc, draws=BLOCK + 5, seed=2, client=client))


@pytest.mark.slow
def test_cli_workers_give_the_serial_table(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "bicycle", "--scenario", "china_cut", "--mc", "70", "--format", "csv"]
    assert main(args) == 0
    serial = capsys.readouterr().out
    assert main([*args, "--workers", "2"]) == 0
    assert capsys.readouterr().out == serial


def test_cli_scheduler_that_cannot_be_reached_is_one_clear_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from riskmodel.cli import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    code = main(["score", "bicycle", "--mc", "10", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "dask scheduler" in err


def test_cli_without_dask_says_how_to_install_it(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if missing
    code = main(["simulate", "bicycle", "--scenario", "all", "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "pip install 'riskmodel[dask]'" in err
    # one scenario has nothing to spread: no cluster is needed, and none is asked for
    assert main(["simulate", "bicycle", "--scenario", "china_cut", "--workers", "2"]) == 0
    both = main(["simulate", "bicycle", "--scenario", "all", "--workers", "2",
                 "--scheduler", "tcp://x:1"])
    assert both == 2 and "not both" in capsys.readouterr().err


def test_sensitivity_on_a_cluster_and_a_pool_gives_the_serial_table(
        threads_client, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from riskmodel.scoring import variants

    # units of 8 variants, so that the runs spread over both workers
    monkeypatch.setattr(variants, "UNIT", 8)
    chain = ranged_chain(4, cyclic=True, baseline=True)
    serial = rm.sensitivity(chain, top=2, scope="all", horizons=(6, 12), max_runs=10_000)
    assert 2 * serial.attrs["run"] > 2 * 8
    with ThreadPoolExecutor(2) as pool:
        pooled = rm.sensitivity(chain, top=2, scope="all", horizons=(6, 12),
                                max_runs=10_000, client=pool)
    on_dask = rm.sensitivity(chain, top=2, scope="all", horizons=(6, 12), max_runs=10_000,
                             client=threads_client)
    for other in (pooled, on_dask):
        pd.testing.assert_frame_equal(serial, other, check_exact=True)
        assert other.attrs == serial.attrs


@pytest.mark.slow
def test_cli_sensitivity_workers_give_the_serial_table(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["sensitivity", "bicycle", "--top", "1", "--csv"]
    assert main(args) == 0
    serial = capsys.readouterr().out
    assert main([*args, "--workers", "2"]) == 0
    assert capsys.readouterr().out == serial
