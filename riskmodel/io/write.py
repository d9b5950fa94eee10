"""Writing outputs without destroying anything riskmodel did not create.

Every file riskmodel writes (``--out`` of every command, :func:`riskmodel.save`,
``riskmodel import``, reports) goes through this module, under one policy:

- **Missing target**: the data is written into a temporary sibling, then renamed into
  place, so a reader never sees half a file. The parent folder must exist (riskmodel
  does not create folders for a single file or a bundle: a mistyped path is an error,
  not a new folder tree); a report creates the missing folders above its own.
- **Existing regular file**: replaced atomically (the usual behaviour of an output
  option), keeping its permissions, *unless it is one of the command's inputs* (the
  chain file, a file of an input bundle or dataset folder, a scenario file, ``diff``'s
  OLD and NEW): that is refused.
- **Existing folder**: never replaced by a single file ("is a folder; give a file
  name"). A folder output (a bundle, a report) writes into an existing folder only when
  it is empty, when the caller knows it (an earlier report), or with ``force``; then
  only its own files are written, each atomically, and nothing else in the folder is
  touched. An input folder is never written into.
- **Symbolic link**: refused unless ``force``; with ``force`` the file it points to is
  written (atomically, beside it) and the link stays. A dangling link is refused.
- **Character devices and named pipes** (``/dev/stdout``, ``/dev/null``, a FIFO) are
  written as a stream and never replaced; a pipe nobody reads is an error, not a hang.
  Block devices and sockets are refused.
- **Errors** (permission denied, disk full, read-only file system, file too large, name
  too long, ...) raise :class:`OutputError`: one line naming the target, never the
  temporary file, with what to do. No temporary file is left behind.

Temporary names start with ``.riskmodel-tmp-<pid>-``. They are removed on every exit
path that runs Python code (exceptions, Ctrl-C, and SIGTERM/SIGHUP, which the command
line turns into exceptions); one left by a process that was killed outright is removed
by the next write into the same folder once that process is gone.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_file(folder / "a.txt", "first\\n").read_text()
'first\\n'
>>> write_file(folder, "x")
Traceback (most recent call last):
...
riskmodel._errors.OutputExistsError: ... is a folder; give a file name, not a folder
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from riskmodel._errors import OutputError, OutputExistsError
from riskmodel.io.terminal import one_line

__all__ = ["check_file", "check_folder", "sweep", "write_file", "write_folder"]

TEMP_PREFIX = ".riskmodel-tmp-"
_TEMP = re.compile(r"^\.riskmodel-tmp-(\d+)-[0-9a-f]+-")
#: links that stand for the process's own streams: written through, never replaced
_FD_LINK = re.compile(r"^/(?:dev/(?:stdout|stderr|fd/\d+)|proc/self/fd/\d+)$")

PathLike = str | os.PathLike[str]
Content = bytes | str


_REASONS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", "write to a folder you may write to, or change "
                                        "its permissions"),
    errno.EPERM: ("operation not permitted", "write to a folder you may write to, or "
                                             "change its permissions"),
    errno.ENOSPC: ("no space left on device", "free some space, or write elsewhere"),
    errno.EDQUOT: ("disk quota exceeded", "free some space, or write elsewhere"),
    errno.EROFS: ("the file system is read-only", "write elsewhere"),
    errno.EFBIG: ("the file is too large for this file system or for the file size "
                  "limit (ulimit -f)", "write elsewhere, or raise the limit"),
    errno.ENAMETOOLONG: ("the name is too long", "give a shorter name"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
    errno.EISDIR: ("it is a folder", "give a file name, not a folder"),
    errno.ELOOP: ("too many levels of symbolic links", "check the path"),
    errno.ENXIO: ("no program is reading from it, or the device is not there (a "
                  "terminal with no session)", "start the reader first, or write elsewhere"),
    errno.EPIPE: ("the program reading from it has stopped", "check the reader"),
    errno.EIO: ("input/output error", "check the device, or write elsewhere"),
    errno.EBUSY: ("the file is busy", "close the program that uses it"),
    errno.ETXTBSY: ("the file is busy", "close the program that uses it"),
    errno.EXDEV: ("it is on another device than its link", "write elsewhere"),
    errno.ENOTEMPTY: ("a folder of that name appeared meanwhile and is not empty",
                      "give another name"),
    errno.EEXIST: ("a file of that name appeared meanwhile", "give another name"),
}


def _os_error(e: OSError, shown: object) -> OutputError:
    """``e`` as one line naming the target (never the temporary file) and the fix."""
    reason, fix = _REASONS.get(e.errno or 0, (e.strerror or str(e), "check the path"))
    err = OutputError(f"cannot write {shown}: {reason}; {fix}")
    err.errno = e.errno
    return err


# ---------------------------------------------------------------------------
# looking at the target
# ---------------------------------------------------------------------------

def _as_path(target: PathLike) -> Path:
    text = os.fsdecode(os.fspath(target))
    if not text:
        raise OutputError("the output path is empty; give a file name, e.g. --out result.csv")
    if "\0" in text:
        raise OutputError(f"the output path {text!r} holds a NUL character; give a file name")
    return Path(text)


def _check_parent(path: Path, shown: object, *, parents: bool = False) -> None:
    parent = path.parent
    if parents:  # the nearest ancestor that exists must be a folder
        while not os.path.lexists(parent) and parent != parent.parent:
            parent = parent.parent
    try:
        st = os.stat(parent)
    except FileNotFoundError:
        raise OutputError(f"cannot write {shown}: the folder {parent} does not exist; "
                          "create it first, or give another path") from None
    except OSError as e:
        raise _os_error(e, shown) from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {shown}: {parent} is not a folder; check the path")


def _input_of(path: Path, inputs: Iterable[PathLike]) -> str | None:
    """The input that ``path`` (which exists) is, or lies inside; ``None`` if none."""
    real = os.path.realpath(path)
    for inp in inputs:
        try:
            if os.path.samefile(path, inp):
                return os.fspath(inp)
        except (OSError, ValueError):
            continue
        if os.path.isdir(inp) and real.startswith(os.path.realpath(inp).rstrip(os.sep)
                                                  + os.sep):
            return os.fspath(inp)
    return None


def _refuse_input(path: Path, shown: object, inputs: Iterable[PathLike]) -> None:
    inp = _input_of(path, inputs)
    if inp is None:
        return
    if os.path.samefile(path, inp):
        what = f"{shown} is an input of this command"
    else:
        what = f"{shown} is inside {inp}, an input of this command"
    raise OutputExistsError(f"{what}; writing there would destroy it: give another output "
                            "name")


def _inspect(path: Path, shown: object, *, inputs: Iterable[PathLike], force: bool,
             folder: bool, parents: bool = False) -> tuple[str, Path]:
    """What writing to ``path`` means: ``new``, ``file`` (replace), ``stream`` or
    ``folder`` (an existing folder, for a folder output); and the path to write.

    Raises OutputError when the policy refuses the target."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if path.name in ("", ".", ".."):
            raise OutputError(f"cannot write {shown}: no such folder; check the path") \
                from None
        _check_parent(path, shown, parents=parents)
        return "new", path
    except OSError as e:
        raise _os_error(e, shown) from None
    inputs = list(inputs)
    if stat.S_ISLNK(st.st_mode):
        try:
            followed = os.stat(path)
        except OSError:
            raise OutputExistsError(
                f"{shown} is a symbolic link to {os.readlink(path)}, which does not exist; "
                "remove the link, or give another name") from None
        streamish = stat.S_ISCHR(followed.st_mode) or stat.S_ISFIFO(followed.st_mode)
        if not folder and (streamish or _FD_LINK.match(str(path))):
            _refuse_input(path, shown, inputs)
            return "stream", path  # a device or the process's own stream: nothing replaced
        real = Path(os.path.realpath(path))
        if not force:
            raise OutputExistsError(
                f"{shown} is a symbolic link (to {real}); riskmodel does not write through "
                f"links unless asked: give another name, or pass --force to write to {real}")
        return _inspect(real, f"{shown} (→ {real})", inputs=inputs, force=force,
                        folder=folder)
    _refuse_input(path, shown, inputs)
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        if folder:
            return "folder", path
        raise OutputExistsError(f"{shown} is a folder; give a file name, not a folder")
    if folder:
        raise OutputExistsError(f"{shown} exists and is not a folder; give a folder name")
    if stat.S_ISREG(mode):
        return "file", path
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream", path
    kind = "block device" if stat.S_ISBLK(mode) else "socket" if stat.S_ISSOCK(mode) \
        else "special file"
    raise OutputExistsError(f"{shown} is a {kind}; riskmodel writes files, character "
                            "devices and named pipes only: give a file name")


