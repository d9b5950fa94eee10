"""Section citations point at docs/model.md, which ships with the project, and name
sections that exist there (never the design document users do not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "docs" / "model.md"

#: a section reference: §1, §1.5, or a range §1.4–1.5
REF = re.compile(r"§(\d+(?:\.\d+)*)(?:[–-](\d+(?:\.\d+)*))?")
#: how far after "docs/model.md" a § may stand and still belong to that citation
#: ("docs/model.md §1.5 and §2.3", "[docs/model.md](docs/model.md): time §1.5, scores §2")
REACH = 80


def _cited_files() -> list[Path]:
    return [*sorted((ROOT / "riskmodel").rglob("*.py")), ROOT / "README.md",
            *sorted((ROOT / "notebooks").glob("*.ipynb"))]


def _sections() -> set[str]:
    text = MODEL.read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,4} §(\d+(?:\.\d+)*) ", text, re.M))


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def test_model_document_has_numbered_sections() -> None:
    sections = _sections()
    for needed in ("1", "1.3", "1.4", "1.5", "1.6", "2", "2.3", "2.6"):
        assert needed in sections, f"docs/model.md lacks a heading '§{needed} ...'"


def test_no_citation_of_the_design_document() -> None:
    bad = []
    for path in _cited_files():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"design\W{0,4}§", text, re.I):
            bad.append(f"{path.relative_to(ROOT)}:{_line(text, m.start())}")
    assert not bad, ("these cite 'design §', a document users do not have; cite "
                     "docs/model.md §... instead: " + ", ".join(bad))


@pytest.mark.parametrize("path", _cited_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_section_citation_names_docs_model_and_a_section_that_exists(
        path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    sections = _sections()
    anchors = [m.end() for m in re.finditer(r"docs/model\.md", text)]
    problems = []
    for m in REF.finditer(text):
        where = f"{path.relative_to(ROOT)}:{_line(text, m.start())}"
        if not any(0 <= m.start() - a <= REACH for a in anchors):
            problems.append(f"{where}: {m.group()} does not say which document it cites "
                            "(write 'docs/model.md §...')")
        for ref in filter(None, m.groups()):
            if ref not in sections:
                problems.append(f"{where}: §{ref} is not a section of docs/model.md")
    assert not problems, "\n".join(problems)


def test_model_document_cross_references_exist() -> None:
    text = MODEL.read_text(encoding="utf-8")
    sections = _sections()
    missing = sorted({ref for m in REF.finditer(text) for ref in m.groups()
                      if ref and ref not in sections})
    assert not missing, f"docs/model.md refers to sections it lacks: {missing}"


# ---------------------------------------------------------------------------
# names of modules and functions in the docs resolve
# ---------------------------------------------------------------------------

#: a path into the package, as prose writes it: riskmodel/io/write.py, riskmodel/engine/
#: (a schema id such as riskmodel/chain@1 is not a path)
PATH = re.compile(r"(?<![\w/.])riskmodel/[\w/]*\w(?:\.\w+)?/?(?![\w@])")
#: a Sphinx role naming a riskmodel object: :func:`riskmodel.io.write.write_file`
ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|exc):`~?(riskmodel(?:\.\w+)+)`")


def _prose_files() -> list[Path]:
    return [*_cited_files(), *sorted((ROOT / "docs").glob("*.md")),
            ROOT / "benchmarks" / "README.md", *sorted((ROOT / "tests").rglob("*.py")),
            *sorted((ROOT / "tests" / "data").rglob("CASES.yaml")),
            *sorted((ROOT / "benchmarks").glob("*.py"))]


def _resolves(dotted: str) -> bool:
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_paths_and_names_in_the_docs_exist() -> None:
    """A moved module leaves no stale path or dotted name behind in docs and docstrings."""
    stale = []
    for path in _prose_files():
        text = path.read_text(encoding="utf-8")
        for m in PATH.finditer(text):
            named = m.group(0).rstrip("/")
            if not (ROOT / named).exists():
                stale.append(f"{path.relative_to(ROOT)}:{_line(text, m.start())}: {named}")
        for m in ROLE.finditer(text):
            if not _resolves(m.group(1)):
                stale.append(f"{path.relative_to(ROOT)}:{_line(text, m.start())}: {m.group(1)}")
    assert not stale, "names that no longer exist:\n" + "\n".join(stale)


def test_no_merge_conflict_markers() -> None:
    marked = []
    for path in [*_prose_files(), *sorted((ROOT / "docs").rglob("*.md")),
                 ROOT / "chains" / "README.md"]:
        text = path.read_text(encoding="utf-8")
        marked += [f"{path.relative_to(ROOT)}:{_line(text, m.start())}"
                   for m in re.finditer(r"^(<{7} |={7}$|>{7} )", text, re.M)]
    assert not marked, "merge conflict markers left: " + ", ".join(marked)
