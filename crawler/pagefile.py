"""A stored page read from a file (`mediawatch extract`): the outlet's rules on its hosts, the
generic path elsewhere, and the crawl's size limit."""

from __future__ import annotations

from crawler.canonical import same_site
from crawler.extract import ExtractionError, extract, extract_generic
from storage.records import ArticleRecord


class PageFileError(ValueError):
    """The file cannot be read as an article; the message says why."""


def read_page_file(path: str, url: str, base_url: str, max_bytes: int) -> ArticleRecord:
    """The article record of the page stored at `path`, fetched from `url`: read by the
    outlet's rules when `url` is on the host of `base_url`, else by the generic path. A file
    over `max_bytes` (the crawl's download limit) is refused. Raises PageFileError."""
    if not url.startswith(("http://", "https://")):
        raise PageFileError(f"--url must be an absolute http(s) URL, not {url!r}")
    try:
        with open(path, "rb") as handle:
            html = handle.read(max_bytes + 1)
    except OSError as exc:
        raise PageFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(html) > max_bytes:
        raise PageFileError(f"{path} is larger than {max_bytes // 2**20} MB, the most a page "
                            "may have (the crawl refuses such pages too)")
    reader = extract if same_site(url, base_url) else extract_generic
    try:
        return reader(html, url)
    except ExtractionError as exc:
        raise PageFileError(f"{path} is not a usable article: {exc}") from None
