"""Read tokens for people: when the API requires a token for reads, the dashboard asks for one
in a form and keeps it in an HttpOnly, SameSite=Strict cookie that the read routes accept."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from starlette.responses import RedirectResponse, Response

from coachplans.api.auth import READ_COOKIE, require_reader, token_name
from coachplans.dashboard.render import html_response, render
from coachplans.settings import Settings

COOKIE_MAX_AGE = 30 * 24 * 3600
HOME = "/dashboard"
MAX_FORM_BYTES = 8192


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a path on this site only (no ``//host`` or ``\\``)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return HOME
    return raw


def login_page(request: Request, target: str, error: str | None = None) -> Response:
    body = render(
        "login.html",
        title="Read token required",
        next=safe_next(target),
        error=error,
    )
    return html_response(body, 401)


async def gate(request: Request) -> Response | None:
    """None when the request may read; otherwise the token form (401)."""
    try:
        await require_reader(request)
    except HTTPException:
        return login_page(request, request.url.path + _query(request))
    return None


def _query(request: Request) -> str:
    query = request.url.query
    return f"?{query}" if query else ""


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large")
    fields = parse_qs(raw.decode("utf-8", errors="replace"), max_num_fields=10)
    return {name: values[0] for name, values in fields.items()}


async def sign_in(request: Request) -> Response:
    form = await _form(request)
    target = safe_next(form.get("next"))
    token = form.get("token", "").strip()
    settings: Settings = request.app.state.settings
    if not token:
        return login_page(request, target, "Enter a read token.")
    if token_name(settings, token) is None:
        return login_page(request, target, "That token is not valid.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        READ_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def sign_out() -> Response:
    response = RedirectResponse(HOME, status_code=303)
    response.delete_cookie(READ_COOKIE, path="/", httponly=True, samesite="strict")
    return response
