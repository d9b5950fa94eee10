"""The named targets of the built-in chains and the figures chains/README.md gives for them.

Each chain declares the capabilities it is read for (`targets:`); the README's "Targets"
table gives, per target and with or without the restrictions in force, the top choke points
by that target and the tools the seeds call bottlenecks. Every cell is recomputed here from
the engine (`rm.score(chain, target=..., baseline=..., horizon=24 | 60)`), and the rows
are checked to be exactly the ones the selection rule names. No number of the chains was
tuned to make these pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import riskmodel as rm

ROOT = Path(__file__).resolve().parents[1]

#: the declared targets, as the task and the README name them
TARGETS = {
    "semiconductors": {"advanced_logic_capacity": ["domestic_advanced_logic_fab"],
                       "memory_capacity": ["memory_fabrication"],
                       "chinese_designed_chips": ["mobile_socs", "advanced_processors"]},
    "generative_ai": {"ai_compute": ["cloud_compute"],
                      "model_training": ["general_foundation_models"]},
    "industrial_robots": {"robot_output": ["robot_bodies", "cleanroom_robots",
                                           "mounting_robots"]},
}
#: the nodes the seeds call bottlenecks, listed for every target of the chain
NAMED = {
    "semiconductors": ("euv_lithography", "duv_lithography", "deposition_etch_equipment",
                       "eda_software", "photoresist"),
    "generative_ai": ("ai_accelerators",),
    "industrial_robots": ("reduction_gears", "servo_mechanisms", "robot_controllers"),
}
SETTINGS = {"in force": None, "unrestricted": False}
TOP = 3


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def rows(chain_name: str, target: str, setting: str) -> list[tuple[str, ...]]:
    """The README table's rows for one target and setting: the `TOP` highest choke scores
    at 24 months (ties broken by the 60-month score, then the immediate bound; a node that
    costs nothing in any of the three is not a choke point and is left out), then the
    named bottleneck tools, in that order; each row: chain, target, setting, node, rank at
    24 / 60 months, choke score at 24 and 60 months, immediate and long-run bounds, the
    cut country."""
    chain = rm.load(chain_name)
    base = SETTINGS[setting]
    s24 = rm.score(chain, target=target, baseline=base, horizon=24, top=0)
    s60 = rm.score(chain, target=target, baseline=base, horizon=60, top=0)
    order = sorted(s24.index, key=lambda n: (-s24.loc[n, "choke_score"],
                                             -s60.loc[n, "choke_score"],
                                             -s24.loc[n, "choke_immediate"], n))
    costly = [n for n in order if max(s24.loc[n, "choke_score"], s60.loc[n, "choke_score"],
                                      s24.loc[n, "choke_immediate"]) > 0][:TOP]
    picked = costly + [n for n in NAMED[chain_name] if n not in costly]
    out = []
    for n in picked:
        a, b = s24.loc[n], s60.loc[n]
        out.append((f"`{chain_name}`", f"`{target}`", setting, f"`{n}`",
                    f"{int(a['rank'])} / {int(b['rank'])}", _pct(a["choke_score"]),
                    _pct(b["choke_score"]), _pct(a["choke_immediate"]),
                    _pct(a["choke_long_run"]), str(a["cut_country"] or "")))
    return out


def _readme_rows() -> list[tuple[str, ...]]:
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    head = text.index("### Targets: the capabilities the chains are read for")
    block = text[head:text.index("\n## ", head)]
    return [tuple(c.strip() for c in line.strip().strip("|").split("|"))
            for line in block.splitlines()
            if line.startswith("| `") and line.count("|") == 11]


def _cases() -> list[tuple[str, str, str]]:
    return [(c, t, s) for c, ts in TARGETS.items() for t in ts for s in SETTINGS]


@pytest.mark.parametrize("name", TARGETS)
def test_builtin_chains_declare_their_targets(name: str) -> None:
    chain = rm.load(name)
    assert {k: list(v) for k, v in chain.targets.items()} == TARGETS[name]
    assert all(n in chain.nodes.index for ns in TARGETS[name].values() for n in ns)
    text = " ".join((ROOT / "chains" / "README.md").read_text(encoding="utf-8").split())
    for t, nodes in TARGETS[name].items():
        assert f"`{t}`: " + ", ".join(f"`{n}`" for n in nodes) in text, t
        assert f"riskmodel score {name} --target {t}" in text, t
    # a declared target is what the score measures, by name
    s = rm.score(chain, target=next(iter(TARGETS[name])), top=0)
    assert s.attrs["target"] == next(iter(TARGETS[name]))


@pytest.mark.parametrize(("name", "target", "setting"), _cases())
def test_readme_targets_table_is_computed(name: str, target: str, setting: str) -> None:
    stated = [r for r in _readme_rows() if r[:3] == (f"`{name}`", f"`{target}`", setting)]
    assert stated == rows(name, target, setting)


def test_readme_targets_table_has_no_other_rows() -> None:
    keys = {(f"`{c}`", f"`{t}`", s) for c, t, s in _cases()}
    stated = _readme_rows()
    assert stated and all(r[:3] in keys for r in stated)


def test_readme_targets_findings() -> None:
    """The prose of the Targets section: the installed tools keep the fabs running over
    24 months, so an EUV stop costs advanced logic nothing then but 3.3% over 60 months
    unrestricted, 65% in both bounds; the realised losses of the restrictions in force."""
    semis = rm.load("semiconductors")
    free24 = rm.score(semis, target="advanced_logic_capacity", baseline=False, top=0)
    free60 = rm.score(semis, target="advanced_logic_capacity", baseline=False, horizon=60,
                      top=0)
    euv = free24.loc["euv_lithography"]
    assert euv["choke_score"] == 0
    assert _pct(free60.loc["euv_lithography", "choke_score"]) == "3.3%"
    assert _pct(euv["choke_immediate"]) == _pct(euv["choke_long_run"]) == "65.0%"
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    head = text.index("### Targets: the capabilities the chains are read for")
    block = text[head:text.index("\n## ", head)]
    for name, targets in TARGETS.items():
        chain = rm.load(name)
        for t in targets:
            realised = rm.score(chain, target=t, top=0).attrs["realised_loss"]
            assert f"`{t}` {_pct(realised)}" in block, (t, realised)


def test_readme_targets_prose_figures_are_computed() -> None:
    """Every percentage the prose of the Targets section quotes is a cell of the computed
    table or a realised loss; the structural statements hold in the chain."""
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    head = text.index("### Targets: the capabilities the chains are read for")
    block = text[head:text.index("\n## ", head)]
    prose = "\n".join(line for line in block.splitlines() if not line.startswith("|"))
    computed = {cell for c, t, s in _cases() for r in rows(c, t, s) for cell in r[5:9]}
    for name, targets in TARGETS.items():
        chain = rm.load(name)
        computed |= {_pct(rm.score(chain, target=t, top=0).attrs["realised_loss"])
                     for t in targets}
    quoted = set(re.findall(r"\d+\.\d%", prose))
    assert quoted and quoted <= computed, quoted - computed
    # "13–14%": the three Japanese stops that cost robot output most
    top = rows("industrial_robots", "robot_output", "in force")[:3]
    assert all(13.0 <= float(r[5].rstrip("%")) < 15.0 for r in top)
    semis = rm.load("semiconductors")
    tools = ["euv_lithography", "duv_lithography", "deposition_etch_equipment"]
    assert (semis.nodes.set_index("id").loc[tools, "capital.service_life_months"] == 84).all()
    edges = semis.edges
    fab = edges[edges["to"] == "domestic_advanced_logic_fab"].set_index("from")
    assert fab.loc["duv_lithography", "group"] == fab.loc["euv_lithography", "group"]
    assert fab.loc["duv_lithography", "covers"] == 0.35
    # EUV feeds the advanced-logic fab alone, so not memory
    assert list(edges.loc[edges["from"] == "euv_lithography", "to"]) == [
        "domestic_advanced_logic_fab"]
    assert not (edges["to"].isin(["domestic_advanced_logic_fab", "memory_fabrication"])
                & (edges["from"] == "eda_software")).any()
