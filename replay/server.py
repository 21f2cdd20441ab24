"""The replay HTTP server: routing, control endpoints and faults, and a class to run it in tests."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from replay import faults as faultlib
from replay import layouts, pages, weight
from replay import timeline as timelib
from replay.corpus import ALL_SECTIONS, Article, Corpus, State

ARTICLE_PATH = re.compile(r"^/([^/]+)/(\d+)-([^/]*)\.html$")
# The oldest URLs start with the slug and end with the id; the AMP edition adds /amp/ in front.
SLUG_FIRST_PATH = re.compile(r"^/([^/]+)/[^/]*?[^\d/-][^/]*?-(\d+)\.html$")
AMP_PREFIX = "/amp/"
LISTING_PATH = re.compile(r"^/([a-z-]+)/(?:(\d+)/?)?$")
TAG_PATH = re.compile(r"^/tags/([^/]+)/$")
AUTHOR_PATH = re.compile(r"^/author/([^/]+)/$")
SITEMAP_PATH = re.compile(r"^/sitemap-(\d{4}-\d{2})\.xml$")
MEDIA_PATH = re.compile(r"^/media/[\w./-]+\.jpg$")
EPOCH_PATH = re.compile(r"^/_replay/epoch/(\d+)/?$")
CLOCK_PATH = re.compile(r"^/_replay/clock/([^/]+)/?$")

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
JSON = "application/json; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# A 1x1 white JPEG served for every /media/ image.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0"
    "000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bff"
    "c400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a10823"
    "42b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354555657"
    "58595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa"
    "b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9")


@dataclass
class Response:
    """What the server answers: status, body (text until encoded) and headers."""

    status: int
    body: str | bytes = ""
    content_type: str | None = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)


def _redirect(status: int, location: str) -> Response:
    return Response(status, "", None, [("Location", location)])


class ReplayApp:
    """The site's behaviour, independent of sockets: one corpus, the current epoch, the faults."""

    def __init__(self, articles: int = 180, seed: int = 1, epoch: int = 0,
                 faults: list | None = None, redesign_epoch: int | None = None,
                 process: timelib.Process | None = None) -> None:
        self.corpus = Corpus(articles, seed)
        # From this epoch on, the old articles' pages are served in today's layout too.
        self.redesign_epoch = redesign_epoch
        self.seed = seed
        self.epoch = epoch
        # The simulated clock: None while the site moves by epochs.
        self.clock: datetime | None = None
        self.process = process or timelib.Process()
        self._clocked: timelib.ClockedSite | None = None
        self.corpus.state(epoch)
        self.faults = faultlib.Faults(faults)
        self._requests = itertools.count(1)
        # For tests only: rewrites the text of every page served, (path, text) -> text.
        self.transform: Callable[[str, str], str] | None = None

    @property
    def state(self) -> State:
        if self.clock is not None:
            return self.clocked.state_at(self.clock)
        return self.corpus.state(self.epoch)

    @property
    def clocked(self) -> timelib.ClockedSite:
        """The site on the revision timeline, built on first use."""
        if self._clocked is None:
            self._clocked = timelib.ClockedSite(self.corpus.state(0), self.seed, self.process)
        return self._clocked

    def set_epoch(self, epoch: int) -> None:
        self.corpus.state(epoch)
        self.epoch = epoch
        self.clock = None

    def set_clock(self, moment: datetime) -> None:
        """Show the site as the revision timeline has it at `moment` (epochs no longer apply)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self.clocked.state_at(moment)
        self.clock = moment

    def manifest(self, origin: str) -> dict:
        if self.clock is not None:
            return self.clocked.manifest(origin, self.clock)
        return self.state.manifest(origin, self.seed)

    def control(self, method: str, path: str, payload: bytes, origin: str) -> Response:
        """The /_replay/ endpoints; never subject to faults."""
        if path == "/_replay/manifest.json" and method in ("GET", "HEAD"):
            return self._json(self.manifest(origin))
        if path.rstrip("/") == "/_replay/epoch" and method in ("GET", "HEAD"):
            return self._json({"epoch": self.epoch})
        if (match := EPOCH_PATH.match(path)) and method == "POST":
            self.set_epoch(int(match[1]))
            return self._json({"epoch": self.epoch})
        if path.rstrip("/") == "/_replay/clock" and method in ("GET", "HEAD"):
            return self._json({"clock": timelib.iso(self.clock), "start": timelib.iso(
                timelib.START)})
        if (match := CLOCK_PATH.match(path)) and method == "POST":
            try:
                moment = datetime.fromisoformat(unquote(match[1]))
            except ValueError:
                return self._json({"error": f"not an ISO 8601 time: {unquote(match[1])}"}, 400)
            self.set_clock(moment)
            return self._json({"clock": timelib.iso(self.clock)})
        if path.rstrip("/") == "/_replay/faults":
            if method == "POST":
                try:
                    specs = json.loads(payload.decode("utf-8") or "[]")
                    self.faults.set(specs if isinstance(specs, list) else [specs])
                except (ValueError, faultlib.FaultError) as exc:
                    return self._json({"error": str(exc)}, 400)
            elif method == "DELETE":
                self.faults.clear()
            return self._json(self.faults.describe())
        return self._json({"error": "no such control endpoint"}, 404)

    @staticmethod
    def _json(data: object, status: int = 200) -> Response:
        return Response(status, json.dumps(data, ensure_ascii=False), JSON)

    def page(self, method: str, target: str, origin: str,
             if_none_match: str | None = None) -> Response:
        """Everything the outlet itself serves."""
        if method not in ("GET", "HEAD"):
            return Response(405, "", TEXT, [("Allow", "GET, HEAD")])
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query)
        interface = "ru"
        if path == "/kz" or path.startswith("/kz/"):
            path, interface = path[3:] or "/", "kk"
        own = path + (f"?{split.query}" if split.query else "")
        state = self.state
        amp = path.startswith(AMP_PREFIX)
        article_path = path[len(AMP_PREFIX) - 1:] if amp else path
        if match := ARTICLE_PATH.match(article_path) or SLUG_FIRST_PATH.match(article_path):
            return self._article(state, int(match[2]), article_path, own, origin, interface,
                                 if_none_match, amp)
        try:
            number = int(query.get("page", ["1"])[0])
        except ValueError:
            number = 0
        found: str | None = None
        kind = HTML
        if path == "/":
            found = pages.home_page(state, interface)
        elif path == "/robots.txt":
            found, kind = pages.robots(origin), TEXT
        elif path in ("/feed/", "/feed"):
            found, kind = pages.feed(state, origin), RSS
        elif path == "/sitemap.xml":
            found, kind = pages.sitemap_index(state, origin), XML
        elif match := SITEMAP_PATH.match(path):
            found, kind = pages.sitemap_month(state, match[1], origin), XML
        elif MEDIA_PATH.match(path):
            return Response(200, JPEG, "image/jpeg")
        elif path in ("/search/", "/search"):
            found = pages.search_page(state, query.get("query", [""])[0],
                                      query.get("category", [""])[0], number, own, interface)
        elif match := TAG_PATH.match(path):
            found = pages.tag_page(state, match[1], number, own, interface)
        elif match := AUTHOR_PATH.match(path):
            found = pages.author_page(state, match[1], number, own, interface)
        elif (match := LISTING_PATH.match(path)) and match[1] in ALL_SECTIONS:
            found = pages.section_page(state, match[1], int(match[2] or 1), own, interface)
        if found is None:
            return Response(404, pages.error_page(404, own, interface))
        return Response(200, found, kind)

    def _article(self, state: State, article_id: int, path: str, own: str, origin: str,
                 interface: str, if_none_match: str | None = None, amp: bool = False) -> Response:
        article = state.articles.get(article_id)
        if article is None or article.status == 404:
            return Response(404, pages.error_page(404, own, interface))
        if article.status == 410:
            return Response(410, pages.error_page(410, own, interface))
        if article.status == 302:
            return _redirect(302, origin + "/")
        if path != article.path:
            prefix = ("/kz" if interface == "kk" else "") + ("/amp" if amp else "")
            return _redirect(301, origin + prefix + article.path)
        layout = layouts.layout_of(article, state.epoch, self.redesign_epoch)
        # Validators over what a reader sees, so a conditional re-fetch of an unchanged page is a 304.
        seen = f"{interface}{layout}{article!r}"
        etag = f'"{hashlib.sha1(seen.encode()).hexdigest()[:20]}"'
        if if_none_match and etag in if_none_match:
            return Response(304, "", None, [("ETag", etag)])
        number = next(self._requests)
        views = 1000 + article.id * 37 % 9000 + number
        render = layouts.classic_article_page if layout == layouts.CLASSIC else pages.article_page
        page = render(state, article, origin, own, interface, views,
                      self._popular(state, article, number))
        return Response(200, weight.full_weight(page, state, article, interface),
                        headers=[("ETag", etag)])

    @staticmethod
    def _popular(state: State, article: Article, number: int) -> list[Article]:
        """Five other live articles, a different choice on every request."""
        live = state.live
        chosen: list[Article] = []
        for step in range(len(live)):
            if len(chosen) == 5:
                break
            candidate = live[(number * 7 + step * 13) % len(live)]
            if candidate.id != article.id and candidate not in chosen:
                chosen.append(candidate)
        return chosen


def _content_type_charset(content_type: str, charset: str) -> str:
    return content_type.split(";")[0] + f"; charset={charset}"


class ReplayHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every response carries Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "mediawatch-replay/1.0"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._handle()

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        app = self.server.app
        address, port = self.server.server_address[:2]
        host = self.headers.get("Host") or f"{address}:{port}"
        origin = f"http://{host}"
        path = urlsplit(self.path).path
        if path.startswith("/_replay/"):
            self._send(app.control(self.command, path, payload, origin))
            return
        fault = app.faults.pick(path)
        kind = fault.kind if fault else None
        if kind == "reset":
            self._reset()
            return
        if kind in ("500", "503", "429"):
            headers = [("Retry-After", "1")] if kind == "429" else []
            self._send(Response(int(kind), f"<html><body><h1>{kind}</h1></body></html>\n",
                                HTML, headers))
            return
        if kind == "redirect-loop":
            self._send(_redirect(302, origin + self.path))
            return
        if kind == "slow":
            time.sleep(fault.seconds)
        response = app.page(self.command, self.path, origin, self.headers.get("If-None-Match"))
        if app.transform is not None and isinstance(response.body, str):
            response.body = app.transform(path, response.body)
        self._send(self._damaged(response, kind), truncate=kind == "truncate")

    @staticmethod
    def _damaged(response: Response, kind: str | None) -> Response:
        """The response after a fault that changes the body or its declared charset."""
        if not isinstance(response.body, str) or not response.content_type:
            return response
        if kind == "malformed" and response.content_type == HTML:
            response.body = faultlib.malform(response.body)
        elif kind == "layout-drift" and response.content_type == HTML:
            response.body = faultlib.drift(response.body)
        elif kind == "huge":
            response.body = faultlib.huge(response.body)
        elif kind in faultlib.HOSTILE_KINDS and response.content_type == HTML:
            response.body = faultlib.hostile(response.body, kind)
        elif kind == "charset-cp1251-as-utf8":
            response.body = response.body.encode("cp1251", errors="xmlcharrefreplace")
        elif kind == "charset-utf8-as-cp1251":
            response.content_type = _content_type_charset(response.content_type, "windows-1251")
        return response

    def _send(self, response: Response, truncate: bool = False) -> None:
        body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body[: len(body) // 2] if truncate else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        if truncate:
            self.close_connection = True

    def _reset(self) -> None:
        """Close the connection abruptly (TCP reset), without any response."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.rfile.close()
        self.wfile.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: ReplayApp, verbose: bool = False) -> None:
        self.app = app
        self.verbose = verbose
        super().__init__(address, ReplayHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        if self.verbose:
            super().handle_error(request, client_address)


class ReplayServer:
    """The replay on 127.0.0.1, run in a background thread (port 0 picks a free port).

    >>> with ReplayServer(articles=60, seed=3) as server:
    ...     server.base_url  # 'http://127.0.0.1:PORT'
    """

    def __init__(self, articles: int = 180, seed: int = 1, epoch: int = 0,
                 faults: list | None = None, port: int = 0, host: str = "127.0.0.1",
                 verbose: bool = False, redesign_epoch: int | None = None,
                 process: timelib.Process | None = None, app=None) -> None:
        # Another outlet's app (replay/sites.py) serves in the same way.
        self.app = app or ReplayApp(articles, seed, epoch, faults, redesign_epoch, process)
        self.initial_epoch = self.app.epoch
        self.httpd = _Server((host, port), self.app, verbose)
        self.host, self.port = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def epoch(self) -> int:
        return self.app.epoch

    def start(self) -> ReplayServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"replay-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_epoch(self, epoch: int) -> None:
        self.app.set_epoch(epoch)

    def set_clock(self, moment: datetime) -> None:
        """Move the site to `moment` on the revision timeline."""
        self.app.set_clock(moment)

    def manifest(self) -> dict:
        """The manifest of the current epoch, with URLs on this server's base URL."""
        return self.app.manifest(self.base_url)

    def set_faults(self, faults: list) -> None:
        """Replace the faults: dicts ({"kind", "rate", "path", "count", "seconds"}) or specs."""
        self.app.faults.set(faults)

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def reset(self) -> None:
        """Back to the starting epoch without faults (for tests sharing one server)."""
        self.clear_faults()
        self.set_epoch(self.initial_epoch)


def serve_forever(port: int = 8765, articles: int = 180, seed: int = 1, epoch: int = 0,
                  faults: list | None = None, redesign_epoch: int | None = None) -> None:
    """Run the replay in the foreground until interrupted (the `mediawatch replay` command)."""
    server = ReplayServer(articles=articles, seed=seed, epoch=epoch, faults=faults, port=port,
                          verbose=True, redesign_epoch=redesign_epoch)
    print(f"Replay of vlast.kz on {server.base_url}/ ({articles} articles, seed {seed}, "
          f"epoch {epoch}); manifest at {server.base_url}/_replay/manifest.json", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
