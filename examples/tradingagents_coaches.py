"""The coaches' plans in a real TradingAgents run (TradingAgents 0.3).

Start a coachplans server first, for example the mock one (seeded plans, no Discord):

    coachplans serve --mock

then:

    python examples/tradingagents_coaches.py [--base-url URL] [--ticker NVDA] [--date YYYY-MM-DD]

The date defaults to the last weekday (the mock server has plans for it). Models: when the API
key of TradingAgents' provider is set (``OPENAI_API_KEY`` for its default "openai"; the
provider and models come from its ``TRADINGAGENTS_*`` variables), this is a real run, with
real models and market data. Otherwise, or with ``--fake-models``, every agent is a fake chat
model and TradingAgents' Yahoo identity look-up is answered locally, so nothing leaves the
machine but the requests to coachplans. ``--offline`` uses the client's offline mock mode
instead of a server.

Needs ``pip install 'coachplans[agents]'`` and TradingAgents 0.3 (from its repository,
TauricResearch/TradingAgents).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

try:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatResult
    from pydantic import Field
    from tradingagents.default_config import DEFAULT_CONFIG
    from tradingagents.graph import trading_graph
    from tradingagents.llm_clients.api_key_env import get_api_key_env

    from coachplans import EnhancedWebhookClient
    from coachplans.agents.tradingagents import with_coach_plans
except ImportError as missing:
    package = str(missing.name).split(".")[0]
    sys.exit(
        f"this example needs TradingAgents 0.3 and coachplans[agents] ({package} is not "
        "installed): pip install 'coachplans[agents]' and TradingAgents"
    )

MARKER = "Coach plans for "


class FakeChatModel(BaseChatModel):
    """Answers every agent with a short canned text, and counts the prompts that carried the
    coach plans. It never calls tools and declines structured output."""

    prompts: int = 0
    with_plans: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "example-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **_: Any
    ) -> ChatResult:
        node = str((getattr(run_manager, "metadata", None) or {}).get("langgraph_node", "?"))
        self.prompts += 1
        if any(MARKER in str(message.content) for message in messages):
            self.with_plans.append(node)
        text = f"{node}: the coaches' levels noted; staying flexible. **Rating**: Hold"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def bind_tools(self, tools: Any, **_: Any) -> Any:
        return self

    def with_structured_output(self, schema: Any, **_: Any) -> Any:
        raise NotImplementedError("the fake model answers in free text")


class FakeClient:
    def __init__(self, model: FakeChatModel):
        self.model = model

    def get_llm(self) -> FakeChatModel:
        return self.model


def use_fake_models(model: FakeChatModel) -> None:
    """Offline only: TradingAgents' LLM factory gives the fake model, and its Yahoo identity
    look-up (the one network call it makes before any agent) answers "unknown"."""
    trading_graph.create_llm_client = lambda **_: FakeClient(model)
    trading_graph.resolve_instrument_identity = lambda ticker: {}


def real_models_available() -> bool:
    key = get_api_key_env(str(DEFAULT_CONFIG["llm_provider"]))
    return bool(key and os.environ.get(key))


def last_weekday(today: str) -> str:
    day = date.fromisoformat(today)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day.isoformat()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--ticker", default="NVDA")
    parser.add_argument("--date", help="YYYY-MM-DD (default: the last weekday)")
    parser.add_argument("--offline", action="store_true", help="client mock mode, no server")
    parser.add_argument("--fake-models", action="store_true", help="even when a key is set")
    parser.add_argument("--reports", type=Path, help="where to save the reports")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    client = EnhancedWebhookClient(args.base_url, mock=args.offline, max_retries=1)
    health = client.check_health()
    if health.get("status") == "unhealthy":
        print(
            f"coachplans is not reachable at {args.base_url} ({health.get('error')}): start "
            "one with `coachplans serve --mock`, or pass --offline",
            file=sys.stderr,
        )
        return 1
    fake = args.fake_models or not real_models_available()
    config = dict(DEFAULT_CONFIG)
    model = FakeChatModel()
    if fake:
        use_fake_models(model)
        work = Path(tempfile.mkdtemp(prefix="coachplans-tradingagents-"))
        config.update(
            results_dir=str(work / "results"),
            data_cache_dir=str(work / "cache"),
            memory_log_path=None,
        )
    day = args.date or last_weekday(client.trading_day.today())
    source = "offline mock plans" if args.offline else args.base_url
    print(f"{args.ticker} on {day}, plans from {source}, {'fake' if fake else 'real'} models")

    # Offline, only the analysts whose data comes through tools (never called by the fake).
    analysts = ("market",) if fake else ("market", "social", "news", "fundamentals")
    # The lines of the README:
    ta = trading_graph.TradingAgentsGraph(selected_analysts=analysts, config=config)
    ta = with_coach_plans(ta, client)
    final_state, decision = ta.propagate(args.ticker, day)
    saved = ta.save_reports(final_state, args.ticker, args.reports)

    print(f"\n--- what every agent read (coaches_report)\n{final_state['coaches_report']}\n")
    if fake:
        agents = ", ".join(model.with_plans)
        print(f"Prompts carrying the coach plans: {len(model.with_plans)} of {model.prompts}")
        print(f"({agents})")
    print(f"Decision: {decision}")
    print(f"Reports: {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
