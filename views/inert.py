"""Archived text made inert on output: bidi controls shown by name, spreadsheet formulas defused.

The archive keeps the text as the outlet published it (hidden controls are evidence too); only
what is printed on a terminal or written to CSV is changed.
"""

from __future__ import annotations

import re

# Controls that reorder the text around them (Trojan Source, CVE-2021-42574).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Cells a spreadsheet would run as a formula (OWASP, CSV injection), half- and full-width.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def show_bidi(text: str) -> str:
    """Each bidi control replaced by its code point written out, e.g. `<U+202E>`."""
    return BIDI_CONTROLS.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs: a text starting like a formula gets a leading `'`
    (as OWASP recommends), and bidi controls are shown by name."""
    if not isinstance(value, str):
        return value
    value = show_bidi(value)
    return "'" + value if value.startswith(FORMULA_START) else value
