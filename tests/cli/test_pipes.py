"""``-`` for standard input and output, and ``--out`` on every table command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel.cli import main


@pytest.fixture
def chain_text(tmp_path: Path) -> bytes:
    return rm.save(rm.load("bicycle"), tmp_path / "bike.yaml").read_bytes()


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_a_chain_piped_in_scores_as_the_file(chain_text: bytes, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, chain_text)
    assert main(["score", "-", "--format", "json"]) == 0
    piped = json.loads(capsys.readouterr().out)
    assert main(["score", "bicycle", "--format", "json"]) == 0
    assert piped == json.loads(capsys.readouterr().out)


def test_json_piped_in_and_named_stdin_in_messages(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, b'{"name": "demo", "nodes": [{"id": "a", "stage": "nowhere"}]}')
    assert main(["validate", "-"]) == 1
    err = capsys.readouterr().err
    assert "<stdin>: invalid" in err and "<stdin>:1:" in err and "Traceback" not in err


@pytest.mark.parametrize("data, message", [(b"", "file is empty"),
                                           (b"name: [", "YAML syntax error"),
                                           ("a: b".encode("utf-16"), "UTF-16")])
def test_bad_input_on_stdin_is_one_clear_line(data: bytes, message: str,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, data)
    assert main(["score", "-"]) == 1
    err = capsys.readouterr().err
    assert message in err and "<stdin>" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["chains"], ["score", "bicycle", "--top", "2"],
                                  ["cutsets", "bicycle", "--max-size", "1"],
                                  ["diff", "bicycle", "bicycle", "--no-scores"]])
def test_every_table_command_takes_out(argv: list[str], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    printed = capsys.readouterr().out
    out = tmp_path / "table.txt"
    assert main([*argv, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed
    assert main([*argv, "--out", "-"]) == 0
    assert capsys.readouterr().out == printed


def test_a_real_pipe_between_two_commands(tmp_path: Path) -> None:
    """A chain file on standard input, as a shell pipe gives it (``riskmodel score -``)."""
    chain = rm.save(rm.load("bicycle"), tmp_path / "bike.json")
    run = [sys.executable, "-m", "riskmodel"]
    with chain.open("rb") as f:
        out = subprocess.run([*run, "score", "-", "--top", "1", "--format", "csv"], stdin=f,
                             capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[1].startswith("drivetrain,")


@pytest.mark.parametrize("argv, message", [
    (["report", "bicycle", "--out", "-"], "cannot go to standard output"),
    (["export", "bicycle", "--format", "csv", "-o", "-"], "give a folder name"),
])
def test_outputs_that_are_folders_refuse_stdout(argv: list[str], message: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
