"""The reading room's ASGI app: routes for the pages and the JSON API, all of them read-only."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from alerts.feeds import UnknownFeed, feed_xml, filter_for_path
from storage.archive import Archive
from storage.budget import cancel_when
from storage.search import SearchQueryError, shown
from views import reading
from views.outlet_names import OutletBook, UnknownOutlet
from web.guard import LOOPBACK_NAMES, HostGuard, SecurityHeaders, TokenGuard, feed_key, url_host
from web.language import LANGUAGES, N_, answer_in, catalogue, choose
from web.templating import make_templates
from web.times import parse_when, start_of_today

STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_URL = "http://127.0.0.1:8000"
LARGEST_ID = 2**63 - 1  # SQLite's largest integer: no id is above it
logger = logging.getLogger("mediawatch.web")

API = {
    "/api/changes": "changes, newest first (the home page)",
    "/api/search?q=…": "search hits, counts per edition",
    "/api/article/{id}": "an article, a version of it, its timeline and editions",
    "/api/article/{id}/diff?from=N&to=M": "the difference between two versions",
    "/api/story/{id}": "the editions of a story with their versions",
    "/api/capture/{version id}": "where and when a version's page was fetched",
    "/api/status": "recent crawl runs, next scheduled runs, revisits due",
}


# ---- reading request parameters -------------------------------------------------------------

def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _number(request: Request, name: str, default: int | None = None,
            minimum: int = 1) -> int | None:
    value = _param(request, name)
    if value is None:
        return default
    # isdigit() alone also takes `²` and `٣`, which int() refuses or reads as another number
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < minimum:
        raise reading.Invalid(f"{name} must be a whole number from {minimum}, not {value!r}")
    return int(value)


def _id(request: Request) -> int:
    """The id in the address; one beyond SQLite's integers names nothing archived."""
    value = request.path_params["id"]
    if value > LARGEST_ID:
        raise reading.Missing(f"nothing archived has the id {value}")
    return value


def _edition(request: Request) -> str | None:
    edition = _param(request, "edition")
    if edition not in (None, *reading.EDITIONS):
        raise reading.Invalid(f"edition must be one of {', '.join(reading.EDITIONS)}, "
                              f"not {edition!r}")
    return edition


def _time(request: Request, name: str) -> datetime | None:
    value = _param(request, name)
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise reading.Invalid(f"{name}: {exc}") from None


def _day(request: Request, name: str) -> str | None:
    value = _time(request, name)
    return value.date().isoformat() if value else None


def _book(archive: Archive, request: Request) -> OutletBook:
    """The outlets of the archive (and of the room's outlets folder)."""
    return OutletBook.of(archive.db, request.app.state.room.outlets_dir)


def _outlets(request: Request) -> list[str]:
    """The outlets named by `?outlet=` (repeatable; empty values left out)."""
    return [name.strip() for name in request.query_params.getlist("outlet") if name.strip()]


# ---- the pages and their data ---------------------------------------------------------------

def changes_data(archive: Archive, request: Request) -> dict:
    since = _time(request, "since") or start_of_today()
    book = _book(archive, request)
    wanted = reading.change_filter(since, _time(request, "until"), _edition(request),
                                   request.query_params.getlist("kind"),
                                   outlets=book.stored(_outlets(request)))
    return reading.changes(archive, wanted, _number(request, "page", 1), book=book)


def search_data(archive: Archive, request: Request) -> dict:
    query = _param(request, "q")
    book = _book(archive, request)
    book.stored(_outlets(request))  # an outlet no one knows, with or without a query
    options = {"outlets": _outlets(request), "language": _edition(request),
               "section": _param(request, "section"),
               "author": _param(request, "author"), "date_from": _day(request, "since"),
               "date_to": _day(request, "until"),
               "all_versions": _param(request, "all_versions") in ("1", "on", "true")}
    if query is None:
        return {"query": None, **options, "hits": [], "counts": {}, "counts_complete": True,
                "page": 1, "has_more": False, "outlet_choices": book.choices()}
    return reading.search(archive, query, options, _number(request, "page", 1), book=book)


def article_data(archive: Archive, request: Request) -> dict:
    return reading.article(archive, _id(request), _number(request, "version"))


def diff_data(archive: Archive, request: Request) -> dict:
    new = _param(request, "to")
    new = new if new == reading.REMOVED else _number(request, "to")
    return reading.diff(archive, _id(request), _number(request, "from"), new)


