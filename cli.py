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
              help="Inject a fault, e.g. 503:0.2 or truncate@/politika/.")
def replay(port: int, articles: int, seed: int, epoch: int, faults: tuple[str, ...]) -> None:
    """Serve the local replay of the outlet on 127.0.0.1 until interrupted."""
    from replay.server import serve_forever

    serve_forever(port=port, articles=articles, seed=seed, epoch=epoch, faults=list(faults))


if __name__ == "__main__":
    sys.exit(main())
