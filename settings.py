"""Scrapy and mediawatch settings; the only module that reads the environment."""

import os

from outlets import default_outlet

BOT_NAME = "mediawatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl` with one-line log messages and an exit status that says whether the run failed.
COMMANDS_MODULE = "crawler.commands"

# The outlet (the default one's home page, from its definition). Pointing the crawl at the local
# replay is only this one setting.
MEDIAWATCH_BASE_URL = os.environ.get("MEDIAWATCH_BASE_URL", default_outlet().home)
MEDIAWATCH_DB = os.environ.get("MEDIAWATCH_DB", "archive.db")
MEDIAWATCH_CONTACT = os.environ.get("MEDIAWATCH_CONTACT", "mediawatch-operator@example.org")
# The private key that signs WACZ exports: made on first use, kept outside any archive (0600).
MEDIAWATCH_SIGNING_KEY = os.environ.get("MEDIAWATCH_SIGNING_KEY") or os.path.join(
    os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
    "mediawatch", "wacz-signing-key.pem")

# Polite by default against the real site.
USER_AGENT = f"mediawatch/0.1 (+media monitoring archive; contact: {MEDIAWATCH_CONTACT})"
ROBOTSTXT_OBEY = True
# Only the first 500 KiB of a robots.txt are read (RFC 9309), so a huge one parses quickly.
ROBOTSTXT_PARSER = "crawler.robots.BoundedRobotParser"
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = float(os.environ.get("MEDIAWATCH_DOWNLOAD_TIMEOUT", "30"))
# An article page is about 100 KB; one over 16 MB is refused unread and logged as a failure.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Per-run limits of an added outlet's crawl against sites that list without end (a sitemap index
# that nests forever, a calendar of listing pages): past them a page is skipped, counted, logged.
MEDIAWATCH_MOST_SITEMAPS = int(os.environ.get("MEDIAWATCH_MOST_SITEMAPS", "200"))
MEDIAWATCH_MOST_LISTING_PAGES = int(os.environ.get("MEDIAWATCH_MOST_LISTING_PAGES", "500"))
# Seconds the extraction of one page may take; past them its worker is killed and the page
# logged as failed (crawler/budget.py).
MEDIAWATCH_EXTRACT_SECONDS = float(os.environ.get("MEDIAWATCH_EXTRACT_SECONDS", "60"))
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control: an HTTP endpoint on 127.0.0.1 that runs Python code for whoever
# holds its token (left in a file under ~/.local/state/scrapy). Never wanted here.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("MEDIAWATCH_LOG_LEVEL", "WARNING")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# What `scrapy crawl … -o items.jsonl` writes of each fetch: everything but the raw page bytes,
# which the archive keeps as the capture.
FEED_EXPORT_FIELDS = ["kind", "url", "fetched_at", "status", "headers", "article_id", "location",
                      "error", "record"]
# A page yields at most one item: Scrapy's default of 100 would start 100 tasks for every
# response. Its check for generator callbacks that return a
# value re-parses the callback's source on every response; the spiders have none.
CONCURRENT_ITEMS = 1
WARN_ON_GENERATOR_RETURN_VALUE = False

# Revisit delays in seconds; empty: the archive's own schedule (storage.archive.REVISIT_STEPS).
# `mediawatch crawl --revisit-steps` sets them for one crawl.
MEDIAWATCH_REVISIT_STEPS: list[int] = []

# The revisit policy: "adaptive" (storage/revisit.py, docs/scheduling.md) or "steps" (fixed
# steps: the ones above, else storage.archive.REVISIT_STEPS); revisit steps given choose "steps".
MEDIAWATCH_REVISIT_POLICY = os.environ.get("MEDIAWATCH_REVISIT_POLICY", "adaptive")

# The time a crawl takes for now (ISO 8601), for simulations against the replay's clock only.
MEDIAWATCH_CLOCK = os.environ.get("MEDIAWATCH_CLOCK", "")

# The folder of added outlets' definitions (`mediawatch outlet`); empty: beside the archive,
# named after it (archive.db -> archive.outlets/).
MEDIAWATCH_OUTLETS_DIR = os.environ.get("MEDIAWATCH_OUTLETS_DIR", "")

