"""Offline mock mode: an in-process stand-in for ``coachplans serve --mock``, as an
``httpx.MockTransport``, so the clients run unchanged (cache, retries, parsing) with no server
and no network.

Plans exist for the four default coaches on every weekday up to today, and today itself. Their
texts are mock mode's sample texts for that coach and date (:mod:`coachplans.sample_plans`,
which needs nothing beyond the standard library), with their signals. Charts are not drawn
offline: ``charts`` is always ``[]``. Reads only: writes answer 405.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from coachplans.client.cache import TradingDay
from coachplans.compat_json import no_plan, plan_to_compat, plans_to_compat
from coachplans.contract import body_etag, etag_matches, plan_public
from coachplans.domain.coaches import default_roster
from coachplans.domain.consensus_wire import consensus_day_public
from coachplans.domain.dates import iso, parse_date
from coachplans.domain.plans import Plan
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.tickers import canonical_ticker
from coachplans.errors import ValidationFailed
from coachplans.sample_plans import sample_plan

DEFAULT_SPAN = timedelta(days=30)  # a listing without dates covers the last 30 days
Texts = Callable[[str, date], tuple[str, str]]  # (coach, day) -> (text, author)
ROSTER = default_roster()


def sample_texts(coach: str, day: date) -> tuple[str, str]:
    """The text and author mock mode posts for that coach and date."""
    sample = sample_plan(coach, day)
    return sample.text, sample.author


def bad_request(path: str, message: str) -> dict[str, str]:
    """A 400 body as the server words it: v1 ``{error, message}``, the old routes' shape."""
    if path.startswith("/api/v1/"):
        return {"error": "Bad Request", "message": message}
    return {"error": message}


def respond(request: httpx.Request, status: int, body: Any) -> httpx.Response:
    """JSON with an ETag; a matching If-None-Match gets a 304, as from the server."""
    content = json.dumps(body, ensure_ascii=False).encode()
    etag = body_etag(content)
    headers = {"ETag": etag, "Content-Type": "application/json"}
    if status == 200 and etag_matches(request.headers.get("if-none-match"), etag):
        return httpx.Response(304, headers={"ETag": etag})
    return httpx.Response(status, content=content, headers=headers)


