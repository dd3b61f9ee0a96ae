"""Transfer test fixtures: a clean environment and working folder for the CLI, the logging
configuration put back after each command, and old-system files (see transfer_support)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from transfer_support import standard_plans, write_old_db, write_old_json

from coachplans.logging import clear_secrets
from coachplans.settings import LEGACY_ENV, TOP_LEVEL_ENV


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [*LEGACY_ENV, *TOP_LEVEL_ENV]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("COACHPLANS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    clear_secrets()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    return write_old_db(tmp_path / "old_system.db", standard_plans())


@pytest.fixture
def old_json(tmp_path: Path) -> Path:
    return write_old_json(tmp_path / "old_dump.json")
