"""Editions of one story in Russian, Kazakh and English: linked from the pages or inferred."""

from __future__ import annotations

from sqlite_utils import Database

from storage.records import EDITIONS

LINK = "link"
INFERRED = "inferred"

# Confidence of an inferred pair by the evidence the two articles share.
SAME_COVER_AND_TIME = 0.9
SAME_COVER = 0.7
SAME_TIME = 0.5


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _language(db: Database, article_id: int) -> str | None:
    row = db.execute("SELECT language FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else None


def _partners(db: Database, article_id: int, language: str, method: str | None = None) -> list:
    """(partner id, method, confidence) of an article's links to known articles of a language."""
    sql = (
        "SELECT a.id, l.method, l.confidence FROM story_links l"
        " JOIN articles a ON a.id = CASE WHEN l.article_id = ? THEN l.other_id ELSE l.article_id END"
        " WHERE (l.article_id = ? OR l.other_id = ?) AND a.language = ?"
    )
    params: list = [article_id, article_id, article_id, language]
    if method:
        sql += " AND l.method = ?"
        params.append(method)
    return db.execute(sql, params).fetchall()


def _drop_inferred(db: Database, article_id: int, language: str, keep: int | None) -> None:
    """Remove an article's inferred links to articles of a language, except to `keep`."""
    for partner, method, _ in _partners(db, article_id, language, INFERRED):
        if partner != keep:
            db.execute(
                "DELETE FROM story_links WHERE article_id = ? AND other_id = ? AND method = ?",
                [*_pair(article_id, partner), method],
            )


def _insert(db: Database, a: int, b: int, method: str, confidence: float, found_at: str) -> None:
    db.execute(
        "INSERT OR REPLACE INTO story_links (article_id, other_id, method, confidence, found_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [*_pair(a, b), method, confidence, found_at],
    )


def link_editions(db: Database, article_id: int, other_ids: list[int], found_at: str) -> None:
    """Record the links a page gives to its other editions (the target may not be archived yet)."""
    for other in other_ids:
        if other == article_id:
            continue
        existing = db.execute(
            "SELECT method FROM story_links WHERE article_id = ? AND other_id = ?",
            list(_pair(article_id, other)),
        ).fetchone()
        if existing is None or existing[0] != LINK:
            _insert(db, article_id, other, LINK, 1.0, found_at)


def prune_inferred(db: Database, article_id: int) -> None:
    """A linked pair of editions overrides inferred links of either side in the other's language."""
    own = _language(db, article_id)
    if own is None:
        return
    for language in EDITIONS:
        for partner, _, _ in _partners(db, article_id, language, LINK):
            _drop_inferred(db, article_id, language, keep=partner)
            _drop_inferred(db, partner, own, keep=article_id)


def _score(mine: tuple, theirs: tuple) -> float:
    same_time = mine[0] is not None and mine[0] == theirs[0]
    same_cover = mine[1] is not None and mine[1] == theirs[1]
    if same_time and same_cover:
        return SAME_COVER_AND_TIME
    return SAME_COVER if same_cover else SAME_TIME if same_time else 0.0


def _best_confidence(db: Database, article_id: int, language: str) -> float | None:
    """None when an article has a page link into a language, else its best inferred confidence."""
    partners = _partners(db, article_id, language)
    if any(method == LINK for _, method, _ in partners):
        return None
    return max((confidence for _, _, confidence in partners), default=0.0)


def infer_editions(db: Database, article_id: int, found_at: str) -> None:
    """Pair an article with editions in other languages sharing its publication time or cover."""
    row = db.execute(
        "SELECT language, published, cover_image FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        return
    language, published, cover = row
    for other_language in EDITIONS:
        if other_language == language:
            continue
        own_best = _best_confidence(db, article_id, other_language)
        if own_best is None:
            continue
        # Two indexed lookups (publication time, cover) rather than a scan of the language.
        candidates = db.execute(
            "SELECT id, published, cover_image FROM articles WHERE published = ?"
            " AND language = ? AND id != ?"
            " UNION SELECT id, published, cover_image FROM articles WHERE cover_image = ?"
            " AND language = ? AND id != ?",
            [published, other_language, article_id, cover, other_language, article_id],
        ).fetchall()
        scored = []
        for other_id, other_published, other_cover in candidates:
            score = _score((published, cover), (other_published, other_cover))
            their_best = _best_confidence(db, other_id, language)
            if their_best is not None and score > their_best:
                scored.append((score, other_id))
        scored.sort(reverse=True)
        if not scored or scored[0][0] <= own_best:
            continue
        if len(scored) > 1 and scored[1][0] == scored[0][0]:
            continue  # ambiguous: two equally likely editions
        score, other_id = scored[0]
        _drop_inferred(db, article_id, other_language, keep=None)
        _drop_inferred(db, other_id, language, keep=None)
        _insert(db, article_id, other_id, INFERRED, score, found_at)


def update_editions(db: Database, article_id: int, other_ids: list[int], found_at: str) -> None:
    """Re-evaluate an article's editions after it was archived or changed.

    `other_ids` are the ids of the other editions the article's page links to.
    """
    link_editions(db, article_id, other_ids, found_at)
    prune_inferred(db, article_id)
    infer_editions(db, article_id, found_at)


def editions(db: Database, article_id: int) -> list[dict]:
    """Every other archived edition of the article's story, with how the link was established.

    Editions linked through another edition report the weakest link on the way.
    """
    seen = {article_id: (LINK, 1.0)}
    queue = [article_id]
    while queue:
        current = queue.pop(0)
        method, confidence = seen[current]
        for other, link_method, link_confidence in db.execute(
            "SELECT CASE WHEN article_id = ? THEN other_id ELSE article_id END, method, confidence"
            " FROM story_links WHERE article_id = ? OR other_id = ?",
            [current, current, current],
        ).fetchall():
            if other in seen:
                continue
            path_method = LINK if method == LINK and link_method == LINK else INFERRED
            seen[other] = (path_method, min(confidence, link_confidence))
            queue.append(other)
    result = []
    for other, (method, confidence) in seen.items():
        if other == article_id:
            continue
        row = db.execute(
            "SELECT language, url, title FROM articles WHERE id = ?", [other]
        ).fetchone()
        if row is None:
            continue
        result.append({
            "article_id": other,
            "language": row[0],
            "url": row[1],
            "title": row[2],
            "method": method,
            "confidence": confidence,
        })
    return sorted(result, key=lambda item: (item["language"], item["article_id"]))
