"""The commands about chain files themselves: ``chains`` (the built-in chains),
``validate`` (every problem with its place and fix) and ``schema`` (the JSON Schema)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from riskmodel.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    add_command,
    add_out,
    check_out,
    emit,
    print_problems,
)

__all__ = ["add_chains_parser", "add_schema_parser", "add_validate_parser", "cli_chains",
           "cli_schema", "cli_validate"]


def add_chains_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``chains`` command to an ``add_subparsers()`` object; return its parser."""
    sp = add_command(subparsers, "chains", cli_chains, "List the built-in chains.")
    sp.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_out(sp)
    return sp


def cli_chains(args: argparse.Namespace) -> int:
    """Run ``riskmodel chains``: print the built-in chains; return 0.

    Listing them means loading and checking every one (seconds, with the engine's
    imports), so the text is kept in the user's cache under a key computed from the
    chain files' bytes and riskmodel's own source files (their sizes and times): any
    change to either computes it afresh, so the list is never stale.
    """
    check_out(args)
    cache = _chains_cache(args.format)
    try:
        text = cache.read_text(encoding="utf-8") if cache else None
    except OSError:
        text = None
    if text is None:
        from riskmodel.io.render import render
        from riskmodel.model import builtin_chains

        text = render(builtin_chains(), args.format)
        _store(cache, text)
    emit(text, args)
    return EXIT_OK


def _chains_cache(fmt: str) -> Any:
    """The cache file of ``riskmodel chains --format fmt``: its name is the hash of the
    built-in chain files and of riskmodel's source files; None without a cache folder."""
    import hashlib
    import os
    from pathlib import Path

    from riskmodel._version import __version__

    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"{__version__}\0{fmt}\0{pkg}".encode())
    for f in sorted((pkg / "chains").iterdir()):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    for folder, dirs, files in sorted(os.walk(pkg)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                h.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "riskmodel" / f"chains-{h.hexdigest()[:32]}.txt"


def _store(cache: Any, text: str) -> None:
    """Keep ``text`` in ``cache`` (written whole, then renamed); a cache that cannot be
    written is left alone: the list is computed again next time."""
    import os

    if cache is None:
        return
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def add_validate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``validate`` command to an ``add_subparsers()`` object; return its parser.

    >>> p = argparse.ArgumentParser(prog="riskmodel")
    >>> _ = add_validate_parser(p.add_subparsers())
    >>> args = p.parse_args(["validate", "a.yaml", "b.yaml", "--strict"])
    >>> args.files, args.strict, args.format
    (['a.yaml', 'b.yaml'], True, 'text')
    """
    sp = add_command(subparsers, "validate", cli_validate,
                     "Check chain files; list every problem with its place and fix.")
    sp.add_argument("files", nargs="+", metavar="FILE",
                    help="chain files (YAML, JSON, bundle folder) or built-in chain names")
    sp.add_argument("--strict", action="store_true", help="treat warnings as errors")
    sp.add_argument("--require-sources", action="store_true",
                    help="every number must be sourced or a marked estimate with a range")
    sp.add_argument("--format", choices=("text", "json"), default="text")
    return sp


def cli_validate(args: argparse.Namespace) -> int:
    """Run ``riskmodel validate``: check each file, print what was found (text on
    stdout and stderr, or one JSON list); return 1 when a file is missing or invalid."""
    from riskmodel._errors import ChainValidationError
    from riskmodel.io.files import STDIN
    from riskmodel.io.terminal import one_line
    from riskmodel.validation import validate

    results = []
    status = EXIT_OK
    for path in args.files:
        shown = STDIN if path == "-" else one_line(path)
        try:
            rep = validate(path, strict=args.strict, require_sources=args.require_sources)
            results.append({"file": path, "valid": True,
                            "problems": [p.as_dict() for p in rep.all()]})
            if args.format == "text":
                extra = ", ".join(f"{len(v)} {k}" for k, v in
                                  (("warnings", rep.warnings), ("notes", rep.info)) if v)
                print(f"{shown}: valid" + (f" ({extra})" if extra else ""))
                for p in rep.warnings + rep.info:
                    print(f"  {p}")
        except FileNotFoundError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False, "problems": [
                {"severity": "error", "message": str(e), "file": path}]})
            if args.format == "text":
                print(f"{shown}: error: {e}", file=sys.stderr)
        except ChainValidationError as e:
            status = EXIT_ERROR
            results.append({"file": path, "valid": False,
                            "problems": [p.as_dict() for p in e.problems + e.warnings]})
            if args.format == "text":
                n = len(e.problems)
                print(f"{shown}: invalid, {n} problem{'s' if n != 1 else ''}:", file=sys.stderr)
                print_problems(e.problems)
                if e.warnings:
                    print(f"  and {len(e.warnings)} warning(s):", file=sys.stderr)
                    print_problems(e.warnings)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return status


def add_schema_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``schema`` command to an ``add_subparsers()`` object; return its parser."""
    sp = add_command(subparsers, "schema", cli_schema, "Print the JSON Schema of chain files.")
    sp.add_argument("--format", choices=("json", "markdown"), default="json",
                    help="json (the JSON Schema) or markdown (the reference tables)")
    return sp


def cli_schema(args: argparse.Namespace) -> int:
    """Run ``riskmodel schema``: print the JSON Schema or the Markdown reference; return 0."""
    from riskmodel import schema

    if args.format == "markdown":
        print(schema.markdown_reference(), end="")
    else:
        print(json.dumps(schema.json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
