"""Shared fixtures: the local replay of the outlet, served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The lock files of the archives the tests make (storage/locks.py) go to a folder of this run,
# for the commands run here and those run as child processes alike.
# Any user may make lock files in it, as in the default folder (other users' commands run too).
os.environ["MEDIAWATCH_LOCK_DIR"] = tempfile.mkdtemp(prefix="mediawatch-test-locks-")
os.chmod(os.environ["MEDIAWATCH_LOCK_DIR"], 0o1777)

from replay.server import ReplayServer  # noqa: E402
from storage.locks import use_lock_dir  # noqa: E402

use_lock_dir(os.environ["MEDIAWATCH_LOCK_DIR"])


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(os.environ["MEDIAWATCH_LOCK_DIR"], ignore_errors=True)

NOBODY = 65534


@pytest.fixture(scope="session", autouse=True)
def secrets_file(tmp_path_factory) -> Iterator[Path]:
    """The receivers' addresses of every watch a test adds go to a secrets file of the
    session (for this process and the commands it starts), never to the user's own."""
    import settings

    path = tmp_path_factory.mktemp("secrets") / "secrets.json"
    before = os.environ.get("MEDIAWATCH_SECRETS"), settings.MEDIAWATCH_SECRETS
    os.environ["MEDIAWATCH_SECRETS"] = settings.MEDIAWATCH_SECRETS = str(path)
    yield path
    if before[0] is None:
        os.environ.pop("MEDIAWATCH_SECRETS", None)
    else:
        os.environ["MEDIAWATCH_SECRETS"] = before[0]
    settings.MEDIAWATCH_SECRETS = before[1]


@pytest.fixture(scope="session")
def other_user() -> list[str]:
    """The command prefix that runs a command as another user (nobody), who can run this
    checkout; the test is skipped, saying why, where there is no such user."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("running as another user needs root and setpriv")
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import cli"], capture_output=True,
                           text=True, cwd=Path(__file__).resolve().parent.parent)
    if probe.returncode:
        why = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        pytest.skip(f"another user cannot run this checkout (is a folder above it private?): {why}")
    return prefix


@pytest.fixture(scope="session")
def replay_server() -> Iterator[ReplayServer]:
    """One replay for the whole session: 180 articles, seed 1, epoch 0, no faults.

    It has `.base_url`, `.set_epoch(k)`, `.manifest()`, `.set_faults(list)`, `.clear_faults()`.
    A test that moves its epoch or sets faults must call `replay_server.reset()` when done
    (or use `make_replay` for a server of its own).
    """
    server = ReplayServer(articles=180, seed=1).start()
    yield server
    server.stop()


@pytest.fixture
def make_replay() -> Iterator[Callable[..., ReplayServer]]:
    """Factory of servers of the test's own: `make_replay(articles=60, seed=2, epoch=0,
    faults=None, redesign_epoch=None)`; all are stopped after the test."""
    servers: list[ReplayServer] = []

    def make(articles: int = 180, seed: int = 1, epoch: int = 0,
             faults: list | None = None, redesign_epoch: int | None = None) -> ReplayServer:
        server = ReplayServer(articles=articles, seed=seed, epoch=epoch, faults=faults,
                              redesign_epoch=redesign_epoch).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def manifest_kinds(change: dict) -> list[str]:
    """The kinds the archive records for one change of the replay's manifest.

    A content change the newsroom did not stamp with a new modified date is also `stealth`.
    """
    return [change["kind"], *(["stealth"] if change.get("stealth") else [])]


def manifest_pairs(changes: list[dict]) -> set[tuple[int, str]]:
    """(article id, kind) of every kind the archive records for these manifest changes."""
    return {(c["id"], kind) for c in changes for kind in manifest_kinds(c)}


def wait_for_the_clock(moment: float) -> None:
    """Wait until the clock reads `moment` (seconds since the epoch) or later."""
    while time.time() < moment:
        time.sleep(0.01)


def wait_for_a_later_second() -> None:
    """Archive times are whole seconds: wait until the clock has moved on to the next one, so
    that what is archived from now on is dated after everything archived before."""
    wait_for_the_clock(int(time.time()) + 1)


# ---- archives for the reading room's tests ------------------------------------------------------

# Markup an outlet page could carry as text: it must reach a reader as text, never run.
HOSTILE_TITLE = '<script>alert("title")</script><img src=x onerror=alert("title-img")> '
HOSTILE_TEXT = ('<img src=x onerror=alert("body")> and <script>alert("body")</script> '
                '<a href="javascript:alert(3)">a link</a> in a paragraph')
# Live markup in the raw page: kept in the capture, dropped by extraction.
HOSTILE_RAW = ('<script>alert("raw"); document.title = "ran"</script>'
               '<img src="/media/none.jpg" onerror="alert(\'raw-img\')">')


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> str:
    """The archive `mediawatch demo` makes: the replay crawled at epoch 0, then at epoch 1."""
    import subprocess
    import sys

    db = tmp_path_factory.mktemp("demo") / "demo-archive.db"
    done = subprocess.run([sys.executable, "-m", "cli", "demo", "--db", str(db)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return str(db)


@pytest.fixture(scope="session")
def hostile_archive(tmp_path_factory):
    """The English edition crawled from a replay whose one article carries HOSTILE_TITLE before
    its title, a paragraph of HOSTILE_TEXT (escaped in the page, so it is text) and HOSTILE_RAW
    as live markup: `.db`, `.article_id`, `.title` and `.text` (the hostile parts)."""
    import subprocess
    import sys
    from html import escape
    from types import SimpleNamespace

    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with ReplayServer(articles=30, seed=2) as server:
        target = next(a for a in server.manifest()["articles"]
                      if a["language"] == "en" and a["status"] == 200)

        def transform(path: str, text: str) -> str:
            if path != target["path"]:
                return text
            text = text.replace(escape(target["title"]), escape(HOSTILE_TITLE + target["title"]))
            return text.replace('js-mediator-article font-edit">\n',
                                f'js-mediator-article font-edit">\n<p>{escape(HOSTILE_TEXT)}</p>'
                                f"{HOSTILE_RAW}\n", 1)

        server.app.transform = transform
        done = subprocess.run([sys.executable, "-m", "cli", "crawl", "--edition", "en",
                               "--base-url", server.base_url, "--db", str(db)],
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return SimpleNamespace(db=str(db), article_id=target["id"], title=HOSTILE_TITLE,
                           text=HOSTILE_TEXT)


@pytest.fixture(scope="session")
def room_pages(demo_archive) -> dict[str, str]:
    """An address of every kind of page of the reading room, on the demo archive."""
    from storage.archive import Archive

    with Archive(demo_archive, readonly=True) as archive:
        changes = archive.changes()
        revision = next(c for c in reversed(changes)
                        if c.get("version") and "rewrite" in c["kinds"])
        removal = next(c for c in reversed(changes) if "removed" in c["kinds"])
        story = next(a for a in archive.article_ids() if len(archive.translations(a)) >= 2)
        version_id = archive.versions(revision["article_id"])[0]["version_id"]
    article, number = revision["article_id"], revision["version"]
    diff = f"/article/{article}/diff?from={number - 1}&to={number}"
    return {
        "changes": "/?since=30d", "search": "/search?q=rally", "search-form": "/search",
        "article": f"/article/{article}", "diff": diff, "diff-side": diff + "&view=side",
        "removal": f"/article/{removal['article_id']}/diff", "story": f"/story/{story}",
        "capture": f"/capture/{version_id}", "status": "/status", "error": "/article/999999",
    }
