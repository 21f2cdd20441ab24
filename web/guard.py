"""Safety around every response: the access token, security headers and the server's timing."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import time
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alerts.feeds import FEED_KEY

TOKEN_ENV = "MEDIAWATCH_WEB_TOKEN"
TOKEN_MIN_LENGTH = 16
COOKIE = "mediawatch_token"
FEEDS = "/feeds/"
# Our own pages load nothing but their stylesheet and run no script at all.
PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self';"
               " form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Answered whatever else is configured: a browser sends these only for a page of this machine.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# A Host header: a name or IPv4 address, or an IPv6 address in brackets; then maybe a port.
HOST_HEADER = re.compile(r"(?P<host>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::[0-9]{1,5})?")
HOST_NAME = re.compile(r"\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9._-]*[a-z0-9])?")


def is_loopback(host: str) -> bool:
    """Whether an address to bind to is only reachable from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def token_problem(token: str | None, host: str) -> str | None:
    """Why the reading room must not start on `host` with this token, if it must not."""
    if token is not None and len(token) < TOKEN_MIN_LENGTH:
        return f"{TOKEN_ENV} is too short to protect anything: use at least {TOKEN_MIN_LENGTH} characters"
    if token is None and not is_loopback(host):
        return (f"refusing to serve the archive on {host} without a token: set {TOKEN_ENV} "
                f"(at least {TOKEN_MIN_LENGTH} characters), or serve on 127.0.0.1")
    return None


def feed_key(token: str) -> str:
    """The key that opens the room's feeds and nothing else: derived from the token (it changes
    with it), so a feed reader can keep it in the feed's address without holding the token."""
    return hmac.new(token.encode("utf-8"), b"mediawatch feeds", hashlib.sha256).hexdigest()[:32]


def host_name(name: str) -> str:
    """A host name as a Host header carries it: lower case, an IPv6 address in brackets,
    a non-ASCII name in its ASCII (IDNA) form. Raises ValueError for anything else."""
    name = name.strip().rstrip(".").lower()
    try:
        name = f"[{ipaddress.IPv6Address(name.strip('[]'))}]" if ":" in name else \
            name.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise ValueError(f"{name!r} is not a host name") from None
    if not HOST_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a host name")
    return name


def url_host(url: str) -> str:
    """The host name of an http(s) address. Raises ValueError if it is not one."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a port that is not one)
    except ValueError:
        raise ValueError(f"{url!r} is not an http:// or https:// address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// address")
    return host_name(parts.hostname)


def _same(given: str | None, token: str) -> bool:
    """Constant-time comparison of what a request carries with the token."""
    return hmac.compare_digest((given or "").encode("utf-8"), token.encode("utf-8"))


class TokenGuard:
    """With a token set, every request carries it: `Authorization: Bearer …`, the cookie that
    `?token=…` sets once (then the address is cleaned of it), or nothing is answered."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        key = next((v for k, v in query if k == FEED_KEY), None)
        if key is not None and scope["path"].startswith(FEEDS):
            # a feed reader: the feed key opens the feeds, without a cookie or a redirect
            if _same(key, feed_key(self.token)):
                await self.app(scope, receive, send)
            else:
                await _refuse(send)
            return
        in_query = next((v for k, v in query if k == "token"), None)
        if in_query is not None:
            await self._enter(scope, send, in_query, [(k, v) for k, v in query if k != "token"])
            return
        authorization = headers.get("authorization", "")
        bearer = authorization[7:] if authorization[:7].lower() == "bearer " else None
        # Parsed the way browsers send cookies: one with an illegal name (another app on this
        # host may set `a@b=1`) is only one more cookie that is not ours.
        given = bearer if bearer is not None else \
            cookie_parser(headers.get("cookie", "")).get(COOKIE)
        if _same(given, self.token):
            await self.app(scope, receive, send)
        else:
            await _refuse(send)

    async def _enter(self, scope: Scope, send: Send, given: str, rest: list) -> None:
        """`?token=…`: set the cookie and send the reader to the same address without it."""
        if not _same(given, self.token):
            await _refuse(send)
            return
        location = same_site_path(scope["path"]) + (f"?{urlencode(rest)}" if rest else "")
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode("utf-8")),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": b""})


def same_site_path(path: str) -> str:
    """A decoded request path as a Location on this site only: one leading slash (`//host`
    would leave it), and every character a browser might read as a separator or that cannot
    stand in a header (a backslash, which browsers take for a slash; CR, LF) percent-encoded."""
    return "/" + quote(path.lstrip("/"), safe="/!$&'()*+,;=:@-._~")


class HostGuard:
    """Only requests for this reading room's own names are answered (400 for any other Host):
    a page whose name was rebound to this machine's address must not read the archive."""

    def __init__(self, app: ASGIApp, names: Iterable[str]) -> None:
        self.app = app
        self.names = frozenset(names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"host"),
                     "")
        match = HOST_HEADER.fullmatch(given.strip().lower())
        if match and match["host"].rstrip(".") in self.names:
            await self.app(scope, receive, send)
            return
        body = (b"This reading room does not answer to that host name. Open it at the address "
                b"serve printed, or start it with --allow-host NAME to answer to NAME too.\n")
        await send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


async def _refuse(send: Send) -> None:
    body = (b"This reading room needs its token: open it once with ?token=... in the address, "
            b"or send the header Authorization: Bearer ...\n")
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"www-authenticate", b"Bearer"),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Headers on every answer: a strict content policy unless the route set its own, no
    sniffing, no referrer to the outlet, and `Server-Timing` with the time the app took."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", PAGE_POLICY)
                headers.setdefault("X-Frame-Options", "DENY")
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        await self.app(scope, receive, send_with_headers)
