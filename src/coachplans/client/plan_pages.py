"""Reading a page of plans fast: each plan's ``signals`` kept as undecoded JSON until first used.

A backtest page of 1,000 signal-dense plans is about 3.7 MB of JSON, two thirds of it signals
(tens of thousands of levels). Validating the plans themselves is cheap; building the Python
objects of their signals is most of the time of a range fetch, and a backtest reads few of them.
So the page is validated with every plan's signals cut out (an empty list in their place), and
each plan keeps the bytes of its own, decoded on first use (models.Plan).

This relies on how the server writes a plan (``coachplans.contract.plan_public``, compact JSON):
"id" first and "signals" last, a signal's "levels" list last in it. The cuts are found by byte
patterns that only occur between JSON tokens: each contains a quote that ends a string, which
cannot appear unescaped inside one. A page laid out any other way (another server, another key
order, a broken answer) is not read here: the caller validates it whole, so a bad answer raises
where it always did. Only broken JSON inside one plan's signals surfaces later, as a ClientError
when they are first read.
"""

from __future__ import annotations

import re
from itertools import pairwise

from pydantic import ValidationError

from coachplans.client.models import PlanPage

_PAGE_START = b'{"plans":['
_SIGNALS = re.compile(rb'"signals":(?=\[)')
# The end of one plan's signals, of the plan, then the next plan; then the same for the last one.
_NEXT_PLAN = re.compile(rb'\]},{"id":')
_PAGE_END = b']}],"next_cursor":'
_KEY_AFTER_LIST = re.compile(rb'\],"')  # a list, then another key (re: faster than bytes.count)
_EMPTY = b"[]"

Cut = tuple[int, int]  # where one plan's signals start and end in the page


def read_page(content: bytes) -> PlanPage | None:
    """The page, its plans' signals deferred; None when it is not laid out as our server
    writes it or does not validate with them cut out (read it whole then)."""
    cuts = _signal_cuts(content)
    if cuts is None:
        return None
    try:
        page = PlanPage.model_validate_json(_without(content, cuts))
    except ValidationError:
        return None
    if len(page.plans) != len(cuts):
        return None
    for plan, (start, end) in zip(page.plans, cuts, strict=True):
        if end - start > len(_EMPTY):
            plan._defer_signals(content[start:end])
    return page


def _signal_cuts(content: bytes) -> list[Cut] | None:
    if not content.startswith(_PAGE_START):
        return None
    starts = [found.end() for found in _SIGNALS.finditer(content)]
    ends = [found.start() + 1 for found in _NEXT_PLAN.finditer(content)]
    last = content.rfind(_PAGE_END)
    if not starts or last < 0 or len(ends) != len(starts) - 1:
        return None
    ends.append(last + 1)
    # Each plan's signals end before the next plan's start; one list-then-key per plan (its
    # charts, before "signals") and one for the page: none after "levels" or "signals".
    bounds = [bound for cut in zip(starts, ends, strict=True) for bound in cut]
    ordered = all(before < after for before, after in pairwise(bounds))
    if not ordered or len(_KEY_AFTER_LIST.findall(content)) != len(starts) + 1:
        return None
    return list(zip(starts, ends, strict=True))


def _without(content: bytes, cuts: list[Cut]) -> bytes:
    """The page with each cut replaced by an empty list."""
    pieces: list[bytes] = []
    kept = 0
    for start, end in cuts:
        pieces += (content[kept:start], _EMPTY)
        kept = end
    pieces.append(content[kept:])
    return b"".join(pieces)
