"""Articles of outlets other than the default one: the archive's number for each outlet's article
key, and the crawl's questions about one outlet's articles."""

from __future__ import annotations

from sqlite_utils import Database

from storage.db import ACTIVE, language_clause

# The archive's numbers for other outlets' articles start here, far above any outlet's own ids.
FIRST_ID = 10**12


def archive_id(db: Database, outlet: str, key: str, at: str | None = None) -> int:
    """The archive's number for an article of `outlet` named by `key` (its own id or canonical
    URL), given on first use and the same ever after."""
    found = known_id(db, outlet, key)
    if found is not None:
        return found
    row = db.execute("SELECT MAX(id) FROM outlet_keys").fetchone()
    number = max(FIRST_ID, (row[0] or 0) + 1)
    db.execute("INSERT INTO outlet_keys (id, outlet, key, created_at) VALUES (?, ?, ?, ?)",
               [number, outlet, key, at])
    return number


def known_id(db: Database, outlet: str, key: str) -> int | None:
    """The archive's number for a key of the outlet, None when it has none yet."""
    row = db.execute("SELECT id FROM outlet_keys WHERE outlet = ? AND key = ?",
                     [outlet, key]).fetchone()
    return row[0] if row else None


def mark_outlet(db: Database, article_id: int, outlet: str) -> None:
    """Say which outlet an archived article belongs to."""
    db.execute("UPDATE articles SET outlet = ? WHERE id = ? AND outlet IS NULL",
               [outlet, article_id])


def active_keys(db: Database, outlet: str, language: str | None = None) -> set[str]:
    """The keys of the outlet's active articles (of one edition)."""
    clause, params = language_clause(language, "a.language")
    rows = db.execute("SELECT k.key FROM outlet_keys k JOIN articles a ON a.id = k.id"
                      f" WHERE k.outlet = ? AND a.status = ?{clause}", [outlet, ACTIVE, *params])
    return {row[0] for row in rows.fetchall()}


def outlet_clause(column: str, outlets: tuple[str | None, ...]) -> tuple[str, list]:
    """SQL (with its parameters) testing that an articles.outlet column is one of `outlets`
    (None stands for the default outlet, stored as NULL); "" when no outlet is asked for."""
    if not outlets:
        return "", []
    named = [outlet for outlet in dict.fromkeys(outlets) if outlet is not None]
    tests = [f"{column} IS NULL"] if None in outlets else []
    marks = ", ".join("?" for _ in named)
    tests += [f"{column} IN ({marks})"] if named else []
    return f" AND ({' OR '.join(tests)})", named


def archived_outlets(db: Database) -> list[str | None]:
    """The outlets the archive holds articles of (None: the default outlet), read from the
    index on articles.outlet one outlet at a time (a loose index scan, not every article)."""
    named = [row[0] for row in db.execute(
        "WITH RECURSIVE o(name) AS (SELECT min(outlet) FROM articles UNION ALL SELECT"
        " (SELECT min(outlet) FROM articles WHERE outlet > o.name) FROM o WHERE o.name IS NOT"
        " NULL) SELECT name FROM o WHERE name IS NOT NULL").fetchall()]
    default = db.execute("SELECT 1 FROM articles WHERE outlet IS NULL LIMIT 1").fetchone()
    return ([None] if default else []) + named
