"""Reading a chain file's bytes and text, bounded, and the error a failed read raises.

Only regular files are read (a FIFO, device or socket is refused before it can block
or run forever), at most ``MAX_FILE_BYTES`` of them, and a file that cannot be read is
a :class:`~riskmodel.ChainValidationError` naming it, never an ``OSError``. With
``follow=False`` (a bundle's members) a symbolic link is refused unread. Text must be
UTF-8: UTF-16, UTF-32, binary and mis-encoded files are refused with the fix.

The limits on what is read are here too, but for ``MAX_VALUES``, which bounds YAML
alias expansion and lives with the YAML loader (:mod:`riskmodel.io.yaml`).
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from riskmodel._errors import ChainValidationError, Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_LISTED_ROWS",
    "first_at",
    "read_error",
    "read_file_bytes",
    "read_text",
    "unreadable",
]

#: Most bytes a chain file (or a bundle member) may hold.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: Deepest nesting of mappings and lists in a YAML or JSON file.
MAX_DEPTH = 64
#: Most rows listed for one kind of problem in a CSV table (the rest are counted).
MAX_LISTED_ROWS = 20


def read_error(path: str, message: str, *, line: int | None = None,
               column: int | None = None, fix: str | None = None,
               code: str = "read") -> ChainValidationError:
    """The error for a file that cannot be read or parsed: one problem at its place.

    >>> read_error("c.yaml", "file is empty").problems[0].message
    'file is empty'
    """
    return ChainValidationError(
        [Problem("error", message, file=path, line=line, column=column, fix=fix, code=code)])


def first_at(first: tuple[int, int] | None, line: int) -> str:
    """Where a repeated key first appeared, for its message (the column on one line).

    >>> first_at((3, 5), 3), first_at((1, 1), 3)
    (' (first at column 5 of this line)', ' (first on line 1)')
    """
    if first is None:
        return ""
    return (f" (first at column {first[1]} of this line)" if first[0] == line
            else f" (first on line {first[0]})")


_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def unreadable(shown: str, e: OSError) -> ChainValidationError:
    """A file that exists but cannot be read, said plainly (no traceback)."""
    if isinstance(e, IsADirectoryError):
        return read_error(shown, "is a folder, but a file was expected here",
                          fix="give a chain file, or a bundle folder holding chain.yaml")
    why = e.strerror or type(e).__name__
    fix = ("give yourself read permission on it (chmod u+r)"
           if isinstance(e, PermissionError) else
           "check that the disk and the file are readable, or restore the file from a copy")
    return read_error(shown, f"cannot be read ({why})", fix=fix, code="unreadable")


def _read_bytes(path: Path, shown: str, *, follow: bool = True) -> bytes:
    """The bytes of a regular file, read with a bound.

    Only a regular file is opened: a FIFO, device or socket is refused (reading
    ``/dev/zero`` never ends, a FIFO with no writer blocks). The file is opened
    without blocking and checked again once open, so a path swapped for a FIFO in
    between cannot hang the reader, and at most ``MAX_FILE_BYTES`` are read, so a
    file that grows while being read cannot run away. With ``follow=False`` a
    symbolic link is refused rather than followed.
    """
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{shown}: no such file or folder") from None
    except OSError as e:
        raise unreadable(shown, e) from None
    _check_kind(st.st_mode, shown)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(f"{shown}: no such file or folder") from None
    except OSError as e:
        if not follow and os.path.islink(path):
            _check_kind(stat.S_IFLNK, shown)
        raise unreadable(shown, e) from None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            _check_kind(st.st_mode, shown)
            if st.st_size > MAX_FILE_BYTES:
                raise _too_large(shown, st.st_size)
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise unreadable(shown, e) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(shown, len(raw))
    return raw


def read_file_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file, read with the bound of chain files.

    Raises :class:`~riskmodel.ChainValidationError` naming the path for a FIFO, a
    device, a socket, a folder, a file larger than ``MAX_FILE_BYTES`` or one that
    cannot be read, and ``FileNotFoundError`` for a missing one.

    >>> from riskmodel import ChainValidationError
    >>> try:
    ...     read_file_bytes("/dev/zero")  # would never end
    ... except ChainValidationError as e:
    ...     print(e.problems[0].message)
    is a character device, not a regular file
    """
    return _read_bytes(Path(path), str(path))


