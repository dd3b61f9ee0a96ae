"""A small LangGraph graph over the coaches' plans, with a fake chat model (no API key).

Start a server first, for example the mock one (no Discord, seeded plans):

    coachplans serve --mock

then:

    python examples/langgraph_coaches.py [--base-url URL] [--ticker NVDA] [--date YYYY-MM-DD]

(the base URL defaults to http://127.0.0.1:5000).

Needs: pip install 'coachplans[agents]' (LangChain and LangGraph beside the client).

``--offline`` uses the client's offline mock mode instead of a server. The graph: one node
per coach writes ``coach_<x>_report`` in parallel, then an "analyst" node hands the reports
to the model as message content (plans are data, never prompt template text) and a
deterministic consensus is printed next to the model's answer.
"""

from __future__ import annotations

import argparse
import operator
import sys
from typing import Annotated, Any, TypedDict

try:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
    from langgraph.graph import END, START, StateGraph

    from coachplans import EnhancedWebhookClient
    from coachplans.agents import ROSTER, add_coach_nodes, consensus_report, flat_plan_state
except ModuleNotFoundError as missing:
    sys.exit(
        f"langgraph_coaches.py needs the agents extra ({missing.name} is missing): "
        "pip install 'coachplans[agents]'"
    )


class State(TypedDict, total=False):
    company_of_interest: str
    trade_date: str
    coach_d_report: str
    coach_i_report: str
    coach_s_report: str
    coach_n_report: str
    messages: Annotated[list[BaseMessage], operator.add]
    decision: str


def build_graph(client: EnhancedWebhookClient) -> Any:
    model = FakeListChatModel(responses=["HOLD: the coaches disagree; wait for the open."])
    graph = StateGraph(State)
    names = add_coach_nodes(graph, ROSTER, client)

    def analyst(state: State) -> dict[str, Any]:
        reports = [str(state.get(f"coach_{c}_report", "")) for c in ROSTER]
        messages: list[BaseMessage] = [
            SystemMessage("You are a trading analyst. Decide BUY, SELL or HOLD."),
            *(HumanMessage(report) for report in reports),
        ]
        return {"messages": messages, "decision": str(model.invoke(messages).content)}

    graph.add_node("analyst", analyst)
    for name in names:
        graph.add_edge(START, name)
    graph.add_edge(names, "analyst")
    graph.add_edge("analyst", END)
    return graph.compile()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--ticker", default="SPY")
    parser.add_argument("--date", help="YYYY-MM-DD (default: today in New York)")
    parser.add_argument("--offline", action="store_true", help="mock plans without a server")
    args = parser.parse_args(argv)

    client = EnhancedWebhookClient(args.base_url, timeout=5, max_retries=1, mock=args.offline)
    with client:
        health = client.check_health()
        if "error" in health:
            print(
                f"coachplans is not reachable at {args.base_url}: {health['error']}\n"
                "Start it with `coachplans serve --mock`, or pass --base-url or --offline.",
                file=sys.stderr,
            )
            return 1
        day = args.date or client.trading_day.today()
        final = build_graph(client).invoke({"company_of_interest": args.ticker, "trade_date": day})
        for coach in ROSTER:
            print(f"--- coach_{coach}_report\n{final[f'coach_{coach}_report']}\n")
        flat = flat_plan_state(client, day)
        plans = {c: flat[f"coach_{c}_plan"] for c in ROSTER if flat[f"coach_{c}_found"]}
        print(consensus_report(plans, args.ticker))
        print(f"\nDecision (fake model): {final['decision']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
