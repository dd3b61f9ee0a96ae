"""Logging set-up (SPEC §10.1): formats, request ids, rotation, idempotency, third-party
loggers and secret masking."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coachplans.logging import (
    JsonFormatter,
    SecretMasker,
    TextFormatter,
    _timestamp,
    clear_secrets,
    configure_logging,
    current_request_id,
    info_fast,
    register_secret,
    request_id_var,
)
from coachplans.settings import LoggingSettings
from live_server import only_our_log_handlers

THIRD_PARTY = (
    "discord.gateway",
    "discord.client",
    "httpx",
    "httpcore",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)
TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 (?P<level>\w+) (?P<logger>\S+) "
    r"\[req=(?P<req>[^\]]+)\] (?P<message>.*)$"
)

log = logging.getLogger("coachplans.testlog")


def _ours(handler: logging.Handler) -> bool:
    return any(isinstance(f, SecretMasker) for f in handler.filters)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Undo everything configure_logging does, so other tests see logging as it was."""
    root = logging.getLogger()
    root_level = root.level
    saved = {
        name: (lg.level, lg.propagate, list(lg.handlers))
        for name in THIRD_PARTY
        for lg in [logging.getLogger(name)]
    }
    clear_secrets()
    yield
    clear_secrets()
    for handler in [h for h in root.handlers if _ours(h)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(root_level)
    for name, (level, propagate, handlers) in saved.items():
        lg = logging.getLogger(name)
        lg.setLevel(level)
        lg.propagate = propagate
        lg.handlers[:] = handlers


def _configure(path: Path, **overrides: Any) -> Path:
    fields: dict[str, Any] = {"file": str(path), "level": "INFO"} | overrides
    configure_logging(LoggingSettings(**fields))
    return path


def _lines(path: Path) -> list[str]:
    """The file's lines once what the handlers hold is written (see SizeRotatingFileHandler)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8").splitlines()


def _with_request_id(request_id: str, message: str) -> None:
    token = request_id_var.set(request_id)
    try:
        log.info(message)
    finally:
        request_id_var.reset(token)


# --- text lines ---------------------------------------------------------------------------


def test_text_lines_carry_level_logger_message_and_request_id(tmp_path: Path) -> None:
    path = _configure(tmp_path / "logs" / "app.log")  # parent directory is created
    _with_request_id("abc123", "plan received")
    log.warning("outside a request")
    first, second = (TEXT_LINE.match(line) for line in _lines(path))
    assert first is not None and second is not None
    assert first.group("level", "logger", "req", "message") == (
        "INFO",
        "coachplans.testlog",
        "abc123",
        "plan received",
    )
    assert second.group("level", "req", "message") == ("WARNING", "-", "outside a request")


def test_console_always_gets_the_same_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LoggingSettings(level="INFO"))  # no file
    _with_request_id("req-console", "to the console")
    err = capsys.readouterr().err.splitlines()
    matches = [m for m in map(TEXT_LINE.match, err) if m and m.group("req") == "req-console"]
    assert [m.group("message") for m in matches] == ["to the console"]
    assert not list(tmp_path.iterdir())


def test_level_comes_from_settings(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", level="WARNING")
    log.info("hidden")
    log.warning("shown")
    assert logging.getLogger().level == logging.WARNING
    assert [line.rsplit(" ", 1)[-1] for line in _lines(path)] == ["shown"]
    path = _configure(tmp_path / "app.log", level="DEBUG")
    log.debug("debug now")
    assert _lines(path)[-1].endswith("DEBUG coachplans.testlog [req=-] debug now")


def test_exception_text_line_has_the_traceback(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError:
        log.exception("write failed")
    text = path.read_text(encoding="utf-8")
    assert "ERROR coachplans.testlog [req=-] write failed" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: disk on fire" in text


# --- JSON lines ---------------------------------------------------------------------------


def test_json_lines_have_the_keys_and_extras(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", json_lines=True)
    marker = object()
    _with_request_id("r-42", "inside a request")
    log.info(
        "plan received for %s",
        "coach_d",
        extra={"coach": "d", "charts": 3, "tags": ["a", "b"], "obj": marker, "nan": float("nan")},
    )
    inside, outside = (json.loads(line) for line in _lines(path))
    assert (inside["message"], inside["request_id"]) == ("inside a request", "r-42")
    assert set(outside) >= {"timestamp", "level", "logger", "message", "request_id"}
    assert outside["level"] == "INFO"
    assert outside["logger"] == "coachplans.testlog"
    assert outside["message"] == "plan received for coach_d"
    assert outside["request_id"] is None
    assert (outside["coach"], outside["charts"], outside["tags"]) == ("d", 3, ["a", "b"])
    assert outside["obj"] == str(marker)
    assert outside["nan"] == "nan"
    stamp = datetime.fromisoformat(outside["timestamp"])
    assert stamp.utcoffset() == timedelta(0)
    assert "exc_info" not in outside


def test_json_exception_is_one_line_with_the_traceback(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", json_lines=True)
    try:
        raise ValueError("bad chart id\nsecond line")
    except ValueError:
        log.exception("ingest failed")
    lines = _lines(path)
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "ERROR"
    assert record["message"] == "ingest failed"
    assert "Traceback" in record["exc_info"]
    assert "ValueError: bad chart id\nsecond line" in record["exc_info"]


def test_json_keeps_unicode_and_one_record_per_line(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", json_lines=True)
    message = "Plan für Montag — 买入 🚀\nzweite Zeile\u2028dritte"
    log.info(message, extra={"coach_name": "Coach Ü"})
    raw = "\n".join(_lines(path)) + "\n"
    assert "für Montag — 买入 🚀" in raw  # not \u-escaped
    lines = raw.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["message"] == message
    assert record["coach_name"] == "Coach Ü"


# --- rotation -----------------------------------------------------------------------------


def test_file_rotates_with_the_configured_backups(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", max_size_mb=0.001, backup_count=2)
    for number in range(300):
        log.info("line %03d with ümlauts and 🚀 to fill the file up quickly", number)
    last = _lines(path)[-1]  # flushes what the handler still holds
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["app.log", "app.log.1", "app.log.2"]
    for file in tmp_path.iterdir():
        assert file.stat().st_size <= 1100  # ~1 KiB each, plus at most one line
        assert "ümlauts and 🚀" in file.read_bytes().decode("utf-8")
    assert last.endswith("line 299 with ümlauts and 🚀 to fill the file up quickly")


# --- configuration ------------------------------------------------------------------------


def test_configuring_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    _configure(path)
    log.info("once")
    lines = _lines(path)
    assert len(lines) == 1
    assert lines[0].endswith("INFO coachplans.testlog [req=-] once")
    assert len([h for h in logging.getLogger().handlers if _ours(h)]) == 2


def test_reconfiguring_replaces_the_file(tmp_path: Path) -> None:
    old = _configure(tmp_path / "old.log")
    new = _configure(tmp_path / "new.log")
    log.info("after the switch")
    assert old.read_text(encoding="utf-8") == ""
    assert _lines(new)[-1].endswith("after the switch")


def test_noisy_loggers_are_turned_down(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", level="DEBUG")
    for name in ("discord.gateway", "discord.client", "httpx", "httpcore", "uvicorn.access"):
        assert logging.getLogger(name).level == logging.WARNING, name
    logging.getLogger("httpx").info("HTTP Request: GET https://example.test")
    logging.getLogger("discord.gateway").warning("gateway reconnecting")
    assert [line.split(" [req=-] ")[1] for line in _lines(path)] == ["gateway reconnecting"]


def test_uvicorn_access_stays_on_when_not_ours(tmp_path: Path) -> None:
    _configure(tmp_path / "app.log")
    assert logging.getLogger("uvicorn.access").level == logging.WARNING
    configure_logging(LoggingSettings(file=str(tmp_path / "app.log")), access_log_ours=False)
    assert logging.getLogger("uvicorn.access").level == logging.INFO


def test_uvicorn_error_propagates_through_our_handlers(tmp_path: Path) -> None:
    uvicorn_error = logging.getLogger("uvicorn.error")
    foreign = logging.StreamHandler()
    uvicorn_error.addHandler(foreign)
    uvicorn_error.propagate = False
    logging.getLogger("uvicorn").addHandler(foreign)
    path = _configure(tmp_path / "app.log")
    assert uvicorn_error.level == logging.INFO
    assert uvicorn_error.propagate
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert logging.getLogger(name).handlers == [], name
        assert logging.getLogger(name).propagate, name
    uvicorn_error.info("Started server process [%d]", 123, extra={"color_message": "x"})
    match = TEXT_LINE.match(_lines(path)[-1])
    assert match is not None
    assert match.group("logger", "message") == ("uvicorn.error", "Started server process [123]")


# --- secrets ------------------------------------------------------------------------------


SECRET = "MTIzNDU2Nzg5.discord-bot-token"


def test_registered_secrets_never_reach_the_file(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    register_secret(SECRET)
    log.info("connecting with %s", SECRET)
    log.info("token=" + SECRET, extra={"url": f"https://x.test/?token={SECRET}"})
    try:
        raise ConnectionError(f"rejected {SECRET}")
    except ConnectionError:
        log.exception("login failed")
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "connecting with ***" in text
    assert "token=***" in text
    assert "ConnectionError: rejected ***" in text


def test_secrets_are_masked_in_json_before_escaping(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", json_lines=True)
    secret = 'pa"ss\\wörd'
    register_secret(secret)
    log.warning("db password is %s", secret, extra={"dsn": f"postgresql://u:{secret}@h/db"})
    record = json.loads(_lines(path)[0])
    assert record["message"] == "db password is ***"
    assert record["dsn"] == "postgresql://u:***@h/db"
    assert "wörd" not in path.read_text(encoding="utf-8")


def test_short_values_are_not_secrets_and_clear_forgets(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    register_secret("abc")  # too short: masking it would mangle ordinary words
    register_secret("hunter22")
    log.info("abc hunter22")
    clear_secrets()
    log.info("again hunter22")
    first, second = (line.split(" [req=-] ")[1] for line in _lines(path))
    assert first == "abc ***"
    assert second == "again hunter22"


def test_a_longer_secret_containing_a_shorter_one_is_masked_whole(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    register_secret("token")
    register_secret("token-and-more")
    log.info("value token-and-more")
    assert _lines(path)[0].endswith("value ***")


# --- request ids across contexts ----------------------------------------------------------


def test_request_ids_are_per_context(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")

    def handle(request_id: str) -> str | None:
        request_id_var.set(request_id)
        log.info("handling %s", request_id)
        return current_request_id()

    seen = [contextvars.copy_context().run(handle, rid) for rid in ("req-1", "req-2")]
    assert seen == ["req-1", "req-2"]
    assert current_request_id() is None
    matches = [TEXT_LINE.match(line) for line in _lines(path)]
    assert [(m.group("req"), m.group("message")) for m in matches if m] == [
        ("req-1", "handling req-1"),
        ("req-2", "handling req-2"),
    ]


async def test_request_ids_are_per_asyncio_task(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    both_set = asyncio.Barrier(2)

    async def handle(request_id: str) -> None:
        request_id_var.set(request_id)
        await both_set.wait()  # both tasks have set their id before either logs
        log.info("handling %s", request_id)

    await asyncio.gather(handle("task-a"), handle("task-b"))
    matches = [TEXT_LINE.match(line) for line in _lines(path)]
    pairs = sorted((m.group("req"), m.group("message")) for m in matches if m)
    assert pairs == [("task-a", "handling task-a"), ("task-b", "handling task-b")]


# --- control characters from outside ------------------------------------------------------

FORGED = "/x\n2026-11-21T23:30:01.123+00:00 WARNING coachplans.api.auth [req=-] forged"


def test_text_lines_escape_control_characters(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    log.info("GET %s 404", FORGED + "\r\x00\x1b[31m\x85\u2028\u202e\t")
    lines = _lines(path)
    assert len(lines) == 1
    assert "WARNING" not in [m.group("level") for m in map(TEXT_LINE.match, lines) if m]
    raw = "\n".join(_lines(path)) + "\n"
    for char in "\r\x00\x1b\x85\u2028\u202e\t":
        assert char not in raw, repr(char)
    assert lines[0].endswith(
        "GET /x\\n2026-11-21T23:30:01.123+00:00 WARNING coachplans.api.auth [req=-] forged"
        "\\r\\x00\\x1b[31m\\x85\\u2028\\u202e\\t 404"
    )


def test_text_tracebacks_cannot_start_a_line_of_their_own(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    try:
        raise ValueError("bad chart id" + FORGED + "\r\x1b[2J")
    except ValueError:
        log.exception("ingest failed")
    first, *rest = _lines(path)
    assert TEXT_LINE.match(first)
    assert rest and all(line.startswith("    ") for line in rest), rest
    assert "\r" not in path.read_text(encoding="utf-8")
    assert "\x1b" not in path.read_text(encoding="utf-8")


def test_json_lines_escape_every_control_character(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log", json_lines=True)
    value = FORGED + "\r\x00\x1b\x7f\x85\x9b\u2028\u2029\u202e"
    log.info("GET %s", value, extra={"path": value})
    raw = "\n".join(_lines(path)) + "\n"
    for char in "\n\r\x00\x1b\x7f\x85\x9b\u2028\u2029\u202e":
        assert char not in raw.rstrip("\n"), repr(char)
    record = json.loads(raw)
    assert record["message"] == f"GET {value}"
    assert record["path"] == value


def test_secrets_are_masked_url_encoded_too(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    secret = "ab/cd+ef gh=ij"
    register_secret(secret)
    log.info("GET /x?q=ab%2Fcd%2Bef+gh%3Dij&r=ab%2fcd%2bef%20gh%3dij")
    assert _lines(path)[0].endswith("GET /x?q=***&r=***")


@pytest.mark.parametrize("json_lines", [False, True])
def test_a_record_is_formatted_once_for_console_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, json_lines: bool
) -> None:
    formatter_class = JsonFormatter if json_lines else TextFormatter
    calls: list[str] = []
    real_render = formatter_class.render

    def counting(self: Any, record: logging.LogRecord) -> str:
        calls.append(record.getMessage())
        return real_render(self, record)

    monkeypatch.setattr(formatter_class, "render", counting)
    path = _configure(tmp_path / "app.log", json_lines=json_lines)
    log.warning("once %s", "only")
    assert calls == ["once only"]
    (line,) = _lines(path)
    assert "once only" in line
    assert "_coachplans_line" not in line  # the cached line is no extra of the record


def test_file_lines_are_batched_but_reach_the_file_soon(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    log.info("one")
    log.info("two")
    assert path.read_text(encoding="utf-8") == ""  # buffered: no write per line
    deadline = time.monotonic() + 5
    while path.read_text(encoding="utf-8").count("\n") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [line.split()[-1] for line in path.read_text(encoding="utf-8").splitlines()] == [
        "one", "two",
    ]  # fmt: skip


def test_a_warning_reaches_the_file_at_once(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    log.info("before")
    log.warning("now")
    assert path.read_text(encoding="utf-8").splitlines()[-1].endswith("now")


# --- info_fast: the access line's path ----------------------------------------------------

NOW = 1764450271.25  # a fixed clock, so that two paths can be compared byte for byte


@pytest.mark.parametrize("json_lines", [False, True])
def test_info_fast_writes_what_logger_info_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, json_lines: bool
) -> None:
    path = _configure(tmp_path / "app.log", json_lines=json_lines)
    register_secret("tok-secret-1")
    made: list[str] = []
    real_make = logging.Logger.makeRecord
    monkeypatch.setattr(time, "time", lambda: NOW)

    def counting(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        made.append(self.name)
        return real_make(self, *args, **kwargs)

    message = "GET /x\n2026 WARNING forged?token=tok-secret-1 100% \u202e 200 1.5ms"
    token = request_id_var.set("req-fast")
    try:
        with only_our_log_handlers():
            monkeypatch.setattr(logging.Logger, "makeRecord", counting)
            info_fast(log, message)
            monkeypatch.setattr(logging.Logger, "makeRecord", real_make)
            log.info(message)
    finally:
        request_id_var.reset(token)
    assert made == []  # no record: the direct path was taken
    fast, slow = _lines(path)
    assert fast == slow
    assert "tok-secret-1" not in fast and "\n" not in fast and "\u202e" not in fast


def test_info_fast_still_reaches_any_other_handler(tmp_path: Path) -> None:
    path = _configure(tmp_path / "app.log")
    seen: list[str] = []
    catcher = logging.Handler()
    catcher.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    with only_our_log_handlers():
        logging.getLogger().addHandler(catcher)
        try:
            info_fast(log, "to every handler")
        finally:
            logging.getLogger().removeHandler(catcher)
        log.setLevel(logging.WARNING)
        try:
            info_fast(log, "below the level")
        finally:
            log.setLevel(logging.NOTSET)
    assert seen == ["to every handler"]
    assert [line.split("] ")[1] for line in _lines(path)] == ["to every handler"]


@pytest.mark.parametrize(
    "moment", [0.0, 1.0005, 1764450271.999, 1764450272.0004, 1767225599.9991, 4102444800.5]
)
def test_timestamps_are_iso_8601_with_milliseconds(moment: float) -> None:
    expected = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
    assert _timestamp(moment) == expected
    assert _timestamp(moment + 1) != expected  # the cached second moves on