def _check_kind(mode: int, shown: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise read_error(shown, "is a folder, but a file was expected here",
                         fix="give a chain file, or a bundle folder holding chain.yaml")
    if stat.S_ISLNK(mode):
        raise read_error(shown, "is a symbolic link; a bundle's files must be regular files "
                         "inside its folder", code="special-file",
                         fix="replace the link with a copy of the file it points to")
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    raise read_error(shown, f"is {kind}, not a regular file", code="special-file",
                     fix="save the chain to a regular file and give that file")


def _too_large(shown: str, size: int) -> ChainValidationError:
    return read_error(shown, f"file is {size} bytes or more, larger than the "
                      f"{MAX_FILE_BYTES} allowed", fix="split the chain, or give a smaller file",
                      code="too-large")


def _wide_unicode(raw: bytes) -> bool:
    r"""Whether ``raw`` is UTF-16 or UTF-32 text: a byte-order mark before text with a
    chain file's punctuation, or NUL bytes where those encodings put them (the high
    bytes of every ASCII character).

    >>> _wide_unicode("name: x\n".encode("utf-16-le"))
    True
    >>> _wide_unicode("\ufeff名: 値".encode("utf-16-be"))  # a mark, then text
    True
    >>> _wide_unicode("name: x\n".encode("utf-32-be")), _wide_unicode(b"\x00\x01\x02binary")
    (True, False)
    >>> _wide_unicode(b"\xff\xfe garbage")  # a mark, but no UTF-16 text after it
    False
    """
    for bom, enc, width in ((codecs.BOM_UTF32_LE, "utf-32-le", 4),
                            (codecs.BOM_UTF32_BE, "utf-32-be", 4),
                            (codecs.BOM_UTF16_LE, "utf-16-le", 2),
                            (codecs.BOM_UTF16_BE, "utf-16-be", 2)):
        if raw.startswith(bom):
            body = raw[len(bom):len(bom) + 4096]
            text = body[:len(body) // width * width].decode(enc, errors="replace")
            if any(c in text for c in ":\n{[,"):
                return True
    n = min(len(raw), 4096) // 4 * 4
    if n < 8:
        return False
    for width, low, high in ((2, (0,), (1,)), (2, (1,), (0,)),
                             (4, (0,), (2, 3)), (4, (3,), (0, 1))):
        nul = [raw[i:n:width].count(0) / (n // width) for i in range(width)]
        # the byte carrying an ASCII character is (almost) never NUL; the high ones are
        if all(nul[i] <= 0.05 for i in low) and all(nul[i] >= 0.7 for i in high):
            return True
    return False


def read_text(path: Path, shown: str, *, follow: bool = True) -> str:
    """Read a file as UTF-8 text, with clear errors for binary or mis-encoded files.

    ``shown`` is how the file is named in messages; with ``follow=False`` a symbolic
    link is refused unread (a bundle's members).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_bytes("name: x".encode("utf-16"))
    >>> try:
    ...     read_text(p, "c.yaml")
    ... except ChainValidationError as e:
    ...     print(e.problems[0].message)
    the file is UTF-16 (or UTF-32); save it as UTF-8
    """
    return decode_text(_read_bytes(path, shown, follow=follow), shown)


#: how standard input is named in messages (``-`` as a file name reads it)
STDIN = "<stdin>"


def read_stdin_text() -> str:
    """Standard input as UTF-8 text, with the bound and the checks of a chain file (a
    chain given as ``-``)."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise read_error(STDIN, "standard input cannot be read", fix="give a chain file")
    raw = stream.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(STDIN, len(raw))
    return decode_text(raw, STDIN)


def decode_text(raw: bytes, shown: str) -> str:
    """The bytes of a chain file as text: UTF-8 (a byte-order mark allowed), with clear
    errors for UTF-16, binary, mis-encoded or empty input."""
    if _wide_unicode(raw):
        raise read_error(shown, "the file is UTF-16 (or UTF-32); save it as UTF-8",
                         fix="save it again choosing the UTF-8 encoding (most editors and "
                             "spreadsheets offer it under 'Save as')")
    if b"\x00" in raw[:65536]:
        raise read_error(shown, "file is binary (it contains NUL bytes), not a text chain "
                         "file", fix="give a YAML, JSON or CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise read_error(shown, f"file is not valid UTF-8 (byte 0x{raw[e.start]:02x})",
                         line=line, column=col, fix="save the file as UTF-8") from None
    if not text.strip():
        raise read_error(shown, "file is empty", fix="write a chain: see `riskmodel schema`")
    return text
