"""A write token for mock mode, so that the API's writes can be tried at once: when no
API_TOKENS are set, one is made for this run (named ``mock``) and printed at start."""

from __future__ import annotations

import logging
import secrets

from pydantic import SecretStr

from coachplans.settings import Settings

log = logging.getLogger("coachplans.serve")

MOCK_WRITER = "mock"  # the name writes made with the token are recorded under


def with_mock_write_token(settings: Settings) -> Settings:
    """``settings`` with a fresh write token in mock mode when none is configured."""
    if not settings.mock.enabled or settings.api.tokens:
        return settings
    token = secrets.token_urlsafe(24)
    api = settings.api.model_copy(update={"tokens": {MOCK_WRITER: SecretStr(token)}})
    # Printed on purpose (not registered as a secret): it is the way in for this run only.
    log.warning(
        "MOCK MODE: write token for this run: %s (send `Authorization: Bearer <token>`; "
        "set API_TOKENS to choose your own)",
        token,
    )
    return settings.model_copy(update={"api": api})
