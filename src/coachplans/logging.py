"""Logging set-up (SPEC §10.1): stdlib logging, configured once at start.

Text lines for people, JSON lines for machines; console always, a rotating UTF-8 file when
configured. Every record carries the current HTTP request id (``request_id_var``, set by the API
middleware), registered secrets are masked on every handler, and noisy third-party loggers are
turned down. uvicorn's loggers propagate through our handlers so its lines share our format.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import math
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, quote_plus

from coachplans.settings import LoggingSettings

__all__ = [
    "JsonFormatter",
    "RequestIdFilter",
    "SecretMasker",
    "TextFormatter",
    "clear_secrets",
    "configure_logging",
    "current_request_id",
    "escape_controls",
    "info_fast",
    "mask_secrets",
    "register_secret",
    "request_id_var",
]

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "coachplans_request_id", default=None
)

NO_REQUEST_ID = "-"
MASK = "***"
MIN_SECRET_LENGTH = 4
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s] %(message)s"
NOISY_LOGGERS = ("discord.gateway", "discord.client", "httpx", "httpcore", "alembic")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

# Attributes every LogRecord has; anything else on a record came from ``extra={...}``.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "color_message",  # uvicorn's ANSI copy
    "_coachplans_line",  # see OncePerRecord
}
# Characters that could forge or hide a log line when they come from outside (a request path,
# a query, a Discord message): C0 and C1 controls, DEL, the Unicode line and paragraph
# separators, and the bidirectional overrides that reorder what a terminal shows.
_CONTROL_CODES = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]
_CONTROL_CODES += range(0x2066, 0x206A)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TEXT_ESCAPES = {
    code: _NAMED.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    for code in _CONTROL_CODES
}
_CONTROL = re.compile("[" + "".join(re.escape(chr(code)) for code in _CONTROL_CODES) + "]")
# json.dumps escapes C0 controls itself; these it leaves raw (with ensure_ascii=False).
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _CONTROL_CODES if code >= 0x7F}
_CONTINUATION = "    "  # a traceback's lines never start at column 0, where records do
_PLAIN = logging.Formatter()
_FORMATTED = "_coachplans_line"  # where OncePerRecord keeps a record's line
_LOWER_HEX = re.compile(r"%[0-9A-F]{2}")

_secrets_lock = threading.Lock()
_secrets: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole
_config_lock = threading.Lock()
_installed: list[logging.Handler] = []


def escape_controls(text: str) -> str:
    """``text`` with every control character written as a visible escape (``\\n``,
    ``\\x00``, ``\\u2028``), so that it cannot start or hide a line."""
    if _CONTROL.search(text) is None:  # the common case costs one scan
        return text
    return text.translate(_TEXT_ESCAPES)


def _indent_block(text: str) -> str:
    """A multi-line block (traceback, stack) kept readable but with every line indented, and
    any other control character escaped."""
    lines = [escape_controls(line) for line in text.split("\n")]
    return "\n".join(_CONTINUATION + line for line in lines)


def current_request_id() -> str | None:
    """The request id of the HTTP request being handled in this context, if any."""
    return request_id_var.get()


# --- secrets ------------------------------------------------------------------------------


def register_secret(value: str) -> None:
    """Mask ``value`` in every log line from now on (ignored when shorter than 4 characters)."""
    global _secrets
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        known = {*_secrets, value, *_url_encoded(value)}
        _secrets = tuple(sorted(known, key=len, reverse=True))


def _url_encoded(value: str) -> set[str]:
    """``value`` as it appears in a URL: percent-encoded (upper or lower case hex), with
    spaces as ``%20`` or ``+``."""
    forms = {quote(value, safe=""), quote_plus(value, safe="")}
    return forms | {_LOWER_HEX.sub(lambda m: m.group().lower(), form) for form in forms}


def clear_secrets() -> None:
    """Forget every registered secret (for tests)."""
    global _secrets
    with _secrets_lock:
        _secrets = ()


def mask_secrets(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in _secrets:
        text = text.replace(secret, MASK)
    return text


def _safe_message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # bad %-args: keep the text so it can still be masked and shown
        return f"{record.msg!s} (bad log arguments: {record.args!r})"


def _mask_extras(record: logging.LogRecord) -> None:
    for key, value in list(record.__dict__.items()):
        if key in _STANDARD_ATTRS or isinstance(value, int | float | bool | None):
            continue
        text = value if isinstance(value, str) else str(value)
        masked = mask_secrets(text)
        if masked != text:
            record.__dict__[key] = masked


def _mask_record(record: logging.LogRecord) -> None:
    message = _safe_message(record)
    masked = mask_secrets(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = _PLAIN.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_secrets(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_secrets(record.stack_info)
    _mask_extras(record)


class SecretMasker(logging.Filter):
    """Replaces registered secrets in a record's message, traceback and extras by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            _mask_record(record)
        return True


