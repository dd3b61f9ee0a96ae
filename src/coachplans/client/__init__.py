"""The Python client of coachplans (SPEC §7). Needs only httpx, cachetools, tenacity and
pydantic: importing it loads no server dependency.

- ``EnhancedWebhookClient`` / ``create_client``: the old system's caching client, drop-in
  (dict answers, never raises); ``AsyncEnhancedWebhookClient`` / ``create_async_client``.
- ``CoachPlansClient`` / ``AsyncCoachPlansClient``: typed, for new code (models, typed errors,
  ``plan_range`` for backtests).
- ``mock=True`` (or ``CoachPlansClient.mock()``): the mock plans offline, no server.
"""

from coachplans.client.compat import (
    AsyncEnhancedWebhookClient,
    EnhancedWebhookClient,
    create_async_client,
    create_client,
)
from coachplans.client.compat_core import PlansUnavailable
from coachplans.client.errors import (
    AuthError,
    BadRequestError,
    ClientError,
    ConflictError,
    NotFoundError,
    ServerUnavailableError,
)
from coachplans.client.models import Chart, Coach, Health, Level, Plan, PlanPage, Revision, Signal
from coachplans.client.retry import RetryPolicy
from coachplans.client.typed import AsyncCoachPlansClient, CoachPlansClient

__all__ = [
    "AsyncCoachPlansClient",
    "AsyncEnhancedWebhookClient",
    "AuthError",
    "BadRequestError",
    "Chart",
    "ClientError",
    "Coach",
    "CoachPlansClient",
    "ConflictError",
    "EnhancedWebhookClient",
    "Health",
    "Level",
    "NotFoundError",
    "Plan",
    "PlanPage",
    "PlansUnavailable",
    "RetryPolicy",
    "Revision",
    "ServerUnavailableError",
    "Signal",
    "create_async_client",
    "create_client",
]
