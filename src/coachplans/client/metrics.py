"""The client's counters, each under a lock so threads never lose an increment. The cache's
hits and misses are counted by the cache itself (coachplans.client.cache.PlanCache), under
the lock of its lookups, so a hit costs one lock acquisition; the API counters live here.

- ``requests.total``: calls to the fetch methods (``fetch_coach_plan``, ``fetch_all_coach_plans``);
  each is exactly one cache hit or one cache miss.
- ``cache_hits``: answered from the cache, including after a 304 revalidation and when a stale
  entry is served because the server could not be reached.
- ``cache_misses``: answered by a full response from the server, or by a fallback.
- ``api.success``: HTTP calls (after retries) that got the answer asked for: 2xx, 304, a
  ``/health`` or ``/metrics`` 503 body, "no plan" on the typed client.
- ``api.errors``: HTTP calls that finally failed: unreachable, timed out, 5xx/429 after every
  retry, an error answer (4xx), or a body that is not the JSON expected.
- ``api.retries``: extra attempts made (a call that succeeded on its 3rd attempt adds 2).
"""

from __future__ import annotations

import threading


class ClientMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.success = 0
        self.errors = 0
        self.retries = 0

    def answered(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self.success += 1
            else:
                self.errors += 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def api(self) -> dict[str, int]:
        with self._lock:
            return {"success": self.success, "errors": self.errors, "retries": self.retries}