def story_data(archive: Archive, request: Request) -> dict:
    return reading.story(archive, _id(request))


def capture_data(archive: Archive, request: Request) -> dict:
    return reading.capture(archive, _id(request))


def status_data(archive: Archive, request: Request) -> dict:
    return reading.status(archive)


PAGES: dict[str, tuple[str, Callable[[Archive, Request], dict]]] = {
    "changes": ("/", changes_data),
    "search": ("/search", search_data),
    "article": ("/article/{id:int}", article_data),
    "diff": ("/article/{id:int}/diff", diff_data),
    "story": ("/story/{id:int}", story_data),
    "capture": ("/capture/{id:int}", capture_data),
    "status": ("/status", status_data),
}


# ---- the app --------------------------------------------------------------------------------

class ReadingRoom:
    """The app's state: the archive it reads and the templates it renders."""

    def __init__(self, db: str, url: str, token: str | None = None,
                 outlets_dir: str | None = None) -> None:
        self.db = db
        self.outlets_dir = outlets_dir  # None: beside the archive
        self.url = url.rstrip("/")
        self.feed_key = feed_key(token) if token else None
        self.templates = {language: make_templates(API, self.url, language, self.feed_key)
                          for language in LANGUAGES}

    def open(self, gone: threading.Event | None = None) -> Archive:
        """A fresh read-only connection for one request (readers never block a crawl); once
        `gone` is set, its queries stop (storage.budget)."""
        archive = Archive(self.db, readonly=True)
        if gone is not None:
            cancel_when(archive.db, gone.is_set)
        return archive

    def page(self, name: str, loader: Callable) -> Callable:
        def work(request: Request, gone: threading.Event) -> Response:
            try:
                with self.open(gone) as archive:
                    data = loader(archive, request)
                status = 200
            except SearchQueryError as exc:
                if name != "search":
                    raise
                with self.open(gone) as archive:
                    choices = _book(archive, request).choices()
                data = {**search_data_empty(request), "error": str(exc),
                        "outlet_choices": choices}
                status = 400
            context = {"data": data, "page": name}
            language = choose(request)
            return answer_in(self.templates[language].TemplateResponse(
                request, f"{name}.html", context, status_code=status), request, language)

        async def endpoint(request: Request) -> Response:
            return await while_connected(request, lambda gone: work(request, gone))
        endpoint.__name__ = name
        return endpoint

    def api(self, loader: Callable) -> Callable:
        def work(request: Request, gone: threading.Event) -> Response:
            try:
                with self.open(gone) as archive:
                    return JSONResponse(loader(archive, request))
            except SearchQueryError as exc:
                return JSONResponse({"error": f"malformed query: {exc}"}, status_code=400)

        async def endpoint(request: Request) -> Response:
            return await while_connected(request, lambda gone: work(request, gone))
        return endpoint

    def raw_capture(self, request: Request) -> Response:
        """The archived page as fetched, sandboxed: no script runs, nothing is loaded."""
        with self.open() as archive:
            headers, body = reading.capture_body(archive, _id(request))
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"),
                            "text/html")
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip() \
            if "charset=" in content_type else None
        media = "text/html" + (f"; charset={charset}" if charset else "")
        return Response(body, headers={
            "Content-Type": media,
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline';"
                                       " form-action 'none'; frame-ancestors 'self'",
            "X-Frame-Options": "SAMEORIGIN",
        })

    async def feed(self, request: Request) -> Response:
        """An Atom feed of changes (alerts.feeds), its links pointing back into this room at
        its configured address (never at the Host a request names)."""
        return await while_connected(request, lambda gone: self.feed_document(request, gone))

    def feed_document(self, request: Request, gone: threading.Event) -> Response:
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        wanted = None
        with self.open(gone) as archive:
            try:
                book = OutletBook.of(archive.db, self.outlets_dir)
                wanted, watch = filter_for_path(archive.db, request.path_params["path"], params,
                                                book)
                document = feed_xml(archive.db, wanted, self.url, watch=watch,
                                    key=self.feed_key, book=book)
            except UnknownFeed as exc:
                raise reading.Missing(str(exc)) from None
            except SearchQueryError as exc:  # the feed's q, or a watch's stored query
                query = wanted.query if wanted else (params.get("q") or [""])[0]
                raise reading.Invalid(f"cannot search for {shown(query or '')}: {exc}") from None
        return Response(document, media_type="application/atom+xml; charset=utf-8")

    def api_index(self, request: Request) -> Response:
        return JSONResponse({"endpoints": API, "documentation": "docs/web.md"})

    def error(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"error": message}, status_code=status)
        language = choose(request)
        # The room's own messages are in the catalogue; those about a request stay as written.
        context = {"status": status, "message": catalogue(language).gettext(message),
                   "page": "error"}
        return answer_in(self.templates[language].TemplateResponse(
            request, "error.html", context, status_code=status), request, language)


