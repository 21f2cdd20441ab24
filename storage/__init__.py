"""The archive: every version of every article in SQLite."""
