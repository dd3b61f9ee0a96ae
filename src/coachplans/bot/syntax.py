"""The arguments of the bot's commands, read from the raw text after the command name.

Coaches write ``!plan d some text``, ``!plan d: some text`` and ``!plan d 2024-05-01 text``.
A word is a date only when it is a real ``YYYY-MM-DD`` date, so ``!edit d 200 SMA holds`` keeps
"200" in the text; a word shaped like a date but malformed (``2024-1-5``, ``2024-02-30``) is an
error rather than silently becoming text or the wrong day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.dates import is_iso_date, parse_date
from coachplans.errors import ValidationFailed

_DATE_SHAPED = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_PLAN_ID = re.compile(r"^#?(\d{1,18})$")
_MAX_SHOWN = 40


class UsageError(ValidationFailed):
    """The command was called with missing or extra parts; the message shows the usage."""


@dataclass(frozen=True, slots=True)
class SlotArgs:
    """``<coach> [YYYY-MM-DD] <text>``; ``trade_date`` None means today."""

    coach: Coach
    trade_date: date | None
    text: str


@dataclass(frozen=True, slots=True)
class Target:
    """The plan a command acts on: a slot (coach and optional date) or a plan id."""

    coach: Coach | None = None
    trade_date: date | None = None
    plan_id: int | None = None


_FORMS = {
    "plan": ("plan <coach> [YYYY-MM-DD] <text>", "plan <coach>: <text>"),
    "edit": ("edit <coach> [YYYY-MM-DD] <new text>", "edit <plan id> <new text>"),
    "delete": ("delete <coach> [YYYY-MM-DD]", "delete <plan id>"),
    "plans": ("plans [YYYY-MM-DD]",),
    "myplans": ("myplans [YYYY-MM-DD]",),
    "history": ("history <coach> [YYYY-MM-DD]",),
}


def usage(prefix: str, command: str) -> str:
    return "Usage: " + " or ".join(f"`{prefix}{form}`" for form in _FORMS[command])


def parse_plan(raw: str, roster: Roster, prefix: str = "!") -> SlotArgs:
    coach, rest = _coach(raw, roster, prefix, "plan")
    day, text = _optional_date(rest)
    if not text:
        raise UsageError(f"The plan text is missing. {usage(prefix, 'plan')}")
    return SlotArgs(coach, day, text)


def parse_edit(raw: str, roster: Roster, prefix: str = "!") -> tuple[Target, str]:
    target, text = _target(raw, roster, prefix, "edit")
    if not text:
        raise UsageError(f"The new text is missing. {usage(prefix, 'edit')}")
    return target, text


def parse_delete(raw: str, roster: Roster, prefix: str = "!") -> Target:
    target, extra = _target(raw, roster, prefix, "delete")
    if extra:
        raise UsageError(
            f"Unexpected text after the plan: '{_shown(extra)}'. {usage(prefix, 'delete')}"
        )
    return target


def parse_history(raw: str, roster: Roster, prefix: str = "!") -> tuple[Coach, date | None]:
    coach, rest = _coach(raw, roster, prefix, "history")
    return coach, parse_day(rest, prefix, "history")


def parse_day(raw: str, prefix: str = "!", command: str = "plans") -> date | None:
    """An optional lone date argument (``!plans [YYYY-MM-DD]``)."""
    word, rest = _head(raw)
    if not word:
        return None
    if rest:
        raise UsageError(f"Unexpected text: '{_shown(rest)}'. {usage(prefix, command)}")
    return _date(word)


def _coach(raw: str, roster: Roster, prefix: str, command: str) -> tuple[Coach, str]:
    word, rest = _head(raw)
    if not word:
        raise UsageError(
            f"Which coach? Valid coaches: {roster.valid_list()}. {usage(prefix, command)}"
        )
    word, rest = _split_colon(word, rest)
    return roster.resolve(word), rest


def _target(raw: str, roster: Roster, prefix: str, command: str) -> tuple[Target, str]:
    word, rest = _head(raw)
    if not word:
        raise UsageError(f"Which plan? {usage(prefix, command)}")
    plan_id = _PLAN_ID.match(word)
    if plan_id and roster.find(word) is None:
        return Target(plan_id=int(plan_id.group(1))), rest
    coach, rest = _coach(raw, roster, prefix, command)
    day, rest = _optional_date(rest)
    return Target(coach=coach, trade_date=day), rest


def _optional_date(rest: str) -> tuple[date | None, str]:
    word, after = _head(rest)
    candidate = word.removesuffix(":")
    if is_iso_date(candidate) or _DATE_SHAPED.match(candidate):
        return _date(candidate), after
    return None, rest


def _date(word: str) -> date:
    word = word.removesuffix(":")
    if not is_iso_date(word):
        raise ValidationFailed(
            f"'{_shown(word)}' is not a valid date. Write dates as YYYY-MM-DD, e.g. 2024-01-05."
        )
    return parse_date(word)


def _split_colon(word: str, rest: str) -> tuple[str, str]:
    """``d:`` and ``d:text`` both name coach ``d``; the text after the colon is kept."""
    coach, colon, tail = word.partition(":")
    if not colon:
        return word, rest
    return coach, f"{tail} {rest}".strip() if tail else rest


def _head(raw: str) -> tuple[str, str]:
    """The first word and the rest, with the rest's line breaks kept."""
    parts = raw.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _shown(text: str) -> str:
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."
