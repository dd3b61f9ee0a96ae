"""Progress bars for long runs: on stderr, and only when stderr is a terminal (a pipe, a log
file or CI gets none; the final report is printed either way)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Tick = Callable[[int], object]


def _ignore(_count: int) -> None:
    return None


@contextmanager
def progress(total: int | None, label: str, unit: str = "plan") -> Iterator[Tick]:
    """A function to call with the number of items just done."""
    if not sys.stderr.isatty():
        yield _ignore
        return
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:  # the bar is a nicety: without tqdm, run without it
        yield _ignore
        return
    bar = tqdm(
        total=total,
        desc=label,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        disable=not sys.stderr.isatty(),
    )
    try:
        yield bar.update
    finally:
        bar.close()
