"""coachplans: trading coaches' daily plans from Discord, served to dashboards and agents.

Importing this package is cheap: it pulls in no server dependency (FastAPI, SQLAlchemy, uvicorn,
discord.py, pydantic-settings). The old system's names are resolved lazily on first use.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coachplans.client import (
        AsyncCoachPlansClient,
        AsyncEnhancedWebhookClient,
        CoachPlansClient,
        EnhancedWebhookClient,
        create_async_client,
        create_client,
    )
    from coachplans.legacy import ConfigManager, PlanService, StorageManager, populate_mock_data
    from coachplans.mock import MockDataProvider, MockDiscordBot

try:
    __version__ = version("coachplans")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

_LAZY: dict[str, str] = {
    "EnhancedWebhookClient": "coachplans.client",
    "AsyncEnhancedWebhookClient": "coachplans.client",
    "create_client": "coachplans.client",
    "create_async_client": "coachplans.client",
    "CoachPlansClient": "coachplans.client",
    "AsyncCoachPlansClient": "coachplans.client",
    "ConfigManager": "coachplans.legacy",
    "StorageManager": "coachplans.legacy",
    "PlanService": "coachplans.legacy",
    "populate_mock_data": "coachplans.legacy",
    "MockDataProvider": "coachplans.mock",
    "MockDiscordBot": "coachplans.mock",
}

__all__ = [
    "AsyncCoachPlansClient",
    "AsyncEnhancedWebhookClient",
    "CoachPlansClient",
    "ConfigManager",
    "EnhancedWebhookClient",
    "MockDataProvider",
    "MockDiscordBot",
    "PlanService",
    "StorageManager",
    "__version__",
    "create_async_client",
    "create_client",
    "populate_mock_data",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
