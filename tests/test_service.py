"""The plan service's rules on SQLite and PostgreSQL (through the ``service`` fixture)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, func, select

from coachplans.domain.charts import ChartUpload
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import Action, Actor, ChartRef, Plan, PlanId, Slot, Source
from coachplans.domain.queries import PlanQuery
from coachplans.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    ValidationFailed,
)
from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository
from coachplans.store.tables import ChartBlobRow, EventRow, IngestKeyRow, PlanRow, RevisionRow

if TYPE_CHECKING:
    from conftest import FrozenClock

DAY = date(2024, 11, 12)
API = Actor("api-token")
COACH_D_ID = 1001
OTHER_ID = 2002
ADMIN_ID = 3003
ROLE_ID = 4004
CHANNEL_ID = 5005
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PNG_B = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"\x00" * 40


@pytest.fixture
def clocked(service: PlanService, clock: FrozenClock) -> PlanService:
    """The fixture's service, on the same database, with a clock the test moves."""
    return PlanService(service.repo, service.roster, service.tz, clock=clock)


@pytest.fixture
def discord(service: PlanService) -> PlanService:
    """A roster where coach d accepts user COACH_D_ID or role ROLE_ID, in CHANNEL_ID only."""
    roster = Roster(
        [
            Coach(
                "d",
                "Coach D",
                user_ids=frozenset({COACH_D_ID}),
                role_ids=frozenset({ROLE_ID}),
                channel_ids=frozenset({CHANNEL_ID}),
            ),
            Coach("i", "Coach I"),
        ]
    )
    return PlanService(service.repo, roster, service.tz)


def _charts(*blobs: bytes) -> list[ChartUpload]:
    return [ChartUpload(data, f"chart{i}.png", f"https://cdn/{i}") for i, data in enumerate(blobs)]


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            row.__tablename__: conn.scalar(select(func.count()).select_from(row)) or 0
            for row in (PlanRow, RevisionRow, EventRow, IngestKeyRow, ChartBlobRow)
        }


def _post(service: PlanService, text: str, **kwargs: object) -> Plan:
    kwargs.setdefault("trade_date", DAY)
    kwargs.setdefault("source", Source.API)
    return service.post_plan("d", text, API, **kwargs).plan  # type: ignore[arg-type]


# -- create, replace, revive, edit ---------------------------------------------------------


def test_create(clocked: PlanService, clock: FrozenClock) -> None:
    result = clocked.post_plan(
        " coach_D ",
        "  $NVDA long above 945  ",
        Actor("Coach D", discord_id=None),
        source=Source.API,
        trade_date=DAY,
        charts=_charts(PNG, JPEG),
        channel="plans",
    )
    plan = result.plan
    assert result.action is Action.CREATE
    assert (result.replaced, result.duplicate, result.skipped_charts) == (False, False, ())
    assert plan.coach == "d"
    assert plan.trade_date == DAY
    assert plan.text == "$NVDA long above 945"
    assert plan.author == "Coach D"
    assert plan.channel == "plans"
    assert plan.version == 1
    assert plan.created_at == clock.now
    assert plan.edited_at is None
    assert plan.deleted_at is None
    assert [c.content_type for c in plan.charts] == ["image/png", "image/jpeg"]
    assert clocked.get_plan("d", DAY) == plan
    assert clocked.get_plan_by_id(plan.id) == plan
    (revision,) = clocked.revisions(plan.id)
    assert (revision.number, revision.action, revision.text) == (1, Action.CREATE, plan.text)
    assert revision.charts == plan.charts
    assert [e.type for e in clocked.outbox.after(0)] == ["plan.created"]


def test_post_without_date_uses_today_in_new_york(clocked: PlanService, clock: FrozenClock) -> None:
    clock.now = datetime(2024, 11, 12, 3, 0, tzinfo=UTC)  # 22:00 on the 11th in New York
    plan = clocked.post_plan("d", "late", API, source=Source.API).plan
    assert plan.trade_date == date(2024, 11, 11)
    assert clocked.today() == date(2024, 11, 11)