def check_file(target: PathLike, *, inputs: Iterable[PathLike] = (), force: bool = False
               ) -> None:
    """Raise :class:`OutputError` now if :func:`write_file` would refuse ``target``.

    Commands call this before their work, so that a bad ``--out`` fails at once.

    >>> check_file("")
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputError: the output path is empty; give a file name, e.g. --out result.csv
    """
    path = _as_path(target)
    _inspect(path, one_line(target), inputs=inputs, force=force, folder=False)


def check_folder(target: PathLike, *, inputs: Iterable[PathLike] = (), force: bool = False,
                 existing_ok: bool = False, parents: bool = False) -> None:
    """Raise :class:`OutputError` now if :func:`write_folder` would refuse ``target``."""
    path = _as_path(target)
    kind, real = _inspect(path, one_line(target), inputs=inputs, force=force, folder=True,
                          parents=parents)
    if kind == "folder":
        _check_folder_use(real, one_line(target), force=force, existing_ok=existing_ok)


def _check_folder_use(real: Path, shown: object, *, force: bool, existing_ok: bool) -> None:
    try:
        with os.scandir(real) as it:
            empty = next(it, None) is None
    except OSError as e:
        raise _os_error(e, shown) from None
    if not (empty or existing_ok or force):
        raise OutputExistsError(
            f"{shown} is a folder that is not empty; give a new folder name, or pass "
            "--force to write into it (only riskmodel's own files are written there; "
            "nothing else in the folder is touched)")


