"""Reading and writing chain files, and the checks on what is read.

The modules, lowest first:

- ``terminal``: text made safe for a terminal (control characters escaped);
- ``write``: the one safe writer every output goes through (atomic rename, never over
  an input, a folder or a device);
- ``files``: a file's bytes and UTF-8 text, read with bounds (regular files only, at
  most ``MAX_FILE_BYTES``), and the error that names the file and place;
- ``yaml``: the YAML 1.2 loader that keeps each value's place, and the YAML dumper;
- ``jsonparse``: JSON read with each value's place;
- ``textcheck``: lone surrogates and control characters in what was read;
- ``csvtable``: a bundle's CSV tables read as text, with the line of every row;
- ``document``: YAML, JSON and CSV-bundle files read into a :class:`Document`, and
  written back; built-in chains found by name;
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
    resolve_path,
    write_document,
)
from riskmodel.io.files import read_file_bytes

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
