"""The state keys the coach nodes read and write, to declare in a graph's state schema.

LangGraph silently drops an update to a key its state schema does not declare, so a graph
that runs coach nodes must declare these. For TradingAgents' ``AgentState`` and the default
roster::

    class State(AgentState, CoachPlansState): ...

or, for another roster, ``extend_state(AgentState, coaches=("d", "x"))``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any

from typing_extensions import TypedDict

from coachplans.agents.reports import wire

ROSTER = ("d", "i", "s", "n")
RUN_KEYS: dict[str, Any] = {
    "coaches_report": str,  # every coach's report and the consensus, as the agents read it
    "coaches_consensus_report": str,
}


def coach_fields(coach: str) -> dict[str, Any]:
    """One coach's keys: the plan as given (``_plan``, ``_charts``, ``_found``) and the
    report the nodes write (``_report``)."""
    key = wire(coach)
    return {
        f"{key}_plan": str,
        f"{key}_charts": list[str],
        f"{key}_found": bool,
        f"{key}_report": str,
    }


def coach_state_fields(coaches: Iterable[str] = ROSTER) -> dict[str, Any]:
    """Every key of ``coaches`` and of a run (``coaches_report``, the consensus), with types."""
    fields: dict[str, Any] = {}
    for coach in coaches:
        fields.update(coach_fields(coach))
    return {**fields, **RUN_KEYS}


class CoachPlansState(TypedDict, total=False):
    """The coach keys of the default roster (d, i, s, n), to mix into a state schema. A
    ``typing_extensions`` TypedDict, like LangGraph's ``MessagesState`` (and so TradingAgents'
    ``AgentState``); to extend a ``typing.TypedDict``, use ``extend_state``."""

    coach_d_plan: str
    coach_d_charts: list[str]
    coach_d_found: bool
    coach_d_report: str
    coach_i_plan: str
    coach_i_charts: list[str]
    coach_i_found: bool
    coach_i_report: str
    coach_s_plan: str
    coach_s_charts: list[str]
    coach_s_found: bool
    coach_s_report: str
    coach_n_plan: str
    coach_n_charts: list[str]
    coach_n_found: bool
    coach_n_report: str
    coaches_report: str
    coaches_consensus_report: str


def extend_state(base: type[Any], coaches: Iterable[str] = ROSTER) -> type[Any]:
    """A TypedDict subclass of ``base`` (e.g. ``AgentState``) that also declares the coach
    keys of ``coaches`` (the keys ``base`` already has are kept as they are)."""
    known = declared_keys(base)
    added = {k: v for k, v in coach_state_fields(coaches).items() if k not in known}

    def body(namespace: dict[str, Any]) -> None:
        namespace["__annotations__"] = added
        namespace["__module__"] = __name__

    name = f"{getattr(base, '__name__', 'State')}WithCoachPlans"
    extended: type[Any] = types.new_class(name, (base,), {"total": False}, body)
    return extended


def declared_keys(schema: Any) -> set[str]:
    """The keys a state schema declares (a TypedDict, dataclass or pydantic model)."""
    try:
        return set(typing.get_type_hints(schema))
    except TypeError:
        return set(getattr(schema, "__annotations__", {}))


def missing_keys(schema: Any, keys: Iterable[str]) -> list[str]:
    known = declared_keys(schema)
    return [key for key in keys if key not in known]
