"""The dashboard: plans for people, in the browser, served by the API's own process (SPEC §13).

Server-rendered Jinja2 pages over :class:`~coachplans.service.PlanService`, a little JavaScript
of its own for live updates (the API's SSE stream), no build step, nothing from other hosts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

from coachplans.dashboard import routes
from coachplans.dashboard.access import ReadAccess
from coachplans.dashboard.pages import Pages
from coachplans.dashboard.state import Dashboard, PageCache
from coachplans.dashboard.thumbnails import ThumbnailCache
from coachplans.service import PlanService

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, service: PlanService, cache: PageCache, access: ReadAccess) -> None:
    """Mount the pages, their static files and thumbnails. ``GET /`` answers a browser with
    today's page through ``app.state.html_index``."""
    pages = Pages(service, access.required)
    app.state.dashboard = Dashboard(pages, ThumbnailCache(service.chart), cache, access)
    app.state.html_index = routes.index_page
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
    app.include_router(routes.router)
    # Browsers ask for /favicon.ico on their own (even on a bare chart image): answer it.
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)


async def favicon() -> FileResponse:
    headers = {"Cache-Control": "public, max-age=86400"}
    return FileResponse(STATIC / "icon.svg", media_type="image/svg+xml", headers=headers)


__all__ = ["ReadAccess", "install"]
