"""The hardening corpus in ``tests/data/hardening/``: adversarial command lines.

Beside the broken-file corpus (``tests/data/invalid/``), this corpus holds what an
adversarial user does to the command line and the file system: outputs aimed at
folders, devices, symlinks and inputs; valid but unusual chains; hostile text;
unbounded sizes. Every case must exit as intended, never print a traceback or an
"internal error", lose nothing it did not create, and leave no temporary file.

Each area is a folder with ``CASES.yaml`` (a list of cases) and, optionally,
``files/`` (copied into every case's empty working folder). A case::

    - id: out_existing_folder            # unique in its area
      why: --out naming a folder deleted the folder
      setup:                             # optional steps, in order
        - {mkdir: keep}
        - {write: keep/a.txt, text: "user data"}
        - {symlink: link.csv, to: keep/a.txt}
        - {fifo: pipe}
        - {chmod: keep, mode: "500"}     # octal; skipped cases need root_only: false
        - {builtin: bicycle, to: bike.yaml}   # a built-in chain's file, copied
        - {eto_example: eto}             # riskmodel.eto.example_folder (invented data)
      argv: [score, bicycle, --out, keep] # riskmodel's arguments
      exit: 1
      stdout: ["..."]                    # substrings that must appear (optional)
      stderr: ["is a folder"]            # substrings that must appear (optional)
      not_stderr: ["..."]                # substrings that must not appear (optional)
      not_stdout: ["..."]                # likewise on stdout
      unchanged: [keep]                  # paths (files or trees) identical afterwards
      exists: [out.csv]                  # paths that must exist afterwards
      absent: [out.csv]                  # paths that must not exist afterwards
      timeout: 20                        # run in a subprocess, killed after this
      env: {SOURCE_DATE_EPOCH: "0"}      # extra environment (subprocess cases only)
      as_root: true                      # needs root (e.g. to defeat permissions)
      not_root: true                     # needs a non-root user (permissions bite)

Paths are relative to the case's working folder, which is also the working
directory of the command. ``{shared}`` in an argument is replaced by the path of
``../shared`` beside the repository (a case using it skips when it is absent).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from riskmodel.cli import main

CORPUS = Path(__file__).parent / "data" / "hardening"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FORBIDDEN = ("Traceback", "internal error", "This is a bug")
KEYS = {"id", "why", "setup", "argv", "exit", "stdout", "stderr", "not_stderr", "not_stdout",
        "unchanged", "exists", "absent", "timeout", "env", "as_root", "not_root"}


def _cases() -> list[pytest.param]:
    out = []
    for manifest in sorted(CORPUS.glob("*/CASES.yaml")):
        area = manifest.parent
        for case in yaml.safe_load(manifest.read_text(encoding="utf-8")) or []:
            unknown = set(case) - KEYS
            assert not unknown, f"{manifest}: case {case.get('id')}: unknown keys {unknown}"
            out.append(pytest.param(area, case, id=f"{area.name}/{case['id']}"))
    return out


def _fingerprint(path: Path) -> object:
    """What a path is: its kind, and for files their bytes' hash, for trees each entry."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    if not path.exists():
        return ("missing",)
    if path.is_dir():
        return ("dir", sorted((str(p.relative_to(path)), _fingerprint(p))
                              for p in path.rglob("*")))
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        return ("special", stat.S_IFMT(mode))
    return ("file", hashlib.sha256(path.read_bytes()).hexdigest())


def _setup(work: Path, area: Path, steps: list[dict]) -> None:
    files = area / "files"
    if files.is_dir():
        shutil.copytree(files, work, dirs_exist_ok=True, symlinks=True)
    for step in steps or []:
        if "mkdir" in step:
            (work / step["mkdir"]).mkdir(parents=True, exist_ok=True)
        elif "write" in step:
            p = work / step["write"]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(step["text"], encoding="utf-8", errors="surrogatepass")
        elif "symlink" in step:
            (work / step["symlink"]).symlink_to(step["to"])
        elif "fifo" in step:
            os.mkfifo(work / step["fifo"])
        elif "chmod" in step:
            (work / step["chmod"]).chmod(int(step["mode"], 8))
        elif "builtin" in step:
            from riskmodel.io import resolve_path

            src = resolve_path(step["builtin"])
            assert src is not None, f"{step['builtin']} has no single file"
            shutil.copyfile(src, work / step["to"])
        elif "eto_example" in step:
            from riskmodel.eto import example_folder

            example_folder(work / step["eto_example"])
        else:
            raise AssertionError(f"unknown setup step {step}")


def _argv(case: dict) -> list[str]:
    out = []
    for a in case["argv"]:
        a = str(a)
        if "{shared}" in a:
            if not SHARED.is_dir():
                pytest.skip(f"needs ../shared beside the repository ({SHARED} is missing)")
            a = a.replace("{shared}", str(SHARED))
        out.append(a)
    return out


def _run(case: dict, work: Path, argv: list[str]) -> tuple[int, str, str]:
    if "timeout" in case or "env" in case:
        env = {**os.environ, "RISKMODEL_NO_PROGRESS": "1", **case.get("env", {})}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
        try:
            r = subprocess.run([sys.executable, "-m", "riskmodel", *argv], cwd=work,
                               capture_output=True, text=True, env=env,
                               timeout=case.get("timeout", 120), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{case['id']}: still running after {case.get('timeout')} s")
        return r.returncode, r.stdout, r.stderr
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(work)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def _leftovers(work: Path) -> list[str]:
    return [str(p.relative_to(work)) for p in work.rglob(".*")
            if (".tmp" in p.name or p.name.startswith(".riskmodel-"))
            and p.name != ".riskmodel-report"]  # a report folder's marker is not temporary


@pytest.mark.parametrize(("area", "case"), _cases())
def test_case(area: Path, case: dict, tmp_path: Path) -> None:
    root = os.geteuid() == 0
    if case.get("as_root") and not root:
        pytest.skip("needs root")
    if case.get("not_root") and root:
        pytest.skip("root is not stopped by file permissions")
    work = tmp_path / "work"
    work.mkdir()
    _setup(work, area, case.get("setup"))
    argv = _argv(case)
    before = {p: _fingerprint(work / p) for p in case.get("unchanged", [])}
    try:
        code, out, err = _run(case, work, argv)
    finally:
        for p in work.rglob("*"):  # let pytest remove what a case made read-only
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
    shown = f"exit {code}\n--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"
    assert code == case["exit"], shown
    for bad in FORBIDDEN:
        assert bad not in err and bad not in out, shown
    for frag in case.get("stdout", []):
        assert frag in out, f"{frag!r} not in stdout\n{shown}"
    for frag in case.get("stderr", []):
        assert frag in err, f"{frag!r} not in stderr\n{shown}"
    for frag in case.get("not_stderr", []):
        assert frag not in err, f"{frag!r} in stderr\n{shown}"
    for frag in case.get("not_stdout", []):
        assert frag not in out, f"{frag!r} in stdout\n{shown}"
    for p, fp in before.items():
        assert _fingerprint(work / p) == fp, f"{p} changed\n{shown}"
    for p in case.get("exists", []):
        assert (work / p).exists() or (work / p).is_symlink(), f"{p} missing\n{shown}"
    for p in case.get("absent", []):
        assert not (work / p).exists(), f"{p} exists\n{shown}"
    assert not _leftovers(work), f"temporary files left: {_leftovers(work)}\n{shown}"


def test_corpus_is_not_empty() -> None:
    assert len(_cases()) >= 1
