"""Query and path values checked for characters no database can store, before any route
uses them (the same check the service applies to what it stores; see domain.storable)."""

from __future__ import annotations

from fastapi import Request

from coachplans.domain.storable import check_storable


async def storable_values(request: Request) -> None:
    """Router dependency: a 400 naming the parameter. ``async``: no worker-thread hop."""
    for name, value in request.query_params.multi_items():
        check_storable(value, f"Query parameter '{name}'")
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_storable(value, f"Path parameter '{name}'")
