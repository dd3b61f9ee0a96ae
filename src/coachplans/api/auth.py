"""Bearer tokens: named secrets from settings, compared in constant time."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from coachplans.settings import Settings

CHALLENGE = {"WWW-Authenticate": "Bearer"}
# The dashboard keeps a read token in this cookie (HttpOnly, SameSite=Strict); it is accepted
# for reads only, never for writes.
READ_COOKIE = "coachplans_read"
SCHEME = "bearerAuth"
# Declares the scheme in /openapi.json (the Authorize button of /docs); the header itself is
# read by _bearer below, so every refusal has this module's wording.
BEARER = HTTPBearer(
    scheme_name=SCHEME,
    description="A token configured in API_TOKENS (name:secret); the name is recorded as the"
    " author of the change",
    auto_error=False,
)
Declared = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_name(settings: Settings, presented: str) -> str | None:
    """The name of the token that matches; every configured token is compared."""
    found = None
    for name, secret in settings.api.tokens.items():
        if hmac.compare_digest(secret.get_secret_value().encode(), presented.encode()):
            found = name
    return found


def require_writer(request: Request, _declared: Declared = None) -> str:
    """FastAPI dependency for write routes: returns the token's name (the actor)."""
    settings: Settings = request.app.state.settings
    if not settings.api.tokens:
        raise HTTPException(
            401, "Writes are disabled: no API tokens are configured (API_TOKENS)", headers=CHALLENGE
        )
    presented = _bearer(request)
    if presented is None:
        raise HTTPException(401, "Missing bearer token", headers=CHALLENGE)
    name = token_name(settings, presented)
    if name is None:
        raise HTTPException(401, "Invalid bearer token", headers=CHALLENGE)
    return name


async def require_reader(request: Request) -> None:
    """Reads are open unless the operator asked for tokens on reads too. ``async`` on purpose:
    a plain ``def`` dependency costs a worker-thread hop on every read."""
    if not may_read(request):
        require_writer(request)  # raises, saying whether the token is missing or wrong


def may_read(request: Request) -> bool:
    """Reads are open, or the request has a valid bearer token or dashboard cookie."""
    settings: Settings = request.app.state.settings
    if not settings.api.require_read_token:
        return True
    presented = _bearer(request) or request.cookies.get(READ_COOKIE)
    return presented is not None and token_name(settings, presented) is not None
