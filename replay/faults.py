"""Injected faults: their specification, deterministic triggering and the broken pages."""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import asdict, dataclass

KINDS = ("500", "503", "429", "slow", "reset", "truncate", "charset-cp1251-as-utf8",
         "charset-utf8-as-cp1251", "malformed", "huge", "redirect-loop", "layout-drift",
         "many-attributes", "slow-parse", "huge-text", "deep-nesting")
# Hostile pages: markup that costs a parser far more than its size, or that it cannot read to
# the end. Each is put into the article's text after its first paragraph.
HOSTILE_KINDS = ("many-attributes", "slow-parse", "huge-text", "deep-nesting")
DEFAULT_SLOW_SECONDS = 40.0  # longer than the crawler's 30 s download timeout
HUGE_BYTES = 21 * 1024 * 1024

_SPEC = re.compile(r"^(?P<kind>[a-z0-9-]+)(?:=(?P<seconds>[0-9.]+))?(?::(?P<rate>[0-9.]+))?"
                   r"(?:@(?P<path>/\S*))?$")


class FaultError(ValueError):
    """A fault specification that cannot be understood."""


@dataclass
class Fault:
    """One kind of fault on requests whose path starts with `path`.

    `rate` is the share of matching requests that fail, applied deterministically: with rate
    0.25 every fourth matching request fails (the 4th, 8th, ...). `count`, if set, stops the
    fault after that many failures. `seconds` is how long a `slow` response sleeps.
    """

    kind: str
    rate: float = 1.0
    path: str = "/"
    count: int | None = None
    seconds: float = DEFAULT_SLOW_SECONDS
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if not 0 <= self.rate <= 1:
            raise FaultError(f"fault rate must be between 0 and 1, not {self.rate}")
        if not self.path.startswith("/"):
            raise FaultError(f"fault path must start with '/', not {self.path!r}")

    def describe(self) -> dict:
        return asdict(self)


def parse_fault(spec: str | dict) -> Fault:
    """A fault from `KIND[=SECONDS][:RATE][@PATH_PREFIX]` (e.g. `503:0.2@/politika/`, `slow=5`)
    or from a dict such as {"kind": "503", "rate": 1.0, "path": "/politika/", "count": null}."""
    if isinstance(spec, dict):
        known = {"kind", "rate", "path", "count", "seconds"}
        unknown = set(spec) - known
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        values = {key: spec[key] for key in known if spec.get(key) is not None}
        try:
            return Fault(kind=str(values.pop("kind")),
                         rate=float(values.pop("rate", 1.0)),
                         path=str(values.pop("path", "/")),
                         count=None if "count" not in values else int(values.pop("count")),
                         seconds=float(values.pop("seconds", DEFAULT_SLOW_SECONDS)))
        except (KeyError, TypeError, ValueError) as exc:
            raise FaultError(f"bad fault {spec!r}: {exc}") from None
    match = _SPEC.match(spec.strip())
    if not match:
        raise FaultError(f"bad fault {spec!r}: expected KIND[:RATE][@PATH_PREFIX]")
    return Fault(kind=match["kind"], rate=float(match["rate"] or 1.0), path=match["path"] or "/",
                 seconds=float(match["seconds"] or DEFAULT_SLOW_SECONDS))


class Faults:
    """The faults in force; thread-safe. The first fault that matches and is due fires."""

    def __init__(self, specs: list | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = [parse_fault(spec) for spec in specs or []]

    def set(self, specs: list) -> None:
        faults = [parse_fault(spec) for spec in specs]
        if any(fault.kind == "huge" for fault in faults):
            _filler()  # built now, so that the first huge page is answered as fast as the next
        with self._lock:
            self._faults = faults

    def clear(self) -> None:
        self.set([])

    def describe(self) -> list[dict]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def pick(self, path: str) -> Fault | None:
        """The fault to apply to a request for `path`, if any (never for /_replay/)."""
        if path.startswith("/_replay/"):
            return None
        with self._lock:
            for fault in self._faults:
                if not path.startswith(fault.path):
                    continue
                if fault.count is not None and fault.fired >= fault.count:
                    continue
                fault.seen += 1
                if int(fault.seen * fault.rate + 1e-9) > int((fault.seen - 1) * fault.rate + 1e-9):
                    fault.fired += 1
                    return fault
        return None


def malform(page: str) -> str:
    """Broken but recoverable markup, as lenient parsers meet it on the web: optional closing
    tags left out, an unclosed <font>, a tag with a broken attribute, stray brackets, bare
    ampersands, replacement characters, and no end of document."""
    broken = re.sub(r"</(p|li)>", "", page)
    garbage = '<div class="broken"<span>&nbsp &amp \ufffd\ufffd <<>></b></i></div>'
    broken = broken.replace("<body>", "<body>\n" + garbage, 1)
    broken = broken.replace("<h1>", "<h1><font color=red>", 1)
    return broken.replace("</body>", "<table><tr><td>").replace("</html>", "")


_BODY_CONTAINER = re.compile(r'<div class="default-item-in[^"]*">.*?\n</div>\n', re.DOTALL)


def drift(page: str) -> str:
    """The page after a redesign that loads the article text by script: the body container is
    replaced by an empty mount point, so only the page around it is left to read."""
    return _BODY_CONTAINER.sub('<div id="article-app" data-src="/api/article"></div>\n', page,
                               count=1)


_FIRST_PARAGRAPH = re.compile(r'<div class="default-item-in[^"]*">.*?</p>', re.DOTALL)


@functools.cache
def _hostile_markup(kind: str) -> str:
    if kind == "many-attributes":  # one paragraph with 200,000 attributes (3.3 MB)
        return "<p" + "".join(f' data-x{k}="1"' for k in range(200_000)) + ">Текст.</p>\n"
    if kind == "slow-parse":  # 3,000 paragraphs of 1,000 attributes each (14 MB)
        names = "".join(f" a{k}" for k in range(1_000))
        return f"<p{names}>Текст.</p>\n" * 3_000
    if kind == "huge-text":  # one text of 11 MB, past libxml2's 10 MB for a text node
        return "<p>" + "слово " * 1_000_000 + "</p>\n"
    return "<div>" * 300 + "<p>Глубоко вложенный абзац.</p>" + "</div>" * 300 + "\n"  # deep-nesting


def hostile(page: str, kind: str) -> str:
    """The page with hostile markup (one of HOSTILE_KINDS) after the first paragraph of its text."""
    found = _FIRST_PARAGRAPH.search(page)
    if found is None:
        return page
    return page[:found.end()] + "\n" + _hostile_markup(kind) + page[found.end():]


@functools.cache
def _filler() -> str:
    """More than 20 MB of hidden paragraphs."""
    line = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 16 + "</p>\n"
    return '<div class="filler" hidden>\n' + line * (HUGE_BYTES // len(line) + 1) + "</div>\n"


def huge(page: str) -> str:
    """The page with more than 20 MB of hidden filler before the end of the body."""
    if "</body>" in page:
        return page.replace("</body>", _filler() + "</body>", 1)
    return page + "\n<!-- " + _filler().replace("--", "- -") + " -->\n"
