"""Who may post for a coach from Discord: ids, never names; secure by default."""

from __future__ import annotations

import pytest

from coachplans.domain.access import denial_reason, may_post
from coachplans.domain.coaches import Coach
from coachplans.domain.plans import Actor

USER = 111
ROLE = 222
CHANNEL = 333
OTHER_CHANNEL = 444


def test_secure_default_denies_everyone_but_admins() -> None:
    coach = Coach("d", "Coach D")
    actor = Actor("someone", discord_id=USER, role_ids=frozenset({ROLE}))
    assert not may_post(coach, actor)
    assert not may_post(coach, actor, CHANNEL)
    reason = denial_reason(coach, actor)
    assert reason.startswith("Nobody is authorised to post for coach_d yet.")
    assert "coaches[d]" in reason
    assert "user ids or role ids" in reason


def test_admin_may_post_for_any_coach_anywhere() -> None:
    admin = Actor("boss", discord_id=999, is_admin=True)
    assert may_post(Coach("d", "Coach D"), admin)
    restricted = Coach("d", "Coach D", user_ids=frozenset({USER}), channel_ids=frozenset({CHANNEL}))
    assert may_post(restricted, admin, OTHER_CHANNEL)


def test_listed_user_id_may_post() -> None:
    coach = Coach("d", "Coach D", user_ids=frozenset({USER}))
    assert may_post(coach, Actor("coach d", discord_id=USER))
    stranger = Actor("stranger", discord_id=USER + 1)
    assert not may_post(coach, stranger)
    assert denial_reason(coach, stranger) == "You are not authorised to post for coach_d."


def test_names_do_not_grant_access() -> None:
    coach = Coach("d", "Coach D", user_ids=frozenset({USER}))
    assert not may_post(coach, Actor("Coach D", discord_id=None))
    assert not may_post(coach, Actor("coach_d", discord_id=USER + 1))


def test_role_id_grants_access() -> None:
    coach = Coach("d", "Coach D", role_ids=frozenset({ROLE}))
    assert may_post(coach, Actor("member", discord_id=5, role_ids=frozenset({1, ROLE})))
    without = Actor("member", discord_id=5, role_ids=frozenset({1, 2}))
    assert not may_post(coach, without)
    assert denial_reason(coach, without) == "You are not authorised to post for coach_d."


def test_allow_anyone_is_an_explicit_opt_in() -> None:
    coach = Coach("d", "Coach D", allow_anyone=True)
    assert may_post(coach, Actor("anyone"))
    assert may_post(coach, Actor("anyone", discord_id=12345))


@pytest.mark.parametrize(
    "coach",
    [
        Coach("d", "Coach D", user_ids=frozenset({USER}), channel_ids=frozenset({CHANNEL})),
        Coach("d", "Coach D", role_ids=frozenset({ROLE}), channel_ids=frozenset({CHANNEL})),
        Coach("d", "Coach D", allow_anyone=True, channel_ids=frozenset({CHANNEL})),
    ],
)
def test_channel_restriction(coach: Coach) -> None:
    actor = Actor("coach d", discord_id=USER, role_ids=frozenset({ROLE}))
    assert may_post(coach, actor, CHANNEL)
    assert not may_post(coach, actor, OTHER_CHANNEL)
    assert denial_reason(coach, actor, OTHER_CHANNEL) == (
        "Plans for coach_d are not accepted in this channel."
    )
    # No channel known (e.g. a DM-less code path): only the ids decide.
    assert may_post(coach, actor, None)


def test_channel_reason_wins_over_missing_configuration() -> None:
    coach = Coach("d", "Coach D", channel_ids=frozenset({CHANNEL}))
    actor = Actor("x", discord_id=USER)
    assert not may_post(coach, actor, CHANNEL)
    assert denial_reason(coach, actor, OTHER_CHANNEL) == (
        "Plans for coach_d are not accepted in this channel."
    )
    assert denial_reason(coach, actor, CHANNEL).startswith("Nobody is authorised")


def test_actor_without_discord_id_is_not_matched_by_user_ids() -> None:
    coach = Coach("d", "Coach D", user_ids=frozenset({USER}))
    assert not may_post(coach, Actor("api-token"))