# --- request id and formatting ------------------------------------------------------------


def _set_request_id(record: logging.LogRecord) -> None:
    if getattr(record, "request_id", None) is None:
        record.__dict__["request_id"] = current_request_id() or NO_REQUEST_ID


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` from ``request_id_var`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _set_request_id(record)
        return True


_second: tuple[int, str] = (-1, "")  # the last whole second seen and its text


def _timestamp(created: float) -> str:
    """``2026-11-21T23:30:01.123+00:00``; the date and time up to the second are built once
    per second (building them per line was a tenth of an access line's cost)."""
    global _second
    whole = math.floor(created)
    second, prefix = _second
    if whole != second:
        prefix = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = (whole, prefix)
    return f"{prefix}.{int((created - whole) * 1000):03d}+00:00"


def _iso_timestamp(record: logging.LogRecord) -> str:
    return _timestamp(record.created)


class OncePerRecord(logging.Formatter):
    """The console and the log file share one formatter: each record is formatted once and
    the same line written to both (formatting was a third of the cost of an access line)."""

    def format(self, record: logging.LogRecord) -> str:
        done = record.__dict__.get(_FORMATTED)
        if done is not None and done[0] is self:
            text: str = done[1]
            return text
        text = self.render(record)
        record.__dict__[_FORMATTED] = (self, text)
        return text

    def render(self, record: logging.LogRecord) -> str:
        raise NotImplementedError

    def info_line(self, name: str, message: str, created: float, request_id: str | None) -> str:
        """What ``render`` makes of an INFO record of logger ``name`` with this plain message,
        made without a record (see ``info_fast``); secrets are masked here, as the filter
        would have done."""
        raise NotImplementedError


class TextFormatter(OncePerRecord):
    """``2026-11-21T23:30:01.123+00:00 INFO coachplans.api [req=abc123] message``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_timestamp(record)

    def render(self, record: logging.LogRecord) -> str:
        """One line per record: the message's control characters are escaped and a
        traceback's lines are indented, so nothing logged can pass for a record of its own."""
        _set_request_id(record)
        record.message = escape_controls(_safe_message(record))
        record.asctime = self.formatTime(record)
        text = self.formatMessage(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + _indent_block(record.exc_text)
        if record.stack_info:
            text += "\n" + _indent_block(self.formatStack(record.stack_info))
        return text

    def info_line(self, name: str, message: str, created: float, request_id: str | None) -> str:
        text = escape_controls(mask_secrets(message))
        return f"{_timestamp(created)} INFO {name} [req={request_id or NO_REQUEST_ID}] {text}"


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: _jsonable(value)
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRS
    }


