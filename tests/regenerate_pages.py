"""Re-run extraction on every stored page and rewrite the expected JSON beside it for review.

Usage: `.venv/bin/python tests/regenerate_pages.py [NAME ...]`, then read `git diff tests/pages`.
A new page needs a stub `<name>.json` holding at least `{"url": "<the URL it was fetched from>"}`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PAGES = Path(__file__).parent / "pages"
sys.path.insert(0, str(PAGES.parent.parent))  # run as a script from anywhere in the checkout

from crawler.extract import extract  # noqa: E402


def stored_pages() -> list[Path]:
    """Every stored page, as the path of its HTML file."""
    return sorted(PAGES.glob("*/*.html"))


def load_case(html_path: Path) -> dict:
    """The JSON beside a stored page: `url`, `fetched_at` and the `expected` record."""
    return json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))


def regenerate(html_path: Path) -> bool:
    """Rewrite one page's expected record; True when it changed."""
    case = load_case(html_path)
    record = extract(html_path.read_bytes(), case["url"], case.get("fetched_at"))
    updated = {"url": case["url"], "fetched_at": case.get("fetched_at"),
               "expected": record.to_dict()}
    if updated == case:
        return False
    text = json.dumps(updated, ensure_ascii=False, indent=2) + "\n"
    html_path.with_suffix(".json").write_text(text, encoding="utf-8")
    return True


def main(names: list[str]) -> int:
    pages = [p for p in stored_pages() if not names or p.stem in names]
    for page in pages:
        status = "changed" if regenerate(page) else "same"
        print(f"{status:8} {page.relative_to(PAGES)}")
    return 0 if pages else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
