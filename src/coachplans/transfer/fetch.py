"""``--fetch-charts``: try once to download each old chart URL and archive its bytes.

Old Discord CDN links are signed and expired long ago, so this mostly fails; a chart that
cannot be fetched (network error, timeout, HTTP error, not an image, too big) stays an
external link, and the report counts it. Each URL is tried once, with a short timeout.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import httpx

from coachplans.domain.charts import ChartBlob, ChartUpload, validate_chart
from coachplans.domain.imports import ImportedPlan, SourceItem
from coachplans.domain.plans import ChartRef
from coachplans.errors import ValidationFailed

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0


class ChartFetcher:
    """Downloads chart URLs, remembering each URL's result (the same chart is often linked
    from several revisions)."""

    def __init__(self, max_bytes: int, timeout: float = TIMEOUT_SECONDS):
        self.max_bytes = max_bytes
        self.failures: Counter[str] = Counter()
        self._client = httpx.Client(timeout=timeout, follow_redirects=True)
        self._done: dict[str, ChartBlob | None] = {}

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, filename: str | None) -> ChartBlob | None:
        if url not in self._done:
            found = self._download(url, filename)
            if isinstance(found, str):
                log.debug("chart %s not fetched: %s", url, found)
                self.failures[found] += 1
            self._done[url] = None if isinstance(found, str) else found
        return self._done[url]

    def _download(self, url: str, filename: str | None) -> ChartBlob | str:
        """The validated chart, or why not."""
        if not url.lower().startswith(("http://", "https://")):
            return "not an http(s) URL"
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        try:
            upload = ChartUpload(response.content, filename=filename, source_url=url)
            return validate_chart(upload, self.max_bytes)
        except ValidationFailed as exc:
            return str(exc)


def with_fetched_charts(items: Iterator[SourceItem], fetcher: ChartFetcher) -> Iterator[SourceItem]:
    """The same items, with each external chart that could be downloaded turned into an
    archived one (its blob yielded just before the plan that uses it)."""
    for item in items:
        if not isinstance(item, ImportedPlan):
            yield item
            continue
        found: dict[str, ChartRef] = {}
        for chart in _external_charts(item):
            assert chart.source_url is not None
            blob = fetcher.fetch(chart.source_url, chart.filename)
            if blob is not None:
                yield blob
                found[chart.source_url] = ChartRef(
                    blob.sha256, blob.content_type, blob.size, chart.filename, chart.source_url
                )
        yield _archived(item, found) if found else item


def _external_charts(plan: ImportedPlan) -> list[ChartRef]:
    charts = [*plan.charts, *(chart for rev in plan.revisions for chart in rev.charts)]
    unique = {chart.source_url: chart for chart in charts if _is_link(chart)}
    return list(unique.values())


def _is_link(chart: ChartRef) -> bool:
    return not chart.archived and bool(chart.source_url)


def _archived(plan: ImportedPlan, found: dict[str, ChartRef]) -> ImportedPlan:
    def swap(charts: tuple[ChartRef, ...]) -> tuple[ChartRef, ...]:
        return tuple(
            found.get(chart.source_url or "", chart) if _is_link(chart) else chart
            for chart in charts
        )

    revisions = tuple(replace(rev, charts=swap(rev.charts)) for rev in plan.revisions)
    return replace(plan, charts=swap(plan.charts), revisions=revisions)
