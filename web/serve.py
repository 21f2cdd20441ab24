"""Starting the reading room: the checks that come first, then uvicorn on a socket of its own."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import uvicorn

from alerts.feeds import FEED_KEY
from storage.access import ArchiveError
from storage.archive import open_archive
from storage.notes import remember_web_url
from web.app import create_app
from web.guard import TOKEN_ENV, feed_key, token_problem


class ServeError(Exception):
    """The reading room cannot start; the message says why and what to do."""


def check_archive(db: str) -> None:
    """The archive exists, is one, and opens read-only as it is."""
    try:
        open_archive(db).close()
    except ArchiveError as exc:
        raise ServeError(str(exc)) from None


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def own_url(address: tuple) -> str:
    """The room's address as a link from elsewhere: the machine's name when it listens on
    every address."""
    host = address[0]
    if ipaddress.ip_address(host).is_unspecified:
        host = socket.gethostname()
    return f"http://{f'[{host}]' if ':' in host else host}:{address[1]}"


def run(db: str, host: str, port: int, token: str | None,
        echo: Callable[[str], object] = print, web_url: str | None = None) -> None:
    """Serve the reading room on the archive until interrupted. Its address (`web_url`, else
    where it listens) is remembered in the archive for the links in messages and feeds."""
    if problem := token_problem(token, host):
        raise ServeError(problem)
    check_archive(db)
    sock = listen(host, port)
    address = sock.getsockname()
    shown = f"[{address[0]}]" if ":" in address[0] else address[0]
    config = uvicorn.Config(create_app(db, token), log_level="warning", access_log=False,
                            server_header=False, proxy_headers=False)
    echo(f"The reading room on {db}: http://{shown}:{address[1]}/ (read-only; Ctrl-C stops it)")
    url = (web_url or own_url(address)).rstrip("/")
    if not remember_web_url(db, url):
        echo(f"(links in messages and feeds point to {url} only with --web-url {url}: this user "
             "cannot note it in the archive)")
    if token:
        echo(f"Open it once with ?token=<the value of {TOKEN_ENV}> at the end of the address.")
        echo(f"Feed readers (which keep no cookie) read its feeds with the feed key: "
             f"{url}/feeds/all.atom?{FEED_KEY}={feed_key(token)}")
    uvicorn.Server(config).run(sockets=[sock])
