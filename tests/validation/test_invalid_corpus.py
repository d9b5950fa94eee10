"""The corpus of broken chain files in ``tests/data/invalid/``.

Every entry (a file, or a bundle folder) is broken on purpose. ``riskmodel validate``
must exit 1 on each, list exactly the problems the entry expects, each naming its
file and (where the format has lines) its line, and never print a traceback.

A YAML entry states its expectations in its first lines, one per problem::

    # expect: line 9: unknown stage | did you mean `midstream`?

Entries that cannot carry comments (JSON, binary, empty files, CSV bundles) are
described in ``EXPECTED.yaml``: entry → list of ``{fragment, line, file}``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from riskmodel.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "data" / "invalid"
MANIFEST = CORPUS / "EXPECTED.yaml"
_EXPECT = re.compile(r"^# expect: (?:line (\d+): )?(.+)$")


@dataclass(frozen=True)
class Expected:
    """One problem an entry must report."""

    fragments: tuple[str, ...]
    line: int | None
    file: Path  # the file the problem is in (a bundle's member file)


def _entries() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p != MANIFEST)


def _expectations(entry: Path) -> list[Expected]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    if entry.name in manifest:
        out = []
        for item in manifest[entry.name]:
            frags = item["fragment"]
            frags = (frags,) if isinstance(frags, str) else tuple(frags)
            out.append(Expected(frags, item.get("line"),
                                entry / item["file"] if "file" in item else entry))
        return out
    out = []
    for raw in entry.read_bytes().split(b"\n"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # the not-UTF-8 entry: its comments are still ASCII
            text = raw.decode("latin-1")
        m = _EXPECT.match(text)
        if not m:
            break
        out.append(Expected(tuple(f.strip() for f in m.group(2).split(" | ")),
                            int(m.group(1)) if m.group(1) else None, entry))
    return out


def _problem_lines(err: str, entry: Path) -> list[str]:
    """The error lines of one entry's report (warnings left out)."""
    lines = err.splitlines()
    head = f"{entry}: invalid, "
    assert lines and lines[0].startswith(head), err
    n = int(lines[0][len(head):].split()[0])
    problems = []
    for line in lines[1:]:
        if line.startswith("  and ") and "warning" in line:
            break
        problems.append(line.strip())
    assert len(problems) == n, f"header says {n} problems, {len(problems)} listed:\n{err}"
    return problems


ENTRIES = _entries()


def test_corpus_is_large_and_fully_described() -> None:
    assert len(ENTRIES) >= 30
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert set(manifest) <= {e.name for e in ENTRIES}, "EXPECTED.yaml names a missing entry"
    for entry in ENTRIES:
        assert _expectations(entry), f"{entry.name} states no expected problem"
    several = [e for e in ENTRIES if len(_expectations(e)) >= 3]
    assert len(several) >= 3, "at least three entries have several problems at once"
    assert {"json", "bundle", "yaml"} <= {
        "bundle" if e.is_dir() else e.suffix.lstrip(".") for e in several}


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_validate_names_every_problem_and_its_place(
        entry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(entry)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err, err
    problems = _problem_lines(err, entry)
    expected = _expectations(entry)
    # exactly the expected problems: nothing missing, nothing extra
    assert len(problems) == len(expected), "\n".join(problems)
    unmatched = list(problems)
    for exp in expected:
        place = f"{exp.file}:{exp.line}:" if exp.line is not None else f"{exp.file}: error:"
        hits = [p for p in unmatched if p.startswith(place)
                and all(f in p for f in exp.fragments)]
        assert hits, f"no problem at {place} with {exp.fragments}; got:\n" + "\n".join(problems)
        unmatched.remove(hits[0])
    for p in problems:  # every problem names its file (a bundle's member file)
        assert p.startswith(str(entry)), p


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_json_report_agrees(entry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "json", str(entry)]) == 1
    (res,) = json.loads(capsys.readouterr().out)
    assert res["valid"] is False and res["file"] == str(entry)
    errors = [p for p in res["problems"] if p["severity"] == "error"]
    expected = _expectations(entry)
    assert len(errors) == len(expected)
    assert sorted((p["file"], p["line"]) for p in errors) == sorted(
        (str(e.file), e.line) for e in expected)
    for p in errors:
        assert p["message"] and p["file"]


def test_whole_corpus_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, ENTRIES)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count(": invalid, ") == len(ENTRIES)


def test_several_problems_are_all_reported(capsys: pytest.CaptureFixture[str]) -> None:
    counts = {}
    for name in ("several_problems.yaml", "several_header_problems.yaml",
                 "several_problems.json", "bundle_several_problems"):
        entry = CORPUS / name
        assert main(["validate", str(entry)]) == 1
        counts[name] = len(_problem_lines(capsys.readouterr().err, entry))
    assert counts == {"several_problems.yaml": 5, "several_header_problems.yaml": 4,
                      "several_problems.json": 3, "bundle_several_problems": 3}


def test_real_process_prints_no_traceback() -> None:
    entry = CORPUS / "python_object_tag.yaml"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("RISKMODEL_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "riskmodel", "validate", str(entry)],
                       capture_output=True, text=True, cwd=root, env=env, timeout=120)
    assert r.returncode == 1
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert f"{entry}:4:8: error: YAML tag !!python/object/apply:os.system is not allowed" \
        in r.stderr
