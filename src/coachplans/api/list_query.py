"""The v1 list's parameters turned into a PlanQuery: one set of rules for the FastAPI route and
for the fast path that answers plain list requests before routing (api/hot_reads.py).

The route's declared constraints (lengths, the ticker pattern, the limit's range) are
FastAPI's to check and word; :func:`plain_list_query` accepts only what it is sure FastAPI
accepts alike and returns None for anything else, which the route then answers itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from coachplans.api.cursor import decode_cursor, encode_cursor
from coachplans.domain.dates import parse_date
from coachplans.domain.queries import PlanQuery, PlanVersion
from coachplans.domain.storable import check_storable
from coachplans.service import PlanService

MAX_PAGE = 1000
DEFAULT_LIMIT = 100
TICKER_PATTERN = r"^\$?[A-Za-z0-9./-]{1,15}$"
# The longest value of each single-valued parameter the route declares (its max_length).
MAX_LENGTHS = {"date": 64, "from": 64, "to": 64, "q": 200, "cursor": 200, "ticker": 16}
MAX_COACH_VALUES = 20
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_LIMIT = re.compile(r"[1-9][0-9]{0,3}")
_TICKER = re.compile(TICKER_PATTERN)
SINGLE = frozenset({*MAX_LENGTHS, "include_deleted", "order", "limit"})


def coach_filter(service: PlanService, raw: Sequence[str]) -> tuple[str, ...]:
    """``coach=d&coach=i`` or ``coach=d,i``: the coaches' keys, sorted, each once."""
    names = [part for value in raw for part in value.split(",") if part.strip()]
    return tuple(sorted({service.resolve_coach(name).key for name in names}))


def list_query(
    service: PlanService,
    values: dict[str, str | None],
    coach: Sequence[str],
    include_deleted: bool,
    limit: int,
) -> PlanQuery:
    """``values``: date, from, to, q, ticker, order and cursor as validated strings (None when
    absent). Raises ValidationFailed on a bad date, coach or cursor."""
    date, date_from, date_to = values.get("date"), values.get("from"), values.get("to")
    q, cursor = values.get("q"), values.get("cursor")
    ascending = values.get("order") == "asc"
    return PlanQuery(
        trade_date=parse_date(date) if date else None,
        date_from=parse_date(date_from) if date_from else None,
        date_to=parse_date(date_to) if date_to else None,
        coaches=coach_filter(service, coach),
        text=q.strip() or None if q else None,
        ticker=values.get("ticker"),
        include_deleted=include_deleted,
        ascending=ascending,
        after=decode_cursor(cursor, ascending) if cursor else None,
        limit=limit,
    )


def cursor_maker(query: PlanQuery) -> Callable[[PlanVersion], str]:
    """The next_cursor of a page that ends at a plan, in the query's order."""
    return lambda last: encode_cursor(last.trade_date, last.id, query.ascending)


def plain_list_query(service: PlanService, pairs: list[tuple[str, str]]) -> PlanQuery | None:
    """The query of a list request whose parameters are all plainly valid; None when the
    route must judge them (unknown or repeated names, values out of bounds). Raises
    ValidationFailed where the route would too (a bad date, coach, cursor or character)."""
    values: dict[str, str | None] = {}
    coach: list[str] = []
    for name, value in pairs:
        check_storable(value, f"Query parameter '{name}'")
        if name == "coach":
            coach.append(value)
        elif name not in SINGLE or name in values:
            return None
        else:
            values[name] = value
    if not _plain(values) or len(coach) > MAX_COACH_VALUES:
        return None
    include_deleted = _BOOLEANS[values.pop("include_deleted", None) or "false"]
    limit = int(values.pop("limit", None) or DEFAULT_LIMIT)
    return list_query(service, values, coach, include_deleted, limit)


def _plain(values: dict[str, str | None]) -> bool:
    """Every value is one FastAPI accepts as it is: no conversion, no refusal of its own."""
    lengths_ok = all(len(values.get(name) or "") <= limit for name, limit in MAX_LENGTHS.items())
    ticker = values.get("ticker")
    limit = values.get("limit")
    return (
        lengths_ok
        and (ticker is None or _TICKER.fullmatch(ticker) is not None)
        and values.get("include_deleted", "false") in _BOOLEANS
        and values.get("order", "desc") in {"asc", "desc"}
        and (limit is None or (_LIMIT.fullmatch(limit) is not None and int(limit) <= MAX_PAGE))
    )
