"""The wheel ships the package data and the built-in chains."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_chains_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("riskmodel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.name for p in (ROOT / "chains").glob("*.yaml")}
    assert shipped, "no built-in chains found"
    for name in shipped:
        assert f"riskmodel/chains/{name}" in names
    for needed in ("riskmodel/py.typed", "riskmodel/data/attributes.csv",
                   "riskmodel/data/countries.csv", "riskmodel/reporting/explore.js",
                   *(f"riskmodel/reporting/vendor/{f}" for f in ("cytoscape.min.js",
                                                                 "LICENSE"))):
        assert needed in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "riskmodel").rglob("*.py")
               if "__pycache__" not in p.parts}
    missing = sorted(modules - names)
    assert not missing, f"modules left out of the wheel (add their package to pyproject.toml): "\
                        f"{missing}"
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "riskmodel = riskmodel.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
