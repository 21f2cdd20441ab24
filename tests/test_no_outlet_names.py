"""No outlet is named outside its own definition: the product's code, pages and configuration
know outlets only through their definitions (outlets/), as the replay, the docs and the tests may
name them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from outlets import builtin_outlets

ROOT = Path(__file__).resolve().parent.parent
SCANNED = {".py", ".html", ".toml", ".txt", ".yaml", ".yml", ".cfg", ".ini", ".js", ".css"}
# Where an outlet may be named: the replay builds it, the docs and tests speak of it, the
# benchmarks run against it.
FREE = {"replay", "docs", "tests", "bench"}
SKIPPED = {".venv", ".git", "__pycache__", "node_modules", "build", "dist"}


def own_files(outlet) -> set[str]:
    """An outlet's own files: its definition and its module of layouts."""
    return {f"outlets/{outlet.name}.toml", f"outlets/layouts/{outlet.extraction.module}.py"}


def product_files() -> list[Path]:
    found = []
    for folder, folders, files in os.walk(ROOT):
        top = Path(folder) == ROOT
        folders[:] = [name for name in folders if name not in SKIPPED
                      and not name.endswith(".egg-info") and not (top and name in FREE)]
        found += [Path(folder, name) for name in files if Path(name).suffix in SCANNED]
    return found


def offenders() -> dict[str, list[str]]:
    """Each product file that names a built-in outlet outside its own files, with the lines."""
    outlets = builtin_outlets()
    names = re.compile("|".join(re.escape(outlet.name) for outlet in outlets), re.IGNORECASE)
    allowed = set().union(*(own_files(outlet) for outlet in outlets))
    found = {}
    for path in product_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [f"{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1)
                 if names.search(line)]
        if lines:
            found[relative] = lines
    return found


def test_the_scan_sees_the_product_and_the_outlets_own_files():
    files = {path.relative_to(ROOT).as_posix() for path in product_files()}
    assert {"settings.py", "crawler/extract.py", "spiders/base.py", "outlets/vlast.toml",
            "outlets/layouts/vlast.py", "pyproject.toml"} <= files
    assert not any(name.startswith(("replay/", "tests/", ".venv/")) for name in files)


def test_no_outlet_is_named_outside_its_definition():
    found = offenders()
    report = "\n".join(f"{path}\n    " + "\n    ".join(lines[:5]) for path, lines in found.items())
    assert not found, f"outlets named outside their definitions:\n{report}"
