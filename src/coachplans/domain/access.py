"""Who may post, edit and delete for a coach: by Discord user id and role id, never by name."""

from __future__ import annotations

from coachplans.domain.coaches import Coach
from coachplans.domain.plans import Actor


def may_post(coach: Coach, actor: Actor, channel_id: int | None = None) -> bool:
    """Secure by default: a coach with no users or roles configured accepts nobody."""
    if actor.is_admin:
        return True
    if coach.channel_ids and channel_id is not None and channel_id not in coach.channel_ids:
        return False
    if coach.allow_anyone:
        return True
    if actor.discord_id is not None and actor.discord_id in coach.user_ids:
        return True
    return bool(actor.role_ids & coach.role_ids)


def denial_reason(coach: Coach, actor: Actor, channel_id: int | None = None) -> str:
    """A short explanation for the coach, saying how an operator grants access."""
    if coach.channel_ids and channel_id is not None and channel_id not in coach.channel_ids:
        return f"Plans for {coach.wire_key} are not accepted in this channel."
    if not (coach.user_ids or coach.role_ids or coach.allow_anyone):
        return (
            f"Nobody is authorised to post for {coach.wire_key} yet. An operator must add "
            f"Discord user ids or role ids under coaches[{coach.key}] in the config."
        )
    return f"You are not authorised to post for {coach.wire_key}."
