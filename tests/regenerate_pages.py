"""Re-run extraction on every stored page and write what would change in its expected JSON.

Usage: `.venv/bin/python tests/regenerate_pages.py [NAME ...]` prints a unified diff per page
and writes them all to `tests/pages/regenerated.diff`; nothing is overwritten. Read the diff
field by field against the page; only then, `--accept NAME ...` writes the new expectation.
A new page needs a stub `<name>.json` holding at least `{"url": "<the URL it was fetched from>"}`.
The expected record holds the extracted fields only: nothing derived (hashes, word counts).
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import asdict
from pathlib import Path

PAGES = Path(__file__).parent / "pages"
DIFF_FILE = PAGES / "regenerated.diff"
sys.path.insert(0, str(PAGES.parent.parent))  # run as a script from anywhere in the checkout

from crawler.extract import extract, extract_generic  # noqa: E402


def stored_pages() -> list[Path]:
    """Every stored page, as the path of its HTML file."""
    return sorted(PAGES.glob("*/*.html"))


def load_case(html_path: Path) -> dict:
    """The JSON beside a stored page: `url`, `fetched_at`, `generic` and the `expected` record."""
    return json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))


def extracted_fields(html_path: Path, case: dict) -> dict:
    """The record extracted from a stored page, as the plain fields the JSON holds."""
    reader = extract_generic if case.get("generic") else extract
    return asdict(reader(html_path.read_bytes(), case["url"], case.get("fetched_at")))


def as_text(case: dict) -> str:
    return json.dumps(case, ensure_ascii=False, indent=2) + "\n"


def proposed(html_path: Path) -> tuple[str, str]:
    """The JSON as stored and as extraction would write it now."""
    case = load_case(html_path)
    updated = {key: value for key, value in case.items() if key != "expected"}
    updated["expected"] = extracted_fields(html_path, case)
    return as_text(case), as_text(updated)


def main(arguments: list[str]) -> int:
    accept = arguments[:1] == ["--accept"]
    names = arguments[1:] if accept else arguments
    pages = [p for p in stored_pages() if not names or p.stem in names]
    diffs = []
    for page in pages:
        old, new = proposed(page)
        name = str(page.with_suffix(".json").relative_to(PAGES))
        if old == new:
            print(f"same     {name}")
            continue
        if accept:
            page.with_suffix(".json").write_text(new, encoding="utf-8")
            print(f"written  {name}")
            continue
        print(f"changed  {name}")
        diffs.append("".join(difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            f"{name} (expected)", f"{name} (extracted now)")))
    if diffs:
        DIFF_FILE.write_text("".join(diffs), encoding="utf-8")
        print(f"\n{''.join(diffs)}\nthe diff is in {DIFF_FILE}; read it, then --accept NAME")
    return 0 if pages else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
