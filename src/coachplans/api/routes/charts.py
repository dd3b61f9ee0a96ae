"""Archived chart images: immutable, content-addressed, safe to cache forever."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from coachplans.api.auth import require_reader
from coachplans.api.deps import service_of
from coachplans.api.json_body import if_none_match
from coachplans.api.openapi import NOT_MODIFIED, errors
from coachplans.api.storable import storable_values
from coachplans.domain.charts import extension_for

router = APIRouter(
    tags=["charts"], dependencies=[Depends(require_reader), Depends(storable_values)]
)
_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})(?:\.(?P<ext>png|jpg|gif|webp))?$")
IMMUTABLE = "public, max-age=31536000, immutable"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@router.get(
    "/api/v1/charts/{name}",
    summary="Chart image bytes by SHA-256 (optionally with its extension)",
    response_class=Response,
    responses={
        200: {"content": {kind: {} for kind in IMAGE_TYPES}, "description": "The image"},
        **NOT_MODIFIED,
        **errors(404),
    },
)
async def chart(request: Request, name: Annotated[str, Path(max_length=80)]) -> Response:
    match = _NAME.match(name)
    if match is None:
        raise HTTPException(400, f"Invalid chart id '{name[:80]}': expected a SHA-256 hex digest")
    sha = match.group("sha")
    etag = f'"{sha}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if if_none_match(request, etag):
        return Response(status_code=304, headers=headers)
    content_type, data = await run_in_threadpool(service_of(request).chart, sha)
    ext = match.group("ext")
    if ext is not None and ext != extension_for(content_type):
        raise HTTPException(404, f"Chart {sha} is not a .{ext} file")
    return Response(data, media_type=content_type, headers=headers)
