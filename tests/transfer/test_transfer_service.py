"""``PlanService.importing``: the rules of an import, on records built by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coachplans.domain.imports import ImportedPlan, ImportedRevision
from coachplans.domain.plans import Action, ChartRef
from coachplans.service import PlanService

T0 = datetime(2024, 3, 1, 13, 0, tzinfo=UTC)
DAY = date(2024, 3, 1)


def record(
    key: str | None = "import:test:1",
    coach: str = "coach_d",
    texts: tuple[str, ...] = ("First.", "Second."),
    charts: tuple[ChartRef, ...] = (),
    keys: tuple[tuple[str, datetime], ...] = (),
    day: date = DAY,
) -> ImportedPlan:
    revisions = tuple(
        ImportedRevision(
            Action.CREATE if n == 0 else Action.EDIT, text, f"actor{n}", T0 + timedelta(hours=n)
        )
        for n, text in enumerate(texts)
    )
    return ImportedPlan(
        key=key, origin=f"test {key}", coach=coach, trade_date=day, author="actor0",
        revisions=revisions, charts=charts, ingest_keys=keys,
    )  # fmt: skip


def test_import_writes_state_history_event_and_key(service: PlanService) -> None:
    with service.importing() as session:
        (outcome,) = session.add([record()])
    assert outcome.imported and outcome.revisions == 2
    plan = service.get_plan("d", DAY)
    assert plan is not None
    assert (plan.text, plan.created_at, plan.edited_at, plan.version) == (
        "Second.", T0, T0 + timedelta(hours=1), 2,
    )  # fmt: skip
    events = service.outbox.after(0)
    assert [(e.type, e.plan_id, e.revision) for e in events] == [("plan.imported", plan.id, 2)]


def test_imported_plans_get_signals_of_their_final_text(service: PlanService) -> None:
    texts = ("$AMD short below 150", "$NVDA long above 945, PT 960")
    with service.importing() as session:
        (outcome,) = session.add([record(texts=texts)])
    assert outcome.imported
    plan = service.get_plan("d", DAY)
    assert plan is not None
    assert [(s.ticker, s.bias.value, len(s.levels)) for s in plan.signals] == [
        ("NVDA", "bullish", 2)
    ]


def test_rules_of_a_batch(service: PlanService) -> None:
    links = tuple(ChartRef.external(f"https://x/{n}.png") for n in range(12))
    with service.importing() as session:
        outcomes = session.add(
            [
                record("k1"),
                record("k1", day=date(2024, 3, 4)),  # the same key twice in one run
                record("k2"),  # the slot k1 took
                record("k3", coach="coach_z"),
                record("k4", texts=("   ",), day=date(2024, 3, 5)),
                record("k5", charts=links, day=date(2024, 3, 6)),
                record("k6", keys=(("discord:1:0", T0),), day=date(2024, 3, 7)),
                record("k7", keys=(("discord:1:0", T0),), day=date(2024, 3, 8)),
            ]
        )
    assert [(o.imported, o.reason) for o in outcomes] == [
        (True, None),
        (False, "already imported"),
        (False, "slot already has a plan"),
        (False, "unknown coach"),
        (False, "invalid text"),
        (True, None),
        (True, None),
        (False, "ingest key already recorded for another plan"),
    ]
    assert outcomes[5].notes == ("kept the first 10 of 12 charts",)
    assert outcomes[5].charts_external == 10


def test_dry_run_rolls_back(service: PlanService) -> None:
    with service.importing(dry_run=True) as session:
        assert session.add([record()])[0].imported
    assert service.get_plan("d", DAY) is None
    assert service.outbox.after(0) == []


def test_an_error_inside_rolls_everything_back(service: PlanService) -> None:
    with pytest.raises(RuntimeError), service.importing() as session:
        session.add([record("a")])
        session.add([record("b", day=date(2024, 3, 4))])
        raise RuntimeError("stop")
    assert service.list_plans(_everything()) == []


def _everything() -> object:
    from coachplans.domain.queries import PlanQuery

    return PlanQuery(include_deleted=True)


def test_counts_are_checked_before_commit(
    service: PlanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that silently go missing fail the final count check, and nothing is kept."""
    from coachplans.plan_import import ImportCheckFailed
    from coachplans.store.bulk import ImportTx

    real = ImportTx.insert

    def lossy(self: ImportTx, table: str, rows: list[dict[str, object]]) -> None:
        real(self, table, rows[1:] if table == "revisions" else rows)

    monkeypatch.setattr(ImportTx, "insert", lossy)
    expected = "revisions: 1 rows after the import, expected 2"
    with pytest.raises(ImportCheckFailed, match=expected), service.importing() as session:
        session.add([record()])
    assert service.get_plan("d", DAY) is None


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_write_by_the_server_meanwhile_does_not_fail_the_check(
    service: PlanService, db_url: str
) -> None:
    """On PostgreSQL the import's counts come from its own snapshot (REPEATABLE READ), so a
    plan the running server commits during the import is not taken for a miscount."""
    from transfer_support import opened

    from coachplans.domain.plans import Actor, Source

    with opened(db_url) as server, service.importing() as session:
        session.add([record()])
        server.post_plan(
            "i", "Meanwhile.", Actor("I"), source=Source.API, trade_date=date(2024, 3, 2)
        )
    assert service.get_plan("d", DAY) is not None
    assert service.get_plan("i", date(2024, 3, 2)) is not None
