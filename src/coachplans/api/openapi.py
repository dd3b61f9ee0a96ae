"""The published schema (/openapi.json, /docs) made to say what the server does.

Routes declare their own outcomes (304, 404, 409, 412, content types) with the helpers below;
``install`` adds what holds across routes: 400 instead of FastAPI's 422 (validation errors are
400 here), 401 and the bearer scheme where a token is needed (reads too when the settings ask),
413 where a body is read, 503 wherever the database is used, and each family's error body.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from coachplans.api.auth import SCHEME
from coachplans.api.schemas import CompatError, ErrorBody
from coachplans.settings import Settings

Responses = dict[int | str, dict[str, Any]]

DESCRIPTIONS = {
    304: "Not Modified: the ETag sent in If-None-Match is current",
    400: "Bad Request: a parameter or the body is invalid; the message says which and why",
    401: "Unauthorized: no bearer token, or not one of the configured tokens",
    404: "Not Found",
    409: "Conflict: the plan is not in a state that allows this change",
    412: "Precondition Failed: If-Match names an older version; re-read the plan",
    413: "Payload Too Large: the body exceeds the configured limit",
    503: "Service Unavailable: the database cannot be reached; try again later",
}
OPEN_ALWAYS = {"/health", "/metrics"}
NO_DATABASE = {"/"}


def errors(*statuses: int) -> Responses:
    """v1 error responses for a route's ``responses=``."""
    return {
        status: {"model": ErrorBody, "description": DESCRIPTIONS[status]} for status in statuses
    }


NOT_MODIFIED: Responses = {304: {"description": DESCRIPTIONS[304]}}


def install(app: FastAPI, settings: Settings) -> None:
    generate = app.openapi
    done: list[bool] = []

    def openapi() -> dict[str, Any]:
        spec = generate()  # FastAPI's, cached on the app: amended once
        if not done:
            amend(spec, reads_need_token=settings.api.require_read_token)
            done.append(True)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def amend(spec: dict[str, Any], *, reads_need_token: bool) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, CompatError):
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in spec["paths"].items():
        for operation in item.values():
            _amend_operation(path, operation, reads_need_token)


def _amend_operation(path: str, operation: dict[str, Any], reads_need_token: bool) -> None:
    responses: dict[str, Any] = operation["responses"]
    responses.pop("422", None)
    if reads_need_token and path not in OPEN_ALWAYS:
        operation["security"] = [{SCHEME: []}]
    if path.startswith("/api/coach-plans"):
        responses.setdefault("400", _response(400, CompatError.__name__))
    elif path.startswith("/api/v1/"):
        responses.setdefault("400", _response(400, ErrorBody.__name__))
    if "security" in operation:
        responses.setdefault("401", _response(401, ErrorBody.__name__))
    if "requestBody" in operation:
        responses.setdefault("413", _response(413, ErrorBody.__name__))
    if path not in NO_DATABASE:
        responses.setdefault("503", _response(503, ErrorBody.__name__))
    if "304" in responses:
        responses["304"].pop("content", None)
    operation["responses"] = dict(sorted(responses.items()))


def _response(status: int, model: str) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model}"}
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": schema}},
    }
