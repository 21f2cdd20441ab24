"""The body text of a page: the container it stands in, less captions, bylines and other parts
that are not text, read by trafilatura."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from functools import lru_cache
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from crawler.canonical import language_for_section, same_site, section_and_slug
from crawler.page import (
    LEAD,
    LINE,
    NOT_BOILERPLATE,
    TAKEN,
    Page,
    compile_xpath,
    has_class,
    text_of,
)

# The outlet's own body container is its layouts' (crawler/markup.py), read before these.
GENERIC_BODY = (
    compile_xpath("//*[@itemprop='articleBody']"),
    compile_xpath(f"//article[{NOT_BOILERPLATE}]"),
    compile_xpath("//main"),
    compile_xpath("//body"),
)
# A container with less text than this, and less than NEARLY_EMPTY_SHARE of the page's text,
# is a photo box or a sidebar card: the next, wider container is read instead.
NEARLY_EMPTY_CHARS = 200
NEARLY_EMPTY_SHARE = 0.2

# Parts of the body scope that are not body text (with those the outlet's layouts name).
IMAGE_ONLY_P = "self::p[.//img][not(normalize-space())]"
PRUNED_PARTS = (
    [
        f".//*[{has_class('img-caption')}]",
        ".//figure",
        ".//figcaption",
        f".//*[@{TAKEN}='{LINE}' or @{TAKEN}='{LEAD}']",
        f".//p[em or i][count(*) = 1][not(text()[normalize-space()])]"
        f"[preceding-sibling::*[1][{IMAGE_ONLY_P}]]",
        ".//aside",
        ".//nav",
        ".//footer",
        ".//h1",
        ".//script",
        ".//style",
        ".//noscript",
    ]
    + [
        f".//*[{has_class(name)}]"
        for name in ("caption", "photo-caption", "wp-caption-text", "breadcrumb")
    ]
)


@lru_cache(maxsize=64)
def _pruned(site_own: tuple[str, ...]) -> etree.XPath:
    return compile_xpath(" | ".join((*PRUNED_PARTS, *site_own)))


PARAGRAPHS = compile_xpath(".//p[not(ancestor::p)]")

# trafilatura deletes <time> and <output> with their text. One in running text is words: its
# nearest block (past inline markup) is a paragraph, list item, quote or table cell holding
# other text too. A date standing alone (a date line, a meta list item, a div) is not.
_NEAREST_BLOCK = (
    "ancestor::*[not(self::a or self::span or self::em or self::strong or self::b or self::i"
    " or self::u or self::s or self::small or self::sub or self::sup or self::mark or self::q"
    " or self::cite or self::abbr or self::code or self::font)][1]"
    "[self::p or self::li or self::blockquote or self::td or self::th or self::dd]"
)
INLINE_VALUES = compile_xpath(
    f"(.//time | .//output)[{_NEAREST_BLOCK}][normalize-space({_NEAREST_BLOCK}) != normalize-space()]"
)
# A div of the site's own container holding text and no other block is a paragraph of the body.
TEXT_DIVS = compile_xpath(
    ".//div[normalize-space()][not(.//p or .//div or .//ul or .//ol or .//table"
    " or .//blockquote or .//h2 or .//h3 or .//h4 or .//h5 or .//h6 or .//pre)]"
)


def _trafilatura_options(fast: bool = True) -> Extractor:
    """Extraction with no minimum length: a short article must not go to the baseline rescue,
    which merges all paragraphs into one. Reader comments are not the article."""
    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    return Extractor(config=config, fast=fast, comments=False, tables=True)


TRAFILATURA_OPTIONS = _trafilatura_options()
# Other sites: trafilatura's fallback algorithms too, for pages of markup nobody has checked.
GENERIC_OPTIONS = _trafilatura_options(fast=False)


def _containers(page: Page) -> Iterator[tuple[lxml.html.HtmlElement, bool]]:
    """Where the body text may stand, best first, each flagged when it is the site's own.

    A container that is nearly empty next to the whole page (a photo box, a sidebar card)
    is passed over for the next, wider one; the last, the page's body, never is.
    """
    candidates = []
    if site := page.site.find("body", page.doc):
        candidates.append((_fullest(site), True))
    for xpath in GENERIC_BODY:
        found = xpath(page.doc)
        if found and all(_fullest(found) is not seen for seen, _ in candidates):
            candidates.append((_fullest(found), False))
    if not candidates:  # a page without a body element
        return
    page_chars = len(text_of(candidates[-1][0]))  # the last is the body: all of the page's text
    for container, site_own in candidates:
        chars = len(text_of(container))
        if chars >= NEARLY_EMPTY_CHARS or chars >= NEARLY_EMPTY_SHARE * page_chars:
            yield container, site_own


def _fullest(elements: list) -> lxml.html.HtmlElement:
    return max(elements, key=lambda element: len(PARAGRAPHS(element)))


def _scope(container: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the container's content inside a bare document, for pruning and trafilatura."""
    scope = lxml.html.Element("html")
    article = etree.SubElement(etree.SubElement(scope, "body"), "article")
    article.text = container.text
    article.extend(deepcopy(child) for child in container)
    for line_break in article.iter("br"):
        line_break.tail = "\n" + (line_break.tail or "")  # a line break separates words
    return scope


