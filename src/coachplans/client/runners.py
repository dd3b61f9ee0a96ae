"""Runners turn a core ``Call`` into an ``Outcome`` over httpx, with the retry policy.

The only code that differs between the sync and async clients: ``httpx.Client`` with
tenacity's ``Retrying``, or ``httpx.AsyncClient`` with ``AsyncRetrying``. Every attempt's
outcome is logged at INFO on ``coachplans.client``; each retry is counted.
"""

from __future__ import annotations

import logging
import time
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import Any, Self

import httpx
from tenacity import RetryCallState

from coachplans.client.calls import Call, Failure, Outcome, describe_error
from coachplans.client.metrics import ClientMetrics
from coachplans.client.retry import RetryPolicy

try:
    CLIENT_VERSION = version("coachplans")
except PackageNotFoundError:  # a source tree that was never installed
    CLIENT_VERSION = "0.0.0"

log = logging.getLogger("coachplans.client")

# What a failed exchange can raise: httpx's errors, and InvalidURL (not an HTTPError).
EXCHANGE_ERRORS = (httpx.HTTPError, httpx.InvalidURL)


def _request(http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    return http.build_request(
        call.method, call.path, params=list(call.params), headers=list(call.headers),
        json=call.body,
    )  # fmt: skip


class _Attempts:
    """Logs each attempt of one call and counts its retries."""

    def __init__(self, call: Call, policy: RetryPolicy, metrics: ClientMetrics):
        self.label = call.describe()
        self.limit = policy.max_attempts
        self.metrics = metrics
        self.number = 0
        self.started = 0.0

    def begin(self) -> None:
        self.number += 1
        self.started = time.perf_counter()

    def done(self, outcome: httpx.Response | BaseException) -> None:
        elapsed = (time.perf_counter() - self.started) * 1000
        result = outcome.status_code if isinstance(outcome, httpx.Response) else outcome
        shown = describe_error(result) if isinstance(result, BaseException) else result
        log.info(
            "%s -> %s in %.1f ms (attempt %d of %d)",
            self.label, shown, elapsed, self.number, self.limit,
        )  # fmt: skip

    def before_sleep(self, state: RetryCallState) -> None:
        self.metrics.retried()
        wait = state.next_action.sleep if state.next_action else 0.0
        log.info("%s: retrying in %.2f s", self.label, wait)


def _failure(call: Call, exc: BaseException) -> Failure:
    reason = describe_error(exc)
    log.warning("%s failed: %s", call.describe(), reason)
    return Failure(reason, exc)


class SyncRunner:
    def __init__(self, http: httpx.Client, policy: RetryPolicy, metrics: ClientMetrics):
        self.http = http
        self.policy = policy
        self.metrics = metrics

    def send(self, call: Call) -> Outcome:
        attempts = _Attempts(call, self.policy, self.metrics)
        try:
            request = _request(self.http, call)
            retrying = self.policy.retrying(call, attempts.before_sleep)
            response: httpx.Response = retrying(self._attempt, request, attempts)
        except EXCHANGE_ERRORS as exc:
            return _failure(call, exc)
        return response

    def _attempt(self, request: httpx.Request, attempts: _Attempts) -> httpx.Response:
        attempts.begin()
        try:
            response = self.http.send(request)
        except BaseException as exc:
            attempts.done(exc)
            raise
        attempts.done(response)
        return response


class AsyncRunner:
    def __init__(self, http: httpx.AsyncClient, policy: RetryPolicy, metrics: ClientMetrics):
        self.http = http
        self.policy = policy
        self.metrics = metrics

    async def send(self, call: Call) -> Outcome:
        attempts = _Attempts(call, self.policy, self.metrics)
        try:
            request = _request(self.http, call)
            retrying = self.policy.async_retrying(call, attempts.before_sleep)
            response: httpx.Response = await retrying(self._attempt, request, attempts)
        except EXCHANGE_ERRORS as exc:
            return _failure(call, exc)
        return response

    async def _attempt(self, request: httpx.Request, attempts: _Attempts) -> httpx.Response:
        attempts.begin()
        try:
            response = await self.http.send(request)
        except BaseException as exc:
            attempts.done(exc)
            raise
        attempts.done(response)
        return response


def http_options(
    base_url: str, timeout: float, token: str | None, transport: Any
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client``/``AsyncClient`` shared by every client."""
    headers = {"Accept": "application/json", "User-Agent": f"coachplans-client/{CLIENT_VERSION}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    options: dict[str, Any] = {"base_url": base_url, "timeout": timeout, "headers": headers}
    if transport is not None:
        options["transport"] = transport
    return options


class ClosesHttp:
    """``close()`` and ``with`` for a sync client holding an ``httpx.Client``."""

    _http: httpx.Client

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClosesHttp:
    """``aclose()`` and ``async with`` for an async client holding an ``httpx.AsyncClient``."""

    _http: httpx.AsyncClient

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