async def while_connected(request: Request,
                          work: Callable[[threading.Event], Response]) -> Response:
    """Do a request's work in a worker thread while listening to its connection: when the
    reader goes away the event given to `work` is set, and the archive's queries stop.

    Nobody reads the answer then; the work ends at its next query instead of running on.
    """
    gone = threading.Event()
    outcome: dict = {}

    async def listen() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(listen)
        try:
            outcome["response"] = await anyio.to_thread.run_sync(work, gone)
        except Exception as exc:  # raised again below, outside the task group
            outcome["error"] = exc
        tasks.cancel_scope.cancel()
    if gone.is_set():
        logger.info("%s: the reader went away; the work for it was stopped", request.url.path)
        return Response(status_code=400)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def search_data_empty(request: Request) -> dict:
    """The search page's data when the query could not be read: the form as it was filled."""
    return {"query": _param(request, "q"), "outlets": _outlets(request),
            "language": request.query_params.get("edition"),
            "section": _param(request, "section"), "author": _param(request, "author"),
            "date_from": _param(request, "since"), "date_to": _param(request, "until"),
            "all_versions": _param(request, "all_versions") in ("1", "on", "true"),
            "hits": [], "counts": {}, "counts_complete": True, "page": 1, "has_more": False}


def create_app(db: str, token: str | None = None, url: str = DEFAULT_URL,
               allowed_hosts: tuple[str, ...] = (), outlets_dir: str | None = None) -> Starlette:
    """The reading room on the archive at `db` (opened read-only on every request), read at
    `url`: its links point there, and only requests for its host, the loopback names and
    `allowed_hosts` are answered. With a token, every request must carry it (feed readers: the
    feed key, web.guard). The outlets it names are those of the archive and of `outlets_dir`
    (default: the folder beside the archive)."""
    room = ReadingRoom(db, url, token, outlets_dir)
    names = {url_host(url), *LOOPBACK_NAMES, *allowed_hosts}
    routes = []
    for name, (path, loader) in PAGES.items():
        routes.append(Route(path, room.page(name, loader), methods=["GET"], name=name))
        routes.append(Route(f"/api{path if path != '/' else '/changes'}", room.api(loader),
                            methods=["GET"], name=f"api_{name}"))
    routes += [
        Route("/capture/{id:int}/raw", room.raw_capture, methods=["GET"], name="raw_capture"),
        Route("/feeds/{path:path}", room.feed, methods=["GET"], name="feed"),
        Route("/api", room.api_index, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    def http_error(request: Request, exc: HTTPException) -> Response:
        messages = {404: N_("There is no such page here."),
                    405: N_("This reading room only reads: there is nothing to send to it.")}
        return room.error(request, exc.status_code, messages.get(exc.status_code, exc.detail))

    def server_error(request: Request, exc: Exception) -> Response:
        logger.exception("error answering %s", request.url.path)
        return room.error(request, 500, N_("Something went wrong while reading the archive; "
                                           "the server's log says what."))

    handlers = {
        HTTPException: http_error,
        reading.Missing: lambda request, exc: room.error(request, 404, str(exc)),
        UnknownOutlet: lambda request, exc: room.error(request, 404, str(exc)),
        reading.Invalid: lambda request, exc: room.error(request, 400, str(exc)),
        Exception: server_error,
    }
    middleware = [Middleware(SecurityHeaders), Middleware(HostGuard, names=names),
                  Middleware(TokenGuard, token=token)]
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)
    # Starlette would redirect `/status/` to an absolute address built from the Host header;
    # the addresses here have no trailing slash, and another one is simply not found.
    app.router.redirect_slashes = False
    app.state.room = room
    return app