def test_repost_replaces_text_and_charts(clocked: PlanService, clock: FrozenClock) -> None:
    first = _post(clocked, "first", charts=_charts(PNG, JPEG))
    clock.tick()
    result = clocked.post_plan(
        "d", "second", Actor("Other"), source=Source.API, trade_date=DAY, charts=_charts(GIF)
    )
    plan = result.plan
    assert result.action is Action.REPLACE
    assert result.replaced is True
    assert plan.id == first.id
    assert plan.text == "second"
    assert plan.author == "Other"
    assert [c.content_type for c in plan.charts] == ["image/gif"]
    assert plan.version == 2
    assert plan.created_at == first.created_at
    assert plan.edited_at == clock.now
    stored = clocked.get_plan("d", DAY)
    assert stored is not None and stored.charts == plan.charts and stored.text == "second"
    revisions = clocked.revisions(plan.id)
    assert [(r.number, r.action) for r in revisions] == [(1, Action.CREATE), (2, Action.REPLACE)]
    assert revisions[0].charts == first.charts
    assert revisions[1].charts == plan.charts
    assert len(clocked.list_plans(PlanQuery(include_deleted=True))) == 1


def test_repost_without_charts_clears_them(service: PlanService) -> None:
    _post(service, "with", charts=_charts(PNG))
    plan = _post(service, "without")
    assert plan.charts == ()
    assert service.revisions(plan.id)[-1].charts == ()


def test_repost_after_delete_revives_the_slot(clocked: PlanService, clock: FrozenClock) -> None:
    first = _post(clocked, "first")
    clock.tick()
    deleted = clocked.delete_plan(Slot("d", DAY), API, source=Source.API).plan
    assert deleted.deleted_at == clock.now
    assert clocked.get_plan("d", DAY) is None
    clock.tick()
    result = clocked.post_plan("d", "again", API, source=Source.API, trade_date=DAY)
    plan = result.plan
    assert result.action is Action.CREATE
    assert result.replaced is False
    assert plan.id == first.id
    assert plan.version == 3
    assert plan.created_at == first.created_at
    assert plan.edited_at == clock.now
    assert plan.deleted_at is None
    assert clocked.get_plan("d", DAY) == plan
    actions = [r.action for r in clocked.revisions(plan.id)]
    assert actions == [Action.CREATE, Action.DELETE, Action.CREATE]


def test_edit_keeps_created_at_and_charts(clocked: PlanService, clock: FrozenClock) -> None:
    first = _post(clocked, "first", charts=_charts(PNG, JPEG))
    clock.tick()
    result = clocked.edit_plan(Slot("coach_d", DAY), " edited ", Actor("Editor"), source=Source.API)
    plan = result.plan
    assert result.action is Action.EDIT
    assert plan.text == "edited"
    assert plan.charts == first.charts
    assert plan.created_at == first.created_at
    assert plan.edited_at == clock.now
    assert plan.version == 2
    assert plan.author == first.author  # the author of the plan, not of the edit
    revision = clocked.revisions(plan.id)[-1]
    assert (revision.action, revision.text, revision.actor) == (Action.EDIT, "edited", "Editor")
    assert revision.charts == first.charts
    by_id = clocked.edit_plan(PlanId(plan.id), "by id", API, source=Source.API)
    assert by_id.plan.text == "by id"
    assert by_id.plan.version == 3


