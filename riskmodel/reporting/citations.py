"""Sources as a reader cites them: title, author, year and link.

The chain's sources table (section "Data provenance") is keyed by the chain's own
source ids and may name a local file; :func:`present_sources` shows a reader the
title, author, year and link instead (the JSON keeps every column, ids and files
included), and says which sources give no link. :func:`method_references` is the table
of the published sources riskmodel's own method cites
(:mod:`riskmodel.sources.references`), with the passage relied on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from riskmodel.reporting.data import ReportData, Table

__all__ = ["SOURCE_COLUMNS", "method_references", "present_sources"]

#: The columns of the sources table a reader sees.
SOURCE_COLUMNS = ["title", "author", "year", "url", "values_cited"]


def present_sources(data: ReportData) -> None:
    """Show the sources table of ``data`` by title, author, year and link (no ids, no
    file names), a missing title by its id, and note the sources without a link."""
    table = next((t for s in data.sections if s.id == "provenance" for t in s.tables
                  if t.name == "sources"), None)
    if table is None:
        return
    frame = table.frame.copy()
    if len(frame):
        frame["title"] = frame["title"].where(frame["title"].notna(), frame["source"])
    table.frame = frame
    table.show = [c for c in SOURCE_COLUMNS if c in frame.columns]
    table.headers = {**table.headers, "url": "link"}
    bare = int(frame["url"].isna().sum()) if "url" in frame else 0
    if bare:
        table.note = (f"{bare} of {len(frame)} sources give no link: documents the chain's "
                      "authors read, named by title, author and year (the JSON gives the "
                      "chain's id and file of each).")


def method_references() -> Table:
    """The table of the sources riskmodel's method cites.

    >>> t = method_references()
    >>> int(t.frame.loc[0, "year"]), t.frame.loc[0, "url"].startswith("https://cepii.fr/")
    (2024, True)
    """
    from riskmodel.reporting.data import Table
    from riskmodel.sources.references import REFERENCES

    frame = pd.DataFrame([{"title": r.title, "author": r.author, "year": r.year,
                           "url": r.url, "quote": f"“{r.quote}” ({r.where})",
                           "supports": r.supports} for r in REFERENCES.values()],
                         columns=["title", "author", "year", "url", "quote", "supports"])
    return Table("method_references", "Sources of the method", frame, index=False,
                 formats={"year": "text"}, headers={"url": "link", "quote": "passage",
                                                    "supports": "what it supports"})
