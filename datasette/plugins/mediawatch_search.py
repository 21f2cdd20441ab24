"""Datasette plugin: `mediawatch_match(q)`, a query read as `mediawatch search` reads it.

    datasette archive.db --metadata datasette/metadata.yaml --plugins-dir datasette/plugins

The canned query `search` (datasette/metadata.yaml) matches it against the stemmed columns of
`articles_fts`, so that any form of a word finds the others there too (`алаңға` finds `алаң`,
`алаңында`), as it does on the command line and in the reading room.
"""

from __future__ import annotations

from datasette import hookimpl
from storage.search import STEM_COLUMNS, SearchQueryError, compile_query

NOTHING = '"0" NOT "0"'  # an expression that matches no row


def match_expression(query: str | None) -> str:
    """The FTS5 expression over the stemmed columns that `mediawatch search` runs for a query;
    one that matches nothing for an empty or malformed query."""
    try:
        expression = compile_query(query or "").expression
    except SearchQueryError:
        return NOTHING
    if expression is None:
        return NOTHING
    return f"{{{' '.join(STEM_COLUMNS)}}} : ({expression})"


@hookimpl
def prepare_connection(conn) -> None:
    conn.create_function("mediawatch_match", 1, match_expression, deterministic=True)
