"""Starting the reading room: the checks that come first, then uvicorn on a socket of its own."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

import uvicorn

from alerts.feeds import FEED_KEY
from storage.access import ArchiveError
from storage.archive import open_archive
from storage.notes import remember_web_url
from web.app import create_app
from web.guard import TOKEN_ENV, feed_key, host_name, token_problem, url_host


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


def is_unspecified(host: str) -> bool:
    """Whether an address to bind to means every address of this machine (0.0.0.0, ::)."""
    try:
        return not host.strip() or ipaddress.ip_address(host.strip("[] ")).is_unspecified
    except ValueError:
        return False


def check_names(host: str, web_url: str | None, allowed_hosts: Iterable[str]) -> tuple[str, ...]:
    """The extra host names to answer, as a Host header carries them; raises ServeError if one
    is not a host name, if --web-url is not an address, or if readers' address is unknown."""
    try:
        names = tuple(host_name(name) for name in allowed_hosts)
    except ValueError as exc:
        raise ServeError(f"--allow-host: {exc}") from None
    if web_url is None and is_unspecified(host):
        raise ServeError(f"on {host or 'every address'} the reading room cannot know the address "
                         "its readers open: give it with --web-url (e.g. --web-url "
                         "http://archive.example.org:8000/)")
    option, url = ("--web-url", web_url) if web_url is not None else ("--host", listening_url(host))
    try:
        url_host(url)
    except ValueError as exc:
        raise ServeError(f"{option}: {exc}") from None
    return names


def listening_url(host: str, port: int | None = None) -> str:
    """The address of the reading room where it listens: http://HOST:PORT/."""
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}" + (f":{port}/" if port is not None else "/")


def run(db: str, host: str, port: int, token: str | None,
        echo: Callable[[str], object] = print, web_url: str | None = None,
        allowed_hosts: Iterable[str] = (), outlets_dir: str | None = None) -> None:
    """Serve the reading room on the archive (naming the outlets of `outlets_dir`, by default
    the folder beside it) until interrupted. Its links point to `web_url`
    (by default the address it listens on); it answers requests for that host, the loopback
    names and `allowed_hosts`, and no other. That address is noted in the archive for the links
    in messages and feeds (views.reading.room_url)."""
    if problem := token_problem(token, host):
        raise ServeError(problem)
    names = check_names(host, web_url, allowed_hosts)
    check_archive(db)
    sock = listen(host, port)
    listening = listening_url(host, sock.getsockname()[1])
    url = web_url or listening
    config = uvicorn.Config(create_app(db, token, url=url, allowed_hosts=names,
                                       outlets_dir=outlets_dir),
                            log_level="warning", access_log=False, server_header=False,
                            proxy_headers=False)
    where = f"; listening on {listening}" if web_url else ""
    echo(f"The reading room on {db}: {url} (read-only{where}; Ctrl-C stops it)")
    if not remember_web_url(db, url.rstrip("/")):
        echo(f"(links in messages and feeds point to {url} only with --web-url {url}: this user "
             "cannot note it in the archive)")
    if token:
        echo(f"Open it once with ?token=<the value of {TOKEN_ENV}> at the end of the address.")
        echo(f"Feed readers (which keep no cookie) read its feeds with the feed key: "
             f"{url.rstrip('/')}/feeds/all.atom?{FEED_KEY}={feed_key(token)}")
    uvicorn.Server(config).run(sockets=[sock])
