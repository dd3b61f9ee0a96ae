"""Jinja2 templates (autoescaped) and the headers every dashboard page carries."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

HTML = "text/html; charset=utf-8"
# Scripts, styles and images from this origin only: no inline script or style, no other host.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Pages may show a token form instead of plans: a shared cache must not keep them.
PAGE_CACHE_CONTROL = "private, no-cache"


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("coachplans.dashboard", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# What base.html needs, for pages that are not about plans (errors, the token form).
BASE_CONTEXT: dict[str, Any] = {"last_event": 0, "token_required": False, "roster": []}


def render(template: str, **context: Any) -> bytes:
    merged = {**BASE_CONTEXT, **context}
    return environment().get_template(template).render(**merged).encode()


def html_response(
    body: bytes, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    merged = {**SECURITY_HEADERS, "Cache-Control": PAGE_CACHE_CONTROL, **(headers or {})}
    return Response(body, status_code=status_code, media_type=HTML, headers=merged)
