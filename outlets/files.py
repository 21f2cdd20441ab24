"""Outlet definitions as TOML files: read and checked with tomllib, written by a small writer."""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import tomllib
from pathlib import Path

from outlets.definition import DefinitionError, Outlet

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
HEADER = ("# An outlet definition of mediawatch (docs/outlets.md). Edit it by hand where detection\n"
          "# got something wrong; it is checked whenever it is read.\n")


def loads(text: str, source: str = "definition", folder: str = "") -> Outlet:
    """A checked definition from TOML text; DefinitionError with the source and the problem.
    `folder`: where the file lies, whose outlet modules come before the built-in ones."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{source}: not valid TOML: {exc}") from None
    return Outlet.from_dict(data, source, folder)


def load(path: str | os.PathLike) -> Outlet:
    """The definition in a TOML file; DefinitionError when it cannot be read or used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read: {exc}") from None
    return loads(text, str(path), str(Path(path).resolve().parent))


def dumps(outlet: Outlet) -> str:
    """The definition as TOML text, which `loads` reads back to the same definition."""
    return HEADER + write_toml(outlet.to_dict())


def save(outlet: Outlet, path: str | os.PathLike) -> None:
    """Write the definition to a file whole or not at all (a temporary file renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(dumps(outlet))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def copy_outlet_module(outlet: Outlet, folder: str | os.PathLike) -> None:
    """Copy the outlet module kept beside the outlet's definition (if it has one there) into
    another folder of definitions, so that a copy of the definition reads the same markup."""
    extraction = outlet.extraction
    own = Path(extraction.folder, f"{extraction.module}.py") if extraction.folder else None
    if own is not None and own.is_file():
        shutil.copyfile(own, Path(folder, own.name))


# ---- the writer ---------------------------------------------------------------------------------
# Enough TOML for definitions: text, true/false, numbers, lists of those, tables and lists of
# tables, in that order within each table (a table's own values come before its subtables).

def write_toml(data: dict) -> str:
    """TOML text of a dict of text, booleans, numbers, lists, tables and lists of tables."""
    lines: list[str] = []
    _write_table(data, [], lines)
    return "\n".join(lines).strip("\n") + "\n"


def _is_table_list(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _write_table(data: dict, path: list[str], lines: list[str]) -> None:
    plain = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(v)}
    for key, value in plain.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{'.'.join(_key(k) for k in [*path, key])}]"]
            _write_table(value, [*path, key], lines)
        elif _is_table_list(value):
            for item in value:
                lines += ["", f"[[{'.'.join(_key(k) for k in [*path, key])}]]"]
                _write_table(item, [*path, key], lines)


def _key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else _basic_string(key)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value} cannot be written as TOML")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            raise ValueError("lists of lists or of mixed tables cannot be written here")
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise ValueError(f"{type(value).__name__} cannot be written as TOML")


def _string(text: str) -> str:
    """A literal string where it reads better (regular expressions), else a basic string."""
    if "\\" in text and "'" not in text and not re.search(r"[\x00-\x1f\x7f]", text):
        return f"'{text}'"
    return _basic_string(text)


def _basic_string(text: str) -> str:
    escaped = []
    for char in text:
        if char == "\\":
            escaped.append("\\\\")
        elif char == '"':
            escaped.append('\\"')
        elif char in "\b\t\n\f\r":
            escaped.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'
