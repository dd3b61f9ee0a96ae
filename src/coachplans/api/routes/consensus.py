"""``GET /api/v1/consensus``: per trading day, what each coach says about one ticker (bias and
levels, from the plans' stored signals) and the combined view; ETag/304 like every v1 read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from coachplans.api.auth import require_reader
from coachplans.api.deps import cached_json, service_of
from coachplans.api.json_body import dump
from coachplans.api.list_query import TICKER_PATTERN
from coachplans.api.openapi import NOT_MODIFIED
from coachplans.api.schemas import ConsensusPage
from coachplans.api.storable import storable_values
from coachplans.domain.consensus_wire import MAX_DAYS, consensus_day_public
from coachplans.domain.dates import parse_date
from coachplans.domain.plans import Plan
from coachplans.domain.queries import PlanQuery
from coachplans.domain.tickers import canonical_ticker
from coachplans.errors import ValidationFailed
from coachplans.service import PlanService

router = APIRouter(
    prefix="/api/v1",
    tags=["v1"],
    dependencies=[Depends(require_reader), Depends(storable_values)],
)
_PAGE = 1000


@router.get(
    "/consensus",
    summary="What the coaches say about one ticker, per trading day",
    description="One `date` (default: today) or a `from`/`to` range of at most 366 days. "
    "Per day: each coach's bias and levels for the ticker, the coaches whose plan does not "
    "name it, the counts and the lean (the majority of bullish and bearish, null on a tie). "
    "A range lists only the days that have plans. Any spelling of the ticker works "
    "(`$BTC`, `BTCUSDT`, `BTC-USD`).",
    responses={200: {"model": ConsensusPage}, **NOT_MODIFIED},
)
async def consensus(
    request: Request,
    ticker: Annotated[str, Query(pattern=TICKER_PATTERN, description="e.g. NVDA, BTC-USD")],
    date: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=64)] = None,
) -> Response:
    service = service_of(request)
    first, last, single = _days(service, date, date_from, date_to)
    symbol = canonical_ticker(ticker)

    def build() -> bytes:
        by_day = _plans_by_day(service, first, last)
        if single and not by_day:
            by_day[first] = []
        days = [consensus_day_public(d, plans, symbol) for d, plans in sorted(by_day.items())]
        return dump(
            {"ticker": symbol, "from": first.isoformat(), "to": last.isoformat(), "days": days}
        )

    return await cached_json(request, build)


def _days(
    service: PlanService, day: str | None, start: str | None, end: str | None
) -> tuple[date, date, bool]:
    """(first, last, single day?) from the query, with a clear message for every bad mix."""
    if day is not None and (start is not None or end is not None):
        raise ValidationFailed("Give either date or from/to, not both")
    if (start is None) != (end is None):
        raise ValidationFailed("A range needs both from and to (YYYY-MM-DD)")
    if start is None or end is None:
        one = parse_date(day) if day is not None else service.today()
        return one, one, True
    first, last = parse_date(start), parse_date(end)
    if last < first:
        raise ValidationFailed(f"'to' ({end}) is before 'from' ({start})")
    if last - first >= timedelta(days=MAX_DAYS):
        raise ValidationFailed(f"A range may cover at most {MAX_DAYS} days")
    return first, last, False


def _plans_by_day(service: PlanService, first: date, last: date) -> dict[date, list[Plan]]:
    """The live plans of the days, page by page (one plan per coach and day)."""
    by_day: dict[date, list[Plan]] = {}
    after: tuple[date, int] | None = None
    while True:
        query = PlanQuery(date_from=first, date_to=last, ascending=True, after=after, limit=_PAGE)
        plans = service.list_plans(query)
        for plan in plans:
            by_day.setdefault(plan.trade_date, []).append(plan)
        if len(plans) < _PAGE:
            return by_day
        after = (plans[-1].trade_date, plans[-1].id)
