"""Full-text search over the archive: query parsing, stemmed FTS5 matching, ranking, snippets."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlite_utils import Database

from storage import kazakh
from storage.budget import OutOfTime, time_limit
from storage.kazakh import has_kazakh_letters
from storage.outlets import outlet_clause
from storage.records import EDITIONS, display_columns
from storage.text import (
    CYRILLIC,
    WORD,
    fold,
    index_form,
    index_text,
    is_stopword,
    query_forms,
    words,
)

FIELDS = ("title", "lead", "body", "authors", "tags")
STEM_COLUMNS = tuple(f"{name}_stems" for name in FIELDS)
# The articles FTS table indexes the current text as written (what datasette's search box
# matches) and stemmed (what `search` matches); the versions FTS table every version's stemmed
# text. Both are contentless: the text is read from the versions. bm25 weights follow the
# column order.
ARTICLE_FTS_COLUMNS = FIELDS + STEM_COLUMNS
WEIGHTS = {"title": 10.0, "lead": 4.0, "body": 1.0, "authors": 3.0, "tags": 3.0}
ARTICLE_WEIGHTS = [0.0] * len(FIELDS) + [WEIGHTS[name] for name in FIELDS]
VERSION_WEIGHTS = [WEIGHTS[name] for name in FIELDS]
TOKENIZER = "unicode61 remove_diacritics 2"

# bm25 is computed for at most this many of the newest matches: a query for a word found in
# most articles would otherwise rank all of them.
RANK_WINDOW = 500
# Matches per edition are counted among the same newest matches that are ranked.
COUNT_WINDOW = RANK_WINDOW
SNIPPET_WORDS = 30
OPERATORS = ("AND", "OR", "NOT")

# What one query may ask (docs/reliability.md, "Queries"). Every word is looked up in the index
# and every prefix* walks all the indexed words it begins, so the cost of a query grows with
# them; FTS5's parser holds about 30 levels of parentheses, and the compiled query adds a few.
MAX_TERMS = 32  # words, those of phrases included
MAX_PREFIXES = 4  # prefix* terms
MAX_DEPTH = 8  # levels of nested parentheses
# Seconds one search may run (SQLite's progress handler stops it): the last guard, for what the
# limits above cannot foresee (a very large archive, a very busy machine).
TIME_LIMIT = 5.0


class SearchQueryError(ValueError):
    """The search query cannot be understood; the message says what is wrong."""


class SearchTooSlow(SearchQueryError):
    """The query ran past its time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query took too long (stopped after {seconds:g} s, the most a "
                         "search may take): search for fewer words, or longer prefixes")


def shown(query: str, size: int = 60) -> str:
    """A query as quoted in a message: a long one cut short, so the message stays one line."""
    one_line = " ".join(query.split())
    return repr(one_line if len(one_line) <= size else one_line[: size - 1] + "…")


def stem_columns(record: dict, language: str) -> dict:
    """The stemmed text of each searchable field of a record."""
    text = display_columns(record)
    return {f"{name}_stems": index_text(text[name], language) for name in FIELDS}


def search_columns(record: dict, language: str) -> dict:
    """Readable and stemmed text of a record, as the articles' index holds it."""
    return {**display_columns(record), **stem_columns(record, language)}


def _index(db: Database, table: str, columns: tuple[str, ...], rowid: int, values: list,
           delete: bool = False) -> None:
    command, marks = (f"{table}, ", "'delete', ") if delete else ("", "")
    db.execute(f"INSERT INTO {table} ({command}rowid, {', '.join(columns)})"
               f" VALUES ({marks}?, {', '.join('?' for _ in columns)})", [rowid, *values])


def _article_values(record: dict, language: str) -> list[str]:
    columns = search_columns(record, language)
    return [columns[column] for column in ARTICLE_FTS_COLUMNS]


def index_article(db: Database, article_id: int, record: dict, language: str) -> None:
    """Add an article's current text, as written and stemmed, to the current-text index."""
    _index(db, "articles_fts", ARTICLE_FTS_COLUMNS, article_id,
           _article_values(record, language))


