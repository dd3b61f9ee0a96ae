"""The typed client for new code: ``CoachPlansClient`` and ``AsyncCoachPlansClient`` return
models (coachplans.client.models) and raise typed errors (coachplans.client.errors). They do
not cache; ``plan_range`` fetches years of plans in a handful of requests for backtests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import Any, Literal, Self

import httpx

from coachplans.client.cache import TradingDay
from coachplans.client.calls import drive, drive_async
from coachplans.client.compat_core import DateLike
from coachplans.client.consensus_models import Consensus
from coachplans.client.metrics import ClientMetrics
from coachplans.client.models import Coach, Health, Plan, PlanPage, Revision
from coachplans.client.retry import RetryPolicy
from coachplans.client.runners import (
    AsyncClosesHttp,
    AsyncRunner,
    ClosesHttp,
    SyncRunner,
    http_options,
)
from coachplans.client.typed_core import MAX_PAGE, ChartFile, IfMatch, TypedCore

DEFAULT_URL = "http://localhost:5000"
Order = Literal["asc", "desc"]


def list_params(
    *,
    date: DateLike = None,
    start: DateLike = None,
    end: DateLike = None,
    coaches: Iterable[str] | None = None,
    query: str | None = None,
    ticker: str | None = None,
    include_deleted: bool = False,
    order: Order = "desc",
    limit: int = 100,
    cursor: str | None = None,
    day: Callable[[DateLike], str],
) -> list[tuple[str, str]]:
    """Query parameters of ``GET /api/v1/plans``."""
    dates = (("date", date), ("from", start), ("to", end))
    params = [(name, day(value)) for name, value in dates if value is not None]
    params += [("coach", coach) for coach in coaches or ()]
    if query:
        params.append(("q", query))
    if ticker:
        params.append(("ticker", ticker))
    if include_deleted:
        params.append(("include_deleted", "true"))
    params += [("order", order), ("limit", str(limit))]
    if cursor:
        params.append(("cursor", cursor))
    return params


class _TypedBase:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        market_timezone: str | tzinfo = "America/New_York",
        now: Callable[[], datetime] | None = None,
        page_size: int = MAX_PAGE,
        mock: bool = False,
    ):
        self.base_url = base_url.rstrip("/")
        self.retry_policy = retry or RetryPolicy(max_retries=max_retries)
        self.trading_day = TradingDay(market_timezone, now)
        self._metrics = ClientMetrics()
        self._core = TypedCore(self.trading_day, self._metrics, page_size)
        if mock:
            from coachplans.client.mock_transport import offline_transport

            transport = offline_transport(self.trading_day)
        self._open(http_options(self.base_url, timeout, token, transport))

    def _open(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def get_metrics(self) -> dict[str, Any]:
        """``{"api": {"success", "errors", "retries"}}`` of this client."""
        return {"api": self._metrics.api()}


class CoachPlansClient(ClosesHttp, _TypedBase):
    """Typed, synchronous. ``CoachPlansClient.mock()`` answers offline with the mock plans."""

    @classmethod
    def mock(cls, **options: Any) -> Self:
        return cls(mock=True, **options)

    def _open(self, options: dict[str, Any]) -> None:
        self._http = httpx.Client(**options)
        self._runner = SyncRunner(self._http, self.retry_policy, self._metrics)

    def get_plan(self, coach: str, date: DateLike = None) -> Plan | None:
        """The live plan of a coach and date (today when None), or None when there is none."""
        return drive(self._core.get_plan(coach, date), self._runner.send)

    def get_plan_by_id(self, plan_id: int) -> Plan:
        return drive(self._core.get_plan_by_id(plan_id), self._runner.send)

    def plans_for_date(self, date: DateLike = None) -> dict[str, Plan]:
        """The live plans of a date keyed by coach (``coach_d``...)."""
        return drive(self._core.plans_for_date(date), self._runner.send)

    def list_plans(
        self,
        *,
        date: DateLike = None,
        start: DateLike = None,
        end: DateLike = None,
        coaches: Iterable[str] | None = None,
        query: str | None = None,
        ticker: str | None = None,
        include_deleted: bool = False,
        order: Order = "desc",
        limit: int = 100,
        cursor: str | None = None,
    ) -> PlanPage:
        """One page of ``GET /api/v1/plans``; pass ``next_cursor`` back as ``cursor``.
        ``ticker`` keeps the plans whose signals name it (any spelling: ``$BTC``, ``BTCUSD``)."""
        params = list_params(
            date=date, start=start, end=end, coaches=coaches, query=query, ticker=ticker,
            include_deleted=include_deleted, order=order, limit=limit, cursor=cursor,
            day=self._core.day,
        )  # fmt: skip
        return drive(self._core.list_plans(params), self._runner.send)

    def plan_range(
        self, start: DateLike, end: DateLike, coaches: Iterable[str] | None = None
    ) -> list[Plan]:
        """Every live plan from ``start`` to ``end`` inclusive, oldest first (pages of 1000)."""
        return drive(self._core.plan_range(start, end, coaches), self._runner.send)

    def consensus(
        self, ticker: str, date: DateLike = None, *, start: DateLike = None, end: DateLike = None
    ) -> Consensus:
        """What each coach says about ``ticker`` on ``date`` (today when None), or per day
        from ``start`` to ``end``, and the combined view (``GET /api/v1/consensus``)."""
        return drive(self._core.consensus(ticker, date, start, end), self._runner.send)

    def revisions(self, plan_id: int) -> list[Revision]:
        return drive(self._core.revisions(plan_id), self._runner.send)

    def coaches(self) -> list[Coach]:
        return drive(self._core.coaches(), self._runner.send)

    def health(self) -> Health:
        """The server's health (also when it answers 503 unhealthy)."""
        return drive(self._core.health(), self._runner.send)

    def post_plan(
        self,
        coach: str,
        text: str,
        *,
        date: DateLike = None,
        charts: Sequence[ChartFile] = (),
        channel: str | None = None,
    ) -> Plan:
        """Create or replace the plan of a coach and date (needs a token)."""
        return drive(self._core.post_plan(coach, text, date, charts, channel), self._runner.send)

    def edit_plan(self, plan_id: int, text: str, *, if_match: IfMatch = None) -> Plan:
        operation = self._core.change_plan("PATCH", plan_id, "", if_match, {"text": text})
        return drive(operation, self._runner.send)

    def delete_plan(self, plan_id: int, *, if_match: IfMatch = None) -> Plan:
        return drive(self._core.change_plan("DELETE", plan_id, "", if_match), self._runner.send)

    def restore_plan(self, plan_id: int, *, if_match: IfMatch = None) -> Plan:
        operation = self._core.change_plan("POST", plan_id, "/restore", if_match)
        return drive(operation, self._runner.send)


