"""Read tokens for people: when the API requires a token for reads, the dashboard asks for one
in a form and keeps it in an HttpOnly, SameSite=Strict cookie that the API's read routes
accept (for reads only). The API hands the dashboard its checks as a :class:`ReadAccess`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from starlette.responses import RedirectResponse, Response

from coachplans.dashboard.render import html_response, render

COOKIE_MAX_AGE = 30 * 24 * 3600
HOME = "/dashboard"
MAX_FORM_BYTES = 8192


@dataclass(frozen=True, slots=True)
class ReadAccess:
    required: bool  # whether reads need a token at all
    may_read: Callable[[Request], bool]  # open reads, or a valid bearer token or cookie
    is_token: Callable[[str], bool]  # whether a token is one the API accepts
    cookie: str  # the cookie's name, which the API's read routes look at


def safe_next(raw: str | None) -> str:
    """Where to go after signing in: a path on this site only (no ``//host`` or ``\\``)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return HOME
    return raw


def login_page(target: str, error: str | None = None) -> Response:
    body = render("login.html", title="Read token required", next=safe_next(target), error=error)
    return html_response(body, 401)


def gate(access: ReadAccess, request: Request) -> Response | None:
    """None when the request may read; otherwise the token form (401)."""
    if access.may_read(request):
        return None
    query = request.url.query
    return login_page(request.url.path + (f"?{query}" if query else ""))


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise HTTPException(413, "The form is too large")
    try:
        fields = parse_qs(raw.decode("utf-8", errors="replace"), max_num_fields=10)
    except ValueError as exc:  # more fields than the form has
        raise HTTPException(400, "The form has too many fields") from exc
    return {name: values[0] for name, values in fields.items()}


async def sign_in(access: ReadAccess, request: Request) -> Response:
    form = await _form(request)
    target = safe_next(form.get("next"))
    token = form.get("token", "").strip()
    if not token:
        return login_page(target, "Enter a read token.")
    if not access.is_token(token):
        return login_page(target, "That token is not valid.")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        access.cookie,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def sign_out(access: ReadAccess) -> Response:
    response = RedirectResponse(HOME, status_code=303)
    response.delete_cookie(access.cookie, path="/", httponly=True, samesite="strict")
    return response
