"""Posting a run's decision back to Discord (SPEC §8): a webhook message with one embed
(ticker, action, date, summary), retried on transient failures with tenacity."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

log = logging.getLogger("coachplans.agents")

COLOURS = {"BUY": 0x2ECC71, "SELL": 0xE74C3C, "HOLD": 0xF1C40F}
OTHER_COLOUR = 0x5865F2
FIELD_LIMIT = 1024  # Discord's limit on an embed field value
MAX_RETRY_AFTER = 60.0
BACKOFF = wait_exponential(multiplier=0.5, max=8.0) + wait_random(0, 0.5)


class WebhookError(Exception):
    """The decision could not be posted (a refusal, or transient failures past the retries).
    The message names the webhook without its token."""


class _Transient(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.retry_after = retry_after


def redact(url: str) -> str:
    """The webhook URL without its secret: the last path segment and any query hidden."""
    parsed = httpx.URL(url)
    head, _, _token = parsed.path.rstrip("/").rpartition("/")
    return str(parsed.copy_with(path=f"{head}/***", query=None, fragment=None))


def colour(action: str) -> int:
    return COLOURS.get(action.strip().upper(), OTHER_COLOUR)


def decision_embed(ticker: str, trade_date: str, action: str, summary: str) -> dict[str, Any]:
    text = summary.strip() or "(no summary)"
    if len(text) > FIELD_LIMIT:
        text = text[: FIELD_LIMIT - 3] + "..."
    return {
        "title": f"{ticker.upper()}: {action.upper()}"[:256],
        "color": colour(action),
        "fields": [
            {"name": "Date", "value": trade_date, "inline": True},
            {"name": "Action", "value": action.upper(), "inline": True},
            {"name": "Summary", "value": text, "inline": False},
        ],
    }


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers["retry-after"]), MAX_RETRY_AFTER)
    except (KeyError, ValueError):
        return None


def _wait(state: RetryCallState) -> float:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, _Transient) and error.retry_after is not None:
        return error.retry_after
    return float(BACKOFF(state))


def _post_once(client: httpx.Client, url: str, payload: dict[str, Any], shown: str) -> None:
    response = client.post(url, json=payload)
    status = response.status_code
    if status < 300:
        return
    if status == 429 or status >= 500:
        log.warning("Discord webhook %s answered HTTP %d; retrying", shown, status)
        raise _Transient(status, _retry_after(response) if status == 429 else None)
    raise WebhookError(f"Discord webhook {shown} refused the message: HTTP {status}")


def post_decision(
    webhook_url: str,
    *,
    ticker: str,
    trade_date: str,
    action: str,
    summary: str = "",
    timeout: float = 10,
    max_retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Posts the decision as an embed; raises ``WebhookError`` on a 4xx answer or when
    connection errors, timeouts, 429 or 5xx last past ``max_retries`` retries."""
    shown = redact(webhook_url)
    payload = {"embeds": [decision_embed(ticker, trade_date, action, summary)]}
    retrying = Retrying(
        stop=stop_after_attempt(max_retries + 1),
        wait=_wait,
        retry=retry_if_exception_type((_Transient, httpx.TransportError)),
        sleep=sleep,
    )
    with httpx.Client(timeout=timeout) as client:
        try:
            retrying(_post_once, client, webhook_url, payload, shown)
        except RetryError as exc:
            error = exc.last_attempt.exception()
            reason = str(error) if isinstance(error, _Transient) else type(error).__name__
            raise WebhookError(
                f"Discord webhook {shown} failed after {max_retries + 1} attempts: {reason}"
            ) from None
