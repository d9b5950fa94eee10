"""The package's shape: imports run one way, and no module reaches for private names.

The parts of ``riskmodel`` are ranked, lowest first (README, "How the code is laid
out"). A module may import a part ranked below its own, or a module of its own part; an
import that runs upward, an import cycle between modules, or the use of another
module's ``_private`` name fails here, naming the file and line.

Every import counts, lazy ones inside functions too: a lazy import hides a cycle, it
does not remove it. Only imports under ``if TYPE_CHECKING:`` are left out: they never
run, and serve type hints alone.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "riskmodel"

#: each top-level part of the package and its rank; a part imports only lower ranks
RANKS: dict[str, float] = {
    # foundations: no riskmodel imports but each other's
    "_version": 0, "_errors": 0, "limits": 0, "schema": 0, "_progress": 0, "data": 0,
    "distributed": 0.5,  # runs independent units serially, on Dask or an executor
    "io": 1,            # read, write, tables, parsing, rendering
    "scenario": 2,      # cuts and scenarios
    "restrictions": 2.5,  # restrictions in force: permanent, dated cuts (imports scenario)
    "validation": 3,    # the checks behind rm.validate
    "engine": 4,        # compiled arrays, the equations, the kernels
    "model": 5,         # Chain, load, save
    "uncertainty": 6, "provenance": 6, "synthetic": 6, "sources": 6, "realised": 6,
    "targets": 6,       # what a loss measures: end-use value or named target nodes
    "sharedchain": 6,   # a chain that workers load from a shared path
    "simulation": 7, "eto": 7,
    "montecarlo": 7.5,  # one scenario over draws of the ranged numbers
    "coalitions": 8,
    "scoring": 9,
    "diff": 10, "exporting": 10,
    "plot": 11,
    "reporting": 12,
    "cli": 13,
    "__main__": 14,
    "": 15,             # riskmodel/__init__.py: the public names, imported lazily
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _where(module: str) -> str:
    return module.replace(".", "/") + ("/__init__.py" if MODULES[module].name == "__init__.py"
                                       else ".py")


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@functools.cache
def _tree(path: Path) -> ast.Module:
    """The parsed module (parsed once per file: several tests walk every module)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside an ``if TYPE_CHECKING:`` (its test and both branches)."""
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node) if inner is not node}


def _imports(module: str) -> list[tuple[str, int, list[str]]]:
    """(imported module, line, names taken from it) for every riskmodel import."""
    return _imports_of(module, MODULES[module])


@functools.cache
def _imports_of(module: str, path: Path) -> list[tuple[str, int, list[str]]]:
    tree = _tree(path)
    skip = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, []) for a in node.names
                    if a.name.split(".")[0] == "riskmodel"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "riskmodel":
                continue
            names = []
            for a in node.names:
                if f"{target}.{a.name}" in MODULES:   # `from riskmodel.io import write`
                    out.append((f"{target}.{a.name}", node.lineno, []))
                else:
                    names.append(a.name)
            if names:
                out.append((target, node.lineno, names))
    return out


def _edges() -> list[tuple[str, str, int, list[str]]]:
    return [(m, target, line, names) for m in MODULES for target, line, names in _imports(m)
            if target in MODULES]


def test_every_module_belongs_to_a_ranked_part() -> None:
    unranked = sorted({_part(m) for m in MODULES} - set(RANKS))
    assert not unranked, f"give these parts a rank in tests/test_layout.py: {unranked}"


def test_imports_run_one_way() -> None:
    upward = [f"{_where(m)}:{line}: {_part(m) or 'riskmodel'} "
              f"imports {t} (a higher part)"
              for m, t, line, _ in _edges()
              if _part(t) != _part(m) and RANKS[_part(t)] >= RANKS[_part(m)]]
    assert not upward, "\n".join(upward)


def test_no_import_cycle() -> None:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for m, t, _, _ in _edges():
        # importing a submodule runs its package's __init__ first: `riskmodel.io.write`
        # depends on `riskmodel.io` too (the root package aside: it imports lazily)
        g.add_edge(m, t)
        parent = t.rpartition(".")[0]
        while parent not in ("", "riskmodel") and not m.startswith(parent + ".") \
                and parent != m:
            g.add_edge(m, parent)
            parent = parent.rpartition(".")[0]
    cycles = [c for c in nx.simple_cycles(g) if len(c) > 1]
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join([*c, c[0]]) for c in cycles[:10])


def test_no_module_uses_another_modules_private_names() -> None:
    found = []
    for m, t, line, names in _edges():
        if t == m:
            continue
        found += [f"{_where(m)}:{line}: {n} from {t}"
                  for n in names if n.startswith("_") and not n.startswith("__")]
    for m, path in MODULES.items():
        tree = _tree(path)
        aliases = {a.asname or a.name for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                       "riskmodel") for a in node.names
                   if f"{node.module}.{a.name}" in MODULES}
        aliases |= {a.asname for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for a in node.names if a.asname and a.name.startswith("riskmodel")}
        found += [f"{_where(m)}:{node.lineno}: {node.value.id}.{node.attr}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id in aliases and node.attr.startswith("_")
                  and not node.attr.startswith("__")]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("bad, why", [
    ("from riskmodel.cli import main", "imports riskmodel.cli"),
    ("from riskmodel.io.collect import _short", "_short"),
])
def test_the_checks_catch_what_they_should(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           bad: str, why: str) -> None:
    """A planted upward import and a planted private name are both found."""
    planted = PACKAGE / "engine" / "compiled.py"
    original = planted.read_text(encoding="utf-8")
    copy = tmp_path / "compiled.py"
    copy.write_text(original + f"\n\ndef _planted():\n    {bad}\n", encoding="utf-8")
    monkeypatch.setitem(MODULES, "riskmodel.engine.compiled", copy)
    check = (test_imports_run_one_way if "cli" in bad
             else test_no_module_uses_another_modules_private_names)
    with pytest.raises(AssertionError, match=why):
        check()


#: module and function sizes past which a part is two concepts (docstrings count)
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: functions allowed past MAX_FUNCTION_LINES, each with the reason
LONG_FUNCTIONS: dict[str, str] = {
    "riskmodel/engine/cone.py:_columns": "the cone kernel's numba hot loop; split into "
    "inlined helpers it measured 4-50% slower (comment at the function)",
}


def test_modules_and_functions_stay_short() -> None:
    long = []
    for m, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if (n := len(text.splitlines())) > MAX_MODULE_LINES:
            long.append(f"{_where(m)}: {n} lines (split it: at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES and f"{_where(m)}:{node.name}" not in LONG_FUNCTIONS:
                    long.append(f"{_where(m)}:{node.lineno}: {node.name} is {n} lines "
                                f"(at most {MAX_FUNCTION_LINES})")
    assert not long, "\n".join(long)
