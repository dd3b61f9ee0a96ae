"""Where the MCP tools read plans from: a small protocol, and its implementation over the
coachplans client.

``ClientPlanSource`` reads through the client library only (no server code), so it runs on the
agent's machine for ``coachplans mcp`` (stdio). The API's ``/mcp`` endpoint uses the same class
with an ``httpx.ASGITransport`` to the application itself, so both transports answer from the
same read path (routes, read cache, read-token rules) and share one implementation.

A date's plans come from the caching client (LRU + TTL, today's plans revalidated with ETags,
stale entries served when the server fails; that answer has no signals, so they are parsed from
the text with the server's parser); ranges, revisions and the roster from the typed client
(retries, typed errors, the server's stored signals); chart bytes from a runner with the same
retry policy, cached by name because a chart's bytes never change (its name is its SHA-256).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Sequence
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

import httpx
from cachetools import LRUCache, TTLCache

from coachplans.client import (
    AsyncCoachPlansClient,
    AsyncEnhancedWebhookClient,
    Chart,
    ClientError,
    Coach,
    Plan,
    PlansUnavailable,
    Revision,
    ServerUnavailableError,
)
from coachplans.client.calls import Call, Operation, drive_async
from coachplans.client.errors import error_for_status
from coachplans.client.metrics import ClientMetrics
from coachplans.client.retry import RetryPolicy
from coachplans.client.runners import AsyncRunner, http_options
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.signals import Signal

CHART_PATH = re.compile(r"/api/v1/charts/(?P<name>[0-9a-f]{64}\.(?:png|jpg|gif|webp))$")
ROSTER_SECONDS = 300.0  # the roster changes only when the server restarts with a new config
CHART_CACHE_BYTES = 32 * 1024 * 1024  # charts may be up to 10 MiB each: bound the bytes
T = TypeVar("T")


class SourceUnavailable(Exception):
    """The plans could not be read (server unreachable, refused, or a failing answer)."""


class PlanSource(Protocol):
    """What the MCP tools and resources need; every date is a trading date."""

    def today(self) -> date: ...

    async def coaches(self) -> list[Coach]: ...

    async def plans_on(self, day: date) -> dict[str, Plan]:
        """The live plans of ``day`` keyed by wire key (``coach_d``)."""
        ...

    async def plans_between(self, start: date, end: date) -> list[Plan]:
        """Every live plan from ``start`` to ``end`` inclusive, oldest first."""
        ...

    async def slot(self, coach_key: str, day: date) -> Plan | None:
        """The plan of a coach and date, deleted or not; None when there never was one."""
        ...

    async def revisions(self, plan_id: int) -> list[Revision]: ...

    async def chart(self, name: str) -> tuple[str, bytes]:
        """``(content type, bytes)`` of an archived chart named ``<sha256>.<ext>``."""
        ...

    async def aclose(self) -> None: ...


def chart_name(chart: Chart) -> str | None:
    """``<sha256>.<ext>`` of a chart archived by the server; None for an external link."""
    match = CHART_PATH.search(httpx.URL(chart.url).path)
    return match.group("name") if match else None


def _plan_from_compat(wire: str, body: dict[str, Any]) -> Plan:
    """A plan of the compatibility answer (``/api/coach-plans/all``) as the typed model. That
    answer carries no signals: they are parsed from the text as the server parses it."""
    signals = [signal_json(signal) for signal in parse_signals(body["plan"])]
    fields = {
        "id": body["id"],
        "coach": wire,
        "coach_key": wire.removeprefix("coach_"),
        "date": body["date"],
        "text": body["plan"],
        "author": body.get("author") or "",
        "channel": body.get("channel"),
        "created_at": body["created_at"],
        "edited_at": body.get("edited_at"),
        "version": body.get("version", 1),
        "charts": [{"url": url} for url in body.get("charts", [])],
        "signals": signals,
    }
    return Plan.model_validate(fields)


def signal_json(signal: Signal) -> dict[str, Any]:
    levels = [{"kind": lv.kind.value, "low": lv.low, "high": lv.high} for lv in signal.levels]
    return {"ticker": signal.ticker, "bias": signal.bias.value, "levels": levels}


class ClientPlanSource:
    """A :class:`PlanSource` over the coachplans client, for a server at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        market_timezone: str = "America/New_York",
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        options: dict[str, Any] = {
            "token": token,
            "timeout": timeout,
            "max_retries": max_retries,
            "market_timezone": market_timezone,
            "transport": transport,
        }
        self._cached = AsyncEnhancedWebhookClient(base_url, **options)
        self._typed = AsyncCoachPlansClient(base_url, **options)
        policy = RetryPolicy(max_retries=max_retries)
        self._http = httpx.AsyncClient(**http_options(base_url, timeout, token, transport))
        self._charts_runner = AsyncRunner(self._http, policy, ClientMetrics())
        self._roster: TTLCache[str, list[Coach]] = TTLCache(maxsize=1, ttl=ROSTER_SECONDS)
        self._charts: LRUCache[str, tuple[str, bytes]] = LRUCache(
            maxsize=CHART_CACHE_BYTES, getsizeof=lambda found: len(found[1]) or 1
        )

    def today(self) -> date:
        return self._typed.trading_day.today_date()

    async def coaches(self) -> list[Coach]:
        roster = self._roster.get("roster")
        if roster is None:
            roster = await self._typed_call(self._typed.coaches())
            self._roster["roster"] = roster
        return roster

    async def plans_on(self, day: date) -> dict[str, Plan]:
        body = await self._cached.fetch_all_coach_plans(day)
        if isinstance(body, PlansUnavailable):
            raise SourceUnavailable(f"coachplans server unavailable: {body.error}")
        if isinstance(body.get("error"), str):  # the server refused (a 4xx answer)
            detail = body.get("message") or body["error"]
            raise SourceUnavailable(f"coachplans server refused the request: {detail}")
        return {wire: _plan_from_compat(wire, plan) for wire, plan in body.items()}

    async def plans_between(self, start: date, end: date) -> list[Plan]:
        return await self._typed_call(self._typed.plan_range(start, end))

    async def slot(self, coach_key: str, day: date) -> Plan | None:
        listing = self._typed.list_plans(
            date=day, coaches=[coach_key], include_deleted=True, limit=1
        )
        page = await self._typed_call(listing)
        return page.plans[0] if page.plans else None

    async def revisions(self, plan_id: int) -> list[Revision]:
        return await self._typed_call(self._typed.revisions(plan_id))

    async def chart(self, name: str) -> tuple[str, bytes]:
        found = self._charts.get(name)
        if found is None:
            found = await drive_async(self._fetch_chart(name), self._charts_runner.send)
            if len(found[1]) <= CHART_CACHE_BYTES:
                self._charts[name] = found
        return found

    def _fetch_chart(self, name: str) -> Operation[tuple[str, bytes]]:
        outcome = yield Call("GET", f"/api/v1/charts/{name}")
        if not isinstance(outcome, httpx.Response):
            raise SourceUnavailable(f"coachplans server unavailable: {outcome.reason}")
        if outcome.status_code != 200:
            error = error_for_status(outcome.status_code, _json_or_none(outcome))
            raise SourceUnavailable(f"chart {name}: {error.message}")
        kind = outcome.headers.get("content-type", "application/octet-stream")
        return kind.split(";")[0].strip(), outcome.content

    async def _typed_call(self, pending: Awaitable[T]) -> T:
        try:
            return await pending
        except ClientError as exc:
            raise SourceUnavailable(_client_error_text(exc)) from exc

    async def aclose(self) -> None:
        await self._cached.aclose()
        await self._typed.aclose()
        await self._http.aclose()


def _client_error_text(exc: ClientError) -> str:
    """Unreachable, 429 and 5xx say "unavailable"; any other answer is a refusal."""
    if isinstance(exc, ServerUnavailableError):
        return f"coachplans server unavailable: {exc.message}"
    return f"coachplans server refused the request: {exc.message}"


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def window(end: date, days: int) -> tuple[date, date]:
    """The ``days`` calendar days ending on ``end`` (inclusive)."""
    return end - timedelta(days=days - 1), end


def newest_first(plans: Sequence[Plan]) -> list[Plan]:
    """Newest date first; coaches of one date in roster-key order."""
    by_coach = sorted(plans, key=lambda plan: plan.coach)
    return sorted(by_coach, key=lambda plan: plan.date, reverse=True)
