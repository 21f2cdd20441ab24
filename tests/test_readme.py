"""The README shows every command of the command line in a code block."""

from __future__ import annotations

import re
from pathlib import Path

from cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def code_blocks(text: str) -> str:
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S))


def test_every_command_has_an_example_in_the_readme():
    code = code_blocks(README.read_text(encoding="utf-8"))
    missing = [name for name in sorted(main.commands)
               if not re.search(rf"^mediawatch {re.escape(name)}\b", code, flags=re.M)]
    assert not missing, f"commands without an example in README.md: {', '.join(missing)}"
