"""The `mediawatch` command line: one entry point with a subcommand per task.

A thin shell: each command reads its options, asks one question of the read side
(views/reading.py: changes, an article, its history, a diff, the status) or starts one task
(crawler/, scheduler.py, alerts/, web/, demo.py), and prints what views/ renders. Every command
with its options is in this one file, in the order README follows; nothing here decides what a
change is, which versions to compare or how an article is found.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from settings import MEDIAWATCH_BASE_URL, MEDIAWATCH_DB, MEDIAWATCH_WEB_URL
from storage.records import EDITIONS


class UserError(click.ClickException):
    """A mistake the user can fix: printed as one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Commands(click.Group):
    """The command group: an archive that cannot be read is a user error, not a traceback."""

    def invoke(self, ctx: click.Context):
        import sqlite3

        from storage.access import ArchiveError
        from storage.search import SearchQueryError
        from views.outlet_names import UnknownOutlet
        from views.reading import Invalid, Missing

        try:
            return super().invoke(ctx)
        except SearchQueryError as exc:  # a query that reached the archive and was refused there
            raise UserError(f"cannot search: {exc}") from None
        except (ArchiveError, Missing, Invalid, UnknownOutlet) as exc:  # e.g. written through
            # another name; an outlet no definition or article has;
            # the read side's answer to a question it cannot take
            raise UserError(str(exc)) from None
        except sqlite3.Error as exc:  # e.g. a column renamed or a table dropped by another program
            from storage.access import storage_trouble

            trouble = storage_trouble(exc, ctx.meta.get(DB_KEY, "."))
            raise UserError(trouble or f"the archive cannot be read ({exc}): it may be damaged "
                            "or changed by another program") from None
        except UnicodeEncodeError as exc:  # bytes in the command line that are not UTF-8
            raise UserError(f"{exc.object[exc.start:exc.end]!r} in {exc.object!r} is not "
                            "UTF-8 text") from None


def echo_text(text: str, **options) -> None:
    """Print text for a person: bidi controls shown by name, so nothing reorders the line."""
    from views.inert import show_bidi

    click.echo(show_bidi(text), **options)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mediawatch")
def main() -> None:
    """mediawatch: archive news outlets in every language they publish in and track every
    revision."""
    from settings import MEDIAWATCH_LOCK_DIR
    from storage.locks import use_lock_dir

    use_lock_dir(MEDIAWATCH_LOCK_DIR)


# ---- options shared by several commands, declared once ---------------------------------------

DB_KEY = "mediawatch.db"  # where the archive named by --db is kept in the context's meta


def remember_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    ctx.meta[DB_KEY] = value  # for the messages of errors the command does not catch itself
    return value


def db_option(function):
    """--db: the archive file (its default from settings: MEDIAWATCH_DB, else archive.db)."""
    return click.option("--db", default=MEDIAWATCH_DB, show_default=True, callback=remember_db,
                        help="The archive file.")(function)


def base_url_option(function):
    """--base-url: the default outlet or a replay of it (default from settings:
    MEDIAWATCH_BASE_URL)."""
    return click.option("--base-url", default=MEDIAWATCH_BASE_URL, show_default=True,
                        help="The default outlet, or a local replay of it.")(function)


def edition_option(function):
    """--edition (also --lang): only one edition."""
    return click.option("--edition", "--lang", "edition", type=click.Choice(EDITIONS),
                        help="Only this edition.")(function)


