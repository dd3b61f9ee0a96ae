"""``coachplans api --workers N``: N API processes on one listening socket (PostgreSQL only).

The parent migrates the schema, binds the socket, then forks the workers before it opens any
database connection or thread, so nothing is shared but the socket: the kernel hands each new
connection to one of the workers. SIGINT/SIGTERM are passed on to every worker (each stops
gracefully); a worker that dies unasked is started again after a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType

from coachplans.bot_status import BotState
from coachplans.errors import ConfigError
from coachplans.serve import STOP_SIGNALS, bind_socket, serve_api
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.wiring import build_service, is_postgres, upgrade_schema

log = logging.getLogger(__name__)
RESTART_DELAY = 1.0


def serve_workers(settings: Settings, workers: int) -> int:
    """Run ``workers`` API processes until SIGINT/SIGTERM; the exit status."""
    if not is_postgres(settings.database.effective_url):
        raise ConfigError(
            "--workers needs PostgreSQL (DATABASE_URL): a SQLite database is served by one process"
        )
    upgrade_schema(settings.database.effective_url)
    sock = bind_socket(settings.api.host, settings.api.port)
    log.info("starting %d API workers on %s:%d", workers, settings.api.host, settings.api.port)
    return _Supervisor(sock, lambda: _worker(settings, sock)).run(workers)


def _worker(settings: Settings, sock: socket.socket) -> int:
    service: PlanService = build_service(settings, migrate=False)
    bot_state = BotState()
    bot_state.set("disabled")
    asyncio.run(serve_api(settings, service, bot_state, sock=sock))
    return 0


class _Supervisor:
    def __init__(self, sock: socket.socket, work: Callable[[], int]):
        self.sock = sock
        self.work = work
        self.children: dict[int, int] = {}  # pid -> worker number
        self.stopping = False

    def run(self, workers: int) -> int:
        for first in range(workers):
            self._spawn(first)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        failed = False
        try:
            while self.children:
                pid, status = os.wait()
                if pid not in self.children:
                    continue
                number = self.children.pop(pid)
                code = os.waitstatus_to_exitcode(status)
                if self.stopping:
                    failed = failed or code != 0
                    continue
                log.error(
                    "API worker %d (pid %d) exited with %d; starting it again", number, pid, code
                )
                time.sleep(RESTART_DELAY)
                if not self.stopping:
                    self._spawn(number)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.sock.close()
        return 1 if failed else 0

    def _spawn(self, number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            code = 1
            try:
                code = self.work()
            except BaseException:
                log.exception("API worker %d failed", number)
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = number

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info(
                "%s received: stopping %d API workers",
                signal.Signals(signum).name,
                len(self.children),
            )
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
