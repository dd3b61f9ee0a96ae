"""What the bot says: confirmations, lists, help, and the splitting of long replies.

Everything here is plain text; sending (with mentions disabled) is the caller's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import Action, ChartRef, Plan, Revision, WriteResult

DISCORD_LIMIT = 2000
# Room below Discord's hard limit for the continuation marker and any prefix a caller adds.
CHUNK_LIMIT = 1900
PREVIEW_CHARS = 120


def split_reply(text: str, limit: int = CHUNK_LIMIT) -> list[str]:
    """Split at line boundaries into chunks of at most ``limit`` characters; a single line
    longer than that is cut at the limit (at a space when there is one)."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines():
        for piece in _cut(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            chunks.append(current)
            current = piece
    if current or not chunks:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or [text[:limit]]


def _cut(line: str, limit: int) -> Iterable[str]:
    while len(line) > limit:
        at = line.rfind(" ", limit // 2, limit)
        at = at if at > 0 else limit
        yield line[:at]
        line = line[at:].lstrip(" ")
    yield line


def preview(text: str, chars: int = PREVIEW_CHARS) -> str:
    """The start of a plan on one line, quoted."""
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: chars - 1].rstrip() + "…"


def posted(
    result: WriteResult,
    coach: Coach,
    warnings: Sequence[str] = (),
    removed: Sequence[ChartRef] = (),
) -> str:
    """``removed``: the earlier plan's charts that the re-post did not carry again."""
    plan = result.plan
    if result.duplicate:
        return f"Already saved as plan #{plan.id} ({_slot(coach, plan)}); nothing changed."
    verb = "replaced the earlier plan" if result.replaced else "saved"
    lines = [
        f"Plan #{plan.id} {verb} for **{coach.name}** on {plan.trade_date.isoformat()} "
        f"with {_charts(len(plan.charts))}.",
        f"> {preview(plan.text)}",
    ]
    if removed:
        # A re-post replaces the charts too: a coach who only meant to fix the text must
        # know what went, and how to get it back.
        lines.append(
            f"⚠️ The earlier plan's {_charts(len(removed))} "
            f"{'was' if len(removed) == 1 else 'were'} removed: {_chart_names(removed)}. "
            "To keep them, post again with them attached (an edit changes only the text)."
        )
    lines += _warnings([*warnings, *result.skipped_charts])
    return "\n".join(lines)


def edited(result: WriteResult, coach: Coach) -> str:
    plan = result.plan
    if result.duplicate:
        return f"Plan #{plan.id} ({_slot(coach, plan)}) already has that text; nothing changed."
    charts = "charts kept" if plan.charts else "no charts"
    return (
        f"Plan #{plan.id} for **{coach.name}** on {plan.trade_date.isoformat()} updated "
        f"(version {plan.version}; {charts}).\n> {preview(plan.text)}"
    )


def edit_cannot_move(plan: Plan, coach: Coach, to: Coach, day: date, prefix: str) -> str:
    """The Discord message of a plan was edited to name another coach or date."""
    return (
        f"An edit cannot move plan #{plan.id} ({_slot(coach, plan)}) to {to.wire_key} on "
        f"{day.isoformat()}; the plan was left as it was. To move it, delete this message "
        f"(its plan is deleted with it) and post `{prefix}plan {to.key} {day.isoformat()} …` "
        "again."
    )


def deleted_with_message(plan: Plan, coach: Coach, prefix: str) -> str:
    """A plan went with its deleted Discord message: say so, and how to get it back."""
    day = plan.trade_date.isoformat()
    return (
        f"Plan #{plan.id} for **{coach.name}** on {day} (by {plan.author}) was deleted with "
        f"its Discord message. To restore it, post `{prefix}plan {coach.key} {day} …` again, "
        f"or an admin can restore it through the API: `POST /api/v1/plans/{plan.id}/restore`."
    )


def deleted(result: WriteResult, coach: Coach) -> str:
    plan = result.plan
    if result.duplicate:
        return f"Plan #{plan.id} ({_slot(coach, plan)}) was already deleted."
    return (
        f"Plan #{plan.id} for **{coach.name}** on {plan.trade_date.isoformat()} deleted. "
        "It stays in the history and an admin can restore it."
    )


def plan_list(title: str, plans: Sequence[Plan], roster: Roster) -> str:
    if not plans:
        return f"{title}: no plans."
    lines = [f"{title}:"]
    for plan in plans:
        coach = roster.find(plan.coach)
        name = coach.name if coach else plan.coach
        lines.append(
            f"• **{name}** — plan #{plan.id} by {plan.author}, {_charts(len(plan.charts))}\n"
            f"  > {preview(plan.text)}"
        )
    return "\n".join(lines)


def history(coach: Coach, day: date, revisions: Sequence[Revision]) -> str:
    if not revisions:
        return f"No plan for **{coach.name}** on {day.isoformat()}."
    lines = [f"History of **{coach.name}** on {day.isoformat()} (newest first):"]
    for rev in reversed(revisions):
        when = rev.created_at.strftime("%Y-%m-%d %H:%M UTC")
        what = _ACTIONS.get(rev.action, rev.action.value)
        lines.append(f"• v{rev.number} {what} by {rev.actor}, {when}: {preview(rev.text, 80)}")
    return "\n".join(lines)


def help_text(prefix: str, roster: Roster) -> str:
    coaches = ", ".join(f"`{coach.key}` {coach.name}" for coach in roster)
    p = prefix
    return "\n".join(
        [
            "**coachplans** keeps each coach's daily plan with its charts for the trading agents.",
            f"`{p}plan <coach> [YYYY-MM-DD] <text>` or `{p}plan <coach>: <text>` — post the "
            "plan (attach up to 10 chart images); posting again replaces it.",
            f"`{p}edit <coach> [YYYY-MM-DD] <new text>` or `{p}edit <plan id> <new text>` — "
            "change the text; charts are kept.",
            f"`{p}delete <coach> [YYYY-MM-DD]` or `{p}delete <plan id>` — delete a plan.",
            f"`{p}plans [YYYY-MM-DD]` — every coach's plan of a day (default today).",
            f"`{p}myplans [YYYY-MM-DD]` — the plans you posted that day.",
            f"`{p}history <coach> [YYYY-MM-DD]` — every change to a plan.",
            "Slash commands: `/plan` (a form with a file upload), `/plans`, `/history`.",
            "Editing or deleting the Discord message of a plan updates or deletes the plan.",
            f"Coaches: {coaches}.",
        ]
    )


_ACTIONS = {
    Action.CREATE: "posted",
    Action.REPLACE: "re-posted",
    Action.EDIT: "edited",
    Action.DELETE: "deleted",
    Action.RESTORE: "restored",
    Action.IMPORT: "imported",
}


def _slot(coach: Coach, plan: Plan) -> str:
    return f"{coach.wire_key}, {plan.trade_date.isoformat()}"


def _charts(count: int) -> str:
    return "no charts" if count == 0 else "1 chart" if count == 1 else f"{count} charts"


def _chart_names(charts: Sequence[ChartRef]) -> str:
    return ", ".join(
        repr(chart.filename) if chart.filename else f"chart {n}"
        for n, chart in enumerate(charts, 1)
    )


def _warnings(warnings: Sequence[str]) -> list[str]:
    return [f"⚠️ Skipped: {warning}" for warning in warnings]
