"""Bounds on how long and how large a request's headers may be, for uvicorn.

uvicorn starts its keep-alive timer only after a response, so a client that connects and
then sends nothing, or dribbles header bytes (slowloris), holds a connection for ever; and
with httptools it puts no limit on the headers' size (``h11_max_incomplete_event_size`` is
h11's only). :func:`guarded_protocol` wraps uvicorn's own protocol: from the moment a
connection opens or a new request begins, its headers must be complete within
``header_timeout`` seconds and ``max_header_bytes`` bytes, or the connection is answered 408 or
431 and closed. Bodies and responses are not timed here (an event stream lives for hours).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.auto import AutoHTTPProtocol

log = logging.getLogger(__name__)

TIMEOUT = (408, "Request Timeout", "request headers not received in time")
TOO_LARGE = (431, "Request Header Fields Too Large", "request headers too large")


class HeaderGuard(asyncio.Protocol):
    """uvicorn's HTTP protocol with a deadline and a size limit on each request's headers."""

    header_timeout: ClassVar[float] = 10.0
    max_header_bytes: ClassVar[int] = 16 * 1024

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        # Any: uvicorn's protocols are untyped in the parts used here (``cycle``)
        self.inner: Any = AutoHTTPProtocol(  # type: ignore[call-arg]
            config=config, server_state=server_state, app_state=app_state, _loop=_loop
        )
        self.loop = _loop or asyncio.get_running_loop()  # made by the server, in its loop
        self.transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._cycle: Any = None  # the request cycle current when the wait began
        self._received = 0

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.inner.connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        if self._timer is None and self._between_requests():
            self._await_headers()
        self.inner.data_received(data)
        if self._timer is None:
            return
        if self.inner.cycle is not self._cycle:  # uvicorn made a new cycle: headers complete
            self._stop()
            return
        self._received += len(data)  # no headers yet: every byte so far was header bytes
        if self._received > self.max_header_bytes:
            self._refuse(TOO_LARGE)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        self.inner.connection_lost(exc)

    def eof_received(self) -> bool | None:
        result: bool | None = self.inner.eof_received()
        return result

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # --- the guard ----------------------------------------------------------------------------

    def _between_requests(self) -> bool:
        cycle = self.inner.cycle
        return cycle is None or bool(cycle.response_complete)

    def _await_headers(self) -> None:
        self._stop()
        self._cycle, self._received = self.inner.cycle, 0
        self._timer = self.loop.call_later(self.header_timeout, self._refuse, TIMEOUT)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _refuse(self, answer: tuple[int, str, str]) -> None:
        self._stop()
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        status, reason, text = answer
        log.debug("closing a connection from %s: %s", transport.get_extra_info("peername"), text)
        body = text.encode("ascii")
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        transport.write(head.encode("ascii") + body)
        transport.close()


def guarded_protocol(header_timeout: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` with these limits."""
    limits = {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes}
    return type("GuardedHTTPProtocol", (HeaderGuard,), limits)
