"""The API fuzzed from its own OpenAPI schema on SQLite and PostgreSQL: whatever is sent,
never a 500, and every answer is what /openapi.json says (status, content type, headers and
body schema)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, PlanId, Source
from coachplans.settings import load_settings
from coachplans.wiring import build_service

TOKEN = "fuzz-token-123"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


@pytest.fixture
def fuzz_app(db_url: str) -> Iterator[FastAPI]:
    config = load_settings(run_bot=False, database={"url": db_url}, api={"tokens": f"fuzz:{TOKEN}"})
    service = build_service(config)
    actor = Actor("seed")
    for coach in ("d", "i"):
        plan = service.post_plan(
            coach,
            f"plan for {coach} $NVDA 945",
            actor,
            source=Source.API,
            charts=[ChartUpload(PNG, "levels.png")],
        ).plan
    service.edit_plan(PlanId(plan.id), "edited $NVDA 950", actor, source=Source.API)
    service.delete_plan(PlanId(plan.id), actor, source=Source.API)
    yield create_app(config, service, BotState("mock"))
    service.repo.engine.dispose()


# The event stream never ends by design; it is tested over a real server elsewhere.
ENDLESS = {"/api/v1/events/stream"}


def test_every_answer_conforms_to_the_published_schema(fuzz_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    checked = [op for op in operations if op.path not in ENDLESS]
    assert len(checked) >= 18

    for operation in checked:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

        call()
