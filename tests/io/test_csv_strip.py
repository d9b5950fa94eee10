"""Bundle CSV cells are stripped without a Python call per cell (io.csvtable.strip_cells):
the same cells as ``str.strip``, whatever the whitespace."""

from __future__ import annotations

import numpy as np
import pandas as pd

import riskmodel as rm
from riskmodel.io.csvtable import blank_cells, strip_cells

SPACES = [" ", "\t", "\xa0", "\u2003", "\u3000", "\x0b", "\x1f", "\n"]


def test_strip_cells_is_str_strip() -> None:
    rng = np.random.default_rng(0)
    parts = [*SPACES, "a", "b", "é", ",", "0.5", ""]
    cells = ["".join(rng.choice(parts, size=rng.integers(0, 6))) for _ in range(2000)]
    got = strip_cells(pd.Series(cells, dtype="str"))
    assert got.tolist() == [c.strip() for c in cells]
    assert blank_cells(got).tolist() == [not c.strip() for c in cells]


def test_a_bundle_reads_padded_cells_and_skips_rows_of_blanks(tmp_path) -> None:
    (tmp_path / "chain.yaml").write_text("schema: riskmodel/chain@1\nname: pad\n")
    (tmp_path / "nodes.csv").write_text(
        "id,label,stage,value,substitutability\n"
        "\xa0ore ,  Ore\u3000,upstream,,\t0.25 \n"
        " , ,\t,,\n"  # a spreadsheet's empty row, padded
        "car,Car,\u2003end_use , 12 ,\n", encoding="utf-8")
    (tmp_path / "suppliers.csv").write_text("node,country,share\n ore , CN ,1\ncar,DE, 1\n")
    (tmp_path / "edges.csv").write_text("from,to,essential\n ore ,car\t, yes \n")
    data = rm.load(tmp_path).to_data()
    assert data.nodes["id"].tolist() == ["ore", "car"]
    assert data.nodes["label"].tolist() == ["  Ore\u3000", "Car"]  # labels as written
    assert data.nodes["stage"].tolist() == ["upstream", "end_use"]
    assert data.nodes["substitutability"].iloc[0] == 0.25 and data.nodes["value"].iloc[1] == 12
    assert data.suppliers["country"].tolist() == ["CN", "DE"]
    assert data.edges[["from", "to"]].values.tolist() == [["ore", "car"]]
    assert bool(data.edges["essential"].iloc[0])