def test_every_change_appends_a_full_revision(clocked: PlanService, clock: FrozenClock) -> None:
    coach = Actor("Coach D", discord_id=COACH_D_ID)
    steps: list[tuple[Action, str, tuple[ChartRef, ...], str, int | None, Source]] = []

    plan = clocked.post_plan(
        "d", "v1", coach, source=Source.MOCK, trade_date=DAY, charts=_charts(PNG)
    ).plan
    steps.append((Action.CREATE, "v1", plan.charts, "Coach D", COACH_D_ID, Source.MOCK))
    clock.tick()
    plan = clocked.post_plan(
        "d", "v2", API, source=Source.API, trade_date=DAY, charts=_charts(JPEG, GIF)
    ).plan
    steps.append((Action.REPLACE, "v2", plan.charts, "api-token", None, Source.API))
    clock.tick()
    plan = clocked.edit_plan(Slot("d", DAY), "v3", Actor("cli"), source=Source.CLI).plan
    steps.append((Action.EDIT, "v3", plan.charts, "cli", None, Source.CLI))
    clock.tick()
    plan = clocked.delete_plan(PlanId(plan.id), API, source=Source.API).plan
    steps.append((Action.DELETE, "v3", plan.charts, "api-token", None, Source.API))
    clock.tick()
    plan = clocked.restore_plan(plan.id, API, source=Source.API).plan
    steps.append((Action.RESTORE, "v3", plan.charts, "api-token", None, Source.API))
    assert plan.deleted_at is None

    revisions = clocked.revisions(plan.id)
    assert [r.number for r in revisions] == [1, 2, 3, 4, 5]
    got = [(r.action, r.text, r.charts, r.actor, r.actor_id, r.source) for r in revisions]
    assert got == steps
    assert [r.created_at for r in revisions] == [
        datetime(2024, 11, 12, 15, 30 + minute, tzinfo=UTC) for minute in range(5)
    ]
    assert len(revisions[1].charts) == 2 and revisions[1].charts[0].content_type == "image/jpeg"
    events = clocked.outbox.after(0)
    assert [e.type for e in events] == [
        "plan.created",
        "plan.replaced",
        "plan.edited",
        "plan.deleted",
        "plan.restored",
    ]
    assert [e.revision for e in events] == [1, 2, 3, 4, 5]
    assert clocked.outbox.last_id() == events[-1].id


def test_history_has_the_text_before_each_change_newest_first(
    clocked: PlanService, clock: FrozenClock
) -> None:
    assert clocked.history("d", DAY) == []
    plan = _post(clocked, "v1")
    assert clocked.history("d", DAY) == []
    clock.tick()
    clocked.post_plan("d", "v2", Actor("Replacer"), source=Source.API, trade_date=DAY)
    clock.tick()
    clocked.edit_plan(Slot("d", DAY), "v3", Actor("Editor"), source=Source.API)
    clock.tick()
    clocked.delete_plan(Slot("d", DAY), Actor("Deleter"), source=Source.API)

    history = clocked.history("D", DAY)
    assert [(h.plan_text, h.edited_by) for h in history] == [
        ("v3", "Deleter"),
        ("v2", "Editor"),
        ("v1", "Replacer"),
    ]
    assert all(h.plan_id == plan.id for h in history)
    assert [h.edited_at for h in history] == [
        datetime(2024, 11, 12, 15, 30 + minute, tzinfo=UTC) for minute in (3, 2, 1)
    ]
    revisions = clocked.revisions(plan.id)
    assert [h.id for h in history] == [r.id for r in revisions[:0:-1]]


# -- idempotency and no-ops ----------------------------------------------------------------


def test_ingest_is_idempotent(service: PlanService, engine: Engine) -> None:
    first = service.post_plan(
        "d", "from discord", API, source=Source.API, trade_date=DAY, ingest_key="msg:1"
    )
    before = _counts(engine)
    again = service.post_plan(
        "d",
        "different text this time",
        API,
        source=Source.API,
        trade_date=DAY,
        charts=_charts(PNG),
        ingest_key="msg:1",
    )
    assert again.duplicate is True
    assert again.plan == first.plan
    assert _counts(engine) == before
    assert service.get_plan("d", DAY) == first.plan
    assert len(service.revisions(first.plan.id)) == 1
    assert len(service.outbox.after(0)) == 1


def test_edit_and_delete_ingest_keys_are_idempotent(service: PlanService, engine: Engine) -> None:
    plan = _post(service, "v1")
    service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API, ingest_key="msg:1:edit:1")
    before = _counts(engine)
    repeat = service.edit_plan(
        Slot("d", DAY), "v3", API, source=Source.API, ingest_key="msg:1:edit:1"
    )
    assert repeat.duplicate is True
    assert repeat.plan.text == "v2"
    assert _counts(engine) == before

    service.delete_plan(Slot("d", DAY), API, source=Source.API, ingest_key="msg:1:delete")
    before = _counts(engine)
    repeat = service.delete_plan(Slot("d", DAY), API, source=Source.API, ingest_key="msg:1:delete")
    assert repeat.duplicate is True
    assert repeat.plan.deleted_at is not None
    assert _counts(engine) == before
    assert service.get_plan_by_id(plan.id).version == 3


