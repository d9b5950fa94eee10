"""``riskmodel chains`` answered from its cache gives what a fresh listing gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskmodel.cli import main
from riskmodel.cli.chains import _chains_cache
from riskmodel.io.render import render
from riskmodel.model import builtin_chains


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_cached_list_is_the_fresh_list(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = _chains_cache(fmt)
    assert cache is not None and not cache.exists() and cache.parent.parent == tmp_path
    fresh = render(builtin_chains(), fmt)
    assert main(["chains", "--format", fmt]) == 0  # computes and keeps it
    assert capsys.readouterr().out == fresh + "\n" and cache.read_text() == fresh
    assert main(["chains", "--format", fmt]) == 0  # from the cache
    assert capsys.readouterr().out == fresh + "\n"


def test_key_follows_format_and_cache_folder(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _chains_cache("table") != _chains_cache("csv")
    assert _chains_cache("table") == _chains_cache("table")  # the same files, the same key
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # not a usable cache folder
    assert _chains_cache("table") is None


def test_unwritable_cache_still_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where a folder should be
    assert main(["chains"]) == 0
    assert "bicycle" in capsys.readouterr().out
