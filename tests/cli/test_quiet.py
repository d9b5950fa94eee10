"""``--quiet``, and the progress bar's time left."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from riskmodel._progress import Progress, quiet_output
from riskmodel.cli import main


@pytest.mark.parametrize("argv", [["score", "bicycle", "--top", "1"],
                                  ["export", "bicycle", "--no-scores"]])
def test_quiet_drops_the_note_of_the_file_written(argv: list[str], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / ("x.json" if argv[0] == "export" else "x.txt")
    assert main([*argv, "--out", str(out)]) == 0
    assert capsys.readouterr().err.startswith("wrote ")
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == "" and out.stat().st_size > 0


def test_quiet_keeps_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "no_such_chain", "-q"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_the_bar_shows_the_time_left_and_quiet_hides_it() -> None:
    stream = io.StringIO()
    with Progress(4, "scoring", enabled=True, delay=0.0, stream=stream) as bar:
        bar.update(1)
    assert "scoring [" in stream.getvalue() and "left" in stream.getvalue()
    stream = io.StringIO()
    with quiet_output(), Progress(4, "scoring", enabled=True, delay=0.0,
                                  stream=stream) as bar:
        bar.update(1)
    assert stream.getvalue() == ""
