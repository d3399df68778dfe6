"""The round solvers: pure functions on numpy arrays, no I/O.

An `Instance` is seekers (rows) × providers (columns): the pair's score, each side's own score (its
preferences), which pairs are eligible (not forbidden, at least the minimum score) and which are
must pairs, and how many matches each seeker and provider may have.

- `solve_optimal`: the maximum total score within capacities and constraints, as a min-cost flow
  (OR-Tools): source → seeker (its quota) → provider (one unit per pair, cost −score) → sink (its
  capacity), plus a source → sink arc so that leaving a slot empty is allowed. Must pairs are fixed
  first and take their slots.
- `solve_stable`: deferred acceptance, written here and vectorised: in each step every proposer with
  free slots proposes to its next choices at once, and every receiver keeps its best up to capacity.
  Seeker-proposing by default (seekers rank providers by the seeker-side score, providers rank
  seekers by the provider-side score); ties are broken by index, so the result is deterministic.
- `blocking_pairs`: the pairs that would both rather be matched to each other than keep what they
  have (must pairs are fixed, so they neither block nor count as held).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.graph.python import min_cost_flow

# Scores become integer costs for the min-cost flow: 2^30 steps per unit keep totals exact to 1e-9.
COST_SCALE = 1 << 30


class Objective(StrEnum):
    OPTIMAL = "optimal"
    STABLE = "stable"


class Proposer(StrEnum):
    SEEKERS = "seekers"
    PROVIDERS = "providers"


@dataclass(frozen=True)
class Instance:
    score: np.ndarray
    seeker_score: np.ndarray
    provider_score: np.ndarray
    eligible: np.ndarray
    must: np.ndarray
    max_matches: np.ndarray
    capacity: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.score.shape  # type: ignore[return-value]

    def residual(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What is left once must pairs are fixed: (pairs still open, seekers' quotas, capacities)."""
        quota = self.max_matches - self.must.sum(axis=1)
        capacity = self.capacity - self.must.sum(axis=0)
        open_pairs = self.eligible & ~self.must & (quota[:, None] > 0) & (capacity[None, :] > 0)
        return open_pairs, quota, capacity


def as_pairs(matrix: np.ndarray) -> np.ndarray:
    """A boolean assignment matrix as (seeker, provider) rows in order."""
    return np.argwhere(matrix).astype(np.int64).reshape(-1, 2)


def as_matrix(pairs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    matrix = np.zeros(shape, dtype=bool)
    if len(pairs):
        matrix[pairs[:, 0], pairs[:, 1]] = True
    return matrix


def solve_optimal(instance: Instance) -> np.ndarray:
    """The assignment (boolean seekers × providers) of maximum total score."""
    n, m = instance.shape
    open_pairs, quota, capacity = instance.residual()
    # A pair of score 0 adds nothing: leaving it out keeps the flow network small.
    rows, cols = np.nonzero(open_pairs & (instance.score > 0))
    assignment = instance.must.copy()
    if len(rows) == 0:
        return assignment
    source, sink = n + m, n + m + 1
    seekers = np.unique(rows)
    providers = np.unique(cols)
    supply = int(quota[seekers].sum())
    tails = np.concatenate([np.full(len(seekers), source), rows, n + providers, [source]])
    heads = np.concatenate([seekers, n + cols, np.full(len(providers), sink), [sink]])
    capacities = np.concatenate(
        [quota[seekers], np.ones(len(rows), dtype=np.int64), capacity[providers], [supply]]
    )
    costs = np.concatenate(
        [
            np.zeros(len(seekers), dtype=np.int64),
            -np.rint(instance.score[rows, cols] * COST_SCALE).astype(np.int64),
            np.zeros(len(providers) + 1, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities.astype(np.int64), costs
    )
    flow.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([supply, -supply], dtype=np.int64)
    )
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow ended with status {status}")
    pair_arcs = arcs[len(seekers) : len(seekers) + len(rows)]
    chosen = flow.flows(pair_arcs) > 0
    assignment[rows[chosen], cols[chosen]] = True
    return assignment


def preference_ranks(scores: np.ndarray, acceptable: np.ndarray) -> np.ndarray:
    """rank[i, j]: the position (0 = best) of column j in row i's order by score, ties by column
    index; columns not acceptable to row i come after all acceptable ones."""
    keyed = np.where(acceptable, -scores, np.inf)
    order = np.argsort(keyed, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1])[None, :], axis=1)
    return ranks


