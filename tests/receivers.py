"""Real notification receivers on 127.0.0.1: an HTTP endpoint for Apprise's json:// and an SMTP
server (aiosmtpd) for mailto://, each recording the messages it accepted."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Callable
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

ACCEPT, REFUSE, DROP = "accept", "refuse", "drop"
# The receiver has the message (recorded as accepted) but answers late: SLOW gives its 200
# after `delay` seconds; TRICKLE sends its answer a byte a second for `trickle_for` seconds
# (each byte keeps a client's read timeout from firing) before it ends it.
SLOW, TRICKLE = "slow", "trickle"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JsonReceiver:
    """Accepts POSTed JSON notifications. `decide(payload, path)` may answer ACCEPT (record,
    200), REFUSE (500), DROP (close without answering, recording nothing), SLOW or TRICKLE
    (record, then answer late); it runs before the answer, so it may also kill the sender."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[dict] = []  # accepted: {"path", "title", "message"}
        self.requests = 0
        self.decide: Callable[[dict, str], str] | None = None
        self.delay = 4.5  # SLOW: seconds before the answer (Apprise stops waiting after 4)
        self.trickle_for = 120.0  # TRICKLE: seconds the answer takes
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> JsonReceiver:
        receiver = self
        self.stopping.clear()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
                with receiver.lock:
                    receiver.requests += 1
                    verdict = receiver.decide(payload, self.path) if receiver.decide else ACCEPT
                    if verdict in (ACCEPT, SLOW, TRICKLE):
                        receiver.messages.append({"path": self.path, "title": payload["title"],
                                                  "message": payload["message"]})
                if verdict == DROP:
                    self.close_connection = True
                    return
                if verdict == TRICKLE:
                    self.close_connection = True
                    self.trickle()
                    return
                if verdict == SLOW:
                    receiver.stopping.wait(receiver.delay)
                self.send_response(200 if verdict in (ACCEPT, SLOW) else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def trickle(self) -> None:
                ends = time.monotonic() + receiver.trickle_for
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while time.monotonic() < ends and not receiver.stopping.wait(1.0):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                    self.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")
                except OSError:  # the sender went away
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.requests = 0
            self.decide = None

    def at(self, path: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["path"] == path]


class SmtpReceiver:
    """A plain SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it is handed."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[dict] = []  # {"to", "title", "message"}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def url(self, to: str = "b@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=a@example.org&to={to}"

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        body = parsed.get_body(preferencelist=("plain",))
        self.messages.append({"to": envelope.rcpt_tos, "title": str(parsed["Subject"]),
                              "message": body.get_content().replace("\r\n", "\n") if body else ""})
        return "250 OK"

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
