"""Score intervals within the memory budget and, at scale, only for the nodes that can
reach the top (issue 16): :func:`riskmodel.score_uncertainty` chunks a draw's node
columns, and beyond ``SCORE_WORK`` draws the highest baseline scores and whatever its
bound cannot rule out, marking every node it did not draw.

The chain's size is simulated by lowering the budgets (the module's names), so that the
same chain can be drawn in full and compared: a node's draws do not depend on which
other nodes are drawn beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskmodel as rm
import riskmodel.scoring.intervals as intervals
from riskmodel.reporting import collect

DRAWS = 12


@pytest.fixture(scope="module")
def bicycle() -> tuple[rm.Chain, pd.DataFrame, pd.DataFrame]:
    chain = rm.load("bicycle")
    scores = rm.score(chain)
    return chain, scores, rm.score_uncertainty(chain, draws=DRAWS, seed=4, top=1,
                                               scores=scores)


def test_node_columns_chunked_within_a_draw(bicycle, monkeypatch) -> None:
    """A memory budget of 4 columns, less than a draw's 9 cut nodes: the same table."""
    chain, scores, full = bicycle
    monkeypatch.setattr(intervals, "columns_per_batch", lambda n, k, extra=0: 4)
    chunked = rm.score_uncertainty(chain, draws=DRAWS, seed=4, top=1, scores=scores)
    pd.testing.assert_frame_equal(chunked, full)
    assert chunked.attrs == full.attrs and full.attrs["drawn"] == "all nodes"
    assert "drawn" not in full.columns


@pytest.mark.parametrize("work", [1, 10**9])
def test_at_scale_only_candidates_are_drawn(bicycle, monkeypatch, work: int) -> None:
    """Over the work budget: at least 4 × top nodes drawn, by baseline score; with
    budget left, more rounds. Drawn nodes keep their full-run intervals; a node proven
    out never ranks first in the full run; the others are NaN, not silently 0."""
    chain, scores, full = bicycle
    monkeypatch.setattr(intervals, "SCORE_WORK", work)
    exact = scores["choke_exact"].copy()
    exact.iloc[-1] = False  # as if the baseline had pruned a node: never all drawn
    u = rm.score_uncertainty(chain, draws=DRAWS, seed=4, top=1,
                             scores=scores.assign(choke_exact=exact))
    cut = scores["cut_country"].notna()
    drawn = u.index[u["drawn"]]
    assert set(drawn) <= set(cut[cut].index) and len(drawn) >= 4
    first = scores[cut].sort_values("rank").index[:4]
    assert set(first) <= set(drawn)
    cols = ["p5", "p50", "p95"]
    pd.testing.assert_frame_equal(u.loc[drawn, cols], full.loc[drawn, cols])
    out = u.index[u["proven_out"]]
    assert not u.loc[out, "drawn"].any() and (u.loc[out, "p_top"] == 0).all()
    assert (full.loc[out, "p_top"] == 0).all()
    open_ = u.index[~u["drawn"] & ~u["proven_out"]]
    assert u.loc[open_, ["p5", "p_top", "rank_p5"]].isna().all().all()
    assert np.all(u.loc[~cut.reindex(u.index), cols] == 0)  # not cut: 0 in every draw
    assert f"only {len(drawn)} of {int(cut.sum())} cut nodes were drawn" in u.attrs["note"]
    assert u.attrs["drawn"] in u.attrs["note"]
    if work == 1:
        assert len(drawn) == 4
    else:  # rounds draw whatever the bound cannot rule out
        assert len(open_) == 0 and "no other node can rank in the top 1" in u.attrs["note"]


@pytest.mark.slow
def test_report_says_which_nodes_were_drawn(monkeypatch) -> None:
    """The report's uncertainty section names the drawn nodes and the verdict says the
    rest were not drawn."""
    monkeypatch.setattr(intervals, "SCORE_WORK", 1)
    data = collect(rm.load("bicycle"), mc=4)
    sec = next(s for s in data.sections if s.id == "uncertainty")
    text = " ".join(sec.paragraphs)
    assert "in each draw each of the" in text and "cut nodes were drawn" in text
    assert data.settings["monte_carlo"]["drawn"].startswith("only")
