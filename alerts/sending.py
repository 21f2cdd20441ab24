"""Sending a message under a deadline, in a worker process that can be ended at any moment.

Apprise has no overall deadline of its own: a receiver that trickles its answer holds a call
for as long as it likes, in a thread and a socket that cannot be taken back. So every message
goes through a worker process (alerts.courier): the worker is killed when the message's
deadline passes or when stop() is called (SIGTERM), which ends the send at once and frees
everything it held. A new worker is started for the next message.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SENT, UNCONFIRMED, FAILED, STOPPED = "sent", "unconfirmed", "failed", "stopped"
# The longest a worker may take to start (import Apprise and its plugins) on a busy machine.
START_SECONDS = 60.0
# Where the worker finds this package, installed or not.
PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    """How one send ended: `sent` (accepted), `unconfirmed` (the receiver took the whole message
    and gave no answer in time), `failed` (with why), or `stopped` (stop() was called before
    the message was sent whole)."""

    status: str
    error: str | None = None


class Courier:
    """Sends messages through a worker process, each under a deadline. stop() may be called
    from any thread (a signal handler): the send in progress ends at once, and no other
    starts."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.process: subprocess.Popen | None = None
        self.ready = False
        self.errors = None
        self.buffer = b""
        self.stopping = threading.Event()

    @property
    def stopped(self) -> bool:
        return self.stopping.is_set()

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is not None:
            try:
                process.kill()
            except OSError:
                pass

    def close(self) -> None:
        """End the worker (it is idle between messages)."""
        self._end_worker()

    def start(self) -> None:
        """Start a worker now, without waiting for it, so that it is ready by the first send
        (it takes about a second to import Apprise)."""
        if not self.stopped and (self.process is None or self.process.poll() is not None):
            self._spawn()

    def send(self, url: str, title: str, body: str, allow_private: bool = False,
             deadline: float | None = None) -> Outcome:
        """Send one message; never longer than `deadline` seconds (the courier's own by
        default) once the worker is ready."""
        deadline = self.deadline if deadline is None else deadline
        if self.stopped:
            return Outcome(STOPPED)
        problem = self._start_worker()
        if problem is not None:
            return Outcome(STOPPED) if self.stopped else Outcome(FAILED, problem)
        job = {"url": url, "title": title, "body": body, "allow_private": allow_private,
               "deadline": deadline}
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except OSError:
            pass  # the worker is gone: reading says so
        sent_whole = False
        ends_at = time.monotonic() + deadline
        while True:
            message = self._next_line(ends_at)
            if message is None:
                break
            if message.get("event") == "sent":
                sent_whole = True
            elif "result" in message:
                return Outcome(message["result"]["status"], message["result"]["error"])
        stopped, ended = self.stopped, self._worker_ended()
        self._end_worker()
        if sent_whole:
            waited = "before this process was stopped" if stopped else f"within {deadline:g} s"
            return Outcome(UNCONFIRMED,
                           f"the receiver took the whole message but gave no answer {waited}")
        if stopped:
            return Outcome(STOPPED)
        if ended:
            return Outcome(FAILED, f"the delivery worker ended unexpectedly: {ended}")
        return Outcome(FAILED, f"no answer within {deadline:g} s (the send was ended)")

    def _start_worker(self) -> str | None:
        """Have a ready worker; why there could be none, or None."""
        if self.process is None or self.process.poll() is not None:
            problem = self._spawn()
            if problem is not None:
                return problem
        if self.ready:
            return None
        if self._next_line(time.monotonic() + START_SECONDS) == {"event": "ready"}:
            self.ready = True
            return None
        ended = self._worker_ended() or "it did not start in time"
        self._end_worker()
        return f"the delivery worker did not start: {ended}"

    def _spawn(self) -> str | None:
        self._end_worker()
        self.errors = tempfile.TemporaryFile()
        self.buffer = b""
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "alerts.courier"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self.errors,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(
                    filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))})
        except OSError as exc:
            return f"cannot start the delivery worker: {exc.strerror or exc}"
        if self.stopped:  # stop() came while it started
            self.process.kill()
        return None

    def _next_line(self, ends_at: float) -> dict | None:
        """The worker's next message, or None when it ended or `ends_at` passed."""
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = ends_at - time.monotonic()
            if remaining <= 0 or self.stopped:
                return None
            ready, _, _ = select.select([descriptor], [], [], min(remaining, 1.0))
            if ready:
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {}

    def _worker_ended(self) -> str | None:
        """When the worker has exited by itself: the last line it wrote to standard error."""
        if self.process is None or self.process.poll() is None or self.stopped:
            return None
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.process.returncode}"

    def _end_worker(self) -> None:
        process, self.process, self.ready = self.process, None, False
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if self.errors is not None:
            self.errors.close()
            self.errors = None