def json_option(function):
    """--json: print JSON, for scripts."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")(function)


def web_url_option(function):
    """--web-url: the reading room that feeds and messages link to (default: MEDIAWATCH_WEB_URL,
    else where `mediawatch serve` last answered, else http://127.0.0.1:8000)."""
    return click.option("--web-url", default=MEDIAWATCH_WEB_URL or None,
                        help="Base URL of the reading room that links point to (default: "
                             "MEDIAWATCH_WEB_URL, else the address `mediawatch serve` last "
                             "answered at).")(function)


def utc_option(function):
    """--utc for the commands that show times: UTC instead of Almaty time."""
    def choose(ctx: click.Context, param: click.Parameter, utc: bool) -> bool:
        from views.text import show_utc

        show_utc(utc)
        return utc

    return click.option("--utc", is_flag=True, expose_value=False, callback=choose,
                        help="Show and read times in UTC instead of Almaty time.")(function)


def revisit_steps_option(function):
    """--revisit-steps: revisit delays in seconds, comma-separated."""
    return click.option("--revisit-steps", help="Revisit delays in seconds, comma-separated "
                        "(default: 15 min, 1 h, 3 h, 1 day, 3 days, 1 week, 1 month).")(function)


@main.command()
@click.option("--port", default=8765, show_default=True,
              help="TCP port on 127.0.0.1 (with several outlets: the first one's, the next ones "
                   "on the following ports).")
@click.option("--articles", type=click.IntRange(min=1),
              help="Articles at epoch 0, all editions (default: 180 on the default outlet's "
                   "replay, the outlet's own size on the others).")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated corpus.")
@click.option("--epoch", default=0, show_default=True, help="Epoch the site starts at.")
@click.option("--fault", "faults", multiple=True, metavar="KIND[:RATE][@PATH]",
              help="Inject a fault, e.g. 503:0.2, truncate@/politika/ or slow=5.")
@click.option("--redesign-epoch", type=click.IntRange(min=0),
              help="Epoch from which the old articles leave the classic layout for today's.")
@click.option("--outlet", "outlets", multiple=True, metavar="NAME",
              help="A replayed outlet to serve (repeatable; all: every one; the names are in "
                   "docs/outlets.md); the default outlet's alone by default.")
@click.option("--spread", is_flag=True,
              help="Each outlet on an address of its own (127.0.0.1, 127.0.0.2, ...) and --port.")
def replay(port: int, articles: int | None, seed: int, epoch: int, faults: tuple[str, ...],
           redesign_epoch: int | None, outlets: tuple[str, ...], spread: bool) -> None:
    """Serve the local replay of the default outlet (or of several outlets) until interrupted."""
    from outlets import default_outlet
    from replay.faults import FaultError, parse_fault
    from replay.server import serve_forever
    from replay.sites import OUTLETS, serve_outlets

    unknown = [name for name in outlets if name not in (*OUTLETS, "all")]
    if unknown:
        raise UserError(f"--outlet {unknown[0]!r}: the replayed outlets are "
                        f"{', '.join(OUTLETS)} (or all)")
    default = default_outlet().name

    try:
        for spec in faults:
            parse_fault(spec)
    except FaultError as exc:
        raise UserError(str(exc)) from None
    except ValueError as exc:  # a number that is not one, e.g. `slow=1.2.3`
        raise UserError(f"bad fault {spec!r}: {exc}") from None
    names = list(OUTLETS) if "all" in outlets else list(dict.fromkeys(outlets)) or [default]
    if names == [default] and not spread:
        serve_forever(port=port, articles=articles or 180, seed=seed, epoch=epoch,
                      faults=list(faults), redesign_epoch=redesign_epoch)
        return
    if redesign_epoch is not None:
        raise UserError("--redesign-epoch applies to the default outlet's replay served alone")
    try:
        serve_outlets(names, port=port, articles=articles, seed=seed, epoch=epoch,
                      faults=list(faults), spread=spread)
    except OSError as exc:
        raise UserError(f"cannot listen on port {port} and the next ones: {exc.strerror or exc}"
                        ) from None


# ---- outlets --------------------------------------------------------------------------------------

def outlets_dir_option(function):
    """--outlets-dir: the folder of added outlets (default from settings: MEDIAWATCH_OUTLETS_DIR,
    else beside the archive, named after it)."""
    from settings import MEDIAWATCH_OUTLETS_DIR

    return click.option("--outlets-dir", default=MEDIAWATCH_OUTLETS_DIR or None,
                        help="Folder of the added outlets' definitions (default: beside the "
                             "archive, archive.db -> archive.outlets/).")(function)


def outlet_filter_option(function):
    """--outlet NAME (repeatable): only these outlets' articles, with --outlets-dir."""
    function = outlets_dir_option(function)
    return click.option("--outlet", "outlet_names", multiple=True, metavar="NAME",
                        help="Only this outlet's articles (repeatable: any of them; see "
                             "mediawatch outlet list). Default: every outlet.")(function)


def outlet_book(archive, outlets_dir: str | None, db: str):
    """The outlets readers may name in this archive (views.outlet_names.OutletBook)."""
    from views.outlet_names import OutletBook

    return OutletBook.of(archive.db, outlet_folder(outlets_dir, db).folder)


def outlet_folder(outlets_dir: str | None, db: str):
    from outlets.store import OutletFolder, default_folder

    return OutletFolder(outlets_dir or default_folder(db))


def find_outlet_definition(name: str, outlets_dir: str | None, db: str):
    """An outlet's checked definition by its name; a user error when it cannot be had."""
    from outlets.definition import DefinitionError

    try:
        return outlet_folder(outlets_dir, db).get(name)
    except DefinitionError as exc:
        raise UserError(str(exc)) from None


@main.group()
def outlet() -> None:
    """Add, list, show and remove outlets (docs/outlets.md)."""


@outlet.command("add")
@click.argument("url")
@click.option("--name", help="The outlet's name (default: from its host, e.g. example for "
                             "example.kz).")
@click.option("--dry-run", is_flag=True, help="Show what was found; store nothing.")
@click.option("--samples", default=6, show_default=True, type=click.IntRange(1, 30),
              help="Sample articles to fetch and read.")
@json_option
@db_option
@outlets_dir_option
def outlet_add(url: str, name: str | None, dry_run: bool, samples: int, as_json: bool, db: str,
               outlets_dir: str | None) -> None:
    """Look at a site by its address, show what was found and how its articles read, then
    store its definition."""
    from crawler.finder import FindError, find_outlet, normalise_address
    from crawler.hostguard import is_loopback
    from outlets.definition import NAME, DefinitionError
    from settings import DOWNLOAD_DELAY, DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, USER_AGENT
    from views.outlets import finding_json, finding_lines

    if name is not None and not NAME.match(name):
        raise UserError(f"--name {name!r} must be lower-case letters, digits, - or _ "
                        "(at most 40)")
    folder = outlet_folder(outlets_dir, db)
    try:
        address = normalise_address(url)
    except FindError as exc:
        raise UserError(str(exc)) from None
    from crawler.finder import name_from_host

    try:
        taken = {entry.name: entry for entry in folder.entries()}
    except DefinitionError as exc:
        raise UserError(str(exc)) from None
    origin = address.split("/", 3)[:3]
    same = next((entry.name for entry in taken.values() if entry.outlet and not dry_run and
                 entry.outlet.home.split("/", 3)[:3] == origin), None)
    if same:
        raise UserError(f"{'/'.join(origin)} is the outlet {same!r} already (to add it again: "
                        f"mediawatch outlet remove {same})")
    wanted = name or name_from_host(address)
    if wanted in taken and not dry_run:
        raise UserError(f"an outlet named {wanted!r} exists already ({taken[wanted].source}): "
                        "give another --name, or remove it first")
    options = {"user_agent": USER_AGENT, "timeout": min(DOWNLOAD_TIMEOUT, 30.0),
               "max_bytes": DOWNLOAD_MAXSIZE, "delay": 0.0 if is_loopback(address) else
               DOWNLOAD_DELAY}
    try:
        finding = find_outlet(address, options, name=name, samples=samples,
                              log=lambda line: click.echo(line, err=True))
    except FindError as exc:
        raise UserError(str(exc)) from None
    outlet = finding.outlet
    same_site = next((entry.name for entry in taken.values() if entry.outlet and
                      entry.outlet.home == outlet.home), None)
    stored = None
    if not as_json:
        for line in finding_lines(finding):
            echo_text(line)
    if same_site and not dry_run:
        raise UserError(f"{outlet.home} is the outlet {same_site!r} already; nothing was stored")
    if outlet.name in taken and not dry_run:
        raise UserError(f"an outlet named {outlet.name!r} exists already: give another --name; "
                        "nothing was stored")
    if not dry_run:
        try:
            stored = str(folder.add(outlet))
        except (DefinitionError, OSError) as exc:
            raise UserError(f"the definition cannot be stored: {exc}") from None
    if as_json:
        echo_json(finding_json(finding, stored))
    elif stored:
        click.echo(f"stored as {stored}: edit it where detection got something wrong")
        db_given = (f" --db {db}" if db != MEDIAWATCH_DB else "") + \
            (f" --outlets-dir {outlets_dir}" if outlets_dir else "")
        click.echo(f"archive what it lists now: mediawatch crawl --outlet {outlet.name} --mode "
                   f"backfill{db_given}; then `crawl --outlet {outlet.name}` for new articles and "
                   "`--mode revisit` for edits, or `mediawatch schedule` for all of them")
    else:
        click.echo("dry run: nothing stored")


@outlet.command("list")
@json_option
@db_option
@outlets_dir_option
def outlet_list(as_json: bool, db: str, outlets_dir: str | None) -> None:
    """List the outlets: the built-in ones and those of the outlets folder."""
    from outlets.definition import DefinitionError
    from views.outlets import outlet_json, outlet_line

    try:
        entries = outlet_folder(outlets_dir, db).entries()
    except DefinitionError as exc:
        raise UserError(str(exc)) from None
    activity = archive_activity(db, entries)
    if as_json:
        echo_json([outlet_json(entry, activity.get(entry.name)) for entry in entries])
    else:
        for entry in entries:
            echo_text(outlet_line(entry, activity.get(entry.name) if activity else False))
    broken = [entry for entry in entries if entry.error]
    if broken:
        raise UserError(f"{len(broken)} definition{'s' * (len(broken) > 1)} cannot be used: "
                        "fix or remove " + ", ".join(entry.source for entry in broken))


@outlet.command("show")
@click.argument("name")
@json_option
@db_option
@outlets_dir_option
def outlet_show(name: str, as_json: bool, db: str, outlets_dir: str | None) -> None:
    """Print an outlet's definition (TOML, as its file holds it)."""
    from outlets.definition import DefinitionError
    from outlets.files import dumps

    try:
        found = outlet_folder(outlets_dir, db).get(name)
    except DefinitionError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        echo_json(found.to_dict())
        return
    if Path(db).exists():
        from views.outlets import activity_comment

        entry = next(entry for entry in outlet_folder(outlets_dir, db).entries()
                     if entry.name == name)
        click.echo(activity_comment(found, archive_activity(db, [entry]).get(name), db), nl=False)
    click.echo(dumps(found), nl=False)


def archive_activity(db: str, entries: list) -> dict:
    """Each outlet's articles and last crawl in the archive, by outlet name; {} when there is
    no archive yet or it cannot be read (the outlets are listed all the same)."""
    import sqlite3

    from outlets import default_outlet
    from storage.access import ArchiveError, connect_readonly
    from storage.outlets import outlet_activity

    if not Path(db).exists():
        return {}
    try:
        found = outlet_activity(connect_readonly(db))
    except (ArchiveError, sqlite3.Error):
        return {}
    default = default_outlet().name
    return {entry.name: found.get(None if entry.name == default and entry.source == "built-in"
                                  else entry.name) for entry in entries}


@outlet.command("remove")
@click.argument("name")
@db_option
@outlets_dir_option
def outlet_remove(name: str, db: str, outlets_dir: str | None) -> None:
    """Remove an added outlet's definition (its archived articles stay)."""
    from outlets.definition import DefinitionError

    try:
        path = outlet_folder(outlets_dir, db).remove(name)
    except DefinitionError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot remove {name!r}: {exc.strerror or exc}") from None
    click.echo(f"removed {path}")


def parse_day(value: str | None, option: str) -> str | None:
    """Check a YYYY-MM-DD date given on the command line."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UserError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


def parse_steps(value: str | None) -> list[int] | None:
    """Revisit delays given as whole seconds separated by commas."""
    if not value:
        return None
    try:
        steps = [int(step) for step in value.split(",")]
    except ValueError:
        steps = []
    if not steps or any(step < 0 for step in steps):
        raise UserError("--revisit-steps must be whole seconds separated by commas")
    return steps




@main.command()
@click.option("--edition", default="all", show_default=True, metavar="LANG",
              help=f"Which edition to crawl: {', '.join(EDITIONS)} or all; with --outlet, any "
                   "of the outlet's languages.")
@click.option("--mode", type=click.Choice(["new", "backfill", "revisit"]), default="new",
              show_default=True,
              help="new: stop at what is archived; backfill: walk back to --since; "
                   "revisit: re-fetch archived articles that are due.")
@click.option("--since", help="With --mode backfill: the oldest publication date to walk back "
                              "to (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles per edition.")
@click.option("--everything", is_flag=True,
              help="With --mode revisit: re-fetch every archived article, due or not.")
@base_url_option
@db_option
@revisit_steps_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON: each run's id, status, counts and errors.")
@click.option("--outlet", "outlet_name", metavar="NAME",
              help="An added outlet (mediawatch outlet add) to crawl instead of the default one.")
@outlets_dir_option
def crawl(edition: str, mode: str, since: str | None, limit: int | None, everything: bool,
          base_url: str, db: str, revisit_steps: str | None, as_json: bool,
          outlet_name: str | None, outlets_dir: str | None) -> None:
    """Discover and fetch articles, and archive every new version."""
    import time

    from crawler.runner import CrawlError, run_crawl, run_outlet_crawl
    from views.runs import crawl_result, crawl_summary, run_line

    reject_ignored_options(mode, since=since, everything=everything)
    since = parse_day(since, "--since")
    started = time.monotonic()
    try:
        if outlet_name:
            outlet = find_outlet_definition(outlet_name, outlets_dir, db)
            check_crawl_target(outlet.home, db)
            editions = list(outlet.languages) if edition == "all" else [edition]
            if edition != "all" and edition not in outlet.languages:
                raise UserError(f"{outlet.name} has no {edition} edition; its editions are "
                                f"{', '.join(outlet.languages)}")
            runs = run_outlet_crawl(outlet, editions, mode=mode, db=db, since=since,
                                    limit=limit, everything=everything,
                                    revisit_steps=parse_steps(revisit_steps))
        else:
            if edition not in (*EDITIONS, "all"):
                raise UserError(f"--edition: {edition!r} is not one of {', '.join(EDITIONS)}, all")
            base_url = check_crawl_target(base_url, db)
            editions = list(EDITIONS) if edition == "all" else [edition]
            runs = run_crawl(editions, mode=mode, base_url=base_url, db=db, since=since,
                             limit=limit, everything=everything,
                             revisit_steps=parse_steps(revisit_steps))
    except CrawlError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        echo_json(crawl_result(runs, time.monotonic() - started))
        return
    for run in runs:
        echo_text(run_line(run))
        for line in (run.get("stats") or {}).get("degraded") or []:
            echo_text(f"  degraded: {line}")
    echo_text(crawl_summary(runs, time.monotonic() - started))
    if mode == "revisit" and not everything and not any(
            (run.get("stats") or {}).get("fetched") for run in runs):
        echo_text("no archived article was due for a revisit (`mediawatch history ID` says when "
                  "one is); --everything re-fetches them all now")


def check_crawl_target(base_url: str, db: str) -> str:
    """The base URL to crawl, once it and the archive to write are known to be usable."""
    from crawler.hostguard import check_base_url
    from storage.access import ArchiveError, check_writable_target

    try:
        base_url = check_base_url(base_url)
        check_writable_target(db)
    except (ValueError, ArchiveError) as exc:
        raise UserError(str(exc)) from None
    return base_url


# The crawl options that only one mode reads.
MODE_OPTIONS = {"since": "backfill", "everything": "revisit"}


def reject_ignored_options(mode: str, **given) -> None:
    """A crawl option the mode would ignore is a user error, not silently dropped."""
    for name, wanted in MODE_OPTIONS.items():
        if given.get(name) and mode != wanted:
            raise UserError(f"--{name} only applies to --mode {wanted}, not --mode {mode}")


@main.command()
@base_url_option
@db_option
@click.option("--edition", "editions", multiple=True, metavar="LANG",
              help="Editions to watch, by language (repeatable): ru, kk, en or another of an "
                   "outlet's; every edition of each outlet by default.")
@click.option("--outlet", "outlet_names", multiple=True, metavar="NAME",
              help="Only this outlet (repeatable); by default the default outlet and every "
                   "added one.")
@outlets_dir_option
@click.option("--new-interval", type=float, help="Seconds between crawls for new articles.")
@click.option("--revisit-interval", type=float, help="Seconds between revisit crawls.")
@click.option("--sweep-interval", type=float, help="Seconds between sweeps of sitemap and listings.")
@click.option("--time-limit", type=float, help="Seconds after which a crawl is ended.")
@click.option("--max-crawls", type=click.IntRange(min=1),
              help="The most crawls at once, each of another outlet (default: "
                   "MEDIAWATCH_MAX_CRAWLS, else 4).")
@click.option("--reload-interval", type=click.FloatRange(min=0),
              help="Seconds between readings of the outlets folder, whose added, removed and "
                   "edited definitions the running service takes up; 0: only at its start "
                   "(default: MEDIAWATCH_OUTLETS_RELOAD_INTERVAL, else 60).")
@revisit_steps_option
@utc_option
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and their next run times.")
@web_url_option
def schedule(base_url: str, db: str, editions: tuple[str, ...], outlet_names: tuple[str, ...],
             outlets_dir: str | None, new_interval: float | None,
             revisit_interval: float | None, sweep_interval: float | None,
             time_limit: float | None, max_crawls: int | None, reload_interval: float | None,
             revisit_steps: str | None, list_only: bool, web_url: str) -> None:
    """Run the crawl service: new articles, revisits and sweeps of every outlet on a schedule;
    notifications are delivered after each crawl."""
    import logging

    from outlets.definition import DefinitionError
    from scheduler import AlreadyRunning, CrawlService, ServiceConfig, list_jobs, service_outlets
    from storage.access import ArchiveError
    from views.runs import schedule_text

    config = ServiceConfig(db=db, base_url=check_crawl_target(base_url, db), web_url=web_url,
                           editions=editions, only=outlet_names, outlets_dir=outlets_dir)
    for name, value in (("new_interval", new_interval), ("revisit_interval", revisit_interval),
                        ("sweep_interval", sweep_interval), ("time_limit", time_limit),
                        ("max_crawls", max_crawls), ("reload_interval", reload_interval)):
        if value is not None:
            setattr(config, name, value)
    if revisit_steps:
        config.revisit_steps = tuple(parse_steps(revisit_steps))
    try:
        if list_only:
            echo_text(schedule_text(list_jobs(config)))
            for problem in service_outlets(config)[1]:
                echo_text(f"not crawled: {problem}")
            return
        service = CrawlService(config)
    except (ArchiveError, DefinitionError, ValueError) as exc:
        raise UserError(str(exc)) from None
    if not service.targets:
        raise UserError("no outlet has an edition to crawl: check --outlet and --edition")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        service.run()
    except AlreadyRunning as exc:
        raise UserError(str(exc)) from None


@main.command("extract")
@click.argument("file", metavar="FILE.html")
@click.option("--url", required=True, help="URL the page was fetched from.")
@base_url_option
def extract_page(file: str, url: str, base_url: str) -> None:
    """Extract one stored article page, of the outlet or any site, and print it as JSON.

    Pages on the host of --base-url are read by the outlet's rules, all others by the generic
    path."""
    from crawler.pagefile import PageFileError, read_page_file
    from settings import DOWNLOAD_MAXSIZE

    try:
        record = read_page_file(file, url, base_url, DOWNLOAD_MAXSIZE)
    except PageFileError as exc:
        raise UserError(str(exc)) from None
    echo_json(record.to_dict())


# ---- reading the archive -------------------------------------------------------------------------

def change_kinds() -> list[str]:
    """Every kind a filter may name (storage.changelog.FILTER_KINDS)."""
    from storage.changelog import FILTER_KINDS

    return list(FILTER_KINDS)


def open_archive(db: str, write: bool = False):
    """The archive at `db`, opened read-only unless `write` (storage.archive.open_archive); what
    cannot be opened is a user error."""
    from storage.access import ArchiveError
    from storage.archive import open_archive as opened

    try:
        return opened(db, write)
    except ArchiveError as exc:
        raise UserError(str(exc)) from None


def find_article(archive, ref: str) -> int:
    """The id of the archived article `ref` names (its id or any of its URLs)."""
    from views.reading import find_article as find

    return find(archive, ref)


def parse_time(value: str | None, option: str, day: bool = False) -> str | None:
    """A time option as a UTC timestamp (or a YYYY-MM-DD day)."""
    from storage.clock import utc_iso
    from views.text import parse_moment

    if value is None:
        return None
    try:
        moment = parse_moment(value)
        return moment.date().isoformat() if day else utc_iso(moment)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def echo_json(data: object) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def on_terminal() -> bool:
    return sys.stdout.isatty()


@main.command()
@click.argument("query")
@edition_option
@click.option("--section", help="Only this section, e.g. politika.")
@click.option("--author", help="Only articles by this author (part of the name, any case).")
@click.option("--since", help="Published (the article's own date) on or after this day "
                              "(YYYY-MM-DD, or an age: 7d, 2w).")
@click.option("--until", help="Published on or before this day.")
@click.option("--all-versions", is_flag=True, help="Search every archived version, not only the current.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Most hits.")
@outlet_filter_option
@json_option
@db_option
def search(query: str, edition: str | None, section: str | None, author: str | None, since: str | None,
           until: str | None, all_versions: bool, limit: int, outlet_names: tuple[str, ...],
           outlets_dir: str | None, as_json: bool, db: str) -> None:
    """Full-text search: words, "phrases", prefix*, AND/OR/NOT; ranked, with snippets."""
    from storage.search import SearchQueryError, shown
    from views import articles, reading, text

    color = on_terminal() and not as_json
    options = {"language": edition, "section": section, "author": author,
               "date_from": parse_time(since, "--since", day=True), "all_versions": all_versions,
               "date_to": parse_time(until, "--until", day=True), "outlets": list(outlet_names)}
    marks = (text.YELLOW, text.RESET) if color else ("[", "]")
    with open_archive(db) as archive:
        book = outlet_book(archive, outlets_dir, db)
        try:
            found = reading.search(archive, query, options, per_page=limit, marks=marks,
                                   book=book)
        except SearchQueryError as exc:
            raise UserError(f"cannot search for {shown(query)}: {exc}") from None
    if as_json:
        echo_json([articles.search_hit(hit) for hit in found["hits"]])
    else:
        echo_text(articles.search_text(found, color, show_outlet=len(book.names()) > 1))


@main.command()
@click.option("--since", default="1d", show_default=True,
              help="Changes archived (seen by a crawl) since this time: YYYY-MM-DD[THH:MM[:SS]], "
                   "today, or an age: 12h, 1d, 2w.")
@edition_option
@click.option("--kind", "kinds", multiple=True, type=click.Choice(change_kinds()),
              help="Only this kind of change (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N changes.")
@outlet_filter_option
@json_option
@utc_option
@db_option
def changes(since: str, edition: str | None, kinds: tuple[str, ...], limit: int | None,
            outlet_names: tuple[str, ...], outlets_dir: str | None, as_json: bool,
            db: str) -> None:
    """What was published, revised, removed or restored, newest first (default: the last day)."""
    from views import articles, reading

    since = parse_time(since, "--since")
    with open_archive(db) as archive:
        book = outlet_book(archive, outlets_dir, db)
        wanted = reading.change_filter(since, None, edition, kinds,
                                       outlets=book.stored(outlet_names))
        data = reading.changes(archive, wanted, per_page=limit or ALL,
                               count=limit is not None, book=book)
    if as_json:
        echo_json(data["items"])
        return
    echo_text(articles.changes_text(data["items"], since, show_outlet=len(book.names()) > 1))
    if data["has_more"]:
        click.echo(f"(the newest {len(data['items'])} of {data['total']} changes; --limit "
                   "shows more)")


ALL = 10**9  # no limit on a list the terminal prints whole


@main.command()
@click.argument("article")
@json_option
@utc_option
@db_option
def history(article: str, as_json: bool, db: str) -> None:
    """When an article was first seen, each version and event, and its next revisit."""
    from views import articles, reading

    with open_archive(db) as archive:
        data = reading.history(archive, find_article(archive, article))
    if as_json:
        echo_json(data)
    else:
        echo_text(articles.history_text(data))


class VersionOrRemoved(click.ParamType):
    """A version number, or `removed`."""

    name = "N|removed"

    def convert(self, value, param, ctx):
        if value == "removed" or isinstance(value, int):
            return value
        try:
            return int(value)
        except ValueError:
            self.fail(f"{value!r} is not a version number nor `removed`", param, ctx)


@main.command()
@click.argument("article")
@click.option("--from", "old", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "new", type=VersionOrRemoved(),
              help="Newer version (default: the latest), or `removed`: the article's removal.")
@click.option("--format", "fmt", type=click.Choice(["text", "unified", "html", "json"]),
              default="text", show_default=True, help="text is coloured on a terminal.")
@utc_option
@db_option
def diff(article: str, old: int | None, new: int | str | None, fmt: str, db: str) -> None:
    """Compare two versions of an article: metadata first, then paragraphs and words."""
    from views import reading
    from views.diffs import diff_output

    with open_archive(db) as archive:
        article_id = find_article(archive, article)
        if fmt == "json":
            echo_json(reading.diff(archive, article_id, old, new))
            return
        seen = reading.compared(archive, article_id, old, new)
    output = diff_output(seen.article, seen.old, seen.new, seen.removal, fmt, color=on_terminal())
    (echo_text if fmt in ("text", "unified") else click.echo)(output, nl=False)


@main.command()
@click.argument("article")
@click.option("--version", "number", type=click.IntRange(min=1), help="Version (default: the latest).")
@json_option
@utc_option
@db_option
def show(article: str, number: int | None, as_json: bool, db: str) -> None:
    """Print an article as archived: its latest version or an earlier one."""
    from views import articles, reading

    with open_archive(db) as archive:
        data = articles.article_data(reading.article(archive, find_article(archive, article),
                                                     number))
    if as_json:
        echo_json(data)
    else:
        echo_text(articles.article_text(data))


@main.command()
@click.argument("article")
@json_option
@db_option
def translations(article: str, as_json: bool, db: str) -> None:
    """The other editions (languages) of an article's story."""
    from views import articles

    with open_archive(db) as archive:
        state = archive.article(find_article(archive, article))
    if as_json:
        echo_json(state["translations"])
    else:
        echo_text(articles.translations_text(state, state["translations"]))


@main.command()
@click.argument("article")
@click.option("--compare", is_flag=True,
              help="What one edition says and another does not: figures that differ, paragraphs "
                   "and quotations only in one, edits not carried, paragraphs side by side.")
@json_option
@utc_option
@db_option
def story(article: str, compare: bool, as_json: bool, db: str) -> None:
    """The editions of an article's story; with --compare, what they say differently."""
    from views import articles
    from views.editions import compare_data, compare_text

    with open_archive(db) as archive:
        article_id = find_article(archive, article)
        data = compare_data(archive, article_id)
        state = archive.article(article_id)
    if not compare:
        data = {key: data[key] for key in ("story", "article_id", "editions", "diverges", "open")}
    if as_json:
        echo_json(data)
    elif compare:
        echo_text(compare_text(data))
    else:
        echo_text(articles.translations_text(state, state["translations"]))
        if data["open"]:
            echo_text(f"{data['open']} open divergence{'s' if data['open'] != 1 else ''} between "
                      f"the editions: mediawatch story {article_id} --compare")


@main.command()
@json_option
@utc_option
@db_option
def stats(as_json: bool, db: str) -> None:
    """Articles and versions per edition, recent changes, most revised articles, last runs."""
    from views import articles

    with open_archive(db) as archive:
        data = articles.stats_data(archive)
    if as_json:
        echo_json(data)
    else:
        echo_text(f"archive {db}\n\n{articles.stats_text(data)}")


@main.command()
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many runs.")
@outlet_filter_option
@json_option
@utc_option
@db_option
def status(limit: int, outlet_names: tuple[str, ...], outlets_dir: str | None, as_json: bool,
           db: str) -> None:
    """The recent crawl runs, newest first: what each found, its errors; how many stories'
    editions diverge; the head of the evidence log; notifications failed or unconfirmed, watches
    skipped, the watches' digests, clocks that were ahead, and the crawl service's next runs."""
    from views import reading
    from views.runs import status_text

    with open_archive(db) as archive:
        data = reading.status(archive, limit, errors_per_run=None, outlets=outlet_names,
                              book=outlet_book(archive, outlets_dir, db))
    if as_json:
        echo_json(data)
    else:
        echo_text(status_text(data))


@main.command()
@click.option("--since", help="Only versions first archived since then (YYYY-MM-DD, 7d, ...).")
@click.option("--id", "article", help="Only the versions of this article (id or URL).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@json_option
@db_option
def reextract(since: str | None, article: str | None, dry_run: bool, as_json: bool,
              db: str) -> None:
    """Run today's extractor over the stored captures, without fetching anything."""
    from crawler.reextract import reextract as run

    since = parse_time(since, "--since")
    with open_archive(db, write=not dry_run) as archive:
        article_id = find_article(archive, article) if article else None
        report = run(archive, since=since, article_id=article_id, dry_run=dry_run)
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(report.text())


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc", "wacz"]),
              default="jsonl", show_default=True,
              help="jsonl/csv: the current version of each article; warc: the raw capture of "
                   "every version; wacz: the captures with their evidence log, signed.")
@click.option("--since", help="Only what was archived (fetched into the archive) since then, "
                              "not the publication date (YYYY-MM-DD[THH:MM], or 7d).")
@click.option("--until", help="With --format wacz: only what was archived before then.")
@click.option("--id", "article", help="With --format wacz: only this article's versions "
                                      "(its id or one of its URLs).")
@edition_option
@click.option("--output", "-o", help="File to write (default: standard output).")
@click.option("--excel", is_flag=True,
              help="With --format csv: start with a UTF-8 byte-order mark, so that spreadsheets "
                   "read the Cyrillic letters right.")
@click.option("--key", help="With --format wacz: the private key that signs it, made on first "
                            "use (default: MEDIAWATCH_SIGNING_KEY, else "
                            "~/.config/mediawatch/wacz-signing-key.pem).")
@outlet_filter_option
@db_option
def export(fmt: str, since: str | None, until: str | None, article: str | None,
           edition: str | None, output: str | None, excel: bool, key: str | None,
           outlet_names: tuple[str, ...], outlets_dir: str | None, db: str) -> None:
    """Export the archive as JSON lines, CSV, WARC or signed WACZ."""
    from storage.outputs import OutputError, check_not_archive
    from views import export as report

    if excel and fmt != "csv":
        raise UserError(f"--excel only applies to --format csv, not --format {fmt}")
    for name, given in (("--until", until), ("--id", article), ("--key", key)):
        if given is not None and fmt != "wacz":
            raise UserError(f"{name} only applies to --format wacz, not --format {fmt}")
    since = parse_time(since, "--since")
    if fmt == "wacz":
        return export_wacz(db, output, edition, since, parse_time(until, "--until"), article, key,
                           outlet_names, outlets_dir)
    if fmt == "warc" and output is None and on_terminal():
        raise UserError("a WARC file is binary: give --output FILE.warc.gz")
    try:
        if output is not None:
            check_not_archive(output, db)
        with open_archive(db) as archive:
            book = outlet_book(archive, outlets_dir, db)
            book.stored(outlet_names)  # an unknown outlet before anything is written
            with export_file(output, binary=fmt == "warc") as out:
                count = report.export_archive(archive, fmt, out, edition, since, excel=excel,
                                              name=Path(output).name if output else None,
                                              book=book, outlets=outlet_names)
    except OutputError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write {output or 'the export'}: {exc.strerror or exc}") from None
    if output:
        click.echo(f"wrote {count} {'captures' if fmt == 'warc' else 'articles'} to {output}", err=True)


def export_wacz(db: str, output: str | None, edition: str | None, since: str | None,
                until: str | None, article: str | None, key_path: str | None,
                outlet_names: tuple[str, ...] = (), outlets_dir: str | None = None) -> None:
    """`export --format wacz`: the selected captures, their evidence and the log to the head,
    signed with the local key (made, and its public part printed, on first use)."""
    import os

    import settings
    from storage import evidence
    from storage.outputs import OutputError, check_not_archive
    from views import signing, wacz

    if not output or output == "-":
        raise UserError("a WACZ file is a zip archive: give --output FILE.wacz")
    key_path = key_path or settings.MEDIAWATCH_SIGNING_KEY
    try:
        check_not_archive(output, db)
        check_not_archive(key_path, db)
        if os.path.exists(output) and os.path.samefile(output, key_path):
            raise OutputError(f"{output} is the signing key: give another --output")
        key, made = signing.load_or_create(key_path)
    except (OutputError, signing.SigningError) as exc:
        raise UserError(str(exc)) from None
    if made:
        click.echo(f"made a signing key at {key_path} (private, mode 0600: keep it so); "
                   f"its public part is kept in {signing.public_path(key_path)} and is:\n"
                   f"{signing.public_key_text(key)}", err=True)
    with open_archive(db) as archive, evidence.snapshot(archive.db):
        article_id = find_article(archive, article) if article else None
        book = outlet_book(archive, outlets_dir, db)
        ids = evidence.exported_versions(archive.db, edition, since, until, article_id,
                                         book.stored(outlet_names))
        if not ids:
            raise UserError("no archived capture matches: nothing to export")
        head = str(evidence.head(archive.db))
        versions = (evidence.version_package(archive.db, archive.captures, version_id)
                    for version_id, _ in ids)
        selection = {"outlets": list(dict.fromkeys(outlet_names)), "edition": edition,
                     "since": since, "until": until, "article": article_id}
        title = "mediawatch evidence" + (f": article {article_id}" if article_id else "") + (
            f" ({', '.join(dict.fromkeys(outlet_names))})" if outlet_names else "")
        try:
            with export_file(output, binary=True) as out:
                events = evidence.event_items(archive.db, {article for _, article in ids},
                                              since, until)
                package = wacz.write_wacz(
                    out, versions, events, lambda first: evidence.log_slice(archive.db, first),
                    lambda first: evidence.chain_before(archive.db, first), head, key, title,
                    selection)
        except evidence.NotLogged as exc:
            raise UserError(f"not exported: {exc}") from None
        except OutputError as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {package.captures} captures and {package.records} evidence records to "
               f"{output}, signed with the key {package.key_fingerprint[:16]}… (SHA-256 of its "
               f"public part); archive head {head}", err=True)