def _edition_paragraphs(scope, page: Page, language: str) -> list[tuple[etree._Element, str]]:
    """Paragraphs that are one link to an article of another edition, with their hrefs."""
    found = []
    for paragraph in PARAGRAPHS(scope):
        links = paragraph.findall(".//a[@href]")
        if len(links) != 1 or text_of(links[0]) != text_of(paragraph):
            continue
        href = urljoin(page.base, links[0].get("href").strip())
        parts = section_and_slug(href, page.outlet) if same_site(href, page.url) else None
        if parts and language_for_section(parts[0], page.outlet) != language:
            found.append((paragraph, href))
    return found


def _keep_inline_values(scope) -> None:
    """Unwrap each `<time>` or `<output>` standing in running text, so that its words stay."""
    for element in INLINE_VALUES(scope):
        element.drop_tag()


def _trafilatura_paragraphs(scope, options: Extractor) -> list[str]:
    _keep_inline_values(scope)
    document = bare_extraction(scope, options=options)
    if document is None or document.body is None:
        return []
    texts = []
    for block in document.body:
        # a list or a quote gives one paragraph per item or paragraph; another block (a `div`
        # read by trafilatura's fallback) is taken whole, as its text may stand in nested
        # blocks, unless all of its text stands in its own paragraphs: those are the paragraphs
        parts = ([child for child in block if child.tag in ("p", "item")]
                 if block.tag in ("list", "quote") else _own_paragraphs(block))
        texts.extend(text_of(part) for part in parts or [block])
    return [text for text in texts if text]


def _own_paragraphs(block) -> list:
    """The paragraphs of a block whose whole text stands in them, else none."""
    paragraphs = [child for child in block if child.tag == "p"]
    if not paragraphs:
        return []
    inside = "".join("".join(text_of(paragraph).split()) for paragraph in paragraphs)
    return paragraphs if inside == "".join(text_of(block).split()) else []


def generic_body(page: Page, title: str) -> list[str]:
    """The body of a page of any site: trafilatura over the whole page, less the title, the
    byline and date lines and the captions. Narrowing to a container first read worse on real
    pages of many sites (bench/bench_extraction.py)."""
    scope = deepcopy(page.doc)
    titles = [h1 for h1 in scope.iter("h1") if text_of(h1) == title]
    for element in GENERIC_PRUNED(scope) + titles:
        if element.getparent() is not None:
            element.drop_tree()
    return _trafilatura_paragraphs(scope, GENERIC_OPTIONS)


GENERIC_PRUNED = compile_xpath(
    f"//*[@{TAKEN}='{LINE}'] | //figcaption | //*[{has_class('img-caption')}] | //script | //style"
    " | //noscript"
)


def read_body(page: Page, language: str) -> tuple[list[str], list[str]]:
    """Body paragraphs of a page of the outlet, and the other-edition links found among them."""
    for container, site in _containers(page):
        scope = _scope(container)
        editions = _edition_paragraphs(scope, page, language)
        pruned = _pruned(page.site.not_body)(scope)
        for element in [paragraph for paragraph, _ in editions] + pruned:
            if element.getparent() is not None:
                element.drop_tree()
        if site:
            # links in the site's own paragraphs are text: trafilatura drops short linked ones
            etree.strip_tags(scope, "a")
            # trafilatura reads a div only when the paragraphs hold little text; here it is text
            for division in TEXT_DIVS(scope):
                division.tag = "p"
        paragraphs = _trafilatura_paragraphs(scope, TRAFILATURA_OPTIONS) or [
            text for paragraph in PARAGRAPHS(scope) if (text := text_of(paragraph))]
        if paragraphs:
            return paragraphs, [href for _, href in editions]
    return [], []

