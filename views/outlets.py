"""Outlets as text and JSON: what `outlet add` found at an address, and the list of outlets."""

from __future__ import annotations

from dataclasses import asdict

FIELD_LABELS = {"title": "title", "date": "date", "body": "body", "language": "language",
                "authors": "authors"}


def _share(found: int, total: int) -> str:
    return f"{found}/{total} ({100 * found // total}%)" if total else "0/0"


def where_edition_lives(edition: dict) -> str:
    if edition.get("host"):
        return f"on the host {edition['host']}"
    if edition.get("query"):
        return f"where the address has ?{edition['query']}"
    if edition.get("prefix"):
        return f"under {edition['prefix']}"
    return "everywhere no other edition is" if edition.get("default") else "(where: not told)"


def finding_lines(finding) -> list[str]:
    """What was found at an address, the definition made of it and how its samples read."""
    outlet = finding.outlet
    lines = [f"{outlet.title or outlet.name} at {outlet.home} (name: {outlet.name})",
             f"robots.txt: {finding.robots}", "feeds:"]
    lines += [f"  {feed.url}  {feed.kind}, {feed.entries} entries"
              + (f", {feed.language}" if feed.language else "")
              + (f" (named on the {feed.edition} home page)" if feed.edition else "")
              for feed in finding.feeds] or ["  none found"]
    lines.append("sitemaps:")
    for sitemap in finding.sitemaps:
        kind = (f"index of {sitemap.entries} sitemaps, read {len(sitemap.read)}"
                if sitemap.kind == "index" else f"{sitemap.entries} URLs")
        lines.append(f"  {sitemap.url}  {kind}; {sitemap.urls} URLs in all")
    if not finding.sitemaps:
        lines.append("  none found")
    lines.append("editions:")
    for edition in finding.editions:
        default = " (default)" if edition["default"] else ""
        lines.append(f"  {edition['language']}{default} {where_edition_lives(edition)}; found by "
                     f"{edition['found_by']}; {edition['articles_seen']} articles seen")
    rules = outlet.articles
    key = f"the id (in ?{rules.id_param}=)" if rules.id_param else \
        ("the id in the path" if rules.key == "id" else "the canonical URL")
    lines.append(f"article URLs ({finding.rule_matched} of the {finding.rule_seen} listed URLs "
                 f"match; the key is {key}):")
    for pattern in rules.patterns:
        example = finding.examples.get(pattern, "")
        lines.append(f"  {pattern}" + (f"  e.g. {example}" if example else ""))
    read = [sample for sample in finding.samples if not sample.error]
    lines.append(f"sample articles ({len(read)} of {len(finding.samples)} read by the generic "
                 "path):")
    for sample in finding.samples:
        if sample.error:
            lines.append(f"  {sample.url}  not read: {sample.error}")
            continue
        authors = ", ".join(sample.authors) or "no authors"
        lines.append(f"  {sample.url}\n    [{sample.language or '?'}] {sample.title!r}; "
                     f"{sample.published or 'no date'}; {authors}; {sample.words} words")
    coverage = finding.coverage()
    lines.append("coverage: " + ", ".join(f"{FIELD_LABELS[name]} {_share(*coverage[name])}"
                                          for name in FIELD_LABELS))
    lines += [f"note: {note}" for note in finding.notes]
    lines.append(f"({finding.requests} requests)")
    return lines


def finding_json(finding, stored: str | None) -> dict:
    """The finding as JSON: the definition, what was found and each field's coverage."""
    coverage = finding.coverage()
    return {
        "name": finding.outlet.name, "address": finding.address, "stored": stored,
        "definition": finding.outlet.to_dict(), "robots": finding.robots,
        "feeds": [asdict(feed) for feed in finding.feeds],
        "sitemaps": [asdict(sitemap) for sitemap in finding.sitemaps],
        "editions": finding.editions,
        "articles": {"matched": finding.rule_matched, "seen": finding.rule_seen,
                     "examples": finding.examples},
        "samples": [asdict(sample) for sample in finding.samples],
        "coverage": {name: {"found": found, "read": read, "share": found / read if read else 0}
                     for name, (found, read) in coverage.items()},
        "notes": finding.notes, "requests": finding.requests,
    }


def activity_text(activity: dict | None) -> str:
    """What the archive holds of an outlet and how its last crawl went, on one line."""
    if not activity:
        return "nothing archived, never crawled"
    text = f"{activity['articles']} articles ({activity['active']} active)"
    run = activity.get("last_run")
    if not run:
        return text + ", never crawled"
    text += (f"; last crawl: run {run['id']} {run['mode']} {','.join(run['editions'])} "
             f"{(run['finished_at'] or '').replace('T', ' ').rstrip('Z')} UTC, {run['status']}")
    failed = activity.get("failed_in_a_row", 0)
    if failed:
        text += f"; FAILING: {failed} run{'s' * (failed > 1)} in a row"
    if run["error"] and run["status"] != "ok":
        text += f": {run['error']}"
    return text


def outlet_line(entry, activity: dict | None = None) -> str:
    """One line of `outlet list`: name, where it comes from, home, editions, key, discovery,
    then (given the archive's activity) its articles and its last crawl."""
    if entry.error:
        return f"{entry.name:<16} {entry.source}: cannot be used: {entry.error}"
    outlet = entry.outlet
    editions = ",".join(outlet.languages) or "-"
    discovery = outlet.discovery
    feeds = len(discovery.feeds) + sum(len(edition.feeds) for edition in outlet.editions)
    listings = len(discovery.listings) + sum(len(edition.listings) for edition in outlet.editions)
    line = (f"{outlet.name:<16} {outlet.home:<28} editions {editions:<9} key "
            f"{outlet.articles.key:<3} feeds {feeds} sitemaps {len(discovery.sitemaps)} "
            f"listings {listings + bool(discovery.listing)}  ({entry.source})")
    return line if activity is False else f"{line}\n{'':<17}{activity_text(activity)}"


def outlet_json(entry, activity: dict | None = None) -> dict:
    return {"name": entry.name, "source": entry.source, "error": entry.error,
            "definition": entry.outlet.to_dict() if entry.outlet else None,
            "archive": activity}


def activity_comment(outlet, activity: dict | None, db: str) -> str:
    """`outlet show`'s first lines: what the archive holds of the outlet, as TOML comments (the
    output stays a definition file), with the editions, feeds and sitemaps it crawls."""
    lines = [f"in {db}: {activity_text(activity)}"]
    for edition in outlet.editions:
        where = where_edition_lives({"host": edition.host, "query": edition.query,
                                     "prefix": ", ".join(edition.prefixes),
                                     "default": edition.default})
        sources = [*edition.feeds, *edition.listings] or ["the outlet's feeds and listings"]
        lines.append(f"edition {edition.language} {where}: {', '.join(sources)}")
    discovery = outlet.discovery
    for label, items in (("feeds", discovery.feeds), ("sitemaps", discovery.sitemaps),
                         ("listings", (*discovery.listings, discovery.listing))):
        if any(items):
            lines.append(f"{label} of every edition: {', '.join(item for item in items if item)}")
    return "".join(f"# {line}\n" for line in lines)
