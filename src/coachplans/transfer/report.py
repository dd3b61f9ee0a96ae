"""What an import, export or copy did: plain text for people, a dict for ``--json``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from coachplans.domain.imports import ImportOutcome, Skipped

SHOWN_PER_REASON = 20


@dataclass
class ImportReport:
    source: str
    format: str
    target: str
    dry_run: bool
    source_schema: str | None = None
    backup: str | None = None
    read: Counter[str] = field(default_factory=Counter)
    imported: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    fetch_failures: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def record(self, outcomes: list[ImportOutcome], skipped: list[Skipped]) -> None:
        for outcome in outcomes:
            self.notes.extend((outcome.origin, note) for note in outcome.notes)
            if not outcome.imported:
                reason = outcome.reason or "skipped"
                self.skipped.append((outcome.origin, reason, outcome.detail))
                continue
            self.imported["plans"] += 1
            self.imported["revisions"] += outcome.revisions
            self.imported["charts archived"] += outcome.charts_archived
            self.imported["charts kept as external links"] += outcome.charts_external
        self.skipped.extend((item.origin, item.reason, item.detail) for item in skipped)

    @property
    def skip_reasons(self) -> Counter[str]:
        return Counter(reason for _, reason, _ in self.skipped)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": "import",
            "source": self.source,
            "format": self.format,
            "source_schema_version": self.source_schema,
            "target": self.target,
            "dry_run": self.dry_run,
            "backup": self.backup,
            "read": dict(self.read),
            "imported": {
                "plans": self.imported["plans"],
                "revisions": self.imported["revisions"],
                "charts_archived": self.imported["charts archived"],
                "charts_external": self.imported["charts kept as external links"],
            },
            "skipped": {
                "total": len(self.skipped),
                "by_reason": dict(self.skip_reasons),
                "items": [
                    {"origin": origin, "reason": reason, "detail": detail}
                    for origin, reason, detail in self.skipped
                ],
            },
            "normalised": [{"origin": origin, "note": note} for origin, note in self.notes],
            "chart_fetch_failures": dict(self.fetch_failures),
            "target_rows_after": self.totals,
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        outcome = "dry run, nothing written" if self.dry_run else "committed"
        schema = f", schema version {self.source_schema}" if self.source_schema else ""
        lines = [
            f"import of {self.source} ({self.format}{schema}) into {self.target}: "
            f"{outcome} in {self.seconds:.1f} s",
        ]
        if self.backup:
            lines.append(f"backup:     {self.backup}")
        lines.append(f"read:       {_counts(self.read, 'plans')}")
        verb = "would import" if self.dry_run else "imported"
        lines.append(
            f"{verb + ':':<11} {self.imported['plans']} plans, "
            f"{self.imported['revisions']} revisions; charts: "
            f"{self.imported['charts archived']} archived, "
            f"{self.imported['charts kept as external links']} kept as external links"
        )
        lines.extend(self._skipped_lines())
        lines.extend(_detail_block("normalised", [(o, n, "") for o, n in self.notes]))
        if self.fetch_failures:
            failures = ", ".join(f"{r}: {n}" for r, n in self.fetch_failures.most_common())
            lines.append(f"not fetched: {failures}")
        return "\n".join(lines) + "\n"

    def _skipped_lines(self) -> list[str]:
        lines = [f"skipped:    {len(self.skipped)}"]
        for reason, count in self.skip_reasons.most_common():
            lines.append(f"  {reason}: {count}")
            items = [item for item in self.skipped if item[1] == reason]
            lines.extend(_items(items))
        return lines


@dataclass
class ExportReport:
    output: str
    counts: dict[str, int]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "command": "export",
            "output": self.output,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        return (
            f"export to {self.output}: {self.counts.get('plans', 0)} plans, "
            f"{self.counts.get('revisions', 0)} revisions, {self.counts.get('blobs', 0)} chart "
            f"images in {self.seconds:.1f} s\n"
        )


@dataclass
class CopyReport:
    source: str
    target: str
    source_counts: dict[str, int]
    target_counts: dict[str, int]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.source_counts == self.target_counts

    def to_json(self) -> dict[str, Any]:
        return {
            "command": "db copy",
            "from": self.source,
            "to": self.target,
            "tables": {
                name: {"source": count, "target": self.target_counts.get(name)}
                for name, count in self.source_counts.items()
            },
            "verified": self.ok,
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        lines = [f"copy {self.source} -> {self.target} in {self.seconds:.1f} s"]
        lines.append(f"  {'table':<12} {'source':>10} {'target':>10}")
        for name, count in self.source_counts.items():
            target = self.target_counts.get(name)
            mark = "" if target == count else "  MISMATCH"
            lines.append(f"  {name:<12} {count:>10} {target!s:>10}{mark}")
        lines.append("counts verified: every table matches" if self.ok else "counts DIFFER")
        return "\n".join(lines) + "\n"


def _counts(counter: Counter[str], first: str) -> str:
    names = [first, *sorted(name for name in counter if name != first)]
    return ", ".join(f"{counter[name]} {name}" for name in names)


def _detail_block(title: str, items: list[tuple[str, str, str]]) -> list[str]:
    if not items:
        return []
    return [f"{title}: {len(items)}", *_items(items)]


def _items(items: list[tuple[str, str, str]]) -> list[str]:
    lines = []
    for origin, text, detail in items[:SHOWN_PER_REASON]:
        shown = detail if detail else text
        lines.append(f"    {origin}: {shown}")
    if len(items) > SHOWN_PER_REASON:
        lines.append(f"    ... and {len(items) - SHOWN_PER_REASON} more (--json lists all)")
    return lines
