"""Slash commands: ``/plan`` (a form with a text field and a file upload), ``/plans``,
``/history``. They are the path that works without the Message Content intent.

What a command does lives in :class:`PlanActions`; this module turns interactions into an
:class:`Origin` and replies into interaction responses. The roster is runtime configuration, so
the commands are built per bot instead of being declared at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

import discord
from discord import app_commands

from coachplans.bot import replies
from coachplans.bot.actions import UNEXPECTED, Origin, PlanActions, Reply
from coachplans.bot.downloads import attachment_info
from coachplans.bot.syntax import SlotArgs
from coachplans.domain.access import denial_reason, may_post
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.dates import parse_date
from coachplans.domain.plans import Source, clean_text
from coachplans.errors import ValidationFailed

log = logging.getLogger(__name__)

Choices = list[app_commands.Choice[str]]
Completer = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, Choices]]
# The callback of a command with a coach option, and the decorator that sets that option up.
CoachCallback = Callable[[discord.Interaction[Any], str, str | None], Coroutine[Any, Any, None]]
CoachOption = Callable[[CoachCallback], CoachCallback]

MAX_TEXT = 4000  # what Discord lets a user type into a paragraph field
MAX_CHARTS = 10
MAX_CHOICES = 25  # Discord's limit on the fixed choices (and suggestions) of one option
TITLE_LIMIT = 45  # Discord's limit on a modal title
CHOICE_NAME_LIMIT = 100
# A form never submitted would otherwise stay registered for the life of the process.
FORM_TIMEOUT = 3600.0
NO_MENTIONS = discord.AllowedMentions.none()
SAVED_BELOW = "Saved; the confirmation below is shown to the channel."
STALE_COMMAND = "This command is not available any more; the bot's commands are being updated."


def add_slash_commands(tree: app_commands.CommandTree[Any], actions: PlanActions) -> None:
    coach_option = _coach_option(actions.service.roster)
    tree.add_command(_plan_command(actions, coach_option))
    tree.add_command(_plans_command(actions))
    tree.add_command(_history_command(actions, coach_option))
    tree.error(on_tree_error)


# -- commands -----------------------------------------------------------------------------


def _plan_command(
    actions: PlanActions, coach_option: CoachOption
) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(
        name="plan", description="Post a coach's plan: a form for the text and up to 10 charts."
    )
    @app_commands.guild_only()
    @app_commands.rename(day="date")
    @app_commands.describe(coach="Whose plan it is", day="Trading date, YYYY-MM-DD (default today)")
    @coach_option
    async def plan(
        interaction: discord.Interaction[Any], coach: str, day: str | None = None
    ) -> None:
        await _open_form(actions, interaction, coach, day)

    return plan


def _plans_command(actions: PlanActions) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="plans", description="Every coach's plan for a day.")
    @app_commands.rename(day="date")
    @app_commands.describe(day="Trading date, YYYY-MM-DD (default today)")
    async def plans(interaction: discord.Interaction[Any], day: str | None = None) -> None:
        when = parse_day(day)
        origin = interaction_origin(actions, interaction)
        await answer(interaction, await actions.plans(origin, when))

    return plans


def _history_command(
    actions: PlanActions, coach_option: CoachOption
) -> app_commands.Command[Any, ..., None]:
    @app_commands.command(name="history", description="Every change to a coach's plan of a day.")
    @app_commands.rename(day="date")
    @app_commands.describe(coach="Whose plan", day="Trading date, YYYY-MM-DD (default today)")
    @coach_option
    async def history(
        interaction: discord.Interaction[Any], coach: str, day: str | None = None
    ) -> None:
        found = actions.service.roster.resolve(coach)
        when = parse_day(day)
        origin = interaction_origin(actions, interaction)
        await answer(interaction, await actions.history(origin, found, when))

    return history


async def _open_form(
    actions: PlanActions, interaction: discord.Interaction[Any], raw_coach: str, raw_day: str | None
) -> None:
    coach = actions.service.roster.resolve(raw_coach)
    # The day is fixed now and shown in the title: a form sent after midnight keeps its day.
    day = parse_day(raw_day) or actions.service.today()
    # Refused before the form opens, so nobody writes a plan that cannot be saved.
    denied = denial(actions, interaction, coach)
    if denied:
        await tell_privately(interaction, denied)
        return
    await interaction.response.send_modal(PlanForm(actions, coach, day))


# -- the /plan form -------------------------------------------------------------------------


class PlanForm(discord.ui.Modal):
    """The plan text (up to 4000 characters) and up to 10 chart files."""

    def __init__(self, actions: PlanActions, coach: Coach, day: date):
        super().__init__(title=form_title(coach, day), timeout=FORM_TIMEOUT)
        self.actions = actions
        self.coach = coach
        self.day = day
        self.text: discord.ui.TextInput[PlanForm] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=MAX_TEXT,
            placeholder="Bias, tickers, levels…",
        )
        self.charts: discord.ui.FileUpload[PlanForm] = discord.ui.FileUpload(
            min_values=0, max_values=MAX_CHARTS, required=False
        )
        self.add_item(discord.ui.Label(text="Plan", component=self.text))
        self.add_item(
            discord.ui.Label(
                text="Charts",
                description=f"Up to {MAX_CHARTS} images: PNG, JPEG, GIF or WEBP",
                component=self.charts,
            )
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        # What can be judged at once is refused at once, privately, before any download:
        # rights may have changed while the form was open, and blank text passes Discord.
        refused = denial(self.actions, interaction, self.coach) or _blank(self.text.value)
        if refused:
            await tell_privately(interaction, nothing_saved(refused))
            return
        # Chart downloads can take longer than the 3 seconds Discord waits for an answer.
        # A deferred answer keeps the visibility it was deferred with, and the database may
        # still refuse: the placeholder is private, a success is announced after it.
        await interaction.response.defer(thinking=True, ephemeral=True)
        origin = interaction_origin(self.actions, interaction, ingest=True)
        args = SlotArgs(self.coach, self.day, self.text.value)
        # Attachment ids are snowflakes: sorting restores upload order, which the resolved
        # map (a JSON object) does not promise.
        files = sorted(self.charts.values, key=lambda attachment: attachment.id)
        infos = [attachment_info(attachment) for attachment in files]
        reply = await self.actions.post(origin, args, infos, source=Source.DISCORD_COMMAND)
        if not reply.ok:
            await tell_privately(interaction, nothing_saved(reply.text))
            return
        await tell_privately(interaction, SAVED_BELOW)
        await follow_up(interaction, reply.text)

    # Modal calls on_error without the item argument that BaseView's declaration has.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        log.error("/plan form failed (%s)", describe(interaction), exc_info=error)
        await tell_privately(interaction, UNEXPECTED)


def _blank(text: str) -> str | None:
    """Why the form's text cannot be a plan (Discord lets a blank one through), or None."""
    try:
        clean_text(text)
    except ValidationFailed as exc:
        return str(exc)
    return None


