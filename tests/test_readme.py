"""The README shows every command of the command line in a code block; the docs have no empty
section and make no promise the code does not keep."""

from __future__ import annotations

import re
from pathlib import Path

from cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]


def code_blocks(text: str) -> str:
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S))


def test_every_command_has_an_example_in_the_readme():
    code = code_blocks(README.read_text(encoding="utf-8"))
    missing = [name for name in sorted(main.commands)
               if not re.search(rf"^mediawatch {re.escape(name)}\b", code, flags=re.M)]
    assert not missing, f"commands without an example in README.md: {', '.join(missing)}"


def headings(text: str) -> list[tuple[int, str]]:
    """(line number, heading) of every Markdown heading outside code blocks."""
    found, in_code = [], False
    for number, line in enumerate(text.splitlines()):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(r"#{1,6} ", line):
            found.append((number, line))
    return found


def test_no_section_of_the_docs_is_empty():
    empty = []
    for path in DOCS:
        lines = path.read_text(encoding="utf-8").splitlines()
        found = headings("\n".join(lines))
        for (number, heading), (after, following) in zip(found, found[1:], strict=False):
            deeper = following.split(" ")[0].count("#") > heading.split(" ")[0].count("#")
            if not deeper and not any(line.strip() for line in lines[number + 1:after]):
                empty.append(f"{path.name}: {heading}")
    assert empty == []


def test_no_doc_says_a_reading_command_upgrades_an_archive():
    # Reading commands open the archive read-only and never migrate it (docs/reliability.md).
    for path in DOCS:
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert not re.search(r"reading command[^.]{0,40}(upgrade|migrate)s? (it|the archive)",
                             text), path.name
