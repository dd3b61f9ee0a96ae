"""Mock plans per coach and date: the sample plans' texts with their charts drawn locally.

Deterministic: the same date gives the same plans and the same chart images.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coachplans.domain.charts import ChartUpload
from coachplans.mock.charts import render_chart
from coachplans.sample_plans import STYLES, ChartSpec, sample_plan


@dataclass(frozen=True, slots=True)
class MockPlan:
    text: str
    author: str
    charts: list[ChartUpload] = field(default_factory=list)
    chart_specs: list[ChartSpec] = field(default_factory=list)  # what each chart shows


class MockDataProvider:
    """Plans for the default coaches; a coach outside them gets a generic note."""

    def plans_for(self, trade_date: date) -> dict[str, MockPlan]:
        return {key: self.plan_for(key, trade_date) for key in STYLES}

    def plan_for(self, coach: str, trade_date: date) -> MockPlan:
        sample = sample_plan(coach, trade_date)
        charts = [
            ChartUpload(
                render_chart(
                    spec.ticker, trade_date.toordinal(), base_price=spec.last, levels=spec.levels
                ),
                filename=f"{spec.ticker}_{'1d' if coach == 's' else '5m'}.png",
            )
            for spec in sample.charts
        ]
        return MockPlan(sample.text, sample.author, charts, sample.charts)
