"""The `mediawatch` command line: one entry point with a subcommand per task."""

from __future__ import annotations

import sys

import click


class UserError(click.ClickException):
    """A mistake the user can fix: printed as one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mediawatch")
def main() -> None:
    """mediawatch: archive Vlast.kz in three languages and track every revision."""


@main.command()
@click.option("--port", default=8765, show_default=True, help="TCP port on 127.0.0.1.")
@click.option("--articles", default=180, show_default=True, help="Articles at epoch 0, all editions.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated corpus.")
@click.option("--epoch", default=0, show_default=True, help="Epoch the site starts at.")
@click.option("--fault", "faults", multiple=True, metavar="KIND[:RATE][@PATH]",
              help="Inject a fault, e.g. 503:0.2, truncate@/politika/ or slow=5.")
def replay(port: int, articles: int, seed: int, epoch: int, faults: tuple[str, ...]) -> None:
    """Serve the local replay of the outlet on 127.0.0.1 until interrupted."""
    from replay.faults import FaultError, parse_fault
    from replay.server import serve_forever

    try:
        for spec in faults:
            parse_fault(spec)
    except FaultError as exc:
        raise UserError(str(exc)) from None
    serve_forever(port=port, articles=articles, seed=seed, epoch=epoch, faults=list(faults))


def parse_day(value: str | None, option: str) -> str | None:
    """Check a YYYY-MM-DD date given on the command line."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise UserError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


@main.command()
@click.option("--edition", type=click.Choice(["ru", "kk", "en", "all"]), default="all",
              show_default=True, help="Which edition to crawl.")
@click.option("--mode", type=click.Choice(["new", "backfill", "revisit"]), default="new",
              show_default=True,
              help="new: stop at what is archived; backfill: walk back to --since; "
                   "revisit: re-fetch archived articles that are due.")
@click.option("--since", help="Oldest publication date for backfill (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles per edition.")
@click.option("--everything", is_flag=True,
              help="With --mode revisit: re-fetch every archived article, due or not.")
@click.option("--base-url", envvar="MEDIAWATCH_BASE_URL", default="https://vlast.kz",
              show_default=True, help="The outlet, or a local replay of it.")
@click.option("--db", envvar="MEDIAWATCH_DB", default="archive.db", show_default=True,
              help="The archive file.")
def crawl(edition: str, mode: str, since: str | None, limit: int | None, everything: bool,
          base_url: str, db: str) -> None:
    """Discover and fetch articles, and archive every new version."""
    from crawler.runner import EDITIONS, CrawlError, run_crawl

    import time

    from crawler.report import crawl_summary

    since = parse_day(since, "--since")
    editions = list(EDITIONS) if edition == "all" else [edition]
    started = time.monotonic()
    try:
        runs = run_crawl(editions, mode=mode, base_url=base_url, db=db, since=since, limit=limit,
                         everything=everything)
    except CrawlError as exc:
        raise UserError(str(exc)) from None
    for run in runs:
        click.echo(format_run(run))
    click.echo(crawl_summary(runs, time.monotonic() - started))


def format_run(run: dict) -> str:
    """One line per crawl run: what it fetched and found."""
    from crawler.report import run_line

    return run_line(run)


@main.command()
@click.option("--base-url", envvar="MEDIAWATCH_BASE_URL", default="https://vlast.kz",
              show_default=True, help="The outlet, or a local replay of it.")
@click.option("--db", envvar="MEDIAWATCH_DB", default="archive.db", show_default=True,
              help="The archive file.")
@click.option("--edition", "editions", multiple=True, type=click.Choice(["ru", "kk", "en"]),
              help="Editions to watch (repeatable); all three by default.")
@click.option("--new-interval", type=float, help="Seconds between crawls for new articles.")
@click.option("--revisit-interval", type=float, help="Seconds between revisit crawls.")
@click.option("--sweep-interval", type=float, help="Seconds between sweeps of sitemap and listings.")
@click.option("--time-limit", type=float, help="Seconds after which a crawl is ended.")
@click.option("--revisit-steps", help="Revisit delays in seconds, comma-separated.")
@click.option("--list", "list_only", is_flag=True, help="Show the jobs and their next run times.")
def schedule(base_url: str, db: str, editions: tuple[str, ...], new_interval: float | None,
             revisit_interval: float | None, sweep_interval: float | None,
             time_limit: float | None, revisit_steps: str | None, list_only: bool) -> None:
    """Run the crawl service: new articles, revisits and sweeps on a schedule."""
    import logging

    from scheduler import AlreadyRunning, CrawlService, ServiceConfig, list_jobs

    config = ServiceConfig(db=db, base_url=base_url.rstrip("/"))
    if editions:
        config.editions = editions
    for name, value in (("new_interval", new_interval), ("revisit_interval", revisit_interval),
                        ("sweep_interval", sweep_interval), ("time_limit", time_limit)):
        if value is not None:
            setattr(config, name, value)
    if revisit_steps:
        try:
            config.revisit_steps = tuple(int(step) for step in revisit_steps.split(","))
        except ValueError:
            raise UserError("--revisit-steps must be whole seconds separated by commas") from None
    if list_only:
        for job in list_jobs(config):
            click.echo(f"{job['job']:<12} every {job['every_seconds']:>8g}s  next {job['next_run']}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        CrawlService(config).run()
    except AlreadyRunning as exc:
        raise UserError(str(exc)) from None


@main.command("extract")
@click.argument("file", metavar="FILE.html")
@click.option("--url", required=True, help="URL the page was fetched from.")
def extract_page(file: str, url: str) -> None:
    """Extract one stored article page and print the record as JSON."""
    import json

    from crawler.extract import ExtractionError, extract

    try:
        with open(file, "rb") as handle:
            html = handle.read()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        record = extract(html, url)
    except ExtractionError as exc:
        raise UserError(f"{file} is not a usable article: {exc}") from None
    click.echo(json.dumps(record.to_dict(), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
