"""The deterministic consensus across coaches, for agents; it lives in the domain so the API,
the dashboard and MCP give the same answer."""

from __future__ import annotations

from coachplans.domain.consensus import consensus_report, level_text, price

__all__ = ["consensus_report", "level_text", "price"]