class AsyncCoachPlansClient(AsyncClosesHttp, _TypedBase):
    """``CoachPlansClient`` for asyncio: the same methods, as coroutines."""

    @classmethod
    def mock(cls, **options: Any) -> Self:
        return cls(mock=True, **options)

    def _open(self, options: dict[str, Any]) -> None:
        self._http = httpx.AsyncClient(**options)
        self._runner = AsyncRunner(self._http, self.retry_policy, self._metrics)

    async def get_plan(self, coach: str, date: DateLike = None) -> Plan | None:
        return await drive_async(self._core.get_plan(coach, date), self._runner.send)

    async def get_plan_by_id(self, plan_id: int) -> Plan:
        return await drive_async(self._core.get_plan_by_id(plan_id), self._runner.send)

    async def plans_for_date(self, date: DateLike = None) -> dict[str, Plan]:
        return await drive_async(self._core.plans_for_date(date), self._runner.send)

    async def list_plans(
        self,
        *,
        date: DateLike = None,
        start: DateLike = None,
        end: DateLike = None,
        coaches: Iterable[str] | None = None,
        query: str | None = None,
        ticker: str | None = None,
        include_deleted: bool = False,
        order: Order = "desc",
        limit: int = 100,
        cursor: str | None = None,
    ) -> PlanPage:
        params = list_params(
            date=date, start=start, end=end, coaches=coaches, query=query, ticker=ticker,
            include_deleted=include_deleted, order=order, limit=limit, cursor=cursor,
            day=self._core.day,
        )  # fmt: skip
        return await drive_async(self._core.list_plans(params), self._runner.send)

    async def plan_range(
        self, start: DateLike, end: DateLike, coaches: Iterable[str] | None = None
    ) -> list[Plan]:
        return await drive_async(self._core.plan_range(start, end, coaches), self._runner.send)

    async def consensus(
        self, ticker: str, date: DateLike = None, *, start: DateLike = None, end: DateLike = None
    ) -> Consensus:
        """What each coach says about ``ticker``; see ``CoachPlansClient.consensus``."""
        return await drive_async(self._core.consensus(ticker, date, start, end), self._runner.send)

    async def revisions(self, plan_id: int) -> list[Revision]:
        return await drive_async(self._core.revisions(plan_id), self._runner.send)

    async def coaches(self) -> list[Coach]:
        return await drive_async(self._core.coaches(), self._runner.send)

    async def health(self) -> Health:
        return await drive_async(self._core.health(), self._runner.send)

    async def post_plan(
        self,
        coach: str,
        text: str,
        *,
        date: DateLike = None,
        charts: Sequence[ChartFile] = (),
        channel: str | None = None,
    ) -> Plan:
        operation = self._core.post_plan(coach, text, date, charts, channel)
        return await drive_async(operation, self._runner.send)

    async def edit_plan(self, plan_id: int, text: str, *, if_match: IfMatch = None) -> Plan:
        operation = self._core.change_plan("PATCH", plan_id, "", if_match, {"text": text})
        return await drive_async(operation, self._runner.send)

    async def delete_plan(self, plan_id: int, *, if_match: IfMatch = None) -> Plan:
        operation = self._core.change_plan("DELETE", plan_id, "", if_match)
        return await drive_async(operation, self._runner.send)

    async def restore_plan(self, plan_id: int, *, if_match: IfMatch = None) -> Plan:
        operation = self._core.change_plan("POST", plan_id, "/restore", if_match)
        return await drive_async(operation, self._runner.send)
