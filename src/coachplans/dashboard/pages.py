"""The dashboard's pages, built from the service and rendered to HTML bytes.

Each builder reads the last event id *before* the data, so a change that lands while a page is
built is replayed to the page's live stream rather than missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from coachplans.dashboard.diff import Segment, diff_segments
from coachplans.dashboard.paging import Position, position_text
from coachplans.dashboard.presentation import (
    ConsensusView,
    PlanView,
    Stamp,
    consensus_view,
    plan_view,
    stamp,
)
from coachplans.dashboard.render import render
from coachplans.dashboard.trading_days import next_trading_day, previous_trading_day
from coachplans.domain.coaches import Coach
from coachplans.domain.consensus import consensus_of
from coachplans.domain.plans import Action, Plan, Revision, Source
from coachplans.domain.queries import PlanQuery
from coachplans.service import PlanService

PAGE_SIZE = 20
ACTIONS = {
    Action.CREATE: "posted",
    Action.REPLACE: "posted again (replaced)",
    Action.EDIT: "edited",
    Action.DELETE: "deleted",
    Action.RESTORE: "restored",
    Action.IMPORT: "imported",
}
SOURCES = {
    Source.DISCORD_COMMAND: "Discord command",
    Source.DISCORD_EDIT: "Discord message edit",
    Source.DISCORD_DELETE: "Discord message deletion",
    Source.API: "API",
    Source.IMPORT: "import",
    Source.MOCK: "mock mode",
    Source.CLI: "command line",
}


@dataclass(frozen=True, slots=True)
class Card:
    coach: Coach
    plan: PlanView | None


@dataclass(frozen=True, slots=True)
class RevisionView:
    number: int
    action: str
    actor: str
    source: str
    when: Stamp
    segments: tuple[Segment, ...]  # the text, with changes from the previous revision marked
    text_changed: bool
    charts_note: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    plans: tuple[PlanView, ...]
    older: str | None  # the position of the next (older) page, when there is one


class Pages:
    def __init__(self, service: PlanService, token_required: bool):
        self.service = service
        self.token_required = token_required

    def _render(self, template: str, title: str, last_event: int, **context: Any) -> bytes:
        roster = list(self.service.roster)
        return render(
            template,
            title=title,
            last_event=last_event,
            token_required=self.token_required,
            roster=roster,
            **context,
        )

    def _view(self, plan: Plan) -> PlanView:
        return plan_view(plan, self.service.roster.find(plan.coach), self.service.tz)

    def date_page(self, day: date) -> bytes:
        last_event = self.service.outbox.last_id()
        plans = {plan.coach: plan for plan in self.service.plans_for_date(day)}
        cards = [
            Card(coach, self._view(plans[coach.key]) if coach.key in plans else None)
            for coach in self.service.roster
        ]
        title = f"Plans for {day.isoformat()}"
        return self._render(
            "date.html",
            title,
            last_event,
            day=day.isoformat(),
            weekday=day.strftime("%A"),
            is_today=day == self.service.today(),
            previous=_iso(previous_trading_day(day)),
            next=_iso(next_trading_day(day)),
            cards=cards,
            posted=len(plans),
        )

    def _listing(self, query: PlanQuery) -> Listing:
        plans = self.service.list_plans(query)
        page, more = plans[: query.limit - 1], len(plans) == query.limit
        last = page[-1] if more and page else None
        older = position_text(last.trade_date, last.id) if last else None
        return Listing(tuple(self._view(plan) for plan in page), older)

    def coach_page(self, coach: Coach, after: Position | None, first: bool) -> bytes:
        last_event = self.service.outbox.last_id()
        query = PlanQuery(coaches=(coach.key,), after=after, limit=PAGE_SIZE + 1)
        listing = self._listing(query)
        return self._render(
            "coach.html", coach.name, last_event, coach=coach, listing=listing, first=first
        )

    def plan_page(self, plan_id: int) -> bytes:
        last_event = self.service.outbox.last_id()
        plan = self.service.get_plan_by_id(plan_id)
        revisions = revision_views(self.service.revisions(plan_id), self.service)
        view = self._view(plan)
        title = f"{view.coach_name}, {view.date}: revisions"
        return self._render("plan.html", title, last_event, plan=view, revisions=revisions[::-1])

    def ticker_page(self, ticker: str, after: Position | None, first: bool) -> bytes:
        last_event = self.service.outbox.last_id()
        listing = self._listing(PlanQuery(ticker=ticker, after=after, limit=PAGE_SIZE + 1))
        consensus = None
        if first and listing.plans:  # on the latest date that names it
            consensus = self._consensus(ticker, date.fromisoformat(listing.plans[0].date))
        return self._render(
            "ticker.html",
            f"{ticker} in the coaches' plans",
            last_event,
            ticker=ticker,
            listing=listing,
            first=first,
            consensus=consensus,
        )

    def _consensus(self, ticker: str, day: date) -> ConsensusView:
        """The coaches' consensus on the latest date a plan names the ticker."""
        signals = {plan.coach: plan.signals for plan in self.service.plans_for_date(day)}
        found = consensus_of(signals, ticker)
        return consensus_view(found, day.isoformat(), self.service.roster)


def revision_views(revisions: list[Revision], service: PlanService) -> list[RevisionView]:
    """Oldest first; each revision's text marked against the one before it."""
    views = []
    previous: Revision | None = None
    for revision in revisions:
        views.append(_revision_view(revision, previous, service))
        previous = revision
    return views


def _revision_view(
    revision: Revision, previous: Revision | None, service: PlanService
) -> RevisionView:
    before = previous.text if previous is not None else revision.text
    changed = previous is not None and previous.text != revision.text
    segments = diff_segments(before, revision.text) if changed else [Segment("same", revision.text)]
    return RevisionView(
        number=revision.number,
        action=ACTIONS.get(revision.action, revision.action.value),
        actor=revision.actor,
        source=SOURCES.get(revision.source, revision.source.value),
        when=stamp(revision.created_at, service.tz),
        segments=tuple(segments),
        text_changed=changed,
        charts_note=_charts_note(previous, revision),
    )


def _charts_note(previous: Revision | None, revision: Revision) -> str | None:
    count = len(revision.charts)
    if previous is None:
        return f"{count} chart(s)" if count else None
    if previous.charts == revision.charts:
        return None
    return f"charts: {len(previous.charts)} → {count}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
