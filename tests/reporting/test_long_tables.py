"""Long report tables: whole in a gzipped CSV file beside the report, named by the JSON,
their top rows in HTML and Markdown (reporting.data.LONG_ROWS)."""

from __future__ import annotations

import gzip
import io
import json
import os

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
from riskmodel._errors import OutputExistsError
from riskmodel.reporting.data import LONG_ROWS, LONG_SHOWN, ReportData, Section, Table
from riskmodel.reporting.folder import write_report
from riskmodel.reporting.render import render_files

N = LONG_ROWS + 100


def _data(*tables: Table) -> ReportData:
    return ReportData("demo", "Demo", "", [Section("main", "Main", tables=list(tables))],
                      settings={"nodes": N})


def _long(name: str = "scores", rows: int | None = None) -> Table:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"label": [f"node {i}" for i in range(N)],
                          "score": rng.random(N),
                          "via": [("CN", "JP") if i % 2 else () for i in range(N)]},
                         index=pd.Index([f"n{i}" for i in range(N)], name="node"))
    frame.loc["n3", "label"] = "=HYPERLINK(\"x\")"  # a formula from a chain file
    return Table(name, "Scores", frame, formats={"score": "pct"}, rows=rows)


def _csv(files: dict[str, bytes], name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(gzip.decompress(files[name])), keep_default_na=False)


def test_a_long_table_goes_whole_to_its_csv_file() -> None:
    t = _long()
    files, _ = render_files(_data(t), ("html", "md", "json"), "demo")
    back = _csv(files, "tables/scores.csv.gz")
    assert list(back.columns) == ["node", "label", "score", "via"] and len(back) == N
    # every number as written, no rounding; lists joined by |; a formula made inert
    assert np.array_equal(back["score"].to_numpy(), t.frame["score"].to_numpy())
    assert back.loc[1, "via"] == "CN|JP" and back.loc[0, "via"] == ""
    assert back.loc[3, "label"].startswith("'=")
    # the JSON names the file instead of holding the rows
    doc = json.loads(files["demo.json"])
    assert doc["sections"][0]["tables"]["scores"] == {
        "file": "tables/scores.csv.gz", "rows": N, "columns": ["node", "label", "score", "via"]}
    # HTML and Markdown show the top rows and say where the rest is
    note = f"Showing {LONG_SHOWN} of {N:,} rows; every row and column is in tables/scores.csv.gz."
    md, html = files["demo.md"].decode(), files["demo.html"].decode()
    assert note in html and note in md.replace("\\_", "_")
    assert html.count("<tr>") == LONG_SHOWN + 1 and "n49" in md and "n50" not in md
    # the marker lists the CSV file as the report's own (replaced or removed next time)
    assert "tables/scores.csv.gz" in json.loads(files[".riskmodel-report"])["files"]


def test_the_csv_files_are_reproducible_and_ranked_tables_keep_their_top() -> None:
    first, _ = render_files(_data(_long(rows=20)), ("md",), "demo")
    again, _ = render_files(_data(_long(rows=20)), ("md",), "demo")
    assert first["tables/scores.csv.gz"] == again["tables/scores.csv.gz"]  # no time inside
    assert f"Showing 20 of {N:,} rows" in first["demo.md"].decode()


def test_short_tables_stay_whole_in_the_json_without_a_file() -> None:
    short = Table("few", "Few", pd.DataFrame({"x": range(LONG_ROWS)}), index=False)
    files, _ = render_files(_data(short), ("html", "md", "json"), "demo")
    assert not any(f.startswith("tables/") for f in files)
    assert len(json.loads(files["demo.json"])["sections"][0]["tables"]["few"]) == LONG_ROWS
    assert "Showing" not in files["demo.html"].decode()


def test_file_names_are_safe_and_unique() -> None:
    files, _ = render_files(_data(_long("../../etc/x"), _long("../../etc/x")), ("json",), "d")
    assert sorted(f for f in files if f.startswith("tables/")) == [
        "tables/etc_x.csv.gz", "tables/etc_x_2.csv.gz"]


def test_a_symlinked_tables_folder_is_not_written_through(tmp_path) -> None:
    files, _ = render_files(_data(_long()), ("json",), "demo")
    out, elsewhere = tmp_path / "report", tmp_path / "elsewhere"
    write_report(out, files, chain="demo", inputs=[], force=False)
    elsewhere.mkdir()
    for f in (out / "tables").iterdir():
        f.unlink()
    (out / "tables").rmdir()
    os.symlink(elsewhere, out / "tables")
    with pytest.raises(OutputExistsError):
        write_report(out, files, chain="demo", inputs=[], force=False)
    assert not any(elsewhere.iterdir())


@pytest.mark.slow
def test_a_built_in_chain_has_no_long_table(tmp_path) -> None:
    paths = rm.report("bicycle", tmp_path / "bike", formats="all", mc=10)
    assert not (tmp_path / "bike" / "tables").exists()
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert all(isinstance(t, list) for s in doc["sections"] for t in s["tables"].values())