def unindex_article(db: Database, article_id: int, record: dict, language: str) -> None:
    """Remove an article's text, as it was indexed (its current record until now), from the
    current-text index: the index keeps no copy of what it indexed, so the record says it."""
    _index(db, "articles_fts", ARTICLE_FTS_COLUMNS, article_id,
           _article_values(record, language), delete=True)


def index_version(db: Database, version_id: int, record: dict, language: str) -> None:
    """Add one version's stemmed text to the all-versions index."""
    stems = stem_columns(record, language)
    _index(db, "versions_fts", FIELDS, version_id, [stems[column] for column in STEM_COLUMNS])


def unindex_version(db: Database, version_id: int, record: dict, language: str) -> None:
    """Remove one version's text, as it was indexed, from the all-versions index."""
    stems = stem_columns(record, language)
    _index(db, "versions_fts", FIELDS, version_id, [stems[column] for column in STEM_COLUMNS],
           delete=True)


# ---- query parsing -------------------------------------------------------------------------

@dataclass
class Term:
    """A word or a quoted phrase; `prefix` applies to its last word."""

    words: list[str]
    prefix: bool


_CHUNK = re.compile(r'[^\s()"]+')


class _Limits:
    """Counts what a query asks as it is read, and refuses it past the limits."""

    def __init__(self) -> None:
        self.words = self.prefixes = self.depth = 0

    def term(self, term: Term) -> None:
        self.words += len(term.words)
        self.prefixes += term.prefix
        if self.words > MAX_TERMS:
            raise SearchQueryError(f"too many words: a query may have at most {MAX_TERMS} "
                                   "(phrases included)")
        if self.prefixes > MAX_PREFIXES:
            raise SearchQueryError(f"too many prefix searches (word*): a query may have at "
                                   f"most {MAX_PREFIXES}")

    def parenthesis(self, char: str) -> None:
        self.depth += 1 if char == "(" else -1
        if self.depth > MAX_DEPTH:
            raise SearchQueryError(f"parentheses nested too deep: a query may nest them at "
                                   f"most {MAX_DEPTH} levels")


def _lex(query: str) -> list[tuple[str, Term | None]]:
    tokens: list[tuple[str, Term | None]] = []
    limits = _Limits()
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            limits.parenthesis(char)
            tokens.append((char, None))
            i += 1
        elif char == '"':
            end = query.find('"', i + 1)
            if end == -1:
                raise SearchQueryError(
                    f"unbalanced quote: the phrase opened at position {i + 1} is never closed"
                )
            prefix = query[end + 1 : end + 2] == "*"
            phrase = fold(query[i + 1 : end])
            i = end + 2 if prefix else end + 1
            if not WORD.search(phrase):
                raise SearchQueryError('empty phrase: put words between the quotes, "like this"')
            tokens.append(("TERM", Term(WORD.findall(phrase), prefix)))
            limits.term(tokens[-1][1])
        else:
            chunk = _CHUNK.match(query, i).group()
            i += len(chunk)
            if chunk in OPERATORS:
                tokens.append((chunk, None))
            elif WORD.search(chunk):
                tokens.append(("TERM", Term(WORD.findall(fold(chunk)), chunk.endswith("*"))))
                limits.term(tokens[-1][1])
    return tokens


