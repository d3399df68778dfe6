"""What an operator sees of a run, computed from the solver's inputs and answer (pure): the total,
who got what and at which rank of its options, the lowest and median scores, every unmatched
participant with the reason, blocking pairs, and the other objective's total on the same inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from sihub_matching.rounds.solvers import (
    Instance,
    Objective,
    Proposer,
    blocking_pairs,
    preference_ranks,
    solve,
)


def _summary(instance: Instance, assignment: np.ndarray) -> dict[str, Any]:
    return {
        "total_score": round(float(instance.score[assignment].sum()), 6),
        "matched_count": int(assignment.sum()),
        "blocking_pairs": int(len(blocking_pairs(instance, assignment))),
    }


def diagnose(
    instance: Instance,
    assignment: np.ndarray,
    objective: Objective,
    proposer: Proposer,
    seeker_ids: list[str],
    provider_ids: list[str],
) -> dict[str, Any]:
    options = instance.eligible | instance.must
    ranks = preference_ranks(instance.seeker_score, options) + 1
    matched = np.argwhere(assignment)
    scores = instance.score[assignment]
    other = Objective.STABLE if objective is Objective.OPTIMAL else Objective.OPTIMAL
    unmatched: list[dict[str, str]] = []
    # An option with room left was passed over only because its pair scores 0: a match would add
    # nothing to the total, so the optimum leaves it out (the stable solver may take it or not).
    room = options & (instance.capacity - assignment.sum(axis=0) > 0)[None, :] & (
        instance.max_matches - assignment.sum(axis=1) > 0)[:, None]
    scoring_nothing = f"its eligible pairs with room left all score 0: a match would add nothing ({objective})"
    seeker_options = options.sum(axis=1)
    for i in np.flatnonzero(assignment.sum(axis=1) == 0):
        if seeker_options[i] == 0:
            reason = ("no eligible provider: every pair is forbidden, a current partnership, declined, or below "
                      "the minimum score")
        elif room[i].any() and not instance.score[i, room[i]].any():
            reason = scoring_nothing
        else:
            reason = f"its {int(seeker_options[i])} eligible providers were filled by other seekers ({objective})"
        unmatched.append({"actor_id": seeker_ids[i], "side": "seeker", "reason": reason})
    provider_options = options.sum(axis=0)
    for j in np.flatnonzero(assignment.sum(axis=0) == 0):
        if provider_options[j] == 0:
            reason = "no eligible seeker"
        elif room[:, j].any() and not instance.score[room[:, j], j].any():
            reason = scoring_nothing
        else:
            reason = f"its {int(provider_options[j])} eligible seekers were matched elsewhere ({objective})"
        unmatched.append({"actor_id": provider_ids[j], "side": "provider", "reason": reason})
    return {
        "objective": objective.value,
        "proposer": proposer.value if objective is Objective.STABLE else None,
        **_summary(instance, assignment),
        "lowest_score": round(float(scores.min()), 6) if len(scores) else None,
        "median_score": round(float(np.median(scores)), 6) if len(scores) else None,
        "seeker_ranks": [
            {
                "seeker": seeker_ids[i],
                "provider": provider_ids[j],
                "rank": int(ranks[i, j]),
                "options": int(seeker_options[i]),
            }
            for i, j in matched
        ],
        "unmatched": unmatched,
        "other_objective": {
            "objective": other.value,
            **_summary(instance, solve(instance, other, proposer)),
        },
    }
