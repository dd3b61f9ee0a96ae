"""JSON response bodies and their ETags (the formats themselves are the wire contract's)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from coachplans.contract import body_etag, etag_matches

JSON = "application/json"
etag_of = body_etag


def dump(data: Any) -> bytes:
    return orjson.dumps(data)


def json_response(
    data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(dump(data), status_code=status_code, media_type=JSON, headers=headers)


def if_none_match(request: Request, etag: str) -> bool:
    return etag_matches(request.headers.get("if-none-match"), etag)
