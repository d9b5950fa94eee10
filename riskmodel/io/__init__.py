"""Reading and writing chain files, and the checks on what is read.

The parts, lowest first:

- ``terminal``: text made safe for a terminal (control characters escaped);
- ``write``: the one safe writer every output goes through (atomic rename, never over
  an input, a folder or a device);
- ``document``: YAML, JSON and CSV-bundle files read into a :class:`Document` with the
  line and column of every value, and written back;
- ``tables``: the chain as three tables (:class:`~riskmodel.io.tables.ChainData`);
- ``collect``: the problem collector that names file, place, field and fix;
- ``parse``: documents into tables, every value checked for type;
- ``graph`` and ``convert``: tables to the networkx graph and back, and to documents;
- ``render``: tables as text, CSV, JSON or Markdown.
"""

from riskmodel.io.document import (
    BUNDLE_HEADER,
    BUNDLE_TABLES,
    Document,
    builtin_names,
    read_document,
    read_file_bytes,
    resolve_path,
    write_document,
)

__all__ = [
    "BUNDLE_HEADER",
    "BUNDLE_TABLES",
    "Document",
    "builtin_names",
    "read_document",
    "read_file_bytes",
    "resolve_path",
    "write_document",
]