# ---------------------------------------------------------------------------
# temporary files
# ---------------------------------------------------------------------------

def _temp_name(name: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}-{name[:80]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def sweep(folder: PathLike) -> list[str]:
    """Remove the temporaries riskmodel processes that no longer run left in ``folder``.

    Only names of the form ``.riskmodel-tmp-<pid>-<hex>-...`` are touched, and only when
    no process ``<pid>`` runs. Returns the names removed.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".riskmodel-tmp-999999999-ab12-out.csv").write_text("half")
    >>> _ = (d / "mine.txt").write_text("kept")
    >>> sweep(d), sorted(p.name for p in d.iterdir())
    (['.riskmodel-tmp-999999999-ab12-out.csv'], ['mine.txt'])
    """
    removed = []
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if _TEMP.match(e.name)]
    except OSError:
        return removed
    for e in entries:
        m = _TEMP.match(e.name)
        assert m is not None
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
            else:
                os.unlink(e.path)
            removed.append(e.name)
        except OSError:
            pass
    return removed


def _data(content: Content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else bytes(content)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _stream(path: Path, data: bytes, shown: object) -> None:
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    mode = os.stat(path).st_mode
    fifo = stat.S_ISFIFO(mode)
    if fifo:
        flags |= os.O_NONBLOCK  # a pipe nobody reads fails at once (ENXIO), never hangs
    elif stat.S_ISREG(mode):
        flags |= os.O_APPEND  # /dev/stdout redirected to a file: add, never overwrite
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise _os_error(e, shown) from None
    try:
        if fifo:
            os.set_blocking(fd, True)
        _write_all(fd, data)
    except OSError as e:
        raise _os_error(e, shown) from None
    finally:
        os.close(fd)


def _atomic(path: Path, data: bytes, shown: object, *, mode: int | None = None) -> None:
    """Write ``data`` to a temporary sibling of ``path``, then rename it onto ``path``."""
    sweep(path.parent)
    tmp = path.parent / _temp_name(path.name)
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_CLOEXEC", 0), 0o666 if mode is None else mode)
        except OSError as e:
            raise _os_error(e, shown) from None
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if mode is not None:
                os.fchmod(fd, mode)  # the replaced file's permissions, umask or not
        except OSError as e:
            raise _os_error(e, shown) from None
        finally:
            os.close(fd)
        try:
            os.replace(tmp, path)
        except OSError as e:
            raise _os_error(e, shown) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # gone after the rename; removed here on every other path


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def write_file(target: PathLike, content: Content, *, inputs: Iterable[PathLike] = (),
               force: bool = False) -> Path:
    """Write ``content`` (text as UTF-8, or bytes) to ``target`` under the module's policy.

    Parameters
    ----------
    target : path
        The file to write: missing, a regular file (replaced atomically), a character
        device or a named pipe (written as a stream).
    content : str or bytes
    inputs : paths
        The command's inputs (files or folders): replacing one of them, or a file
        inside one, is refused.
    force : bool
        Write through a symbolic link to the file it points to.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputError
        The target is refused, or the write failed (the message names ``target``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> chain = write_file(d / "chain.yaml", "name: x\\n")
    >>> write_file(chain, "scores", inputs=[chain])
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputExistsError: ... is an input of this command; writing there would ...
    >>> chain.read_text()
    'name: x\\n'
    """
    path = _as_path(target)
    inputs = list(inputs)
    data = _data(content)
    kind, real = _inspect(path, one_line(target), inputs=inputs, force=force, folder=False)
    shown = one_line(target if real == path else f"{target} (→ {real})")
    if kind == "stream":
        _stream(real, data, shown)
    else:
        mode = stat.S_IMODE(os.stat(real).st_mode) if kind == "file" else None
        _atomic(real, data, shown, mode=mode)
    return path


def _relative(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if p.is_absolute() or not p.parts or ".." in p.parts or "." in p.parts:
        raise ValueError(f"{rel!r} is not a plain relative path inside the folder")
    return p


def write_folder(target: PathLike, files: Mapping[str, Content], *,
                 inputs: Iterable[PathLike] = (), force: bool = False,
                 existing_ok: bool = False, remove: Iterable[str] = (),
                 parents: bool = False) -> Path:
    """Write the files of a folder output (a bundle, a report) under the module's policy.

    A missing ``target`` is built as a temporary sibling and renamed into place, whole.
    Into an existing folder (allowed when it is empty, when ``existing_ok`` or ``force``)
    only ``files`` are written, each atomically and in the order given, and then the
    files named in ``remove`` (the caller's own files of an earlier run) are deleted when
    they are regular files; nothing else in the folder is touched.

    Parameters
    ----------
    target : path
    files : mapping of str to str or bytes
        Relative POSIX paths (``figures/a.png``) to their content.
    inputs : paths
        The command's inputs: an input folder, or a file in one, is never written.
    force : bool
        Write into a non-empty folder; write through symbolic links.
    existing_ok : bool
        The caller knows the existing folder as its own (an earlier report).
    remove : iterable of str
        Relative paths of the caller's own earlier files to delete if not rewritten.
    parents : bool
        Create the missing folders above ``target`` (reports do; bundles do not).

    Returns
    -------
    Path
        ``target``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> write_folder(d, {"chain.yaml": "name: x\\n"})
    Traceback (most recent call last):
    ...
    riskmodel._errors.OutputExistsError: ... is a folder that is not empty; ... pass --force ...
    >>> _ = write_folder(d, {"chain.yaml": "name: x\\n"}, force=True)
    >>> sorted(p.name for p in d.iterdir())
    ['chain.yaml', 'notes.txt']
    """
    path = _as_path(target)
    inputs = list(inputs)
    plan = {str(_relative(rel)): _data(content) for rel, content in files.items()}
    stale = [str(_relative(rel)) for rel in remove if str(_relative(rel)) not in plan]
    kind, real = _inspect(path, one_line(target), inputs=inputs, force=force, folder=True,
                          parents=parents)
    shown = one_line(target if real == path else f"{target} (→ {real})")
    if kind == "new":
        if parents:
            try:
                real.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise _os_error(e, shown) from None
        _new_folder(real, plan, shown)
        return path
    _check_folder_use(real, shown, force=force, existing_ok=existing_ok)
    existing = _check_members(real, plan, shown, inputs=inputs, force=force)
    for rel, data in plan.items():
        member = real / rel
        if rel not in existing:
            try:
                member.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise _os_error(e, os.path.join(str(shown), rel)) from None
        write_file(member, data, inputs=inputs, force=force)
    for rel in stale:
        _remove_own(real, rel, inputs)
    return path


def _check_members(real: Path, plan: Mapping[str, bytes], shown: object, *,
                   inputs: list[PathLike], force: bool) -> set[str]:
    """Check every file of ``plan`` and the folders on its way, before anything is written
    into the existing folder ``real``; the files of ``plan`` that exist already."""
    existing = set()
    for rel in plan:
        folder = real
        for part in PurePosixPath(rel).parts[:-1]:
            folder = folder / part
            if os.path.lexists(folder):
                _inspect(folder, os.path.join(str(shown), part), inputs=inputs,
                         force=force, folder=True)
        if os.path.lexists(real / rel):
            _inspect(real / rel, os.path.join(str(shown), rel), inputs=inputs,
                     force=force, folder=False)
            existing.add(rel)
    return existing


def _new_folder(path: Path, plan: Mapping[str, bytes], shown: object) -> None:
    sweep(path.parent)
    tmp = path.parent / _temp_name(path.name)
    try:
        try:
            os.mkdir(tmp)
            for rel, data in plan.items():
                p = tmp / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_CLOEXEC", 0), 0o666)
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            os.rename(tmp, path)  # fails if a non-empty folder appeared meanwhile
        except OSError as e:
            raise _os_error(e, shown) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_own(folder: Path, rel: str, inputs: Iterable[PathLike]) -> None:
    """Delete ``folder/rel`` if it is a regular file (not a link, not an input), then the
    folders between it and ``folder`` that this leaves empty."""
    p = folder / rel
    try:
        st = os.lstat(p)
    except OSError:
        return
    # a folder on the way that is a symbolic link leads out of the report: leave it
    inside = os.path.realpath(p.parent) == os.path.join(os.path.realpath(folder),
                                                         *PurePosixPath(rel).parts[:-1])
    if not inside or not stat.S_ISREG(st.st_mode) or _input_of(p, inputs) is not None:
        return
    try:
        os.unlink(p)
        for parent in list(p.relative_to(folder).parents)[:-1]:
            os.rmdir(folder / parent)  # only when empty
    except OSError:
        pass