def test_edit_with_the_same_text_is_a_no_op(service: PlanService, engine: Engine) -> None:
    plan = _post(service, "same")
    before = _counts(engine)
    result = service.edit_plan(Slot("d", DAY), "  same \n", API, source=Source.API)
    assert result.duplicate is True
    assert result.plan == plan
    assert _counts(engine) == before
    assert service.get_plan_by_id(plan.id).edited_at is None


# -- preconditions and errors --------------------------------------------------------------


def test_expected_version_mismatch(service: PlanService, engine: Engine) -> None:
    plan = _post(service, "v1")
    before = _counts(engine)
    with pytest.raises(PreconditionFailed, match="version 1, not 7"):
        service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API, expected_version=7)
    with pytest.raises(PreconditionFailed):
        service.delete_plan(PlanId(plan.id), API, source=Source.API, expected_version=0)
    assert _counts(engine) == before
    edited = service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API, expected_version=1)
    assert edited.plan.version == 2
    service.delete_plan(Slot("d", DAY), API, source=Source.API, expected_version=2)
    with pytest.raises(PreconditionFailed):
        service.restore_plan(plan.id, API, source=Source.API, expected_version=2)
    assert service.restore_plan(plan.id, API, source=Source.API, expected_version=3).plan.is_live


def test_restore_of_a_live_plan_is_a_conflict(service: PlanService, engine: Engine) -> None:
    plan = _post(service, "live")
    before = _counts(engine)
    with pytest.raises(Conflict) as caught:
        service.restore_plan(plan.id, API, source=Source.API)
    assert type(caught.value) is Conflict
    assert _counts(engine) == before


def test_missing_plans_are_not_found(service: PlanService) -> None:
    with pytest.raises(NotFound):
        service.delete_plan(Slot("d", DAY), API, source=Source.API)
    with pytest.raises(NotFound):
        service.edit_plan(Slot("d", DAY), "text", API, source=Source.API)
    with pytest.raises(NotFound):
        service.edit_plan(PlanId(999_999), "text", API, source=Source.API)
    with pytest.raises(NotFound):
        service.delete_plan(PlanId(999_999), API, source=Source.API)
    with pytest.raises(NotFound):
        service.restore_plan(999_999, API, source=Source.API)
    with pytest.raises(NotFound):
        service.get_plan_by_id(999_999)
    with pytest.raises(NotFound):
        service.revisions(999_999)
    with pytest.raises(NotFound):
        service.chart("0" * 64)
    assert service.get_plan("d", DAY) is None


def test_deleted_plans_cannot_be_edited_or_deleted_again(service: PlanService) -> None:
    _post(service, "v1")
    service.delete_plan(Slot("d", DAY), API, source=Source.API)
    with pytest.raises(NotFound, match="No live plan for coach_d on 2024-11-12"):
        service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API)
    with pytest.raises(NotFound):
        service.delete_plan(Slot("d", DAY), API, source=Source.API)


