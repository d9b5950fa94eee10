"""Sampling the uncertainty in a chain's numbers (see docs/model.md §1.6).

Every number written with ``low``/``high`` is drawn from its distribution:
``triangular`` (mode at the value; the default) or ``uniform``. A node's supplier shares
are drawn together and scaled down when they sum above 1, so each drawn vector is still
a set of shares; so are its world shares (``world_suppliers`` in a home view), and where
a node gives none the world draws on its drawn ``suppliers``. Draws come from a
``numpy.random.Generator`` so that the same seed gives the same numbers; each field's
ranged values draw in the order of their identity (node id, node and country, edge), so
reordering the nodes, edges or supplier keys of a file changes no number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel import engine
from riskmodel._errors import ArgumentError
from riskmodel.engine import Params
from riskmodel.limits import MAX_DRAWS, MAX_MONTHS
from riskmodel.model import Chain

__all__ = ["check_draws", "ranged_count", "sample_params"]



def check_draws(draws: object, months: object = 0) -> None:
    """Refuse, before any work, a number of draws or a horizon out of its limits.

    >>> check_draws(0)
    Traceback (most recent call last):
    ...
    riskmodel._errors.ArgumentError: draws must be at least 1, found 0
    """
    for name, v, lo, hi in (("draws", draws, 1, MAX_DRAWS), ("months", months, 0, MAX_MONTHS)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ArgumentError(f"{name} must be a whole number, found {v!r}")
        if v < lo:
            raise ArgumentError(f"{name} must be at least {lo}, found {v}")
        if v > hi:
            raise ArgumentError(f"{name} must be at most {hi:,}, found {v:,}; "
                                f"use at most {hi:,} {name}")


def check_seed(seed: object) -> None:
    """Refuse a seed numpy cannot take (a negative number, text), in riskmodel's words.

    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    riskmodel._errors.ArgumentError: seed must be None or a whole number >= 0, found -1
    """
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be None or a whole number >= 0, found {seed!r:.60}")


def _draw(df: pd.DataFrame, field: str, k: int, rng: np.random.Generator,
          base: np.ndarray, identity: np.ndarray) -> tuple[np.ndarray, int]:
    """``(rows, k)`` draws of ``field``; rows without a range keep ``base``. With no
    ranged row at all, ``base`` as one column ``(rows, 1)``: the engine takes a single
    column for every draw, which spares memory and work.

    The ranged rows draw in the order of their ``identity`` (node id; node and country;
    edge), never in the order of the file, so that the same seed gives the same numbers
    however the chain's nodes, edges and supplier keys are ordered."""
    lo_col, hi_col = f"{field}.low", f"{field}.high"
    if lo_col not in df or hi_col not in df:
        return base.reshape(-1, 1).astype(float), 0
    lo = df[lo_col].to_numpy(dtype=float)
    hi = df[hi_col].to_numpy(dtype=float)
    mode = df[field].to_numpy(dtype=float)
    dist = df[f"{field}.dist"].to_numpy(dtype=object) if f"{field}.dist" in df else \
        np.full(len(df), None)
    ranged = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isnan(mode) & (hi > lo)
    idx = np.flatnonzero(ranged)
    idx = idx[np.argsort(identity[idx], kind="stable")]
    if len(idx) == 0:
        return base.reshape(-1, 1).astype(float), 0
    out = np.repeat(base.reshape(-1, 1), k, axis=1).astype(float)
    uni = np.array([d == "uniform" for d in dist[idx]])
    u_idx, t_idx = idx[uni], idx[~uni]
    if len(u_idx):
        out[u_idx] = rng.uniform(lo[u_idx, None], hi[u_idx, None], size=(len(u_idx), k))
    if len(t_idx):
        out[t_idx] = rng.triangular(lo[t_idx, None], mode[t_idx, None], hi[t_idx, None],
                                    size=(len(t_idx), k))
    return out, len(idx)


