"""The retry policy: what is retried, how long to wait, and how many times (tenacity).

Retried: connection errors, timeouts, 429 and 5xx. Never: any other 4xx (the answer will not
change). A call that is not idempotent (a write) is retried only when the server surely did not
act on it: the connection was never made, or the answer was 429 or 503.

``max_retries`` counts the extra attempts: ``max_retries=3`` means at most 4 attempts, 3 waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base

from coachplans.client.calls import Call

TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
NOT_ACTED_STATUSES = frozenset({429, 503})
HINTED_STATUSES = frozenset({429, 503})

BeforeSleep = Callable[[RetryCallState], None]


def retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def should_retry_error(exc: BaseException, call: Call) -> bool:
    kinds = TRANSIENT_ERRORS if call.idempotent else NOT_SENT_ERRORS
    return isinstance(exc, kinds)


def should_retry_response(response: httpx.Response, call: Call) -> bool:
    status = response.status_code
    if status in call.answer_statuses or not retryable_status(status):
        return False
    return call.idempotent or status in NOT_ACTED_STATUSES


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    """The server's ``Retry-After`` on a 429/503, in seconds (delta or HTTP date), else None."""
    if response.status_code not in HINTED_STATUSES:
        return None
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def exponential_jitter(initial: float, maximum: float, jitter: float) -> wait_base:
    """``initial * 2**n + uniform(0, jitter)``, at most ``maximum``."""
    make: Any = wait_exponential_jitter  # either tenacity's signature type-checks
    try:
        wait: wait_base = make(multiplier=initial, max=maximum, jitter=jitter)
    except TypeError:  # tenacity before 9.2 calls the multiplier "initial"
        wait = make(initial=initial, max=maximum, jitter=jitter)
    return wait


class BackoffWait(wait_base):
    """Exponential backoff with jitter, or the server's ``Retry-After`` when it gave one
    (never more than ``retry_after_cap`` seconds)."""

    def __init__(self, initial: float, maximum: float, jitter: float, retry_after_cap: float):
        self.exponential = exponential_jitter(initial, maximum, jitter)
        self.retry_after_cap = retry_after_cap

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            result = outcome.result()
            if isinstance(result, httpx.Response):
                hinted = retry_after_seconds(result)
                if hinted is not None:
                    return min(hinted, self.retry_after_cap)
        return float(self.exponential(retry_state))


def _last_outcome(retry_state: RetryCallState) -> Any:
    """After the last attempt: its response, or its exception raised again."""
    assert retry_state.outcome is not None
    return retry_state.outcome.result()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries. Inject ``sleep``/``async_sleep`` in tests so nothing waits."""

    max_retries: int = 3
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5
    retry_after_cap: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def _options(self, call: Call, before_sleep: BeforeSleep) -> dict[str, Any]:
        errors = retry_if_exception(lambda exc: should_retry_error(exc, call))
        answers = retry_if_result(
            lambda result: (
                isinstance(result, httpx.Response) and should_retry_response(result, call)
            )
        )
        wait = BackoffWait(self.initial_wait, self.max_wait, self.jitter, self.retry_after_cap)
        return {
            "stop": stop_after_attempt(self.max_attempts),
            "wait": wait,
            "retry": errors | answers,
            "before_sleep": before_sleep,
            "retry_error_callback": _last_outcome,
        }

    def retrying(self, call: Call, before_sleep: BeforeSleep) -> Retrying:
        return Retrying(sleep=self.sleep, **self._options(call, before_sleep))

    def async_retrying(self, call: Call, before_sleep: BeforeSleep) -> AsyncRetrying:
        return AsyncRetrying(sleep=self.async_sleep, **self._options(call, before_sleep))
