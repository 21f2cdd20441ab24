"""Starting the reading room: the checks that come first, then uvicorn on a socket of its own."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable

import uvicorn

from storage.access import ArchiveError
from storage.archive import Archive
from web.app import create_app
from web.guard import TOKEN_ENV, token_problem


class ServeError(Exception):
    """The reading room cannot start; the message says why and what to do."""


def check_archive(db: str) -> None:
    """The archive exists, is one, and opens read-only as it is."""
    if not os.path.isfile(db):
        raise ServeError(f"no archive at {db}: crawl first (mediawatch crawl --db {db}) "
                         "or make one with mediawatch demo")
    try:
        Archive(db, readonly=True).close()
    except ArchiveError as exc:
        raise ServeError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise ServeError(f"{db} is not a mediawatch archive: {exc}") from None


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def run(db: str, host: str, port: int, token: str | None,
        echo: Callable[[str], object] = print) -> None:
    """Serve the reading room on the archive until interrupted."""
    if problem := token_problem(token, host):
        raise ServeError(problem)
    check_archive(db)
    sock = listen(host, port)
    address = sock.getsockname()
    shown = f"[{address[0]}]" if ":" in address[0] else address[0]
    config = uvicorn.Config(create_app(db, token), log_level="warning", access_log=False,
                            server_header=False, proxy_headers=False)
    echo(f"The reading room on {db}: http://{shown}:{address[1]}/ (read-only; Ctrl-C stops it)")
    if token:
        echo(f"Open it once with ?token=<the value of {TOKEN_ENV}> at the end of the address.")
    uvicorn.Server(config).run(sockets=[sock])
