"""Running the real TradingAgents offline: a recording fake chat model given to its LLM client
factory, its Yahoo identity look-up answered locally, and every connection off loopback
refused (and recorded). TradingAgents is a test dependency: ``scripts/test`` installs it from
``../shared/peers`` when that wheel is there; in CI these tests must run, never skip."""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

ROOT = Path(__file__).resolve().parents[2]
PEER_WHEELS = sorted((ROOT.parent / "shared" / "peers").glob("tradingagents-*.whl"))
IN_CI = os.environ.get("CI", "").lower() == "true"
DECIDERS = (
    "Bull Researcher",
    "Bear Researcher",
    "Research Manager",
    "Trader",
    "Aggressive Analyst",
    "Conservative Analyst",
    "Neutral Analyst",
    "Portfolio Manager",
)
IDENTITY = {"company_name": "Test Identity Corp", "sector": "Technology", "industry": "Chips"}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def require_tradingagents() -> None:
    """Skip when TradingAgents is not installed and cannot be (no wheel, not CI); fail
    loudly when it should be there."""
    if importlib.util.find_spec("tradingagents") is not None:
        return
    if PEER_WHEELS or IN_CI:
        where = PEER_WHEELS[0] if PEER_WHEELS else "../shared/peers (missing)"
        pytest.fail(
            f"TradingAgents is not installed but must be tested here: run scripts/test, which "
            f"installs {where}",
            pytrace=False,
        )
    pytest.skip("TradingAgents not installed and no ../shared/peers wheel", allow_module_level=True)


class RecordingChatModel(BaseChatModel):
    """Answers every call with a fixed text (the portfolio manager's carries ``rating``) and
    records which graph node asked and the full prompt. No tools are ever called and
    structured output is declined, so TradingAgents takes its free-text path."""

    rating: str = "Underweight"
    calls: list[tuple[str, str]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "recording-fake"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        metadata = getattr(run_manager, "metadata", None) or {}
        node = str(metadata.get("langgraph_node", "?"))
        self.calls.append((node, "\n".join(str(m.content) for m in messages)))
        rating = self.rating if node == "Portfolio Manager" else "Hold"
        answer = AIMessage(content=f"{node} (fake model) says: **Rating**: {rating}")
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the recording fake answers in free text")

    def prompts(self, start: int = 0) -> dict[str, list[str]]:
        """The prompts of each node since call number ``start``."""
        found: dict[str, list[str]] = {}
        for node, prompt in self.calls[start:]:
            found.setdefault(node, []).append(prompt)
        return found


class FakeLLMClient:
    """What TradingAgents' ``create_llm_client`` returns: ``get_llm()``."""

    def __init__(self, model: RecordingChatModel):
        self.model = model

    def get_llm(self) -> RecordingChatModel:
        return self.model


class NetworkGuard:
    """Refuses (and records) every connection and name look-up off loopback."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def check(self, host: Any) -> None:
        if isinstance(host, str) and host not in LOOPBACK:
            self.attempts.append(host)
            raise OSError(f"tests may not reach the network ({host})")


@contextmanager
def offline_tradingagents(model: RecordingChatModel) -> Iterator[NetworkGuard]:
    """TradingAgents' LLM factory gives ``model``; its Yahoo identity look-up answers
    ``IDENTITY``; the network is off."""
    trading_graph = importlib.import_module("tradingagents.graph.trading_graph")
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address[0])
        real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        guard.check(host)
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(trading_graph, "create_llm_client", lambda **_: FakeLLMClient(model))
        patch.setattr(trading_graph, "resolve_instrument_identity", lambda ticker: IDENTITY)
        yield guard


def offline_config(folder: Path) -> dict[str, Any]:
    """TradingAgents' default config with every path under ``folder`` and no memory log
    (whose outcome look-ups would ask Yahoo)."""
    default_config = importlib.import_module("tradingagents.default_config")
    return {
        **default_config.DEFAULT_CONFIG,
        "results_dir": str(folder / "results"),
        "data_cache_dir": str(folder / "cache"),
        "memory_log_path": None,
    }
