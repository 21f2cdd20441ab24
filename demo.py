"""The demo: the built-in replay of the default outlet crawled twice into a fresh archive."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable

from crawler.child import run_crawl_process
from outlets import default_outlet
from replay.server import ReplayServer
from storage.access import is_demo_archive, mark_demo_archive, shared_files
from storage.archive import Archive
from storage.clock import utc_iso
from views.runs import crawl_summary, run_line

ARTICLES = 180
# A search in each edition, shown after the crawls.
SEARCHES = (("митинг", "ru"), ("алаң", "kk"), ("rally", "en"))

Echo = Callable[[str], None]


class DemoError(RuntimeError):
    """A crawl of the demo failed."""


class NotADemoArchive(RuntimeError):
    """Something the demo did not make is at its --db: it is left alone."""


def replace_archive(db: str, echo: Echo) -> None:
    """Replace the previous demo archive at `db` (saying so) by a new one, noted as the demo's.

    Only an archive the demo made is replaced: any other file there raises NotADemoArchive.
    """
    present = [path for path in (db, *shared_files(db)) if os.path.lexists(path)]
    if present and not is_demo_archive(db):
        raise NotADemoArchive(f"{present[0]} exists and is not an archive made by mediawatch "
                              "demo: it is left as it is; give another --db")
    if present:
        echo(f"Replacing the previous demo archive {db}.")
    for path in present:
        os.remove(path)
    with Archive(db) as archive:
        mark_demo_archive(archive.db)


def crawl(base_url: str, db: str, echo: Echo, *options: str) -> None:
    """One crawl in its own process, quietly logged, shown as the command a user would type."""
    echo(f"\n$ mediawatch {' '.join(['crawl', *options, '--base-url', base_url, '--db', db])}")
    outcome = run_crawl_process(base_url, db, *options,
                                env={**os.environ, "MEDIAWATCH_LOG_LEVEL": "WARNING"})
    if not outcome.ok:
        raise DemoError(f"the demo crawl failed (exit {outcome.returncode}): {outcome.error}")
    for run in outcome.runs:
        echo(run_line(run))
    echo(crawl_summary(outcome.runs, outcome.seconds or 0))


def build(db: str, echo: Echo) -> str:
    """Crawl the replay at epoch 0, move it to epoch 1, crawl again; the time epoch 1 began."""
    with ReplayServer(articles=ARTICLES, seed=1) as server:
        echo(f"The replay of {default_outlet().title} serves {ARTICLES} articles at "
             f"{server.base_url}/ (epoch 0).")
        crawl(server.base_url, db, echo)
        time.sleep(1.1)  # the archive's times are in whole seconds: epoch 1 starts a new one
        since = utc_iso()
        server.set_epoch(1)
        echo("\nThe replay moves to epoch 1: the newsroom publishes, revises, removes and "
             "restores articles.")
        crawl(server.base_url, db, echo)
        crawl(server.base_url, db, echo, "--mode", "revisit", "--everything")
    return since


def revised_article(db: str, since: str) -> int | None:
    """An article revised since `since`, a rewrite if there is one."""
    with Archive(db) as archive:
        revised = [item for item in archive.changes(since) if item.get("version")]
    revised.sort(key=lambda item: "rewrite" not in item["kinds"])
    return revised[0]["article_id"] if revised else None


def next_steps(db: str, article_id: int | None) -> str:
    """What to try next, written the way it runs from here."""
    program = command_name()
    text = (f"\nThe archive is in {db}. Go on exploring it, e.g.:\n"
            f"  {program} search 'митинг OR акция' --db {db}\n"
            f"  {program} history {article_id} --db {db}\n"
            f"  {program} export --format warc --output demo.warc.gz --db {db}\n"
            f"  {program} serve --db {db}    # the reading room, in the browser")
    if program.endswith(f"{os.sep}mediawatch"):
        text += (f"\n(or put the environment on your PATH first: . {os.path.dirname(program)}"
                 "/activate, then type mediawatch alone)")
    return text


def command_name() -> str:
    """How to run mediawatch from here: its name if the shell finds this installation, else
    the path of its script (e.g. .venv/bin/mediawatch)."""
    script = os.path.join(os.path.dirname(sys.executable), "mediawatch")
    found = shutil.which("mediawatch")
    if found and os.path.exists(script) and os.path.samefile(found, script):
        return "mediawatch"
    if os.path.exists(script):
        relative = os.path.relpath(script)
        return relative if os.sep in relative else os.path.join(".", relative)
    return f"{sys.executable} -m cli"
