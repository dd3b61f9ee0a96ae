"""Several coachplans processes on one PostgreSQL database: a fresh database per test, SSE
followers in threads that timestamp what they receive, and writes through the v1 API."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db_support import PG_ADMIN_URL

TOKEN = "scale-out-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def terminate_backends(url: str, application_name: str | None = None) -> int:
    """End the sessions of the database at ``url`` (all, or one application's), as a database
    restart would; the shared server itself keeps running."""
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            query = (
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            )
            params: dict[str, Any] = {"name": name}
            if application_name is not None:
                query += " AND application_name = :app"
                params["app"] = application_name
            return int(conn.execute(text(query), params).scalar_one())
    finally:
        admin.dispose()


@contextmanager
def connections_refused(url: str) -> Iterator[None]:
    """The database refuses new connections (as while it is down) until the block ends."""
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def write_plan(base: str, coach: str, day: str, body: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base}/api/v1/plans",
        json={"coach": coach, "date": day, "text": body},
        headers=AUTH,
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


@dataclass
class Received:
    id: int
    type: str
    data: dict[str, Any]
    at: float  # time.monotonic() when the line arrived


class SSEFollower:
    """Reads ``/api/v1/events/stream`` in a thread; every event with its arrival time."""

    def __init__(self, base: str, last_event_id: int | None = None):
        self.url = f"{base}/api/v1/events/stream"
        self.headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        self.events: list[Received] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.connected.wait(10), f"no stream from {self.url}"

    def _run(self) -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server went away: the stream ends
            self._read()

    def _read(self) -> None:
        client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        with client, client.stream("GET", self.url, headers=self.headers) as response:
            assert response.status_code == 200
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("retry:"):
                    self.connected.set()
                elif line == "" and "id" in fields:
                    self.events.append(
                        Received(
                            int(fields["id"]),
                            fields["event"],
                            json.loads(fields["data"]),
                            time.monotonic(),
                        )
                    )
                    fields = {}
                elif line and not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        return list(self.events)

    def arrival_of(self, plan_id: int, revision: int, timeout: float = 5.0) -> float | None:
        """When the event of the plan's ``revision`` arrived; None if not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                if event.data["plan_id"] == plan_id and event.data["revision"] == revision:
                    return event.at
            time.sleep(0.001)
        return None

    def close(self) -> None:
        self._stop.set()  # the thread ends at the next line (heartbeats come every 2 s)