def export_file(output: str | None, binary: bool = False):
    """Where an export goes: standard output, or a file written whole (storage.outputs)."""
    from storage.outputs import open_output

    if output is None or output == "-":
        return click.open_file("-", "wb" if binary else "w", encoding=None if binary else "utf-8")
    return open_output(output, binary=binary)


@main.command("migrate")
@db_option
def migrate_archive(db: str) -> None:
    """Bring an archive made by an older version of mediawatch up to date."""
    import os

    from storage.access import ArchiveError, pending_migrations
    from storage.archive import Archive
    from storage.recompress import CaptureError, old_captures

    if not os.path.exists(db):
        raise UserError(f"no archive at {db}")
    try:
        pending = pending_migrations(db)
    except ArchiveError as exc:
        raise UserError(str(exc)) from None
    if pending:
        try:
            Archive(db).close()
        except CaptureError as exc:
            raise UserError(f"{exc}; the archive was left as it was") from None
        click.echo(f"migrated {db}: {', '.join(pending)}")
    else:
        click.echo(f"{db} is up to date: nothing to migrate")
    with open_archive(db) as archive:
        left = old_captures(archive.db)
    if left:
        click.echo(f"{left:,} captures are still stored with zlib (they read as before): run "
                   f"`mediawatch recompress --db {db}` to make them about ten times smaller")
    moved, store = move_receivers_out(db)
    if moved:
        click.echo(f"moved the receiver addresses of {moved} watch(es) out of the archive, "
                   f"into {store}")


