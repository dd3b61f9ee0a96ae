"""The access line of every request: values from outside cannot forge log lines, and query
values named like credentials are masked however they are encoded."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import AppFactory

from coachplans.logging import configure_logging, register_secret
from coachplans.settings import LoggingSettings
from live_server import only_our_log_handlers, restored_logging

SECRET = "ab/cd+ef secret-token-1234"
OTHER_LOGGERS = re.compile(r"^\S+ [A-Z]+ (?!coachplans\.api\.access |coachplans\.api\.auth )")
TOUCHED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore")


@pytest.fixture
def text_log(tmp_path: Path) -> Iterator[Path]:
    saved = {
        name: (lg.level, lg.propagate)
        for name in TOUCHED_LOGGERS
        for lg in [logging.getLogger(name)]
    }
    path = tmp_path / "access.log"
    restore = restored_logging()
    next(restore)
    configure_logging(LoggingSettings(level="INFO", file=str(path)))
    yield path
    for handler in logging.getLogger().handlers:
        handler.flush()
    next(restore, None)
    for name, (level, propagate) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).propagate = propagate


def access_lines(path: Path) -> list[str]:
    """The file's lines without the records of unrelated loggers (start-up lines); a forged
    ``coachplans.api.auth`` line stays in, so it would be counted."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if not OTHER_LOGGERS.match(line)]


async def test_a_forged_line_in_the_path_stays_on_the_access_line(
    make_client: AppFactory, text_log: Path
) -> None:
    _app, client, _service = await make_client()
    forged = "%0a2026-11-21T23:30:01.123+00:00%20WARNING%20coachplans.api.auth%20[req=-]%20x"
    with only_our_log_handlers():  # the access line takes the path it takes in a server
        response = await client.get(f"/nope{forged}%0d%00?q=%0a")
    assert response.status_code == 404
    lines = access_lines(text_log)
    assert len(lines) == 1, lines
    assert " INFO coachplans.api.access [req=" in lines[0]
    assert "/nope\\n2026-11-21T23:30:01.123+00:00 WARNING" in lines[0]
    assert "\\r\\x00?q=%0a 404" in lines[0]


async def test_credentials_in_the_query_are_masked_in_any_encoding(
    make_client: AppFactory, text_log: Path
) -> None:
    _app, client, _service = await make_client()
    register_secret(SECRET)
    encoded = httpx.QueryParams({"token": SECRET}).__str__()
    queries = [
        encoded,  # token=ab%2Fcd%2Bef+secret-token-1234
        "access_token=ab%2fcd%2bef%20secret-token-1234",
        "%74oken=plain-but-hidden&coach=d",
        "API_KEY=k1&password=p%40ss&secret=s&auth=a&signature=sig",
    ]
    with only_our_log_handlers():
        for query in queries:
            await client.get(f"/api/coach-plans/all?{query}")
    text = "\n".join(access_lines(text_log))
    for leaked in (
        "ab%2F",
        "ab%2f",
        "secret-token",
        "plain-but-hidden",
        "k1",
        "p%40ss",
        "=s&",
        "=a&",
        "sig 200",
    ):
        assert leaked not in text, leaked
    assert "?token=***" in text
    assert "?access_token=***" in text
    assert "?%74oken=***&coach=d" in text
    assert "?API_KEY=***&password=***&secret=***&auth=***&signature=*** " in text