@pytest.mark.parametrize(
    ("coach", "text", "message"),
    [
        ("x", "text", "Invalid coach name 'x'. Valid coaches: d, i, s, n"),
        ("", "text", "Missing required parameter: coach"),
        ("d", "   ", "Plan text is empty"),
        ("d", "a" * 4001, "Plan text is 4001 characters; the limit is 4000"),
    ],
)
def test_invalid_input_writes_nothing(
    service: PlanService, engine: Engine, coach: str, text: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.post_plan(coach, text, API, source=Source.API, trade_date=DAY)
    assert str(caught.value) == message
    assert set(_counts(engine).values()) == {0}


UNSTORABLE = [("\x00", "a NUL character (U+0000)"), ("\ud800", "an unpaired surrogate (U+D800)")]


@pytest.mark.parametrize(("bad", "named"), UNSTORABLE)
def test_characters_no_database_can_store_are_refused_alike(
    service: PlanService, engine: Engine, bad: str, named: str
) -> None:
    """PostgreSQL cannot store NUL in text and neither backend can encode a lone surrogate:
    every text value is checked before a write or a query, with the same message on both."""
    writes = {
        "Plan text": lambda: service.post_plan(
            "d", f"plan {bad}", API, source=Source.API, trade_date=DAY
        ),
        "Channel": lambda: service.post_plan(
            "d", "plan", API, source=Source.API, trade_date=DAY, channel=f"plans{bad}"
        ),
        "Author name": lambda: service.post_plan(
            "d", "plan", Actor(f"bot{bad}"), source=Source.DISCORD_COMMAND, trade_date=DAY
        ),
        "Chart filename": lambda: service.post_plan(
            "d", "plan", API, source=Source.API, trade_date=DAY, strict_charts=True,
            charts=[ChartUpload(PNG, f"chart{bad}.png")],
        ),
        "Search text": lambda: service.list_plans(PlanQuery(text=f"nv{bad}da")),
    }  # fmt: skip
    for what, call in writes.items():
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert str(caught.value) == f"{what} contains {named}, which cannot be stored; remove it"
    assert set(_counts(engine).values()) == {0}
    plan = _post(service, "kept")
    with pytest.raises(ValidationFailed, match="Plan text contains"):
        service.edit_plan(PlanId(plan.id), f"edited {bad}", API, source=Source.API)
    with pytest.raises(ValidationFailed, match="Author name contains"):
        service.delete_plan(PlanId(plan.id), Actor(bad), source=Source.API)
    assert service.get_plan_by_id(plan.id) == plan


def test_a_chart_with_an_unstorable_filename_is_skipped_when_not_strict(
    service: PlanService,
) -> None:
    result = service.post_plan(
        "d",
        "plan",
        API,
        source=Source.MOCK,
        trade_date=DAY,
        charts=[ChartUpload(PNG, "a\x00.png"), ChartUpload(JPEG, "b.jpg")],
    )
    assert [c.filename for c in result.plan.charts] == ["b.jpg"]
    assert result.skipped_charts == (
        "Chart filename contains a NUL character (U+0000), which cannot be stored; remove it",
    )


# -- Discord authorisation -----------------------------------------------------------------


def test_unauthorised_discord_post_is_forbidden_and_writes_nothing(
    service: PlanService, discord: PlanService, engine: Engine
) -> None:
    stranger = Actor("stranger", discord_id=OTHER_ID)
    for svc, coach in ((service, "d"), (discord, "d"), (discord, "i")):
        with pytest.raises(Forbidden):
            svc.post_plan(
                coach,
                "plan",
                stranger,
                source=Source.DISCORD_COMMAND,
                trade_date=DAY,
                charts=_charts(PNG),
                channel_id=CHANNEL_ID,
                ingest_key="msg:9",
            )
    assert set(_counts(engine).values()) == {0}
    with pytest.raises(Forbidden, match="Nobody is authorised to post for coach_d"):
        service.post_plan("d", "plan", stranger, source=Source.DISCORD_COMMAND, trade_date=DAY)


def test_authorised_discord_posts(discord: PlanService) -> None:
    by_id = Actor("Coach D", discord_id=COACH_D_ID)
    by_role = Actor("Helper", discord_id=OTHER_ID, role_ids=frozenset({ROLE_ID}))
    plan = discord.post_plan(
        "d", "mine", by_id, source=Source.DISCORD_COMMAND, trade_date=DAY, channel_id=CHANNEL_ID
    ).plan
    assert plan.author_id == COACH_D_ID
    result = discord.post_plan(
        "d", "role", by_role, source=Source.DISCORD_COMMAND, trade_date=DAY, channel_id=CHANNEL_ID
    )
    assert result.replaced
    with pytest.raises(Forbidden, match="not accepted in this channel"):
        discord.post_plan(
            "d", "elsewhere", by_id, source=Source.DISCORD_COMMAND, trade_date=DAY, channel_id=1
        )
    admin = Actor("Admin", discord_id=ADMIN_ID, is_admin=True)
    by_admin = discord.post_plan("i", "admin", admin, source=Source.DISCORD_COMMAND, trade_date=DAY)
    assert by_admin.action is Action.CREATE


def test_discord_edits_need_authorship_or_access(discord: PlanService) -> None:
    author = Actor("Coach D", discord_id=COACH_D_ID)
    stranger = Actor("stranger", discord_id=OTHER_ID)
    admin = Actor("Admin", discord_id=ADMIN_ID, is_admin=True)
    discord.post_plan("d", "v1", author, source=Source.DISCORD_COMMAND, trade_date=DAY)
    with pytest.raises(Forbidden, match="You may not change plans of coach_d"):
        discord.edit_plan(Slot("d", DAY), "hijack", stranger, source=Source.DISCORD_EDIT)
    with pytest.raises(Forbidden):
        discord.delete_plan(Slot("d", DAY), stranger, source=Source.DISCORD_DELETE)
    assert (
        discord.edit_plan(Slot("d", DAY), "v2", author, source=Source.DISCORD_EDIT).plan.text
        == "v2"
    )
    assert (
        discord.edit_plan(Slot("d", DAY), "v3", admin, source=Source.DISCORD_EDIT).plan.version == 3
    )
    # Not from Discord: the API's own token check applies, not Discord ids.
    assert discord.edit_plan(Slot("d", DAY), "v4", stranger, source=Source.API).plan.version == 4


# -- charts --------------------------------------------------------------------------------


def test_bad_chart_is_skipped_and_plan_saved(service: PlanService, engine: Engine) -> None:
    uploads = [
        ChartUpload(PNG, "good.png"),
        ChartUpload(PDF, "fake.png"),
        ChartUpload(b"", "empty.png"),
        ChartUpload(JPEG, "good.jpg"),
    ]
    result = service.post_plan(
        "d", "with charts", API, source=Source.API, trade_date=DAY, charts=uploads
    )
    assert result.skipped_charts == (
        "Chart 'fake.png' is not a PNG, JPEG, GIF or WEBP image",
        "Chart 'empty.png' is empty",
    )
    assert [c.filename for c in result.plan.charts] == ["good.png", "good.jpg"]
    stored = service.get_plan("d", DAY)
    assert stored is not None and stored.charts == result.plan.charts
    content_type, data = service.chart(result.plan.charts[1].sha256)
    assert (content_type, data) == ("image/jpeg", JPEG)
    assert _counts(engine)["chart_blobs"] == 2


def test_oversize_chart_skipped_with_configured_limit(service: PlanService) -> None:
    small = PlanService(service.repo, service.roster, service.tz, max_chart_bytes=len(PNG))
    result = small.post_plan(
        "d",
        "t",
        API,
        source=Source.API,
        trade_date=DAY,
        charts=[ChartUpload(PNG, "ok.png"), ChartUpload(PNG + b"\x00", "big.png")],
    )
    assert [c.filename for c in result.plan.charts] == ["ok.png"]
    assert result.skipped_charts == (
        f"Chart 'big.png' is {len(PNG) + 1} bytes; the limit is {len(PNG)} bytes",
    )


def test_strict_mode_rejects_a_bad_chart_and_writes_nothing(
    service: PlanService, engine: Engine
) -> None:
    with pytest.raises(ValidationFailed, match=r"fake\.png"):
        service.post_plan(
            "d",
            "t",
            API,
            source=Source.API,
            trade_date=DAY,
            strict_charts=True,
            charts=[ChartUpload(PNG, "good.png"), ChartUpload(PDF, "fake.png")],
        )
    assert set(_counts(engine).values()) == {0}


def test_strict_mode_keeps_the_existing_plan(service: PlanService, engine: Engine) -> None:
    plan = _post(service, "keep", charts=_charts(PNG))
    before = _counts(engine)
    with pytest.raises(ValidationFailed):
        service.post_plan(
            "d",
            "replace",
            API,
            source=Source.API,
            trade_date=DAY,
            strict_charts=True,
            charts=[ChartUpload(PDF, "x.png")],
        )
    assert _counts(engine) == before
    assert service.get_plan("d", DAY) == plan


def test_eleven_charts(service: PlanService, engine: Engine) -> None:
    uploads = [ChartUpload(PNG + bytes([i]), f"{i}.png") for i in range(11)]
    with pytest.raises(ValidationFailed, match="Too many charts: 11; at most 10 per plan"):
        service.post_plan(
            "d", "t", API, source=Source.API, trade_date=DAY, charts=uploads, strict_charts=True
        )
    assert set(_counts(engine).values()) == {0}
    result = service.post_plan("d", "t", API, source=Source.API, trade_date=DAY, charts=uploads)
    assert [c.filename for c in result.plan.charts] == [f"{i}.png" for i in range(10)]
    assert result.skipped_charts == ("10.png: more than 10",)
    ten = service.post_plan(
        "d", "t2", API, source=Source.API, trade_date=DAY, charts=uploads[:10], strict_charts=True
    )
    assert len(ten.plan.charts) == 10


# -- listeners -----------------------------------------------------------------------------


def test_listeners_hear_after_commit_and_failures_do_not_break_writes(
    service: PlanService, engine: Engine
) -> None:
    reader = Repository(engine)
    heard: list[tuple[int, int, int | None]] = []

    def broken(plan: Plan) -> None:
        raise RuntimeError("listener bug")

    def watcher(plan: Plan) -> None:
        # A separate session sees the change: the transaction was committed before we ran.
        stored = reader.get_by_id(plan.id)
        heard.append((plan.id, plan.version, stored.version if stored else None))

    service.subscribe(broken)
    service.subscribe(watcher)
    plan = _post(service, "v1")
    service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API)
    service.delete_plan(Slot("d", DAY), API, source=Source.API)
    assert heard == [(plan.id, 1, 1), (plan.id, 2, 2), (plan.id, 3, 3)]
    assert service.get_plan_by_id(plan.id).version == 3