def deferred_acceptance(
    proposer_score: np.ndarray,
    receiver_score: np.ndarray,
    acceptable: np.ndarray,
    quota: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Proposers (rows) × receivers (columns): the proposer-optimal stable assignment, many to many
    with quotas on both sides (many to one when every quota is 1)."""
    n, m = proposer_score.shape
    held = np.zeros((n, m), dtype=bool)
    quota = np.maximum(quota, 0)
    capacity = np.maximum(capacity, 0)
    acceptable = acceptable & (quota[:, None] > 0) & (capacity[None, :] > 0)
    lengths = acceptable.sum(axis=1)
    if lengths.sum() == 0:
        return held
    preferences = np.argsort(np.where(acceptable, -proposer_score, np.inf), axis=1, kind="stable")
    receiver_rank = preference_ranks(receiver_score.T, acceptable.T)  # receivers × proposers
    next_choice = np.zeros(n, dtype=np.int64)
    free = quota.astype(np.int64).copy()
    held_p = np.empty(0, dtype=np.int64)
    held_r = np.empty(0, dtype=np.int64)
    while True:
        active = np.flatnonzero((free > 0) & (next_choice < lengths))
        if len(active) == 0:
            break
        counts = np.minimum(free[active], lengths[active] - next_choice[active])
        proposers = np.repeat(active, counts)
        offsets = np.arange(len(proposers)) - np.repeat(np.cumsum(counts) - counts, counts)
        receivers = preferences[proposers, next_choice[proposers] + offsets]
        next_choice[active] += counts
        free[active] -= counts
        # Every receiver keeps its best `capacity` among what it held and what it was just offered.
        candidates_p = np.concatenate([held_p, proposers])
        candidates_r = np.concatenate([held_r, receivers])
        order = np.lexsort((receiver_rank[candidates_r, candidates_p], candidates_r))
        candidates_p, candidates_r = candidates_p[order], candidates_r[order]
        first = np.searchsorted(candidates_r, candidates_r, side="left")
        keep = (np.arange(len(candidates_r)) - first) < capacity[candidates_r]
        np.add.at(free, candidates_p[~keep], 1)
        held_p, held_r = candidates_p[keep], candidates_r[keep]
    held[held_p, held_r] = True
    return held


def solve_stable(instance: Instance, proposer: Proposer = Proposer.SEEKERS) -> np.ndarray:
    """A stable assignment (boolean seekers × providers) by deferred acceptance; must pairs fixed."""
    open_pairs, quota, capacity = instance.residual()
    if proposer is Proposer.SEEKERS:
        matched = deferred_acceptance(
            instance.seeker_score, instance.provider_score, open_pairs, quota, capacity
        )
    else:
        matched = deferred_acceptance(
            instance.provider_score.T, instance.seeker_score.T, open_pairs.T, capacity, quota
        ).T
    return matched | instance.must


def blocking_pairs(instance: Instance, assignment: np.ndarray) -> np.ndarray:
    """The blocking pairs of an assignment, as (seeker, provider) rows."""
    open_pairs, quota, capacity = instance.residual()
    held = assignment & ~instance.must
    seeker_rank = preference_ranks(instance.seeker_score, instance.eligible & ~instance.must)
    provider_rank = preference_ranks(
        instance.provider_score.T, (instance.eligible & ~instance.must).T
    ).T
    # A side wants the pair when it has a free slot, or likes it better than the worst it holds.
    worst_seeker = np.where(held, seeker_rank, -1).max(axis=1)
    worst_provider = np.where(held, provider_rank, -1).max(axis=0)
    seeker_wants = (held.sum(axis=1) < quota)[:, None] | (seeker_rank < worst_seeker[:, None])
    provider_wants = (held.sum(axis=0) < capacity)[None, :] | (
        provider_rank < worst_provider[None, :]
    )
    return as_pairs(open_pairs & ~held & seeker_wants & provider_wants)


def total_score(instance: Instance, assignment: np.ndarray) -> float:
    return float(instance.score[assignment].sum())


def solve(
    instance: Instance, objective: Objective, proposer: Proposer = Proposer.SEEKERS
) -> np.ndarray:
    return (
        solve_optimal(instance)
        if objective is Objective.OPTIMAL
        else solve_stable(instance, proposer)
    )
