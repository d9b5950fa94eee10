"""The README stays true: its format reference and its test command."""

from __future__ import annotations

import re
from pathlib import Path

from riskmodel import schema

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_format_reference_matches_the_schema_table() -> None:
    m = re.search(r"<!-- schema-reference:begin -->\n(.*)<!-- schema-reference:end -->",
                  README, re.S)
    assert m, "README lacks the schema reference markers"
    assert m.group(1) == schema.markdown_reference(), (
        "README format reference is stale: paste `riskmodel schema --format markdown`")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    m = re.search(r"TEST_COMMAND='(.*)'", ci)
    assert m, ".ci/run does not define TEST_COMMAND"
    assert f"```bash\n{m.group(1)}\n```" in README


def test_readme_example_chain_is_valid(tmp_path: Path) -> None:
    import riskmodel as rm

    block = re.search(r"A complete example:\n\n```yaml\n(.*?)```", README, re.S)
    assert block
    p = tmp_path / "example.yaml"
    p.write_text(block.group(1), encoding="utf-8")
    report = rm.validate(p, strict=True)
    assert report.ok
    chain = rm.load(p)
    assert chain.compiled.edge_group.max() >= 1


def test_every_python_snippet_runs_as_written(tmp_path: Path, monkeypatch) -> None:
    """Each ```python block of the README, run in a fresh folder, in order."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "the README has no Python snippet"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert (tmp_path / "my_chain.yaml").exists() and (tmp_path / "robots.gexf").exists()
