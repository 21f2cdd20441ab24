"""Several replayed outlets at once, each on its own port (or its own address on 127.0.0.0/8):
Vlast, and outlets built nothing like it."""

from __future__ import annotations

from replay.agency import AgencyApp
from replay.ledger import LedgerApp
from replay.server import ReplayApp, ReplayServer

# name -> (app class, what it is)
OUTLETS = {
    "vlast": (ReplayApp, "Vlast.kz: three editions under sections of one host, ids in the path"),
    "ledger": (LedgerApp, "The Steppe Ledger: English only, date-path URLs, JSON-LD, a sitemap "
                          "index"),
    "agency": (AgencyApp, "the Dala agency: Kazakh and Russian, ids in the query string, RSS per "
                          "language, no sitemap"),
}


def make_app(name: str, articles: int | None = None, seed: int = 1, epoch: int = 0,
             faults: list | None = None):
    """The app of one replayed outlet; `articles` None takes the outlet's own default size."""
    if name not in OUTLETS:
        raise ValueError(f"no replayed outlet {name!r}; they are {', '.join(OUTLETS)}")
    app_class = OUTLETS[name][0]
    if app_class is ReplayApp:
        return ReplayApp(articles or 180, seed, epoch, faults)
    return app_class(articles, seed, epoch, faults)


class Replays:
    """Several replayed outlets served at once, each by a ReplayServer of its own.

    >>> with Replays(["vlast", "ledger", "agency"]) as replays:
    ...     replays["ledger"].base_url  # 'http://127.0.0.1:PORT'

    With `spread` each outlet listens on an address of its own (127.0.0.1, 127.0.0.2, ...),
    on `port` (a free one when 0).
    """

    def __init__(self, names: list[str], articles: int | None = None, seed: int = 1,
                 epoch: int = 0, faults: list | None = None, port: int = 0, spread: bool = False,
                 verbose: bool = False) -> None:
        self.servers: dict[str, ReplayServer] = {}
        try:
            for number, name in enumerate(names):
                host = f"127.0.0.{number + 1}" if spread else "127.0.0.1"
                at = port if spread or not port else port + number
                self.servers[name] = ReplayServer(
                    app=make_app(name, articles, seed, epoch, faults), port=at, host=host,
                    verbose=verbose)
        except BaseException:
            self.stop()
            raise

    def __getitem__(self, name: str) -> ReplayServer:
        return self.servers[name]

    def start(self) -> Replays:
        for server in self.servers.values():
            server.start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def set_epoch(self, epoch: int) -> None:
        """Move every outlet to the same epoch."""
        for server in self.servers.values():
            server.set_epoch(epoch)

    def __enter__(self) -> Replays:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_outlets(names: list[str], port: int = 8765, articles: int | None = None, seed: int = 1,
                  epoch: int = 0, faults: list | None = None, spread: bool = False) -> None:
    """Run several replayed outlets in the foreground until interrupted (`mediawatch replay
    --outlet ...`)."""
    import threading

    replays = Replays(names, articles, seed, epoch, faults, port, spread, verbose=True)
    for name, server in replays.servers.items():
        print(f"{name:<7} {server.base_url}/  {OUTLETS[name][1]}; manifest at "
              f"{server.base_url}/_replay/manifest.json", flush=True)
    some = next(iter(replays.servers.items()))
    print(f"add one to an archive: mediawatch outlet add {some[1].base_url} --name {some[0]}; "
          f"its next epoch: curl -X POST {some[1].base_url}/_replay/epoch/1", flush=True)
    replays.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        replays.stop()