class OfflineServer:
    """Answers the routes the clients use from deterministic mock plans."""

    def __init__(self, trading_day: TradingDay, texts: Texts | None = None):
        self.trading_day = trading_day
        self.texts = texts or sample_texts
        self.plan = functools.lru_cache(maxsize=4096)(self._build)
        self.routes: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
            (re.compile(r"/health"), self.health),
            (re.compile(r"/metrics"), self.metrics),
            (re.compile(r"/api/coach-plans/all"), self.all_plans),
            (re.compile(r"/api/coach-plans/history"), lambda q: (200, {"history": []})),
            (re.compile(r"/api/coach-plans/?"), lambda q: self.compat_plan(q.get("coach"), q)),
            (re.compile(r"/api/coach-plans/([^/]+)"), lambda q, c: self.compat_plan(c, q)),
            (re.compile(r"/api/v1/coaches"), self.coaches),
            (re.compile(r"/api/v1/coaches/([^/]+)/plans/([^/]+)"), self.slot),
            (re.compile(r"/api/v1/plans"), self.list_plans),
            (re.compile(r"/api/v1/plans/(\d{1,12})"), self.by_id),
            (re.compile(r"/api/v1/plans/(\d{1,12})/revisions"), self.revisions),
            (re.compile(r"/api/v1/consensus"), self.consensus),
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            body = {"error": "Method Not Allowed", "message": "offline mock mode is read-only"}
            return respond(request, 405, body)
        path = request.url.path
        for pattern, handler in self.routes:
            found = pattern.fullmatch(path)
            if found:
                try:
                    status, body = handler(request.url.params, *found.groups())
                except ValidationFailed as exc:
                    status, body = 400, bad_request(path, str(exc))
                return respond(request, status, body)
        return respond(
            request, 404, {"error": "Not Found", "message": f"Endpoint {path} not found"}
        )

    # -- plans -----------------------------------------------------------------------------

    def today(self) -> date:
        return self.trading_day.today_date()

    def exists(self, day: date) -> bool:
        today = self.today()
        return day == today or (day < today and day.weekday() < 5)

    def _build(self, coach: str, day: date) -> Plan:
        text, author = self.texts(coach, day)
        index = ROSTER.keys.index(coach) if coach in ROSTER.keys else 99
        posted = datetime.combine(day, time(12, 0), tzinfo=UTC)
        return Plan(
            id=day.toordinal() * 100 + index + 1, coach=coach, trade_date=day, text=text,
            author=author, author_id=None, channel="mock", created_at=posted, edited_at=None,
            deleted_at=None, version=1, charts=(), revision_count=1, signals=parse_signals(text),
        )  # fmt: skip

    def live(self, coach: str, day: date) -> Plan | None:
        return self.plan(coach, day) if self.exists(day) else None

    def day_of(self, raw: str | None) -> date:
        return self.today() if raw is None or not raw.strip() else parse_date(raw.strip())

    # -- compatibility routes --------------------------------------------------------------

    def compat_plan(self, coach: str | None, query: httpx.QueryParams) -> tuple[int, Any]:
        target = ROSTER.resolve(coach)
        day = self.day_of(query.get("date"))
        plan = self.live(target.key, day)
        return 200, plan_to_compat(plan) if plan else no_plan(target.wire_key, day)

    def all_plans(self, query: httpx.QueryParams) -> tuple[int, Any]:
        day = self.day_of(query.get("date"))
        plans = [plan for key in ROSTER.keys if (plan := self.live(key, day))]
        return 200, plans_to_compat(plans)

    def health(self, query: httpx.QueryParams) -> tuple[int, Any]:
        components = {
            "database": {"status": "up", "plan_count": 0},
            "discord_bot": {"status": "mock", "detail": "offline mock mode (no server)"},
        }
        now = iso(datetime.now(UTC))
        return 200, {"status": "healthy", "timestamp": now, "components": components}

    def metrics(self, query: httpx.QueryParams) -> tuple[int, Any]:
        requests = {"total": 0, "success": 0, "error": 0, "error_rate_percent": 0.0}
        database = {"total_plans": 0, "total_charts": 0, "total_edits": 0, "latest_plan": None}
        now = iso(datetime.now(UTC))
        return 200, {"timestamp": now, "uptime_seconds": 0.0, "requests": requests,
                     "database": database}  # fmt: skip

    # -- v1 routes -------------------------------------------------------------------------

    def coaches(self, query: httpx.QueryParams) -> tuple[int, Any]:
        roster = [{"key": c.key, "wire_key": c.wire_key, "name": c.name} for c in ROSTER]
        return 200, {"coaches": roster}

    def slot(self, query: httpx.QueryParams, coach: str, day: str) -> tuple[int, Any]:
        target = ROSTER.resolve(coach)
        plan = self.live(target.key, parse_date(day))
        if plan is None:
            return 404, {"error": "Not Found", "message": f"No plan for {target.wire_key} on {day}"}
        return 200, plan_public(plan)

    def by_id(self, query: httpx.QueryParams, raw_id: str) -> tuple[int, Any]:
        number = int(raw_id)
        index, ordinal = number % 100 - 1, number // 100
        plan = None
        if 0 <= index < len(ROSTER) and ordinal > 0:
            plan = self.live(ROSTER.keys[index], date.fromordinal(ordinal))
        if plan is None:
            return 404, {"error": "Not Found", "message": f"Plan {number} not found"}
        return 200, plan_public(plan)

    def revisions(self, query: httpx.QueryParams, raw_id: str) -> tuple[int, Any]:
        status, body = self.by_id(query, raw_id)
        if status != 200:
            return status, body
        revision = {
            "id": body["id"], "plan_id": body["id"], "number": 1, "action": "create",
            "text": body["text"], "charts": [], "actor": body["author"], "actor_id": None,
            "source": "mock", "created_at": body["created_at"],
        }  # fmt: skip
        return 200, {"revisions": [revision]}

    def list_plans(self, query: httpx.QueryParams) -> tuple[int, Any]:
        first, last = self.span(query)
        coaches = self.coach_filter(query.get_list("coach"))
        ascending = query.get("order", "desc") == "asc"
        limit = max(1, min(int(query.get("limit", "100") or 100), 1000))
        slots = self.slots(first, last, coaches, ascending, query.get("cursor"))
        text = (query.get("q") or "").strip().lower()
        ticker = canonical_ticker(query["ticker"]) if query.get("ticker") else None
        page: list[Plan] = []
        for day, coach in slots:
            plan = self.plan(coach, day)
            if _matches(plan, text, ticker):
                page.append(plan)
                if len(page) == limit:
                    break
        tail = page[-1] if len(page) == limit else None
        cursor = f"{tail.trade_date.isoformat()}|{tail.coach}" if tail else None
        return 200, {"plans": [plan_public(p) for p in page], "next_cursor": cursor}

    def consensus(self, query: httpx.QueryParams) -> tuple[int, Any]:
        if not (query.get("ticker") or "").strip():
            raise ValidationFailed("Missing required parameter: ticker")
        first, last = self.span(query)
        symbol = canonical_ticker(query["ticker"])
        days = []
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            plans = [plan for key in ROSTER.keys if (plan := self.live(key, day))]
            if plans or query.get("date"):
                days.append(consensus_day_public(day, plans, symbol))
        span = {"from": first.isoformat(), "to": last.isoformat()}
        return 200, {"ticker": symbol, **span, "days": days}

    def span(self, query: httpx.QueryParams) -> tuple[date, date]:
        if query.get("date"):
            day = parse_date(query["date"])
            return day, day
        last = parse_date(query["to"]) if query.get("to") else self.today()
        first = parse_date(query["from"]) if query.get("from") else last - DEFAULT_SPAN
        return first, min(last, self.today())

    def coach_filter(self, raw: list[str]) -> list[str]:
        names = [part for value in raw for part in value.split(",") if part.strip()]
        chosen = {ROSTER.resolve(name).key for name in names}
        return [key for key in ROSTER.keys if not chosen or key in chosen]

    def slots(
        self, first: date, last: date, coaches: list[str], ascending: bool, cursor: str | None
    ) -> Iterator[tuple[date, str]]:
        """(day, coach) of the live plans in listing order, after ``cursor``."""
        span = (last - first).days + 1
        offsets = range(span) if ascending else range(span - 1, -1, -1)
        after = self.cursor_slot(cursor)
        for offset in offsets:
            day = first + timedelta(days=offset)
            if not self.exists(day):
                continue
            for coach in coaches if ascending else coaches[::-1]:
                if after is not None:
                    if (day, coach) == after:
                        after = None
                    continue
                yield day, coach

    @staticmethod
    def cursor_slot(cursor: str | None) -> tuple[date, str] | None:
        if not cursor:
            return None
        day, _, coach = cursor.partition("|")
        try:
            return parse_date(day), coach
        except ValidationFailed as exc:
            raise ValidationFailed("Invalid cursor") from exc


def _matches(plan: Plan, text: str, ticker: str | None) -> bool:
    if text and text not in plan.text.lower():
        return False
    return ticker is None or any(signal.ticker == ticker for signal in plan.signals)


def offline_transport(trading_day: TradingDay, texts: Texts | None = None) -> httpx.MockTransport:
    """A transport that answers like ``coachplans serve --mock``, in process."""
    return httpx.MockTransport(OfflineServer(trading_day, texts))
