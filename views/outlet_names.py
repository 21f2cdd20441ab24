"""The outlets readers name: each one's name, title and host, from its definition or the archive.

Articles of the default outlet are stored with no outlet (NULL) and those of other outlets with
their outlet's name (storage/outlets.py); a reader names every outlet alike. The book translates
between the two, and knows the outlets of the built-in definitions, of the archive's outlets
folder and of the articles archived (an outlet whose definition was removed keeps its articles).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlite_utils import Database

from outlets import Outlet, builtin_outlets, default_outlet
from storage.outlets import archived_outlets


class UnknownOutlet(LookupError):
    """No outlet of that name is defined or archived."""


@dataclass(frozen=True)
class Known:
    """One outlet as readers see it; `stored` is how articles.outlet holds it."""

    name: str
    title: str
    host: str
    stored: str | None


def outlet_host(outlet: Outlet) -> str:
    """The outlet's main host: the first of its definition's hosts, else its home page's."""
    return outlet.hosts[0] if outlet.hosts else (urlsplit(outlet.home).hostname or outlet.name)


def database_file(db: Database) -> str | None:
    """The file the archive was opened from (None for one in memory)."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None
    return None


def name_of(stored: str | None) -> str:
    """An outlet's name from how articles store it (None: the default outlet)."""
    return stored or default_outlet().name


def stored_as(name: str) -> str | None:
    """How articles store an outlet's name (the default outlet: None)."""
    return None if name == default_outlet().name else name


class OutletBook:
    """The outlets a reader may name, the default one first, then by name."""

    def __init__(self, definitions: Iterable[Outlet] = (),
                 archived: Iterable[str | None] = ()) -> None:
        self.default = default_outlet().name
        found: dict[str, Known] = {}
        for outlet in [*builtin_outlets(), *definitions]:
            stored = None if outlet.name == self.default else outlet.name
            found[outlet.name] = Known(outlet.name, outlet.title or outlet.name,
                                       outlet_host(outlet), stored)
        for stored in archived:
            name = stored or self.default
            found.setdefault(name, Known(name, name, name, stored))
        self.known = dict(sorted(found.items(), key=lambda pair: (pair[0] != self.default,
                                                                  pair[0])))

    @classmethod
    def of(cls, db: Database, folder: str | os.PathLike | None = None) -> OutletBook:
        """The outlets of an archive: the built-in definitions, those of its outlets folder
        (`folder`, else the one beside the archive; a file that cannot be read is left out)
        and those it holds articles of."""
        from outlets.store import OutletFolder, default_folder

        if folder is None:
            file = database_file(db)
            folder = default_folder(file) if file else None
        definitions = []
        if folder is not None and Path(folder).is_dir():
            try:
                entries = OutletFolder(folder).entries()
            except ValueError:  # the folder cannot be read: its outlets are named as archived
                entries = []
            definitions = [entry.outlet for entry in entries if entry.outlet]
        return cls(definitions, archived_outlets(db))

    def names(self) -> list[str]:
        return list(self.known)

    def stored(self, names: Iterable[str]) -> tuple[str | None, ...]:
        """The outlets named, as articles.outlet holds them; UnknownOutlet for a name that is
        neither defined nor archived."""
        chosen = []
        for name in dict.fromkeys(names):
            if name not in self.known:
                raise UnknownOutlet(f"no outlet named {name!r}; the outlets are "
                                    f"{', '.join(self.known)}")
            chosen.append(self.known[name].stored)
        return tuple(chosen)

    def names_of(self, stored: Iterable[str | None]) -> list[str]:
        """The names of outlets as stored."""
        return [self.get(outlet).name for outlet in stored]

    def get(self, stored: str | None) -> Known:
        """The outlet of an article (its articles.outlet value)."""
        name = stored or self.default
        return self.known.get(name) or Known(name, name, name, stored)

    def label(self, items: list[dict], key: str = "outlet") -> list[dict]:
        """Name each item's outlet (`outlet` as stored becomes its name, `outlet_title` its
        title); items that are not about an article (degraded runs) get None."""
        for item in items:
            if item.get("article_id") is None:
                item[key], item[f"{key}_title"] = None, None
                continue
            known = self.get(item.get(key))
            item[key], item[f"{key}_title"] = known.name, known.title
        return items

    def choices(self) -> list[dict]:
        """Every outlet with its title, for a selector."""
        return [{"name": known.name, "title": known.title} for known in self.known.values()]
