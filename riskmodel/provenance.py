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

import pandas as pd

from ._tables import EDGE_NUMBERS, NODE_NUMBERS
from .model import Chain

__all__ = ["provenance", "summary"]


def _rows(df: pd.DataFrame, fields: tuple[str, ...], kind: str, key: Any, field_name: Any
          ) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        if f not in df:
            continue
        present = df[df[f].notna()]
        for i, r in present.iterrows():
            def get(k: str, r: pd.Series = r, f: str = f) -> Any:
                v = r.get(f"{f}.{k}")
                return None if v is None or (isinstance(v, float) and pd.isna(v)) else v
            estimate = bool(get("estimate"))
            cited = get("source") is not None and get("ref") is not None
            out.append({
                "kind": kind, "id": key(r), "field": field_name(r, f), "value": float(r[f]),
                "class": "estimate" if estimate else ("sourced" if cited else "unsourced"),
                "source": get("source"), "ref": get("ref"), "note": get("note"),
                "low": get("low"), "high": get("high"), "row": i,
            })
    return out


def provenance(chain: Chain) -> pd.DataFrame:
    """Every numeric value of the chain with its provenance class and citation."""
    data = chain.to_data()
    rows = _rows(data.nodes, NODE_NUMBERS, "node", lambda r: r["id"], lambda r, f: f)
    rows += _rows(data.suppliers, ("share",), "supplier", lambda r: r["node"],
                  lambda r, f: f"suppliers.{r['country']}")
    rows += _rows(data.edges, EDGE_NUMBERS, "edge", lambda r: f"{r['from']} -> {r['to']}",
                  lambda r, f: f)
    cols = ["kind", "id", "field", "value", "class", "source", "ref", "note", "low", "high"]
    return pd.DataFrame(rows, columns=[*cols, "row"])[cols]


def summary(chain: Chain) -> dict[str, Any]:
    """``values`` (count) and the shares ``sourced``, ``estimated`` and ``unsourced``."""
    table = provenance(chain)
    n = len(table)
    share = (table["class"].value_counts() / n) if n else pd.Series(dtype=float)
    return {"values": n, "sourced": round(float(share.get("sourced", 0.0)), 3),
            "estimated": round(float(share.get("estimate", 0.0)), 3),
            "unsourced": round(float(share.get("unsourced", 0.0)), 3)}
