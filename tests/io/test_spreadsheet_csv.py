"""CSV bundles as spreadsheets write them: semicolons or tabs, a byte-order mark, empty
rows below the table (riskmodel/io/csvtable.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import riskmodel as rm

TABLES = ("nodes.csv", "suppliers.csv", "edges.csv")


def _respell(folder: Path, sep: str, *, bom: bool = False, empty_rows: int = 0) -> None:
    """Rewrite a bundle's tables with ``sep``, as a spreadsheet would save them."""
    for name in TABLES:
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        text = df.to_csv(sep=sep, index=False, lineterminator="\n")
        text += (sep * (len(df.columns) - 1) + "\n") * empty_rows
        (folder / name).write_text(("\ufeff" if bom else "") + text, encoding="utf-8")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return rm.save(rm.load("bicycle"), tmp_path / "bike")


@pytest.mark.parametrize("sep, bom, empty_rows", [(";", True, 2), ("\t", False, 1),
                                                  (",", True, 3)])
def test_a_spreadsheets_bundle_reads_as_the_original(bundle: Path, sep: str, bom: bool,
                                                     empty_rows: int) -> None:
    original = rm.load(bundle)
    _respell(bundle, sep, bom=bom, empty_rows=empty_rows)
    again = rm.load(bundle)
    before, after = original.to_data(), again.to_data()
    for table in ("nodes", "suppliers", "edges"):
        pd.testing.assert_frame_equal(getattr(before, table).reset_index(drop=True),
                                      getattr(after, table).reset_index(drop=True))
    pd.testing.assert_frame_equal(rm.score(original), rm.score(again))


def test_lines_stay_right_after_an_empty_row(bundle: Path) -> None:
    _respell(bundle, ";")
    lines = (bundle / "edges.csv").read_text(encoding="utf-8").splitlines()
    width = lines[0].count(";")
    lines.insert(2, ";" * width)                                   # an empty row at line 3
    lines[3] = lines[3].replace(lines[3].split(";")[1], "nowhere", 1)  # a bad edge at line 4
    (bundle / "edges.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as err:
        rm.load(bundle)
    (problem,) = [p for p in err.value.problems if "unknown node" in p.message]
    assert problem.line == 4 and problem.file.endswith("edges.csv")


def test_an_unread_separator_is_named(bundle: Path) -> None:
    text = (bundle / "edges.csv").read_text(encoding="utf-8")
    (bundle / "edges.csv").write_text(text.replace(",", "|"), encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as err:
        rm.load(bundle)
    (problem,) = err.value.problems
    assert "separated by '|'" in problem.message and problem.line == 1
    assert "commas, semicolons or tabs" in problem.fix


def test_a_decimal_comma_gets_a_fix_that_says_so(bundle: Path) -> None:
    _respell(bundle, ";")
    text = (bundle / "suppliers.csv").read_text(encoding="utf-8")
    first = text.splitlines()[1].split(";")
    share = first[2]
    text = text.replace(";".join(first), ";".join([*first[:2], share.replace(".", ","),
                                                   *first[3:]]), 1)
    (bundle / "suppliers.csv").write_text(text, encoding="utf-8")
    with pytest.raises(rm.ChainValidationError) as err:
        rm.load(bundle)
    (problem,) = err.value.problems
    assert problem.message == "not a number" and "decimal mark" in problem.fix
    assert share in problem.fix
