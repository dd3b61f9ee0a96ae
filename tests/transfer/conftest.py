"""Transfer test fixtures: a clean environment and working folder for the CLI, the logging
configuration put back after each command, and old-system files (see transfer_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from transfer_support import standard_plans, write_old_db, write_old_json

from live_server import isolate_settings_env, restored_logging


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_settings_env(monkeypatch, tmp_path)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield from restored_logging()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    return write_old_db(tmp_path / "old_system.db", standard_plans())


@pytest.fixture
def old_json(tmp_path: Path) -> Path:
    return write_old_json(tmp_path / "old_dump.json")