def test_listeners_not_called_for_failed_or_duplicate_writes(service: PlanService) -> None:
    heard: list[Plan] = []
    service.subscribe(heard.append)
    _post(service, "v1", ingest_key="k")
    _post(service, "v1 again", ingest_key="k")
    service.edit_plan(Slot("d", DAY), "v1", API, source=Source.API)
    with pytest.raises(PreconditionFailed):
        service.edit_plan(Slot("d", DAY), "v2", API, source=Source.API, expected_version=5)
    assert len(heard) == 1


# -- stats and reads -----------------------------------------------------------------------


def test_plans_for_date_in_roster_order(service: PlanService) -> None:
    for coach in ("n", "d", "s"):
        service.post_plan(coach, coach, API, source=Source.API, trade_date=DAY)
    service.post_plan("i", "other day", API, source=Source.API, trade_date=DAY + timedelta(1))
    assert [p.coach for p in service.plans_for_date(DAY)] == ["d", "s", "n"]


# -- storage failures ----------------------------------------------------------------------


def _unreachable(engine: Engine, tmp_path: Path) -> Engine:
    """An engine whose database cannot be opened, of the same kind as ``engine``."""
    if engine.dialect.name == "sqlite":
        folder = tmp_path / "gone"
        broken = make_engine(f"sqlite:///{folder}/plans.db")
        upgrade(broken)
        broken.dispose()
        shutil.rmtree(folder)
        folder.write_text("a file where the database's folder was")  # cannot be opened
        return broken
    return make_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2}
    )


