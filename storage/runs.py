"""The archive's record of crawl runs: started, finished (and how), read back."""

from __future__ import annotations

import json

from sqlite_utils import Database

from storage.db import decode_json, rows, utc_iso, write_transaction

RUN_STATUSES = ("ok", "failed", "killed", "timeout", "stopped", "degraded")


class RunLog:
    """Crawl runs of an archive (a part of `storage.archive.Archive`)."""

    db: Database

    def start_run(self, mode: str, editions: list[str], base_url: str,
                  at: str | None = None) -> int:
        """Record the start of a crawl run (now, or `at`) and return its id."""
        with write_transaction(self.db):
            return self.db["runs"].insert({
                "mode": mode,
                "editions": json.dumps(list(editions)),
                "base_url": base_url,
                "started_at": utc_iso(at) if at else utc_iso(),
                "status": "running",
            }).last_pk

    def last_run_start(self, mode: str, language: str) -> str | None:
        """When the last finished run of `mode` over `language` started, if any."""
        row = self.db.execute(
            "SELECT max(started_at) FROM runs WHERE mode = ? AND status != 'running'"
            " AND editions LIKE ?", [mode, f'%"{language}"%']).fetchone()
        return row[0] if row else None

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

    def close_unfinished_runs(self, status: str) -> int:
        """Close the runs a killed crawl left open, with the status that explains why."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
        with write_transaction(self.db):
            return self.db.execute(
                "UPDATE runs SET finished_at = ?, status = ? WHERE status = 'running'",
                [utc_iso(), status],
            ).rowcount

    def run(self, run_id: int) -> dict | None:
        """One crawl run, or None."""
        found = rows(self.db.execute("SELECT * FROM runs WHERE id = ?", [run_id]))
        return decode_json(found[0], "editions", "stats", "errors") if found else None

    def runs(self, limit: int = 20) -> list[dict]:
        """The latest runs, newest first."""
        latest = rows(self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))
        return [decode_json(row, "editions", "stats", "errors") for row in latest]
