"""``validate(path)`` after ``load(path)`` reuses what was read, never a stale answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import VALID_YAML, random_chain

import riskmodel as rm
import riskmodel.validation as validation
from riskmodel.io import document


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read by ``read_document`` during the test."""
    seen: list[str] = []
    real = document.read_document

    def counting(path):  # type: ignore[no-untyped-def]
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(document, "read_document", counting)
    monkeypatch.setattr(validation, "_LAST", {})
    return seen


@pytest.mark.parametrize("target", ["c.yaml", "c.json", "bundle"])
def test_validate_after_load_reads_once(target: str, tmp_path: Path, reads: list[str]) -> None:
    path = rm.save(random_chain(4), tmp_path / target)
    chain = rm.load(path)
    rep = rm.validate(path)
    assert len(reads) == 1
    reads.clear()
    validation._LAST.clear()
    again = rm.validate(path)  # read afresh: the same report
    assert len(reads) == 1 and [str(p) for p in again.all()] == [str(p) for p in rep.all()]
    assert rm.load(path).to_dict() == chain.to_dict()


def test_changed_file_is_read_again(tmp_path: Path, reads: list[str]) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(VALID_YAML, encoding="utf-8")
    rm.load(path)
    stat = os.stat(path)
    # the same size and modification time: only the change time tells
    path.write_text(VALID_YAML.replace("gears", "gearz", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(rm.ChainValidationError, match="gears"):
        rm.validate(path)
    assert len(reads) == 2


def test_loaded_chain_edits_do_not_reach_the_reuse(tmp_path: Path, reads: list[str]) -> None:
    path = rm.save(random_chain(5), tmp_path / "c.yaml")
    first = rm.load(path)
    first._data.nodes.loc[0, "id"] = "changed" if first._data is not None else None
    assert rm.load(path).to_dict() == rm.load(tmp_path / "c.yaml").to_dict()
    assert "changed" not in str(rm.load(path).to_dict())
    assert len(reads) == 1
