"""Runs every benchmark, prints the figures and writes them to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    bench_alerts,
    bench_capacity,
    bench_captures,
    bench_crawl,
    bench_diff,
    bench_editions,
    bench_evidence,
    bench_extraction,
    bench_forms,
    bench_huge,
    bench_queries,
    bench_reextract,
    bench_revisit,
    bench_scheduler,
    bench_search,
    bench_web,
)
from bench.common import details_table, machine, rows_table  # noqa: E402

OUTPUT = ROOT / "docs" / "benchmarks.md"
BENCHMARKS = {
    "crawl": (bench_crawl.run, "Crawl, re-crawl and archive size",
              "A replay of 2,000 articles runs in its own process (`mediawatch replay`); "
              "`mediawatch crawl` runs in another, timed from start to exit, with the delays "
              "lifted as they are for any loopback address. The baseline fetches the same "
              "article pages into memory first and runs `trafilatura.extract(html)` with its "
              "default options over them. The machine has two cores, so the replay's own work "
              "(rendering every page) competes with the crawl for them. The re-crawl is "
              "`--mode revisit --everything`: conditional requests, answered 304. Then a "
              "sample of pages is fetched again without validators (answered 200: a new view "
              "counter and list of popular articles, the same content) and archived; none may "
              "add a capture. Capture sizes are those of the first crawl. What the service "
              "runs when nothing changed is the crawl for new articles, which stops at the "
              "first listing pages (the revisits are not due yet): that is the scheduled "
              "re-crawl. Re-fetching every article, even with 304 answers, misses the 10x "
              "target: about 1 s of it is the process starting (imports), and Scrapy's own "
              "cost per request (scheduler, middlewares, the item pipeline's one write per "
              "fetch) is about 1.5 ms on this machine, so 2,000 requests cannot take under "
              "3 s; profiles show no single part to remove."),
    "search": (bench_search.run, "Search",
               "About 100,000 generated replay articles in three languages are written into "
               "an archive through `Archive.record_page` (the path a crawl takes after "
               "extraction), 1,000 to a transaction; the archive is cached in the temp "
               "directory, keyed by its size, seed and schema. Each of 53 queries (common and "
               "rare words, inflected Kazakh and Russian forms, a Kazakh name typed without "
               "Kazakh letters, phrases, prefixes, boolean operators, with and without language, "
               "section, author and date filters) goes through `storage.search.search` "
               "(ranking, loading, snippets) three times after a warm-up; percentiles are over "
               "all timed runs. The baseline runs each query once as a `LIKE` scan of the "
               "readable text (every term in title, lead or body, with the same filters, "
               "newest first)."),
    "queries": (bench_queries.run, "Queries",
                "The search benchmark's generator writes about 4,000 articles (seed 11) through "
                "`Archive.record_page`; the archive is cached in the temp directory. A query of "
                "300 prefix terms (`п*` × 300) runs once with the query limits and the time "
                "limit lifted (as searches ran before them) and once as it is (refused); the "
                "widest query the limits let through (four one-letter prefixes and 28 words "
                "joined by OR) runs once. The reading room's `while_connected` runs the "
                "300-prefix search (limits lifted) for a request whose client disconnects "
                "after 0.2 s, once with the stop and once without; the CPU time is the worker "
                "thread's. The search benchmark's 53 queries run three times after a warm-up "
                "with the progress handler called every 1,000 steps and with it in effect never "
                "called, in turns, three rounds each; the fastest round of each counts."),
    "forms": (bench_forms.run, "Search across word forms",
              "Recall over word families, each form in an article of its own, searched through "
              "`storage.search.search` with the edition's language. Russian: 125 names the "
              "outlet's readers search for (the country and its neighbours, cities, "
              "institutions, parties, officials' surnames; indeclinable names such as Алматы "
              "left out), declined in six cases; the baseline indexes and searches the same "
              "articles with Snowball alone, as before. Kazakh: 40 words of the replay's Kazakh "
              "text with 4 to 11 forms each (plural, possessive and case endings); the baseline "
              "is the previous prefix matching of the words as written. Typed flat: every form "
              "holding a Kazakh letter is searched with those letters replaced by their Russian "
              "look-alikes (`Өскеменде` as `Оскеменде`). Different words: pairs sharing a "
              "beginning (`қала`/`қалам`, `сайлау`/`сайлаушы`), each in its own article; a "
              "pair meets when a search for either finds the other. Indexing: the replay's "
              "articles archived through `Archive.record_page`, with the previous index forms "
              "and with the new ones, timed and the file size taken. The replay's Russian "
              "vocabulary is also grouped by Snowball stem and by the new form, to list the "
              "words the new forms join or split."),
    "diff": (bench_diff.run, "Diff of two versions",
             "Two versions of an 80,000-character article with 10 scattered edits (typos, word "
             "swaps, new sentences, new and removed paragraphs); `storage.changes.diff_records` "
             "timed 20 times. Character-level `difflib.SequenceMatcher` runs once in a child "
             "process, on the first 8,000 characters only: on the full text it takes minutes "
             "(`python bench/bench_diff.py --full-baseline` runs it, capped at 120 s)."),
    "huge": (bench_huge.run, "Huge articles",
             "The replay (30 articles, seed 2) serves one Russian article with 60,000 paragraphs "
             "of its generated sentences (one or two each, about half repeating another; 13.8 "
             "MiB), then its next version (a typo near the start, a paragraph added half-way, one "
             "removed at three quarters, a sentence added near the end). `mediawatch crawl "
             "--edition ru` archives it, then `--mode revisit --everything` with the validators "
             "cleared; the memory of the crawl's processes together (PSS, sampled every 50 ms) "
             "is their peak. `storage.changes.diff_records` runs once per size in a child "
             "process (capped at 120 s) on bodies of 15,000, 30,000 and 60,000 such paragraphs "
             "and on one paragraph repeated 2,000, 4,000 and 8,000 times, each with the same "
             "edits. `alerts.feeds.feed_xml` of that article's changes is asked three times."),
    "web": (bench_web.run, "Reading room",
            "The search benchmark's archive (about 100,000 articles) gets a second version for one "
            "article in 50 (a rewritten or added paragraph, a typo, a new headline or byline, "
            "spread over 7 days) and a removal for one in 1,000, through `Archive.record_page` "
            "and `Archive.record_gone`; it is cached in the temp directory. The app "
            "(`web.app.create_app`) answers through Starlette's test client in the same process; "
            "the server time is its `Server-Timing` header (from the request reaching the app to "
            "the response's start: opening the archive read-only, the queries, rendering the "
            "template). Each address is asked once to warm up, then three times. Changes: the "
            "7 days of revisions, one day, an edition, kinds, an edition with a kind, page 5. "
            "Search: the search benchmark's 50 queries with their filters (the page also counts "
            "the matches per edition and finds each hit's other editions). Article: 50 articles "
            "across the archive. Diff: version 1 against 2 of the first revised articles. The "
            "CLI answers the same questions (`changes --since`, `search`, `show`, `diff --from 1 "
            "--to 2`) in the same process through click's runner, so without its start-up, which "
            "is given apart; `changes` prints every change of the period where the page shows "
            "its first 50."),
    "revisit": (bench_revisit.run,
                "Revisits: early edits caught on four shapes of timeline, against looking every "
                "minute",
                "Four revision timelines, each over 30 simulated days of a 20,000-article "
                "archive (`replay/timeline.py`, seed 1: the archive published over five years, "
                "then about 40 new articles a day in Russian, 12 in Kazakh, 12 in English): the "
                "replay's own process, and three shapes unlike it added by `bench/shapes.py` "
                "(developing stories updated every 40-80 minutes for 3-24 hours; corrections "
                "2-30 minutes after publication, often corrected again 2-20 minutes later; a "
                "section of which 30% of the old articles are edited within one hour, every 10 "
                "days). `bench/simulate.py` runs the service's jobs on a simulated clock with "
                "the real policy code (`storage/revisit.py`) and answers each fetch from the "
                "timeline: the crawls for new articles (robots.txt, home, feed, first listing "
                "pages, the new articles; with signals also the sitemap index, the monthly "
                "sitemaps whose lastmod moved and the headlines of listings and feed), the "
                "revisit crawls of the due articles, most overdue first, and the daily sweep "
                "of every sitemap and listing page (half the budget while it runs). The budget "
                "is one request a second for the host, the three editions together; every "
                "request counts against it, 304 answers and robots.txt (three for each revisit "
                "crawl that fetches anything) too; bytes and process start-ups are not "
                "counted. Each policy runs at the intervals it is run with: the service's "
                "revisit crawl every minute and new-article crawl every 5 minutes, the former "
                "service and NewsDiffs' schedule every 5 and 15 minutes. An early edit is one "
                "within 48 hours of publication or within 2 hours of the article's previous "
                "edit; a late one, more than 30 days after publication and not early. An edit "
                "is caught when a fetch sees its version before the next change replaces it; "
                "its delay is from the edit to that fetch. Edits of the last 7 days are left "
                "out. The ceiling looks at every article every minute from its publication "
                "(each at a phase of its own), whatever the budget, and is computed from the "
                "change times; so is looking every 10 minutes. A short run over HTTP (the "
                "replay on its clock, `mediawatch crawl` in new and revisit modes every 30 "
                "simulated minutes with MEDIAWATCH_CLOCK set) is compared with the in-process "
                "simulation of the same timeline and ticks."),
    "scheduler": (bench_scheduler.run, "Scheduler memory",
                  "The crawl service (`scheduler.CrawlService`, APScheduler, each crawl a "
                  "child process) runs its nine jobs every 0.1 s against a replay of 30 "
                  "articles until 200 crawls have finished; its resident memory (VmRSS) is "
                  "read after 10 and after 200 of them."),
    "extraction": (bench_extraction.run, "Generic extraction on real pages of many sites",
                   "trafilatura's public evaluation set (repository adbar/trafilatura: "
                   "`tests/evaldata.json` with the pages under `tests/eval/` and `tests/cache/`), "
                   "read at run time from a copy of that repository (`--repo`, "
                   "$MEDIAWATCH_TRAFILATURA_REPO); without it the row says the corpus is "
                   "missing. For each page, a wanted snippet found in the extracted text is a "
                   "true positive, one missed a false negative, an unwanted snippet found a false "
                   "positive; precision, recall and F1 are over all snippets. The generic path is "
                   "`crawler.extract.extract_generic` (the body's paragraphs); the baseline is "
                   "`trafilatura.extract(html, url=url)` with its defaults, which include reader "
                   "comments, and the same without comments. Times are per page, one process, each page "
                   "read by every extractor in turn."),
    "reextract": (bench_reextract.run, "Re-extraction from stored captures",
                  "2,000 replay articles are rendered in-process and archived through "
                  "`Archive.record_page` (one version each); `mediawatch reextract`'s function "
                  "then reads every stored capture again. A second archive is built from a "
                  "weakened reading (no authors, no lead, the last paragraph lost) and "
                  "re-extracted: every record must change back. The baseline is the time the "
                  "archiving itself spent extracting the same pages."),
    "editions": (bench_editions.run, "What one edition says and another does not",
                 "Stories told in Russian, Kazakh and English by `replay/editions.py` (each from a "
                 "plan of facts, names and quotations; the Kazakh and English editions laid out "
                 "their own way: a paragraph split, two merged, one moved, the English often and "
                 "the Kazakh sometimes shortened by a third to a half) are archived through "
                 "`Archive.record_page`, their editions in a random order, in sets of three or "
                 "two editions. Divergent facts: 300 stories each with a figure changed in one "
                 "edition, a paragraph with figures only in one, or a quotation only in one; a "
                 "reported divergence is right when it names the story's truth (the two values; "
                 "the edition that carries the paragraph or quotation), and every divergence "
                 "ever reported counts, even if closed later. Faithful stories: 1,000, and a "
                 "story counts as reported when any divergence was ever reported on it. Edits: "
                 "400 faithful stories in which one edition changes a figure 30 minutes to 10 "
                 "hours after publication; each other edition carries it within 4 hours, 7 to "
                 "40 hours later, or never; every version is archived at its time and the "
                 "crawl's sweep runs three days after the last; an (edit, edition) pair carried "
                 "after the 6-hour window or never must be reported as not carried. Cost: "
                 "`storage.comparison.compare_story` on 300 stories of three editions (median and "
                 "95th percentile), and the time to archive a version with the comparison and "
                 "with it left out (150 stories of three editions each)."),
    "evidence": (bench_evidence.run, "Evidence log: verify at 100,000 articles",
                 "An archive of about 100,000 generated replay articles in three languages is "
                 "written in bulk with SQL (each capture one of 400 real-weight pages, about "
                 "95 KiB, compressed; a second version for one article in ten; a removal for one "
                 "in a thousand), the way an archive made before the log looks. The log is then "
                 "built as `mediawatch migrate` builds it (`storage.evidence.build_log`) and "
                 "`storage.evidence.verify` re-reads every capture, version and event, "
                 "recomputing every digest and the chain. Baselines in the same run: SQLite's "
                 "`PRAGMA integrity_check` of the same file, and reading every capture and record "
                 "back without hashing. The cost of writing the log while archiving: the time "
                 "spent in its three functions (`log_capture`, `log_version`, `log_event`) while "
                 "2,000 real-weight pages go through `Archive.record_page`, against the whole "
                 "of that run (two runs of the same work differ by more than the log costs on "
                 "a shared machine, so the share is timed inside one run)."),
    "capacity": (bench_capacity.run, "Capacity: outlets per core",
                 "Generated outlets (`replay/fleet.py`: seeded variants of the Ledger and the "
                 "Dala agency with pages of real weight, each with its own stories on an address "
                 "of its own, 127.0.0.2, 127.0.0.3, ...) are served by one replay process; their "
                 "definitions are what `outlet add` finds for the first outlet of each model, "
                 "copied to the others with their name and address. The archive grows by "
                 "stages to 10, 50 and 100 outlets: each new outlet is crawled back to its first "
                 "article (30 articles, one `mediawatch crawl` process per outlet), then six of "
                 "each stage's new outlets live one simulated day (the replay's next epoch, "
                 "MEDIAWATCH_CLOCK a day later) through the jobs the service runs per outlet and "
                 "edition, each a crawl process as the scheduler starts them: new articles, the "
                 "same 15 minutes later with nothing new, the revisit of what fell due, the same "
                 "5 minutes later with nothing due, and the sweep; then a large outlet (400 "
                 "articles) is revisited whole (conditional requests, answered 304), and the "
                 "search benchmark's 50 queries run three times over the archive. CPU and peak "
                 "memory are each crawl process's own (wait4, its extraction worker included), "
                 "requests and bytes are counted by the replay, archive bytes by SQLite's dbstat. "
                 "They give the costs: a crawl process that asks nothing (start-up and shut-down), "
                 "a request answered 304, an article page archived (the first crawls, their "
                 "other requests priced as 304s), archive bytes per version and per fetch "
                 "logged. A day of an outlet is the revisit simulation's "
                 "(`bench/simulate.py`, the service's jobs and adaptive policy on a simulated "
                 "clock over 7 days, in the same run) for two outlets of three editions on one "
                 "host: a small one (3,000 articles, 12 new a day) and one of Vlast's size "
                 "(60,000, 64 a day); its crawl processes (per edition: 96 for new articles, 288 "
                 "revisits, one sweep) and requests are priced with each stage's costs, the "
                 "first stage being the baseline of the others. One crawl at a time holds as "
                 "many outlets as fit their process start-ups plus one second per request (the "
                 "polite delay to a host) into a day. The SQLite writer's time is estimated from "
                 "the evidence benchmark (9.4 ms to archive a page, 0.44 ms to log a fetch)."),
    "captures": (bench_captures.run, "Captures: zstd with a dictionary per outlet",
                 "Pages of three replayed outlets (Vlast, the Steppe Ledger, the Dala agency), "
                 "240 each, as their servers send them (real weight), go through "
                 "`Archive.record_page` in the order a crawl of the three would store them. The "
                 "baseline is the previous format on the same pages in the same order: zlib "
                 "level 9 with the last 32 KiB of a language's first 3 pages as preset "
                 "dictionary. Reading: `Archive.capture` per capture, and decompression alone for "
                 "both formats. A redesign: Vlast's old articles archived in the classic layout, "
                 "then served in today's layout, with and without retraining. Last, the zlib "
                 "captures of an archive of the previous format (2,000 articles, bench_evidence's "
                 "bulk build) are rewritten as `mediawatch recompress` does and verified."),
    "alerts": (bench_alerts.run, "Notifications and feeds",
               "Delivery: a replay of 600 articles in its own process is crawled at epoch 0; "
               "nine watches are added (per edition and per kind to a local json:// receiver, "
               "headlines to a local SMTP server through mailto://); the replay moves to "
               "epoch 1 and is crawled for new articles, then every archived article is "
               "revisited. From the revisit crawl's exit, the scheduler's delivery step "
               "(`CrawlService.deliver_notifications`: collect, build, send through Apprise) "
               "is timed until it returns, every message accepted. The baseline sends the "
               "same messages with Apprise alone. Flood: 300 generated articles archived, a "
               "watch added, then each revised once; one delivery run is timed. Feed: 1,000 "
               "generated articles each revised once (a third with a new headline); "
               "`alerts.feeds.feed_xml` for the newest 1,000 changes (each summary renders the "
               "excerpt stored with its version), against reading the same changes alone."),
}


def to_markdown(results: list[dict], host: dict, seconds: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); every figure is compared with a baseline "
        "measured in the same run on the same machine. Each script also runs alone, e.g. "
        "`python bench/bench_search.py`.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores; {host['os']}; Python {host['python']}, "
        f"SQLite {host['sqlite']}; {host['libraries']}. Run on {host['date']}, "
        f"{seconds / 60:,.1f} minutes in all.",
        "",
        "## Figures",
        "",
        rows_table([item for result in results for item in result["rows"]]),
    ]
    for result in results:
        _, title, method = BENCHMARKS[result["name"]]
        lines += ["", f"## {title}", "", method, "", details_table(result["details"])]
        if result.get("extra"):
            lines += [""] + result["extra"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], metavar="NAME",
                        help=f"only these benchmarks ({', '.join(BENCHMARKS)}); default all")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {OUTPUT.name}")
    args = parser.parse_args()
    names = args.names or list(BENCHMARKS)
    host = machine()
    start = time.perf_counter()
    results = []
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        results.append(BENCHMARKS[name][0]())
        print(f"   {time.perf_counter() - began:,.0f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    text = to_markdown(results, host, elapsed)
    print(text)
    if not args.no_write:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    if not all(item["met"] for result in results for item in result["rows"]):
        print("some targets were missed", file=sys.stderr)


if __name__ == "__main__":
    main()
