"""The wire contract, written once: ETag formats and the v1 plan shape that the server's
OpenAPI model, the server's JSON builder and the typed client's model must all agree on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from coachplans.api.schemas import ChartPublic, PlanPublic, RevisionPublic, SignalPublic
from coachplans.client import models as client_models
from coachplans.contract import (
    body_etag,
    etag_matches,
    plan_etag,
    plan_public,
    plan_version_in,
    revision_public,
    wire_key,
)
from coachplans.domain.plans import Action, ChartRef, Plan, Revision, Source
from coachplans.domain.signals import Bias, Level, LevelKind, Signal

NOW = datetime(2024, 11, 12, 14, 30, tzinfo=UTC)
CHART = ChartRef("ab" * 32, "image/png", 10, "nvda.png", None)
SIGNAL = Signal("NVDA", Bias.BULLISH, (Level(LevelKind.ENTRY, 945.0),))
PLAN = Plan(
    id=7, coach="d", trade_date=date(2024, 11, 12), text="$NVDA long above 945", author="Dee",
    author_id=123, channel="#plans", created_at=NOW, edited_at=None, deleted_at=None,
    version=2, charts=(CHART,), revision_count=2, signals=(SIGNAL,),
)  # fmt: skip


def test_plan_etags_round_trip_and_reject_other_plans() -> None:
    tag = plan_etag(7, 2)
    assert tag == '"plan-7-v2"'
    assert plan_version_in(tag, 7) == 2
    assert plan_version_in(f"W/{tag}", 7) == 2
    for other in ('"plan-8-v2"', '"plan-7-v"', '"plan-7-v²"', "plan-7-v" + "9" * 19, "*", ""):
        assert plan_version_in(other, 7) is None, other


def test_body_etags_match_if_none_match_lists() -> None:
    tag = body_etag(b'{"a": 1}')
    assert tag.startswith('"') and tag.endswith('"') and tag != body_etag(b'{"a": 2}')
    assert etag_matches(f'"x", W/{tag}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"x"', tag) and not etag_matches(None, tag)


def test_wire_keys_accept_every_spelling() -> None:
    assert {wire_key(raw) for raw in ("d", "D", " d ", "coach_d", "COACH_D")} == {"coach_d"}


@pytest.mark.parametrize(
    ("built", "server_model", "client_model"),
    [
        (plan_public(PLAN), PlanPublic, client_models.Plan),
        (plan_public(PLAN)["charts"][0], ChartPublic, client_models.Chart),
        (plan_public(PLAN)["signals"][0], SignalPublic, client_models.Signal),
        (
            revision_public(
                Revision(1, 7, 1, Action.CREATE, "t", (CHART,), "Dee", 123, Source.API, NOW)
            ),
            RevisionPublic,
            client_models.Revision,
        ),
    ],
)
def test_one_shape_on_both_sides(built: dict, server_model: Any, client_model: Any) -> None:
    """A field added to the JSON builder must be documented and read by the client too."""
    client_fields = {field.alias or name for name, field in client_model.model_fields.items()}
    assert set(built) == set(server_model.model_fields) == client_fields
    parsed = client_model.model_validate(built)
    assert set(parsed.model_dump(by_alias=True)) == set(built)


def test_client_signals_are_read_on_first_use() -> None:
    parsed = client_models.Plan.model_validate(plan_public(PLAN))
    assert parsed.signals == [client_models.Signal.model_validate(plan_public(PLAN)["signals"][0])]
    assert parsed.signals is parsed.signals  # built once
    nvda = parsed.signal_for("$nvda")
    assert nvda is not None and nvda.levels[0].kind == "entry" and nvda.levels[0].low == 945.0
