"""What each bot command does, apart from how it arrived (prefix command, slash command,
message edit, catch-up, mock mode): checks, chart downloads, the service call, the reply.

The service is synchronous (SQLAlchemy); calls run in a worker thread so the event loop that
also serves the API never waits on the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import discord

from coachplans.bot import replies
from coachplans.bot.downloads import AttachmentInfo, ChartDownloader
from coachplans.bot.syntax import SlotArgs, Target
from coachplans.domain.access import denial_reason, may_post
from coachplans.domain.coaches import Coach
from coachplans.domain.plans import Actor, ChartRef, PlanId, Revision, Slot, Source, WriteResult
from coachplans.domain.queries import PlanQuery
from coachplans.errors import CoachPlansError, Forbidden, NotFound, StorageUnavailable
from coachplans.service import PlanService

log = logging.getLogger(__name__)
T = TypeVar("T")

STORAGE_DOWN = (
    "The plan store is unavailable right now, so nothing was saved. Please try again in a minute."
)
UNEXPECTED = "Something went wrong on our side and nothing was changed. The error is logged."


@dataclass(frozen=True, slots=True)
class Origin:
    """Who sent a command and from where; ``ingest_key`` makes a repeat a no-op.

    ``roles_known`` is False for a guild message whose author's roles could not be read (an
    old message whose member could not be fetched): a refusal may then be wrong, so it is
    logged and not answered."""

    actor: Actor
    channel_id: int | None = None
    channel_name: str | None = None
    message_id: int | None = None
    ingest_key: str | None = None
    roles_known: bool = True


@dataclass(frozen=True, slots=True)
class Reply:
    """``silent``: nothing to tell the user (the outcome is logged)."""

    text: str
    ok: bool = True
    result: WriteResult | None = None
    silent: bool = False


class PlanActions:
    def __init__(
        self,
        service: PlanService,
        downloader: ChartDownloader,
        *,
        admin_user_ids: Collection[int] = (),
        admin_role_ids: Collection[int] = (),
    ):
        self.service = service
        self.downloader = downloader
        self.admin_user_ids = frozenset(admin_user_ids)
        self.admin_role_ids = frozenset(admin_role_ids)

    def actor(self, user: discord.User | discord.Member) -> Actor:
        """The Discord user as the service sees them: id, role ids, admin or not."""
        roles = getattr(user, "roles", ())
        role_ids = frozenset(role.id for role in roles)
        is_admin = user.id in self.admin_user_ids or bool(role_ids & self.admin_role_ids)
        return Actor(user.display_name, user.id, role_ids, is_admin)

    async def post(
        self,
        origin: Origin,
        args: SlotArgs,
        attachments: Sequence[AttachmentInfo] = (),
        *,
        source: Source = Source.DISCORD_COMMAND,
    ) -> Reply:
        coach = args.coach
        if not may_post(coach, origin.actor, origin.channel_id):
            return _refused("plan", origin, denial_reason(coach, origin.actor, origin.channel_id))
        # Charts are fetched now: Discord's links expire (and die with the message).
        downloaded = await self.downloader.download(attachments)
        outcome = await self._read(
            "plan",
            origin,
            lambda: self.service.post_plan(
                coach.key,
                args.text,
                origin.actor,
                source=source,
                trade_date=args.trade_date,
                charts=downloaded.uploads,
                channel=origin.channel_name,
                channel_id=origin.channel_id,
                message_id=origin.message_id,
                ingest_key=origin.ingest_key,
            ),
        )
        if isinstance(outcome, Reply):
            return outcome
        removed = await self._charts_removed(origin, outcome)
        return Reply(replies.posted(outcome, coach, downloaded.warnings, removed), result=outcome)

    async def edit(
        self, origin: Origin, target: Target, text: str, *, source: Source = Source.DISCORD_COMMAND
    ) -> Reply:
        def call() -> WriteResult:
            if target.plan_id is not None:
                return self.service.edit_plan(
                    PlanId(target.plan_id),
                    text,
                    origin.actor,
                    source=source,
                    ingest_key=origin.ingest_key,
                )
            coach, day = self._slot(target)
            return self.service.edit_plan(
                Slot(coach.key, day),
                text,
                origin.actor,
                source=source,
                ingest_key=origin.ingest_key,
            )

        return await self._write(
            "edit",
            origin,
            call,
            lambda r: replies.edited(r, self._coach_of(r)),
            self._missing(target),
        )

    async def delete(
        self, origin: Origin, target: Target, *, source: Source = Source.DISCORD_COMMAND
    ) -> Reply:
        def call() -> WriteResult:
            if target.plan_id is not None:
                return self.service.delete_plan(
                    PlanId(target.plan_id),
                    origin.actor,
                    source=source,
                    ingest_key=origin.ingest_key,
                )
            coach, day = self._slot(target)
            return self.service.delete_plan(
                Slot(coach.key, day), origin.actor, source=source, ingest_key=origin.ingest_key
            )

        return await self._write(
            "delete",
            origin,
            call,
            lambda r: replies.deleted(r, self._coach_of(r)),
            self._missing(target),
        )

    async def plans(self, origin: Origin, day: date | None) -> Reply:
        when = day or self.service.today()
        plans = await self._read("plans", origin, lambda: self.service.plans_for_date(when))
        if isinstance(plans, Reply):
            return plans
        title = f"Plans for {when.isoformat()}"
        return Reply(replies.plan_list(title, plans, self.service.roster))

    async def mine(self, origin: Origin, day: date | None) -> Reply:
        when = day or self.service.today()
        author = origin.actor.discord_id
        if author is None:
            return Reply("Only Discord users have plans of their own.", ok=False)
        plans = await self._read(
            "myplans", origin, lambda: self.service.discord.plans_by_author(author, when)
        )
        if isinstance(plans, Reply):
            return plans
        title = f"Your plans for {when.isoformat()}"
        return Reply(replies.plan_list(title, plans, self.service.roster))

    async def history(self, origin: Origin, coach: Coach, day: date | None) -> Reply:
        when = day or self.service.today()

        def revisions() -> list[Revision]:
            query = PlanQuery(trade_date=when, coaches=(coach.key,), include_deleted=True, limit=1)
            found = self.service.list_plans(query)
            return list(self.service.revisions(found[0].id)) if found else []

        revs = await self._read("history", origin, revisions)
        if isinstance(revs, Reply):
            return revs
        return Reply(replies.history(coach, when, revs))

    # -- internals ------------------------------------------------------------------------

    async def _charts_removed(self, origin: Origin, result: WriteResult) -> list[ChartRef]:
        """The charts of the plan a re-post replaced that the new plan no longer has: read
        from the revision just before this write's (its number is the plan's version)."""
        plan = result.plan
        if not result.replaced or result.duplicate:
            return []
        revisions = await self._read("plan", origin, lambda: self.service.revisions(plan.id))
        if isinstance(revisions, Reply):
            return []  # the plan is saved; only the detail of the reply is lost (logged)
        before = [rev for rev in revisions if rev.number == plan.version - 1]
        kept = set(plan.charts)
        return [chart for rev in before for chart in rev.charts if chart not in kept]

    def _slot(self, target: Target) -> tuple[Coach, date]:
        assert target.coach is not None
        return target.coach, target.trade_date or self.service.today()

    def _missing(self, target: Target) -> str:
        if target.plan_id is not None:
            return f"There is no plan #{target.plan_id}."
        coach, day = self._slot(target)
        return f"No live plan for {coach.wire_key} on {day.isoformat()}."

    def _coach_of(self, result: WriteResult) -> Coach:
        return self.service.roster.resolve(result.plan.coach)

    async def _write(
        self,
        what: str,
        origin: Origin,
        call: Callable[[], WriteResult],
        render: Callable[[WriteResult], str],
        missing: str = "There is no such plan.",
    ) -> Reply:
        outcome = await self._read(what, origin, call, missing)
        if isinstance(outcome, Reply):
            return outcome
        return Reply(render(outcome), result=outcome)

    async def _read(
        self, what: str, origin: Origin, call: Callable[[], T], missing: str = ""
    ) -> T | Reply:
        """Run ``call`` off the loop; turn every failure into a short reply, logged."""
        try:
            return await asyncio.to_thread(call)
        except StorageUnavailable:
            log.error("bot %s: the database is unavailable (%s)", what, _context(origin))
            return Reply(STORAGE_DOWN, ok=False)
        except NotFound as exc:
            return Reply(_not_found(exc, missing), ok=False)
        except Forbidden as exc:
            return _refused(what, origin, str(exc))
        except CoachPlansError as exc:
            log.info("bot %s refused: %s (%s)", what, exc, _context(origin))
            return Reply(str(exc), ok=False)
        except Exception:
            log.exception("bot %s failed (%s)", what, _context(origin))
            return Reply(UNEXPECTED, ok=False)


def _refused(what: str, origin: Origin, reason: str) -> Reply:
    """A refusal on rights; unsaid when the author's roles, which may grant them, are unknown."""
    if origin.roles_known:
        log.info("bot %s refused: %s (%s)", what, reason, _context(origin))
        return Reply(reason, ok=False)
    log.warning(
        "bot %s not done and not answered: the author's roles could not be read, and without "
        "them: %s (%s); the author may send the command again",
        what,
        reason,
        _context(origin),
    )
    return Reply(reason, ok=False, silent=True)


def _not_found(exc: NotFound, missing: str) -> str:
    """The service's bare "Plan not found" said in the coach's terms."""
    text = str(exc)
    return missing if text == "Plan not found" and missing else text


def _context(origin: Origin) -> str:
    actor = origin.actor
    return (
        f"user={actor.name!r} id={actor.discord_id} channel={origin.channel_id} "
        f"message={origin.message_id}"
    )
