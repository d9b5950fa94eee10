"""Where each number of a chain comes from.

:func:`provenance` lists every numeric value of a chain (node attributes, supplier
shares, edge shares and covers) with its source, place, note and range, and classes
it as ``sourced`` (cites a declared source and a place, not marked as an estimate),
``estimate`` (``estimate: true``, whether or not it also cites the line it was derived
from) or ``unsourced``. :func:`summary` gives the shares; the built-in chains have no
``unsourced`` value, and record their shares in their header.

Examples
--------
>>> import riskmodel as rm
>>> s = summary(rm.load("bicycle"))
>>> s["values"], s["estimated"], s["unsourced"]
(60, 1.0, 0.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskmodel.io.tables import EDGE_NUMBERS, NODE_NUMBERS
from riskmodel.model import Chain

__all__ = ["provenance", "summary"]


def _rows(df: pd.DataFrame, fields: tuple[str, ...], kind: str, key: pd.Series,
          field_name: Any) -> list[pd.DataFrame]:
    """One frame per field: the rows where it has a value (column-wise, so a chain of
    200,000 supplier keys costs no Python loop per value)."""
    out = []
    for f in fields:
        if f not in df:
            continue
        have = df[f].notna().to_numpy()
        if not have.any():
            continue
        present = df[have]

        def get(k: str, present: pd.DataFrame = present, f: str = f) -> pd.Series:
            col = f"{f}.{k}"
            if col not in present:
                return pd.Series([None] * len(present), index=present.index, dtype=object)
            v = present[col].astype(object)
            return v.where(v.notna(), None)
        estimate = get("estimate").fillna(False).to_numpy(dtype=bool)
        cited = (get("source").notna() & get("ref").notna()).to_numpy(dtype=bool)
        out.append(pd.DataFrame({
            "kind": kind, "id": key[have].to_numpy(dtype=object),
            "field": field_name(present, f),
            "value": present[f].astype(float).to_numpy(),
            "class": np.where(estimate, "estimate", np.where(cited, "sourced", "unsourced")),
            "source": get("source").to_numpy(), "ref": get("ref").to_numpy(),
            "note": get("note").to_numpy(), "low": get("low").to_numpy(),
            "high": get("high").to_numpy()}))
    return out


def provenance(chain: Chain) -> pd.DataFrame:
    """Every numeric value of the chain with its provenance class and citation."""
    data = chain.to_data()
    n, sp, e = data.nodes, data.suppliers, data.edges
    parts = _rows(n, NODE_NUMBERS, "node", n["id"], lambda r, f: f)
    parts += _rows(sp, ("share",), "supplier", sp["node"],
                   lambda r, f: ("suppliers." + r["country"].astype(str)).to_numpy())
    parts += _rows(e, EDGE_NUMBERS, "edge",
                   e["from"].astype(str) + " -> " + e["to"].astype(str), lambda r, f: f)
    cols = ["kind", "id", "field", "value", "class", "source", "ref", "note", "low", "high"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    # the dtypes a frame of records gets, as the table always had, column by column:
    # texts with None where missing, numbers with NaN, a column of None alone as objects
    return pd.DataFrame({c: _as_records_column(out[c]) for c in cols})


def _as_records_column(s: pd.Series) -> pd.Series:
    """A column as a frame built from records has it: objects with None for missing,
    converted as pandas converts a list of values (numbers and None: floats with NaN)."""
    values = s.to_numpy(dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values = values.copy()
        values[missing] = None
    return pd.Series(list(values), name=s.name)


def summary(chain: Chain) -> dict[str, Any]:
    """``values`` (count) and the shares ``sourced``, ``estimated`` and ``unsourced``."""
    table = provenance(chain)
    n = len(table)
    share = (table["class"].value_counts() / n) if n else pd.Series(dtype=float)
    return {"values": n, "sourced": round(float(share.get("sourced", 0.0)), 3),
            "estimated": round(float(share.get("estimate", 0.0)), 3),
            "unsourced": round(float(share.get("unsourced", 0.0)), 3)}
