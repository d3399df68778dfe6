"""The solvers against references: the optimal one against scipy's linear_sum_assignment on the
slot-expanded matrix and against brute force; the stable one by its blocking pairs, against brute
force; and the blocking-pair count against a plain loop."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from sihub_matching.rounds.diagnostics import diagnose
from sihub_matching.rounds.solvers import (
    Instance,
    Objective,
    Proposer,
    blocking_pairs,
    deferred_acceptance,
    solve_optimal,
    solve_stable,
    total_score,
)


def random_instance(
    seed: int,
    n: int,
    m: int,
    *,
    max_matches: int = 1,
    max_capacity: int = 3,
    forbidden_share: float = 0.2,
    musts: int = 0,
) -> Instance:
    rng = np.random.default_rng(seed)
    seeker_score = rng.random((n, m)).round(3)
    provider_score = rng.random((n, m)).round(3)
    score = ((seeker_score + provider_score) / 2).round(4)
    eligible = rng.random((n, m)) >= forbidden_share
    capacity = rng.integers(1, max_capacity + 1, size=m)
    quota = np.full(n, max_matches)
    must = np.zeros((n, m), dtype=bool)
    for _ in range(musts):  # must pairs within every capacity, as the service checks
        i, j = rng.integers(n), rng.integers(m)
        if eligible[i, j] and must[i].sum() < quota[i] and must[:, j].sum() < capacity[j]:
            must[i, j] = True
    return Instance(score, seeker_score, provider_score, eligible, must, quota, capacity)


def feasible(instance: Instance, matrix: np.ndarray) -> bool:
    return bool(
        (matrix <= (instance.eligible | instance.must)).all()
        and (matrix >= instance.must).all()
        and (matrix.sum(axis=1) <= instance.max_matches).all()
        and (matrix.sum(axis=0) <= instance.capacity).all()
    )


def every_assignment(instance: Instance):
    cells = [tuple(c) for c in np.argwhere(instance.eligible | instance.must)]
    for size in range(len(cells) + 1):
        for chosen in itertools.combinations(cells, size):
            matrix = np.zeros(instance.shape, dtype=bool)
            for i, j in chosen:
                matrix[i, j] = True
            if feasible(instance, matrix):
                yield matrix


def plain_blocking(instance: Instance, matrix: np.ndarray) -> set[tuple[int, int]]:
    """Blocking pairs by the definition, one pair at a time (must pairs fixed, ties by index)."""
    n, m = instance.shape
    free = instance.eligible & ~instance.must
    held = matrix & ~instance.must
    quota = instance.max_matches - instance.must.sum(axis=1)
    capacity = instance.capacity - instance.must.sum(axis=0)

    def better(scores, a, b):  # is a preferred to b (higher score, then lower index)?
        return (scores[a], -a) > (scores[b], -b)

    found = set()
    for i in range(n):
        for j in range(m):
            if not free[i, j] or held[i, j] or quota[i] <= 0 or capacity[j] <= 0:
                continue
            mine = [k for k in range(m) if held[i, k]]
            theirs = [k for k in range(n) if held[k, j]]
            seeker_wants = len(mine) < quota[i] or any(
                better(instance.seeker_score[i], j, k) for k in mine
            )
            provider_wants = len(theirs) < capacity[j] or any(
                better(instance.provider_score[:, j], i, k) for k in theirs
            )
            if seeker_wants and provider_wants:
                found.add((i, j))
    return found


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 12),
    m=st.integers(1, 6),
    forbidden=st.floats(0, 0.6),
)
def test_optimal_equals_scipy_on_the_slot_expanded_matrix(seed, n, m, forbidden):
    instance = random_instance(seed, n, m, forbidden_share=forbidden)
    result = solve_optimal(instance)
    assert feasible(instance, result)
    slots = np.repeat(np.where(instance.eligible, instance.score, 0.0), instance.capacity, axis=1)
    rows, cols = linear_sum_assignment(slots, maximize=True)
    assert total_score(instance, result) == pytest.approx(
        slots[rows, cols].sum(), rel=1e-9, abs=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 4),
    m=st.integers(1, 3),
    quota=st.integers(1, 2),
    musts=st.integers(0, 2),
)
def test_optimal_and_stable_against_brute_force(seed, n, m, quota, musts):
    instance = random_instance(seed, n, m, max_matches=quota, max_capacity=2, musts=musts)
    candidates = list(every_assignment(instance))
    best = max(total_score(instance, c) for c in candidates)
    optimal = solve_optimal(instance)
    assert feasible(instance, optimal)
    assert total_score(instance, optimal) == pytest.approx(best, abs=1e-9)

    for proposer in Proposer:
        stable = solve_stable(instance, proposer)
        assert feasible(instance, stable)
        assert len(blocking_pairs(instance, stable)) == 0
        assert plain_blocking(instance, stable) == set()
    # Brute force finds the deferred-acceptance answer among the stable assignments.
    stable_ones = [c for c in candidates if not plain_blocking(instance, c)]
    assert any((c == solve_stable(instance)).all() for c in stable_ones)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000), n=st.integers(1, 8), m=st.integers(1, 5), quota=st.integers(1, 2)
)
def test_the_blocking_pair_count_agrees_with_the_definition(seed, n, m, quota):
    instance = random_instance(seed, n, m, max_matches=quota, musts=1)
    rng = np.random.default_rng(seed + 1)
    matrix = (rng.random(instance.shape) < 0.3) & instance.eligible | instance.must
    found = {tuple(map(int, p)) for p in blocking_pairs(instance, matrix)}
    assert found == plain_blocking(instance, matrix)


def test_stable_at_scale_has_no_blocking_pairs():
    instance = random_instance(3, 2_000, 100, max_capacity=20, forbidden_share=0.1)
    stable = solve_stable(instance)
    assert feasible(instance, stable)
    assert len(blocking_pairs(instance, stable)) == 0
    optimal = solve_optimal(instance)
    assert total_score(instance, optimal) >= total_score(instance, stable)


def test_deferred_acceptance_favours_the_proposing_side():
    # Each side's first choices are all different: whichever side proposes gets its first choices,
    # so the two stable matchings differ (proposers × receivers; receiver[p, r] is r's score of p).
    proposer = np.array([[3, 2, 1], [1, 3, 2], [2, 1, 3]], dtype=float)
    receiver = np.array([[1, 3, 2], [2, 1, 3], [3, 2, 1]], dtype=float)
    everyone, one = np.ones((3, 3), dtype=bool), np.ones(3, int)
    held = deferred_acceptance(proposer, receiver, everyone, one, one)
    assert [int(np.flatnonzero(row)[0]) for row in held] == [0, 1, 2]
    held = deferred_acceptance(receiver.T, proposer.T, everyone, one, one)  # receivers propose
    assert [int(np.flatnonzero(row)[0]) for row in held] == [2, 0, 1]


def test_an_unmatched_seeker_whose_only_pairs_score_nothing_is_told_so_not_that_others_filled_them():
    # Seeker 0's one option scores 0; seeker 1 takes provider 1; provider 0 keeps its room.
    score = np.array([[0.0, 0.0], [0.0, 0.8]])
    eligible = np.array([[True, False], [False, True]])
    instance = Instance(score, score, score, eligible, np.zeros((2, 2), dtype=bool),
                        np.array([1, 1]), np.array([1, 1]))
    assignment = solve_optimal(instance)
    report = diagnose(instance, assignment, Objective.OPTIMAL, Proposer.SEEKERS, ["s0", "s1"], ["p0", "p1"])
    reasons = {(u["side"], u["actor_id"]): u["reason"] for u in report["unmatched"]}
    assert set(reasons) == {("seeker", "s0"), ("provider", "p0")}
    assert all("score 0" in reason and "filled" not in reason for reason in reasons.values())
