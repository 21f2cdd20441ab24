"""What one page may cost to read: markup the parser never sees, a time limit, and pages the parser
cannot read to their end (docs/reliability.md)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from dataclasses import asdict
from pathlib import Path

import pytest

import crawler.decoding
from crawler.extract import ExtractionError, extract

PAGE = Path(__file__).parent / "pages" / "ru" / "politika-translations.html"
CASE = json.loads(PAGE.with_suffix(".json").read_text(encoding="utf-8"))
FIRST_PARAGRAPH_END = "</p>"
BODY_START = 'js-mediator-article font-edit">'


def with_markup(markup: str) -> bytes:
    """The stored outlet page with `markup` after the first paragraph of its text."""
    page = PAGE.read_text(encoding="utf-8")
    start = page.index(BODY_START)
    end = page.index(FIRST_PARAGRAPH_END, start) + len(FIRST_PARAGRAPH_END)
    return (page[:end] + "\n" + markup + "\n" + page[end:]).encode()


def read(page: bytes):
    return extract(page, CASE["url"], CASE["fetched_at"])


def attributes(count: int, form: str = ' a{}="1"') -> str:
    return "".join(form.format(k) for k in range(count))


# ---- markup the parser must not see ------------------------------------------------------------


@pytest.mark.parametrize("form", [' a{}="1"', " a{}", "/a{}", ' a{}="x>y"', " a{}=1", ' a{}"'])
def test_an_element_with_thousands_of_attributes_is_refused_before_the_parser_sees_it(
        form, monkeypatch):
    def parser_reached(*args, **kwargs):
        raise AssertionError("the parser was given the page")

    monkeypatch.setattr(crawler.decoding.lxml.html, "document_fromstring", parser_reached)
    page = with_markup(f"<p{attributes(200_000, form)}>Текст.</p>")
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="an element with 200,000 attributes"):
        read(page)
    assert time.monotonic() - started < 10  # the parser alone would take minutes


def test_attributes_hidden_in_quoted_values_are_not_counted_and_real_ones_are():
    quoted = f'<p title="{attributes(5_000, " b{}")}">В кавычках.</p>'
    assert asdict(read(with_markup(quoted)))["body"][1] == "В кавычках."
    after_a_quoted_bracket = f'<p title=">"{attributes(1_001, " c{}")}>Текст.</p>'
    with pytest.raises(ExtractionError, match="an element with 1,002 attributes"):
        read(with_markup(after_a_quoted_bracket))


def test_a_page_with_elements_of_many_attributes_within_the_limit_reads_as_before():
    page = with_markup(f"<p{attributes(1_000)}>Абзац с атрибутами.</p>")
    assert read(page).body == [*CASE["expected"]["body"][:1], "Абзац с атрибутами.",
                               *CASE["expected"]["body"][1:]]


# ---- the time limit ----------------------------------------------------------------------------


SLOW = f"<p{attributes(1_000, ' a{}')}>Текст.</p>\n" * 3_000  # 14 MB: about 8 s to parse


def test_a_page_over_its_time_budget_is_stopped_and_the_next_one_is_read():
    from crawler.budget import ExtractionWorker

    worker = ExtractionWorker(seconds=1)
    try:
        started = time.monotonic()
        with pytest.raises(ExtractionError, match="extraction took more than 1 s: stopped"):
            worker.extract(with_markup(SLOW), CASE["url"], CASE["fetched_at"])
        assert time.monotonic() - started < 5
        record = worker.extract(PAGE.read_bytes(), CASE["url"], CASE["fetched_at"])
        assert asdict(record) == CASE["expected"]
    finally:
        worker.close()


def test_a_worker_that_dies_gives_a_failure_and_is_replaced():
    from crawler.budget import ExtractionWorker

    worker = ExtractionWorker(seconds=30)
    try:
        assert worker.extract(PAGE.read_bytes(), CASE["url"], CASE["fetched_at"]).title
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join()
        assert asdict(worker.extract(PAGE.read_bytes(), CASE["url"],
                                     CASE["fetched_at"])) == CASE["expected"]
        os.kill(worker.process.pid, signal.SIGSTOP)  # alive, never answering
        worker.seconds = 0.5
        with pytest.raises(ExtractionError, match="took more than 0.5 s"):
            worker.extract(PAGE.read_bytes(), CASE["url"], CASE["fetched_at"])
        assert worker.process is None
    finally:
        worker.close()


def test_a_worker_that_read_a_large_page_is_ended_to_give_its_memory_back():
    from crawler.budget import RECYCLE_BYTES, ExtractionWorker

    large = with_markup(f"<script>var x = '{'x' * RECYCLE_BYTES}';</script>")
    worker = ExtractionWorker(seconds=30)
    try:
        assert asdict(worker.extract(PAGE.read_bytes(), CASE["url"],
                                     CASE["fetched_at"])) == CASE["expected"]
        first = worker.process.pid
        assert asdict(worker.extract(large, CASE["url"], CASE["fetched_at"])) == CASE["expected"]
        assert worker.process is None and not running(first)
        assert asdict(worker.extract(PAGE.read_bytes(), CASE["url"],
                                     CASE["fetched_at"])) == CASE["expected"]
    finally:
        worker.close()


def test_errors_and_records_come_back_from_the_worker_as_they_are():
    from crawler.budget import ExtractionWorker

    worker = ExtractionWorker(seconds=30)
    try:
        with pytest.raises(ExtractionError, match="no title|no body text|empty page") as error:
            worker.extract(b"<html><body></body></html>", CASE["url"])
        with pytest.raises(type(error.value), match=re.escape(str(error.value))):
            read(b"<html><body></body></html>")
    finally:
        worker.close()


# ---- pages the parser cannot read to their end -------------------------------------------------


@pytest.mark.parametrize("markup", [
    pytest.param("<p>" + "слово " * 1_000_000 + "</p>", id="a text node over 10 MB"),
    pytest.param("<div>" * 300 + "<p>Вложенный абзац.</p>" + "</div>" * 300,
                 id="nesting past 256 levels"),
])
def test_a_page_the_parser_stops_reading_is_a_suspect_reading_never_a_record(markup):
    with pytest.raises(ExtractionError, match="the parser stopped before the end of the page"):
        read(with_markup(markup))


def test_nesting_within_the_limit_and_a_long_text_read_whole():
    nested = "<div>" * 200 + "<p>Вложенный абзац.</p>" + "</div>" * 200
    long_text = "<p>" + "слово " * 100_000 + "</p>"
    for markup, paragraph in ((nested, "Вложенный абзац."), (long_text, ("слово " * 100_000)[:-1])):
        body = read(with_markup(markup)).body
        assert body == [*CASE["expected"]["body"][:1], paragraph, *CASE["expected"]["body"][1:]]


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "reading a slow page"])
def test_the_worker_does_not_outlive_a_crawl_killed_outright(busy, tmp_path):
    """A crawl killed with SIGKILL cannot end its worker: the worker ends by itself, at once when
    idle, by the page's deadline when reading one (it holds the crawl's output pipes open)."""
    import subprocess
    import sys

    slow = tmp_path / "slow.html"
    slow.write_bytes(with_markup(SLOW))
    script = f"""
import sys, threading, time
from crawler.budget import ExtractionWorker
worker = ExtractionWorker(seconds=1)
worker.extract(open({str(PAGE)!r}, "rb").read(), {CASE["url"]!r})
print(worker.process.pid, flush=True)
if {busy}:
    threading.Thread(target=worker.extract, args=(open({str(slow)!r}, "rb").read(),
                     {CASE["url"]!r}), daemon=True).start()
time.sleep(600)
"""
    crawl = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    worker = int(crawl.stdout.readline())
    time.sleep(0.5)
    crawl.kill()
    crawl.wait()
    deadline = time.monotonic() + 15
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker)
    assert crawl.stdout.read() == ""  # the pipe closed: nobody holds it any more


def running(pid: int) -> bool:
    """The process exists and has not ended (a zombie has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
