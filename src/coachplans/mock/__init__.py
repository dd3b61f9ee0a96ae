"""Mock mode: realistic plans with locally drawn charts, seeded through the service, and a
simulated bot whose coaches send Discord commands to an offline PlanBot. No Discord, no
network."""

from coachplans.mock.bot import MockDiscordBot
from coachplans.mock.charts import render_chart
from coachplans.mock.data import MockDataProvider, MockPlan
from coachplans.mock.seed import populate_mock_data, recent_dates, seed_recent

__all__ = [
    "MockDataProvider",
    "MockDiscordBot",
    "MockPlan",
    "populate_mock_data",
    "recent_dates",
    "render_chart",
    "seed_recent",
]
