"""The web reading room: pages and a JSON API over the archive, read-only."""
