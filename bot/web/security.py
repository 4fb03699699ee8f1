"""The web app's security headers, set in one place for every response, and the limit on wrong
review tokens.

Headers (`security_headers`, the root application's on_response_prepare signal: it runs for every
response, the sub-application's, the static files' and the error pages' included):

    every response      X-Content-Type-Options: nosniff
    /  (programme page) a Content-Security-Policy without 'unsafe-inline': scripts and styles from
                        this server only (bot/web/widget/, bot/web/static/), the widget's requests
                        to this server and to the Rasa server (settings.public_bot_url);
                        Referrer-Policy: strict-origin-when-cross-origin
    /review...          default-src 'none' but this server's stylesheets and forms,
                        frame-ancestors 'none' and X-Frame-Options: DENY, Referrer-Policy:
                        no-referrer, Cache-Control: no-store (the log is about visitors)
    anything else       default-src 'none' (health, the widget's files, errors)
"""
from __future__ import annotations

import collections
import ipaddress
import math
import time
from typing import Callable, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import Settings
from bot.web.common import REVIEW_PREFIX, SETTINGS

NOSNIFF = {"X-Content-Type-Options": "nosniff"}
REVIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
OTHER_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def origin(url: str) -> Optional[str]:
    """scheme://host[:port] of an http(s) URL, for a CSP source; None for anything that could
    not be written into the header as is (settings.py already refuses such PUBLIC_BOT_URL)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return None
    netloc = parts.netloc.lower()
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-:[]")
    if parts.scheme not in ("http", "https") or not parts.hostname or not set(netloc) <= allowed:
        return None
    return f"{parts.scheme}://{netloc}"


def programme_headers(settings: Settings) -> dict[str, str]:
    """The programme page's headers; its widget talks to the Rasa server on another origin."""
    bot = origin(settings.public_bot_url)
    connect = "'self'" + (f" {bot}" if bot else "")
    return {
        "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                   f"connect-src {connect}; form-action 'self'; base-uri 'none'; "
                                   "frame-ancestors 'self'",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }


def _is_review(path: str) -> bool:
    return path == REVIEW_PREFIX or path.startswith(REVIEW_PREFIX + "/")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare of the root application: the headers of every response."""
    if _is_review(request.path):
        headers = REVIEW_HEADERS
    elif request.path == "/":
        headers = programme_headers(request.config_dict[SETTINGS])
    else:
        headers = OTHER_HEADERS
    response.headers.update(NOSNIFF)
    response.headers.update(headers)


class AuthFailures:
    """Wrong review tokens per client address over a sliding window (10 a minute by default):
    past the limit the address is refused (429) until the oldest failure is a window old.

    Counted in this process's memory only: each web process counts on its own, and a restart
    forgets the counts. The address is the TCP peer (request.remote): behind a reverse proxy
    every visitor shares the proxy's address, as X-Forwarded-For is not trusted. IPv6 clients
    are counted per /64, the block one subscriber usually holds."""

    MAX_ADDRESSES = 10_000  # beyond that, the addresses seen longest ago are forgotten

    def __init__(self, limit: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()

    @staticmethod
    def key(address: Optional[str]) -> str:
        """The counter an address uses."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return address or "unknown"
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return str(ip.ipv4_mapped)
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)

    def _recent(self, key: str) -> collections.deque[float]:
        """The address's failures within the window."""
        failures, start = self._failures.get(key) or collections.deque(), self.clock() - self.window
        while failures and failures[0] <= start:
            failures.popleft()
        return failures

    def wait(self, address: Optional[str]) -> int:
        """0 when the address may try a token, else the whole seconds it must wait."""
        key = self.key(address)
        failures = self._recent(key)
        if not failures:
            self._failures.pop(key, None)
        if len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[0] + self.window - self.clock()))

    def fail(self, address: Optional[str]) -> None:
        """Count one wrong token."""
        key = self.key(address)
        failures = self._recent(key)
        failures.append(self.clock())
        self._failures.pop(key, None)
        self._failures[key] = failures  # the most recently seen last
        while len(self._failures) > self.MAX_ADDRESSES:
            self._failures.popitem(last=False)
