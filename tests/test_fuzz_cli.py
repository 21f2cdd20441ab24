"""Every command's options and arguments fuzzed through the CLI runner: never a traceback.

The crawl, the service, the replay's server and the demo's crawls are replaced by stand-ins
that record their call (nothing is fetched, no port is opened); everything before them, the
checking of what was typed, runs as it is. Paths are drawn from files made here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from replay.server import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"
# Examples per command; MEDIAWATCH_FUZZ_EXAMPLES=1000 searches longer, once.
EXAMPLES = int(os.environ.get("MEDIAWATCH_FUZZ_EXAMPLES", "30"))

WORDS = [
    "", " ", "0", "1", "-1", "+1", "=1+1", "1e309", "nan", "inf", "99999999999999999999", "²", "٣",
    "today", "TODAY", "now", "0001-01-01", "9999-12-31", "9999-12-31T23:59:59", "2024-13-45",
    "2024-02-30", "0001-01-01T00:00+06:00", "9999-12-31T23:59:59-12:00", "99999999d", "12h",
    "0m", "2w", "5y", "ru", "kk", "en", "all", "new", "revisit", "backfill", "csv", "warc",
    "https://vlast.kz", "http://127.0.0.1:9", "not a url", "https://[vlast.kz/40752-x.html",
    "https://evil.example/people/40752-x.html", "//vlast.kz/x", "file:///etc/passwd",
    "митинг OR акция", '"unclosed', "AND", "NOT x", "prefix*", "(", "title:x", "' OR 1=1 --",
    "\u202e", "\udcff", "a\tb", "--db", "-h", "503:0.2", "slow=5", "truncate@/politika/",
    "1.2.3:9", "slow=1.2.3", "503:0.1.1@/x", "x" * 300, "900,3600", "1,,2", "1,-5", "5,a",
]
TEXT = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=24),
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> SimpleNamespace:
    """An archive with revised articles, and every kind of file a user might point at."""
    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "archive.db"
    with ReplayServer(articles=30, seed=2) as server:
        for args in ([], ["--mode", "revisit", "--everything"]):
            done = subprocess.run([sys.executable, "-m", "cli", "crawl", *args, "--base-url",
                                   server.base_url, "--db", str(db)],
                                  capture_output=True, text=True, timeout=300, cwd=ROOT)
            assert done.returncode == 0, done.stderr[-2000:]
            server.set_epoch(1)
    with closing(sqlite3.connect(db)) as conn:
        ids = [str(row[0]) for row in conn.execute("SELECT id FROM articles ORDER BY id LIMIT 3")]
        urls = [row[0] for row in conn.execute("SELECT url FROM articles LIMIT 2")]
    foreign = folder / "other.db"
    with closing(sqlite3.connect(foreign)) as conn, conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    (folder / "garbage.db").write_bytes(b"not a database " * 50)
    (folder / "empty.db").touch()
    (folder / "a-folder").mkdir()
    (folder / "page.bin").write_bytes(os.urandom(2000))
    scratch = folder / "scratch"
    scratch.mkdir()
    return SimpleNamespace(
        archive=db, key=folder / "keys" / "signing.pem",
        dbs=[str(db), str(foreign), str(folder / "garbage.db"), str(folder / "empty.db"),
             str(folder / "a-folder"), str(folder / "missing.db"), str(scratch / "new.db")],
        outputs=["-", str(scratch / "out.x"), str(scratch / "out.warc"), str(db), f"{db}-wal",
                 str(folder / "missing" / "x.csv"), str(folder / "a-folder"), "/dev/full"],
        pages=[str(next(PAGES.glob("*/*.html"))), str(folder / "page.bin"),
               str(folder / "a-folder"), str(folder / "none.html")],
        words=[*ids, *urls],
    )


@pytest.fixture(scope="module")
def stand_ins(files, tmp_path_factory):
    """Nothing is crawled, served or scheduled: each of these only records that it was called.

    The commands run in a folder of their own: a command's default file (`demo`'s
    demo-archive.db, `archive.db`) is never the one in the checkout.
    """
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("fuzz-cwd"))
        patch.setattr("crawler.runner.run_crawl", lambda *a, **k: calls.append("crawl") or [])
        patch.setattr("scheduler.CrawlService.run", lambda self: calls.append("schedule"))
        patch.setattr("replay.server.serve_forever", lambda **k: calls.append("replay"))
        patch.setattr("replay.sites.serve_outlets", lambda *a, **k: calls.append("replay"))
        patch.setattr("crawler.finder.find_outlet", find_nothing(calls))
        patch.setattr("demo.build", lambda db, echo: calls.append(f"demo in {os.getcwd()}")
                      or "2024-01-01T00:00:00Z")
        patch.setattr("web.serve.run", lambda *a, **k: calls.append("serve"))
        patch.setattr("alerts.delivery.send", lambda *a: calls.append("send"))
        patch.setattr("storage.replica.replicate", lambda config: calls.append("replicate") or 0)
        patch.setattr("settings.MEDIAWATCH_SIGNING_KEY", str(files.key))
        yield calls


def find_nothing(calls: list[str]):
    """A stand-in for looking at a site: it records the call and finds nothing there."""
    from crawler.finder import FindError

    def find(*args, **kwargs):
        calls.append("outlet add")
        raise FindError("nothing looked at: a stand-in")

    return find


def value(param: click.Parameter, files: SimpleNamespace) -> st.SearchStrategy[str]:
    """What a user might type for one parameter."""
    if param.name == "db":
        return st.sampled_from(files.dbs)
    if param.name == "output":
        return st.sampled_from(files.outputs)
    if param.name == "file":
        return st.sampled_from(files.pages)
    words = st.one_of(TEXT, st.sampled_from(files.words))
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from(list(kind.choices)), words)
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return st.one_of(st.integers(-(10**21), 10**21).map(str), st.floats().map(str), words)
    return words


def command_line(command: click.Command, files: SimpleNamespace) -> st.SearchStrategy[list[str]]:
    """A command line for `command`: each parameter present or not, in any value."""
    parts = []
    for param in command.params:
        if isinstance(param, click.Argument):
            parts.append(st.one_of(value(param, files).map(lambda v: [v]), st.just([])))
        elif param.is_flag:
            parts.append(st.sampled_from([[], [param.opts[0]]]))
        elif param.multiple:
            option = param.opts[0]
            parts.append(st.lists(value(param, files), max_size=3).map(
                lambda values, option=option: [x for v in values for x in (option, v)]))
        else:
            option = param.opts[0]
            parts.append(st.one_of(st.just([]), value(param, files).map(
                lambda v, option=option: [option, v])))
    extra = st.lists(st.sampled_from(["--nonsense", "x", "--db", "-"]), max_size=1)
    return st.tuples(*parts, extra).map(lambda groups: [x for group in groups for x in group])


def leaf_commands(group: click.Group = cli.main) -> dict[str, click.Command]:
    """Every command a user can run, by what they type: `search`, `watch add`, …"""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update({f"{name} {sub}": leaf for sub, leaf in leaf_commands(command).items()})
        else:
            found[name] = command
    return found


# Commands that write the archive: each is fuzzed on a copy of it.
WRITERS = {"notify", "watch add", "watch remove", "restore"}


def run_fuzz(name: str, files: SimpleNamespace) -> None:
    command = leaf_commands()[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(args=command_line(command, files))
    def check(args: list[str]) -> None:
        shutil.rmtree(Path(files.dbs[-1]).parent, ignore_errors=True)
        Path(files.dbs[-1]).parent.mkdir()
        result = CliRunner().invoke(cli.main, [*name.split(), *args])
        error = result.exception
        assert error is None or isinstance(error, SystemExit), (
            [name, *args], "".join(traceback.format_exception(error)))
        assert result.exit_code in (0, 1, 2), ([name, *args], result.output)
        if result.exit_code == 2:
            assert result.stderr.strip(), [name, *args]

    check()


@pytest.mark.parametrize("name", sorted(leaf_commands()))
def test_no_input_gives_a_traceback(files, stand_ins, name, tmp_path):
    before = digest(files.archive)
    if name in WRITERS:
        copy = tmp_path / "archive.db"
        shutil.copy(files.archive, copy)
        files = SimpleNamespace(**{**vars(files), "dbs": [str(copy), *files.dbs[1:]]})
    run_fuzz(name, files)
    assert digest(files.archive) == before, "the archive changed"


def test_the_demo_fuzzed_leaves_the_checkout_alone(files, stand_ins):
    result = CliRunner().invoke(cli.main, ["demo"])
    assert result.exit_code == 0, result.output
    where = Path(stand_ins[-1].removeprefix("demo in "))
    assert stand_ins[-1].startswith("demo in ") and ROOT not in (where, *where.parents)
    assert (where / "demo-archive.db").exists()


def test_every_command_is_fuzzed():
    assert set(leaf_commands()) == {
        "backup", "changes", "crawl", "demo", "diff", "export", "extract", "feed", "history",
        "migrate", "notify", "outlet add", "outlet list", "outlet remove", "outlet show",
        "recompress", "reextract", "replay", "replicate", "restore", "schedule", "search",
        "serve", "show", "stats", "status", "story", "translations", "verify", "watch add",
        "watch list", "watch remove", "watch test"}
