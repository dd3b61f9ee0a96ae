"""The JSON shape of ``GET /api/v1/consensus`` (one trading day of it), shared by the API and
the client's offline mock transport so both answer alike. Plain dicts, standard library only."""

from __future__ import annotations

from datetime import date
from typing import Any

from coachplans.domain.coaches import wire_key
from coachplans.domain.consensus import consensus_of
from coachplans.domain.plans import Plan
from coachplans.domain.signals import Bias

MAX_DAYS = 366  # the longest range one request may cover


def consensus_day_public(day: date, plans: list[Plan], ticker: str) -> dict[str, Any]:
    """Each coach's bias and levels on ``ticker`` that day, the coaches whose plan does not
    name it, the counts and the lean (the majority of bullish and bearish; None on a tie)."""
    found = consensus_of({plan.coach: plan.signals for plan in plans}, ticker)
    plan_ids = {wire_key(plan.coach): plan.id for plan in plans}
    lean = found.lean
    return {
        "date": day.isoformat(),
        "coaches": [
            {
                "coach": view.coach,
                "plan_id": plan_ids.get(view.coach),
                "bias": view.bias.value,
                "levels": [
                    {"kind": lv.kind.value, "low": lv.low, "high": lv.high} for lv in view.levels
                ],
            }
            for view in found.views
        ],
        "silent": list(found.silent),
        "bullish": found.count(Bias.BULLISH),
        "bearish": found.count(Bias.BEARISH),
        "neutral": found.count(Bias.NEUTRAL),
        "lean": lean.value if lean is not None else None,
    }