class JsonFormatter(OncePerRecord):
    """One JSON object per line: timestamp, level, logger, message, request_id, extras."""

    def render(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        payload: dict[str, Any] = {
            "timestamp": _iso_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == NO_REQUEST_ID else request_id,
        }
        for key, value in _extras(record).items():
            payload.setdefault(key, value)
        self._add_exception(record, payload)
        return self._dumps(payload)

    def info_line(self, name: str, message: str, created: float, request_id: str | None) -> str:
        payload = {
            "timestamp": _timestamp(created),
            "level": "INFO",
            "logger": name,
            "message": mask_secrets(message),
            "request_id": request_id,
        }
        return self._dumps(payload)

    def _add_exception(self, record: logging.LogRecord, payload: dict[str, Any]) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc_info"] = record.exc_text
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)

    @staticmethod
    def _dumps(payload: dict[str, Any]) -> str:
        # Raw controls can only sit inside JSON strings, where a \\u escape means the same.
        line = json.dumps(payload, ensure_ascii=False, default=str)
        return line.translate(_JSON_ESCAPES) if _CONTROL.search(line) else line


# --- configuration ------------------------------------------------------------------------


class SizeRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates once the file has reached ``maxBytes``. The stdlib check formats every record
    twice and stats the path twice per line, which dominated the cost of an access-log line;
    this one asks the open stream for its position. A file may end one line past the limit.

    Lines reach the file in batches: the stream is flushed (one write system call) at most
    every ``FLUSH_SECONDS``, at once for a WARNING or worse, by ``flush()`` and on close,
    instead of once per line, which cost more than the rest of an access line under load.
    A timer thread flushes what a quiet server left in the buffer.
    """

    FLUSH_SECONDS = 0.25

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._size = 0  # bytes in the current file, kept here: see _open
        super().__init__(*args, **kwargs)
        self._dirty_since: float | None = None
        self._stopped = threading.Event()
        self._timer = threading.Thread(target=self._flush_late, name="log-file-flush", daemon=True)
        self._timer.start()

    def _open(self) -> Any:
        stream = super()._open()
        self._size = stream.tell()  # once per open: tell() on a text stream flushes it
        return stream

    def shouldRollover(self, record: logging.LogRecord) -> int:
        return int(self._full())

    def _full(self) -> bool:
        if self.stream is None:
            self.stream = self._open()
        return self.maxBytes > 0 and self._size >= self.maxBytes

    def emit(self, record: logging.LogRecord) -> None:
        """Under the handler's lock (Handler.handle)."""
        try:
            self.write_line(self.format(record), record.levelno)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def write_line(self, text: str, levelno: int) -> None:
        """The line goes into the stream's buffer; the buffer reaches the file now for a
        WARNING or worse, else within FLUSH_SECONDS. The caller holds the handler's lock."""
        if self._full():
            self.doRollover()
        if self.stream is None:
            self.stream = self._open()
        line = text + self.terminator
        self.stream.write(line)
        self._size += len(line) if line.isascii() else len(line.encode("utf-8"))
        if levelno >= logging.WARNING:
            self.stream.flush()
            self._dirty_since = None
        elif self._dirty_since is None:
            self._dirty_since = time.monotonic()

    def flush(self) -> None:
        super().flush()
        self._dirty_since = None

    def _flush_late(self) -> None:
        while not self._stopped.wait(self.FLUSH_SECONDS):
            if self._dirty_since is not None:
                self.flush()

    def close(self) -> None:
        self._stopped.set()
        super().close()  # FileHandler.close flushes and closes the stream


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Lines to stderr, flushed one by one (someone may be watching)."""

    def write_line(self, text: str, levelno: int) -> None:
        """What ``emit`` does with an already formatted line. The caller holds the lock."""
        stream = self.stream
        stream.write(text + self.terminator)
        if hasattr(stream, "flush"):  # as StreamHandler.flush asks
            stream.flush()


LineHandler = ConsoleHandler | SizeRotatingFileHandler


def _file_handler(cfg: LoggingSettings, path_text: str) -> SizeRotatingFileHandler:
    path = Path(path_text).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    max_bytes = max(1, int(cfg.max_size_mb * 1024 * 1024))
    return SizeRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=cfg.backup_count, encoding="utf-8"
    )


class _Setup(NamedTuple):
    """What configure_logging installed, for info_fast to check that it is still so."""

    handlers: list[logging.Handler]  # as root.handlers lists them
    writers: tuple[LineHandler, ...]  # the same handlers, typed
    formatter: OncePerRecord
    filters: list[logging.Filter]


_setup: _Setup | None = None


def _build_handlers(cfg: LoggingSettings) -> _Setup:
    handlers: list[LineHandler] = [ConsoleHandler(sys.stderr)]
    if cfg.file:
        handlers.append(_file_handler(cfg, cfg.file))
    formatter = JsonFormatter() if cfg.json_lines else TextFormatter()
    filters: list[logging.Filter] = [RequestIdFilter(), SecretMasker()]
    for handler in handlers:
        handler.setFormatter(formatter)
        for line_filter in filters:
            handler.addFilter(line_filter)
    return _Setup(list(handlers), tuple(handlers), formatter, filters)


def _remove_installed(root: logging.Logger) -> None:
    global _setup
    _setup = None
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()


def _direct(logger: logging.Logger) -> _Setup | None:
    """Our installed set-up when an INFO record of ``logger`` would reach exactly our handlers,
    unfiltered; None when anything else (a test's capture handler, a filter, a handler's
    level) might see or stop it."""
    setup = _setup
    if setup is None or logger.filters or logger.disabled:
        return None
    node: logging.Logger | None = logger
    while node is not None and node.parent is not None:
        if node.handlers or not node.propagate:
            return None
        node = node.parent
    if node is None or node.filters or node.handlers != setup.handlers:
        return None
    for handler in setup.handlers:
        if handler.level > logging.INFO or handler.filters != setup.filters:
            return None
    return setup


def info_fast(logger: logging.Logger, message: str) -> None:
    """``logger.info(message)`` for a hot path (one access line per request), written exactly
    as that call would write it: when the record would reach only our handlers, the line is
    made without a LogRecord and handed to each handler's stream, which costs a quarter as
    much (no record, caller lookup, filters or per-handler formatting)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    setup = _direct(logger)
    if setup is None:
        logger.handle(logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None))
        return
    line = setup.formatter.info_line(logger.name, message, time.time(), current_request_id())
    for handler in setup.writers:
        _write(handler, line, logger, message)


