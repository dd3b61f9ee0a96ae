"""Models of the v1 API's answers, for the typed client (mirrors coachplans.api.schemas).

Unknown fields are ignored, so a newer server that adds fields does not break older clients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic_core import from_json

from coachplans.client.errors import ClientError
from coachplans.contract import plan_etag
from coachplans.domain.tickers import canonical_ticker

_READ = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
_RAW = "signals_raw"  # the key of a plan's deferred signals in its private slot


class Chart(BaseModel):
    """A chart image: the URL of the server's archived copy, SHA-256, type, size, original
    name. ``archived`` is False for a chart imported from the old system whose bytes could not
    be fetched: then ``url`` is its original (likely expired) link and the rest is None."""

    model_config = _READ

    url: str
    sha256: str | None = None
    content_type: str | None = None
    size: int | None = None
    filename: str | None = None
    archived: bool = True


class Level(BaseModel):
    """A price level; a range when ``high`` is set (``945-950``: low 945, high 950)."""

    model_config = _READ

    kind: Literal["entry", "target", "stop", "support", "resistance"] | str
    low: float
    high: float | None = None


class Signal(BaseModel):
    """What a plan says about one ticker: its bias and the levels it gives (SPEC §3.5)."""

    model_config = _READ

    ticker: str
    bias: Literal["bullish", "bearish", "neutral"] | str
    levels: list[Level] = []


class Plan(BaseModel):
    """A coach's plan for one trading date, as ``/api/v1/plans`` returns it."""

    model_config = _READ

    id: int
    coach: str  # wire key, "coach_d"
    coach_key: str  # "d"
    date: dt.date
    text: str
    author: str
    author_id: str | None = None
    channel: str | None = None
    created_at: dt.datetime
    edited_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    deleted: bool = False
    version: int
    revision_count: int = 0
    charts: list[Chart] = []
    # Kept as parsed JSON and turned into models on first use: a backtest page of 1,000
    # signal-dense plans holds tens of thousands of levels, most of which nobody reads.
    signals_json: Any = Field(default_factory=list, alias="signals", repr=False)
    # A plan read from a range page (plan_pages.py) keeps the bytes of its signals undecoded
    # until ``signals_json`` is first read: decoding them is most of the cost of a page. They
    # wait in the private slot, set only then (a declared PrivateAttr would cost every plan a
    # Python call when validated).

    def _defer_signals(self, raw: bytes) -> None:
        """Replace the (placeholder) decoded signals by their undecoded JSON."""
        del self.__dict__["signals_json"]
        object.__setattr__(self, "__pydantic_private__", {_RAW: raw})

    def _decoded_signals(self) -> Any:
        """``signals_json``, decoding deferred signals once (then kept like any plan's)."""
        private = self.__pydantic_private__
        if private is not None and _RAW in private:
            try:
                decoded = from_json(private[_RAW])
            except ValueError as exc:  # the server sent broken JSON inside ``signals``
                raise ClientError(f"unexpected answer: signals of plan {self.id}: {exc}") from exc
            # Frozen model: written straight into the instance, as pydantic itself does.
            self.__dict__.setdefault("signals_json", decoded)
            object.__setattr__(self, "__pydantic_private__", None)
        return self.__dict__["signals_json"]

    if not TYPE_CHECKING:  # keep mypy from typing every attribute of Plan as Any

        def __getattr__(self, name: str) -> Any:
            if name == "signals_json" and "signals_json" not in self.__dict__:
                return self._decoded_signals()
            return super().__getattr__(name)

    # Every way to read the fields as a whole decodes deferred signals first, so a plan from a
    # range page dumps, compares and iterates exactly like the same plan read on its own.
    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> Any:
        self._decoded_signals()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Plan):
            self._decoded_signals()
            other._decoded_signals()
        return super().__eq__(other)

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        self._decoded_signals()
        return super().__iter__()

    @cached_property
    def signals(self) -> list[Signal]:
        """What the plan says per ticker (bias and levels), as the server parsed it."""
        return [Signal.model_validate(item) for item in self.signals_json or ()]

    @property
    def etag(self) -> str:
        """The value for ``If-Match`` when editing, deleting or restoring this version."""
        return plan_etag(self.id, self.version)

    def signal_for(self, ticker: str) -> Signal | None:
        """What this plan says about ``ticker`` (any spelling), or None."""
        symbol = canonical_ticker(ticker)
        return next((s for s in self.signals if canonical_ticker(s.ticker) == symbol), None)


class PlanPage(BaseModel):
    """One page of a plan listing; pass ``next_cursor`` back for the next one."""

    model_config = _READ

    plans: list[Plan]
    next_cursor: str | None = None


class Revision(BaseModel):
    """A plan as it was after one change."""

    model_config = _READ

    id: int
    plan_id: int
    number: int
    action: str
    text: str
    charts: list[Chart] = []
    actor: str
    actor_id: str | None = None
    source: str
    created_at: dt.datetime


class Coach(BaseModel):
    model_config = _READ

    key: str
    wire_key: str
    name: str


class ComponentStatus(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    status: str


class Health(BaseModel):
    """``/health``: overall status and per component (database, discord_bot)."""

    model_config = _READ

    status: Literal["healthy", "degraded", "unhealthy"] | str
    timestamp: dt.datetime | None = None
    components: dict[str, ComponentStatus] = {}

    @property
    def ok(self) -> bool:
        return self.status == "healthy"
