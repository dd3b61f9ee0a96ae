"""The coach roster and the many spellings of a coach that callers send."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from coachplans.errors import ValidationFailed

WIRE_PREFIX = "coach_"


# The roster when configuration names none (kept from the old system).
DEFAULT_ROSTER: tuple[tuple[str, str], ...] = (
    ("d", "Coach D (Day Trading)"),
    ("i", "Coach I (Intraday)"),
    ("s", "Coach S (Swing)"),
    ("n", "Coach N (News/Events)"),
)


def coach_key(raw: str) -> str:
    """``d``, ``D``, `` d ``, ``coach_d`` -> ``d``."""
    return raw.strip().lower().removeprefix(WIRE_PREFIX)


def wire_key(raw: str) -> str:
    """Any spelling of a coach -> its key on the wire: ``d``, ``coach_D`` -> ``coach_d``."""
    return f"{WIRE_PREFIX}{coach_key(raw)}"


@dataclass(frozen=True, slots=True)
class Coach:
    key: str
    name: str
    user_ids: frozenset[int] = field(default_factory=frozenset)
    role_ids: frozenset[int] = field(default_factory=frozenset)
    channel_ids: frozenset[int] = field(default_factory=frozenset)
    allow_anyone: bool = False

    @property
    def wire_key(self) -> str:
        return f"{WIRE_PREFIX}{self.key}"


class Roster:
    """Ordered coaches from configuration, looked up by any accepted spelling."""

    def __init__(self, coaches: Iterable[Coach]):
        self._coaches = {coach.key: coach for coach in coaches}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._coaches.values())

    def __len__(self) -> int:
        return len(self._coaches)

    @property
    def keys(self) -> list[str]:
        return list(self._coaches)

    def valid_list(self) -> str:
        return ", ".join(self._coaches)

    def find(self, raw: str | None) -> Coach | None:
        """``d``, ``D``, `` d ``, ``coach_d`` all name coach ``d``."""
        if raw is None:
            return None
        return self._coaches.get(coach_key(raw))

    def resolve(self, raw: str | None) -> Coach:
        """Like :meth:`find`, raising the compatibility contract's messages."""
        if raw is None or not raw.strip():
            raise ValidationFailed("Missing required parameter: coach")
        coach = self.find(raw)
        if coach is None:
            shown = raw.strip()
            shown = shown if len(shown) <= 64 else shown[:64] + "..."
            raise ValidationFailed(
                f"Invalid coach name '{shown}'. Valid coaches: {self.valid_list()}"
            )
        return coach


def default_roster() -> Roster:
    return Roster(Coach(key, name) for key, name in DEFAULT_ROSTER)
