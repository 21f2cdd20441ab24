"""A folder of outlet definitions (one TOML file per outlet) beside the built-in ones."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from outlets import builtin_outlets
from outlets.definition import NAME, DefinitionError, Outlet
from outlets.files import load, save


def default_folder(db: str) -> Path:
    """Where the outlets of an archive are kept when no folder is given: beside the archive,
    named after it (`archive.db` -> `archive.outlets/`)."""
    path = Path(db)
    stem = path.name[:-3] if path.name.endswith(".db") and len(path.name) > 3 else path.name
    return path.with_name(f"{stem}.outlets")


@dataclass
class Entry:
    """One definition as found: the outlet, or the error that keeps its file from being used."""

    name: str
    source: str  # "built-in" or the file's path
    outlet: Outlet | None = None
    error: str | None = None


class OutletFolder:
    """The outlets of one folder, with the built-in definitions; a file named like a built-in
    one replaces it."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        """The file of a definition; DefinitionError for a name no outlet can have."""
        if not NAME.fullmatch(name):
            raise DefinitionError(f"{name!r} is not an outlet's name: lower-case letters, "
                                  "digits, - or _ (at most 40)")
        return self.folder / f"{name}.toml"

    def entries(self) -> list[Entry]:
        """Every definition, built-in ones first, each file read and checked."""
        found = {outlet.name: Entry(outlet.name, "built-in", outlet) for outlet in builtin_outlets()}
        try:
            files = sorted(self.folder.glob("*.toml")) if self.folder.is_dir() else []
        except OSError as exc:
            raise DefinitionError(f"{self.folder}: the outlets folder cannot be read: "
                                  f"{exc.strerror or exc}") from None
        for file in files:
            found[file.stem] = self._read(file)
        return list(found.values())

    def _read(self, file: Path) -> Entry:
        try:
            outlet = load(file)
        except DefinitionError as exc:
            return Entry(file.stem, str(file), error=str(exc))
        if outlet.name != file.stem:
            return Entry(file.stem, str(file), error=f"{file}: name = {outlet.name!r} is not the "
                         f"file's name; call the file {outlet.name}.toml or change the name")
        return Entry(outlet.name, str(file), outlet)

    def get(self, name: str) -> Outlet:
        """The named outlet; DefinitionError if it is unknown or its file is unusable."""
        for entry in self.entries():
            if entry.name == name:
                if entry.error:
                    raise DefinitionError(entry.error)
                return entry.outlet
        known = ", ".join(entry.name for entry in self.entries())
        raise DefinitionError(f"no outlet named {name!r}; the outlets are {known}")

    def add(self, outlet: Outlet) -> Path:
        """Store a new definition; DefinitionError if the name is taken."""
        if any(entry.name == outlet.name for entry in self.entries()):
            raise DefinitionError(f"an outlet named {outlet.name!r} exists already: give another "
                                  "--name, or remove it first")
        path = self.path(outlet.name)
        save(outlet, path)
        return path

    def remove(self, name: str) -> Path:
        """Delete an added definition; a built-in one cannot be removed."""
        path = self.path(name)
        if path.exists():
            path.unlink()
            return path
        if any(outlet.name == name for outlet in builtin_outlets()):
            raise DefinitionError(f"{name!r} is built in and cannot be removed")
        raise DefinitionError(f"no outlet named {name!r} in {self.folder}")
