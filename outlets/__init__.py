"""Outlets as definitions: the built-in ones (TOML files in this package) and folders of added ones."""

from __future__ import annotations

from functools import cache
from importlib import resources

from outlets.definition import DefinitionError, Edition, Outlet
from outlets.files import loads

__all__ = ["DefinitionError", "Edition", "Outlet", "builtin_outlets", "default_outlet"]


@cache
def builtin_outlets() -> tuple[Outlet, ...]:
    """The definitions shipped with mediawatch, by file name."""
    files = sorted((item for item in resources.files(__package__).iterdir()
                    if item.name.endswith(".toml")), key=lambda item: item.name)
    return tuple(loads(item.read_text(encoding="utf-8"), f"outlets/{item.name}") for item in files)


def default_outlet() -> Outlet:
    """The outlet of the commands that name none: the first built-in definition."""
    return builtin_outlets()[0]
