"""A simulated Discord bot for mock mode: posts, edits and deletes today's plans."""

from __future__ import annotations

import asyncio
import logging
import random

from coachplans.domain.dates import utcnow
from coachplans.domain.plans import Actor, Source, WriteResult
from coachplans.mock.data import MockDataProvider
from coachplans.service import PlanService

log = logging.getLogger(__name__)


class MockDiscordBot:
    status = "mock"

    def __init__(
        self, service: PlanService, provider: MockDataProvider | None = None, rng_seed: int = 0
    ):
        self.service = service
        self.provider = provider or MockDataProvider()
        self._rng = random.Random(rng_seed)
        self.actions = 0

    def _actor(self, coach: str) -> Actor:
        return Actor(f"MockCoach{coach.upper()}")

    def post(self, coach: str, text: str | None = None) -> WriteResult:
        key = self.service.resolve_coach(coach).key
        plan = self.provider.plan_for(key, self.service.today())
        return self.service.post_plan(
            key,
            text or plan.text,
            self._actor(key),
            source=Source.MOCK,
            charts=[] if text else plan.charts,
            channel="mock",
        )

    def edit(self, coach: str, text: str) -> WriteResult:
        key = self.service.resolve_coach(coach).key
        return self.service.edit_plan(
            key, self.service.today(), text, self._actor(key), source=Source.MOCK
        )

    def delete(self, coach: str) -> WriteResult:
        key = self.service.resolve_coach(coach).key
        return self.service.delete_plan(
            key, self.service.today(), self._actor(key), source=Source.MOCK
        )

    def step(self) -> WriteResult:
        """One simulated action: mostly an update line appended, sometimes a fresh post."""
        coach = self._rng.choice(self.service.roster.keys)
        current = self.service.get_plan(coach, self.service.today())
        self.actions += 1
        if current is None or self._rng.random() < 0.2:
            return self.post(coach)
        stamp = utcnow().astimezone(self.service.tz).strftime("%H:%M")
        update = f"{current.text}\nUpdate {stamp}: levels holding, no change to the plan."
        return self.edit(coach, update[-4000:])

    async def run(self, every_seconds: float, stop: asyncio.Event) -> None:
        """Act every ``every_seconds`` until ``stop`` is set; a failure is logged, not raised."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every_seconds)
                return
            except TimeoutError:
                pass
            try:
                result = await asyncio.to_thread(self.step)
                log.info("mock bot: %s coach_%s", result.action.value, result.plan.coach)
            except Exception:
                log.exception("mock bot action failed")
