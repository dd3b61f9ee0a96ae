"""The compatibility facade's behaviour, written once for the sync and async clients:
request building, the cache rules, response interpretation and the fallback answers of
SPEC §7.1. Operations are generators over ``Call``/``Outcome`` (see calls.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx

from coachplans.client.cache import Entry, Key, PlanCache, TradingDay
from coachplans.client.calls import Call, Operation, Outcome, json_body
from coachplans.client.errors import message_of
from coachplans.client.metrics import ClientMetrics
from coachplans.contract import coach_key

log = logging.getLogger("coachplans.client")

ALL = "*all*"  # the cache key's coach part for fetch_all_coach_plans
NO_PLAN_PREFIX = "No plan available for "
PLAN_PATH = "/api/coach-plans/"
ALL_PATH = "/api/coach-plans/all"
Body = dict[str, Any]
DateLike = str | date | None


class PlansUnavailable(dict[str, Any]):
    """What ``fetch_all_coach_plans`` returns when the server could not answer: an empty
    mapping (no coach has a plan, as far as the caller can tell, so loops over it do nothing)
    that carries the reason in ``.error``."""

    def __init__(self, error: str):
        super().__init__()
        self.error = error


def plan_fallback(coach: str, reason: str) -> Body:
    return {
        "plan": f"Error fetching plan for coach {coach}: {reason}",
        "charts": [],
        "error": reason,
    }


def refused_plan(coach: str, body: Body) -> Body:
    """The server's answer to a bad request, with the ``plan`` and ``charts`` keys every
    answer of ``fetch_coach_plan`` has (old callers index them)."""
    return {**plan_fallback(coach, message_of(body)), **body}


def copy_plan(body: Body) -> Body:
    """A copy the caller may change without changing the cache."""
    copied = dict(body)
    charts = copied.get("charts")
    if type(charts) is list:
        copied["charts"] = charts.copy()
    return copied


def copy_all(body: Body) -> Body:
    return {k: copy_plan(v) if type(v) is dict else v for k, v in body.items()}


def http_reason(response: httpx.Response, body: Any) -> str:
    status = response.status_code
    if status < 300 or status == 304:
        kind = response.headers.get("content-type", "no content type")
        return f"unexpected answer (HTTP {status}, {kind})"
    detail = message_of(body) if isinstance(body, dict) else response.reason_phrase
    return f"HTTP {status}: {detail}"


def is_refusal(status: int) -> bool:
    """A 4xx other than 429: the server's answer, not a transient failure."""
    return 400 <= status < 500 and status != 429


def _if_none_match(stale: Entry | None) -> tuple[tuple[str, str], ...]:
    return (("If-None-Match", stale.etag),) if stale is not None and stale.etag else ()


