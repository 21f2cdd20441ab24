"""The archive's record of crawl runs: started, finished (and how), read back."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage.clock import utc_iso
from storage.db import decode_json, rows, write_transaction
from storage.outlets import outlet_clause
from storage.processes import run_died, this_process

RUN_STATUSES = ("ok", "failed", "killed", "timeout", "stopped", "degraded", "died")


class RunLog:
    """Crawl runs of an archive (a part of `storage.archive.Archive`)."""

    db: Database

    def start_run(self, mode: str, editions: list[str], base_url: str,
                  at: str | None = None, outlet: str | None = None) -> int:
        """Record the start of a crawl run (now, or `at`) of an outlet (None: the default one)
        and return its id."""
        with write_transaction(self.db):
            return self.db["runs"].insert({
                "mode": mode,
                "outlet": outlet,
                "editions": json.dumps(list(editions)),
                "base_url": base_url,
                "started_at": utc_iso(at) if at else utc_iso(),
                "status": "running",
                **this_process(),
            }).last_pk

    def last_run_start(self, mode: str, language: str, outlet: str | None = None) -> str | None:
        """When the last finished run of `mode` over `language` of an outlet (None: the default
        one) started, if any."""
        clause = "outlet = ?" if outlet else "outlet IS NULL"
        row = self.db.execute(
            "SELECT max(started_at) FROM runs WHERE mode = ? AND status != 'running'"
            f" AND editions LIKE ? AND {clause}",
            [mode, f'%"{language}"%', *([outlet] if outlet else [])]).fetchone()
        return row[0] if row else None

    def last_starts(self) -> list[dict]:
        """The last start of the finished runs of each outlet, mode and editions: what the crawl
        service plans its next runs from (`outlet`, `mode`, `editions`, `started_at`)."""
        found = rows(self.db.execute(
            "SELECT outlet, mode, editions, max(started_at) AS started_at, 'finished' AS status"
            " FROM runs WHERE status != 'running' GROUP BY outlet, mode, editions"))
        return [decode_json(row, "editions") for row in found]

    def finish_run(self, run_id: int, status: str, stats: dict, errors: list) -> None:
        """Record how a run ended: status ok, failed, killed or timeout, with stats and errors."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
        with write_transaction(self.db):
            self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, stats = ?, errors = ? WHERE id = ?",
                [utc_iso(), status, json.dumps(stats, ensure_ascii=False),
                 json.dumps(errors, ensure_ascii=False, default=str), run_id],
            )

    def close_unfinished_runs(self, status: str, pid: int | None = None) -> int:
        """Close the runs a killed crawl left open, with the status that explains why: those of
        process `pid` on this host, or, without a pid, every run whose process died."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
        with write_transaction(self.db):
            running = rows(self.db.execute("SELECT * FROM runs WHERE status = 'running'"))
            here = this_process()["host"]
            if pid is None:
                ids = [run["id"] for run in running if run_died(run)]
            else:
                ids = [run["id"] for run in running if (run["pid"], run["host"]) == (pid, here)]
            self.db.execute(
                f"UPDATE runs SET finished_at = ?, status = ? WHERE id IN ({','.join('?' * len(ids))})",
                [utc_iso(), status, *ids],
            )
            return len(ids)

    def run(self, run_id: int) -> dict | None:
        """One crawl run, or None; a run whose process died shows the status `died`."""
        found = rows(self.db.execute("SELECT * FROM runs WHERE id = ?", [run_id]))
        return _shown(found[0]) if found else None

    def runs(self, limit: int = 20, outlets: tuple[str | None, ...] = ()) -> list[dict]:
        """The latest runs, newest first, of `outlets` (None: the default outlet; empty: every
        outlet); a run whose process died shows the status `died`."""
        clause, params = outlet_clause("outlet", outlets)
        latest = rows(self.db.execute(f"SELECT * FROM runs WHERE 1{clause} ORDER BY id DESC LIMIT ?",
                                      [*params, limit]))
        return [_shown(row) for row in latest]


def _shown(row: dict) -> dict:
    """A run as read back: its JSON decoded, `died` when its process is gone."""
    if run_died(row):
        row["status"] = "died"
    return decode_json(row, "editions", "stats", "errors")
