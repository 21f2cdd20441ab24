"""robots.txt read within bounds: its first 500 KiB (RFC 9309's limit), cut at a line."""

from __future__ import annotations

from protego import Protego
from scrapy.robotstxt import ProtegoRobotParser

# RFC 9309, 2.5: crawlers must read at least the first 500 kibibytes; what follows is ignored,
# as the large search engines do, so a huge file costs a bounded time to parse.
MOST_ROBOTS_BYTES = 500 * 1024


def robots_text(body: bytes) -> str:
    """The text of a robots.txt body: its first 500 KiB, up to the last whole line."""
    if len(body) > MOST_ROBOTS_BYTES:
        body = body[:MOST_ROBOTS_BYTES]
        body = body[:body.rfind(b"\n") + 1] or body
    return body.decode("utf-8-sig", errors="replace")


def parse_robots(body: bytes) -> Protego:
    """The rules of a robots.txt body, read within bounds."""
    return Protego.parse(robots_text(body))


class BoundedRobotParser(ProtegoRobotParser):
    """Scrapy's Protego parser of robots.txt, reading only the first 500 KiB."""

    def __init__(self, robotstxt_body: bytes, spider) -> None:
        self.spider = spider
        self.rp = parse_robots(robotstxt_body)
