"""The sans-I/O seam between the clients' shared core and the network.

Every client operation is written once, as a generator that yields the HTTP ``Call`` it needs
and receives its ``Outcome`` (the final response after retries, or a ``Failure`` when the
server could not be reached). The sync clients drive it with :func:`drive`, the async clients
with :func:`drive_async`; only the runner that turns a call into an outcome differs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request as the core wants it; the runner adds retries and logging."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None  # JSON
    idempotent: bool = True  # False: retried only when the server surely did not act
    answer_statuses: frozenset[int] = frozenset()  # retryable statuses that are an answer here

    def describe(self) -> str:
        query = "&".join(f"{name}={value}" for name, value in self.params)
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


@dataclass(frozen=True, slots=True)
class Failure:
    """The server could not be reached, or the exchange broke, after every retry."""

    reason: str
    exception: BaseException | None = None


Outcome = httpx.Response | Failure
Operation = Generator[Call, Outcome, T]


def drive(operation: Operation[T], send: Callable[[Call], Outcome]) -> T:
    """Run an operation with a blocking ``send``."""
    try:
        call = next(operation)
        while True:
            call = operation.send(send(call))
    except StopIteration as done:
        result: T = done.value
        return result


async def drive_async(operation: Operation[T], send: Callable[[Call], Awaitable[Outcome]]) -> T:
    """Run an operation with an awaitable ``send``."""
    try:
        call = next(operation)
        while True:
            call = operation.send(await send(call))
    except StopIteration as done:
        result: T = done.value
        return result


def describe_error(exc: BaseException) -> str:
    """A short reason for a log line or a fallback answer: the type and its message."""
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON of a response, or None when it is not JSON."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None
