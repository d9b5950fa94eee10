"""The report folder: its default name, the marker that tells an earlier report, and
the checks and writes that keep everything else in the folder safe.

A new report folder is built as a temporary sibling and renamed into place when
complete (:func:`riskmodel.io.write.write_folder`). An existing folder must be empty
or an earlier report, marked by a :data:`REPORT_MARKER` file listing the files it
wrote; then only the report's own files are replaced, each atomically, and the earlier
report's files this one no longer writes are removed: files a user added stay. A
non-empty folder that is not a report is refused unless ``force=True``, and even then
only the report's own files are added or replaced. The chain's own file or folder is
never written (:func:`chain_inputs`).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from riskmodel._errors import OutputExistsError
from riskmodel._version import __version__
from riskmodel.reporting.compute import chain_files

if TYPE_CHECKING:
    from riskmodel.model import Chain

__all__ = ["REPORT_MARKER", "REPORT_SCHEMA", "chain_inputs", "check_report_folder", "marker",
           "prepare_report_folder", "previous_files", "safe_name", "write_report"]

REPORT_MARKER = ".riskmodel-report"
REPORT_SCHEMA = "riskmodel/report@1"


def safe_name(name: str) -> str:
    """A file-name-safe form of a chain name.

    >>> safe_name("../../etc/passwd"), safe_name("Robots: CN/JP"), safe_name("...")
    ('etc_passwd', 'Robots_CN_JP', 'chain')
    """
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_-.")
    return s[:64] or "chain"


def previous_files(path: Path) -> list[str] | None:
    """The files an earlier report in ``path`` wrote (from its marker); ``None`` when
    ``path`` is not a report folder. A marker that cannot be read lists nothing."""
    mark = path / REPORT_MARKER
    try:
        st = mark.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        files = json.loads(mark.read_text(encoding="utf-8"))["files"] \
            if st.st_size < 1 << 20 else []
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    ok = []
    for f in files if isinstance(files, list) else []:
        parts = f.split("/") if isinstance(f, str) else [""]
        if all(p not in ("", ".", "..") for p in parts) and f != REPORT_MARKER:
            ok.append(f)
    return ok


def check_report_folder(target: Path, force: bool) -> list[str] | None:
    """Check that ``target`` may take a report; return the earlier report's files."""
    real = Path(os.path.realpath(target))
    previous = previous_files(real) if real.is_dir() else None
    if (previous is None and not force and not target.is_symlink() and real.is_dir()
            and any(real.iterdir())):
        raise OutputExistsError(
            f"{target} is not empty and is not a riskmodel report; choose another --out, "
            "or pass --force to add the report's files to it (nothing else in the folder "
            "is touched)")
    return previous


def chain_inputs(chain: Chain) -> list[str]:
    """The chain's own files and folder: a report never writes over them."""
    out = [str(f) for f in chain_files(chain)]
    if chain.path:
        out.append(str(chain.path))
    return out


def marker(chain: str, files: Iterable[str]) -> bytes:
    """The marker file of a report of ``chain`` that wrote ``files`` (JSON bytes)."""
    return (json.dumps({"report": REPORT_SCHEMA, "riskmodel_version": __version__,
                        "chain": chain, "files": sorted(f for f in files
                                                        if f != REPORT_MARKER)},
                       indent=2) + "\n").encode("utf-8")


def prepare_report_folder(target: Path, inputs: list[str], force: bool) -> None:
    """Check, before any work, that ``target`` may take a report (see
    :func:`check_report_folder` and :func:`riskmodel.io.write.check_folder`)."""
    from riskmodel.io.write import check_folder

    check_report_folder(target, force)
    check_folder(target, inputs=inputs, force=force, existing_ok=True, parents=True)


def write_report(target: Path, files: Mapping[str, bytes], *, chain: str, inputs: list[str],
                 force: bool) -> None:
    """Write the report's ``files`` into ``target``, replacing an earlier report's own
    files and removing those of them this report no longer writes."""
    from riskmodel.io.write import write_folder

    previous = check_report_folder(target, force)
    if previous:
        # first list the old files and the new together, so that a run stopped
        # halfway leaves every file it wrote known as the report's own
        write_folder(target, {REPORT_MARKER: marker(chain, {*previous, *files})},
                     inputs=inputs, force=force, existing_ok=True)
    write_folder(target, files, inputs=inputs, force=force, existing_ok=True,
                 remove=previous or (), parents=True)
