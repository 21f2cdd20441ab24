"""The read side: the archive's data as terminal text, JSON-ready dicts, HTML and exports."""
