"""Domain and HTTP errors mapped to JSON responses, in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from coachplans.api.json_body import json_response
from coachplans.domain.storable import storage_problem
from coachplans.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    ValidationFailed,
)

log = logging.getLogger("coachplans.api")
V1_PREFIX = "/api/v1/"
METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")

STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    503: "Service Unavailable",
}


def error_body(status: int, message: str) -> dict[str, str]:
    return {"error": STATUS_TITLES.get(status, "Error"), "message": message}


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. Starlette's own 405 names only the first
    route that matched the path (GET for /api/v1/plans/1, though PATCH and DELETE exist), so
    each method is tried against the routes (a 405 is rare; this costs microseconds)."""
    allowed = []
    for method in METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and exc.detail == "Not Found":
        return json_response(error_body(404, f"Endpoint {request.url.path} not found"), 404)
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed for {request.url.path}"
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
        return json_response(error_body(405, message), 405, headers)
    return json_response(error_body(exc.status_code, str(exc.detail)), exc.status_code, headers)


async def on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            problems.append("request body is not valid JSON (UTF-8)")
            continue
        where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "request"
        problems.append(f"{where}: {_reason(err)}")
    return json_response(error_body(400, "; ".join(problems)), 400)


def is_v1(request: Request) -> bool:
    return request.url.path.startswith(V1_PREFIX)


def _reason(err: dict[str, Any]) -> str:
    """Pydantic's message; for our own validators, their message without "Value error, "."""
    cause = (err.get("ctx") or {}).get("error")
    if err.get("type") == "value_error" and isinstance(cause, ValueError):
        return str(cause)
    given = err.get("input")
    if err.get("type") == "string_unicode" and isinstance(given, str):
        problem = storage_problem(given)  # pydantic refuses lone surrogates before ours run
        if problem is not None:
            return problem
    return str(err.get("msg", "invalid"))


async def on_validation_failed(request: Request, exc: Exception) -> Response:
    # v1 answers {"error", "message"}; the compatibility contract puts the message itself
    # under "error".
    if is_v1(request):
        return json_response(error_body(400, str(exc)), 400)
    return json_response({"error": str(exc)}, 400)


def _simple(status: int) -> object:
    async def handler(request: Request, exc: Exception) -> Response:
        return json_response(error_body(status, str(exc)), status)

    return handler


async def on_storage_unavailable(request: Request, exc: Exception) -> Response:
    log.error("storage unavailable during %s %s: %s", request.method, request.url.path, exc)
    return json_response(error_body(503, "The database is unavailable; try again later"), 503)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    body = {"error": "Internal Server Error", "message": "An unexpected error occurred"}
    return json_response(body, 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(ValidationFailed, on_validation_failed)
    app.add_exception_handler(NotFound, _simple(404))  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _simple(403))  # type: ignore[arg-type]
    app.add_exception_handler(PreconditionFailed, _simple(412))  # type: ignore[arg-type]
    app.add_exception_handler(Conflict, _simple(409))  # type: ignore[arg-type]
    app.add_exception_handler(StorageUnavailable, on_storage_unavailable)
    app.add_exception_handler(Exception, on_unexpected)
