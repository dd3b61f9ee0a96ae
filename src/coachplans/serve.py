"""Run the API on uvicorn inside the running event loop, next to the Discord bot (or the
mock one), and run the bot alone.

Shutdown is ours, not uvicorn's: SIGINT/SIGTERM set one ``stop`` event that ends the server
(stop accepting, finish in-flight requests) and every background task, and :func:`serve_api`
returns normally, so the process exits 0. (uvicorn's own handler re-raises the signal after its
graceful shutdown, which would end the process with a non-zero status.)

The bot runs as a task beside uvicorn; whatever happens to it (a rejected token, a missing
intent, a crash) is logged and shown in /health, and the API keeps serving. On shutdown the
same ``stop`` event closes the bot before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from coachplans.bot_status import BotState
from coachplans.errors import CoachPlansError
from coachplans.header_guard import guarded_protocol
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.wiring import Leadership, bot_leadership, change_feed

if TYPE_CHECKING:
    from coachplans.bot.runner import BotOutcome

log = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServeError(CoachPlansError):
    """The server could not start (address in use, application start-up failed)."""


class _Server(uvicorn.Server):
    """uvicorn without its signal handling: :func:`serve_api` owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve_api(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    *,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    sock: socket.socket | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM when ``handle_signals``), on ``sock``
    when given (a socket shared by worker processes), else on the settings' host and port.

    In mock mode the database is seeded first and, when the bot is on, a simulated bot runs
    beside the API; otherwise, with the bot on and a token, the Discord bot runs beside it.
    Raises :class:`ServeError` when the server cannot start.
    """
    stop = stop or asyncio.Event()
    sock = sock or bind_socket(settings.api.host, settings.api.port)
    settings = _with_mock_token(settings)
    try:
        warn_if_exposed(settings)
        warn_if_weak_tokens(settings)
        leadership = bot_leadership(settings)
        background = await _start_mock(settings, service, bot_state, stop, leadership)
        server = _Server(_uvicorn_config(settings, service, bot_state, stop))
        background += _start_bot(settings, service, bot_state, stop, leadership)
        with _signal_handlers(stop, server, enabled=handle_signals):
            await _run(server, sock, stop, background)
    finally:
        sock.close()


def bind_socket(host: str, port: int) -> socket.socket:
    """Listen on ``host:port`` now, so that a taken port is a clear error before anything else."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {_reason(exc)}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {_reason(exc)}") from exc
    sock.setblocking(False)
    return sock


def warn_if_exposed(settings: Settings) -> None:
    api = settings.api
    if not api.is_loopback and not api.require_read_token:
        log.warning(
            "the API listens on %s, not a loopback address, and reads need no token: anyone "
            "who can reach it can read every plan (set api.require_read_token: true to close it)",
            api.host,
        )


MIN_TOKEN_LENGTH = 16


