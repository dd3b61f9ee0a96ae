"""Test helpers shared across test folders: a real uvicorn server on loopback, and fixtures
that isolate the environment and the root logger for command-line tests."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from coachplans.logging import SecretMasker, clear_secrets
from coachplans.settings import LEGACY_ENV, TOP_LEVEL_ENV


class LiveServer:
    """uvicorn on 127.0.0.1 and a free port, in a background thread with its own event loop."""

    def __init__(self, application: Any):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def isolate_settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No coachplans setting inherited from the environment; run in an empty folder."""
    for name in [*LEGACY_ENV, *TOP_LEVEL_ENV]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("COACHPLANS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@contextlib.contextmanager
def only_our_log_handlers() -> Iterator[None]:
    """Detach the root handlers configure_logging did not install (pytest's capture), so
    that records take the path they take in a server, then put them back."""
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not any(isinstance(f, SecretMasker) for f in h.filters)]
    for handler in foreign:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in foreign:
            root.addHandler(handler)


def restored_logging() -> Iterator[None]:
    """Commands configure the root logger; put it back so later tests are unaffected."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    clear_secrets()
