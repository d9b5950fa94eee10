"""The notebooks in ``notebooks/`` run top to bottom, offline, with warnings as errors.

Each notebook is executed with nbclient in a fresh kernel that runs the same Python as
the tests, from a temporary working directory (so nothing is written into the
repository). A setup cell, injected here and never stored in the notebook, turns
warnings into errors, selects matplotlib's ``Agg`` backend, and checks after every
cell that no figure's text overlaps or is cut off (:func:`riskmodel.plot.text_problems`);
a cell at the end fails, listing them, if any did. The stored notebooks
must carry no outputs, so that a diff shows only what a person wrote.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "01_industrial_robots.ipynb",
    "02_semiconductors.ipynb",
    "03_generative_ai.ipynb",
    "04_your_own_chain.ipynb",
    "05_combined_chains.ipynb",
    "07_rare_earth_magnets.ipynb",
    "08_gallium_germanium_graphite.ipynb",
}
CELL_TIMEOUT = 120  # seconds per cell; each notebook takes a few seconds in all
KERNEL_NAME = "riskmodel-tests"

SETUP = """\
import os
import warnings

warnings.simplefilter("error")
import matplotlib

matplotlib.use("Agg")
os.environ["RISKMODEL_NO_PROGRESS"] = "1"

import matplotlib.pyplot as _plt

import riskmodel.plot as _rm_plot

_FIGURE_PROBLEMS = []


def _check_figures(result=None):
    # after each cell, every figure it drew or changed (matplotlib marks it stale)
    for num in _plt.get_fignums():
        fig = _plt.figure(num)
        if fig.stale:
            try:
                found = _rm_plot.text_problems(fig)
            except Exception as exc:  # reported by the check cell, not lost in a hook
                found = [f"the check failed: {exc!r}"]
            _FIGURE_PROBLEMS.extend(f"figure {num}: {p}" for p in found)


get_ipython().events.register("post_run_cell", _check_figures)
"""
#: Run after the notebook: its figures' text must neither overlap nor be cut off
#: (:func:`riskmodel.plot.text_problems`, checked after every cell).
CHECK_FIGURES = 'assert not _FIGURE_PROBLEMS, "\\n".join(_FIGURE_PROBLEMS)'
#: Run last, so that the kernel's own shutdown does not trip over the warnings filter.
TEARDOWN = 'warnings.simplefilter("default")'


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A kernel spec for this interpreter, installed into a temporary directory.

    The kernel must import the riskmodel under test, so it runs ``sys.executable``
    rather than whatever ``python3`` kernel the machine happens to have registered.
    """
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernels")
    install(kernel_name=KERNEL_NAME, prefix=str(prefix))
    spec_dir = prefix / "share" / "jupyter"
    assert (spec_dir / "kernels" / KERNEL_NAME / "kernel.json").exists()
    return {"JUPYTER_PATH": os.pathsep.join(
        [str(spec_dir), *filter(None, [os.environ.get("JUPYTER_PATH")])])}


def test_all_notebooks_are_present() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert names >= EXPECTED, f"missing notebooks: {sorted(EXPECTED - names)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} carry outputs or execution "
                       "counts; clear them before committing (e.g. `jupyter nbconvert "
                       "--clear-output --inplace`)")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, kernel_env: dict[str, str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in kernel_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RISKMODEL_NO_PROGRESS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP))
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_FIGURES))
    nb.cells.append(nbformat.v4.new_code_cell(TEARDOWN))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL_NAME,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the traceback, on any error
    errors = [out for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    stderr = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                     for out in cell.get("outputs", [])
                     if out.get("output_type") == "stream" and out.get("name") == "stderr")
    assert "Warning" not in stderr, f"{path.name} wrote warnings to stderr:\n{stderr}"
