"""The delivery worker: a process that sends the messages it is handed through Apprise.

Run as `python -m alerts.courier` by alerts.sending, which holds the deadlines and kills this
process when one passes (so no thread or socket of a hung send outlives it). It reads one JSON
job per line on standard input (`url`, `title`, `body`, `allow_private`, `deadline`) and
writes JSON lines on standard output: `{"event": "ready"}` once, `{"event": "sent"}` each time
an HTTP request has been sent whole, `{"event": "answered"}` when its answer began, and one
`{"result": …}` per job. It ends itself when the process that started it is gone.

Two things are checked inside, where Apprise's plugins connect: every address a name resolves
to (no private, loopback or link-local one unless the job allows it), and whether the last
request was sent whole without an answer (then a failure is `unconfirmed`, not `failed`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time

import apprise
from apprise.url import URLBase
from urllib3.connection import HTTPConnection

from alerts.receivers import ALLOW_OPTION, address_kind, private_url

_output = threading.Lock()


class _Job:
    """What the hooks learn during one send."""

    allow_private = False
    refused: str | None = None
    sent_whole = False
    awaiting_answer = False


job = _Job()


def emit(message: dict) -> None:
    with _output:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


_real_getaddrinfo = socket.getaddrinfo
_real_getresponse = HTTPConnection.getresponse


def _checked_getaddrinfo(host, port, *args, **kwargs):
    answers = _real_getaddrinfo(host, port, *args, **kwargs)
    if not job.allow_private:
        for *_, sockaddr in answers:
            kind = address_kind(str(sockaddr[0]))
            if kind is not None:
                named = host if str(host) == sockaddr[0] else f"{host} ({sockaddr[0]})"
                job.refused = (f"refused: {named} is a {kind} address (the watch was not added "
                               f"with {ALLOW_OPTION})")
                raise OSError(job.refused)
    return answers


def _reporting_getresponse(self, *args, **kwargs):
    job.sent_whole = job.awaiting_answer = True
    emit({"event": "sent"})
    response = _real_getresponse(self, *args, **kwargs)
    job.awaiting_answer = False
    emit({"event": "answered"})
    return response


def send(url: str, title: str, body: str, allow_private: bool, deadline: float) -> dict:
    """Send one message; the result: status `sent`, `unconfirmed` or `failed`, and why."""
    job.allow_private, job.refused = allow_private, None
    job.sent_whole = job.awaiting_answer = False
    services = apprise.Apprise()
    if not services.add(url):
        return {"status": "failed", "error": f"Apprise cannot send to {private_url(url)}"}
    for service in services:
        # Apprise stops reading an answer after 4 s, though the receiver has the message;
        # wait as long as the message's deadline instead, unless the URL says otherwise (rto=).
        if service.socket_read_timeout == URLBase.socket_read_timeout:
            service.socket_read_timeout = deadline
    with apprise.LogCapture(level=logging.WARNING) as logs:
        accepted = services.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if accepted:
        return {"status": "sent", "error": None}
    if job.refused:
        return {"status": "failed", "error": job.refused}
    if job.awaiting_answer:
        return {"status": "unconfirmed",
                "error": f"the receiver took the whole message but gave no answer within "
                         f"{deadline:g} s"}
    lines = [line.split(" - ", 2)[-1] for line in logs.getvalue().splitlines() if line.strip()]
    return {"status": "failed",
            "error": lines[-1] if lines else "the receiver did not accept the message"}


def watch_parent(parent: int) -> None:
    """End this process once the one that started it is gone (killed, say): a send must not
    go on by itself."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def main() -> None:
    socket.getaddrinfo = _checked_getaddrinfo
    HTTPConnection.getresponse = _reporting_getresponse
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    emit({"event": "ready"})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = send(request["url"], request["title"], request["body"],
                          bool(request.get("allow_private")), float(request["deadline"]))
        except Exception as exc:  # a plugin that raises fails this message, not the worker
            result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        emit({"result": result})


if __name__ == "__main__":
    main()
