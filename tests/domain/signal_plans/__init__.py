"""Annotated plans beyond ``signal_corpus.CORPUS``, and the split used by the bench and tests:
``tuning`` (the original corpus and ``tuning.py``) and ``held-out`` (``held_out.py``, never
used to tune the parser)."""

from __future__ import annotations

from signal_corpus import CORPUS, Case

from signal_plans.held_out import HELD_OUT
from signal_plans.tuning import TUNING

PARTS: dict[str, list[Case]] = {"tuning": CORPUS + TUNING, "held-out": HELD_OUT}