def test_storage_failure_is_storage_unavailable(
    service: PlanService, engine: Engine, tmp_path: Path
) -> None:
    broken = _unreachable(engine, tmp_path)
    down = PlanService(Repository(broken), service.roster, service.tz)
    heard: list[Plan] = []
    down.subscribe(heard.append)
    try:
        with pytest.raises(StorageUnavailable, match="database unavailable"):
            down.post_plan("d", "t", API, source=Source.API, trade_date=DAY)
        with pytest.raises(StorageUnavailable):
            down.edit_plan(Slot("d", DAY), "t", API, source=Source.API)
        with pytest.raises(StorageUnavailable):
            down.get_plan("d", DAY)
        with pytest.raises(StorageUnavailable):
            down.list_plans(PlanQuery())
        with pytest.raises(StorageUnavailable):
            down.stats()
        with pytest.raises(StorageUnavailable):
            down.ping()
    finally:
        broken.dispose()
    assert heard == []
    service.ping()  # the real database is unaffected


def test_sqlite_missing_tables_are_storage_unavailable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")  # never migrated
    try:
        svc = PlanService(Repository(engine), Roster([Coach("d", "D")]), UTC)
        with pytest.raises(StorageUnavailable):
            svc.post_plan("d", "t", API, source=Source.API, trade_date=DAY)
    finally:
        engine.dispose()
