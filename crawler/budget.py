"""Extraction of fetched pages within a time budget: a worker process, killed when a page takes too long.

The parser and trafilatura run in C for long stretches that no signal or timer inside the process
can interrupt; a child process can always be killed. The worker is forked from the crawl (no
imports to repeat, a few milliseconds) when the first page comes, and again after a kill.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection

from crawler.decoding import OverBudget
from crawler.extract import ExtractionError, extract
from crawler.outlet_pages import extract_outlet
from storage.records import ArticleRecord

# A worker that has read a page larger than this is ended after it, so that the few hundred MB
# such a page takes go back to the system at once rather than at the end of the crawl.
RECYCLE_BYTES = 4 * 1024 * 1024


class ExtractionWorker:
    """Extracts pages one at a time in a child process; a page over `seconds` has its worker
    killed and gives OverBudget, and the next page gets a new worker (the crawl's budget is the
    setting MEDIAWATCH_EXTRACT_SECONDS)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.process: multiprocessing.Process | None = None
        self.connection: Connection | None = None

    def extract(self, body: bytes, url: str, fetched_at: str | None = None,
                outlet=None) -> ArticleRecord:
        """The page's record, as crawler.extract.extract reads it (an added outlet's page, given
        its definition: as crawler.outlet_pages.extract_outlet does); ExtractionError
        (OverBudget past the time budget, TruncatedPage for a page the parser could not read to
        its end) when there is none."""
        if self.process is None or not self.process.is_alive():
            self._start()
        try:
            self.connection.send((body, url, fetched_at, outlet))
            if not self.connection.poll(self.seconds):
                self._stop()
                raise OverBudget(f"extraction took more than {self.seconds:g} s: stopped")
            outcome, value = self.connection.recv()
        except (EOFError, OSError) as error:  # the worker died (killed, out of memory)
            code = self.process.exitcode
            self._stop()
            raise ExtractionError(f"the extraction worker died (exit status {code})") from error
        if len(body) > RECYCLE_BYTES:
            self.close()
        if outcome == "error":
            raise value
        return value

    def close(self) -> None:
        """End the worker, if one runs."""
        if self.process is not None and self.process.is_alive():
            try:
                self.connection.send(None)
            except OSError:
                pass
            # It holds nothing to save: a worker slow to exit (its inherited heap, up to 5 s at
            # the end of a spider) is killed rather than waited for.
            self.process.join(timeout=0.2)
        self._stop()

    def _start(self) -> None:
        self._stop()
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs, self.connection, os.getpid(), self.seconds),
            name="extraction", daemon=True)
        self.process.start()
        theirs.close()

    def _stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self.process.close()
            self.process = None
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _serve(connection: Connection, crawls_end: Connection, crawl: int, seconds: float) -> None:
    """The worker's loop: a page in, its record or its ExtractionError out, until told to end or
    the crawl is gone."""
    # Forked from the crawl: its signal handlers and wake-up descriptor belong to the crawl's
    # reactor. The crawl ends the worker itself; a terminal's Ctrl-C goes to the crawl.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # If the crawl dies while a page is being read, the kernel ends the worker at the page's
    # deadline all the same (SIGALRM's default action), so it never outlives the crawl for long.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    crawls_end.close()  # its copy of the crawl's end: the crawl's death must close the pipe
    while True:
        try:
            while not connection.poll(1.0):
                if os.getppid() != crawl:  # the crawl is gone (killed)
                    return
            job = connection.recv()
        except (EOFError, OSError):  # the crawl is gone
            return
        if job is None:
            return
        signal.alarm(math.ceil(seconds) + 5)
        body, url, fetched_at, outlet = job
        try:
            record = extract_outlet(outlet, body, url, fetched_at) if outlet else extract(
                body, url, fetched_at)
            connection.send(("record", record))
        except ExtractionError as error:
            connection.send(("error", error))
        except Exception as error:  # a bug must not cost the crawl its worker
            connection.send(("error", ExtractionError(f"unexpected {error!r}")))
        signal.alarm(0)
