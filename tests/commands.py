"""The `mediawatch` command run as a child process from the checkout, as the tests use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def crawl(base_url: str, db: Path, *options: str, env: dict | None = None, check: bool = True,
          **popen) -> subprocess.CompletedProcess:
    """`mediawatch crawl` against a base URL into an archive; by default it must succeed."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", "crawl", "--base-url", base_url, "--db", str(db), *options],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env={**os.environ, **(env or {})},
        **popen,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result