def warn_if_weak_tokens(settings: Settings) -> None:
    """Name (never show) the API tokens short enough to be guessed."""
    weak = sorted(
        name
        for name, secret in settings.api.tokens.items()
        if len(secret.get_secret_value()) < MIN_TOKEN_LENGTH
    )
    if weak:
        log.warning(
            "API tokens %s are shorter than %d characters and could be guessed: use long random "
            "values (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
            ", ".join(map(repr, weak)),
            MIN_TOKEN_LENGTH,
        )


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _uvicorn_config(
    settings: Settings, service: PlanService, bot_state: BotState, stop: asyncio.Event
) -> uvicorn.Config:
    from coachplans.api.app import create_app

    app = create_app(settings, service, bot_state, feed=change_feed(settings))
    # Event streams end when a graceful shutdown begins: the server waits for open
    # connections before it stops.
    app.state.event_hub.close_on(stop)
    api = settings.api
    return uvicorn.Config(
        app,
        host=api.host,
        port=api.port,
        http=guarded_protocol(api.header_timeout_seconds, api.max_header_bytes),
        h11_max_incomplete_event_size=api.max_header_bytes,
        timeout_keep_alive=api.keep_alive_seconds,
        log_config=None,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


async def _run(
    server: _Server, sock: socket.socket, stop: asyncio.Event, background: list[asyncio.Task[Any]]
) -> None:
    watcher = asyncio.create_task(_stop_server_when(stop, server))
    _log_listening(sock)
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits this way when the app's start-up fails
        raise ServeError("the API failed to start (see the log above)") from exc
    finally:
        stop.set()
        await _finish([watcher, *background])
    if not server.started:
        raise ServeError("the API failed to start (see the log above)")
    log.info("coachplans stopped")


async def _stop_server_when(stop: asyncio.Event, server: _Server) -> None:
    await stop.wait()
    server.should_exit = True


def _log_listening(sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    log.info("API listening on http://%s:%s (OpenAPI docs at /docs)", shown, port)


async def _finish(tasks: list[asyncio.Task[Any]]) -> None:
    """Let background tasks end on the stop event; cancel the ones that do not."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=GRACEFUL_SHUTDOWN_SECONDS)
    for task in pending:
        task.cancel()
    for result in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(result, Exception):
            log.error("background task failed", exc_info=result)


async def serve_bot(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    *,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
) -> BotOutcome:
    """The Discord bot alone (no API) until ``stop`` or SIGINT/SIGTERM, or until it cannot run."""
    from coachplans.bot.runner import BotOutcome

    stop = stop or asyncio.Event()
    with _signal_handlers(stop, None, enabled=handle_signals):
        outcome = await _lead_bot(settings, service, bot_state, stop, bot_leadership(settings))
    if outcome is BotOutcome.STOPPED:
        log.info("coachplans bot stopped")
    return outcome


def runs_discord_bot(settings: Settings) -> bool:
    """The real bot runs unless it is off, mock mode simulates it, or there is no token."""
    return settings.run_bot and not settings.mock.enabled and settings.discord.token is not None


def _start_bot(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    stop: asyncio.Event,
    leadership: Leadership,
) -> list[asyncio.Task[Any]]:
    if not runs_discord_bot(settings):
        return []
    log.info("starting the Discord bot beside the API")
    task = _bot_beside_api(settings, service, bot_state, stop, leadership)
    return [asyncio.create_task(task, name="discord-bot")]


async def _lead_bot(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    stop: asyncio.Event,
    leadership: Leadership,
) -> BotOutcome:
    """The bot, run only while this process holds the bot lock (standby otherwise)."""
    from coachplans.bot.runner import BotOutcome, run_bot

    async def work(bot_stop: asyncio.Event) -> BotOutcome:
        return await run_bot(settings, service, bot_state, bot_stop)

    outcome = await leadership.lead(work, stop, _standby(bot_state))
    if outcome is None:  # stopped while standby
        bot_state.set("disconnected", "bot stopped")
        return BotOutcome.STOPPED
    return outcome


def _standby(bot_state: BotState) -> Callable[[str], None]:
    def on_standby(detail: str) -> None:
        bot_state.set("standby", detail)

    return on_standby


async def _bot_beside_api(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    stop: asyncio.Event,
    leadership: Leadership,
) -> None:
    """Never raises: a bot that cannot run is logged and shown in /health; the API serves on."""
    from coachplans.bot.runner import BotOutcome

    try:
        outcome = await _lead_bot(settings, service, bot_state, stop, leadership)
    except Exception:
        log.exception("the Discord bot task crashed; the API keeps serving")
        bot_state.set("disconnected", "the bot task crashed (see the log)")
        return
    if outcome is not BotOutcome.STOPPED:
        log.warning("the Discord bot is not running (%s); the API keeps serving", outcome.value)


@contextlib.contextmanager
def _signal_handlers(
    stop: asyncio.Event, server: _Server | None, *, enabled: bool
) -> Iterator[None]:
    """First SIGINT/SIGTERM: graceful stop. A second one: stop waiting for connections."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> Callable[[], None]:
        def handle() -> None:
            if stop.is_set() and server is not None:
                log.warning("second %s: not waiting for open connections", sig.name)
                server.force_exit = True
            else:
                log.info("%s received: shutting down", sig.name)
            stop.set()

        return handle

    for sig in STOP_SIGNALS if enabled else ():
        try:
            loop.add_signal_handler(sig, on_signal(sig))
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            break
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def _start_mock(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    stop: asyncio.Event,
    leadership: Leadership,
) -> list[asyncio.Task[Any]]:
    """Mock mode: seed recent trading days (idempotent, so every process may); with the bot
    on, the process that leads reports it as ``mock`` and runs the simulated bot."""
    if not settings.mock.enabled:
        return []
    from coachplans.mock import MockDiscordBot, seed_recent

    log.warning(
        "MOCK MODE: no Discord connection; seeding mock plans for the last %d trading days into %s",
        settings.mock.seed_days,
        _shown_url(settings.database.effective_url),
    )
    days = await asyncio.to_thread(seed_recent, service, settings.mock.seed_days)
    plans = sum(int(day.get("successful", 0)) for day in days)
    log.warning("MOCK MODE: %d mock plans ready over %d trading days", plans, len(days))
    if not settings.run_bot:
        return []
    every = settings.mock.simulate_every_seconds

    async def simulate(bot_stop: asyncio.Event) -> None:
        bot_state.set("mock", "simulated bot (mock mode)")
        if every is None:
            await bot_stop.wait()
            return
        log.warning("MOCK MODE: the simulated bot changes a plan every %s seconds", every)
        await MockDiscordBot(service).run(every, bot_stop)

    bot_state.set("standby", "waiting for the bot lock")
    task = leadership.lead(simulate, stop, _standby(bot_state))
    return [asyncio.create_task(task, name="mock-bot")]


def _with_mock_token(settings: Settings) -> Settings:
    if not settings.mock.enabled:
        return settings
    from coachplans.mock.token import with_mock_write_token

    return with_mock_write_token(settings)


def _shown_url(url: str) -> str:
    from coachplans.db_url import mask_url

    return mask_url(url)  # also when the password holds an '@' or sits in the query
