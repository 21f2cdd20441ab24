"""Whether the process that started a crawl run is still alive (a killed crawl leaves no trace)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from storage.clock import parse_stamp

# A process that started this long after its run began is another one under a reused pid.
START_SLACK_SECONDS = 5


def this_process() -> dict:
    """The host and process id recorded with a crawl run."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _started_at(pid: int) -> datetime | None:
    """When a process started, from /proc (None where /proc cannot say)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat", encoding="ascii") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    except (OSError, OverflowError):
        return False
    return True


def run_died(run: dict) -> bool:
    """True when a run still marked running has no live process behind it on this host.

    A run recorded on another host is never judged from here. A run with no pid (recorded
    before pids were) counts as died: every crawl since records its pid.
    """
    if run.get("status") != "running":
        return False
    if run.get("pid") is None:
        return True
    if run.get("host") != socket.gethostname():
        return False
    if not _alive(run["pid"]):
        return True
    started = _started_at(run["pid"])
    run_started = parse_stamp(run.get("started_at"))
    return bool(started and run_started
                and (started - run_started).total_seconds() > START_SLACK_SECONDS)
