"""Outputs never destroy what riskmodel did not create (riskmodel/io/write.py).

The command-line cases are in ``tests/data/hardening/output/CASES.yaml``; here are the
Python API (``rm.save``, ``rm.report``), the error paths that root cannot reach through
permissions (the write made to fail), stale temporaries, signals and reproducibility.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel import reporting
from riskmodel.cli import main
from riskmodel.io import write as _write


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def _temporaries(path: Path) -> list[str]:
    return [p.name for p in path.rglob("*") if p.name.startswith(_write.TEMP_PREFIX)]


# ---------------------------------------------------------------------------
# rm.save
# ---------------------------------------------------------------------------

def test_save_bundle_onto_a_folder_with_user_files(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious", encoding="utf-8")
    bike = rm.load("bicycle")
    with pytest.raises(FileExistsError, match=r"work is a folder that is not empty.*--force"):
        rm.save(bike, folder)
    assert _tree(folder) == {"thesis.tex": b"precious"}
    rm.save(bike, folder, force=True)
    assert sorted(_tree(folder)) == ["chain.yaml", "edges.csv", "nodes.csv",
                                     "suppliers.csv", "thesis.tex"]
    assert (folder / "thesis.tex").read_text(encoding="utf-8") == "precious"
    assert rm.load(folder).to_dict() == bike.to_dict()


def test_save_file_onto_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "b.yaml"
    folder.mkdir()
    (folder / "keep").write_text("x", encoding="utf-8")
    with pytest.raises(_write.OutputError, match=r"b\.yaml is a folder; give a file name"):
        rm.save(rm.load("bicycle"), folder)
    assert _tree(folder) == {"keep": b"x"}


def test_save_replaces_a_file_atomically_keeping_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "b.yaml"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    rm.save(rm.load("bicycle"), out)
    assert rm.load(out).name == "bicycle"
    assert out.stat().st_mode & 0o777 == 0o640
    assert _temporaries(tmp_path) == []


def test_save_through_a_link_only_with_force(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    with pytest.raises(_write.OutputError, match=r"symbolic link.*--force"):
        rm.save(rm.load("bicycle"), link)
    assert real.read_text(encoding="utf-8") == "old"
    rm.save(rm.load("bicycle"), link, force=True)
    assert link.is_symlink() and rm.load(real).name == "bicycle"


def test_save_never_writes_an_input(tmp_path: Path) -> None:
    src = tmp_path / "src.yaml"
    rm.save(rm.load("bicycle"), src)
    before = src.read_bytes()
    with pytest.raises(_write.OutputError, match="is an input"):
        rm.save(rm.load("bicycle"), src, inputs=[src], force=True)
    assert src.read_bytes() == before


def test_save_to_an_unknown_extension_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.yaml, \.yml or \.json"):
        rm.save(rm.load("bicycle"), tmp_path / "out.txt")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# failed writes: one line naming the target, nothing left behind
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "no space left on device"), (errno.EACCES, "permission denied"),
    (errno.EROFS, "read-only"), (errno.EFBIG, "too large"),
    (errno.ENAMETOOLONG, "name is too long")])
@pytest.mark.parametrize("where", ["replace", "write"])
def test_failed_write_names_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       code: int, words: str, where: str) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(args[0]))

    monkeypatch.setattr(os, where, fail)
    out = tmp_path / "out.csv"
    with pytest.raises(_write.OutputError) as e:
        _write.write_file(out, "a,b\n")
    text = str(e.value)
    assert text.startswith(f"cannot write {out}: ") and words in text and "\n" not in text
    assert _write.TEMP_PREFIX not in str(e.value) and e.value.errno == code
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(_write.OutputError, match="no space left"):
        _write.write_file(out, "new")
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old" and _temporaries(tmp_path) == []


def test_cli_failed_write_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def denied(*args: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    out = tmp_path / "s.csv"
    assert main(["score", "bicycle", "--format", "csv", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == f"riskmodel: error: cannot write {out}: permission denied; write to a " \
                  "folder you may write to, or change its permissions\n"
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_report_failed_write_leaves_no_folder(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "rename", full)
    out = tmp_path / "rep"
    with pytest.raises(_write.OutputError, match=f"cannot write {out}: no space left"):
        rm.report("bicycle", out, formats="json", mc=5)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# temporaries: swept when their process is gone, removed on SIGTERM
# ---------------------------------------------------------------------------

def test_stale_temporaries_of_dead_processes_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f"{_write.TEMP_PREFIX}{dead}-0a1b2c3d-out.csv"
    stale.write_text("half", encoding="utf-8")
    stale_dir = tmp_path / f"{_write.TEMP_PREFIX}{dead}-0a1b2c3e-report"
    stale_dir.mkdir()
    (stale_dir / "x.json").write_text("half", encoding="utf-8")
    alive = tmp_path / f"{_write.TEMP_PREFIX}{os.getppid()}-0a1b2c3f-other.csv"
    alive.write_text("in progress", encoding="utf-8")
    mine = tmp_path / ".riskmodel-tmp-notes.txt"  # not of our form: never touched
    mine.write_text("user data", encoding="utf-8")
    _write.write_file(tmp_path / "out.csv", "a\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, mine.name, "out.csv"])


def test_sigterm_mid_write_removes_the_temporary(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    real_write = _write._write_all

    def write_then_die(fd: int, data: bytes) -> None:
        real_write(fd, data[:10])
        os.kill(os.getpid(), signal.SIGTERM)
        real_write(fd, data[10:])

    monkeypatch.setattr(_write, "_write_all", write_then_die)
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "s.csv"
    assert main(["score", "bicycle", "--format", "csv", "--out", str(out)]) == 128 + 15
    assert "stopped by signal 15" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before  # main restores the handler


# ---------------------------------------------------------------------------
# reports: reruns, user files, reproducibility, hashing
# ---------------------------------------------------------------------------

@pytest.mark.slow
def test_report_rerun_keeps_user_files_and_drops_its_own_stale_ones(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    rm.report("bicycle", out, formats=("json", "md"), mc=5)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "figures" / "my_sketch.png").write_bytes(b"mine")
    marker = json.loads((out / reporting.REPORT_MARKER).read_text(encoding="utf-8"))
    assert "bicycle.md" in marker["files"] and "figures/chain_diagram.png" in marker["files"]
    rm.report("bicycle", out, formats="json", mc=5)
    assert sorted(_tree(out)) == [reporting.REPORT_MARKER, "bicycle.json",
                                  "figures/my_sketch.png", "notes.txt"]
    marker = json.loads((out / reporting.REPORT_MARKER).read_text(encoding="utf-8"))
    assert marker["files"] == ["bicycle.json"]


@pytest.mark.slow
def test_report_is_byte_identical_across_runs(tmp_path: Path) -> None:
    a = rm.report("bicycle", tmp_path / "a", mc=5)["dir"]
    b = rm.report("bicycle", tmp_path / "b", mc=5)["dir"]
    ta, tb = _tree(a), _tree(b)
    assert sorted(ta) == sorted(tb) and any(k.endswith(".png") for k in ta)
    assert [k for k in ta if ta[k] != tb[k]] == []
    assert b"generated" not in ta["bicycle.html"] and b"generated" not in ta["bicycle.md"]


@pytest.mark.slow
def test_report_timestamp_goes_in_the_method_section(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    a = rm.report("bicycle", tmp_path / "a", formats=("md", "json"), mc=5, timestamp=True)
    b = rm.report("bicycle", tmp_path / "b", formats=("md", "json"), mc=5, timestamp=True)
    md = a["md"].read_text(encoding="utf-8")
    method = md[md.index("Method and settings"):]
    assert "report generated | 1970-01-02 00:00 UTC" in method
    assert md.count("1970-01-02") == 1
    assert _tree(a["dir"]) == _tree(b["dir"])


def test_report_hashes_only_a_bundles_own_files(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = rm.save(rm.load("bicycle"), tmp_path / "bundle")
    first = reporting.sha256_file(bundle)
    (bundle / "huge.bin").write_bytes(b"\0" * 100_000)
    opened: list[str] = []
    real_open = open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(Path(str(file)).name)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", spy)
    assert reporting.sha256_file(bundle) == first
    assert "huge.bin" not in opened
    assert sorted(opened) == ["chain.yaml", "edges.csv", "nodes.csv", "suppliers.csv"]


# ---------------------------------------------------------------------------
# cuts that cut nothing
# ---------------------------------------------------------------------------

def test_chain_scenario_with_empty_nodes_is_an_error_with_its_place(tmp_path: Path) -> None:
    from riskmodel.io import resolve_path

    text = Path(str(resolve_path("bicycle"))).read_text(encoding="utf-8")
    cut = "{country: JP, nodes: [drivetrain], duration: 12}"
    assert cut in text
    line = text[:text.index(cut)].count("\n") + 1
    path = tmp_path / "bike.yaml"
    path.write_text(text.replace(cut, "{country: JP, nodes: [], duration: 12}"),
                    encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as e:
        rm.load(path)
    (p,) = e.value.problems
    assert (p.line, p.field) == (line, "nodes") and "empty list" in p.message
    assert "remove `nodes:`" in p.fix


def test_python_cut_with_no_nodes_is_an_error() -> None:
    from riskmodel.scenario import Cut, Scenario, parse_cut

    with pytest.raises(rm.ScenarioError, match="empty list"):
        rm.simulate(rm.load("bicycle"), Scenario([Cut("JP", nodes=())]))
    with pytest.raises(rm.ScenarioError, match="names no node"):
        parse_cut("JP: ,")
