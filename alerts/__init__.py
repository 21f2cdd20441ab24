"""Atom feeds of the archive's changes, watches on them, and delivery of notifications."""
