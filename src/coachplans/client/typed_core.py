"""The typed client's behaviour, written once for the sync and async clients: v1 requests,
answers parsed into models, error answers raised as typed errors, and the paging range fetch.
Operations are generators over ``Call``/``Outcome`` (see calls.py).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from coachplans.client.cache import TradingDay
from coachplans.client.calls import Call, Failure, Operation, Outcome, json_body
from coachplans.client.compat_core import DateLike
from coachplans.client.consensus_models import Consensus
from coachplans.client.errors import ClientError, ServerUnavailableError, error_for_status
from coachplans.client.metrics import ClientMetrics
from coachplans.client.models import Coach, Health, Plan, PlanPage, Revision
from coachplans.client.plan_pages import read_page
from coachplans.contract import plan_etag

M = TypeVar("M", bound=BaseModel)
MAX_PAGE = 1000
V1 = "/api/v1"
ChartFile = bytes | tuple[str | None, bytes]  # the image bytes, or (filename, bytes)
IfMatch = int | str | Plan | None  # a version number, an ETag, or the plan you read


class _Coaches(BaseModel):
    coaches: list[Coach]


class _Revisions(BaseModel):
    revisions: list[Revision]


def _segment(value: str) -> str:
    return quote(value.strip(), safe="")


def _chart(item: ChartFile) -> dict[str, Any]:
    filename, data = (None, item) if isinstance(item, bytes) else item
    return {"filename": filename, "data_base64": base64.b64encode(data).decode("ascii")}


def if_match_header(plan_id: int, value: IfMatch) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Plan):
        tag = value.etag
    elif isinstance(value, int):
        tag = plan_etag(plan_id, value)
    else:
        tag = value
    return (("If-Match", tag),)


class TypedCore:
    def __init__(self, trading_day: TradingDay, metrics: ClientMetrics, page_size: int = MAX_PAGE):
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}")
        self.trading_day = trading_day
        self.metrics = metrics
        self.page_size = page_size

    def day(self, value: DateLike) -> str:
        if value is None:
            return self.trading_day.today()
        return value if isinstance(value, str) else value.isoformat()[:10]

    # -- reads -----------------------------------------------------------------------------

    def get_plan(self, coach: str, day: DateLike) -> Operation[Plan | None]:
        path = f"{V1}/coaches/{_segment(coach)}/plans/{_segment(self.day(day))}"
        outcome = yield Call("GET", path)
        if isinstance(outcome, httpx.Response) and outcome.status_code == 404:
            body = json_body(outcome)
            message = body.get("message", "") if isinstance(body, dict) else ""
            if isinstance(message, str) and message.startswith("No plan for"):
                self.metrics.answered(True)
                return None
        return self._model(outcome, Plan)

    def get_plan_by_id(self, plan_id: int) -> Operation[Plan]:
        return self._model((yield Call("GET", f"{V1}/plans/{int(plan_id)}")), Plan)

    def list_plans(self, params: Sequence[tuple[str, str]]) -> Operation[PlanPage]:
        outcome = yield Call("GET", f"{V1}/plans", tuple(params))
        if isinstance(outcome, httpx.Response) and outcome.status_code == 200:
            page = read_page(outcome.content)
            if page is not None:
                self.metrics.answered(True)
                return page
        return self._model(outcome, PlanPage)

    def plans_for_date(self, day: DateLike) -> Operation[dict[str, Plan]]:
        params = (("date", self.day(day)), ("order", "asc"), ("limit", str(MAX_PAGE)))
        page = yield from self.list_plans(params)
        return {plan.coach: plan for plan in page.plans}

    def plan_range(
        self, start: DateLike, end: DateLike, coaches: Iterable[str] | None
    ) -> Operation[list[Plan]]:
        """Every live plan from ``start`` to ``end`` inclusive, oldest first, page by page."""
        base = [("from", self.day(start)), ("to", self.day(end)), ("order", "asc")]
        base += [("coach", coach) for coach in coaches or ()]
        base.append(("limit", str(self.page_size)))
        plans: list[Plan] = []
        cursor: str | None = None
        while True:
            params = [*base, ("cursor", cursor)] if cursor else base
            page = yield from self.list_plans(params)
            plans.extend(page.plans)
            if page.next_cursor is None or not page.plans:
                return plans
            cursor = page.next_cursor

    def consensus(
        self, ticker: str, day: DateLike, start: DateLike, end: DateLike
    ) -> Operation[Consensus]:
        span = [("from", self.day(start)), ("to", self.day(end))] if start or end else []
        params = [("ticker", ticker.strip()), *(span or [("date", self.day(day))])]
        return self._model((yield Call("GET", f"{V1}/consensus", tuple(params))), Consensus)

    def revisions(self, plan_id: int) -> Operation[list[Revision]]:
        outcome = yield Call("GET", f"{V1}/plans/{int(plan_id)}/revisions")
        return self._model(outcome, _Revisions).revisions

    def coaches(self) -> Operation[list[Coach]]:
        return self._model((yield Call("GET", f"{V1}/coaches")), _Coaches).coaches

    def health(self) -> Operation[Health]:
        outcome = yield Call("GET", "/health", answer_statuses=frozenset({503}))
        return self._model(outcome, Health, ok=(200, 503))

    # -- writes (bearer token) -------------------------------------------------------------

    def post_plan(
        self,
        coach: str,
        text: str,
        day: DateLike,
        charts: Sequence[ChartFile],
        channel: str | None,
    ) -> Operation[Plan]:
        body: dict[str, Any] = {"coach": coach, "text": text, "charts": [_chart(c) for c in charts]}
        if day is not None:
            body["date"] = self.day(day)
        if channel is not None:
            body["channel"] = channel
        outcome = yield Call("POST", f"{V1}/plans", body=body, idempotent=False)
        return self._model(outcome, Plan, ok=(200, 201))

    def change_plan(
        self, method: str, plan_id: int, suffix: str, if_match: IfMatch, body: Any = None
    ) -> Operation[Plan]:
        """Edit (PATCH), delete (DELETE) or restore (POST .../restore) a plan."""
        call = Call(
            method, f"{V1}/plans/{int(plan_id)}{suffix}",
            headers=if_match_header(plan_id, if_match), body=body, idempotent=False,
        )  # fmt: skip
        return self._model((yield call), Plan)

    # -- interpreting outcomes -------------------------------------------------------------

    def _model(self, outcome: Outcome, model: type[M], ok: tuple[int, ...] = (200,)) -> M:
        if isinstance(outcome, Failure):
            self.metrics.answered(False)
            raise ServerUnavailableError(f"server unreachable: {outcome.reason}")
        if outcome.status_code not in ok:
            self.metrics.answered(False)
            raise error_for_status(outcome.status_code, json_body(outcome))
        try:
            parsed = model.model_validate_json(outcome.content)
        except ValidationError as exc:
            self.metrics.answered(False)
            raise ClientError(
                f"unexpected answer from {outcome.request.url.path}: {exc.error_count()} "
                f"problem(s), first: {exc.errors()[0]['msg']}",
                status=outcome.status_code,
            ) from exc
        self.metrics.answered(True)
        return parsed