def sample_params(chain: Chain, k: int, rng: np.random.Generator) -> tuple[Params, int]:
    """Engine parameters with ``k`` columns of draws, and the number of ranged values."""
    data = chain.to_data()
    c = chain.compiled
    n_pos = c.index.get_indexer(data.nodes["id"])
    node_key = data.nodes["id"].astype(str).to_numpy()
    count = 0

    def node_field(field: str, base: np.ndarray, default: float) -> np.ndarray:
        nonlocal count
        col = data.nodes[field].to_numpy(dtype=float) if field in data.nodes else np.full(
            len(data.nodes), np.nan)
        draws, used = _draw(data.nodes, field, k, rng, np.where(np.isnan(col), default, col),
                            node_key)
        count += used
        if used == 0:
            return base.reshape(-1, 1).astype(float)
        out = np.repeat(base.reshape(-1, 1), k, axis=1).astype(float)
        out[n_pos] = draws
        if np.isnan(default):
            out[n_pos] = np.where(np.isnan(col)[:, None], base[n_pos, None], draws)
        return out

    subst = node_field("substitutability", c.substitutability, 0.0)
    lead = node_field("lead_time_months", c.lead_time, 0.0)
    inventory = node_field("inventory_months", c.inventory, 0.0)
    life = node_field("capital.service_life_months", c.service_life, np.nan)
    value = node_field("value", c.value, np.nan)

    # supplier shares, then the world's (a home view's world_suppliers), in the
    # compiled CSR order
    row_share, used = _share_draws(data.suppliers, c, k, rng, np.asarray(c.supply.data, float))
    count += used
    world_share = None
    if c.world is not None:
        world_share, used = _share_draws(data.world_suppliers, c, k, rng,
                                         np.asarray(c.world.data, dtype=float))
        count += used
        world_share = _world_follows(c, data.world_suppliers, row_share, world_share)

    e = data.edges
    covers = c.edge_covers.reshape(-1, 1).astype(float)
    share = np.nan_to_num(c.edge_share, nan=0.0).reshape(-1, 1)
    if len(e):
        src = c.index.get_indexer(e["from"])
        dst = c.index.get_indexer(e["to"])
        ekeys = dst.astype(np.int64) * c.n + src
        ckeys = c.in_dst.astype(np.int64) * c.n + c.in_src
        order = np.argsort(ckeys)
        epos = order[np.searchsorted(ckeys[order], ekeys)]
        grouped = e["group"].notna().to_numpy()
        cov_base = np.nan_to_num(e["covers"].to_numpy(dtype=float), nan=1.0)
        edge_key = (e["from"].astype(str) + "\0" + e["to"].astype(str)).to_numpy()
        d, used = _draw(e[grouped], "covers", k, rng, cov_base[grouped], edge_key[grouped])
        count += used
        if used:
            covers = np.repeat(covers, k, axis=1)
            covers[epos[grouped]] = d
        d, used = _draw(e, "share", k, rng, np.nan_to_num(e["share"].to_numpy(dtype=float)),
                        edge_key)
        count += used
        if used:
            share = np.repeat(share, k, axis=1)
            share[epos] = d
    p = engine.params_from_compiled(c, row_share=row_share, covers=covers, share=share,
                                    subst=np.clip(subst, 0, 1), lead=np.maximum(lead, 0),
                                    inventory=np.maximum(inventory, 0), value=value, life=life,
                                    world_share=world_share)
    return p, count


def _share_draws(sups: pd.DataFrame, c: engine.Compiled, k: int, rng: np.random.Generator,
                 base: np.ndarray) -> tuple[np.ndarray, int]:
    """``(rows, 1|k)`` shares of a supplier table (``suppliers`` or ``world_suppliers``)
    in the compiled CSR order, ``base`` where a row has no range; and how many are
    ranged. The ranged rows draw in the order of their node and country."""
    sups = sups[sups["country"] != "other"]
    out = base.reshape(-1, 1)
    if not len(sups):
        return out, 0
    ncountry = max(len(c.countries), 1)
    csr_keys = (np.repeat(np.arange(c.n), np.diff(c.supply.indptr)) * ncountry
                + c.supply.indices)
    keys = (c.index.get_indexer(sups["node"]) * ncountry
            + pd.Index(c.countries).get_indexer(sups["country"]))
    pos = np.searchsorted(csr_keys, keys)
    draws, used = _draw(sups, "share", k, rng, sups["share"].to_numpy(dtype=float),
                        (sups["node"].astype(str) + "\0" + sups["country"].astype(str))
                        .to_numpy())
    if used:
        out = np.repeat(out, k, axis=1)
        out[pos] = draws
    return out, used


def _world_follows(c: engine.Compiled, world: pd.DataFrame, row_share: np.ndarray,
                   world_share: np.ndarray) -> np.ndarray | None:
    """The world's shares with a node that gives no ``world_suppliers`` drawing on its
    ``suppliers`` as drawn (docs/model.md §1.3); None when nothing is drawn."""
    if row_share.shape[1] == 1 and world_share.shape[1] == 1:
        return None
    width = max(row_share.shape[1], world_share.shape[1])
    out = np.repeat(world_share, width // world_share.shape[1], axis=1)
    r_node = np.repeat(np.arange(c.n), np.diff(c.supply.indptr))
    own = np.zeros(c.n, dtype=bool)
    own[c.index.get_indexer(world.loc[world["node"].isin(c.index), "node"])] = True
    follows = ~own[r_node]
    out[follows] = np.broadcast_to(row_share, (len(r_node), width))[follows]
    return out


def ranged_count(chain: Chain) -> int:
    """How many numbers in the chain carry a range."""
    return sample_params(chain, 1, np.random.default_rng(0))[1]


def numbers_per_draw(chain: Chain) -> int:
    """How many numbers each Monte Carlo draw holds beyond the shared ones (the
    parameter arrays that vary by draw), to size batches of draws."""
    probe, _ = sample_params(chain, 2, np.random.default_rng(0))
    arrays = (probe.row_share, probe.world_share, probe.dep0, probe.ind0, probe.covers,
              probe.ne_share, probe.subst, probe.lead, probe.inventory, probe.weight, probe.life)
    return sum(a.shape[0] for a in arrays if a is not None and a.shape[1] > 1)
