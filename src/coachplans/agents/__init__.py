"""coachplans for LangGraph / TradingAgents (SPEC §8). Needs the ``agents`` extra
(``pip install 'coachplans[agents]'``: langchain-core and langgraph); nothing else in
coachplans imports this package.

- ``coachplans.agents.tradingagents.with_coach_plans``: a real ``TradingAgentsGraph`` whose
  every deciding agent reads the coaches' plans (SPEC §8.1);
- ``create_coach_node`` / ``create_coach_nodes`` / ``add_coach_nodes``: nodes writing
  ``coach_<x>_report`` for ``company_of_interest`` on ``trade_date``; ``add_coach_nodes``
  refuses a state schema that would drop their keys;
- ``CoachPlansState`` / ``coach_state_fields`` / ``extend_state``: those keys, to declare in a
  state schema (``class State(AgentState, CoachPlansState)``);
- ``coach_plans_tool`` / ``make_coach_plans_tool``: a ``@tool`` answering with plans as text;
- ``flat_plan_state``: the flat ``coach_<x>_plan`` / ``coach_<x>_charts`` dict of older graphs;
- ``consensus_report``: who is bullish or bearish on a ticker, and their levels, without an LLM;
- ``post_decision``: the run's decision to a Discord webhook.

Plans are data: pass them to a model as message content or prompt values, never as prompt
template text. Trade dates: ``date``, ``datetime``, ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS``
(and the unpadded ``2024-5-10``); anything else is a ``TradeDateError``.
"""

from coachplans.agents.consensus import consensus_report
from coachplans.agents.dates import TradeDateError, trade_date_text
from coachplans.agents.nodes import (
    StateSchemaError,
    add_coach_nodes,
    create_coach_node,
    create_coach_nodes,
    node_name,
)
from coachplans.agents.reports import coach_report
from coachplans.agents.state import (
    ROSTER,
    CoachPlansState,
    coach_state_fields,
    extend_state,
)
from coachplans.agents.tools import (
    coach_plans_tool,
    flat_plan_state,
    make_coach_plans_tool,
    plans_text,
)
from coachplans.agents.webhook import WebhookError, post_decision

__all__ = [
    "ROSTER",
    "CoachPlansState",
    "StateSchemaError",
    "TradeDateError",
    "WebhookError",
    "add_coach_nodes",
    "coach_plans_tool",
    "coach_report",
    "coach_state_fields",
    "consensus_report",
    "create_coach_node",
    "create_coach_nodes",
    "extend_state",
    "flat_plan_state",
    "make_coach_plans_tool",
    "node_name",
    "plans_text",
    "post_decision",
    "trade_date_text",
]
