"""Differences between two revisions' texts, word by word, for ``<ins>``/``<del>`` markup.

Pure: returns segments; the template escapes their text, so a plan's HTML stays text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["same", "ins", "del"]
# Words, runs of white space and single punctuation marks: a changed price or word is marked
# alone, and line breaks survive (the page keeps them with white-space: pre-wrap).
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Segment:
    kind: Kind
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    """Neighbours of the same kind become one segment (fewer, longer ``<ins>``/``<del>``)."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        elif segment.text:
            merged.append(segment)
    return merged


def diff_segments(before: str, after: str) -> list[Segment]:
    """``after`` as segments: unchanged text, inserted text and the deleted text in its place
    (a replacement reads deletion first, then insertion)."""
    old, new = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(new[j1:j2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("del", "".join(old[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("ins", "".join(new[j1:j2])))
    return _merge(segments)
