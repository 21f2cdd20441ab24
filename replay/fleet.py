"""Many replayed outlets in one process, for capacity runs: seeded variants of the Ledger and the
Dala agency, each with a name, a corpus and an address of its own, and a count of what it served.

Outlet K (from 1) is built like the Ledger when K is odd and like the agency when K is even; its
profile's name (`ledger-001`, `agency-002`, ...) seeds its corpus, so no two outlets hold the
same stories. With `spread` outlet K listens on an address of its own, 127.0.0.(K+1) for K under
200 (a host of its own, as separate sites would be), else on a port of its own on 127.0.0.1.
Each has the epochs, faults, ground truth and control endpoints of its model, and one more:
`GET /_replay/served` gives the requests and bytes it answered.

    python -m replay.fleet --outlets 100 --spread   # prints one JSON line per outlet, then serves
    python -m replay.fleet --outlets 1 --first 999 --articles 400   # one large outlet
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import replace

from replay.agency import AgencyApp
from replay.ledger import LedgerApp
from replay.server import ReplayServer, Response
from replay.site import SiteApp, _json
from replay.sites import Replays

MODELS = {"ledger": LedgerApp, "agency": AgencyApp}


def outlet_name(number: int) -> str:
    """The name of generated outlet `number` (from 1): its model and its number."""
    return f"{model_of(number)}-{number:03d}"


def model_of(number: int) -> str:
    return "ledger" if number % 2 else "agency"


def address_of(number: int) -> str:
    """The loopback address of generated outlet `number` when the outlets are spread."""
    return f"127.0.{number // 200}.{number % 200 + 1}"


def make_outlet(number: int, articles: int | None = None, seed: int = 1,
                epoch: int = 0) -> SiteApp:
    """The app of generated outlet `number`: its model's pages, a corpus of its own."""
    if number < 1:
        raise ValueError("generated outlets are numbered from 1")
    model = MODELS[model_of(number)]
    profile = replace(model.profile, name=outlet_name(number),
                      first_number=model.profile.first_number + 1000 * number)
    own = type(f"{model.__name__}{number}", (Counted, model), {"profile": profile})
    return own(articles, seed, epoch)


class Counted:
    """Counts the requests an outlet answered and the bytes of their bodies."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.served = {"requests": 0, "bytes": 0}
        self._served_lock = threading.Lock()

    def page(self, method: str, target: str, origin: str,
             if_none_match: str | None = None) -> Response:
        response = super().page(method, target, origin, if_none_match)
        size = len(response.body.encode("utf-8") if isinstance(response.body, str)
                   else response.body)
        with self._served_lock:
            self.served["requests"] += 1
            self.served["bytes"] += size
        return response

    def control(self, method: str, path: str, payload: bytes, origin: str) -> Response:
        if path.rstrip("/") == "/_replay/served" and method in ("GET", "HEAD"):
            with self._served_lock:
                return _json(dict(self.served))
        return super().control(method, path, payload, origin)


class Fleet(Replays):
    """Generated outlets `first`.. (`count` of them) served at once, each by a ReplayServer of
    its own (started, stopped and moved between epochs as Replays are)."""

    def __init__(self, count: int, articles: int | None = None, seed: int = 1,
                 spread: bool = False, first: int = 1) -> None:
        self.servers: dict[str, ReplayServer] = {}
        try:
            for number in range(first, first + count):
                host = address_of(number) if spread else "127.0.0.1"
                self.servers[outlet_name(number)] = ReplayServer(
                    app=make_outlet(number, articles, seed), host=host)
        except BaseException:
            self.stop()
            raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=10)
    parser.add_argument("--articles", type=int, default=None,
                        help="articles of each outlet at epoch 0 (default: its model's)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=1, help="the number of the first outlet")
    parser.add_argument("--spread", action="store_true",
                        help="each outlet on an address of its own (127.0.0.2, 127.0.0.3, ...)")
    args = parser.parse_args()
    if not 1 <= args.outlets <= 250 or not 1 <= args.first <= 999:
        parser.error("--outlets must be between 1 and 250, --first between 1 and 999")
    with Fleet(args.outlets, args.articles, args.seed, args.spread, args.first) as fleet:
        for name, server in fleet.servers.items():
            print(json.dumps({"name": name, "model": model_of(int(name[-3:])),
                              "base_url": server.base_url}), flush=True)
        print(json.dumps({"ready": len(fleet.servers)}), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
