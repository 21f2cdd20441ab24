"""Time budgets and cancellation for the archive's queries, through SQLite's progress handler.

SQLite calls a connection's progress handler every few thousand steps of a running statement;
when it answers "stop", the statement ends with `sqlite3.OperationalError: interrupted`. Here
that handler stops a statement once a time budget set with `time_limit` has run out, or once
the `cancelled` test given to `cancel_when` says so (the reading room's reader went away);
`time_limit` turns the interruption into OutOfTime or Cancelled.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlite_utils import Database

# Steps of SQLite's virtual machine between two checks: a few microseconds of work.
CHECK_EVERY = 1000


class Interrupted(Exception):
    """A statement was stopped before it finished."""


class OutOfTime(Interrupted):
    """The statements run under a time limit took longer than it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"it took longer than {seconds:g} s")
        self.seconds = seconds


class Cancelled(Interrupted):
    """The one who asked went away; nobody waits for the answer."""


class _Guard:
    """The progress handler of one connection and what it checks."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.seconds = 0.0  # the time limit in force
        self.cancelled: Callable[[], bool] | None = None
        self.stopped: str | None = None  # why the last statement was stopped

    def __call__(self) -> int:
        if self.cancelled is not None and self.cancelled():
            self.stopped = "cancelled"
            return 1
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stopped = "time"
            return 1
        return 0


_guards: WeakKeyDictionary[Database, _Guard] = WeakKeyDictionary()


def _guard(db: Database) -> _Guard:
    guard = _guards.get(db)
    if guard is None:
        guard = _guards[db] = _Guard()
        db.conn.set_progress_handler(guard, CHECK_EVERY)
    return guard


def cancel_when(db: Database, cancelled: Callable[[], bool]) -> None:
    """From now on, stop every statement on this connection once `cancelled()` is true."""
    _guard(db).cancelled = cancelled


def was_cancelled(db: Database) -> bool:
    """Whether the test given to cancel_when says to stop."""
    guard = _guards.get(db)
    return bool(guard and guard.cancelled and guard.cancelled())


@contextmanager
def time_limit(db: Database, seconds: float) -> Iterator[None]:
    """Run the block's statements within `seconds` in all (an enclosing, earlier limit stays
    the one that counts). A statement stopped for time raises OutOfTime, one stopped because
    its reader went away Cancelled."""
    guard = _guard(db)
    outer = (guard.deadline, guard.seconds)
    deadline = time.monotonic() + seconds
    if guard.deadline is None or deadline < guard.deadline:
        guard.deadline, guard.seconds = deadline, seconds
    guard.stopped = None
    try:
        yield
    except sqlite3.OperationalError as exc:
        if str(exc) != "interrupted" or guard.stopped is None:
            raise
        if guard.stopped == "cancelled":
            raise Cancelled("the reader went away") from None
        raise OutOfTime(guard.seconds) from None
    finally:
        guard.deadline, guard.seconds = outer
