"""Every coach's plan for a date in one request (``/api/coach-plans/all``), read as plan, no
plan or failure per coach: a run asks once, not once per coach."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from coachplans.agents.reports import CoachPlan, from_answer, wire
from coachplans.client import PlansUnavailable


class PlansSource(Protocol):
    """What the agents need of a client (``EnhancedWebhookClient`` is one)."""

    def fetch_all_coach_plans(self, date: Any = None) -> dict[str, Any]: ...


def failure_of(answer: Mapping[str, Any]) -> str | None:
    """Why the ``/all`` answer holds no plans: the client's fallback or the server's refusal."""
    if isinstance(answer, PlansUnavailable):
        return answer.error
    error = answer.get("error")
    return str(error) if error is not None and not isinstance(error, dict) else None


def plans_from_all(answer: Mapping[str, Any], date: str, coaches: Iterable[str]) -> list[CoachPlan]:
    """Each coach of ``coaches`` from one ``/all`` answer; a coach missing has no plan."""
    failure = failure_of(answer)
    plans = []
    for coach in coaches:
        if failure is not None:
            plans.append(CoachPlan(wire(coach), date, error=failure))
            continue
        body = answer.get(wire(coach))
        plans.append(from_answer(coach, date, body if isinstance(body, dict) else {}))
    return plans


def fetch_plans(client: PlansSource, date: str, coaches: Iterable[str]) -> list[CoachPlan]:
    """Each coach's plan, no plan or failure for ``date``, in one request."""
    return plans_from_all(client.fetch_all_coach_plans(date), date, coaches)