# Scheduler intervals (seconds); the command line may override them.
# A new article is found within 5 minutes; the adaptive policy looks at it every minute in its
# first hour (storage.revisit.FRESH_BANDS), so the revisit crawl runs every minute.
MEDIAWATCH_NEW_INTERVAL = 5 * 60
MEDIAWATCH_REVISIT_INTERVAL = 60
MEDIAWATCH_SWEEP_INTERVAL = 24 * 3600
MEDIAWATCH_CRAWL_TIME_LIMIT = 30 * 60
# The most crawls the service runs at once (each outlet's jobs run one at a time).
MEDIAWATCH_MAX_CRAWLS = int(os.environ.get("MEDIAWATCH_MAX_CRAWLS", "4"))
# Seconds between the service's readings of the outlets folder (added, removed and edited
# definitions taken up without a restart); 0: read only at its start.
MEDIAWATCH_OUTLETS_RELOAD_INTERVAL = float(os.environ.get("MEDIAWATCH_OUTLETS_RELOAD_INTERVAL",
                                                          "60"))

# Notifications: the reading room that messages and feeds link to, and the seconds before each
# retry of a failed delivery (then the last step, again and again).
# Unset: the address `mediawatch serve` last recorded in the archive (views.reading.room_url).
MEDIAWATCH_WEB_URL = os.environ.get("MEDIAWATCH_WEB_URL", "")
MEDIAWATCH_NOTIFY_RETRY_STEPS = tuple(
    int(step)
    for step in os.environ.get("MEDIAWATCH_NOTIFY_RETRY_STEPS", "60,300,1800,7200,21600").split(",")
)
# The longest one message may take to send (connection to answer), and one delivery run.
MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE = float(
    os.environ.get("MEDIAWATCH_NOTIFY_MESSAGE_DEADLINE", "30"))
MEDIAWATCH_NOTIFY_RUN_DEADLINE = float(os.environ.get("MEDIAWATCH_NOTIFY_RUN_DEADLINE", "300"))
# The receivers' full addresses (with their passwords and tokens), kept outside the archive.
MEDIAWATCH_SECRETS = os.environ.get("MEDIAWATCH_SECRETS") or os.path.join(
    os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
    "mediawatch", "secrets.json")

# The folder of the lock files that keep writers of one archive apart (storage/locks.py); empty:
# /run/lock/mediawatch, or /tmp/mediawatch-locks where there is no /run/lock. Every process that
# writes an archive must see the same folder.
MEDIAWATCH_LOCK_DIR = os.environ.get("MEDIAWATCH_LOCK_DIR", "")

# Settings that lift the politeness delays, for the local replay only.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "MEDIAWATCH_RETRY_BACKOFF": 0.1,
}

DOWNLOADER_MIDDLEWARES = {
    # first: nothing off the outlet's hosts is asked, not even its robots.txt
    "crawler.hostguard.OutletRequests": 40,
    # before Scrapy's redirects (600): a redirect off the outlet is never followed
    "crawler.hostguard.OutletRedirects": 650,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.AllWaitersRobotsTxtMiddleware": 100,
    # last: each request waits for its host's turn, shared by every crawl on this machine
    "crawler.pacing.HostPacing": 950,
}
# Seconds between two requests to one host from all crawls on this machine together
# (crawler/pacing.py); empty: the largest of DOWNLOAD_DELAY and the outlet's politeness.delay,
# none for a replay on this machine. A host's robots.txt Crawl-delay, when longer, wins.
MEDIAWATCH_HOST_DELAY = os.environ.get("MEDIAWATCH_HOST_DELAY", "")
# Names that resolve to a loopback, private or link-local address are refused (crawler.hostguard).
TWISTED_DNS_RESOLVER = "crawler.hostguard.PublicAddressResolver"
MEDIAWATCH_RETRY_BACKOFF = 1.0  # seconds, doubled on each retry unless Retry-After says otherwise
MEDIAWATCH_RETRY_MAX_WAIT = 120.0

# A progress line every few seconds on stderr while a crawl runs (0 turns it off).
EXTENSIONS = {"crawler.progress.CrawlProgress": 500, "crawler.runner.OneLineLogs": 0}
MEDIAWATCH_PROGRESS_INTERVAL = 5.0