class CompatCore:
    def __init__(self, cache: PlanCache, metrics: ClientMetrics, trading_day: TradingDay):
        self.cache = cache
        self.metrics = metrics
        self.trading_day = trading_day

    # -- keys and the cache-hit path -------------------------------------------------------

    def day_text(self, value: DateLike) -> str:
        if isinstance(value, str):
            return value.strip() or self.trading_day.today()
        if value is None:
            return self.trading_day.today()
        if isinstance(value, datetime):
            return value.date().isoformat()
        return value.isoformat()

    def plan_key(self, coach_name: str | None, value: DateLike) -> Key:
        return (coach_key(coach_name or ""), self.day_text(value))

    def lookup(self, key: Key) -> tuple[Entry | None, bool]:
        """The cached entry and whether it may be served as is (then counted as a hit);
        otherwise the caller runs the fetch operation with the stale entry, if any."""
        entry, fresh = self.cache.lookup(key)
        if log.isEnabledFor(logging.DEBUG):
            state = "hit" if fresh else "stale" if entry else "miss"
            log.debug("cache %s %s %s", state, *key)
        return entry, fresh

    # -- operations ------------------------------------------------------------------------

    def fetch_plan(self, coach_name: str | None, key: Key, stale: Entry | None) -> Operation[Body]:
        params = (("coach", coach_name),) if coach_name is not None else ()
        call = Call("GET", PLAN_PATH, (*params, ("date", key[1])), _if_none_match(stale))
        outcome = yield call
        shown = coach_name if coach_name is not None else ""
        return self._settle(
            key, outcome, stale,
            store=lambda body, etag: self._store_plan(key, body, etag),
            fallback=lambda reason: plan_fallback(shown, reason),
            copy=copy_plan,
            refused=lambda body: refused_plan(shown, body),
        )  # fmt: skip

    def fetch_all(self, day: str, stale: Entry | None) -> Operation[Body]:
        key = (ALL, day)
        outcome = yield Call("GET", ALL_PATH, (("date", day),), _if_none_match(stale))
        return self._settle(
            key, outcome, stale,
            store=lambda body, etag: self._store_all(day, body, etag),
            fallback=PlansUnavailable,
            copy=copy_all,
        )  # fmt: skip

    def health(self) -> Operation[Body]:
        outcome = yield Call("GET", "/health", answer_statuses=frozenset({503}))
        body = self._answer(outcome, (200, 503))
        if isinstance(body, dict):
            return body
        return {"status": "unhealthy", "error": body}

    def server_metrics(self) -> Operation[Body]:
        outcome = yield Call("GET", "/metrics", answer_statuses=frozenset({503}))
        body = self._answer(outcome, (200, 503))
        return body if isinstance(body, dict) else {"error": body}

    # -- interpreting outcomes -------------------------------------------------------------

    def _answer(self, outcome: Outcome, statuses: tuple[int, ...]) -> Body | str:
        """The JSON object of an answer with one of ``statuses``, else the failure reason."""
        if not isinstance(outcome, httpx.Response):
            self.metrics.answered(False)
            return outcome.reason
        body = json_body(outcome)
        ok = outcome.status_code in statuses and isinstance(body, dict)
        self.metrics.answered(ok)
        return body if ok else http_reason(outcome, body)

    def _settle(
        self,
        key: Key,
        outcome: Outcome,
        stale: Entry | None,
        store: Callable[[Body, str | None], None],
        fallback: Callable[[str], Body],
        copy: Callable[[Body], Body],
        refused: Callable[[Body], Body] = dict,
    ) -> Body:
        if isinstance(outcome, httpx.Response):
            if outcome.status_code == 304 and stale is not None:
                return copy(self._not_modified(key, stale).body)
            body = json_body(outcome)
            if isinstance(body, dict) and outcome.status_code == 200:
                self._counted(ok=True, hit=False)
                store(body, outcome.headers.get("etag"))
                return copy(body)
            if isinstance(body, dict) and is_refusal(outcome.status_code):
                self._counted(ok=False, hit=False)  # the server's answer to a bad request
                return refused(body)
            reason = http_reason(outcome, body)
        else:
            reason = outcome.reason
        if stale is not None:
            log.warning("serving the cached answer for %s %s: %s", *key, reason)
            self._counted(ok=False, hit=True)
            return copy(stale.body)
        self._counted(ok=False, hit=False)
        return fallback(reason)

    def _counted(self, *, ok: bool, hit: bool) -> None:
        self.metrics.answered(ok)
        self.cache.record(hit)

    def _not_modified(self, key: Key, stale: Entry) -> Entry:
        self._counted(ok=True, hit=True)
        log.debug("cache revalidated %s %s", *key)
        fresh = self.cache.revalidated(key, stale)
        if key[0] == ALL:
            self._fill_coaches(key[1], fresh.body)
        return fresh

    # -- storing ---------------------------------------------------------------------------

    def _volatile(self, day: str, body: Body) -> bool:
        """May still change: today or later, or "no plan yet"."""
        if day >= self.trading_day.today() or body.get("found") is False:
            return True
        text = body.get("plan")
        return isinstance(text, str) and text.startswith(NO_PLAN_PREFIX)

    def _store_plan(self, key: Key, body: Body, etag: str | None) -> None:
        self.cache.put(key, body, etag, self._volatile(key[1], body))

    def _store_all(self, day: str, body: Body, etag: str | None) -> None:
        volatile = day >= self.trading_day.today() or not body
        self.cache.put((ALL, day), body, etag, volatile)
        self._fill_coaches(day, body)

    def _fill_coaches(self, day: str, body: Body) -> None:
        """Each coach's plan in an ``/all`` answer is what the one-coach route answers."""
        for wire, plan in body.items():
            if isinstance(plan, dict):
                key = (coach_key(wire), day)
                self.cache.put(key, plan, None, self._volatile(day, plan))

    # -- metrics ---------------------------------------------------------------------------

    def metrics_snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.cache.stats(),
            "api": self.metrics.api(),
            "cache": {
                "size": len(self.cache),
                "max_size": self.cache.max_size,
                "ttl_seconds": self.cache.ttl_seconds,
                "revalidate_after_seconds": self.cache.revalidate_after,
            },
        }
