"""The base of absolute links in responses (chart URLs), chosen per request.

The ``Host`` header is the client's to choose: followed blindly, it would put any address
into the links a response carries and into the read cache's keys. So: ``api.public_url``
when set; otherwise the Host when it names this server (a loopback name, the bound address,
the address the connection arrived on, or ``api.allowed_hosts``) on the port the server is
on; otherwise the address the connection arrived on.
"""

from __future__ import annotations

import ipaddress

from starlette.types import Scope

from coachplans.settings import ApiSettings

DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = frozenset({"localhost"})
_VERDICTS = 1024


def split_host(value: str) -> tuple[str, int | None]:
    """``"[::1]:5000"`` -> ``("::1", 5000)``; ``"Example.com"`` -> ``("example.com", None)``;
    a port that is not a number is ``-1`` (never allowed)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ""
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    else:
        name, port_text = value, ""
    if not port_text:
        return name, None
    return name, int(port_text) if port_text.isdigit() else -1


def _is_loopback(name: str) -> bool:
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _netloc(name: str, port: int, scheme: str) -> str:
    host = f"[{name}]" if ":" in name else name
    return host if DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"


class LinkBase:
    """``links(scope)`` -> ``"http://127.0.0.1:5000"``: the base for this request's links."""

    def __init__(self, api: ApiSettings):
        self.public_url = api.public_url
        self.any_host = "*" in api.allowed_hosts
        self.bound = (api.host.lower().strip("[]"), api.port)
        entries = [split_host(entry) for entry in api.allowed_hosts if entry != "*"]
        self.names = {name for name, port in entries if port is None} | {self.bound[0]}
        self.pairs = {(name, port) for name, port in entries if port is not None}
        # Judged once per (Host, server address, scheme): every request asks.
        self._verdicts: dict[tuple[str, tuple[str, int], str], bool] = {}

    def __call__(self, scope: Scope) -> str:
        if self.public_url is not None:
            return self.public_url
        scheme: str = scope.get("scheme", "http")
        root: str = scope.get("root_path", "")
        server = scope.get("server") or self.bound
        here = (str(server[0]).lower(), int(server[1] or DEFAULT_PORTS.get(scheme, 80)))
        host = _host_header(scope)
        if host is not None and self._allowed(host, here, scheme):
            return f"{scheme}://{host}{root}"
        return f"{scheme}://{_netloc(*here, scheme)}{root}"

    def _allowed(self, host: str, here: tuple[str, int], scheme: str) -> bool:
        if self.any_host:
            return True
        key = (host, here, scheme)
        known = self._verdicts.get(key)
        if known is None:
            if len(self._verdicts) >= _VERDICTS:  # Host values are the client's: bounded
                self._verdicts.clear()
            known = self._verdicts[key] = self._judge(host, here, scheme)
        return known

    def _judge(self, host: str, here: tuple[str, int], scheme: str) -> bool:
        name, port = split_host(host)
        port = DEFAULT_PORTS.get(scheme, 80) if port is None else port
        if (name, port) in self.pairs:
            return True
        return port == here[1] and (name == here[0] or name in self.names or _is_loopback(name))


def _host_header(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            text: str = value.decode("latin-1")
            return text
    return None