def _write(handler: LineHandler, line: str, logger: logging.Logger, message: str) -> None:
    lock = handler.lock  # our handlers always have one (Handler.createLock)
    assert lock is not None
    with lock:
        try:
            handler.write_line(line, logging.INFO)
        except RecursionError:
            raise
        except Exception:
            record = logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None)
            handler.handleError(record)


def _tune_third_party(root_level: int, access_log_ours: bool) -> None:
    quiet = max(logging.WARNING, root_level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        for handler in list(uvicorn_logger.handlers):
            uvicorn_logger.removeHandler(handler)
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.error").setLevel(max(logging.INFO, root_level))
    access_level = quiet if access_log_ours else max(logging.INFO, root_level)
    logging.getLogger("uvicorn.access").setLevel(access_level)


def configure_logging(cfg: LoggingSettings, *, access_log_ours: bool = True) -> None:
    """Install our handlers on the root logger, replacing any this function installed before.

    ``access_log_ours``: our API middleware logs every request, so uvicorn's access log is
    turned down to WARNING.
    """
    global _setup
    setup = _build_handlers(cfg)  # before touching anything: a bad file path changes nothing
    root = logging.getLogger()
    with _config_lock:
        _remove_installed(root)
        for handler in setup.handlers:
            root.addHandler(handler)
            _installed.append(handler)
        root.setLevel(cfg.level)
        _setup = setup
    _tune_third_party(root.level, access_log_ours)
