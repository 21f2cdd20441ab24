"""What every replayed outlet other than Vlast shares: its corpus at the current epoch, faults,
the /_replay/ control endpoints and the manifest of ground truth; each outlet's module routes
and renders its own pages."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlsplit

from replay import faults as faultlib
from replay.newsroom import Corpus, Piece, Profile, State
from replay.server import EPOCH_PATH, HTML, JSON, TEXT, Response, _redirect


class SiteApp:
    """One replayed outlet: subclasses set `profile`, `title`, `key` ("id" or "url") and
    implement `path_of` (an article's path and query) and `route` (every other page)."""

    profile: Profile
    title: str = ""
    key: str = "url"
    default_size: int = 120

    def __init__(self, articles: int | None = None, seed: int = 1, epoch: int = 0,
                 faults: list | None = None) -> None:
        self.corpus = Corpus(self.profile, articles or self.default_size, seed)
        self.seed = seed
        self.epoch = epoch
        self.corpus.state(epoch)
        self.faults = faultlib.Faults(faults)
        self.transform = None  # for tests: (path, text) -> text, as on the Vlast replay

    @property
    def state(self) -> State:
        return self.corpus.state(self.epoch)

    def set_epoch(self, epoch: int) -> None:
        self.corpus.state(epoch)
        self.epoch = epoch

    def set_clock(self, moment) -> None:
        raise ValueError(f"the {self.profile.name} replay has epochs, no revision clock")

    # ---- what subclasses give -------------------------------------------------------------------

    def path_of(self, piece: Piece) -> str:
        """The path (and query) of an article's page."""
        raise NotImplementedError

    def route(self, state: State, path: str, query: dict[str, list[str]], target: str,
              origin: str) -> Response | None:
        """Every page but the articles; None: not found."""
        raise NotImplementedError

    def find_article(self, state: State, path: str,
                     query: dict[str, list[str]]) -> tuple[Piece | None, bool]:
        """The article a request names, and whether it names one at all."""
        raise NotImplementedError

    def article_page(self, state: State, piece: Piece, origin: str) -> str:
        raise NotImplementedError

    def error_page(self, status: int, origin: str) -> str:
        raise NotImplementedError

    # ---- serving --------------------------------------------------------------------------------

    def url_of(self, piece: Piece, origin: str) -> str:
        return origin + self.path_of(piece)

    def article_truth(self, piece: Piece, url: str, urls: dict[int, str]) -> dict:
        """What a crawl should archive of an article, as its page states it."""
        return piece.truth(url, urls)

    def page(self, method: str, target: str, origin: str,
             if_none_match: str | None = None) -> Response:
        if method not in ("GET", "HEAD"):
            return Response(405, "", TEXT, [("Allow", "GET, HEAD")])
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query)
        state = self.state
        piece, is_article = self.find_article(state, path, query)
        if is_article:
            return self._article(state, piece, target, origin, if_none_match)
        found = self.route(state, path, query, target, origin)
        return found or Response(404, self.error_page(404, origin))

    def _article(self, state: State, piece: Piece | None, target: str, origin: str,
                 if_none_match: str | None) -> Response:
        if piece is None or piece.status == 404:
            return Response(404, self.error_page(404, origin))
        if piece.status == 410:
            return Response(410, self.error_page(410, origin))
        own = self.path_of(piece)
        if target != own:
            return _redirect(301, origin + own)
        etag = f'"{hashlib.sha1(repr(piece).encode()).hexdigest()[:20]}"'
        if if_none_match and etag in if_none_match:
            return Response(304, "", None, [("ETag", etag)])
        return Response(200, self.article_page(state, piece, origin), HTML, [("ETag", etag)])

    # ---- control and truth ------------------------------------------------------------------------

    def manifest(self, origin: str) -> dict:
        """The ground truth: every article (removed ones too) and this epoch's changes."""
        state = self.state
        urls = {number: self.url_of(piece, origin) for number, piece in state.pieces.items()}
        articles = []
        for number in sorted(state.pieces):
            truth = self.article_truth(state.pieces[number], urls[number], urls)
            truth["key"] = number if self.key == "id" else urls[number]
            truth["cover_image"] = origin + truth["cover_image"]
            articles.append(truth)
        changes = [{**change, "url": urls[change["number"]],
                    "key": change["number"] if self.key == "id" else urls[change["number"]]}
                   for change in state.changes]
        return {"outlet": self.profile.name, "title": self.title, "key": self.key,
                "epoch": self.epoch, "seed": self.seed, "articles": articles, "changes": changes}

    def control(self, method: str, path: str, payload: bytes, origin: str) -> Response:
        """The /_replay/ endpoints: manifest, epoch and faults; never subject to faults."""
        if path == "/_replay/manifest.json" and method in ("GET", "HEAD"):
            return _json(self.manifest(origin))
        if path.rstrip("/") == "/_replay/epoch" and method in ("GET", "HEAD"):
            return _json({"epoch": self.epoch})
        if (match := EPOCH_PATH.match(path)) and method == "POST":
            self.set_epoch(int(match[1]))
            return _json({"epoch": self.epoch})
        if path.rstrip("/") == "/_replay/faults":
            if method == "POST":
                try:
                    specs = json.loads(payload.decode("utf-8") or "[]")
                    self.faults.set(specs if isinstance(specs, list) else [specs])
                except (ValueError, faultlib.FaultError) as exc:
                    return _json({"error": str(exc)}, 400)
            elif method == "DELETE":
                self.faults.clear()
            return _json(self.faults.describe())
        return _json({"error": "no such control endpoint"}, 404)


def _json(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False), JSON)

