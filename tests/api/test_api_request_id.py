"""X-Request-ID (SPEC §10.1): generated, honoured, sanitised, and on every log line of a
request."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import DAY_TEXT, each

from coachplans.logging import configure_logging
from coachplans.service import PlanService
from coachplans.settings import LoggingSettings

GENERATED = re.compile(r"^[0-9a-f]{12}-[0-9a-f]+$")
TOUCHED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore")


async def test_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await client.get("/")
    second = await client.get("/")
    assert GENERATED.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_honoured_when_sent(client: httpx.AsyncClient) -> None:
    async def check(sent: str) -> None:
        response = await client.get("/health", headers={"X-Request-ID": sent})
        assert response.headers["x-request-id"] == sent

    await each(
        ["abc-123", "req.42:retry_1", "0f8fad5b-d9cb-469f-a165-70867728950e", "A" * 128], check
    )


async def test_garbage_replaced(client: httpx.AsyncClient) -> None:
    garbage = [
        "A" * 129,
        "has space",
        "semi;colon",
        "<script>",
        "back\\slash",
        'quote"d',
        "é-accent",
        "",
    ]

    async def check(value: str) -> None:
        response = await client.get("/", headers=[(b"X-Request-ID", value.encode("latin-1"))])
        assert response.status_code == 200
        returned = response.headers["x-request-id"]
        assert returned != value
        assert GENERATED.match(returned)

    await each(garbage, check)


async def test_present_on_errors(client: httpx.AsyncClient) -> None:
    for url in ("/nope", "/api/coach-plans/?coach=zz", "/api/v1/plans/999"):
        response = await client.get(url, headers={"X-Request-ID": "err-id"})
        assert response.status_code >= 400
        assert response.headers["x-request-id"] == "err-id"


@pytest.fixture
def json_log(tmp_path: Path) -> Iterator[Path]:
    """Our JSON-lines logging into a file for the test; logging put back as it was after."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (lg.level, lg.propagate, list(lg.handlers))
        for name in TOUCHED_LOGGERS
        for lg in [logging.getLogger(name)]
    }
    path = tmp_path / "coachplans.jsonl"
    configure_logging(LoggingSettings(level="INFO", json_lines=True, file=str(path)))
    yield path
    for handler in list(root.handlers):
        if handler not in saved_root[1]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(saved_root[0])
    for name, (level, propagate, handlers) in saved.items():
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.propagate = propagate
        for handler in handlers:
            if handler not in lg.handlers:
                lg.addHandler(handler)


def read_lines(path: Path) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


async def test_every_log_line_of_a_request_carries_its_id(
    client: httpx.AsyncClient,
    service: PlanService,
    monkeypatch: pytest.MonkeyPatch,
    json_log: Path,
) -> None:
    inner = logging.getLogger("coachplans.service")
    real_list_versions = service.list_versions

    def logged_list_versions(query: Any) -> Any:
        inner.info("looking up coach=%s", query.coaches[0])
        inner.warning("a second line from inside the service")
        return real_list_versions(query)

    monkeypatch.setattr(service, "list_versions", logged_list_versions)
    url = f"/api/coach-plans/?coach=d&date={DAY_TEXT}"
    sent = await client.get(url, headers={"X-Request-ID": "trace-abc-1"})
    generated = await client.get(url.replace("coach=d", "coach=i"))
    generated_id = generated.headers["x-request-id"]
    assert sent.headers["x-request-id"] == "trace-abc-1"

    lines = read_lines(json_log)
    mine = [line for line in lines if line["request_id"] == "trace-abc-1"]
    theirs = [line for line in lines if line["request_id"] == generated_id]
    for group, coach in ((mine, "d"), (theirs, "i")):
        loggers = [line["logger"] for line in group]
        assert loggers.count("coachplans.service") == 2, group
        assert "coachplans.api.access" in loggers, group
        assert any(line["message"] == f"looking up coach={coach}" for line in group)
        access = next(line for line in group if line["logger"] == "coachplans.api.access")
        assert "GET /api/coach-plans/" in access["message"]
        assert " 200 " in access["message"]
    # no line of either request went out without an id or with the other's id
    service_lines = [line for line in lines if line["logger"] == "coachplans.service"]
    assert len(service_lines) == 4
    assert {line["request_id"] for line in service_lines} == {"trace-abc-1", generated_id}


async def test_error_traceback_line_carries_the_id(
    client: httpx.AsyncClient,
    service: PlanService,
    monkeypatch: pytest.MonkeyPatch,
    json_log: Path,
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(service, "history", explode)
    response = await client.get(
        f"/api/coach-plans/history?coach=d&date={DAY_TEXT}", headers={"X-Request-ID": "oops-9"}
    )
    assert response.status_code == 500
    lines = [line for line in read_lines(json_log) if line["request_id"] == "oops-9"]
    errors = [line for line in lines if "exc_info" in line]
    assert len(errors) == 1
    assert "RuntimeError: kaboom" in errors[0]["exc_info"]
    assert errors[0]["level"] == "ERROR"
    assert any(line["logger"] == "coachplans.api.access" for line in lines)
    every_traceback = [line for line in read_lines(json_log) if "exc_info" in line]
    assert [line["request_id"] for line in every_traceback] == ["oops-9"]