class _Parser:
    """Recursive descent over FTS5's grammar: NOT binds tighter than AND, AND tighter than OR.

    Its depth is that of the parentheses, which _lex bounds (MAX_DEPTH).
    """

    def __init__(self, tokens: list) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        if not self.tokens:
            raise SearchQueryError("empty query: give at least one word")
        node = self.or_expr()
        if self.peek() == ")":
            raise SearchQueryError("unbalanced parenthesis: a ')' has no matching '('")
        return node

    def or_expr(self):
        children = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            children.append(self.and_expr())
        return ("or", children) if len(children) > 1 else children[0]

    def and_expr(self):
        children = [self.not_expr()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            children.append(self.not_expr())
        return ("and", children) if len(children) > 1 else children[0]

    def not_expr(self):
        node = self.primary()
        while self.peek() == "NOT":
            self.take()
            node = ("not", node, self.primary())
        return node

    def primary(self):
        kind = self.peek()
        if kind is None:
            last = self.tokens[-1][0]
            raise SearchQueryError(f"the query ends with {last}: it needs a term after it")
        if kind in OPERATORS:
            raise SearchQueryError(
                f"{kind} needs a term on each side, e.g. `a {kind} b` (to search for the word "
                f"itself, write it in lowercase or in quotes)"
            )
        if kind == ")":
            raise SearchQueryError("unbalanced parenthesis or empty group: ')' without a term")
        token = self.take()
        if kind == "TERM":
            return ("term", token[1])
        node = self.or_expr()
        if self.peek() != ")":
            raise SearchQueryError("unbalanced parenthesis: a '(' is never closed")
        self.take()
        return node


@dataclass
class CompiledQuery:
    """An FTS5 expression over the stemmed columns and the forms to highlight in snippets.

    `spellings`, when given, names the index forms of the Kazakh words that a word typed
    without Kazakh letters may stand for (`оскемен` -> `өскемен`), given the word and its own
    forms; the query then matches them too.
    """

    expression: str | None
    forms: set[str]
    prefixes: set[str]
    spellings: Callable[[str, list[str]], list[str]] | None = None


def _phrase(words: list[tuple[str, bool]]) -> str:
    return " + ".join(f'"{form}"' + ("*" if prefix else "") for form, prefix in words)


def _word_forms(word: str, prefix: bool, language: str, query: CompiledQuery | None) -> list[str]:
    if prefix:
        return [index_form(word, language)]
    forms = query_forms(word, language)
    if query and query.spellings and language == "kk" and CYRILLIC.search(word) \
            and not has_kazakh_letters(word):
        forms += query.spellings(word, forms)
    return forms


def _compile_term(term: Term, language: str | None, query: CompiledQuery) -> str | None:
    last = len(term.words) - 1
    kept = [
        (word, term.prefix and i == last)
        for i, word in enumerate(term.words)
        if not is_stopword(word) or (term.prefix and i == last)
    ]
    if not kept:
        return None
    cyrillic = any(CYRILLIC.search(word) for word, _ in kept)
    languages = [language] if language else (["ru", "kk"] if cyrillic else ["en"])
    variants: list[str] = []
    for lang in languages:
        if len(kept) == 1:
            word, prefix = kept[0]
            forms = _word_forms(word, prefix, lang, query)
            (query.prefixes if prefix else query.forms).update(forms)
            candidates = [_phrase([(form, prefix)]) for form in forms]
        else:
            # A phrase takes each word's first form: FTS5 phrases have no alternatives.
            phrase = [(_word_forms(word, prefix, lang, None)[0], prefix) for word, prefix in kept]
            for form, prefix in phrase:
                (query.prefixes if prefix else query.forms).add(form)
            candidates = [_phrase(phrase)]
        variants += [candidate for candidate in candidates if candidate not in variants]
    return variants[0] if len(variants) == 1 else "(" + " OR ".join(variants) + ")"


def _compile_node(node, language: str | None, query: CompiledQuery) -> str | None:
    kind = node[0]
    if kind == "term":
        return _compile_term(node[1], language, query)
    if kind == "not":
        # `a NOT b NOT c` is read ((a NOT b) NOT c); FTS5 reads NOT from the left too, so the
        # chain is written without nesting (a long one would overflow FTS5's parser).
        excluded = []
        while node[0] == "not":
            excluded.append(node[2])
            node = node[1]
        left = _compile_node(node, language, query)
        rights = [_compile_node(right, language, CompiledQuery(None, set(), set(),
                                                                query.spellings))
                  for right in reversed(excluded)]
        rights = [right for right in rights if right is not None]
        if left is None or not rights:
            return left
        return "(" + " NOT ".join([left, *rights]) + ")"
    parts = [p for p in (_compile_node(child, language, query) for child in node[1]) if p]
    if not parts:
        return None
    joiner = " AND " if kind == "and" else " OR "
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def compile_query(text: str, language: str | None = None,
                  spellings: Callable[[str, list[str]], list[str]] | None = None) -> CompiledQuery:
    """Parse a user query (words, "phrases", word*, AND/OR/NOT, parentheses) into FTS5 syntax.

    Every word is normalised and stemmed like the index; stopwords are dropped. Raises
    SearchQueryError for a malformed query.
    """
    query = CompiledQuery(None, set(), set(), spellings)
    query.expression = _compile_node(_Parser(_lex(text)).parse(), language, query)
    return query


def validate_query(text: str, language: str | None = None) -> CompiledQuery:
    """Compile a query and have FTS5 itself read it, the way a search, a feed or a watch runs
    it: raises SearchQueryError for whatever either would refuse, so that a query is refused
    where it is written (`watch add`, a feed) rather than where it runs."""
    query = compile_query(text, language)
    if query.expression is None:
        return query
    memory = sqlite3.connect(":memory:")
    try:
        memory.execute(f"CREATE VIRTUAL TABLE probe USING fts5({', '.join(STEM_COLUMNS)})")
        for match in (query.expression, f"{{{' '.join(STEM_COLUMNS)}}} : ({query.expression})"):
            memory.execute("SELECT rowid FROM probe WHERE probe MATCH ?", [match]).fetchall()
    except sqlite3.OperationalError as exc:
        raise SearchQueryError(f"the search engine could not read the query: {exc}") from None
    finally:
        memory.close()
    return query


# ---- searching -----------------------------------------------------------------------------

def _filters(
    prefix: str,
    language: str | None,
    section: str | None,
    author: str | None,
    date_from: str | None,
    date_to: str | None,
    outlets: tuple[str | None, ...] = (),
) -> tuple[str, list]:
    """SQL clauses for the filters; `prefix` names the row holding section, authors (a JSON
    list, as every version keeps it) and the publication date."""
    clauses, params = [], []
    if outlets:
        clause, named = outlet_clause("a.outlet", outlets)
        clauses.append(clause.removeprefix(" AND "))
        params += named
    if language:
        clauses.append("a.language = ?")
        params.append(language)
    if section:
        clauses.append(f"{prefix}.section = ?")
        params.append(section)
    if author:
        clauses.append(f"instr(mw_fold({prefix}.authors), ?) > 0")
        params.append(fold(author.strip()))
    if date_from:
        clauses.append(f"substr({prefix}.published, 1, 10) >= ?")
        params.append(date_from)
    if date_to:
        clauses.append(f"substr({prefix}.published, 1, 10) <= ?")
        params.append(date_to)
    return "".join(f" AND {clause}" for clause in clauses), params


def _current_filters(language, section, author, date_from, date_to,
                     outlets=()) -> tuple[str, str, list]:
    """(joins from the article, clauses, parameters) of the filters on the current text: the
    author is read from the current version (the article keeps no copy of it)."""
    filters, params = _filters("a", language, section, None, date_from, date_to, outlets)
    if not author:
        return "", filters, params
    by_author, more = _filters("cv", None, None, author, None, None)
    return " CROSS JOIN versions cv ON cv.id = a.current_version_id", filters + by_author, \
        params + more


@contextmanager
def searching(db: Database, seconds: float | None = None) -> Iterator[None]:
    """Run the block's full-text queries within `seconds` (default TIME_LIMIT) in all: past
    them SearchTooSlow, and a query FTS5 refuses (a syntax error, its parser's stack
    overflowing) SearchQueryError."""
    try:
        with time_limit(db, TIME_LIMIT if seconds is None else seconds):
            yield
    except OutOfTime as exc:
        raise SearchTooSlow(exc.seconds) from None
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax error" in str(exc):
            raise SearchQueryError(f"the search engine could not read the query: {exc}") from None
        raise


def _ranked(db: Database, table: str, joins: str, weights: list[float], match: str,
            filters: str, params: list, limit: int, offset: int) -> list[tuple[int, float]]:
    """(rowid, score) best first, bm25 computed only for the RANK_WINDOW newest matches that
    pass the filters.

    One pass over the index, newest first: each match is joined to its row for the filters
    (the index drives the join), and bm25 is computed only for the rows kept, so the cost
    follows the window, not the number of matches. Only rowids are ranked; the caller loads
    the text of the few rows it returns.
    """
    marks = ", ".join("?" for _ in weights)
    window = db.execute(
        f"SELECT {table}.rowid, bm25({table}, {marks}) FROM {table}"
        f"{' ' + joins if filters else ''} WHERE {table} MATCH ?{filters}"
        f" ORDER BY {table}.rowid DESC LIMIT ?",
        [*weights, match, *params, RANK_WINDOW],
    ).fetchall()
    window.sort(key=lambda row: (row[1], row[0]))
    return window[offset : offset + limit]


def _load(db: Database, sql: str, ranked: list[tuple[int, float]]) -> list[tuple]:
    """Rows for ranked rowids (the first selected column is the rowid), in rank order."""
    if not ranked:
        return []
    marks = ", ".join("?" for _ in ranked)
    rows = {row[0]: row for row in db.execute(sql + f" IN ({marks})", [r for r, _ in ranked])}
    return [(*rows[rowid][1:], score) for rowid, score in ranked if rowid in rows]


def search(
    db: Database,
    text: str,
    language: str | None = None,
    section: str | None = None,
    author: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    all_versions: bool = False,
    limit: int = 20,
    offset: int = 0,
    marks: tuple[str, str] = ("[", "]"),
    seconds: float | None = None,
    outlets: tuple[str | None, ...] = (),
) -> list[dict]:
    """Articles matching a query, best first, with a highlighted snippet.

    Filters: edition language, section, author (part of a name, any case), publication date
    range (`YYYY-MM-DD`, inclusive), outlets (as stored: None is the default outlet). With
    all_versions, every archived version is searched (so text since edited out or removed is
    found) and each article appears once, with its best-matching version.

    Words typed without Kazakh letters also find the Kazakh words they may stand for
    (`Оскемен` finds `Өскемен`); those articles come after the ones the words match as typed.
    Raises SearchQueryError for a malformed query or one past the limits, SearchTooSlow when
    it runs longer than `seconds` (default TIME_LIMIT).
    """
    query = compile_query(text, language)
    if query.expression is None:
        return []
    db.register_function(fold, name="mw_fold", deterministic=True)
    with searching(db, seconds):
        wide = compile_query(text, language,
                             spellings=lambda word, forms: kazakh_spellings(db, word, forms))
        tiers = [query.expression]
        if wide.expression != query.expression:
            tiers.append(f"({wide.expression}) NOT ({query.expression})")
        find = _search_versions if all_versions else _search_current
        filters = (language, section, author, date_from, date_to, outlets)
        if len(tiers) == 1:
            rows = find(db, query.expression, *filters, limit, offset)
        else:
            rows, seen = [], set()
            for expression in tiers:
                for row in find(db, expression, *filters, offset + limit - len(rows), 0):
                    if row["article_id"] not in seen:
                        seen.add(row["article_id"])
                        rows.append(row)
            rows = rows[offset : offset + limit]
    for row in rows:
        texts = [row.pop("body"), row.pop("lead"), row["title"]]
        row["snippet"] = snippet(texts, row["language"], wide, marks)
    return rows


MAX_SPELLINGS = 8


def index_spellings(db: Database, record: dict, language: str) -> None:
    """Remember how the Kazakh words of a record read when typed without Kazakh letters.

    Each word with a Kazakh letter is stored under its flat spelling (`өскемен` as `оскемен`),
    and so is its stem (`өс` as `ос`), both pointing to the stem: kazakh_spellings looks them up.
    """
    if language != "kk":
        return
    rows = set()
    for text in display_columns(record).values():
        for word in words(text):
            rows.update(_flat_spellings(word))
    db.conn.executemany("INSERT OR IGNORE INTO kazakh_spellings (flat, form) VALUES (?, ?)",
                        sorted(rows))


@lru_cache(maxsize=100_000)
def _flat_spellings(word: str) -> tuple[tuple[str, str], ...]:
    """The (flat spelling, stem) rows of one folded word: none without a Kazakh letter."""
    if not has_kazakh_letters(word):
        return ()
    form = kazakh.stem(word)
    return ((kazakh.flat(word), form), (kazakh.flat(form), form))


def kazakh_spellings(db: Database, word: str, forms: list[str]) -> list[str]:
    """Index forms of the archived Kazakh words that a word typed without Kazakh letters may
    stand for (`оскемен` -> the stem of `өскемен`), looked up by the word and by its own
    forms; at most 8."""
    keys = list(dict.fromkeys([word, *forms]))
    marks = ", ".join("?" for _ in keys)
    found = db.execute(
        f"SELECT DISTINCT form FROM kazakh_spellings WHERE flat IN ({marks}) ORDER BY form", keys
    ).fetchall()
    return [form for (form,) in found if form not in forms][:MAX_SPELLINGS]


RESULT_COLUMNS = ("article_id", "language", "section", "url", "title", "published", "authors",
                  "status", "version", "lead", "body", "outlet")


def _search_current(db, expression, language, section, author, date_from, date_to, outlets,
                    limit, offset):
    joins, filters, params = _current_filters(language, section, author, date_from, date_to,
                                              outlets)
    columns = " ".join(STEM_COLUMNS)
    match = f"{{{columns}}} : ({expression})"
    ranked = _ranked(db, "articles_fts",
                     "CROSS JOIN articles a ON a.id = articles_fts.rowid" + joins,
                     ARTICLE_WEIGHTS, match, filters, params, limit, offset)
    rows = _load(
        db,
        "SELECT a.id, a.id, a.language, a.section, a.url, a.title, a.published, v.authors,"
        " a.status, a.current_version, v.lead, v.body, a.outlet FROM articles a"
        " JOIN versions v ON v.id = a.current_version_id WHERE a.id",
        ranked,
    )
    results = []
    for row in rows:
        item = dict(zip(RESULT_COLUMNS, row[:-1], strict=True))
        item["authors"] = json.loads(item["authors"] or "[]")
        item["body"] = "\n\n".join(json.loads(item["body"] or "[]"))
        item["score"] = row[-1]
        results.append(item)
    return results


def _search_versions(db, expression, language, section, author, date_from, date_to, outlets,
                     limit, offset):
    filters, params = _filters("v", language, section, author, date_from, date_to, outlets)
    joins = ("CROSS JOIN versions v ON v.id = versions_fts.rowid"
             " CROSS JOIN articles a ON a.id = v.article_id")
    ranked = _ranked(db, "versions_fts", joins, VERSION_WEIGHTS, expression, filters,
                     params, (limit + offset) * 5, 0)
    rows = _load(
        db,
        "SELECT v.id, v.article_id, a.language, v.section, v.url, v.title, v.published,"
        " v.authors, a.status, v.number, v.lead, v.body, a.outlet, v.id, a.current_version"
        " FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.id",
        ranked,
    )
    results, seen = [], set()
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        item = dict(zip(RESULT_COLUMNS, row[:12], strict=True))
        item["authors"] = json.loads(item["authors"] or "[]")
        item["body"] = "\n\n".join(json.loads(item["body"] or "[]"))
        item["version_id"] = row[12]
        item["current"] = row[8] == row[13]
        item["score"] = row[-1]
        results.append(item)
    return results[offset : offset + limit]


class _Highlighter:
    """Decides which words of a text match the query, remembering each word's answer."""

    def __init__(self, language: str, query: CompiledQuery) -> None:
        self.language = language
        self.query = query
        self.known: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        if word not in self.known:
            folded = fold(word)
            form = "" if is_stopword(folded) else index_form(folded, self.language)
            self.known[word] = bool(form) and (
                form in self.query.forms or any(form.startswith(p) for p in self.query.prefixes)
            )
        return self.known[word]


def _around(text: str, is_hit: Callable[[str], bool] | None, size: int
            ) -> tuple[int, list[tuple[int, int]], bool] | None:
    """(index of the first word shown, spans of the words shown, whether words follow them):
    `size` words around the first matching word (about a third of them before it), or the
    first `size` words when `is_hit` is None; None when no word matches. Words are read only
    as far as needed."""
    before: deque[tuple[int, int]] = deque(maxlen=size // 3)
    words_of = WORD.finditer(text or "")
    for index, match in enumerate(words_of):
        if is_hit is None or is_hit(match.group()):
            shown = [match.span()] if is_hit is None else [*before, match.span()]
            first = index - len(shown) + 1
            for following in words_of:
                if len(shown) == size:
                    return first, shown, True
                shown.append(following.span())
            return first, shown, False
        before.append(match.span())
    return None


def snippet(texts: list[str], language: str, query: CompiledQuery,
            marks: tuple[str, str] = ("[", "]"), size: int = SNIPPET_WORDS) -> str:
    """About `size` words around the first matching word of the first text that has one."""
    is_hit = _Highlighter(language, query)
    found = next(((text, around) for text in texts if (around := _around(text, is_hit, size))),
                 None)
    if found is None:  # no word matches: the first text with words, from its beginning
        found = next(((text, around) for text in texts if (around := _around(text, None, size))),
                     None)
    if found is None:
        return ""
    text, (first, spans, more) = found
    pieces, cursor = [], 0 if first == 0 else spans[0][0]
    for start, end in spans:
        if is_hit(text[start:end]):
            pieces += [text[cursor:start], marks[0], text[start:end], marks[1]]
            cursor = end
    pieces.append(text[cursor : spans[-1][1] if more else len(text)])
    result = " ".join("".join(pieces).split())
    return ("…" if first > 0 else "") + result + ("…" if more else "")


def edition_counts(
    db: Database,
    text: str,
    section: str | None = None,
    author: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    all_versions: bool = False,
    languages: tuple[str, ...] = EDITIONS,
    window: int = COUNT_WINDOW,
    seconds: float | None = None,
    outlets: tuple[str | None, ...] = (),
) -> tuple[dict[str, int], bool]:
    """How many articles match the query in each edition (what `search` with that edition as its
    language filter finds), counted among each edition's `window` newest matches of the index,
    and whether that was all of them. Raises SearchQueryError like `search`.

    Counting every match of a common word would join tens of thousands of rows per edition.
    """
    db.register_function(fold, name="mw_fold", deterministic=True)
    with searching(db, seconds):
        return _edition_counts(db, text, section, author, date_from, date_to, all_versions,
                               languages, window, outlets)


def _edition_counts(db, text, section, author, date_from, date_to, all_versions, languages,
                    window, outlets) -> tuple[dict[str, int], bool]:
    """Editions whose compiled query is the same (a prefix, a word spelled alike in all of
    them) share one pass over the same `window` newest matches, each counted by its filters."""
    counts, complete = {language: 0 for language in languages}, True
    groups: dict[str, list[str]] = {}
    for language in languages:
        expression = compile_query(text, language).expression
        if expression is not None:
            groups.setdefault(expression, []).append(language)
    for expression, group in groups.items():
        counted, params = [], []
        for language in group:
            if all_versions:
                filters, more = _filters("v", language, section, author, date_from, date_to,
                                         outlets)
                counted.append(f"count(DISTINCT CASE WHEN 1{filters} THEN v.article_id END)")
            else:
                joins, filters, more = _current_filters(language, section, author, date_from,
                                                        date_to, outlets)
                counted.append(f"coalesce(sum(1{filters}), 0)")
            params += more
        if all_versions:
            table, match = "versions_fts", expression
            joins = "JOIN versions v ON v.id = m.rowid JOIN articles a ON a.id = v.article_id"
        else:
            table, match = "articles_fts", f"{{{' '.join(STEM_COLUMNS)}}} : ({expression})"
            joins = "JOIN articles a ON a.id = m.rowid" + joins
        scanned, *found = db.execute(
            f"SELECT count(*), {', '.join(counted)} FROM (SELECT rowid FROM {table}"
            f" WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?) m {joins}",
            [*params, match, window],
        ).fetchall()[0]
        counts.update(zip(group, found, strict=True))
        complete = complete and scanned < window
    return counts, complete
