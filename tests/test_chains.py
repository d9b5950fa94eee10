"""The built-in chains: valid, fully traceable, and what their data shows.

The finding tests check the statements of chains/README.md ("Findings") against the
engine, including the findings the sourced data does NOT support, so that the README
stays true. No number in the chains was tuned to make these pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel.provenance import provenance, summary

ROOT = Path(__file__).resolve().parents[1]
CHAINS = ("semiconductors", "industrial_robots", "generative_ai", "rare_earth_magnets")
#: the focal market of each chain (China's view, except the other side's)
HOME = {"rare_earth_magnets": "JP"}


@pytest.mark.parametrize("name", [*CHAINS, "combined"])
def test_builtin_chain_is_strictly_valid_and_sourced(name: str) -> None:
    report = rm.validate(name, strict=True, require_sources=True)
    assert not report.errors and not report.warnings
    chain = rm.load(name)
    assert len(chain) >= 20 and chain.home == HOME.get(name, "CN")


@pytest.mark.parametrize("name", CHAINS)
def test_every_number_is_sourced_or_a_marked_estimate(name: str) -> None:
    chain = rm.load(name)
    table = provenance(chain)
    assert (table["class"] != "unsourced").all(), table[table["class"] == "unsourced"]
    est = table[table["class"] == "estimate"]
    assert est["note"].notna().all() and est["low"].notna().all() and est["high"].notna().all()
    cited = table[table["class"] == "sourced"]
    assert cited["ref"].str.match(r"lines? \d+|para\. \d+").all()
    # the header records the shares, and they are true
    s = summary(chain)
    head = chain.header["provenance"]
    assert head["values"] == s["values"]
    assert head["sourced"] == pytest.approx(s["sourced"], abs=0.001)
    assert head["estimated"] == pytest.approx(s["estimated"], abs=0.001)


@pytest.mark.parametrize("name", CHAINS)
def test_readme_provenance_figures_are_current(name: str) -> None:
    text = (ROOT / "chains" / "README.md").read_text(encoding="utf-8")
    s = summary(rm.load(name))
    row = next(line for line in text.splitlines() if line.startswith(f"| {name} | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[1]) == s["values"], row
    assert float(cells[2].split()[0]) == pytest.approx(s["sourced"], abs=0.001), row
    assert float(cells[3].split()[0]) == pytest.approx(s["estimated"], abs=0.001), row


def test_cited_quotes_are_in_the_seeds() -> None:
    """A sourced value's note quotes its seed line (when the seeds are present)."""
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("the seed documents (../shared/seeds) are not beside the repository")
    bad = []
    for name in CHAINS:
        chain = rm.load(name)
        files = {k: v.get("file") for k, v in chain.sources.items()}
        for r in provenance(chain).itertuples():
            if r._5 != "sourced" or not files.get(r.source):
                continue
            lines = (seeds / files[r.source]).read_text(encoding="utf-8").splitlines()
            nums = [int(x) for x in re.findall(r"\d+", r.ref)]
            span = " ".join(lines[nums[0] - 1: nums[-1]])
            note = r.note or ""
            inner = re.findall(r"“([^”]+)”", note)  # a lead-in, then the seed's words
            quote = re.sub(r"\s+", " ", (inner[0] if inner else note).strip().strip('"'))
            if quote and re.sub(r"\s+", " ", quote) not in re.sub(r"\s+", " ", span):
                bad.append((name, r.id, r.field, r.ref, quote[:60]))
    assert not bad, bad


# -- findings --------------------------------------------------------------------

@pytest.fixture(scope="module")
def robots() -> tuple[rm.Chain, object]:
    chain = rm.load("industrial_robots")
    return chain, rm.score(chain)


def test_robots_top_choke_points_are_upstream_core_parts(robots) -> None:
    # over 24 months: PLCs (upstream) first, then mounting robots, then reduction gears;
    # both core parts above robot bodies
    _, s = robots
    assert list(s.index[:3]) == ["plc_controllers", "mounting_robots", "reduction_gears"]
    assert s.loc["plc_controllers", "stage"] == "upstream"
    assert s.loc["reduction_gears", "choke_score"] > s.loc["robot_bodies", "choke_score"]
    assert s.loc["plc_controllers", "choke_score"] > s.loc["robot_bodies", "choke_score"]


def test_robots_support_peaks_midstream(robots) -> None:
    chain, s = robots
    pa = rm.policy_alignment(chain, s)
    assert pa.by_stage["subsidy_intensity"].idxmax() == "midstream"
    assert pa.by_stage["rd_intensity"].idxmax() == "midstream"


def test_robots_servos_and_controllers_are_buffered(robots) -> None:
    """README: partly supported — over 24 months servo mechanisms and controllers lose
    less than robot bodies: stocks along their path delay their cut to months 15 and 17;
    by month 24 both lose more than robot bodies, and in the long run controllers pass
    them only through estimated figures."""
    _, s = robots
    for node in ("servo_mechanisms", "robot_controllers"):
        assert s.loc[node, "choke_score"] < s.loc["robot_bodies", "choke_score"]
        assert s.loc[node, "choke_month"] > s.loc["robot_bodies", "choke_month"]
    assert s.loc[["servo_mechanisms", "robot_controllers"], "time_to_impact"].tolist() == [
        15, 17]
    assert s.loc["robot_controllers", "relief_stock"] > 0
    assert s.loc["robot_controllers", "choke_long_run"] > \
        s.loc["robot_bodies", "choke_long_run"]


def test_semiconductors_coalition_stops_domestic_advanced_logic() -> None:
    chain = rm.load("semiconductors")
    target = "domestic_advanced_logic_fab"
    assert rm.coalition(chain, ["US", "JP", "NL"], target=target) < 0.05
    cs = rm.cutsets(chain, target=target, max_size=3)
    assert [tuple(x) for x in cs["countries"]] == [("JP", "NL")]  # the minimal set


def test_semiconductors_top_choke_points_are_japanese_materials_and_imported_chips() -> None:
    """README: not supported for EUV — the top choke points are Japanese photoresist and
    imported memory (a stop to all destinations reaches the foreign fabs); over 24
    months DUV and EDA, whose stocks delay their cut, rank 3rd and 4th; foreign
    leading-edge foundry access ranks 12th; EUV costs nothing, tied with every node at
    0 below the others."""
    s = rm.score(rm.load("semiconductors"))
    assert list(s.index[:4]) == ["photoresist", "memory_ics", "duv_lithography",
                                 "eda_software"]
    assert s.loc["foreign_leading_edge_foundry", "rank"] == 12
    assert s.loc["euv_lithography", "choke_score"] == 0
    assert s.loc["euv_lithography", "rank"] == (s["choke_score"] > 0).sum() + 1


def test_generative_ai_accelerators_are_the_top_choke_point() -> None:
    s = rm.score(rm.load("generative_ai"))
    assert s.index[0] == "ai_accelerators"
    assert s["choke_score"].iloc[0] > 3 * s["choke_score"].iloc[1]


def test_combined_view_propagates_a_semiconductor_cut() -> None:
    combined = rm.load("combined")
    res = rm.simulate(combined, "us_chip_and_tool_controls_all_chains", months=13)
    low = res.availability[12]
    robots = [i for i in low.index if i.startswith("industrial_robots.")]
    ai = [i for i in low.index if i.startswith("generative_ai.")]
    assert low[ai].min() < 0.9  # the cut reaches generative AI
    assert combined.compiled.has_cycles  # chips -> robots -> fabs -> chips
    assert len(robots) == 23