def nothing_saved(refusal: str) -> str:
    """A refusal of a write says plainly that nothing was stored."""
    said = refusal.lower()
    if "nothing was saved" in said or "nothing was changed" in said:
        return refusal
    return f"{refusal.rstrip('.')}. Nothing was saved."


def form_title(coach: Coach, day: date) -> str:
    tail = f" — {day.isoformat()}"
    room = TITLE_LIMIT - len("Plan for ") - len(tail)
    return f"Plan for {_clip(coach.name, room)}{tail}"


# -- replies and errors ------------------------------------------------------------------------


async def answer(interaction: discord.Interaction[Any], reply: Reply) -> None:
    """The first chunk answers the interaction, the rest follow; a failure is shown only to
    the user who asked."""
    first, *more = replies.split_reply(reply.text)
    private = not reply.ok
    await interaction.response.send_message(first, ephemeral=private, allowed_mentions=NO_MENTIONS)
    for chunk in more:
        await interaction.followup.send(chunk, ephemeral=private, allowed_mentions=NO_MENTIONS)


async def follow_up(interaction: discord.Interaction[Any], text: str) -> None:
    """After a deferred response: every chunk is a follow-up message."""
    for chunk in replies.split_reply(text):
        await interaction.followup.send(chunk, allowed_mentions=NO_MENTIONS)


async def tell_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral answer, whether or not the interaction was answered already; never raises
    (it is also the last resort of the error handlers)."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except discord.HTTPException:
        log.warning("could not answer interaction (%s)", describe(interaction), exc_info=True)


async def on_tree_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """Bad input gets its reason; anything else is logged with context and answered briefly."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, ValidationFailed):
        await tell_privately(interaction, str(cause))
        return
    if isinstance(error, app_commands.CommandNotFound):
        log.warning("unknown slash command %r (%s)", error.name, describe(interaction))
        await tell_privately(interaction, STALE_COMMAND)
        return
    log.error("slash command failed (%s)", describe(interaction), exc_info=cause)
    await tell_privately(interaction, UNEXPECTED)


# -- helpers ---------------------------------------------------------------------------------


def interaction_origin(
    actions: PlanActions, interaction: discord.Interaction[Any], *, ingest: bool = False
) -> Origin:
    """Who and where; with ``ingest`` the interaction id makes a redelivery a no-op."""
    return Origin(
        actor=actions.actor(interaction.user),
        channel_id=interaction.channel_id,
        channel_name=getattr(interaction.channel, "name", None),
        message_id=None,
        ingest_key=f"discord-interaction:{interaction.id}" if ingest else None,
    )


def denial(actions: PlanActions, interaction: discord.Interaction[Any], coach: Coach) -> str | None:
    """Why this user may not post for ``coach`` here, or None when they may."""
    actor = actions.actor(interaction.user)
    if may_post(coach, actor, interaction.channel_id):
        return None
    return denial_reason(coach, actor, interaction.channel_id)


def parse_day(raw: str | None) -> date | None:
    """An optional date option; absent or blank means today (None)."""
    if raw is None or not raw.strip():
        return None
    return parse_date(raw.strip())


def describe(interaction: discord.Interaction[Any]) -> str:
    """The context of a log line about an interaction."""
    command = interaction.command.qualified_name if interaction.command else None
    user = interaction.user
    return (
        f"command={command!r} user={user!s} id={user.id} channel={interaction.channel_id} "
        f"interaction={interaction.id}"
    )


def _coach_option(roster: Roster) -> CoachOption:
    """Fixed choices while the roster fits Discord's 25; suggestions as you type beyond."""
    coaches = list(roster)
    if len(coaches) <= MAX_CHOICES:
        return app_commands.choices(coach=_choices(coaches))
    return app_commands.autocomplete(coach=_coach_completer(coaches))


def _coach_completer(coaches: list[Coach]) -> Completer:
    async def complete(interaction: discord.Interaction[Any], current: str) -> Choices:
        needle = current.strip().lower().removeprefix("coach_")
        found = [c for c in coaches if needle in c.key.lower() or needle in c.name.lower()]
        return _choices(found[:MAX_CHOICES])

    return complete


def _choices(coaches: list[Coach]) -> Choices:
    return [
        app_commands.Choice(name=_clip(coach.name, CHOICE_NAME_LIMIT), value=coach.key)
        for coach in coaches
    ]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