@main.command()
@click.option("--batch", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Captures rewritten per transaction (each batch commits on its own).")
@db_option
def recompress(batch: int, db: str) -> None:
    """Rewrite captures stored by earlier versions (zlib) with zstd and the outlet's dictionary,
    each proved to read back byte-identical; stopped, it keeps what it did and goes on from there."""
    from storage.db import write_transaction
    from storage.recompress import CaptureError, old_captures
    from storage.recompress import recompress as rewrite

    def progress(total) -> None:
        click.echo(f"recompressed {total.captures:,} captures ({mib(total.before)} -> "
                   f"{mib(total.after)}), {total.left:,} left", err=True)

    with open_archive(db, write=True) as archive:
        if not old_captures(archive.db):
            click.echo(f"nothing to recompress: every capture of {db} is stored with zstd")
            return
        try:
            total = rewrite(archive.db, write_transaction, progress, batch)
        except CaptureError as exc:
            raise UserError(f"{exc}; the captures rewritten before it are kept") from None
    click.echo(f"recompressed {total.captures:,} captures of {db}: {mib(total.before)} -> "
               f"{mib(total.after)} stored; `mediawatch verify` checks every one")


def mib(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB"


def move_receivers_out(db: str) -> tuple[int, str]:
    """Move the full receiver addresses still in the archive to the secrets file (an archive
    made before they were kept apart); how many, and where."""
    import settings
    from alerts.receivers import redacted_url
    from storage.secrets import SecretsError, SecretStore
    from storage.watches import move_secrets_out

    with open_archive(db) as archive:
        if not archive.db.execute("SELECT 1 FROM watches WHERE secret_ref IS NULL").fetchone():
            return 0, settings.MEDIAWATCH_SECRETS
    store = SecretStore(settings.MEDIAWATCH_SECRETS)
    with open_archive(db, write=True) as archive:
        try:
            return move_secrets_out(archive.db, store, redacted_url), str(store.path)
        except SecretsError as exc:
            raise UserError(str(exc)) from None


# ---- evidence: verify, backups, replication ------------------------------------------------

@main.command()
@click.option("--since-head", metavar="ENTRIES:HASH",
              help="A head noted earlier (from status, a page or a feed): also check that the "
                   "archive only grew since then.")
@click.option("--wacz", "package", metavar="FILE.wacz",
              help="Check an exported WACZ instead of the archive: its signature, every file's "
                   "digest, every record and the chain to its head.")
@click.option("--public-key", help="With --wacz: the key the package must be signed by "
                                   "(base64, or its SHA-256).")
@json_option
@db_option
def verify(since_head: str | None, package: str | None, public_key: str | None, as_json: bool,
           db: str) -> None:
    """Check every capture, version and event against the tamper-evident log (exit 1 if not)."""
    from storage import evidence
    from views.evidence import verify_text

    if package:
        return verify_package(package, public_key, since_head, as_json)
    if public_key:
        raise UserError("--public-key only applies with --wacz")
    try:
        if since_head:
            evidence.parse_head(since_head)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with open_archive(db) as archive:
        report = evidence.verify(archive.db, since_head)
    if as_json:
        echo_json(report.as_dict())
    else:
        echo_text(verify_text(report, db))
    sys.exit(0 if report.held else 1)


def verify_package(path: str, public_key: str | None, since_head: str | None,
                   as_json: bool) -> None:
    """`verify --wacz`: check an exported package as its reader would."""
    import os
    import zipfile

    from views.wacz import check_wacz

    if since_head:
        raise UserError("--since-head applies to an archive, not to --wacz")
    if not os.path.isfile(path):
        raise UserError(f"no WACZ file at {path}")
    try:
        datapackage, problems = check_wacz(path, public_key)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(f"{path} is not a WACZ made by mediawatch export: {exc}") from None
    meta = datapackage.get("mediawatch", {})
    if as_json:
        echo_json({"held": not problems, "head": meta.get("head"),
                   "public_key_sha256": meta.get("public_key_sha256"), "problems": problems})
    else:
        echo_text(f"{path}: {'held' if not problems else 'FAILED'}; signed by key "
                  f"{meta.get('public_key_sha256')}; archive head {meta.get('head')}")
        for problem in problems[:20]:
            echo_text(f"  {problem}")
    sys.exit(0 if not problems else 1)


@main.command()
@click.option("--to", "output", required=True, metavar="FILE",
              help="The backup file (replaced only once the new copy is checked).")
@db_option
def backup(output: str, db: str) -> None:
    """Copy the archive while crawls write (SQLite's online backup), then check the copy."""
    import stat

    from storage.backup import BackupError
    from storage.backup import backup as make_backup
    from storage.outputs import OutputError, check_not_archive

    open_archive(db).close()
    try:
        check_not_archive(output, db)
        if output == "-" or (os.path.exists(output) and not stat.S_ISREG(os.stat(output).st_mode)):
            raise OutputError(f"cannot write {output}: a backup goes to a file")
        checked = make_backup(db, output)
    except (BackupError, OutputError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    report = checked.verified
    click.echo(f"backed up {db} to {output}: integrity ok; evidence log "
               f"{'held' if report.held else 'FAILED'} ({report.head.entries} entries, head "
               f"{report.head})")
    if not report.held:
        echo_text(f"  {report.first().text()}")
        sys.exit(1)


@main.command()
@click.option("--from", "source", metavar="FILE", help="A backup made by mediawatch backup.")
@click.option("--replica", metavar="FOLDER", help="A Litestream replica made by mediawatch "
                                                  "replicate.")
@db_option
def restore(source: str | None, replica: str | None, db: str) -> None:
    """Replace the archive by a checked backup or replica; the old file is kept aside."""
    import tempfile

    from storage.access import ArchiveError, check_writable_target
    from storage.backup import BackupError, head_of
    from storage.backup import restore as put_back
    from storage.replica import ReplicaError, restore_replica

    if bool(source) == bool(replica):
        raise UserError("give either --from FILE or --replica FOLDER")
    if source and not os.path.isfile(source):
        raise UserError(f"no backup file at {source}")
    if replica and not os.path.isdir(replica):
        raise UserError(f"no replica at {replica} (not a folder)")
    try:
        check_writable_target(db)
    except ArchiveError as exc:
        raise UserError(str(exc)) from None
    from storage.locks import ArchiveLock, LockHeld

    lock = ArchiveLock(db, "scheduler")
    try:
        if os.path.exists(db):  # a scheduler runs only against an archive that exists
            lock.acquire()
    except LockHeld as held:
        raise UserError(f"a scheduler (pid {held.pid or 'unknown'}) is running on {db}: stop it "
                        "before restoring") from None
    except OSError as exc:
        raise UserError(f"cannot lock {db}: {exc.strerror or exc}") from None
    try:
        before = head_of(db) if os.path.isfile(db) and os.path.getsize(db) else None
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(db))) as folder:
            if replica:
                source = os.path.join(folder, "restored.db")
                restore_replica(replica, source)
            checked, aside = put_back(source, db)
    except (BackupError, ReplicaError, ArchiveError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot restore {db}: {exc.strerror or exc}") from None
    finally:
        lock.release()
    head = checked.verified.head
    click.echo(f"restored {db} from {replica or source}: integrity ok, evidence log held "
               f"({head.entries} entries, head {head})")
    if aside:
        lost = f"; {before.entries - head.entries} entries newer than the restored copy are " \
               "only in it" if before and before.entries > head.entries else ""
        click.echo(f"the archive it replaced is kept as {aside}{lost}")


@main.command()
@click.option("--to", "replica", required=True, metavar="FOLDER",
              help="The replica folder (Litestream `type: file`).")
@click.option("--sync-interval", default="1s", show_default=True,
              help="How often Litestream ships new writes to the replica (e.g. 1s, 10s, 1m).")
@click.option("--print-config", is_flag=True,
              help="Print Litestream's configuration for this archive and replica, and exit.")
@db_option
def replicate(replica: str, sync_interval: str, print_config: bool, db: str) -> None:
    """Replicate the archive continuously with Litestream until interrupted."""
    import re

    from storage import replica as replication

    if not re.fullmatch(r"[1-9]\d*(ms|s|m|h)", sync_interval):
        raise UserError(f"--sync-interval must be a duration such as 1s, 10s or 1m, "
                        f"not {sync_interval!r}")
    if print_config:
        click.echo(replication.config_text(db, replica, sync_interval), nl=False)
        return
    open_archive(db).close()
    if os.path.exists(replica) and not os.path.isdir(replica):
        raise UserError(f"{replica} is not a folder")
    try:
        replication.litestream()
    except replication.ReplicaError as exc:
        raise UserError(str(exc)) from None
    config = replication.write_config(db, replica, sync_interval)
    click.echo(f"replicating {db} to {replica} every {sync_interval} (Ctrl-C to stop)", err=True)
    try:
        status = replication.replicate(config)
    finally:
        os.unlink(config)
    if status:
        raise click.ClickException(f"litestream stopped with status {status}")


# ---- feeds, watches and notifications -----------------------------------------------------------

def check_query(query: str | None, lang: str | None) -> None:
    """A --query the search engine would refuse (malformed, past the limits) is a user error
    here, where it is given, not later where it runs."""
    from storage.search import SearchQueryError, shown, validate_query

    if query is None:
        return
    try:
        if validate_query(query, lang).expression is None:
            raise UserError(f"--query {shown(query)} has no word to search for")
    except SearchQueryError as exc:
        raise UserError(f"cannot search for {shown(query)}: {exc}") from None


def find_watch(archive, name: str) -> dict:
    from storage.watches import get_watch

    watch = get_watch(archive.db, name)
    if watch is None:
        raise UserError(f"no watch named {name!r} (see mediawatch watch list)")
    return watch


@main.command()
@edition_option
@click.option("--kind", "kinds", multiple=True, type=click.Choice(change_kinds()),
              help="Only this kind of change (repeatable).")
@click.option("--article", help="Only this article (its id or one of its URLs).")
@click.option("--query", help="Only changes to articles matching this search query.")
@click.option("--watch", "watch_name", help="The changes a watch selects (its saved filter).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Newest entries in the feed.")
@click.option("--output", "-o", help="File to write, atomically (default: standard output).")
@outlet_filter_option
@web_url_option
@db_option
def feed(edition: str | None, kinds: tuple[str, ...], article: str | None, query: str | None,
         watch_name: str | None, limit: int, output: str | None, outlet_names: tuple[str, ...],
         outlets_dir: str | None, web_url: str, db: str) -> None:
    """Write an Atom feed of the newest changes: all, or per outlet, edition, kind, article or
    search."""
    from alerts.feeds import feed_xml, write_feed
    from storage.search import SearchQueryError, shown
    from storage.watches import watch_filter
    from views.reading import change_filter, room_url

    check_query(query, edition)
    with open_archive(db) as archive:
        book = outlet_book(archive, outlets_dir, db)
        if watch_name:
            if edition or kinds or article or query or outlet_names:
                raise UserError("--watch takes the watch's own filter: give no other filter")
            wanted = watch_filter(find_watch(archive, watch_name))
        else:
            article_id = find_article(archive, article) if article else None
            wanted = change_filter(language=edition, kinds=kinds, article_id=article_id,
                                   query=query, outlets=book.stored(outlet_names))
        try:
            document = feed_xml(archive.db, wanted, room_url(archive.db, web_url),
                                watch=watch_name, limit=limit, book=book)
        except SearchQueryError as exc:
            raise UserError(f"cannot search for {shown(wanted.query or '')}: {exc}") from None
    if output is None:
        click.echo(document.decode("utf-8"), nl=False)
        return
    try:
        write_feed(output, document)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {document.count(b'<entry>')} entries to {output}", err=True)


@main.group()
def watch() -> None:
    """Watches: notifications of the changes a filter selects, sent through Apprise."""


@watch.command("add")
@click.argument("name")
@click.option("--notify", "notify_url", required=True, metavar="URL",
              help="Where to send: an Apprise URL (mailto://, json://, tgram://, ntfy://, …).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(change_kinds()),
              help="Only this kind of change (repeatable); degraded: crawl runs that ended "
                   "degraded. Default: every kind of article change.")
@edition_option
@click.option("--query", help="Only changes to articles matching this search query.")
@click.option("--digest", type=click.Choice(["hourly", "daily"]),
              help="Send one digest an hour or a day instead of a message per change.")
@click.option("--allow-private-target", "allow_private", is_flag=True,
              help="Allow a receiver on a loopback, private or link-local address (this "
                   "machine or its network); refused otherwise.")
@outlet_filter_option
@db_option
def watch_add(name: str, notify_url: str, kinds: tuple[str, ...], edition: str | None,
              query: str | None, digest: str | None, allow_private: bool,
              outlet_names: tuple[str, ...], outlets_dir: str | None, db: str) -> None:
    """Add a watch; it is told of the changes archived from now on."""
    import settings
    from alerts.receivers import private_url
    from alerts.watches import ReceiverRefused, add_watch, check_receiver
    from storage.secrets import SecretsError, SecretStore
    from storage.watches import WatchExists

    if not name.strip() or "/" in name:
        raise UserError("a watch name must be non-empty and have no '/'")
    try:
        check_receiver(notify_url, allow_private)
    except ReceiverRefused as exc:
        raise UserError(str(exc)) from None
    check_query(query, edition)
    with open_archive(db, write=True) as archive:
        outlets = outlet_book(archive, outlets_dir, db).stored(outlet_names)
        try:
            add_watch(archive.db, SecretStore(settings.MEDIAWATCH_SECRETS), name, notify_url,
                      list(kinds), edition, query, digest, allow_private, outlets)
        except (WatchExists, ReceiverRefused, SecretsError) as exc:
            raise UserError(str(exc)) from None
    click.echo(f"watch {name} added: notifies {private_url(notify_url)} (the address is kept "
               f"in {settings.MEDIAWATCH_SECRETS})")


@watch.command("list")
@json_option
@outlets_dir_option
@db_option
def watch_list(as_json: bool, outlets_dir: str | None, db: str) -> None:
    """The watches, their filters and deliveries (passwords in URLs hidden): the last sent and,
    for a digest, when the next goes out."""
    import settings
    from alerts.watches import shown_receiver
    from storage.secrets import SecretStore
    from storage.watches import list_watches, watch_schedule
    from views.runs import watch_list_text

    secrets = SecretStore(settings.MEDIAWATCH_SECRETS)
    with open_archive(db) as archive:
        book = outlet_book(archive, outlets_dir, db)
        shown = {w["name"]: (shown_receiver(secrets, w), bool(w["allow_private"]))
                 for w in list_watches(archive.db)}
        rows = [{**w, "lang": w.pop("language"), "outlets": book.names_of(w["outlets"]),
                 "notify": shown[w["name"]][0], "private_target_allowed": shown[w["name"]][1]}
                for w in watch_schedule(archive.db)]
    if as_json:
        echo_json(rows)
    else:
        echo_text(watch_list_text(rows))


@watch.command("remove")
@click.argument("name")
@db_option
def watch_remove(name: str, db: str) -> None:
    """Remove a watch, its deliveries and its receiver's address."""
    import settings
    from alerts.watches import remove_watch
    from storage.secrets import SecretsError, SecretStore

    with open_archive(db, write=True) as archive:
        try:
            removed = remove_watch(archive.db, SecretStore(settings.MEDIAWATCH_SECRETS), name)
        except SecretsError as exc:
            raise UserError(f"watch {name} removed, but its address stays: {exc}") from None
        if not removed:
            raise UserError(f"no watch named {name!r} (see mediawatch watch list)")
    click.echo(f"watch {name} removed")


@watch.command("test")
@click.argument("name")
@web_url_option
@db_option
def watch_test(name: str, web_url: str, db: str) -> None:
    """Send a sample message (the latest change the watch selects) to the watch's receiver."""
    import settings
    from alerts.delivery import send
    from alerts.messages import test_message
    from alerts.sending import SENT
    from alerts.watches import receiver_address, shown_receiver
    from storage.changelog import change_log
    from storage.secrets import SecretsError, SecretStore
    from storage.watches import watch_filter
    from views.reading import room_url

    secrets = SecretStore(settings.MEDIAWATCH_SECRETS)
    with open_archive(db) as archive:
        found = find_watch(archive, name)
        latest = change_log(archive.db, watch_filter(found), newest_first=True, limit=1)
        message = test_message(archive.db, found, latest[0] if latest else None,
                               room_url(archive.db, web_url))
    shown = shown_receiver(secrets, found)
    try:
        address = receiver_address(secrets, found)
    except SecretsError as exc:
        raise UserError(str(exc)) from None
    if address is None:
        raise UserError(f"the address of watch {name} ({shown}) is not in the secrets file "
                        f"{secrets.path}: remove the watch and add it again")
    with stop_on_signals() as courier:
        outcome = send(address, message.title, message.body, bool(found["allow_private"]),
                       settings.MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE, courier)
    if outcome.status != SENT:
        raise UserError(f"the test message to {shown} {outcome.status}: "
                        f"{outcome.error or 'stopped by a signal'}")
    click.echo(f"test message sent to {shown}")


@main.command()
@web_url_option
@db_option
def notify(web_url: str, db: str) -> None:
    """Send every watch its new changes now, and retry failed sends that are due; the exit
    status is 1 when a send failed (it is retried later)."""
    import settings
    from alerts.delivery import DeliveryBusy, DeliveryLimits, deliver
    from storage.secrets import SecretStore
    from views.reading import room_url

    limits = DeliveryLimits(settings.MEDIAWATCH_NOTIFY_RETRY_STEPS,
                            settings.MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE,
                            settings.MEDIAWATCH_NOTIFY_RUN_DEADLINE)
    with open_archive(db, write=True) as archive, stop_on_signals() as courier:
        try:
            report = deliver(archive.db, db, SecretStore(settings.MEDIAWATCH_SECRETS), limits,
                             room_url(archive.db, web_url), courier)
        except DeliveryBusy as exc:
            raise UserError(str(exc)) from None
    for correction in report.corrections:
        click.echo(f"clock: {correction['what']} was {correction['stored']}, later than this "
                   f"machine's clock: corrected to {correction['corrected']}", err=True)
    for error in report.errors:
        click.echo(f"failed: {error}", err=True)
    summary = (f"{report.collected} new messages, {report.sent} sent, {report.failed} failed "
               f"(retried later), {report.unconfirmed} unconfirmed")
    if report.postponed:
        summary += f", {report.postponed} wait for the next run (its deadline passed)"
    if report.stopped:
        raise click.ClickException(f"notify stopped by a signal: {summary}; the rest is sent "
                                   "on the next run")
    click.echo(f"notify: {summary}")
    if report.failed:
        sys.exit(1)


@contextmanager
def stop_on_signals():
    """A courier that SIGTERM and SIGINT stop: the message in flight is ended at once."""
    import signal
    import threading

    from alerts.sending import Courier
    from settings import MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE

    courier = Courier(MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE)
    previous = {}
    if threading.current_thread() is threading.main_thread():  # only there can signals be caught
        previous = {number: signal.signal(number, lambda *_: courier.stop())
                    for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield courier
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        courier.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but a loopback one needs MEDIAWATCH_WEB_TOKEN.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="TCP port (0: any free one).")
@click.option("--web-url", help="The address readers open (e.g. behind a proxy): links point "
                                "there and its host is answered; noted in the archive, it is "
                                "where messages and feeds link too. Default: http://HOST:PORT/.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (repeatable); other names but "
                   "the --web-url's and the loopback ones get 400.")
@outlets_dir_option
@db_option
def serve(host: str, port: int, web_url: str | None, allowed_hosts: tuple[str, ...],
          outlets_dir: str | None, db: str) -> None:
    """Open the web reading room on the archive, read-only: changes, search, diffs, stories."""
    import os

    from web.serve import ServeError, run

    try:
        run(db, host, port, os.environ.get("MEDIAWATCH_WEB_TOKEN") or None, echo=click.echo,
            web_url=web_url, allowed_hosts=allowed_hosts, outlets_dir=outlets_dir)
    except ServeError as exc:
        raise UserError(str(exc)) from None


# ---- the demo ----------------------------------------------------------------------------------

def demo_show(ctx: click.Context, command: click.Command, db: str, *args: str, **options) -> None:
    """Run a reading command as the user would, after its command line."""
    flags = [f"--{name.replace('_', '-')} {value}" for name, value in options.items()]
    click.echo(f"\n$ mediawatch {' '.join([command.name, *args, *flags])} --db {db}")
    names = [p.name for p in command.params if isinstance(p, click.Argument)]
    ctx.invoke(command, db=db, **dict(zip(names, args, strict=True)), **options)


@main.command()
@click.option("--db", default="demo-archive.db", show_default=True,
              help="Where the demo archive goes; it is replaced on every run.")
@click.pass_context
def demo(ctx: click.Context, db: str) -> None:
    """Crawl the built-in replay of the default outlet twice, then show the archive."""
    import demo as the_demo

    try:
        the_demo.replace_archive(db, click.echo)
    except the_demo.NotADemoArchive as exc:
        raise UserError(str(exc)) from None
    try:
        since = the_demo.build(db, click.echo)
    except the_demo.DemoError as exc:
        raise click.ClickException(str(exc)) from None
    demo_show(ctx, stats, db)
    for query, edition in the_demo.SEARCHES:
        demo_show(ctx, search, db, query, edition=edition, limit=3)
    demo_show(ctx, changes, db, since=since)
    article_id = the_demo.revised_article(db, since)
    if article_id is not None:
        demo_show(ctx, diff, db, str(article_id))
    click.echo(the_demo.next_steps(db, article_id))


if __name__ == "__main__":
    sys.exit(main())
