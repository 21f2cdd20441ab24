"""Journeys through the reading room in a real browser: Debian's Chromium driven by Playwright,
against `mediawatch serve` on 127.0.0.1. Screenshots go to tests/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.archive import Archive

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
INSERTED_BACKGROUND = "rgb(220, 245, 227)"  # web/static/style.css: --ins
DELETED_BACKGROUND = "rgb(255, 227, 224)"  # --del


@contextmanager
def serving(db: str) -> Iterator[str]:
    """`mediawatch serve` on a free port of 127.0.0.1; yields its base URL."""
    env = {key: value for key, value in os.environ.items() if key != "MEDIAWATCH_WEB_TOKEN"}
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", "0", "--db", db],
                               stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, f"serve printed {line!r}"
        yield found.group()
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (apt-get install chromium; `make test` installs it when it can)."""
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: the browser tests cannot run (make test "
                        "installs it with apt-get when run as root)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()


@pytest.fixture(scope="module")
def demo_url(demo_archive) -> Iterator[str]:
    with serving(demo_archive) as url:
        yield url


def shot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def test_follow_a_change_to_its_diff(page, demo_url):
    page.goto(demo_url + "/")
    rows = page.locator("table.changes tbody tr")
    assert rows.count() > 0
    shot(page, "changes")
    links = page.locator("tr:has(.kind-rewrite) a.change")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    links.first.click()
    page.wait_for_url(re.compile(r"/article/\d+/diff\?from=\d+&to=\d+$"))
    for href in hrefs:  # a rewrite that both cut and added words
        if page.locator(".paragraphs ins").count() and page.locator(".paragraphs del").count():
            break
        page.goto(demo_url + href if href.startswith("/") else href)
    inserted, deleted = page.locator(".paragraphs ins").first, page.locator(".paragraphs del").first
    assert inserted.is_visible() and deleted.is_visible()
    assert inserted.evaluate("e => getComputedStyle(e).backgroundColor") == INSERTED_BACKGROUND
    assert deleted.evaluate("e => getComputedStyle(e).backgroundColor") == DELETED_BACKGROUND
    assert "line-through" in deleted.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert page.locator(".kinds-line .kind-rewrite").is_visible()
    shot(page, "diff-inline")
    page.get_by_role("link", name="Side by side").click()
    pair = page.locator(".paragraphs.side .pair").first
    assert pair.locator(".old del").first.is_visible() and pair.locator(".new ins").first.is_visible()
    shot(page, "diff-side-by-side")
    assert page.dialogs == []


@pytest.mark.parametrize("query, edition, stem", [("митинг", "ru", "митинг"),
                                                  ("алаң", "kk", "алаң"),
                                                  ("rally", "en", "rall")])
def test_search_in_each_language(page, demo_url, query, edition, stem):
    page.goto(demo_url + "/")
    page.locator("form.quick input[name=q]").fill(query)
    page.locator("form.quick input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    hits = page.locator("ol.hits > li")
    assert hits.count() > 0
    marks = page.locator("ol.hits mark").all_inner_texts()
    assert marks and all(mark.lower().startswith(stem) for mark in marks)
    count = page.locator(f"p.counts a.count:has-text('{edition} ')")
    assert int(count.inner_text().split()[1]) > 0
    count.click()
    assert {lang for lang in page.locator("ol.hits > li").evaluate_all(
        "items => items.map(i => i.lang)")} == {edition}
    shot(page, f"search-{edition}")


def test_open_a_storys_editions(page, demo_url, demo_archive):
    with Archive(demo_archive, readonly=True) as archive:
        article_id = next(a for a in archive.article_ids() if len(archive.translations(a)) >= 2)
        titles = {e["language"]: e["title"] for e in archive.translations(article_id)}
    page.goto(f"{demo_url}/article/{article_id}")
    page.get_by_role("link", name="the story in all editions").click()
    page.wait_for_url(re.compile(rf"/story/{article_id}$"))
    editions = page.locator(".story section.edition")
    assert editions.count() == len(titles) + 1
    languages = editions.evaluate_all("sections => sections.map(s => s.lang)")
    assert len(set(languages)) == len(languages)
    shot(page, "story")
    language, title = next(iter(titles.items()))
    page.locator(f'section.edition[lang="{language}"] h2 a').click()
    assert page.locator("article.record h1").inner_text() == title


def test_hostile_markup_stays_text_and_nothing_runs(page, hostile_archive):
    with Archive(hostile_archive.db, readonly=True) as archive:
        version_id = archive.versions(hostile_archive.article_id)[0]["version_id"]
    with serving(hostile_archive.db) as url:
        page.goto(f"{url}/article/{hostile_archive.article_id}")
        heading = page.locator("article.record h1").inner_text()
        assert heading.startswith(hostile_archive.title.strip())
        assert hostile_archive.text in page.locator("article.record .body").inner_text()
        assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
        shot(page, "hostile-article")
        for path in ("/?since=2000-01-01", "/search?q=paragraph+link", f"/story/{hostile_archive.article_id}",
                     f"/capture/{version_id}"):
            page.goto(url + path)
            assert page.locator("script").count() == 0, path
        frame = page.frame_locator("iframe.capture")
        assert frame.locator("h1").first.inner_text().startswith(hostile_archive.title.strip())
        shot(page, "hostile-capture")
        page.goto(f"{url}/capture/{version_id}/raw")  # the raw page on its own: still sandboxed
        assert page.locator("script").count() > 0  # the evidence is kept as fetched…
        assert page.title() != "ran"  # …and none of it ran
    assert page.dialogs == []


PHONE, DESKTOP = 390, 1280
LOCALES = {"en": "en-GB", "ru": "ru-RU", "kk": "kk-KZ"}
# The elements that reach past the right edge of the screen, to say what is too wide.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)"""


@pytest.mark.parametrize("ui", ["en", "ru", "kk"])
def test_no_page_is_wider_than_the_screen(browser, demo_url, room_pages, ui):
    """Every kind of page, in each language, on a phone (390 px) and on a desktop (1280 px):
    nothing runs off the right edge. Screenshots of the first screen: <page>-<language>-<width>.png."""
    for width in (PHONE, DESKTOP):
        context = browser.new_context(viewport={"width": width, "height": 844},
                                      locale=LOCALES[ui])
        page = context.new_page()
        try:
            for name, path in room_pages.items():
                page.goto(demo_url + path)
                assert page.evaluate("document.documentElement.lang") == ui, path
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (ui, width, name, wide, page.evaluate(TOO_WIDE))
                shot(page, f"{name}-{ui}-{width}", full_page=False)  # the first screen
        finally:
            context.close()


def test_the_language_chosen_stays_from_page_to_page(browser, demo_url, room_pages):
    context = browser.new_context(viewport={"width": PHONE, "height": 844}, locale="ru-RU")
    page = context.new_page()
    try:
        page.goto(demo_url + "/")
        assert page.locator("h1").inner_text() == "Изменения"
        page.locator("nav.languages").get_by_role("link", name="Қазақша").click()
        assert page.locator("h1").inner_text() == "Өзгерістер"
        assert page.locator("nav.languages [aria-current]").inner_text() == "Қазақша"
        page.get_by_role("link", name="Күйі").click()
        page.wait_for_url(re.compile(r"/status$"))
        assert page.locator("h1").inner_text() == "Күйі"
        page.goto(demo_url + room_pages["diff"])
        assert page.locator("html").get_attribute("lang") == "kk"
        assert page.locator(".kinds-line .kind-rewrite").inner_text() == "мәтін өңделді"
        page.locator("nav.languages").get_by_role("link", name="English").click()
        page.goto(demo_url + "/status")
        assert page.locator("h1").inner_text() == "Status"
    finally:
        context.close()
