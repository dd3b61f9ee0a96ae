"""The old system's Python names (SPEC §9.1), as thin facades over the real layers.

Scripts written for the old server keep working with only their imports changed::

    config = ConfigManager()
    storage = StorageManager(config.database_path)
    service = PlanService(storage)
    populate_mock_data(service, "2024-11-09")
    service.get_all_plans_for_api("2024-11-09")

Nothing here holds a rule of its own: settings come from :mod:`coachplans.settings`, storage from
:mod:`coachplans.store`, every read and write goes through :class:`coachplans.service.PlanService`,
and the JSON shapes come from :mod:`coachplans.compat_json`. Bad input never raises: writes answer
``(False, message)`` and reads answer ``{"error": message}`` with the domain's message
(``get_plan_history`` answers ``(False, [])``). One rule is the facade's own, as the old names
had it: only a plan's author, by the name passed in, may edit or delete it here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from coachplans import service as real
from coachplans.compat_json import history_to_compat, no_plan, plan_to_compat, plans_to_compat
from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Slot, Source, WriteResult
from coachplans.errors import CoachPlansError, Forbidden
from coachplans.settings import Settings, load_settings
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository
from coachplans.wiring import service_over

__all__ = ["ConfigManager", "PlanService", "StorageManager", "populate_mock_data"]

log = logging.getLogger(__name__)

DateLike = str | date | None
Attachment = str | bytes | tuple[str, bytes]


class ConfigManager:
    """Environment plus an optional YAML file, validated by :class:`Settings`.

    The bot is not run from here, so no Discord token is required.
    """

    def __init__(self, config_file: str | None = None):
        self.settings: Settings = load_settings(config_file=config_file, run_bot=False)

    @property
    def database_path(self) -> str:
        return self.settings.database.path

    @property
    def database_url(self) -> str:
        return self.settings.database.effective_url

    @property
    def api_host(self) -> str:
        return self.settings.api.host

    @property
    def api_port(self) -> int:
        return self.settings.api.port

    @property
    def log_level(self) -> str:
        return self.settings.logging.level

    @property
    def discord_token(self) -> str | None:
        token = self.settings.discord.token
        return token.get_secret_value() if token is not None else None

    @property
    def mock_mode(self) -> bool:
        return self.settings.mock.enabled


class StorageManager:
    """A migrated database: a SQLite file path, or any SQLAlchemy URL."""

    def __init__(self, db_path: str = "coach_plans.db"):
        self.db_path = db_path
        url = db_path if "://" in db_path else f"sqlite:///{db_path}"
        self.engine: Engine = make_engine(url)
        upgrade(self.engine)
        self.repo = Repository(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def _split_attachments(
    attachments: Iterable[Any] | None,
) -> tuple[list[ChartUpload], list[str]]:
    """Image bytes become uploads; anything else is kept out with a note for the caller."""
    uploads: list[ChartUpload] = []
    notes: list[str] = []
    for item in attachments or ():
        if isinstance(item, bytes | bytearray):
            uploads.append(ChartUpload(bytes(item)))
        elif _is_named_bytes(item):
            uploads.append(ChartUpload(bytes(item[1]), filename=str(item[0])))
        elif isinstance(item, str):
            notes.append(f"chart URL not archived (pass the image bytes instead): {item[:200]}")
        else:
            notes.append(f"attachment of type {type(item).__name__} ignored")
    return uploads, notes


def _is_named_bytes(item: Any) -> bool:
    return (
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], bytes | bytearray)
    )


def _saved_message(result: WriteResult, notes: list[str]) -> str:
    plan = result.plan
    verb = "replaced" if result.replaced else "saved"
    count = len(plan.charts)
    text = f"Plan {verb} for coach_{plan.coach} on {plan.trade_date.isoformat()}"
    text += f" with {count} chart{'s' if count != 1 else ''}"
    skipped = [*result.skipped_charts, *notes]
    if skipped:
        text += "; skipped: " + "; ".join(skipped)
    return text


class PlanService:
    """The old ``PlanService(storage)``; ``.service`` is the real service underneath."""

    def __init__(self, storage: StorageManager, config: ConfigManager | None = None):
        self.storage = storage
        self.config = config
        self.service: real.PlanService = service_over(
            storage.repo, None if config is None else config.settings
        )

    # -- writes: (ok, message[, plan_id]) ---------------------------------------------------

    def process_plan_message(
        self,
        coach_name: str,
        plan_text: str,
        author: str,
        date: DateLike = None,
        channel: str | None = None,
        attachments: Iterable[Attachment] | None = None,
    ) -> tuple[bool, str, int | None]:
        uploads, notes = _split_attachments(attachments)
        try:
            result = self.service.post_plan(
                coach_name,
                plan_text,
                Actor(author),
                source=Source.CLI,
                trade_date=self._day(date),
                charts=uploads,
                channel=channel,
            )
        except CoachPlansError as exc:
            return False, str(exc), None
        return True, _saved_message(result, notes), result.plan.id

    def edit_plan(
        self, coach_name: str, date: DateLike, new_text: str, author: str
    ) -> tuple[bool, str]:
        try:
            target, version = self._owned(coach_name, date, author, "edit")
            result = self.service.edit_plan(
                target, new_text, Actor(author), source=Source.CLI, expected_version=version
            )
        except CoachPlansError as exc:
            return False, str(exc)
        plan = result.plan
        if result.duplicate:
            return True, f"Plan for coach_{plan.coach} on {plan.trade_date} is unchanged"
        return True, f"Plan edited for coach_{plan.coach} on {plan.trade_date.isoformat()}"

    def delete_plan(self, coach_name: str, date: DateLike, author: str) -> tuple[bool, str]:
        try:
            target, version = self._owned(coach_name, date, author, "delete")
            result = self.service.delete_plan(
                target, Actor(author), source=Source.CLI, expected_version=version
            )
        except CoachPlansError as exc:
            return False, str(exc)
        plan = result.plan
        return True, f"Plan deleted for coach_{plan.coach} on {plan.trade_date.isoformat()}"

    def _owned(
        self, coach_name: str, date: DateLike, author: str, verb: str
    ) -> tuple[Slot, int | None]:
        """The old rule of these names: only the plan's author (by the name passed in) may
        change it. Returns the slot and the version checked, so a change made in between is
        refused by the service instead of slipping past this check."""
        target = Slot(coach_name, self._day(date))
        plan = self.service.get_plan(target.coach, target.trade_date)
        if plan is None:
            return target, None  # the service answers "no live plan" in its own words
        if plan.author != author:
            raise Forbidden(f"Permission denied. Only {plan.author} can {verb} this plan")
        return target, plan.version

    # -- reads: the §6.1 shapes -------------------------------------------------------------

    def get_plan_for_api(self, coach_name: str, date: DateLike = None) -> dict[str, Any]:
        try:
            coach = self.service.resolve_coach(coach_name)
            day = self._day(date)
            plan = self.service.get_plan(coach.key, day)
        except CoachPlansError as exc:
            return {"error": str(exc)}
        return plan_to_compat(plan) if plan is not None else no_plan(coach.wire_key, day)

    def get_all_plans_for_api(self, date: DateLike = None) -> dict[str, Any]:
        try:
            plans = self.service.plans_for_date(self._day(date))
        except CoachPlansError as exc:
            return {"error": str(exc)}
        return plans_to_compat(plans)

    def get_plan_history(
        self, coach_name: str, date: DateLike = None
    ) -> tuple[bool, list[dict[str, Any]]]:
        """``(True, entries)`` newest first, or ``(False, [])`` for a bad coach or date."""
        try:
            entries = self.service.history(coach_name, self._day(date))
        except CoachPlansError as exc:
            log.info("get_plan_history(%r, %r): %s", coach_name, date, exc)
            return False, []
        history: list[dict[str, Any]] = history_to_compat(entries)["history"]
        return True, history

    def _day(self, raw: DateLike) -> date:
        if isinstance(raw, date):
            return raw
        return self.service.resolve_date(raw)


def populate_mock_data(
    service: PlanService | real.PlanService, date: DateLike = None
) -> dict[str, Any]:
    """Seed the mock plans of ``date`` (default today) through the real service."""
    from coachplans.mock import populate_mock_data as populate

    target = service.service if isinstance(service, PlanService) else service
    return populate(target, date if date is not None else target.today())
